"""``GET /api/v1/dossiers/{code}``: the staff view of a dossier, for those who may see it."""

from __future__ import annotations

import pytest

from motcua.dossiers import services
from motcua.dossiers.models import DossierEvent
from motcua.organization.models import Role
from tests import factories

from .conftest import DOSSIERS, assert_error, client_for, receive

pytestmark = pytest.mark.django_db


def test_the_detail_has_everything(world, staff):
    dossier = receive(world, locality=world.commune_a)
    body = staff.get(f"{DOSSIERS}/{dossier.code}").json()
    assert body["code"] == dossier.code
    assert body["status"] == {"code": 2, "label": "Được tiếp nhận"}
    assert body["form_set"]["code"] == "tt03_2025"
    assert body["locality"] == {"code": "000.00.31.H21", "name": "UBND phường Quy Nhơn"}
    assert body["submitted_at"] == "2026-03-02T09:15:00+07:00"
    assert body["appointment"]["due_at"] == "2026-03-05T09:15:00+07:00"
    assert body["appointment"]["original_due_at"] == "2026-03-05T09:15:00+07:00"
    assert "05/03/2026" in body["appointment"]["text"]
    assert {p["role"]["code"] for p in body["parties"]} == {"applicant", "owner"}
    first = body["components"][0]
    assert first["component"]["name"] == "Tờ khai đăng ký khai sinh"
    assert first["component"]["requirement"]["code"] == "required"
    assert first["originals"] == 1
    events = body["events"]
    assert [(e["sequence"], e["action"]["code"]) for e in events] == [
        (1, "register"),
        (2, "accept"),
    ]
    assert events[0]["previous_hash"] == ""
    assert events[1]["previous_hash"] == events[0]["hash"]
    assert events[1]["from_status"] == {"code": 1, "label": "Mới đăng ký"}
    assert events[1]["actor"] == {"username": "lan", "full_name": "Nguyễn Thị Lan"}
    assert len(events[1]["hash"]) == 64
    assert body["chain_intact"] is True
    assert body["transfers"] == []


def test_a_dossier_settled_elsewhere_shows_its_transfer(world, staff):
    from motcua.catalog.models import Channel
    from tests.dossiers.conftest import applicant

    dossier = services.receive_at_counter(
        outcome="accept",
        actor=world.receptionist,
        center=world.center_a,
        case=world.criminal_case,
        channel=Channel.COUNTER,
        applicant=applicant(),
        components=[services.ComponentInput(world.criminal_case.components.get(), originals=1)],
    )
    body = staff.get(f"{DOSSIERS}/{dossier.code}").json()
    assert body["competent_unit"]["code"] == "000.00.11.H21"
    (transfer,) = body["transfers"]
    assert transfer["to_unit"]["name"] == "Sở Tư pháp"
    assert transfer["is_lead"] is True
    assert transfer["paper_due_at"] is not None
    assert {"task", "due_at", "slip_number"} <= set(transfer)


def test_a_broken_chain_shows(world, staff):
    dossier = receive(world)
    DossierEvent.objects.filter(dossier=dossier, sequence=1).update(note="sửa lén")
    assert staff.get(f"{DOSSIERS}/{dossier.code}").json()["chain_intact"] is False


def test_staff_of_the_competent_unit_may_see_it_and_do_nothing(world, client):
    dossier = receive(world)
    specialist = factories.staff(username="tuan", roles=[(Role.SPECIALIST, world.commune_a)])
    response = client_for(client, specialist).get(f"{DOSSIERS}/{dossier.code}")
    assert response.status_code == 200
    assert response.json()["allowed_actions"] == []


def test_staff_elsewhere_get_404_as_for_an_unknown_code(world, client, staff):
    dossier = receive(world)
    outsider = factories.unit("UBND tỉnh khác", code="000.00.00.H22")
    stranger = factories.staff(username="ngoc", roles=[(Role.RECEPTIONIST, outsider)])
    response = client_for(client, stranger).get(f"{DOSSIERS}/{dossier.code}")
    error = assert_error(response, 404, "dossier_not_found")
    unknown = assert_error(
        staff.get(f"{DOSSIERS}/000.00.31.H21-260302-0999"), 404, "dossier_not_found"
    )
    assert error["code"] == unknown["code"]


def test_a_malformed_code_is_400(world, staff):
    error = assert_error(staff.get(f"{DOSSIERS}/not-a-code"), 400, "malformed_code")
    assert error["details"][0]["location"] == "path"
    assert error["details"][0]["field"] == "code"


def test_a_lower_case_code_is_found(world, staff):
    dossier = receive(world)
    response = staff.get(f"{DOSSIERS}/{dossier.code.lower()}")
    assert response.status_code == 200
    assert response.json()["code"] == dossier.code


def test_without_a_token_it_is_401(world, client):
    dossier = receive(world)
    assert_error(client.get(f"{DOSSIERS}/{dossier.code}"), 401, "not_authenticated")
