"""The inbox and the processing page over HTTP: what each officer sees, actions, errors."""

from __future__ import annotations

import pytest

from motcua.dossiers.status import Status
from motcua.workflow.models import Task, TaskState

from .conftest import active, at, only_active, receive

pytestmark = pytest.mark.django_db


def page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_inbox_lists_the_officers_steps_with_marks_and_counts(desk, client):
    dossier = receive(desk.world, at("2026-03-02", "09:15"))
    html = page(client, desk.leader, "/workspace/xu-ly/")
    assert dossier.code in html and "Phân công xử lý" in html
    assert 'data-testid="count-overdue"' in html
    # The task was due on 02/03/2026: overdue now.
    assert "mark-overdue" in html
    assert page(client, desk.specialist, "/workspace/xu-ly/").count(dossier.code) == 0
    overdue_only = page(client, desk.leader, "/workspace/xu-ly/?muc=on_track")
    assert dossier.code not in overdue_only
    searched = page(client, desk.leader, f"/workspace/xu-ly/?q={dossier.code[-4:]}")
    assert dossier.code in searched


def test_the_leader_sees_the_units_workload(desk, client):
    dossier = receive(desk.world, at("2026-03-02", "09:15"))
    client.force_login(desk.leader)
    client.post(
        f"/workspace/xu-ly/{dossier.code}/chuyen/",
        {"task": only_active(dossier).pk, "next_assignee": desk.specialist.pk},
    )
    html = page(client, desk.leader, "/workspace/xu-ly/?pham-vi=don-vi")
    assert 'data-testid="workload"' in html and "Phạm Thị Mai" in html
    # A specialist asking for the unit scope gets their own inbox.
    own = page(client, desk.specialist, "/workspace/xu-ly/?pham-vi=don-vi")
    assert 'data-testid="workload"' not in own


def test_forwarding_through_the_page_moves_the_dossier(desk, client):
    dossier = receive(desk.world, at("2026-03-02", "09:15"))
    client.force_login(desk.leader)
    response = client.post(
        f"/workspace/xu-ly/{dossier.code}/chuyen/",
        {
            "task": only_active(dossier).pk,
            "next_assignee": desk.specialist.pk,
            "note": "Giao chị Mai",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/workspace/xu-ly/"
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING
    assert only_active(dossier).assignee == desk.specialist
    html = page(client, desk.specialist, f"/workspace/xu-ly/{dossier.code}/")
    assert "Chuyển bước tiếp theo" in html and "Dự thảo kết quả (PDF)" in html


def test_a_refused_action_shows_the_services_message_and_changes_nothing(desk, client):
    dossier = receive(desk.world, at("2026-03-02", "09:15"))
    client.force_login(desk.leader)
    response = client.post(
        f"/workspace/xu-ly/{dossier.code}/tra-lai/",
        {"task": only_active(dossier).pk, "reason": "Thiếu"},
        follow=True,
    )
    assert "Không có bước trước để trả lại" in response.content.decode()
    assert only_active(dossier).state == TaskState.ACTIVE
    # Someone else's step: refused with a message, nothing moves.
    client.force_login(desk.clerk)
    response = client.post(
        f"/workspace/xu-ly/{dossier.code}/chuyen/", {"task": only_active(dossier).pk}, follow=True
    )
    assert "không được giao cho bạn" in response.content.decode()
    assert len(active(dossier)) == 1 and only_active(dossier).role == "leader"


def test_unknown_actions_tasks_and_dossiers(desk, client):
    dossier = receive(desk.world, at("2026-03-02", "09:15"))
    client.force_login(desk.leader)
    assert client.post(f"/workspace/xu-ly/{dossier.code}/xoa/").status_code == 404
    assert client.post("/workspace/xu-ly/KHONG-CO/chuyen/").status_code == 404
    response = client.post(f"/workspace/xu-ly/{dossier.code}/chuyen/", {"task": "abc"}, follow=True)
    assert "Không tìm thấy bước xử lý" in response.content.decode()
    # A unit that has nothing to do with the dossier does not see it.
    client.force_login(desk.justice_leader)
    assert client.get(f"/workspace/xu-ly/{dossier.code}/").status_code == 404
    assert client.get("/workspace/xu-ly/KHONG-CO/").status_code == 404


def test_the_page_and_the_inbox_have_a_fixed_number_of_queries(
    desk, client, django_assert_max_num_queries
):
    dossiers = [receive(desk.world, at("2026-03-02", f"09:{m:02d}")) for m in range(6)]
    client.force_login(desk.leader)
    client.get("/workspace/xu-ly/")  # warm the calendar
    with django_assert_max_num_queries(13):
        assert client.get("/workspace/xu-ly/").status_code == 200
    with django_assert_max_num_queries(43):  # incl. the waiting intervals (supplements, payments)
        assert client.get(f"/workspace/xu-ly/{dossiers[0].code}/").status_code == 200
    assert Task.objects.filter(state=TaskState.ACTIVE).count() == 6


def test_the_counter_officer_sees_results_waiting_to_be_returned(desk, client):
    from .test_journey import process_to_result

    dossier = receive(desk.world, at("2026-03-02", "09:15"))
    html = page(client, desk.world.receptionist, "/workspace/xu-ly/")
    assert 'data-testid="to-return"' not in html
    process_to_result(desk, dossier)
    html = page(client, desk.world.receptionist, "/workspace/xu-ly/")
    assert 'data-testid="to-return"' in html and dossier.code in html
    # Officers who do not receive at that center do not get the list.
    assert 'data-testid="to-return"' not in page(client, desk.leader, "/workspace/xu-ly/")


def test_an_error_is_reported_and_corrected_from_the_page(desk, client):
    from django.utils import timezone

    from motcua.workflow.models import Result

    from .test_journey import process_to_result

    dossier = receive(desk.world, at("2026-03-02", "09:15"))
    original = process_to_result(desk, dossier)
    client.force_login(desk.world.receptionist)
    response = client.post(
        f"/workspace/xu-ly/{dossier.code}/bao-sai-sot/",
        {"result": original.pk, "description": "Sai năm sinh của mẹ"},
        follow=True,
    )
    assert "Đã ghi nhận sai sót" in response.content.decode()
    report = original.error_reports.get()
    # The receptionist records the error; only the clerk issues the correction.
    html = page(client, desk.world.receptionist, f"/workspace/xu-ly/{dossier.code}/")
    assert "Cấp số đính chính" not in html and "Sai năm sinh của mẹ" in html
    client.force_login(desk.clerk)
    response = client.post(
        f"/workspace/xu-ly/{dossier.code}/dinh-chinh/",
        {
            "report": report.pk,
            "title": "Giấy khai sinh",
            "symbol": "GKS-UBND",
            "signer_name": "Lê Văn Hùng",
        },
        follow=True,
    )
    assert "số 2/GKS-UBND" in response.content.decode()
    fixed = Result.objects.get(corrects=original)
    assert fixed.number == 2
    assert fixed.signed_on == timezone.localtime(fixed.issued_at).date()
    # A second correction of the same report is refused with the service's message.
    again = client.post(
        f"/workspace/xu-ly/{dossier.code}/dinh-chinh/",
        {"report": report.pk, "title": "x", "symbol": "x", "signer_name": "x"},
        follow=True,
    )
    assert "đã được đính chính" in again.content.decode()
