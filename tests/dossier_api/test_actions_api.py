"""``POST /api/v1/dossiers/{code}/actions/{action}``: status changes, 409 with the current
status when the status forbids them, idempotent retries."""

from __future__ import annotations

import pytest

from motcua.dossiers.models import Dossier, SupplementRequest
from motcua.dossiers.status import TRANSITIONS, Action, Status
from motcua.organization.models import Role
from tests import factories

from .conftest import DOSSIERS, assert_error, client_for, counts, receive

pytestmark = pytest.mark.django_db

BODIES = {
    "accept": {},
    "request_supplement": {"reason": "Thiếu giấy tờ", "items": [{"name": "Giấy chứng sinh"}]},
    "refuse": {"reason": "Không thuộc thẩm quyền"},
    "resubmit": {"components": []},
    "withdraw": {"reason": "Công dân xin rút"},
}


def action_url(code: str, action: str) -> str:
    return f"{DOSSIERS}/{code}/actions/{action}"


def dossier_in(world, status: Status) -> Dossier:
    """A dossier brought to ``status`` through the services."""
    from motcua.dossiers import services

    dossier = receive(world, outcome="register")
    if status == Status.REGISTERED:
        return dossier
    if status == Status.ACCEPTED:
        return services.accept_dossier(actor=world.receptionist, dossier=dossier)
    if status == Status.NOT_ACCEPTED:
        services.refuse_dossier(actor=world.receptionist, dossier=dossier, reason="Sai")
    elif status == Status.SUPPLEMENT_REQUESTED:
        services.request_supplement(
            actor=world.receptionist, dossier=dossier, items=[{"name": "Tờ khai"}], reason="Thiếu"
        )
    elif status == Status.WITHDRAWN:
        services.withdraw_dossier(actor=world.receptionist, dossier=dossier, reason="Rút")
    else:
        services.accept_dossier(actor=world.receptionist, dossier=dossier)
        for action in {
            Status.PROCESSING: [Action.START_PROCESSING],
            Status.PROCESSED: [Action.START_PROCESSING, Action.COMPLETE],
            Status.RETURNED: [Action.START_PROCESSING, Action.COMPLETE, Action.RETURN_RESULT],
        }[status]:
            locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
            services.transition(locked, action, actor=world.receptionist)
    dossier.refresh_from_db()
    assert dossier.status == status
    return dossier


