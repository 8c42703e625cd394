"""Query counts of the dossier endpoints, pinned with several components, files and events, so
that a query per row (N+1) would show."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from motcua.catalog.models import Component, Requirement
from motcua.dossiers import services
from motcua.dossiers.services import ComponentInput
from tests.dossier_documents.conftest import store

from .conftest import DOSSIERS, intake_body, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def big_case(world):
    """The birth case with eight components."""
    for position in range(4, 9):
        Component.objects.create(
            case=world.birth_case,
            position=position,
            name=f"Giấy tờ số {position}",
            originals=1,
            requirement=Requirement.IF_ANY,
        )
    return list(world.birth_case.components.all())


@pytest.fixture
def busy_dossier(world, big_case):
    """Eight components with two files each, and six events (sent back once, then accepted,
    then withdrawn)."""
    inputs = [
        ComponentInput(c, originals=1, documents=[store(world), store(world, name="b.pdf")])
        for c in big_case
        if c != world.birth_certificate
    ]
    dossier = receive(world, outcome="request_supplement", components=inputs)
    services.resubmit_dossier(
        actor=world.receptionist,
        dossier=dossier,
        components=[
            ComponentInput(
                world.birth_certificate, originals=1, documents=[store(world), store(world)]
            )
        ],
    )
    services.accept_dossier(actor=world.receptionist, dossier=dossier)
    dossier.refresh_from_db()
    assert dossier.events.count() == 4
    return dossier


def count(fn) -> int:
    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries)


def test_staff_detail(world, staff, busy_dossier, django_assert_max_num_queries):
    staff.get(f"{DOSSIERS}/{busy_dossier.code}")  # the token's last use is written once
    # token; the user's grants (roles, delegations); the dossier with its joins; parties;
    # components + their files; events + their files; transfers; supplement requests
    with django_assert_max_num_queries(11):
        response = staff.get(f"{DOSSIERS}/{busy_dossier.code}")
    body = response.json()
    assert len(body["components"]) == 8
    assert sum(len(c["documents"]) for c in body["components"]) == 16
    assert len(body["events"]) == 4


def test_public_lookup(world, client, busy_dossier, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        body = client.get(f"/api/v1/public/dossiers/{busy_dossier.code}").json()
    assert len(body["timeline"]) == 4
    with django_assert_max_num_queries(2):
        assert client.get(f"/tra-cuu/{busy_dossier.code}/").status_code == 200


def test_public_lookup_of_unknown_and_malformed_codes(world, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        client.get("/api/v1/public/dossiers/000.00.31.H21-260302-0999")
    with django_assert_max_num_queries(0):
        client.get("/api/v1/public/dossiers/xyz")


def test_intake_grows_only_by_the_service_rows_per_component(world, staff, big_case):
    staff.post(DOSSIERS, intake_body(world))  # warm: the calendar's year, the token's last use

    def intake(n: int) -> int:
        components = [{"component": c.pk, "originals": 1} for c in big_case[:n]]
        return count(lambda: staff.post(DOSSIERS, intake_body(world, components=components)))

    three, eight = intake(3), intake(8)
    # Per component the service inserts its row; accepting reads the rows and their files
    # back in two queries whatever their number. The API adds none. Acceptance also plans the
    # route (tasks) and queues the citizen's notice (e-mail and SMS).
    assert eight - three == 1 * 5
    assert eight <= 78


def test_intake_with_files_and_a_key(world, staff, big_case, django_assert_max_num_queries):
    staff.post(DOSSIERS, intake_body(world))
    uploads = [staff.upload(_pdf(i)).json()["id"] for i in range(8)]
    components = [
        {"component": c.pk, "originals": 1, "documents": [uploads[i]]}
        for i, c in enumerate(big_case)
    ]
    body = intake_body(world, components=components)
    # The API reads the eight components and the eight files in one query each; the service
    # then writes per component its row, its files (m2m) and their owner; accepting reads them
    # back in two queries, plans the route and queues the citizen's notices.
    with django_assert_max_num_queries(109):
        first = staff.post(DOSSIERS, body, key="q-1")
    assert first.status_code == 201
    # a replay: token, grants, the key's record, the dossier's detail
    with django_assert_max_num_queries(12):
        assert staff.post(DOSSIERS, body, key="q-1").status_code == 200


def test_actions(world, staff, busy_dossier, django_assert_max_num_queries):
    staff.get(f"{DOSSIERS}/{busy_dossier.code}")
    url = f"{DOSSIERS}/{busy_dossier.code}/actions/withdraw"
    with django_assert_max_num_queries(28):
        assert staff.post(url, {"reason": "Rút"}, key="w").status_code == 200
    with django_assert_max_num_queries(12):
        assert staff.post(url, {"reason": "Rút"}, key="w").status_code == 200
    with django_assert_max_num_queries(16):
        assert staff.post(url, {"reason": "Rút"}).status_code == 409


def _pdf(i: int):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.dossier_documents.conftest import pdf_bytes

    return SimpleUploadedFile(f"scan-{i}.pdf", pdf_bytes(f"trang {i}"), "application/pdf")
