"""Writes of the processing. Keyword-only, atomic, permission-checked; every change appends a
dossier event in the same transaction (status changes through ``dossiers.services.transition``,
the rest as :class:`~motcua.dossiers.status.Activity` events).

The route of a dossier is planned when it is accepted: one task per step of its case's internal
process (or of ``rules.DEFAULT_PROCESS``), pending until its turn. Forwarding finishes the open
task and opens the next step (all steps of a parallel group at once); returning sends the file
back to the previous step as a new task. See docs/processing.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from motcua.catalog.models import BudgetUnit
from motcua.core.calendar import TimeUnit, WorkingCalendar, calendar_for, format_moment_short
from motcua.core.numbering import next_number
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Document, Dossier, Refusal, SupplementRequest
from motcua.dossiers.status import Action, Activity, Status, allowed_actions, target_of
from motcua.organization.models import Role, Unit
from motcua.organization.permissions import Capability, has_capability, holds_role

from . import notify, rules
from .models import (
    AdjustmentKind,
    Apology,
    Approval,
    ClockAdjustment,
    ErrorReport,
    FinancialObligation,
    Result,
    ResultReturn,
    ReturnMethod,
    SignatureMode,
    StopNotice,
    SupplementRegime,
    Task,
    TaskKind,
    TaskState,
)

# Refusals caused by the dossier's or the step's state (not by what was asked): an API answers
# them with 409 Conflict, the others with 422.
STATE_REFUSALS = frozenset(
    {
        "task_not_active",
        "task_is_consultation",
        "dossier_paused",
        "dossier_not_processing",
        "opinions_pending",
        "result_required",
        "not_approved",
        "not_an_approval_step",
        "result_already_issued",
        "no_previous_step",
        "apology_already_issued",
        "appointment_passed",
        "apology_too_late",
        "already_corrected",
        "already_settled",
        "no_open_request",
    }
)


class WorkflowError(ValidationError):
    """A refused processing action; ``code`` is machine-readable, the message Vietnamese."""

    def __init__(self, message: Any, code: str) -> None:
        super().__init__(message, code)
        self.code = code

    @property
    def is_state_conflict(self) -> bool:
        return self.code in STATE_REFUSALS


def _now(at: dt.datetime | None) -> dt.datetime:
    return timezone.localtime(at or timezone.now())


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _calendar(dossier: Dossier) -> WorkingCalendar:
    # Acceptance leaves its calendar on the instance: the route is planned with the same one.
    cached = getattr(dossier, "calendar", None)
    return cached if cached is not None else calendar_for(dossier.receiving_center)


def _locked_dossier(dossier: Dossier) -> Dossier:
    return Dossier.objects.select_for_update().select_related("receiving_center").get(pk=dossier.pk)


def _locked_task(task: Task) -> tuple[Task, Dossier]:
    """Lock the dossier first, then read its task: one lock order for every action."""
    dossier = _locked_dossier(task.dossier)
    return Task.objects.select_related("unit", "assignee").get(pk=task.pk), dossier


def _event(
    dossier: Dossier,
    activity: Activity,
    *,
    actor: Any,
    at: dt.datetime,
    unit: Unit | None,
    note: str = "",
    data: dict[str, Any] | None = None,
    documents: list[Document] | None = None,
) -> None:
    dossier_services.append_event(
        dossier,
        action=activity,
        actor=actor,
        from_status=dossier.status,
        to_status=dossier.status,
        at=at,
        note=note,
        data=data,
        unit=unit,
        documents=documents,
    )


# ---------------------------------------------------------------------------------------------
# Who may do what


def can_act_on(user: Any, task: Task) -> bool:
    """The holder of an open task: its assignee, or anyone with its role in its unit while it
    is unassigned (a pool)."""
    if task.state != TaskState.ACTIVE or not getattr(user, "is_authenticated", False):
        return False
    if task.assignee_id is not None:
        return bool(task.assignee_id == user.pk)
    return holds_role(user, task.role, task.unit)


def can_assign(user: Any, task: Task) -> bool:
    return has_capability(user, Capability.ASSIGN_DOSSIERS, task.unit)


def can_approve(user: Any, task: Task) -> bool:
    """The holder of the approval step, with the right to approve in its unit."""
    return (
        can_act_on(user, task)
        and is_approval_step(task)
        and has_capability(user, Capability.APPROVE_DOSSIERS, task.unit)
    )


def can_answer(user: Any, task: Task) -> bool:
    """A consultation is answered by its holder or a leader of the consulted unit."""
    return (
        task.kind == TaskKind.CONSULTATION
        and task.state == TaskState.ACTIVE
        and (can_act_on(user, task) or can_assign(user, task))
    )


def next_step(task: Task) -> Task | None:
    """The pending step that follows ``task`` (the one forwarding opens)."""
    return (
        Task.objects.filter(
            dossier_id=task.dossier_id,
            kind=TaskKind.STEP,
            state=TaskState.PENDING,
            position__gt=task.position,
        )
        .select_related("unit")
        .order_by("position", "pk")
        .first()
    )


# Statuses in which the late unit may still apologise and set a new date (Art 19.6).
APOLOGY_STATUSES = (Status.ACCEPTED, Status.PROCESSING, Status.FINANCIAL_OBLIGATION)


def can_apologize(user: Any, dossier: Dossier) -> bool:
    return (
        dossier.status in APOLOGY_STATUSES
        and not Apology.objects.filter(dossier=dossier).exists()
        and has_capability(user, Capability.APPROVE_DOSSIERS, late_unit(dossier))
    )


def can_stop(user: Any, dossier: Dossier) -> bool:
    return Action.STOP in allowed_actions(dossier.status) and has_capability(
        user, Capability.APPROVE_DOSSIERS, late_unit(dossier)
    )


def _at_reception_center(user: Any, dossier: Dossier) -> bool:
    return has_capability(user, Capability.RECEIVE_DOSSIERS, dossier.receiving_center.unit)


def can_return_result(user: Any, dossier: Dossier) -> bool:
    return Action.RETURN_RESULT in allowed_actions(dossier.status) and _at_reception_center(
        user, dossier
    )


def can_receive_supplement(user: Any, dossier: Dossier) -> bool:
    return Action.SUPPLEMENT_RECEIVED in allowed_actions(dossier.status) and (
        _at_reception_center(user, dossier)
    )


def can_correct_result(user: Any, result: Result) -> bool:
    return has_capability(user, Capability.REGISTER_RESULTS, result.unit)


def apology_deadline_of(dossier: Dossier) -> dt.datetime | None:
    """The last moment an apology may be issued for the dossier's current appointment."""
    if dossier.due_at is None:
        return None
    return rules.apology_deadline(dossier.due_at, _calendar(dossier))


def is_approval_step(task: Task) -> bool:
    """A leader's step after an appraisal is the approval (ký duyệt); a leader's step before
    any appraisal is the assignment (phân công)."""
    if task.kind != TaskKind.STEP or task.role != Role.LEADER:
        return False
    return Task.objects.filter(
        dossier_id=task.dossier_id,
        kind=TaskKind.STEP,
        role=Role.SPECIALIST,
        position__lt=task.position,
    ).exists()


