"""``POST /api/v1/dossiers``: a dossier received through the API, its outcome, idempotency, and
every bad input answered with a code and nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from motcua.api.models import IdempotencyRecord
from motcua.dossiers.models import Dossier, Refusal, SupplementRequest
from motcua.dossiers.status import Status
from motcua.organization.models import Role
from tests import factories

from .conftest import DOSSIERS, VN, assert_error, client_for, counts, intake_body, person

pytestmark = pytest.mark.django_db


def test_a_counter_dossier_accepted_at_once(world, staff):
    response = staff.post(DOSSIERS, intake_body(world))
    assert response.status_code == 201, response.content
    body = response.json()
    today = timezone.localdate().strftime("%y%m%d")
    assert body["code"] == f"000.00.31.H21-{today}-0001"
    assert body["status"] == {"code": 2, "label": "Được tiếp nhận"}
    assert body["channel"] == {"code": "1", "label": "Trực tiếp"}
    assert body["procedure"]["code"] == "1.001193"
    assert body["case"]["position"] == 1
    assert body["receiving_center"]["code"] == "ttpvhcc-quy-nhon"
    assert body["competent_unit"]["code"] == "000.00.31.H21"
    appointment = body["appointment"]
    assert appointment is not None
    assert dt.datetime.fromisoformat(appointment["due_at"]) > dt.datetime.fromisoformat(
        body["submitted_at"]
    )
    assert appointment["text"]
    assert [e["action"]["code"] for e in body["events"]] == ["register", "accept"]
    assert body["chain_intact"] is True
    assert body["created_by"]["username"] == "lan"
    roles = {p["role"]["code"]: p for p in body["parties"]}
    assert roles["applicant"]["identity_number"] == "052090001234"
    assert roles["owner"]["name"] == "Trần Văn Bình"
    assert [c["component"]["id"] for c in body["components"]] == [
        world.birth_form.pk,
        world.birth_certificate.pk,
    ]
    assert body["url"].endswith(f"/api/v1/dossiers/{body['code']}")
    assert body["public_url"].endswith(f"/tra-cuu/{body['code']}/")
    # accepted: only withdrawing is left among the API's actions
    assert [a["action"] for a in body["allowed_actions"]] == ["withdraw"]
    dossier = Dossier.objects.get(code=body["code"])
    assert dossier.created_by == world.receptionist
    assert dossier.status == Status.ACCEPTED


def test_without_outcome_an_online_dossier_waits_in_status_1(world, staff):
    submitted = timezone.localtime() - dt.timedelta(hours=2)
    response = staff.post(
        DOSSIERS,
        intake_body(
            world,
            channel="online",
            submitted_at=submitted.replace(microsecond=0).isoformat(),
            outcome=None,
        ),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"]["code"] == 1
    assert body["channel"]["code"] == "2"
    assert body["appointment"] is None
    assert body["decision_due_at"] is not None  # the 8-working-hour limit
    assert dt.datetime.fromisoformat(body["submitted_at"]) == submitted.replace(microsecond=0)
    assert [a["action"] for a in body["allowed_actions"]] == [
        "accept",
        "request_supplement",
        "refuse",
        "withdraw",
    ]


def test_a_time_without_offset_is_vietnam_time(world, staff):
    response = staff.post(
        DOSSIERS,
        intake_body(world, channel="2", submitted_at="2026-03-02T09:15:00", outcome=None),
    )
    assert response.status_code == 201, response.content
    assert response.json()["submitted_at"] == "2026-03-02T09:15:00+07:00"
    assert response.json()["code"].split("-")[1] == "260302"


def test_a_postal_dossier_counts_from_its_stamp(world, staff):
    from motcua.dossiers import selectors

    response = staff.post(
        DOSSIERS,
        intake_body(
            world,
            channel="postal",
            submitted_at="2026-03-04T10:00:00+07:00",
            postal_stamp_date="2026-03-02",
        ),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    expected = selectors.preview_appointment(
        world.birth_case,
        "3",
        dt.datetime(2026, 3, 4, 10, tzinfo=VN),
        world.center_a,
        postal_stamp_date=dt.date(2026, 3, 2),
    )
    assert dt.datetime.fromisoformat(body["appointment"]["due_at"]) == expected.due_at
    assert body["postal_stamp_date"] == "2026-03-02"


def test_request_supplement_at_intake_records_form_02(world, staff):
    body = intake_body(
        world,
        components=[{"component": world.birth_form.pk, "originals": 1}],
        outcome="request_supplement",
        reason="Thiếu giấy chứng sinh",
        items=[{"component": world.birth_certificate.pk, "reason": "Chưa nộp"}],
        guidance="Mang bản chính giấy chứng sinh.",
    )
    response = staff.post(DOSSIERS, body)
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["status"]["code"] == 5
    (request,) = out["supplement_requests"]
    assert request["items"] == [
        {"component": world.birth_certificate.pk, "name": "Giấy chứng sinh", "reason": "Chưa nộp"}
    ]
    assert request["reason"] == "Thiếu giấy chứng sinh"
    assert SupplementRequest.objects.count() == 1


def test_refuse_at_intake_records_form_03(world, staff):
    response = staff.post(
        DOSSIERS, intake_body(world, outcome="refuse", reason="Không thuộc thẩm quyền")
    )
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["status"] == {"code": 3, "label": "Không được tiếp nhận"}
    assert out["refusal"]["reason"] == "Không thuộc thẩm quyền"
    assert out["allowed_actions"] == []
    assert Refusal.objects.count() == 1


def test_owner_and_representative_are_kept_apart(world, staff):
    body = intake_body(
        world,
        applicant=person(name="Lê Thị Hoa", identity_number="052190004321"),
        owner=person(name="Trần Văn Bình"),
        representative=person(
            name="Lê Thị Hoa",
            identity_number="052190004321",
            authorization="Giấy ủy quyền số 12 ngày 01/03/2026",
        ),
    )
    response = staff.post(DOSSIERS, body)
    assert response.status_code == 201, response.content
    roles = {p["role"]["code"]: p["name"] for p in response.json()["parties"]}
    assert roles == {
        "applicant": "Lê Thị Hoa",
        "owner": "Trần Văn Bình",
        "representative": "Lê Thị Hoa",
    }


@pytest.mark.parametrize("channel", ["1", "counter", 1, " Counter "])
def test_channel_by_code_or_name(world, staff, channel):
    response = staff.post(DOSSIERS, intake_body(world, channel=channel))
    assert response.status_code == 201, response.content
    assert response.json()["channel"]["code"] == "1"


# -- idempotency ------------------------------------------------------------------------------


def test_a_retry_with_the_same_key_returns_the_same_dossier(world, staff):
    body = intake_body(world)
    first = staff.post(DOSSIERS, body, key="7c1e3a52-0b7d-4bfb-9a56-3f5f2f8d0c11")
    assert first.status_code == 201, first.content
    again = staff.post(DOSSIERS, body, key="7c1e3a52-0b7d-4bfb-9a56-3f5f2f8d0c11")
    assert again.status_code == 200, again.content
    assert again.json() == first.json()
    assert Dossier.objects.count() == 1
    dossier = Dossier.objects.get()
    assert dossier.client_key == "7c1e3a52-0b7d-4bfb-9a56-3f5f2f8d0c11"
    # the order of JSON keys does not make it another request
    reordered = dict(reversed(list(body.items())))
    assert (
        staff.post(DOSSIERS, reordered, key="7c1e3a52-0b7d-4bfb-9a56-3f5f2f8d0c11").status_code
        == 200
    )


def test_a_replay_shows_the_dossier_as_it_is_now(world, staff):
    body = intake_body(world, outcome=None)
    first = staff.post(DOSSIERS, body, key="k-1").json()
    staff.post(f"{DOSSIERS}/{first['code']}/actions/accept")
    again = staff.post(DOSSIERS, body, key="k-1")
    assert again.status_code == 200
    assert again.json()["code"] == first["code"]
    assert again.json()["status"]["code"] == 2


def test_the_same_key_with_another_body_is_refused(world, staff):
    staff.post(DOSSIERS, intake_body(world), key="k-2")
    before = counts()
    response = staff.post(
        DOSSIERS, intake_body(world, applicant=person(name="Nguyễn Văn An")), key="k-2"
    )
    error = assert_error(response, 422, "idempotency_key_reused")
    assert error["details"][0]["location"] == "header"
    assert error["details"][0]["field"] == "Idempotency-Key"
    assert counts() == before


def test_keys_belong_to_their_user(world, staff, client):
    other = factories.staff(username="mai", roles=[(Role.RECEPTIONIST, world.province)])
    first = staff.post(DOSSIERS, intake_body(world), key="shared")
    second = client_for(client, other).post(DOSSIERS, intake_body(world), key="shared")
    assert first.status_code == second.status_code == 201
    assert first.json()["code"] != second.json()["code"]


def test_a_failed_request_does_not_use_up_its_key(world, staff):
    bad = intake_body(world, applicant=person(identity_number="123"))
    assert_error(staff.post(DOSSIERS, bad, key="k-3"), 422, "invalid_party")
    assert not IdempotencyRecord.objects.exists()
    good = staff.post(DOSSIERS, intake_body(world), key="k-3")
    assert good.status_code == 201


@pytest.mark.parametrize("key", ["x" * 101, "tab\there"])
def test_a_malformed_key_is_400(world, staff, key):
    response = staff.post(DOSSIERS, intake_body(world), key=key)
    error = assert_error(response, 400, "invalid_parameter")
    assert error["details"][0]["field"] == "Idempotency-Key"
    assert not Dossier.objects.exists()


# -- bad inputs: a code, and nothing written --------------------------------------------------


def _refused(staff, body, status, code):
    before = counts()
    error = assert_error(staff.post(DOSSIERS, body), status, code)
    assert counts() == before
    assert not IdempotencyRecord.objects.exists()
    return error


def test_unknown_procedure(world, staff):
    error = _refused(staff, intake_body(world, procedure="9.999999"), 422, "procedure_not_found")
    assert error["details"][0]["field"] == "dossier.procedure"
    assert "9.999999" in error["message"]


def test_unknown_case(world, staff):
    error = _refused(staff, intake_body(world, case=7), 422, "case_not_found")
    assert error["details"][0]["field"] == "dossier.case"


def test_procedure_not_in_force_on_the_day(world, staff):
    body = intake_body(world, channel="2", submitted_at="2025-06-30T10:00:00+07:00", outcome=None)
    _refused(staff, body, 422, "procedure_not_in_force")


def test_bad_identity_numbers_are_named_field_by_field(world, staff):
    body = intake_body(world, applicant=person(identity_number="12345", phone="123", email="binh@"))
    error = _refused(staff, body, 422, "invalid_party")
    fields = {d["field"] for d in error["details"]}
    assert fields == {
        "dossier.applicant.identity_number",
        "dossier.applicant.phone",
        "dossier.applicant.email",
    }
    assert all(d["location"] == "body" and d["type"] == "invalid_party" for d in error["details"])
    identity = next(
        d for d in error["details"] if d["field"] == "dossier.applicant.identity_number"
    )
    assert "12 chữ số" in identity["message"]


def test_a_representative_needs_an_authorisation(world, staff):
    body = intake_body(
        world, representative=person(name="Lê Thị Hoa", identity_number="052190004321")
    )
    error = _refused(staff, body, 422, "invalid_party")
    assert [d["field"] for d in error["details"]] == ["dossier.representative.authorization"]


def test_an_organisation_declares_a_tax_code(world, staff):
    body = intake_body(world, owner=person(kind="organization", name="Công ty TNHH An Bình"))
    error = _refused(staff, body, 422, "invalid_party")
    assert [d["field"] for d in error["details"]] == ["dossier.owner.identity_kind"]


def test_missing_required_component_when_accepting_names_the_components(world, staff):
    body = intake_body(world, components=[{"component": world.birth_form.pk, "originals": 1}])
    error = _refused(staff, body, 422, "missing_required_component")
    assert [d["component"] for d in error["details"]] == [world.birth_certificate.pk]
    assert error["details"][0]["field"] == "dossier.components"
    assert "Giấy chứng sinh" in error["details"][0]["message"]


def test_missing_components_are_fine_without_an_outcome(world, staff):
    body = intake_body(world, components=[], outcome=None, channel="2")
    assert staff.post(DOSSIERS, body).status_code == 201


def test_unknown_center(world, staff):
    error = _refused(staff, intake_body(world, center="khong-co"), 422, "center_not_found")
    assert error["details"][0]["field"] == "dossier.center"


def test_unknown_component_and_document(world, staff):
    body = intake_body(
        world,
        components=[
            {"component": 999999, "originals": 1},
            {"component": world.birth_certificate.pk, "originals": 1, "documents": [888888]},
        ],
    )
    error = _refused(staff, body, 422, "component_not_found")
    assert [(d["field"], d["type"]) for d in error["details"]] == [
        ("dossier.components.0.component", "component_not_found"),
        ("dossier.components.1.documents.0", "document_not_found"),
    ]


def test_a_component_of_another_procedure(world, staff):
    other = world.criminal_case.components.get()
    body = intake_body(world, components=[{"component": other.pk, "originals": 1}])
    _refused(staff, body, 422, "invalid_components")


def test_unknown_locality(world, staff):
    error = _refused(staff, intake_body(world, locality="000.99.99.H99"), 422, "locality_not_found")
    assert error["details"][0]["field"] == "dossier.locality"


def test_counter_dossiers_take_no_submission_time(world, staff):
    body = intake_body(world, submitted_at="2026-03-02T09:00:00+07:00")
    _refused(staff, body, 422, "submitted_at_not_allowed")


def test_a_submission_time_in_the_future(world, staff):
    future = (timezone.now() + dt.timedelta(days=1)).isoformat()
    _refused(
        staff, intake_body(world, channel="2", submitted_at=future), 422, "submitted_at_in_future"
    )


def test_postal_stamp(world, staff):
    _refused(staff, intake_body(world, channel="3"), 422, "postal_stamp_required")
    _refused(
        staff, intake_body(world, postal_stamp_date="2026-03-02"), 422, "postal_stamp_not_allowed"
    )


def test_a_channel_the_procedure_does_not_offer(world, staff):
    body = intake_body(
        world,
        procedure="3.000333",
        channel="2",
        components=[],
        outcome=None,
        center=world.provincial_center.code,
    )
    _refused(staff, body, 422, "channel_not_offered")


def test_refuse_needs_a_reason(world, staff):
    error = _refused(staff, intake_body(world, outcome="refuse"), 422, "reason_required")
    assert error["details"][0]["field"] == "dossier.reason"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"channel": "fax"}, "channel"),
        ({"outcome": "maybe"}, "outcome"),
        ({"case": 0}, "case"),
        ({"applicant": {"name": "Bình"}}, "applicant.identity_number"),
        ({"components": [{"component": "x"}]}, "components.0.component"),
        ({"components": [{"component": 1, "copies": -1}]}, "components.0.copies"),
    ],
)
def test_a_body_that_fails_validation(world, staff, change, field):
    error = _refused(staff, intake_body(world, **change), 422, "validation_error")
    assert f"dossier.{field}" in {d["field"] for d in error["details"]}


def test_a_body_that_is_not_json(world, staff):
    before = counts()
    response = staff.client.post(
        DOSSIERS,
        data="{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {staff.token}",
    )
    assert_error(response, 400, "malformed_request")
    assert counts() == before


def test_a_unit_out_of_codes_is_409_and_writes_nothing(world, staff, monkeypatch):
    from motcua.dossiers import rules

    monkeypatch.setattr(rules, "DAILY_CODE_LIMIT", 1)
    assert staff.post(DOSSIERS, intake_body(world)).status_code == 201
    error = _refused(staff, intake_body(world), 409, "out_of_codes")
    assert "hết 1 mã hồ sơ" in error["message"]


# -- who may ----------------------------------------------------------------------------------


def test_a_user_who_does_not_receive_at_that_center_is_403(world, client):
    specialist = factories.staff(username="tuan", roles=[(Role.SPECIALIST, world.province)])
    before = counts()
    response = client_for(client, specialist).post(DOSSIERS, intake_body(world))
    assert_error(response, 403, "permission_denied")
    assert counts() == before


def test_a_receptionist_of_another_subtree_is_403(world, client):
    other = factories.staff(username="ha", roles=[(Role.RECEPTIONIST, world.commune_b)])
    response = client_for(client, other).post(DOSSIERS, intake_body(world))
    error = assert_error(response, 403, "permission_denied")
    assert world.center_a.name in error["message"]
