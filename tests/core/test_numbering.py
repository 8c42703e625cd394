"""The number issuer: in order, gapless, per series, bounded, race-free on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from motcua.core.models import NumberSequence
from motcua.core.numbering import NumbersExhausted, last_number, next_number


def issue(
    scope: str = "dossier",
    key: str = "000.00.06.H56",
    period: str = "260213",
    limit: int | None = None,
) -> int:
    with transaction.atomic():
        return next_number(scope=scope, key=key, period=period, limit=limit)


@pytest.mark.django_db
def test_numbers_follow_each_other_per_series():
    assert [issue() for _ in range(3)] == [1, 2, 3]
    assert issue(period="260214") == 1  # a new day starts again
    assert issue(key="000.00.07.H56") == 1  # another unit has its own series
    assert issue(scope="ticket") == 1
    assert last_number(scope="dossier", key="000.00.06.H56", period="260213") == 3


@pytest.mark.django_db
def test_a_rolled_back_transaction_gives_its_number_back():
    assert issue() == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        assert next_number(scope="dossier", key="000.00.06.H56", period="260213") == 2
        raise RuntimeError("the dossier could not be saved")
    assert issue() == 2


@pytest.mark.django_db
def test_a_full_series_refuses_instead_of_overflowing():
    assert [issue(limit=2) for _ in range(2)] == [1, 2]
    with pytest.raises(NumbersExhausted) as excinfo:
        issue(limit=2)
    assert "000.00.06.H56" in str(excinfo.value) and "260213" in str(excinfo.value)
    assert NumberSequence.objects.get().last == 2


def test_numbers_are_only_issued_inside_a_transaction(transactional_db):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        next_number(scope="dossier", key="k", period="p")


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_issuers_never_share_or_skip_a_number():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers")
    threads, per_thread = 8, 25
    issued: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)
    lock = threading.Lock()

    def worker() -> None:
        try:
            barrier.wait()
            for _ in range(per_thread):
                number = issue()
                with lock:
                    issued.append(number)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert errors == []
    assert sorted(issued) == list(range(1, threads * per_thread + 1))
