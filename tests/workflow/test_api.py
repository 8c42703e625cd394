"""The processing through the API: the inbox, each step action, idempotent retries, and the
error codes a client branches on."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.dossier_api.conftest import client_for

from .conftest import at, only_active, receive

pytestmark = pytest.mark.django_db
BASE = "/api/v1/processing"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_a_dossier_travels_through_the_api_to_its_return(desk, client):
    dossier = receive(desk.world, at("2026-03-02", "09:15"))
    leader = client_for(client, desk.leader)
    specialist = client_for(client, desk.specialist)
    clerk = client_for(client, desk.clerk)
    reception = client_for(client, desk.world.receptionist)

    box = leader.get(f"{BASE}/inbox").json()
    assert box["count"] == 1 and box["results"][0]["dossier"] == dossier.code
    lead_id = box["results"][0]["id"]
    body = {"next_assignee": "mai", "note": "Giao chị Mai"}
    first = leader.post(f"{BASE}/tasks/{lead_id}/forward", body, key="fw-1")
    assert first.status_code == 200, first.json()
    assert first.json()["status"] == 4
    # A retry of the same delivery is answered, not done twice.
    again = leader.post(f"{BASE}/tasks/{lead_id}/forward", body, key="fw-1")
    assert again.status_code == 200 and again.json()["tasks"] == first.json()["tasks"]
    # Without the key the same forward is refused: the step is no longer open.
    refused = leader.post(f"{BASE}/tasks/{lead_id}/forward", body)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "task_not_active"

    mine = specialist.get(f"{BASE}/inbox").json()["results"]
    assert [t["assignee"] for t in mine] == ["mai"]
    assert (
        specialist.post(f"{BASE}/tasks/{mine[0]['id']}/forward", {"note": "Đủ"}).status_code == 200
    )
    approve_id = leader.get(f"{BASE}/inbox").json()["results"][0]["id"]
    approved = leader.post(f"{BASE}/tasks/{approve_id}/approve", {"mode": "paper"})
    assert approved.status_code == 200, approved.json()
    issued = clerk.post(
        f"{BASE}/dossiers/{dossier.code}/results", {"title": "Giấy khai sinh", "symbol": "GKS"}
    )
    assert issued.status_code == 200, issued.json()
    assert issued.json()["status"] == 9 and issued.json()["results"][0]["reference"] == "1/GKS"
    returned = reception.post(
        f"{BASE}/dossiers/{dossier.code}/return",
        {"method": "counter", "recipient_name": "Trần Văn Bình"},
    )
    assert returned.status_code == 200 and returned.json()["status"] == 10
    # The leader's step opened in March and was done today: late. The others opened today
    # and were done at once: early.
    steps = returned.json()["tasks"]
    assert [t["timeliness"] for t in steps] == ["late", "early", "early", "early"]


def test_api_refusals_carry_codes(desk, client):
    dossier = receive(desk.world, at("2026-03-02", "09:15"))
    task = only_active(dossier)
    leader = client_for(client, desk.leader)
    outsider = client_for(client, desk.justice_leader)
    specialist = client_for(client, desk.specialist)
    # Someone else's step: 403; a dossier the caller cannot see: 404.
    assert specialist.post(f"{BASE}/tasks/{task.pk}/forward", {}).status_code == 403
    assert (
        outsider.post(f"{BASE}/tasks/{task.pk}/forward", {}).json()["error"]["code"]
        == "task_not_found"
    )
    assert outsider.get(f"{BASE}/dossiers/{dossier.code}").status_code == 404
    unknown = leader.post(f"{BASE}/tasks/{task.pk}/forward", {"next_assignee": "khong-co"})
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "user_not_found"
    no_reason = leader.post(f"{BASE}/tasks/{task.pk}/return", {"reason": "x"})
    assert no_reason.status_code == 409 and no_reason.json()["error"]["code"] == "no_previous_step"
    bad_unit = leader.post(
        f"{BASE}/tasks/{task.pk}/opinions",
        {"question": "?", "units": [{"unit": "999", "working_days": 1}]},
    )
    assert bad_unit.status_code == 422 and bad_unit.json()["error"]["code"] == "unit_not_found"
    early_result = client_for(client, desk.clerk).post(
        f"{BASE}/dossiers/{dossier.code}/results", {"title": "GKS", "symbol": "GKS"}
    )
    assert (
        early_result.status_code == 409 and early_result.json()["error"]["code"] == "not_approved"
    )
    bad_mark = leader.get(f"{BASE}/inbox?mark=late")
    assert bad_mark.status_code in (400, 422)
    # Nothing moved.
    assert only_active(dossier).pk == task.pk


def test_inbox_query_count_does_not_grow_with_the_page(desk, client, django_assert_max_num_queries):
    for minute in range(5):
        receive(desk.world, at("2026-03-02", f"09:{minute:02d}"))
    leader = client_for(client, desk.leader)
    leader.get(f"{BASE}/inbox")
    with django_assert_max_num_queries(11):
        assert leader.get(f"{BASE}/inbox").json()["count"] == 5