def has_previous_step(task: Task) -> bool:
    """Whether ``return_task`` has somewhere to send the file back to."""
    return (
        task.kind == TaskKind.STEP
        and Task.objects.filter(
            dossier_id=task.dossier_id,
            kind=TaskKind.STEP,
            state=TaskState.DONE,
            position__lt=task.position,
        )
        .exclude(role=Role.RECEPTIONIST)
        .exists()
    )


def can_report_error(user: Any, result: Result) -> bool:
    """The issuing unit's clerk, or the center that returns the result, records an error."""
    dossier = result.dossier
    return has_capability(user, Capability.REGISTER_RESULTS, result.unit) or has_capability(
        user, Capability.RECEIVE_DOSSIERS, dossier.receiving_center.unit
    )


def can_issue_result(user: Any, dossier: Dossier) -> bool:
    """The clerk's moment: approved, not yet registered, still in processing."""
    return (
        dossier.status == Status.PROCESSING
        and has_capability(user, Capability.REGISTER_RESULTS, dossier.competent_unit)
        and dossier.approvals.exists()
        and not dossier.results.exists()
    )


def _require_holder(actor: Any, task: Task) -> None:
    if task.state != TaskState.ACTIVE:
        raise WorkflowError(
            _("Bước “%(step)s” không còn chờ xử lý (%(state)s).")
            % {"step": task.name, "state": task.get_state_display()},
            code="task_not_active",
        )
    if not can_act_on(actor, task):
        raise PermissionDenied(_("Bước “%(step)s” không được giao cho bạn.") % {"step": task.name})


def _require_running(dossier: Dossier) -> None:
    if dossier.status in (Status.SUPPLEMENT_REQUESTED, Status.FINANCIAL_OBLIGATION):
        raise WorkflowError(
            _("Hồ sơ đang tạm dừng (%(status)s): chưa thể chuyển bước.")
            % {"status": dossier.status_label},
            code="dossier_paused",
        )
    if dossier.status not in (Status.ACCEPTED, Status.PROCESSING):
        raise WorkflowError(
            _("Hồ sơ ở trạng thái “%(status)s” không còn được xử lý.")
            % {"status": dossier.status_label},
            code="dossier_not_processing",
        )


def _ensure_processing(dossier: Dossier, *, actor: Any, at: dt.datetime, unit: Unit) -> None:
    """The competent unit's first action moves the dossier from 2 (accepted) to 4."""
    if dossier.status == Status.ACCEPTED:
        dossier_services.transition(
            dossier, Action.START_PROCESSING, actor=actor, at=at, data={"unit": unit.pk}
        )


# ---------------------------------------------------------------------------------------------
# Planning and opening steps


@dataclass(frozen=True)
class PlannedStep:
    position: int
    name: str
    role: str
    unit: Unit
    budget_hours: Decimal
    parallel_group: int | None
    step: Any = None


def plan_route(
    dossier: Dossier, *, start: dt.datetime, calendar: WorkingCalendar
) -> list[PlannedStep]:
    """The steps a dossier will go through, from its case's internal process or the default."""
    template = dossier.procedure_case.process_template
    per_day = calendar.schedule.working_day_hours
    if template is not None:
        return [
            PlannedStep(
                position=step.position,
                name=step.name,
                role=step.role,
                unit=step.unit or dossier.competent_unit,
                budget_hours=step.budget
                * (per_day if step.budget_unit == BudgetUnit.WORKING_DAYS else Decimal(1)),
                parallel_group=step.parallel_group,
                step=step,
            )
            for step in template.steps.select_related("unit").order_by("position")
        ]
    available = calendar.working_time_between(start, dossier.due_at or start)
    hours = Decimal(available.total_seconds()) / Decimal(3600)
    hours = max(hours, Decimal(len(rules.DEFAULT_PROCESS)))  # never a zero budget
    return [
        PlannedStep(
            position=position,
            name=default.name,  # data, kept in Vietnamese like a template's
            role=default.role,
            unit=dossier.competent_unit,
            budget_hours=(hours * default.share).quantize(Decimal("0.01")),
            parallel_group=None,
        )
        for position, default in enumerate(rules.DEFAULT_PROCESS, 1)
    ]


def _schedule(
    task: Task, start: dt.datetime, calendar: WorkingCalendar, *, restart: bool = False
) -> None:
    """Give an opening task its due moment and the sweeper its first look (the warning). A
    restarted task (supplement under NĐ 118) keeps the moment it was first received."""
    if not restart or task.started_at is None:
        task.started_at = start
    task.due_at = calendar.add_working_hours(start, task.budget_hours)
    lead = rules.warning_lead_hours(task.budget_hours)
    task.next_check_at = calendar.add_working_hours(start, task.budget_hours - lead)
    task.warned_at = task.escalated_at = None


def _open(task: Task, start: dt.datetime, calendar: WorkingCalendar) -> None:
    task.state = TaskState.ACTIVE
    _schedule(task, start, calendar)
    task.save()


def start_workflow(*, dossier: Dossier, actor: Any, at: dt.datetime) -> list[Task]:
    """Plan the route of a just accepted dossier (called inside the acceptance transaction).
    Leading reception steps are the acceptance itself and are recorded as done; the first
    step after them opens when the competent unit receives the file."""
    calendar = _calendar(dossier)
    template = dossier.procedure_case.process_template
    # "5 tại chỗ": the seconded staff settle it at the center, nothing travels.
    on_the_spot = template is not None and template.on_the_spot
    electronic = (
        on_the_spot
        or dossier.channel != "1"
        or all(c.digitised or c.reused_from_id for c in dossier.components.all())
    )
    handover = rules.handover_moment(at, electronic=electronic, calendar=calendar)
    planned = plan_route(dossier, start=handover, calendar=calendar)
    tasks = []
    reception = True
    for plan in planned:
        reception = reception and plan.role == Role.RECEPTIONIST
        task = Task(
            dossier=dossier,
            kind=TaskKind.STEP,
            step=plan.step,
            position=plan.position,
            parallel_group=plan.parallel_group,
            name=plan.name,
            role=plan.role,
            unit=plan.unit if not reception else dossier.receiving_unit,
            is_external=not reception and plan.unit.pk != dossier.competent_unit_id,
            budget_hours=plan.budget_hours,
            state=TaskState.PENDING,
        )
        if reception:
            _schedule(task, at, calendar)
            task.state, task.finished_at = TaskState.DONE, at
            task.finished_by, task.next_check_at = _user(actor), None
        tasks.append(task)
    first = _first_group([t for t in tasks if t.state == TaskState.PENDING])
    for task in first:
        task.state = TaskState.ACTIVE
        _schedule(task, handover, calendar)
    Task.objects.bulk_create(tasks)
    return first