def test_accept_an_online_dossier(world, staff):
    from motcua.catalog.models import Channel

    dossier = receive(world, outcome="register", channel=Channel.ONLINE)
    response = staff.post(action_url(dossier.code, "accept"), {"note": "Đủ giấy tờ"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"]["code"] == 2
    assert body["appointment"] is not None
    assert body["events"][-1]["action"]["code"] == "accept"
    assert body["events"][-1]["note"] == "Đủ giấy tờ"


def test_accept_needs_no_body(world, staff):
    dossier = receive(world, outcome="register")
    response = staff.post(action_url(dossier.code, "accept"))
    assert response.status_code == 200, response.content


def test_accept_with_a_missing_required_component_names_it(world, staff):
    from motcua.dossiers.services import ComponentInput

    dossier = receive(
        world, outcome="register", components=[ComponentInput(world.birth_form, originals=1)]
    )
    before = counts()
    error = assert_error(
        staff.post(action_url(dossier.code, "accept")), 422, "missing_required_component"
    )
    assert [d["component"] for d in error["details"]] == [world.birth_certificate.pk]
    assert counts() == before
    dossier.refresh_from_db()
    assert dossier.status == Status.REGISTERED


def test_request_supplement_then_resubmit_then_accept(world, staff):
    from motcua.dossiers.services import ComponentInput

    dossier = receive(
        world, outcome="register", components=[ComponentInput(world.birth_form, originals=1)]
    )
    body = {
        "reason": "Thiếu giấy chứng sinh",
        "items": [{"component": world.birth_certificate.pk, "reason": "Chưa nộp"}],
        "guidance": "Nộp bản chính",
    }
    response = staff.post(action_url(dossier.code, "request_supplement"), body)
    assert response.status_code == 200, response.content
    assert response.json()["status"]["code"] == 5
    assert response.json()["supplement_requests"][0]["items"][0]["name"] == "Giấy chứng sinh"
    resubmitted = staff.post(
        action_url(dossier.code, "resubmit"),
        {"components": [{"component": world.birth_certificate.pk, "originals": 1}]},
    )
    assert resubmitted.status_code == 200, resubmitted.content
    assert resubmitted.json()["status"]["code"] == 1
    assert resubmitted.json()["supplement_requests"][0]["completed_at"] is not None
    accepted = staff.post(action_url(dossier.code, "accept"))
    assert accepted.json()["status"]["code"] == 2


def test_refuse_and_withdraw_need_a_reason(world, staff):
    dossier = receive(world, outcome="register")
    for action, root in (("refuse", "refusal"), ("withdraw", "withdrawal")):
        error = assert_error(
            staff.post(action_url(dossier.code, action), {"reason": "  "}), 422, "reason_required"
        )
        assert error["details"][0]["field"] == f"{root}.reason"
        missing = assert_error(
            staff.post(action_url(dossier.code, action), {}), 422, "validation_error"
        )
        assert missing["details"][0]["field"] == f"{root}.reason"


def test_a_supplement_item_of_another_case_is_refused(world, staff):
    dossier = receive(world, outcome="register")
    other = world.criminal_case.components.get()
    body = {"reason": "Thiếu", "items": [{"component": other.pk}]}
    error = assert_error(
        staff.post(action_url(dossier.code, "request_supplement"), body), 422, "component_not_found"
    )
    assert error["details"][0]["field"] == "supplement.items.0.component"
    assert not SupplementRequest.objects.exists()


# -- 409: every API action from every status it is refused in ---------------------------------

STATUSES = [
    Status.REGISTERED,
    Status.ACCEPTED,
    Status.NOT_ACCEPTED,
    Status.PROCESSING,
    Status.SUPPLEMENT_REQUESTED,
    Status.WITHDRAWN,
    Status.PROCESSED,
    Status.RETURNED,
]
REFUSED = [
    (action, status)
    for action in ("accept", "request_supplement", "refuse", "resubmit", "withdraw")
    for status in STATUSES
    if status not in TRANSITIONS[Action(action)].sources
]


@pytest.mark.parametrize(("action", "status"), REFUSED, ids=lambda v: str(getattr(v, "value", v)))
def test_a_transition_not_allowed_is_409_with_the_current_status(world, staff, action, status):
    dossier = dossier_in(world, status)
    before = counts()
    error = assert_error(
        staff.post(action_url(dossier.code, action), BODIES[action]), 409, "transition_not_allowed"
    )
    (detail,) = error["details"]
    assert detail["current_status"] == int(status)
    assert detail["current_status_label"] == str(status.label)
    assert detail["type"] == "current_status"
    assert detail["field"] == "status"
    assert str(status.label) in error["message"]
    assert counts() == before


ALLOWED = [
    (action, status)
    for action in ("accept", "request_supplement", "refuse", "resubmit", "withdraw")
    for status in STATUSES
    if status in TRANSITIONS[Action(action)].sources
]


@pytest.mark.parametrize(("action", "status"), ALLOWED, ids=lambda v: str(getattr(v, "value", v)))
def test_every_allowed_api_action(world, staff, action, status):
    dossier = dossier_in(world, status)
    response = staff.post(action_url(dossier.code, action), BODIES[action])
    assert response.status_code == 200, response.content
    target = TRANSITIONS[Action(action)].target
    assert response.json()["status"]["code"] == int(target)
    assert response.json()["events"][-1]["action"]["code"] == action


def test_the_409_example_of_the_docs(world, staff):
    dossier = dossier_in(world, Status.NOT_ACCEPTED)
    response = staff.post(action_url(dossier.code, "accept"))
    assert response.status_code == 409
    detail = response.json()["error"]["details"][0]
    assert {k: detail[k] for k in ("current_status", "current_status_label")} == {
        "current_status": 3,
        "current_status_label": "Không được tiếp nhận",
    }


# -- idempotency ------------------------------------------------------------------------------


def test_a_retried_action_returns_the_current_state_instead_of_409(world, staff):
    dossier = receive(world, outcome="register")
    first = staff.post(action_url(dossier.code, "accept"), {"note": "ok"}, key="acc-1")
    again = staff.post(action_url(dossier.code, "accept"), {"note": "ok"}, key="acc-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert [e["action"]["code"] for e in again.json()["events"]] == ["register", "accept"]
    # without the key, the retry is what it is: a transition no longer allowed
    assert_error(staff.post(action_url(dossier.code, "accept")), 409, "transition_not_allowed")


def test_an_action_key_reused_for_another_action_is_422(world, staff):
    dossier = receive(world, outcome="register")
    staff.post(action_url(dossier.code, "accept"), key="k")
    error = assert_error(
        staff.post(action_url(dossier.code, "withdraw"), {"reason": "Rút"}, key="k"),
        422,
        "idempotency_key_reused",
    )
    assert error["details"][0]["location"] == "header"


def test_a_refused_action_does_not_use_up_its_key(world, staff):
    dossier = dossier_in(world, Status.ACCEPTED)
    assert_error(
        staff.post(action_url(dossier.code, "refuse"), {"reason": "x"}, key="r"),
        409,
        "transition_not_allowed",
    )
    assert (
        staff.post(action_url(dossier.code, "withdraw"), {"reason": "x"}, key="r").status_code
        == 200
    )


# -- who, what, where -------------------------------------------------------------------------


def test_an_unknown_action_is_404(world, staff):
    dossier = receive(world, outcome="register")
    error = assert_error(staff.post(action_url(dossier.code, "approve")), 404, "unknown_action")
    assert "accept" in error["message"]


def test_an_action_on_an_unknown_or_malformed_code(world, staff):
    assert_error(
        staff.post(action_url("000.00.31.H21-260302-0999", "accept")), 404, "dossier_not_found"
    )
    assert_error(staff.post(action_url("xyz", "accept")), 400, "malformed_code")


def test_an_action_needs_reception_rights_at_the_receiving_center(world, client):
    dossier = receive(world, outcome="register")
    specialist = factories.staff(username="tuan", roles=[(Role.SPECIALIST, world.commune_a)])
    response = client_for(client, specialist).post(action_url(dossier.code, "accept"))
    assert_error(response, 403, "permission_denied")
    dossier.refresh_from_db()
    assert dossier.status == Status.REGISTERED


def test_get_on_an_action_is_405(world, staff):
    dossier = receive(world, outcome="register")
    response = staff.get(action_url(dossier.code, "accept"))
    assert_error(response, 405, "method_not_allowed")
