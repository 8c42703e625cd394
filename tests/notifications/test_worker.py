"""``motcua worker``: runs every configured job, survives a failing one, refuses a job path it
cannot import, sleeps when idle and stops cleanly on SIGTERM / SIGINT."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from motcua.notifications.models import Notification, NotificationState
from motcua.notifications.services import enqueue

from . import jobs

# The worker refreshes database connections between jobs, so every test may touch the database.
pytestmark = pytest.mark.django_db

JOBS = "tests.notifications.jobs."


@pytest.fixture(autouse=True)
def calls() -> Iterator[list]:
    jobs.CALLS.clear()
    yield jobs.CALLS
    jobs.CALLS.clear()


def use(settings, *names: str) -> None:
    settings.MOTCUA_WORKER_JOBS = [name if "." in name else JOBS + name for name in names]


def names(calls: list) -> list[str]:
    return [name for name, _kwargs in calls]


def test_once_runs_each_job_once(settings, calls, caplog):
    use(settings, "busy", "idle", "with_options")
    before = timezone.now()
    with caplog.at_level(logging.INFO, logger="motcua.worker"):
        call_command("worker", "--once")
    assert names(calls) == ["busy", "idle", "with_options"]
    assert all(before <= kwargs["now"] <= timezone.now() for _name, kwargs in calls)
    assert calls[2][1]["batch"] == 7  # the job's own default
    assert calls[2][1]["worker_id"]  # host:pid of the worker
    assert "jobs.busy=3 jobs.idle=0 jobs.with_options=0" in caplog.text


def test_batch_is_passed_to_jobs_that_take_it(settings, calls):
    use(settings, "idle", "with_options")
    call_command("worker", "--once", "--batch", "5")
    assert calls[1][1]["batch"] == 5


def test_a_job_that_raises_does_not_stop_the_others(settings, calls, caplog):
    use(settings, "busy", "boom", "idle")
    with (
        caplog.at_level(logging.INFO, logger="motcua.worker"),
        pytest.raises(CommandError, match=r"jobs\.boom"),  # exit status 1 for cron
    ):
        call_command("worker", "--once")
    assert names(calls) == ["busy", "boom", "idle"]
    assert "Worker job tests.notifications.jobs.boom failed" in caplog.text
    assert "Traceback" in caplog.text and "the national portal is down" in caplog.text
    assert "failed=jobs.boom" in caplog.text


def test_a_job_that_raises_does_not_stop_the_loop(settings, calls):
    use(settings, "boom", "idle_twice_then_interrupt")
    call_command("worker", "--interval", "0")
    assert names(calls) == ["boom", "idle_twice_then_interrupt"] * 3  # stopped by SIGINT


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("motcua.nowhere.job", "motcua.nowhere.job"),
        (JOBS + "missing", "missing"),
        (JOBS + "NOT_A_FUNCTION", "không phải là một hàm"),
        ("nodots", "nodots"),
    ],
)
def test_a_job_that_cannot_be_imported_stops_the_worker_at_start(settings, calls, path, words):
    use(settings, "idle", path)
    with pytest.raises(CommandError, match="MOTCUA_WORKER_JOBS") as excinfo:
        call_command("worker", "--once")
    assert words in str(excinfo.value)
    assert calls == []  # nothing ran


def test_no_jobs_is_an_error(settings):
    settings.MOTCUA_WORKER_JOBS = []
    with pytest.raises(CommandError, match="MOTCUA_WORKER_JOBS"):
        call_command("worker", "--once")


def test_bad_options_are_refused(settings):
    use(settings, "idle")
    with pytest.raises(CommandError):
        call_command("worker", "--once", "--batch", "0")
    with pytest.raises(CommandError):
        call_command("worker", "--once", "--interval", "-1")


def test_sigterm_stops_after_the_current_job(settings, calls, caplog):
    use(settings, "terminate", "busy")
    with caplog.at_level(logging.INFO, logger="motcua.worker"):
        call_command("worker")  # no --once: only the signal ends it
    assert names(calls) == ["terminate"]
    assert "SIGTERM received" in caplog.text


def test_an_idle_worker_sleeps_between_passes(settings, calls):
    use(settings, "idle_twice_then_interrupt")
    started = time.monotonic()
    call_command("worker", "--interval", "0.2")
    assert names(calls) == ["idle_twice_then_interrupt"] * 3
    assert time.monotonic() - started >= 0.4


def test_a_signal_wakes_a_sleeping_worker(settings, calls):
    use(settings, "interrupt_soon")
    started = time.monotonic()
    call_command("worker", "--interval", "30")
    assert time.monotonic() - started < 5
    assert names(calls) == ["interrupt_soon"]


def test_the_outbox_job_delivers_through_the_worker(settings, caplog):
    settings.MOTCUA_NOTIFICATION_CHANNELS = {"email": "console", "sms": "console"}
    use(settings, "motcua.notifications.services.deliver_due")
    enqueue(key="k1", channel="sms", recipient="0912345678", body="Hồ sơ đã có kết quả.")
    enqueue(key="k2", channel="email", recipient="binh@example.vn", body="Hồ sơ đã có kết quả.")
    with caplog.at_level(logging.INFO):
        call_command("worker", "--once")
    assert set(Notification.objects.values_list("state", flat=True)) == {NotificationState.SENT}
    assert "services.deliver_due=2" in caplog.text