def _first_group(pending: list[Task]) -> list[Task]:
    if not pending:
        return []
    head = min(pending, key=lambda t: t.position)
    if head.parallel_group is None:
        return [head]
    return [t for t in pending if t.parallel_group == head.parallel_group]


def _next_group(dossier: Dossier, *, after: int) -> list[Task]:
    """The pending tasks of the first step after position ``after`` (a whole parallel group)."""
    pending = Task.objects.filter(
        dossier=dossier, kind=TaskKind.STEP, state=TaskState.PENDING, position__gt=after
    ).select_related("unit")
    first = pending.order_by("position", "pk").first()
    if first is None:
        return []
    if first.parallel_group is None:
        return [first]
    return list(pending.filter(parallel_group=first.parallel_group).order_by("position", "pk"))


def _open_in_group(task: Task) -> bool:
    if task.kind != TaskKind.STEP or task.parallel_group is None:
        return False
    return (
        Task.objects.filter(
            dossier_id=task.dossier_id,
            kind=TaskKind.STEP,
            parallel_group=task.parallel_group,
            state=TaskState.ACTIVE,
        )
        .exclude(pk=task.pk)
        .exists()
    )


def _finish(task: Task, *, actor: Any, at: dt.datetime, state: str, response: str = "") -> None:
    task.state, task.finished_at, task.finished_by = state, at, _user(actor)
    task.next_check_at = None
    if response:
        task.response = response
    task.save(update_fields=["state", "finished_at", "finished_by", "next_check_at", "response"])


def _check_assignee(assignee: Any, role: str, unit: Unit) -> None:
    if assignee is not None and not holds_role(assignee, role, unit):
        raise WorkflowError(
            _("%(name)s không giữ vai trò “%(role)s” tại %(unit)s.")
            % {"name": assignee.full_name or assignee, "role": Role(role).label, "unit": unit},
            code="assignee_without_role",
        )


# ---------------------------------------------------------------------------------------------
# Step actions


@transaction.atomic
def assign_task(
    *, actor: Any, task: Task, assignee: Any, note: str = "", at: dt.datetime | None = None
) -> Task:
    """A leader gives an open step to one person (or moves it to another: a reassignment)."""
    task, dossier = _locked_task(task)
    if task.state != TaskState.ACTIVE:
        raise WorkflowError(_("Chỉ phân công được bước đang chờ xử lý."), code="task_not_active")
    if not can_assign(actor, task):
        raise PermissionDenied(
            _("Bạn không có quyền phân công xử lý tại %(unit)s.") % {"unit": task.unit}
        )
    _check_assignee(assignee, task.role, task.unit)
    previous = task.assignee
    if previous is not None and previous.pk == assignee.pk:
        return task
    if previous is not None and not note.strip():
        raise WorkflowError(_("Hãy ghi lý do chuyển người xử lý."), code="reason_required")
    at = _now(at)
    _ensure_processing(dossier, actor=actor, at=at, unit=task.unit)
    task.assignee = assignee
    task.save(update_fields=["assignee"])
    _event(
        dossier,
        Activity.ASSIGN,
        actor=actor,
        at=at,
        unit=task.unit,
        note=note.strip(),
        data={
            "task": task.pk,
            "step": task.name,
            "to": assignee.pk,
            "to_name": assignee.full_name,
            "from": previous.pk if previous else None,
        },
    )
    return task


@transaction.atomic
def forward_task(
    *,
    actor: Any,
    task: Task,
    note: str = "",
    next_assignee: Any = None,
    proceed_without_opinions: bool = False,
    documents: Iterable[Document] = (),
    at: dt.datetime | None = None,
) -> list[Task]:
    """Finish the step and hand the file to the next one; after the last step the dossier is
    processed (status 9), which needs an issued result. Returns the tasks opened."""
    task, dossier = _locked_task(task)
    _require_holder(actor, task)
    _require_running(dossier)
    if task.kind != TaskKind.STEP:
        raise WorkflowError(
            _("Yêu cầu xin ý kiến được trả lời, không chuyển bước."), code="task_is_consultation"
        )
    at = _now(at)
    _close_consultations(task, actor=actor, at=at, proceed=proceed_without_opinions)
    upcoming = [] if _open_in_group(task) else _next_group(dossier, after=task.position)
    if not upcoming and not _open_in_group(task) and task.kind == TaskKind.STEP:
        _require_result(dossier)
    for nxt in upcoming:
        _check_assignee(next_assignee, nxt.role, nxt.unit) if next_assignee else None
    _ensure_processing(dossier, actor=actor, at=at, unit=task.unit)
    docs = list(documents)
    if docs:
        task.documents.add(*docs)
    _finish(task, actor=actor, at=at, state=TaskState.DONE, response=note.strip())
    calendar = _calendar(dossier)
    for nxt in upcoming:
        if next_assignee is not None and holds_role(next_assignee, nxt.role, nxt.unit):
            nxt.assignee = next_assignee
        _open(nxt, at, calendar)
    _event(
        dossier,
        Activity.FORWARD,
        actor=actor,
        at=at,
        unit=task.unit,
        note=note.strip(),
        data={
            "task": task.pk,
            "step": task.name,
            "due_at": task.due_at.isoformat() if task.due_at else None,
            "timeliness": rules.timeliness(at, task.due_at),
            "to_tasks": [t.pk for t in upcoming],
            "to_units": sorted({t.unit_id for t in upcoming}),
            "to_assignee": next_assignee.pk if next_assignee else None,
        },
        documents=docs,
    )
    if not upcoming and not _open_in_group(task) and task.kind == TaskKind.STEP:
        dossier_services.transition(
            dossier, Action.COMPLETE, actor=actor, at=at, data={"task": task.pk}
        )
        notify.citizen(dossier, "result_ready")
    return upcoming


def _require_result(dossier: Dossier) -> None:
    if not dossier.results.exists():
        raise WorkflowError(
            _("Chưa có kết quả được vào sổ, ban hành: văn thư vào sổ trước khi hoàn thành."),
            code="result_required",
        )


@transaction.atomic
def return_task(*, actor: Any, task: Task, reason: str, at: dt.datetime | None = None) -> Task:
    """Send the file back to the previous step, to whoever did it, with a reason."""
    task, dossier = _locked_task(task)
    _require_holder(actor, task)
    _require_running(dossier)
    if not reason.strip():
        raise WorkflowError(_("Hãy ghi lý do trả lại."), code="reason_required")
    previous = (
        Task.objects.filter(
            dossier=dossier, kind=TaskKind.STEP, state=TaskState.DONE, position__lt=task.position
        )
        .exclude(role=Role.RECEPTIONIST)
        .order_by("-position", "-finished_at")
        .first()
    )
    if previous is None or task.kind != TaskKind.STEP:
        raise WorkflowError(
            _("Không có bước trước để trả lại; cần bổ sung hồ sơ thì gửi yêu cầu bổ sung."),
            code="no_previous_step",
        )
    at = _now(at)
    _ensure_processing(dossier, actor=actor, at=at, unit=task.unit)
    _finish(task, actor=actor, at=at, state=TaskState.RETURNED, response=reason.strip())
    calendar = _calendar(dossier)
    again = _copy(previous, assignee=previous.finished_by)
    _open(again, at, calendar)
    _copy(task, assignee=task.assignee).save()  # this step's turn comes again
    _event(
        dossier,
        Activity.RETURN_STEP,
        actor=actor,
        at=at,
        unit=task.unit,
        note=reason.strip(),
        data={"task": task.pk, "step": task.name, "to_task": again.pk, "to_step": again.name},
    )
    return again


