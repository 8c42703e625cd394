"""Worker jobs for the tests of ``motcua worker`` (named by dotted path in MOTCUA_WORKER_JOBS)."""

from __future__ import annotations

import datetime as dt
import signal
import threading
from typing import Any

# (job name, keyword arguments it got), in call order; the tests clear it.
CALLS: list[tuple[str, dict[str, Any]]] = []
NOT_A_FUNCTION = 42


def idle(now: dt.datetime) -> int:
    CALLS.append(("idle", {"now": now}))
    return 0


def busy(now: dt.datetime) -> int:
    CALLS.append(("busy", {"now": now}))
    return 3


def boom(now: dt.datetime) -> int:
    CALLS.append(("boom", {"now": now}))
    raise RuntimeError("the national portal is down")


def with_options(now: dt.datetime, *, batch: int = 7, worker_id: str | None = None) -> int:
    CALLS.append(("with_options", {"now": now, "batch": batch, "worker_id": worker_id}))
    return 0


def terminate(now: dt.datetime) -> int:
    """Asks the worker to stop while it runs, as ``systemctl stop`` would."""
    CALLS.append(("terminate", {"now": now}))
    signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGTERM)
    return 1


def idle_twice_then_interrupt(now: dt.datetime) -> int:
    CALLS.append(("idle_twice_then_interrupt", {"now": now}))
    if sum(name == "idle_twice_then_interrupt" for name, _kwargs in CALLS) == 3:
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
    return 0


def interrupt_soon(now: dt.datetime) -> int:
    """Idle, and SIGTERM arrives 0.1 s later, while the worker sleeps."""
    CALLS.append(("interrupt_soon", {"now": now}))
    main = threading.main_thread().ident or 0
    threading.Timer(0.1, signal.pthread_kill, args=(main, signal.SIGTERM)).start()
    return 0
