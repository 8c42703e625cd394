"""``motcua worker``: the background process. It runs every job of ``MOTCUA_WORKER_JOBS`` (the
notification outbox, the deadline sweeper, …) over and over.

motcua worker [--once] [--interval SECONDS] [--batch N]

A job is a callable ``job(now=<aware datetime>) -> int`` (how many rows it handled), given by
its dotted path; a job that also takes a ``worker_id`` keyword gets the worker's id, and one
that takes ``batch`` gets ``--batch`` when it is given (otherwise its own default applies).
Jobs claim their rows with conditional updates, so any number of workers may run at once.

- A pass runs each job once; when no job did anything the worker sleeps ``--interval`` seconds
  (default 5).
- A job that raises is logged with its traceback and the others go on: a broken integration
  never stops the worker.
- SIGTERM or SIGINT stops the worker after the job in progress.
- ``--once`` runs one pass and exits (cron, tests): status 0, or 1 when a job raised.
- Every path is imported at start; one that cannot be imported stops the worker at once.
"""

from __future__ import annotations

import inspect
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

logger = logging.getLogger("motcua.worker")

OPTIONAL_KEYWORDS = ("batch", "worker_id")


@dataclass(frozen=True)
class Job:
    path: str
    func: Callable[..., Any]
    # Which of OPTIONAL_KEYWORDS the job takes.
    extra: frozenset[str] = field(default_factory=frozenset)

    @property
    def name(self) -> str:
        """Module and function, short enough for the log: ``services.deliver_due``."""
        return ".".join(self.path.rsplit(".", 2)[-2:])

    def __call__(self, **options: Any) -> int:
        kwargs = {name: options[name] for name in self.extra if options.get(name) is not None}
        return int(self.func(now=timezone.now(), **kwargs) or 0)


def load_jobs(paths: list[str] | tuple[str, ...]) -> list[Job]:
    """Import every job; a :class:`CommandError` names the first one that cannot be used."""
    if not paths:
        raise CommandError(_("MOTCUA_WORKER_JOBS trống: tiến trình nền không có việc gì để chạy."))
    return [_load_job(path) for path in paths]


def _load_job(path: str) -> Job:
    try:
        func = import_string(path)
    except ImportError as exc:
        raise CommandError(
            _("MOTCUA_WORKER_JOBS: không nạp được việc “%(path)s” (%(error)s).")
            % {"path": path, "error": exc}
        ) from exc
    if not callable(func):
        raise CommandError(
            _("MOTCUA_WORKER_JOBS: “%(path)s” không phải là một hàm.") % {"path": path}
        )
    return Job(path=path, func=func, extra=_extra_keywords(func))


def _extra_keywords(func: Callable[..., Any]) -> frozenset[str]:
    try:
        parameters = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return frozenset()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return frozenset(OPTIONAL_KEYWORDS)
    return frozenset(name for name in OPTIONAL_KEYWORDS if name in parameters)


class StopFlag:
    """Set by SIGTERM / SIGINT; the loop checks it between jobs and sleeps on it."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def __call__(self, signum: int, frame: Any) -> None:
        logger.info("%s received: stopping after the current job", signal.Signals(signum).name)
        self.event.set()

    @property
    def is_set(self) -> bool:
        return self.event.is_set()

    def sleep(self, seconds: float) -> None:
        self.event.wait(seconds)

    @contextmanager
    def installed(self) -> Iterator[None]:
        # Signal handlers can only be set from the main thread (a test may call the command
        # from another one: it then stops by --once only).
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def refresh_connections() -> None:
    """Django's ``close_old_connections`` for a long-running process: drop connections that
    broke or outlived ``CONN_MAX_AGE``, so a database restart costs one failed pass. A
    connection inside a transaction is left alone (it is not the worker's to close)."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


class Command(BaseCommand):
    help = _("Tiến trình nền: gửi thông báo, theo dõi hạn giải quyết và các việc định kỳ khác.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help=_("Chạy mỗi việc một lần rồi dừng.")
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=5.0,
            help=_("Số giây nghỉ khi một lượt không có việc gì (mặc định 5)."),
        )
        parser.add_argument(
            "--batch",
            type=int,
            default=None,
            help=_(
                "Số bản ghi tối đa mỗi việc xử lý trong một lượt (mặc định: giá trị riêng của "
                "từng việc)."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["interval"] < 0 or (options["batch"] is not None and options["batch"] < 1):
            raise CommandError(_("--interval phải ≥ 0 và --batch phải ≥ 1."))
        jobs = load_jobs(list(settings.MOTCUA_WORKER_JOBS))
        worker_id = f"{socket.gethostname()}:{os.getpid()}"
        stop = StopFlag()
        logger.info("Worker %s started: %s", worker_id, ", ".join(job.path for job in jobs))
        with stop.installed():
            failed = self.loop(
                jobs,
                stop=stop,
                once=options["once"],
                interval=options["interval"],
                batch=options["batch"],
                worker_id=worker_id,
            )
        logger.info("Worker %s stopped", worker_id)
        if options["once"] and failed:
            raise CommandError(
                _("Có việc bị lỗi: %(jobs)s (xem nhật ký).") % {"jobs": ", ".join(failed)}
            )

    def loop(
        self, jobs: list[Job], *, stop: StopFlag, once: bool, interval: float, **options: Any
    ) -> list[str]:
        """Passes until stopped (one pass with ``once``); the names of the jobs that raised in
        the last pass."""
        while True:
            done, failed = run_pass(jobs, stop=stop, **options)
            if once or stop.is_set:
                return failed
            if not any(done.values()):
                stop.sleep(interval)
            if stop.is_set:
                return failed


def run_pass(
    jobs: list[Job], *, stop: StopFlag, **options: Any
) -> tuple[dict[str, int], list[str]]:
    """Each job once, in order: ``({job name: rows handled}, [names of jobs that raised])``."""
    started = time.monotonic()
    done: dict[str, int] = {}
    failed: list[str] = []
    for job in jobs:
        if stop.is_set:
            break
        refresh_connections()
        try:
            done[job.name] = job(**options)
        except Exception:
            logger.exception("Worker job %s failed", job.path)
            failed.append(job.name)
        finally:
            refresh_connections()
    _log_pass(done, failed, time.monotonic() - started)
    return done, failed


def _log_pass(done: dict[str, int], failed: list[str], seconds: float) -> None:
    counts = [f"{name}={count}" for name, count in done.items()]
    if failed:
        counts.append("failed=" + ",".join(failed))
    # An idle pass every few seconds would bury the log: it is logged at DEBUG.
    level = logging.INFO if failed or any(done.values()) else logging.DEBUG
    logger.log(level, "Worker pass: %s (%.2f s)", " ".join(counts), seconds)