def _copy(task: Task, *, assignee: Any) -> Task:
    return Task(
        dossier_id=task.dossier_id,
        kind=task.kind,
        step=task.step,
        position=task.position,
        parallel_group=task.parallel_group,
        name=task.name,
        role=task.role,
        unit=task.unit,
        is_external=task.is_external,
        assignee=assignee,
        budget_hours=task.budget_hours,
        state=TaskState.PENDING,
    )


# ---------------------------------------------------------------------------------------------
# Consultation (xin ý kiến)


@dataclass
class OpinionRequest:
    unit: Unit
    working_days: Decimal
    question: str = ""


@transaction.atomic
def ask_opinions(
    *,
    actor: Any,
    task: Task,
    requests: list[OpinionRequest],
    question: str,
    at: dt.datetime | None = None,
) -> list[Task]:
    """The holder of a step asks one or more units at once, each with its own deadline. The
    step cannot go on until every unit answered, unless its holder decides to proceed."""
    task, dossier = _locked_task(task)
    _require_holder(actor, task)
    _require_running(dossier)
    if not requests:
        raise WorkflowError(
            _("Hãy chọn ít nhất một đơn vị được xin ý kiến."), code="units_required"
        )
    if not question.strip():
        raise WorkflowError(_("Hãy ghi nội dung xin ý kiến."), code="question_required")
    units = [r.unit.pk for r in requests]
    if len(set(units)) != len(units) or task.unit_id in units:
        raise WorkflowError(
            _("Mỗi đơn vị chỉ xin ý kiến một lần và không xin ý kiến chính đơn vị mình."),
            code="units_invalid",
        )
    at = _now(at)
    _ensure_processing(dossier, actor=actor, at=at, unit=task.unit)
    calendar = _calendar(dossier)
    per_day = calendar.schedule.working_day_hours
    created = []
    for request in requests:
        if request.working_days <= 0:
            raise WorkflowError(_("Thời hạn trả lời phải lớn hơn 0."), code="deadline_invalid")
        consult = Task(
            dossier=dossier,
            kind=TaskKind.CONSULTATION,
            parent=task,
            position=task.position,
            name=_consultation_name(task),
            role=Role.SPECIALIST,
            unit=request.unit,
            is_external=True,
            budget_hours=request.working_days * per_day,
            request=(request.question or question).strip(),
        )
        _open(consult, at, calendar)
        created.append(consult)
    _event(
        dossier,
        Activity.CONSULT,
        actor=actor,
        at=at,
        unit=task.unit,
        note=question.strip(),
        data={
            "task": task.pk,
            "consultations": [
                {"task": c.pk, "unit": c.unit_id, "due_at": c.due_at.isoformat()}  # type: ignore[union-attr]
                for c in created
            ],
        },
    )
    return created


def _consultation_name(task: Task) -> str:
    # Stored data: always in Vietnamese, whatever language the officer's screen uses.
    with translation.override("vi"):
        return _("Cho ý kiến: %(step)s") % {"step": task.name}


@transaction.atomic
def answer_opinion(
    *,
    actor: Any,
    task: Task,
    answer: str,
    documents: Iterable[Document] = (),
    at: dt.datetime | None = None,
) -> Task:
    """A consulted unit answers; the answer and its files join the dossier."""
    task, dossier = _locked_task(task)
    if task.kind != TaskKind.CONSULTATION or task.state != TaskState.ACTIVE:
        raise WorkflowError(
            _("Yêu cầu xin ý kiến này không còn chờ trả lời."), code="task_not_active"
        )
    if not (can_act_on(actor, task) or can_assign(actor, task)):
        raise PermissionDenied(_("Bạn không thể trả lời thay %(unit)s.") % {"unit": task.unit})
    if not answer.strip():
        raise WorkflowError(_("Hãy ghi ý kiến trả lời."), code="answer_required")
    at = _now(at)
    docs = list(documents)
    if docs:
        task.documents.add(*docs)
    _finish(task, actor=actor, at=at, state=TaskState.DONE, response=answer.strip())
    _event(
        dossier,
        Activity.ANSWER,
        actor=actor,
        at=at,
        unit=task.unit,
        note=answer.strip(),
        data={
            "task": task.pk,
            "asking_task": task.parent_id,
            "timeliness": rules.timeliness(at, task.due_at),
        },
        documents=docs,
    )
    return task


def _close_consultations(task: Task, *, actor: Any, at: dt.datetime, proceed: bool) -> None:
    waiting = list(task.consultations.filter(state=TaskState.ACTIVE).select_related("unit"))
    if not waiting:
        return
    if not proceed:
        raise WorkflowError(
            _("Còn chờ ý kiến của: %(units)s.")
            % {"units": ", ".join(str(t.unit) for t in waiting)},
            code="opinions_pending",
        )
    for consult in waiting:
        _finish(
            consult,
            actor=actor,
            at=at,
            state=TaskState.CANCELLED,
            response=_("Không chờ ý kiến: bước xin ý kiến quyết định chuyển tiếp."),
        )


# ---------------------------------------------------------------------------------------------
# Approval, register numbers, results


@transaction.atomic
def approve(
    *,
    actor: Any,
    task: Task,
    mode: str,
    draft: Document | None = None,
    note: str = "",
    at: dt.datetime | None = None,
) -> Approval:
    """A leader approves the draft result: a signature on paper (recorded) or a digital
    signature on the draft PDF with the configured signer."""
    task, dossier = _locked_task(task)
    _require_holder(actor, task)
    _require_running(dossier)
    if not has_capability(actor, Capability.APPROVE_DOSSIERS, task.unit):
        raise PermissionDenied(
            _("Bạn không có quyền phê duyệt tại %(unit)s.") % {"unit": task.unit}
        )
    if not is_approval_step(task):
        raise WorkflowError(
            _("Bước “%(step)s” không phải bước phê duyệt kết quả.") % {"step": task.name},
            code="not_an_approval_step",
        )
    at = _now(at)
    signed = None
    if mode == SignatureMode.DIGITAL:
        if draft is None or draft.content_type != "application/pdf":
            raise WorkflowError(_("Ký số cần dự thảo kết quả dạng PDF."), code="draft_pdf_required")
        from . import result_files

        signed = result_files.sign_draft(draft, signer=actor, dossier=dossier, at=at)
    elif mode != SignatureMode.PAPER:
        raise WorkflowError(_("Hình thức ký không hợp lệ."), code="mode_invalid")
    _ensure_processing(dossier, actor=actor, at=at, unit=task.unit)
    approval = Approval.objects.create(
        dossier=dossier,
        task=task,
        mode=mode,
        signer=actor,
        draft=draft,
        signed_document=signed,
        signed_at=at,
    )
    _event(
        dossier,
        Activity.APPROVE,
        actor=actor,
        at=at,
        unit=task.unit,
        note=note.strip(),
        data={"task": task.pk, "mode": mode, "signed_document": signed.sha256 if signed else None},
        documents=[signed] if signed else None,
    )
    return approval


