"""A dossier's journey after reception: planned steps, hand-overs, the inbox, returns."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from motcua.dossiers import services as dossier_services
from motcua.dossiers.status import Status
from motcua.notifications.models import Notification
from motcua.workflow import selectors, services
from motcua.workflow.models import ReturnMethod, SignatureMode, Task, TaskState
from motcua.workflow.rules import Timeliness
from motcua.workflow.services import WorkflowError

from .conftest import active, at, only_active, receive

pytestmark = pytest.mark.django_db


def process_to_result(desk, dossier, *, day="2026-03-02"):
    """Leader assigns → specialist appraises → leader approves on paper → clerk registers."""
    lead = only_active(dossier)
    services.forward_task(
        actor=desk.leader, task=lead, next_assignee=desk.specialist, at=at(day, "10:00")
    )
    appraise = only_active(dossier)
    services.forward_task(
        actor=desk.specialist, task=appraise, note="Đủ điều kiện", at=at(day, "14:00")
    )
    approve = only_active(dossier)
    services.approve(actor=desk.leader, task=approve, mode=SignatureMode.PAPER, at=at(day, "15:00"))
    services.forward_task(actor=desk.leader, task=approve, at=at(day, "15:05"))
    register = only_active(dossier)
    result = services.issue_result(
        actor=desk.clerk,
        dossier=dossier,
        title="Giấy khai sinh",
        symbol="GKS-UBND",
        at=at(day, "15:30"),
    )
    services.forward_task(actor=desk.clerk, task=register, at=at(day, "15:35"))
    return result


def test_acceptance_plans_the_default_route_and_opens_the_leaders_step(desk):
    dossier = receive(desk.world, at("2026-03-02", "09:15"))
    tasks = list(Task.objects.filter(dossier=dossier).order_by("position"))
    assert [(t.position, t.role, t.state) for t in tasks] == [
        (1, "leader", TaskState.ACTIVE),
        (2, "specialist", TaskState.PENDING),
        (3, "leader", TaskState.PENDING),
        (4, "clerk", TaskState.PENDING),
    ]
    first = tasks[0]
    # A paper file received before 15:00 reaches the unit at once (same working day).
    assert first.started_at == at("2026-03-02", "09:15")
    assert first.due_at is not None and first.due_at > first.started_at
    # The budgets share the 3 working days (24 h) between hand-over and appointment.
    assert sum(t.budget_hours for t in tasks) == 24
    # The citizen is told (e-mail and SMS) in the same transaction.
    assert set(
        Notification.objects.filter(dossier=dossier).values_list("channel", "recipient")
    ) == {("email", "binh@example.vn"), ("sms", "0912345678")}


def test_a_paper_file_received_after_1500_reaches_the_unit_next_working_morning(desk):
    # Friday 15:20 → Monday 07:30 (opening).
    dossier = receive(desk.world, at("2026-03-06", "15:20"))
    assert only_active(dossier).started_at == at("2026-03-09", "07:30")


def test_the_full_happy_path_to_the_returned_result(desk):
    dossier = receive(desk.world, at("2026-03-02", "09:15"))
    result = process_to_result(desk, dossier)
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSED
    assert result.reference == "1/GKS-UBND" and result.signer_name == "Lê Văn Hùng"
    assert not active(dossier)
    services.return_result(
        actor=desk.world.receptionist,
        dossier=dossier,
        method=ReturnMethod.COUNTER,
        recipient_name="Trần Văn Bình",
        recipient_identity="052090001234",
        originals_returned="Giấy chứng sinh (bản chính)",
        at=at("2026-03-03", "08:00"),
    )
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED
    actions = list(dossier.events.order_by("sequence").values_list("action", flat=True))
    assert actions == [
        "register",
        "accept",
        "start_processing",
        "forward",
        "forward",
        "approve",
        "forward",
        "issue_result",
        "forward",
        "complete",
        "return_result",
    ]
    assert dossier_services.verify_chain(dossier)
    # Finished on the day of reception, due three working days later: early.
    assert selectors.dossier_timeliness(dossier) == Timeliness.EARLY
    assert {t.timeliness for t in selectors.route(dossier)} <= {
        Timeliness.EARLY,
        Timeliness.ON_TIME,
    }
    # The "result ready" message went out with the rest.
    assert Notification.objects.filter(dossier=dossier, key__contains=":result_ready:").exists()


def test_the_process_cannot_finish_without_a_registered_result(desk):
    dossier = receive(desk.world, at("2026-03-02", "09:15"))
    services.forward_task(
        actor=desk.leader, task=only_active(dossier), next_assignee=desk.specialist
    )
    services.forward_task(actor=desk.specialist, task=only_active(dossier))
    services.approve(actor=desk.leader, task=only_active(dossier), mode=SignatureMode.PAPER)
    services.forward_task(actor=desk.leader, task=only_active(dossier))
    with pytest.raises(WorkflowError) as refused:
        services.forward_task(actor=desk.clerk, task=only_active(dossier))
    assert refused.value.code == "result_required"
    assert only_active(dossier).role == "clerk"


def test_inboxes_hold_what_each_officer_may_act_on(desk):
    dossier = receive(desk.world, at("2026-03-02", "09:15"))
    lead = only_active(dossier)
    assert list(selectors.inbox(desk.leader)) == [lead]
    assert list(selectors.inbox(desk.specialist)) == []
    assert list(selectors.inbox(desk.justice_leader)) == []
    services.forward_task(actor=desk.leader, task=lead, next_assignee=desk.specialist)
    appraise = only_active(dossier)
    assert list(selectors.inbox(desk.specialist)) == [appraise]
    assert list(selectors.inbox(desk.other_specialist)) == []  # assigned to a colleague
    assert list(selectors.unit_inbox(desk.leader)) == [appraise]
    with pytest.raises(PermissionDenied):
        services.forward_task(actor=desk.other_specialist, task=appraise)
    # The leader moves it to the other specialist, with a reason.
    with pytest.raises(WorkflowError) as refused:
        services.assign_task(actor=desk.leader, task=appraise, assignee=desk.other_specialist)
    assert refused.value.code == "reason_required"
    services.assign_task(
        actor=desk.leader, task=appraise, assignee=desk.other_specialist, note="Chị Mai nghỉ phép"
    )
    assert list(selectors.inbox(desk.other_specialist)) == [appraise]
    assert list(selectors.inbox(desk.specialist)) == []
    # A specialist cannot reassign, and a clerk cannot be given an appraisal.
    with pytest.raises(PermissionDenied):
        services.assign_task(
            actor=desk.specialist, task=appraise, assignee=desk.specialist, note="x"
        )
    with pytest.raises(WorkflowError) as wrong:
        services.assign_task(actor=desk.leader, task=appraise, assignee=desk.clerk, note="x")
    assert wrong.value.code == "assignee_without_role"
    workload = {row["assignee__username"]: row["open"] for row in selectors.workload(desk.leader)}
    assert workload == {"tuan": 1}


def test_urgency_marks_and_counts(desk):
    dossier = receive(desk.world, at("2026-03-02", "09:15"))
    lead = only_active(dossier)  # 10 % of 24 h = 2 h 24 min, over the lunch break
    assert lead.due_at == at("2026-03-02", "13:09")
    tasks = selectors.inbox(desk.leader)
    early = selectors.Thresholds.at(at("2026-03-02", "08:00"))
    soon = selectors.Thresholds.at(at("2026-03-02", "11:00"))
    late = selectors.Thresholds.at(at("2026-03-02", "14:00"))
    assert selectors.urgency(lead, early) == "on_track"
    assert selectors.urgency(lead, soon) == "due_soon"
    assert selectors.urgency(lead, late) == "overdue"
    assert selectors.urgency_counts(tasks, late)["overdue"] == 1
    assert list(selectors.filter_by_urgency(tasks, "overdue", late)) == [lead]
    assert list(selectors.filter_by_urgency(tasks, "on_track", late)) == []


def test_returning_to_the_previous_step_gives_it_back_to_whoever_did_it(desk):
    dossier = receive(desk.world, at("2026-03-02", "09:15"))
    services.forward_task(
        actor=desk.leader, task=only_active(dossier), next_assignee=desk.specialist
    )
    services.forward_task(actor=desk.specialist, task=only_active(dossier))
    approve = only_active(dossier)
    with pytest.raises(WorkflowError):
        services.return_task(actor=desk.leader, task=approve, reason="  ")
    again = services.return_task(
        actor=desk.leader, task=approve, reason="Sai tên cha trong dự thảo"
    )
    assert again.assignee == desk.specialist and again.role == "specialist"
    approve.refresh_from_db()
    assert approve.state == TaskState.RETURNED
    # The approval step comes again after the specialist fixes the draft.
    services.forward_task(actor=desk.specialist, task=again, note="Đã sửa")
    assert only_active(dossier).role == "leader" and only_active(dossier).position == 3
    assert dossier.events.filter(action="return_step").count() == 1


def test_a_leader_step_cannot_be_returned_to_reception(desk):
    dossier = receive(desk.world, at("2026-03-02", "09:15"))
    with pytest.raises(WorkflowError) as refused:
        services.return_task(actor=desk.leader, task=only_active(dossier), reason="Thiếu giấy")
    assert refused.value.code == "no_previous_step"


def test_refusal_after_appraisal_ends_the_dossier_and_empties_inboxes(desk):
    dossier = receive(desk.world, at("2026-03-02", "09:15"))
    services.forward_task(
        actor=desk.leader, task=only_active(dossier), next_assignee=desk.specialist
    )
    refusal = services.refuse_after_appraisal(
        actor=desk.specialist, task=only_active(dossier), reason="Người yêu cầu không có quyền"
    )
    dossier.refresh_from_db()
    assert dossier.status == Status.NOT_ACCEPTED and refusal.at_reception is False
    assert not active(dossier)
    assert not Task.objects.filter(dossier=dossier, state=TaskState.PENDING).exists()


def test_withdrawal_and_stop_cancel_open_steps(desk):
    first = receive(desk.world, at("2026-03-02", "09:15"))
    dossier_services.withdraw_dossier(
        actor=desk.world.receptionist, dossier=first, reason="Công dân rút hồ sơ"
    )
    assert not active(first)
    second = receive(desk.world, at("2026-03-02", "09:30"))
    services.forward_task(
        actor=desk.leader, task=only_active(second), next_assignee=desk.specialist
    )
    with pytest.raises(PermissionDenied):
        services.stop_processing(actor=desk.specialist, dossier=second, reason="x")
    notice = services.stop_processing(
        actor=desk.leader, dossier=second, reason="Tòa án đang thụ lý tranh chấp"
    )
    second.refresh_from_db()
    assert second.status == Status.STOPPED and notice.number.endswith("/TB-DGQ")
    assert not active(second)


def test_a_paused_dossier_cannot_move_on(desk):
    dossier = receive(desk.world, at("2026-03-02", "09:15"))
    services.forward_task(
        actor=desk.leader, task=only_active(dossier), next_assignee=desk.specialist
    )
    task = only_active(dossier)
    services.request_financial_obligation(
        actor=desk.specialist, task=task, description="Nộp lệ phí trước bạ", amount=500000
    )
    with pytest.raises(WorkflowError) as refused:
        services.forward_task(actor=desk.specialist, task=task)
    assert refused.value.code == "dossier_paused"


def test_only_the_leaders_step_after_the_appraisal_is_an_approval(desk):
    dossier = receive(desk.world, at("2026-03-02", "09:15"))
    assign = only_active(dossier)
    assert not services.is_approval_step(assign) and not services.has_previous_step(assign)
    with pytest.raises(WorkflowError) as refused:
        services.approve(actor=desk.leader, task=assign, mode=SignatureMode.PAPER)
    assert refused.value.code == "not_an_approval_step"
    assert not dossier.approvals.exists()
    services.forward_task(actor=desk.leader, task=assign, next_assignee=desk.specialist)
    services.forward_task(actor=desk.specialist, task=only_active(dossier))
    approval = only_active(dossier)
    assert services.is_approval_step(approval) and services.has_previous_step(approval)


def test_approval_and_registration_are_all_or_nothing_and_happen_once(desk):
    dossier = receive(desk.world, at("2026-03-02", "09:15"))
    services.forward_task(
        actor=desk.leader, task=only_active(dossier), next_assignee=desk.specialist
    )
    appraise = only_active(dossier)
    services.ask_opinions(
        actor=desk.specialist,
        task=appraise,
        question="?",
        requests=[services.OpinionRequest(unit=desk.world.justice, working_days=1)],
    )
    # The specialist's forward is blocked by the open consultation; proceed anyway.
    services.forward_task(actor=desk.specialist, task=appraise, proceed_without_opinions=True)
    approval_step = only_active(dossier)
    # The leader asks an opinion first: approving now cannot hand over, so nothing is kept.
    (asked,) = services.ask_opinions(
        actor=desk.leader,
        task=approval_step,
        question="?",
        requests=[services.OpinionRequest(unit=desk.world.justice, working_days=1)],
    )
    with pytest.raises(WorkflowError) as blocked:
        services.approve_and_forward(
            actor=desk.leader, task=approval_step, mode=SignatureMode.PAPER
        )
    assert blocked.value.code == "opinions_pending" and not dossier.approvals.exists()
    services.answer_opinion(actor=desk.justice_specialist, task=asked, answer="Đồng ý")
    services.approve_and_forward(actor=desk.leader, task=approval_step, mode=SignatureMode.PAPER)
    with pytest.raises(WorkflowError):  # a second click: the step is gone, nothing recorded
        services.approve_and_forward(
            actor=desk.leader, task=approval_step, mode=SignatureMode.PAPER
        )
    assert dossier.approvals.count() == 1
    assert not services.can_issue_result(desk.specialist, dossier)
    dossier.refresh_from_db()
    assert services.can_issue_result(desk.clerk, dossier)
    result = services.issue_and_finish(actor=desk.clerk, dossier=dossier, title="GKS", symbol="GKS")
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSED and result.number == 1
    with pytest.raises(WorkflowError) as twice:
        services.issue_and_finish(actor=desk.clerk, dossier=dossier, title="GKS", symbol="GKS")
    assert twice.value.code in {"result_already_issued", "dossier_not_processing"}
    assert dossier.results.count() == 1
