"""Several workers at the same moment (PostgreSQL): every notification is sent exactly once, and
simultaneous enqueues of one key make one row."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection, connections, transaction

from motcua.notifications.models import Notification, NotificationState
from motcua.notifications.services import deliver_due, enqueue

from .conftest import Recorder, at

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def in_threads(count: int, work: Callable[[int], None]) -> None:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            barrier.wait()
            work(n)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert not errors, errors


def test_concurrent_workers_send_each_notification_once(recorder: Recorder):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers")
    total, workers = 120, 8
    for n in range(total):
        enqueue(
            key=f"dossier:{n}:received:sms",
            channel="sms",
            recipient="0912345678",
            body=f"Hồ sơ số {n} đã được tiếp nhận.",
            available_at=at(n % 7),
        )
    recorder.delay = 0.002  # a send takes time, so the workers overlap
    handled: list[int] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        # Small batches and several passes, as real workers would make.
        while count := deliver_due(at(60), batch=25, worker_id=f"worker-{n}"):
            with lock:
                handled.append(count)

    in_threads(workers, worker)
    sends = Counter(recorder.sent)
    assert len(sends) == total and set(sends.values()) == {1}
    assert sum(handled) == total
    assert Notification.objects.filter(state=NotificationState.SENT).count() == total
    assert set(Notification.objects.values_list("attempts", flat=True)) == {1}


def test_simultaneous_enqueues_of_one_key_make_one_row(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers")
    rows: list[int] = []
    lock = threading.Lock()

    def put(n: int) -> None:
        with transaction.atomic():  # each in its own change's transaction
            notification = enqueue(
                key="dossier:1:received:email",
                channel="email",
                recipient="binh@example.vn",
                body=f"lần {n}",
            )
        assert notification is not None
        with lock:
            rows.append(notification.pk)

    in_threads(6, put)
    assert Notification.objects.count() == 1
    assert set(rows) == {Notification.objects.get().pk}