@transaction.atomic
def approve_and_forward(
    *,
    actor: Any,
    task: Task,
    mode: str,
    draft: Document | None = None,
    note: str = "",
    at: dt.datetime | None = None,
) -> Approval:
    """The leader's one click: approve and hand the file to the clerk, both or neither."""
    approval = approve(actor=actor, task=task, mode=mode, draft=draft, note=note, at=at)
    forward_task(actor=actor, task=task, note=note, at=at)
    return approval


def _result_unit(actor: Any, dossier: Dossier, unit: Unit | None) -> Unit:
    unit = unit or dossier.competent_unit
    if not has_capability(actor, Capability.REGISTER_RESULTS, unit):
        raise PermissionDenied(
            _("Bạn không có quyền vào sổ kết quả của %(unit)s.") % {"unit": unit}
        )
    return unit


def _new_result(
    *,
    actor: Any,
    dossier: Dossier,
    unit: Unit,
    title: str,
    symbol: str,
    signer_name: str,
    signed_on: dt.date,
    document: Document | None,
    approval: Approval | None,
    corrects: Result | None,
    at: dt.datetime,
) -> Result:
    if not title.strip() or not symbol.strip() or not signer_name.strip():
        raise WorkflowError(
            _("Hãy ghi trích yếu, ký hiệu và người ký của kết quả."), code="result_incomplete"
        )
    year = at.year
    number = next_number(scope="result_register", key=str(unit.pk), period=str(year))
    return Result.objects.create(
        dossier=dossier,
        unit=unit,
        year=year,
        number=number,
        symbol=symbol.strip(),
        title=title.strip(),
        signer_name=signer_name.strip(),
        signed_on=signed_on,
        approval=approval,
        document=document,
        corrects=corrects,
        issued_by=actor,
        issued_at=at,
    )


@transaction.atomic
def issue_result(
    *,
    actor: Any,
    dossier: Dossier,
    title: str,
    symbol: str,
    signer_name: str = "",
    signed_on: dt.date | None = None,
    document: Document | None = None,
    at: dt.datetime | None = None,
) -> Result:
    """The clerk gives the result its register number (gapless per unit per year: the number
    is taken in this transaction, so a rollback gives it back) and records signer and date."""
    dossier = _locked_dossier(dossier)
    unit = _result_unit(actor, dossier, None)
    _require_running(dossier)
    at = _now(at)
    if dossier.results.exists():
        raise WorkflowError(
            _("Hồ sơ đã có kết quả được vào sổ; sai sót thì lập đính chính."),
            code="result_already_issued",
        )
    approval = (
        dossier.approvals.select_related("signer", "signed_document").order_by("-signed_at").first()
    )
    if approval is None:
        raise WorkflowError(_("Kết quả chưa được lãnh đạo phê duyệt, ký."), code="not_approved")
    result = _new_result(
        actor=actor,
        dossier=dossier,
        unit=unit,
        title=title,
        symbol=symbol,
        signer_name=signer_name or approval.signer.full_name,
        signed_on=signed_on or timezone.localtime(approval.signed_at).date(),
        document=document or approval.signed_document,
        approval=approval,
        corrects=None,
        at=at,
    )
    _event(
        dossier,
        Activity.ISSUE_RESULT,
        actor=actor,
        at=at,
        unit=unit,
        data={"result": result.pk, "reference": result.reference, "year": result.year},
    )
    return result


@transaction.atomic
def issue_and_finish(
    *,
    actor: Any,
    dossier: Dossier,
    title: str,
    symbol: str,
    signer_name: str = "",
    signed_on: dt.date | None = None,
    document: Document | None = None,
    at: dt.datetime | None = None,
) -> Result:
    """The clerk's one click: register the result and finish the clerk's step (the dossier
    becomes "processed"), both or neither."""
    result = issue_result(
        actor=actor,
        dossier=dossier,
        title=title,
        symbol=symbol,
        signer_name=signer_name,
        signed_on=signed_on,
        document=document,
        at=at,
    )
    clerk_step = Task.objects.filter(
        dossier=dossier, state=TaskState.ACTIVE, role=Role.CLERK, kind=TaskKind.STEP
    ).first()
    if clerk_step is not None and can_act_on(actor, clerk_step):
        forward_task(actor=actor, task=clerk_step, at=at)
    return result


@transaction.atomic
def report_result_error(
    *, actor: Any, result: Result, description: str, at: dt.datetime | None = None
) -> ErrorReport:
    """Record an error found in an issued result; its correction is due in 3 working days."""
    dossier = _locked_dossier(result.dossier)
    if not can_report_error(actor, result):
        raise PermissionDenied(_("Bạn không có quyền ghi nhận sai sót của kết quả này."))
    if not description.strip():
        raise WorkflowError(_("Hãy mô tả sai sót."), code="description_required")
    at = _now(at)
    report = ErrorReport.objects.create(
        result=result,
        description=description.strip(),
        reported_at=at,
        reported_by=_user(actor),
        due_at=_calendar(dossier).add_working_days(at, rules.CORRECTION_WORKING_DAYS),
    )
    _event(
        dossier,
        Activity.REPORT_ERROR,
        actor=actor,
        at=at,
        unit=result.unit,
        note=description.strip(),
        data={"result": result.pk, "due_at": report.due_at.isoformat()},
    )
    return report


@transaction.atomic
def correct_result(
    *,
    actor: Any,
    report: ErrorReport,
    title: str,
    symbol: str,
    signer_name: str,
    signed_on: dt.date,
    document: Document | None = None,
    at: dt.datetime | None = None,
) -> Result:
    """Correct an issued result by a new one with its own register number; the old result is
    kept as it was (NĐ 118/2025 Art 23)."""
    report = ErrorReport.objects.select_related("result__dossier", "result__unit").get(pk=report.pk)
    dossier = _locked_dossier(report.result.dossier)
    unit = _result_unit(actor, dossier, report.result.unit)
    if report.correction_id is not None:
        raise WorkflowError(_("Sai sót này đã được đính chính."), code="already_corrected")
    at = _now(at)
    result = _new_result(
        actor=actor,
        dossier=dossier,
        unit=unit,
        title=title,
        symbol=symbol,
        signer_name=signer_name,
        signed_on=signed_on,
        document=document,
        approval=None,
        corrects=report.result,
        at=at,
    )
    report.correction = result
    report.save(update_fields=["correction"])
    _event(
        dossier,
        Activity.CORRECT_RESULT,
        actor=actor,
        at=at,
        unit=unit,
        data={
            "result": result.pk,
            "reference": result.reference,
            "corrects": report.result.reference,
            "timeliness": rules.timeliness(at, report.due_at),
        },
    )
    return result


