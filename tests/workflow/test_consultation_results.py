"""Consultation of other units, register numbers of results, corrections, the sweeper."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction

from motcua.notifications.models import Notification
from motcua.workflow import selectors, services, sweeper
from motcua.workflow.models import Result, SignatureMode, Task, TaskKind, TaskState
from motcua.workflow.rules import Timeliness
from motcua.workflow.services import OpinionRequest, WorkflowError
from tests import factories

from .conftest import at, only_active, receive
from .test_journey import process_to_result

pytestmark = pytest.mark.django_db


def test_consultation_waits_for_every_unit_or_a_decision(desk):
    world = desk.world
    police = factories.unit("Công an tỉnh", parent=world.province, code="000.00.05.H21")
    police_officer = factories.staff(username="cong-an", roles=[("specialist", police)])
    dossier = receive(world, at("2026-03-02", "09:00"))
    services.forward_task(
        actor=desk.leader,
        task=only_active(dossier),
        next_assignee=desk.specialist,
        at=at("2026-03-02", "09:05"),
    )
    appraise = only_active(dossier)
    asked = services.ask_opinions(
        actor=desk.specialist,
        task=appraise,
        question="Xác minh thông tin cư trú của người cha",
        requests=[
            OpinionRequest(unit=world.justice, working_days=Decimal(1)),
            OpinionRequest(unit=police, working_days=Decimal(2)),
        ],
        at=at("2026-03-02", "10:00"),
    )
    assert [t.due_at for t in asked] == [at("2026-03-03", "10:00"), at("2026-03-04", "10:00")]
    # Each consulted unit sees it in its inbox; the asking step stays with the specialist.
    assert [t.kind for t in selectors.inbox(desk.justice_specialist)] == [TaskKind.CONSULTATION]
    with pytest.raises(WorkflowError) as waiting:
        services.forward_task(actor=desk.specialist, task=appraise)
    assert waiting.value.code == "opinions_pending"
    # A consulted unit answers; it does not move the dossier's steps.
    with pytest.raises(WorkflowError) as wrong:
        services.forward_task(actor=desk.justice_specialist, task=asked[0])
    assert wrong.value.code == "task_is_consultation"
    # The justice department answers late (due 03/03 10:00).
    services.answer_opinion(
        actor=desk.justice_specialist,
        task=asked[0],
        answer="Không có thông tin trái",
        at=at("2026-03-03", "14:00"),
    )
    with pytest.raises(WorkflowError):
        services.forward_task(actor=desk.specialist, task=appraise)
    # The police never answers; the specialist decides to go on.
    services.forward_task(
        actor=desk.specialist,
        task=appraise,
        proceed_without_opinions=True,
        at=at("2026-03-04", "11:00"),
    )
    route = {t.pk: t for t in selectors.route(dossier)}
    assert route[asked[0].pk].timeliness == Timeliness.LATE
    assert route[asked[0].pk].response == "Không có thông tin trái"
    assert route[asked[1].pk].state == TaskState.CANCELLED
    assert not selectors.inbox(police_officer).exists()
    # The time each unit held the file is accounted for.
    units = {row["unit"].pk for row in selectors.held_time_by_unit(dossier)}
    assert world.commune_a.pk in units


def test_consultation_rejects_bad_requests(desk):
    dossier = receive(desk.world, at("2026-03-02", "09:00"))
    services.forward_task(
        actor=desk.leader, task=only_active(dossier), next_assignee=desk.specialist
    )
    task = only_active(dossier)
    cases = [
        ([], "Hỏi", "units_required"),
        (
            [OpinionRequest(unit=desk.world.justice, working_days=Decimal(1))],
            " ",
            "question_required",
        ),
        (
            [OpinionRequest(unit=desk.world.commune_a, working_days=Decimal(1))],
            "Hỏi",
            "units_invalid",
        ),
        (
            [OpinionRequest(unit=desk.world.justice, working_days=Decimal(0))],
            "Hỏi",
            "deadline_invalid",
        ),
    ]
    for requests, question, code in cases:
        with pytest.raises(WorkflowError) as refused:
            services.ask_opinions(
                actor=desk.specialist, task=task, requests=requests, question=question
            )
        assert refused.value.code == code
    assert not Task.objects.filter(kind=TaskKind.CONSULTATION).exists()


def test_register_numbers_run_per_unit_and_year_and_a_rollback_gives_the_number_back(desk):
    first = receive(desk.world, at("2026-03-02", "09:00"))
    assert process_to_result(desk, first).number == 1
    second = receive(desk.world, at("2026-03-02", "09:10"))
    for step in range(3):
        task = only_active(second)
        if step == 0:
            services.forward_task(actor=desk.leader, task=task, next_assignee=desk.specialist)
        elif step == 1:
            services.forward_task(actor=desk.specialist, task=task)
        else:
            services.approve(actor=desk.leader, task=task, mode=SignatureMode.PAPER)
            services.forward_task(actor=desk.leader, task=task)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.issue_result(actor=desk.clerk, dossier=second, title="GKS", symbol="GKS")
        raise RuntimeError("the clerk's transaction fails after taking a number")
    result = services.issue_result(actor=desk.clerk, dossier=second, title="GKS", symbol="GKS")
    assert result.number == 2 and result.year == 2026


def test_issuing_needs_the_clerk_and_an_approval(desk):
    dossier = receive(desk.world, at("2026-03-02", "09:00"))
    services.forward_task(
        actor=desk.leader, task=only_active(dossier), next_assignee=desk.specialist
    )
    with pytest.raises(WorkflowError) as refused:
        services.issue_result(actor=desk.clerk, dossier=dossier, title="GKS", symbol="GKS")
    assert refused.value.code == "not_approved"
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.issue_result(actor=desk.specialist, dossier=dossier, title="GKS", symbol="GKS")


def test_an_error_in_a_result_is_corrected_by_a_new_result_within_3_working_days(desk):
    dossier = receive(desk.world, at("2026-03-02", "09:00"))
    original = process_to_result(desk, dossier)
    report = services.report_result_error(
        actor=desk.clerk, result=original, description="Sai ngày sinh", at=at("2026-03-06", "10:00")
    )
    assert report.due_at == at("2026-03-11", "10:00")  # Fri + 3 working days
    fixed = services.correct_result(
        actor=desk.clerk,
        report=report,
        title="Giấy khai sinh (đính chính)",
        symbol="GKS-UBND",
        signer_name="Lê Văn Hùng",
        signed_on=dt.date(2026, 3, 9),
        at=at("2026-03-09", "09:00"),
    )
    original.refresh_from_db()
    assert fixed.corrects == original and fixed.number == 2
    assert original.title == "Giấy khai sinh"  # never edited
    event = dossier.events.get(action="correct_result")
    assert event.data["timeliness"] == Timeliness.EARLY
    with pytest.raises(WorkflowError):
        services.correct_result(
            actor=desk.clerk,
            report=report,
            title="x",
            symbol="x",
            signer_name="x",
            signed_on=dt.date(2026, 3, 9),
        )


def test_the_sweeper_warns_then_escalates_once(desk):
    dossier = receive(desk.world, at("2026-03-02", "09:00"))
    lead = only_active(dossier)  # due 13:09 → 13:00-ish; warning lead: min(2 h, 25 %)
    assert lead.next_check_at is not None and lead.next_check_at < lead.due_at
    before = lead.next_check_at - dt.timedelta(minutes=1)
    assert sweeper.sweep_tasks(now=before) == 0
    assert sweeper.sweep_tasks(now=lead.next_check_at) == 1
    assert sweeper.sweep_tasks(now=lead.next_check_at) == 0  # idempotent
    warned = Notification.objects.filter(key__startswith=f"task:{lead.pk}:warn")
    assert list(warned.values_list("recipient", flat=True)) == [desk.leader.email]
    assert sweeper.sweep_tasks(now=lead.due_at) == 1
    assert sweeper.sweep_tasks(now=lead.due_at + dt.timedelta(days=3)) == 0
    escalated = Notification.objects.filter(key__startswith=f"task:{lead.pk}:escalate")
    assert escalated.count() == 1
    lead.refresh_from_db()
    assert lead.warned_at and lead.escalated_at and lead.next_check_at is None


def test_a_finished_or_paused_task_is_dropped_by_the_sweeper_without_messages(desk):
    dossier = receive(desk.world, at("2026-03-02", "09:00"))
    lead = only_active(dossier)
    check = lead.next_check_at
    services.forward_task(actor=desk.leader, task=lead, next_assignee=desk.specialist)
    Task.objects.filter(pk=lead.pk).update(next_check_at=check)  # a stale index entry
    assert sweeper.sweep_tasks(now=check) == 0
    assert not Notification.objects.filter(key__startswith=f"task:{lead.pk}:").exists()
    lead.refresh_from_db()
    assert lead.next_check_at is None


def test_the_apology_deadline_warning_goes_once_to_the_leaders(desk):
    dossier = receive(desk.world, at("2026-03-02", "09:00"))  # due Thu 05/03 09:00
    assert sweeper.warn_apology_deadlines(now=at("2026-03-02", "10:00")) == 0
    assert sweeper.warn_apology_deadlines(now=at("2026-03-03", "10:00")) == 1
    assert sweeper.warn_apology_deadlines(now=at("2026-03-03", "11:00")) == 0
    sent = Notification.objects.get(dossier=dossier, key__contains=":apology-warning:")
    assert sent.recipient == desk.leader.email and "17:00 04/03/2026" in sent.body


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_register_numbers_are_gapless_under_concurrent_issuance(desk):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers")
    dossiers = []
    for minute in range(8):
        dossier = receive(desk.world, at("2026-03-02", f"09:{minute:02d}"))
        services.forward_task(
            actor=desk.leader, task=only_active(dossier), next_assignee=desk.specialist
        )
        services.forward_task(actor=desk.specialist, task=only_active(dossier))
        services.approve(actor=desk.leader, task=only_active(dossier), mode=SignatureMode.PAPER)
        services.forward_task(actor=desk.leader, task=only_active(dossier))
        dossiers.append(dossier)
    barrier = threading.Barrier(len(dossiers))
    errors: list[BaseException] = []

    def issue(dossier):
        try:
            barrier.wait()
            services.issue_result(actor=desk.clerk, dossier=dossier, title="GKS", symbol="GKS")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(d,)) for d in dossiers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(Result.objects.values_list("number", flat=True))
    assert numbers == list(range(1, len(dossiers) + 1))


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_act_on_each_task_once(desk):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers")
    tasks = [only_active(receive(desk.world, at("2026-03-02", f"09:{m:02d}"))) for m in range(10)]
    now = max(t.next_check_at for t in tasks)
    counts: list[int] = []
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            counts.append(sweeper.sweep_tasks(now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == len(tasks)
    assert Notification.objects.filter(key__contains=":warn:").count() == len(tasks)
