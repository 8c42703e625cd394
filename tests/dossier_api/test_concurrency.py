"""Two deliveries of the same request at the same moment (PostgreSQL): one dossier, and both
answers name it."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from motcua.api.models import IdempotencyRecord
from motcua.dossiers.models import Dossier

from .conftest import DOSSIERS, StaffClient, intake_body

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_simultaneous_retries_make_one_dossier(world, token):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers")
    threads = 6
    barrier = threading.Barrier(threads)
    answers: list[tuple[int, str]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    body = intake_body(world)

    def deliver() -> None:
        try:
            api = StaffClient(Client(), token)
            barrier.wait()
            response = api.post(DOSSIERS, body, key="same-moment")
            with lock:
                answers.append((response.status_code, response.json().get("code", "")))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=deliver) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert not errors, errors
    assert Dossier.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
    code = Dossier.objects.get().code
    assert sorted(status for status, _ in answers) == [200] * (threads - 1) + [201]
    assert {c for _, c in answers} == {code}