@transaction.atomic
def return_result(
    *,
    actor: Any,
    dossier: Dossier,
    method: str,
    recipient_name: str = "",
    recipient_identity: str = "",
    authorization: str = "",
    originals_returned: str = "",
    postal_tracking: str = "",
    at: dt.datetime | None = None,
) -> ResultReturn:
    """Hand the result over (status 10): at the counter (who collected it, an authorisation,
    originals handed back), by post (the item's tracking number) or online (the signed file)."""
    dossier = _locked_dossier(dossier)
    if not has_capability(actor, Capability.RECEIVE_DOSSIERS, dossier.receiving_center.unit):
        raise PermissionDenied(_("Bạn không có quyền trả kết quả tại nơi tiếp nhận hồ sơ này."))
    target_of(Action.RETURN_RESULT, dossier.status)
    if method not in ReturnMethod.values:
        raise WorkflowError(_("Hình thức trả kết quả không hợp lệ."), code="method_invalid")
    if method == ReturnMethod.COUNTER and not recipient_name.strip():
        raise WorkflowError(_("Hãy ghi họ tên người nhận kết quả."), code="recipient_required")
    if method == ReturnMethod.POSTAL and not postal_tracking.strip():
        raise WorkflowError(_("Hãy ghi số hiệu bưu gửi."), code="tracking_required")
    latest = dossier.results.order_by("-issued_at").first()
    if method == ReturnMethod.ONLINE and (latest is None or latest.document_id is None):
        raise WorkflowError(
            _("Trả kết quả trực tuyến cần tệp kết quả điện tử."), code="result_file_required"
        )
    at = _now(at)
    record = ResultReturn.objects.create(
        dossier=dossier,
        method=method,
        recipient_name=recipient_name.strip(),
        recipient_identity=recipient_identity.strip(),
        authorization=authorization.strip(),
        originals_returned=originals_returned.strip(),
        postal_tracking=postal_tracking.strip(),
        returned_at=at,
        returned_by=_user(actor),
    )
    dossier_services.transition(
        dossier,
        Action.RETURN_RESULT,
        actor=actor,
        at=at,
        data={"method": method, "recipient": record.recipient_name},
    )
    return record


# ---------------------------------------------------------------------------------------------
# The clock: supplements, financial obligations, apology


def regime_for(dossier: Dossier) -> SupplementRegime | None:
    day = timezone.localtime(dossier.accepted_at or dossier.submitted_at).date()
    return (
        SupplementRegime.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
    )


def _pause_open_tasks(dossier: Dossier, at: dt.datetime) -> None:
    Task.objects.filter(dossier=dossier, state=TaskState.ACTIVE).update(
        paused_at=at, next_check_at=None
    )


def _resume_open_tasks(
    dossier: Dossier, *, at: dt.datetime, restart: bool, calendar: WorkingCalendar
) -> None:
    for task in Task.objects.filter(
        dossier=dossier, state=TaskState.ACTIVE, paused_at__isnull=False
    ):
        if restart:
            _schedule(task, at, calendar, restart=True)
        else:
            assert task.due_at is not None and task.paused_at is not None
            waited = calendar.working_time_between(task.paused_at, at)
            hours = Decimal(waited.total_seconds()) / Decimal(3600)
            task.due_at = calendar.add_working_hours(task.due_at, hours)
            task.next_check_at = _next_check_after_pause(task, at, calendar)
        task.paused_at = None
        task.save()


def _next_check_after_pause(task: Task, at: dt.datetime, calendar: WorkingCalendar) -> dt.datetime:
    """The sweeper's next look at a resumed task: its warning moment if not warned yet (the
    same lead before the due moment as when it opened), else the due moment."""
    assert task.due_at is not None
    if task.warned_at is not None:
        return task.due_at
    left = Decimal(calendar.working_time_between(at, task.due_at).total_seconds()) / 3600
    lead = rules.warning_lead_hours(task.budget_hours)
    return calendar.add_working_hours(at, left - lead) if left > lead else at


def _adjust(
    dossier: Dossier,
    *,
    kind: str,
    new_due: dt.datetime,
    reason: str,
    rule: str,
    actor: Any,
    at: dt.datetime,
) -> ClockAdjustment:
    assert dossier.due_at is not None
    adjustment = ClockAdjustment.objects.create(
        dossier=dossier,
        kind=kind,
        rule=rule,
        previous_due_at=dossier.due_at,
        new_due_at=new_due,
        reason=reason,
        at=at,
        actor=_user(actor),
    )
    dossier.due_at = new_due
    dossier.save(update_fields=["due_at"])
    return adjustment


