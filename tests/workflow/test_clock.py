"""The legal clock during processing: supplements under both regimes, financial obligations,
the apology (form 04) limits, closing of dossiers not completed in time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from motcua.dossiers.status import Status
from motcua.notifications.models import Notification
from motcua.workflow import selectors, services
from motcua.workflow.models import AdjustmentKind, SupplementRegime, Task, TaskState
from motcua.workflow.services import WorkflowError

from .conftest import at, only_active, receive

pytestmark = pytest.mark.django_db

ITEMS = [{"name": "Giấy chứng sinh (bản chính)", "reason": "Bản nộp bị mờ"}]


def at_specialist(desk, when):
    dossier = receive(desk.world, when)
    services.forward_task(
        actor=desk.leader,
        task=only_active(dossier),
        next_assignee=desk.specialist,
        at=when + dt.timedelta(minutes=5),
    )
    return dossier, only_active(dossier)


def test_supplement_under_decree_118_restarts_the_time_across_a_holiday(desk):
    # Accepted Tuesday 28/04/2026 09:00; 30/04 and 01/05 are holidays.
    dossier, task = at_specialist(desk, at("2026-04-28", "09:00"))
    assert dossier.due_at == at("2026-05-05", "09:00")
    request = services.request_supplement(
        actor=desk.specialist,
        task=task,
        items=ITEMS,
        reason="Bản chụp không rõ",
        at=at("2026-04-29", "10:00"),
    )
    dossier.refresh_from_db()
    assert dossier.status == Status.SUPPLEMENT_REQUESTED
    # Due within 3 working days of the unit receiving the file (28/04 09:00): 30/04 off.
    assert request.request_due_at == at("2026-05-05", "09:00")
    assert request.at_reception is False and request.is_repeat is False
    # The citizen has 15 (calendar) days.
    assert request.expires_at is not None and request.expires_at.date() == dt.date(2026, 5, 14)
    task.refresh_from_db()
    assert task.paused_at is not None and task.next_check_at is None
    services.receive_supplement(
        actor=desk.world.receptionist, dossier=dossier, components=[], at=at("2026-05-04", "09:30")
    )
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING
    # The full 3 working days again, from Monday 04/05 09:30.
    assert dossier.due_at == at("2026-05-07", "09:30")
    assert dossier.original_due_at == at("2026-05-05", "09:00")
    adjustment = dossier.clock_adjustments.get()
    assert adjustment.kind == AdjustmentKind.SUPPLEMENT_RESTART and adjustment.rule == "nd118-2025"
    task.refresh_from_db()
    # The budget restarts from the completion; the step keeps when the unit first received it.
    assert task.paused_at is None and task.started_at == at("2026-04-28", "09:05")
    assert task.due_at == services._calendar(dossier).add_working_hours(
        at("2026-05-04", "09:30"), task.budget_hours
    )
    # The restarted time counts for timeliness (it is lawful), unlike an apology.
    assert selectors.legal_due_at(dossier) == at("2026-05-07", "09:30")


def test_supplement_under_the_earlier_rule_moves_the_appointment_by_the_time_waited(desk):
    # The regime is data: a dossier received before NĐ 118's date keeps the old rule.
    SupplementRegime.objects.filter(code="nd118-2025").update(effective_from=dt.date(2027, 1, 1))
    dossier, task = at_specialist(desk, at("2026-04-28", "09:00"))
    services.request_supplement(
        actor=desk.specialist,
        task=task,
        items=ITEMS,
        reason="Bản chụp không rõ",
        at=at("2026-04-29", "10:00"),
    )
    services.receive_supplement(
        actor=desk.world.receptionist, dossier=dossier, components=[], at=at("2026-05-04", "09:30")
    )
    dossier.refresh_from_db()
    # Waited: 29/04 10:00–11:30 and 13:00–17:00 (5.5 h), holidays 30/04–01/05, 04/05
    # 07:30–09:30 (2 h) = 7.5 working hours. 05/05 09:00 + 7.5 h → 06/05 08:30.
    assert dossier.due_at == at("2026-05-06", "08:30")
    assert dossier.clock_adjustments.get().kind == AdjustmentKind.SUPPLEMENT_PAUSE
    task.refresh_from_db()
    assert task.paused_at is None
    # The step keeps its unused budget and the sweeper its warning moment, not "now".
    assert task.due_at > at("2026-05-04", "09:30")
    assert task.next_check_at is not None and task.next_check_at < task.due_at
    assert task.next_check_at > at("2026-05-04", "09:30")


def test_a_second_supplement_request_is_recorded_and_flagged(desk):
    dossier, task = at_specialist(desk, at("2026-03-02", "09:00"))
    services.request_supplement(actor=desk.specialist, task=task, items=ITEMS, reason="Thiếu")
    services.receive_supplement(actor=desk.world.receptionist, dossier=dossier, components=[])
    second = services.request_supplement(
        actor=desk.specialist, task=task, items=ITEMS, reason="Lại thiếu"
    )
    assert second.is_repeat is True


def test_a_late_supplement_request_is_recorded_with_its_deadline(desk):
    _dossier, task = at_specialist(desk, at("2026-03-02", "09:00"))
    request = services.request_supplement(
        actor=desk.specialist, task=task, items=ITEMS, reason="Thiếu", at=at("2026-03-06", "09:00")
    )
    assert request.request_due_at == at("2026-03-05", "09:00")
    assert request.created_at > request.request_due_at  # a breach the reports count


def test_a_dossier_not_completed_in_15_days_is_closed_by_the_sweeper(desk):
    dossier, task = at_specialist(desk, at("2026-03-02", "09:00"))
    request = services.request_supplement(
        actor=desk.specialist, task=task, items=ITEMS, reason="Thiếu", at=at("2026-03-02", "10:00")
    )
    assert services.close_expired_supplements(now=request.expires_at - dt.timedelta(minutes=1)) == 0
    assert services.close_expired_supplements(now=request.expires_at) == 1
    assert services.close_expired_supplements(now=request.expires_at) == 0  # once
    dossier.refresh_from_db()
    assert dossier.status == Status.STOPPED
    assert dossier.stop_notice.requested_by_applicant is False
    assert not Task.objects.filter(dossier=dossier, state=TaskState.ACTIVE).exists()


def test_a_financial_obligation_moves_the_appointment_by_the_working_time_waited(desk):
    dossier, task = at_specialist(desk, at("2026-03-02", "09:00"))
    before = dossier.due_at
    obligation = services.request_financial_obligation(
        actor=desk.specialist, task=task, description="Nộp thuế", at=at("2026-03-02", "10:00")
    )
    dossier.refresh_from_db()
    assert dossier.status == Status.FINANCIAL_OBLIGATION
    with pytest.raises(WorkflowError):
        services.settle_financial_obligation(
            actor=desk.specialist, obligation=obligation, reference=" "
        )
    services.settle_financial_obligation(
        actor=desk.specialist,
        obligation=obligation,
        reference="BL-0001",
        at=at("2026-03-03", "10:00"),
    )
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING
    # One working day (8 h) waited: the appointment moves by one working day.
    assert before == at("2026-03-05", "09:00") and dossier.due_at == at("2026-03-06", "09:00")
    # The day waited for the payment is not time the commune held the file.
    held = selectors.held_time_by_unit(dossier, now=at("2026-03-03", "11:00"))
    # Leader 09:00–09:05, specialist 09:05 → 10:00 then 10:00 (next day) → 11:00.
    assert [row["hours"] for row in held] == [Decimal("2.00")]


# -- apology (form 04) --------------------------------------------------------------------


def test_apology_sets_a_new_appointment_once(desk):
    dossier, _task = at_specialist(desk, at("2026-03-02", "09:00"))  # due Thu 05/03 09:00
    apology = services.apologize(
        actor=desk.leader,
        dossier=dossier,
        reason="Chờ xác minh tại nơi sinh",
        new_due_at=at("2026-03-10", "16:00"),
        at=at("2026-03-04", "10:00"),
    )
    dossier.refresh_from_db()
    assert dossier.due_at == at("2026-03-10", "16:00")
    assert dossier.original_due_at == at("2026-03-05", "09:00")
    assert apology.unit == desk.world.commune_a and apology.signer_name == "Lê Văn Hùng"
    assert dossier.clock_adjustments.get().kind == AdjustmentKind.APOLOGY
    # An apology does not make a late dossier on time.
    assert selectors.legal_due_at(dossier) == at("2026-03-05", "09:00")
    assert Notification.objects.filter(dossier=dossier, key__contains=":delayed:").count() == 2
    with pytest.raises(WorkflowError) as twice:
        services.apologize(
            actor=desk.leader,
            dossier=dossier,
            reason="Lần hai",
            new_due_at=at("2026-03-12", "16:00"),
            at=at("2026-03-05", "10:00"),
        )
    assert twice.value.code == "apology_already_issued"


@pytest.mark.parametrize(
    ("when", "new_due", "code"),
    [
        # Due Thursday 05/03 09:00: the apology deadline is Wednesday 04/03 17:00.
        (("2026-03-04", "17:01"), ("2026-03-10", "16:00"), "apology_too_late"),
        (("2026-03-05", "09:00"), ("2026-03-10", "16:00"), "appointment_passed"),
        (("2026-03-03", "10:00"), ("2026-03-05", "08:00"), "new_due_not_later"),
        (("2026-03-03", "10:00"), ("2026-03-07", "10:00"), "new_due_not_working"),
    ],
)
def test_apology_limits(desk, when, new_due, code):
    dossier, _task = at_specialist(desk, at("2026-03-02", "09:00"))
    with pytest.raises(WorkflowError) as refused:
        services.apologize(
            actor=desk.leader,
            dossier=dossier,
            reason="Chậm",
            new_due_at=at(*new_due),
            at=at(*when),
        )
    assert refused.value.code == code
    dossier.refresh_from_db()
    assert dossier.due_at == at("2026-03-05", "09:00")


def test_only_the_leader_of_the_unit_holding_the_file_apologises(desk):
    dossier, _task = at_specialist(desk, at("2026-03-02", "09:00"))
    for outsider in (desk.specialist, desk.justice_leader):
        with pytest.raises(PermissionDenied):
            services.apologize(
                actor=outsider,
                dossier=dossier,
                reason="Chậm",
                new_due_at=at("2026-03-10", "16:00"),
                at=at("2026-03-03", "10:00"),
            )