def unit_received_at(dossier: Dossier) -> dt.datetime | None:
    """When the competent unit received the file: the start of its first step."""
    first = (
        Task.objects.filter(dossier=dossier, kind=TaskKind.STEP, started_at__isnull=False)
        .exclude(role=Role.RECEPTIONIST)
        .order_by("started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    return first


@transaction.atomic
def request_supplement(
    *,
    actor: Any,
    task: Task,
    items: list[dict[str, Any]],
    reason: str,
    guidance: str = "",
    at: dt.datetime | None = None,
) -> SupplementRequest:
    """During processing the unit asks, through the center, for the dossier to be completed
    (status 5, form 02). Under NĐ 118/2025 the request is due within 3 working days of the
    unit receiving the file and the citizen has 15 days; a late or second request is still
    recorded, and flagged."""
    task, dossier = _locked_task(task)
    _require_holder(actor, task)
    if dossier.status == Status.ACCEPTED:
        _ensure_processing(dossier, actor=actor, at=_now(at), unit=task.unit)
    at = _now(at)
    request = dossier_services.record_supplement_request(
        dossier=dossier, actor=actor, items=items, reason=reason, guidance=guidance, at=at
    )
    regime = regime_for(dossier)
    calendar = _calendar(dossier)
    received = unit_received_at(dossier)
    if regime and regime.request_within_working_days and received:
        request.request_due_at = calendar.add_working_days(
            received, regime.request_within_working_days
        )
    if regime and regime.completion_days:
        request.expires_at = calendar.add(at, regime.completion_days, TimeUnit.CALENDAR_DAYS)
    request.save(update_fields=["request_due_at", "expires_at"])
    _pause_open_tasks(dossier, at)
    notify.citizen(dossier, "supplement_needed", request=request)
    return request


@transaction.atomic
def receive_supplement(
    *,
    actor: Any,
    dossier: Dossier,
    components: list[dossier_services.ComponentInput],
    at: dt.datetime | None = None,
) -> Dossier:
    """The center receives the completed dossier (status 5 → 4). The appointment follows the
    regime of the day the dossier was received: restart the full time from now (NĐ 118/2025
    Art 19.5) or move it by the working time waited (the earlier rule)."""
    dossier = _locked_dossier(dossier)
    if not has_capability(actor, Capability.RECEIVE_DOSSIERS, dossier.receiving_center.unit):
        raise PermissionDenied(_("Bạn không có quyền tiếp nhận hồ sơ bổ sung tại nơi này."))
    target_of(Action.SUPPLEMENT_RECEIVED, dossier.status)
    request = dossier.supplement_requests.filter(
        completed_at__isnull=True, at_reception=False
    ).last()
    if request is None:
        raise WorkflowError(_("Không có yêu cầu bổ sung đang chờ."), code="no_open_request")
    at = _now(at)
    dossier_services.store_components(dossier, components)
    request.completed_at = at
    request.save(update_fields=["completed_at"])
    calendar = _calendar(dossier)
    regime = regime_for(dossier)
    restart = regime is not None and regime.mode == SupplementRegime.Mode.RESTART
    if restart:
        time = dossier.procedure_case.processing_times.get(channel=dossier.channel)
        start = calendar.next_working_moment(at)
        new_due = calendar.add(start, time.quantity or 0, time.unit)
        kind = AdjustmentKind.SUPPLEMENT_RESTART
        why = _("Nhận đủ hồ sơ bổ sung: thời hạn giải quyết được tính lại từ đầu.")
    else:
        assert dossier.due_at is not None
        waited = calendar.working_time_between(request.created_at, at)
        new_due = calendar.add_working_hours(dossier.due_at, Decimal(waited.total_seconds()) / 3600)
        kind = AdjustmentKind.SUPPLEMENT_PAUSE
        why = _("Thời gian chờ công dân bổ sung không tính vào thời hạn giải quyết.")
    _adjust(
        dossier,
        kind=kind,
        new_due=new_due,
        reason=why,
        rule=regime.code if regime else "",
        actor=actor,
        at=at,
    )
    _resume_open_tasks(dossier, at=at, restart=restart, calendar=calendar)
    dossier_services.transition(
        dossier,
        Action.SUPPLEMENT_RECEIVED,
        actor=actor,
        at=at,
        data={"request": request.number, "due_at": new_due.isoformat(), "rule": kind},
    )
    notify.citizen(dossier, "delayed")
    return dossier


def close_expired_supplements(*, now: dt.datetime | None = None, batch: int = 200) -> int:
    """Close dossiers whose citizen did not complete them in time (NĐ 118/2025 Art 19.5)."""
    now = now or timezone.now()
    ids = list(
        SupplementRequest.objects.filter(
            completed_at__isnull=True,
            at_reception=False,
            expires_at__lte=now,
            dossier__status=Status.SUPPLEMENT_REQUESTED,
        ).values_list("dossier_id", flat=True)[:batch]
    )
    closed = 0
    for dossier_id in ids:
        with transaction.atomic():
            dossier = (
                Dossier.objects.select_for_update()
                .select_related("competent_unit")
                .get(pk=dossier_id)
            )
            if dossier.status != Status.SUPPLEMENT_REQUESTED:
                continue  # another worker or the center got there first
            _stop(
                dossier,
                actor=None,
                reason=_("Quá thời hạn bổ sung, hoàn thiện hồ sơ mà công dân chưa bổ sung."),
                requested_by_applicant=False,
                unit=dossier.competent_unit,
                at=timezone.localtime(now),
            )
            closed += 1
    return closed


@transaction.atomic
def request_financial_obligation(
    *,
    actor: Any,
    task: Task,
    description: str,
    amount: Decimal | None = None,
    at: dt.datetime | None = None,
) -> FinancialObligation:
    """Ask the applicant to fulfil a financial obligation (status 6); the open steps wait."""
    task, dossier = _locked_task(task)
    _require_holder(actor, task)
    if not description.strip():
        raise WorkflowError(_("Hãy ghi nội dung nghĩa vụ tài chính."), code="description_required")
    if amount is not None and amount < 0:
        raise WorkflowError(_("Số tiền không được âm."), code="amount_invalid")
    at = _now(at)
    _ensure_processing(dossier, actor=actor, at=at, unit=task.unit)
    obligation = FinancialObligation.objects.create(
        dossier=dossier,
        description=description.strip(),
        amount=amount,
        requested_at=at,
        requested_by=_user(actor),
    )
    dossier_services.transition(
        dossier,
        Action.REQUEST_PAYMENT,
        actor=actor,
        at=at,
        note=description.strip(),
        data={"obligation": obligation.pk, "amount": str(amount) if amount is not None else None},
    )
    _pause_open_tasks(dossier, at)
    notify.citizen(dossier, "payment_needed", obligation=obligation)
    return obligation


@transaction.atomic
def settle_financial_obligation(
    *, actor: Any, obligation: FinancialObligation, reference: str, at: dt.datetime | None = None
) -> FinancialObligation:
    """The applicant has paid (status 6 → 4); the appointment moves by the time waited."""
    dossier = _locked_dossier(obligation.dossier)
    obligation = FinancialObligation.objects.get(pk=obligation.pk)
    if not (
        has_capability(actor, Capability.MANAGE_FEES, dossier.competent_unit)
        or has_capability(actor, Capability.RECEIVE_DOSSIERS, dossier.receiving_center.unit)
        or has_capability(actor, Capability.APPRAISE_DOSSIERS, dossier.competent_unit)
    ):
        raise PermissionDenied(_("Bạn không có quyền xác nhận nghĩa vụ tài chính của hồ sơ này."))
    target_of(Action.PAYMENT_DONE, dossier.status)
    if obligation.settled_at is not None:
        raise WorkflowError(_("Nghĩa vụ này đã được xác nhận."), code="already_settled")
    if not reference.strip():
        raise WorkflowError(_("Hãy ghi số chứng từ nộp tiền."), code="reference_required")
    at = _now(at)
    obligation.settled_at, obligation.settlement_reference = at, reference.strip()
    obligation.save(update_fields=["settled_at", "settlement_reference"])
    calendar = _calendar(dossier)
    if rules.FINANCIAL_OBLIGATION_PAUSES_CLOCK and dossier.due_at is not None:
        waited = calendar.working_time_between(obligation.requested_at, at)
        new_due = calendar.add_working_hours(dossier.due_at, Decimal(waited.total_seconds()) / 3600)
        _adjust(
            dossier,
            kind=AdjustmentKind.FINANCIAL_PAUSE,
            new_due=new_due,
            reason=_("Thời gian thực hiện nghĩa vụ tài chính không tính vào thời hạn giải quyết."),
            rule="financial",
            actor=actor,
            at=at,
        )
    _resume_open_tasks(dossier, at=at, restart=False, calendar=calendar)
    dossier_services.transition(
        dossier, Action.PAYMENT_DONE, actor=actor, at=at, data={"reference": reference.strip()}
    )
    return obligation


@transaction.atomic
def apologize(
    *,
    actor: Any,
    dossier: Dossier,
    reason: str,
    new_due_at: dt.datetime,
    signer_name: str = "",
    signer_position: str = "",
    at: dt.datetime | None = None,
) -> Apology:
    """The unit that is late apologises and sets a new appointment (form 04): only before the
    appointment, no later than one working day before it, once per dossier."""
    dossier = _locked_dossier(dossier)
    at = _now(at)
    if dossier.status not in APOLOGY_STATUSES:
        raise WorkflowError(
            _("Hồ sơ ở trạng thái “%(status)s” không cần xin lỗi, hẹn lại.")
            % {"status": dossier.status_label},
            code="dossier_not_processing",
        )
    if Apology.objects.filter(dossier=dossier).exists():
        raise WorkflowError(
            _("Hồ sơ đã được hẹn lại một lần; pháp luật chỉ cho phép hẹn lại một lần."),
            code="apology_already_issued",
        )
    unit = late_unit(dossier)
    if not has_capability(actor, Capability.APPROVE_DOSSIERS, unit):
        raise PermissionDenied(
            _("Văn bản xin lỗi do lãnh đạo %(unit)s (đơn vị đang giữ hồ sơ) ký.") % {"unit": unit}
        )
    assert dossier.due_at is not None
    calendar = _calendar(dossier)
    if at >= dossier.due_at:
        raise WorkflowError(
            _("Đã quá ngày hẹn trả: không thể hẹn lại sau khi hết hạn."), code="appointment_passed"
        )
    deadline = rules.apology_deadline(dossier.due_at, calendar)
    if at > deadline:
        raise WorkflowError(
            _("Văn bản xin lỗi phải gửi chậm nhất %(deadline)s (một ngày làm việc trước ngày hẹn).")
            % {"deadline": format_moment_short(deadline)},
            code="apology_too_late",
        )
    new_due_at = timezone.localtime(new_due_at)
    if new_due_at <= dossier.due_at:
        raise WorkflowError(_("Ngày hẹn mới phải sau ngày hẹn hiện tại."), code="new_due_not_later")
    if not calendar.is_working_day(new_due_at.date()):
        raise WorkflowError(_("Ngày hẹn mới phải là ngày làm việc."), code="new_due_not_working")
    if not reason.strip():
        raise WorkflowError(_("Hãy ghi lý do chậm."), code="reason_required")
    number = next_number(scope="apology", key=str(unit.pk), period=str(at.year))
    apology = Apology.objects.create(
        dossier=dossier,
        number=f"{number}/XL",
        unit=unit,
        reason=reason.strip(),
        previous_due_at=dossier.due_at,
        new_due_at=new_due_at,
        signer_name=signer_name.strip() or getattr(actor, "full_name", ""),
        signer_position=signer_position.strip() or getattr(actor, "position", ""),
        created_by=_user(actor),
        created_at=at,
    )
    _adjust(
        dossier,
        kind=AdjustmentKind.APOLOGY,
        new_due=new_due_at,
        reason=reason.strip(),
        rule="nd118-19.6",
        actor=actor,
        at=at,
    )
    _event(
        dossier,
        Activity.APOLOGIZE,
        actor=actor,
        at=at,
        unit=unit,
        note=reason.strip(),
        data={
            "apology": apology.number,
            "previous_due_at": apology.previous_due_at.isoformat(),
            "new_due_at": new_due_at.isoformat(),
        },
    )
    notify.citizen(dossier, "delayed", apology=apology)
    return apology


def late_unit(dossier: Dossier) -> Unit:
    """The unit holding the file now (the one that causes the delay), else the competent one."""
    task = (
        Task.objects.filter(dossier=dossier, state=TaskState.ACTIVE, kind=TaskKind.STEP)
        .select_related("unit")
        .order_by("started_at")
        .first()
    )
    return task.unit if task else dossier.competent_unit


# ---------------------------------------------------------------------------------------------
# Stop, refusal after appraisal


def _stop(
    dossier: Dossier,
    *,
    actor: Any,
    reason: str,
    requested_by_applicant: bool,
    unit: Unit,
    at: dt.datetime,
) -> StopNotice:
    number = next_number(scope="stop_notice", key=str(unit.pk), period=str(at.year))
    notice = StopNotice.objects.create(
        dossier=dossier,
        number=f"{number}/TB-DGQ",
        reason=reason,
        requested_by_applicant=requested_by_applicant,
        unit=unit,
        created_by=_user(actor),
        created_at=at,
    )
    dossier_services.transition(
        dossier, Action.STOP, actor=actor, at=at, note=reason, data={"notice": notice.number}
    )
    notify.citizen(dossier, "stopped", notice=notice)
    return notice


@transaction.atomic
def stop_processing(
    *,
    actor: Any,
    dossier: Dossier,
    reason: str,
    requested_by_applicant: bool = False,
    at: dt.datetime | None = None,
) -> StopNotice:
    """Stop processing (status 8) with a notice (Thông báo dừng giải quyết hồ sơ)."""
    dossier = _locked_dossier(dossier)
    unit = late_unit(dossier)
    if not has_capability(actor, Capability.APPROVE_DOSSIERS, unit):
        raise PermissionDenied(_("Dừng giải quyết do lãnh đạo đơn vị đang giữ hồ sơ quyết định."))
    target_of(Action.STOP, dossier.status)
    if not reason.strip():
        raise WorkflowError(_("Hãy ghi lý do dừng giải quyết."), code="reason_required")
    return _stop(
        dossier,
        actor=actor,
        reason=reason.strip(),
        requested_by_applicant=requested_by_applicant,
        unit=unit,
        at=_now(at),
    )


@transaction.atomic
def refuse_after_appraisal(
    *, actor: Any, task: Task, reason: str, at: dt.datetime | None = None
) -> Refusal:
    """Refuse after appraisal, with reasons, through the center (NĐ 118/2025 Art 19.3)."""
    task, dossier = _locked_task(task)
    _require_holder(actor, task)
    if not reason.strip():
        raise WorkflowError(_("Hãy ghi lý do từ chối."), code="reason_required")
    at = _now(at)
    _ensure_processing(dossier, actor=actor, at=at, unit=task.unit)
    target_of(Action.REFUSE, dossier.status)
    refusal = Refusal.objects.create(
        dossier=dossier,
        reason=reason.strip(),
        at_reception=False,
        created_by=_user(actor),
        created_at=at,
    )
    dossier_services.transition(
        dossier,
        Action.REFUSE,
        actor=actor,
        at=at,
        note=reason.strip(),
        data={"task": task.pk, "timeliness": rules.timeliness(at, dossier.due_at)},
    )
    notify.citizen(dossier, "refused", refusal=refusal)
    return refusal


def cancel_open_tasks(dossier: Dossier, *, at: dt.datetime) -> int:
    """A dossier that ended (withdrawn, stopped, refused, returned) holds nobody's inbox."""
    return Task.objects.filter(
        dossier=dossier, state__in=[TaskState.ACTIVE, TaskState.PENDING]
    ).update(state=TaskState.CANCELLED, finished_at=at, next_check_at=None)
