"""Reads of the processing shared by the screens and the API, with the scoping built in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from motcua.core.calendar import WorkingCalendar, calendar_for
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.organization.models import Unit
from motcua.organization.permissions import Capability, grants_for, units_with_capability

from . import rules
from .models import Result, Task, TaskKind, TaskState
from .rules import Urgency


def _holder_condition(user: Any) -> Q:
    """Tasks a user holds: assigned to them, or unassigned in a unit where they have the role.

    Each role's subtree is resolved to a list of unit ids first (one query, kept on the user
    object for the request), so the partial index on (unit, role, due_at) takes
    ``unit_id = ANY(…) AND role = …``. A join or a subquery on the unit's path made PostgreSQL
    read every open step of that role in the province instead (docs/benchmarks.md)."""
    condition = Q(assignee=user)
    for role, ids in _pool_units(user).items():
        if ids:
            condition |= Q(assignee__isnull=True, role=role, unit_id__in=ids)
    return condition


def _pool_units(user: Any) -> dict[str, list[int]]:
    cached = getattr(user, "_motcua_pool_units", None)
    if cached is not None:
        return cached
    paths_by_role: dict[str, set[str]] = {}
    for grant in grants_for(user):
        paths_by_role.setdefault(grant.role, set()).add(grant.unit.path)
    found: dict[str, list[int]] = {}
    if paths_by_role:
        in_scope = Q()
        for path in set().union(*paths_by_role.values()):
            in_scope |= Q(path__startswith=path)
        units = list(Unit.objects.filter(in_scope).values_list("pk", "path"))
        for role, paths in paths_by_role.items():
            found[role] = [pk for pk, path in units if path.startswith(tuple(paths))]
    user._motcua_pool_units = found
    return found


def inbox(user: Any) -> QuerySet[Task]:
    """The open steps waiting for ``user``, soonest due first."""
    if not getattr(user, "is_authenticated", False):
        return Task.objects.none()
    tasks = Task.objects.filter(state=TaskState.ACTIVE)
    if not user.is_superuser:
        tasks = tasks.filter(_holder_condition(user))
    return _for_list(tasks)


def unit_inbox(user: Any) -> QuerySet[Task]:
    """Every open step in the units a leader assigns work in."""
    units = units_with_capability(user, Capability.ASSIGN_DOSSIERS)
    return _for_list(Task.objects.filter(state=TaskState.ACTIVE, unit__in=units))


def _for_list(tasks: QuerySet[Task]) -> QuerySet[Task]:
    return tasks.select_related(
        "dossier__procedure_version", "dossier__receiving_center", "unit", "assignee"
    ).order_by("due_at", "pk")


@dataclass(frozen=True)
class Thresholds:
    now: dt.datetime
    soon: dt.datetime

    @classmethod
    def at(
        cls, now: dt.datetime | None = None, calendar: WorkingCalendar | None = None
    ) -> Thresholds:
        now = now or timezone.now()
        calendar = calendar or calendar_for(None)
        return cls(now=now, soon=calendar.add_working_hours(now, rules.DUE_SOON_WORKING_HOURS))


def urgency(task: Task, thresholds: Thresholds) -> Urgency:
    if task.paused_at is not None:
        return Urgency.PAUSED
    if task.due_at is None or task.due_at > thresholds.soon:
        return Urgency.ON_TRACK
    if task.due_at <= thresholds.now:
        return Urgency.OVERDUE
    return Urgency.DUE_SOON


def filter_by_urgency(tasks: QuerySet[Task], mark: str, thresholds: Thresholds) -> QuerySet[Task]:
    running = tasks.filter(paused_at__isnull=True)
    if mark == Urgency.PAUSED:
        return tasks.filter(paused_at__isnull=False)
    if mark == Urgency.OVERDUE:
        return running.filter(due_at__lte=thresholds.now)
    if mark == Urgency.DUE_SOON:
        return running.filter(due_at__gt=thresholds.now, due_at__lte=thresholds.soon)
    if mark == Urgency.ON_TRACK:
        return running.filter(due_at__gt=thresholds.soon)
    return tasks


def urgency_counts(tasks: QuerySet[Task], thresholds: Thresholds) -> dict[str, int]:
    """How many steps are overdue, due soon, on track and paused: one query."""
    running = Q(paused_at__isnull=True)
    row = tasks.order_by().aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=running & Q(due_at__lte=thresholds.now)),
        due_soon=Count(
            "pk", filter=running & Q(due_at__gt=thresholds.now, due_at__lte=thresholds.soon)
        ),
        on_track=Count("pk", filter=running & Q(due_at__gt=thresholds.soon)),
        paused=Count("pk", filter=Q(paused_at__isnull=False)),
    )
    return {key: value or 0 for key, value in row.items()}


def workload(user: Any) -> list[dict[str, Any]]:
    """Open steps per person (and unassigned) in the units a leader assigns work in."""
    now = timezone.now()
    rows = (
        unit_inbox(user)
        .order_by()
        .values("assignee", "assignee__full_name", "assignee__username")
        .annotate(
            open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lte=now, paused_at__isnull=True))
        )
        .order_by("-open")
    )
    return [dict(row) for row in rows]


def search_tasks(
    tasks: QuerySet[Task], *, query: str = "", unit: int | None = None
) -> QuerySet[Task]:
    if query.strip():
        tasks = tasks.filter(dossier__code__icontains=query.strip())
    if unit:
        tasks = tasks.filter(unit_id=unit)
    return tasks


# ---------------------------------------------------------------------------------------------
# One dossier


def route(dossier: Dossier) -> list[Task]:
    """Every task of the dossier in order (steps and consultations), with timeliness."""
    tasks = list(
        Task.objects.filter(dossier=dossier)
        .select_related("unit", "assignee", "finished_by")
        .order_by("position", F("started_at").asc(nulls_last=True), "pk")
    )
    for task in tasks:
        task.timeliness = rules.timeliness(task.finished_at, task.due_at)  # type: ignore[attr-defined]
    return tasks


def open_tasks(dossier: Dossier) -> list[Task]:
    return [t for t in route(dossier) if t.state == TaskState.ACTIVE]


def held_time_by_unit(
    dossier: Dossier, *, now: dt.datetime | None = None, tasks: list[Task] | None = None
) -> list[dict[str, Any]]:
    """How long each unit held the file (steps only, in working hours): liên thông accounting.
    ``tasks``: the dossier's route when the caller has it already."""
    now = now or timezone.now()
    calendar = calendar_for(dossier.receiving_center)
    waits = _waiting_intervals(dossier, now)
    totals: dict[int, dict[str, Any]] = {}
    for task in tasks if tasks is not None else route(dossier):
        if task.kind != TaskKind.STEP or task.started_at is None:
            continue
        start, end = task.started_at, task.finished_at or now
        held = calendar.working_time_between(start, end)
        # Time spent waiting for the citizen (supplement, payment) is not the unit's.
        for wait_start, wait_end in waits:
            lo, hi = max(start, wait_start), min(end, wait_end)
            if lo < hi:
                held -= calendar.working_time_between(lo, hi)
        hours = Decimal(held.total_seconds()) / 3600
        entry = totals.setdefault(task.unit_id, {"unit": task.unit, "hours": Decimal(0)})
        entry["hours"] += hours
    return [{**e, "hours": e["hours"].quantize(Decimal("0.01"))} for e in totals.values()]


def _waiting_intervals(dossier: Dossier, now: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """When the dossier waited for the applicant during processing."""
    from .models import FinancialObligation

    waits = [
        (request.created_at, request.completed_at or now)
        for request in dossier.supplement_requests.filter(at_reception=False)
    ]
    waits += [
        (row.requested_at, row.settled_at or now)
        for row in FinancialObligation.objects.filter(dossier=dossier)
    ]
    return waits


def finished_at(dossier: Dossier) -> dt.datetime | None:
    """When processing ended: "processed" (9) first, else the stop or refusal (766 order)."""
    events = DossierEvent.objects.filter(dossier=dossier)
    for status in (9, 8, 3):
        moment = (
            events.filter(to_status=status)
            .exclude(from_status=status)
            .values_list("at", flat=True)
            .first()
        )
        if moment is not None:
            return moment
    return None


def legal_due_at(dossier: Dossier) -> dt.datetime | None:
    """The appointment timeliness is judged against: lawful adjustments (supplement,
    financial obligation) count, an apology's new date does not (QĐ 766)."""
    from .models import AdjustmentKind, ClockAdjustment

    last = (
        ClockAdjustment.objects.filter(dossier=dossier)
        .exclude(kind=AdjustmentKind.APOLOGY)
        .order_by("-at", "-pk")
        .values_list("new_due_at", flat=True)
        .first()
    )
    return last or dossier.original_due_at


def dossier_timeliness(dossier: Dossier) -> rules.Timeliness | None:
    return rules.timeliness(finished_at(dossier), legal_due_at(dossier))


def results(dossier: Dossier) -> list[Result]:
    return list(
        Result.objects.filter(dossier=dossier)
        .select_related("unit", "document", "corrects", "approval")
        .prefetch_related("corrections", "error_reports__correction")
        .order_by("issued_at")
    )


def on_the_spot_task(user: Any, dossier: Dossier) -> Task | None:
    """For a "5 tại chỗ" dossier, the open step this officer can take up right away at the
    center (so the counter screen can go straight to it)."""
    from .services import can_act_on

    template = dossier.procedure_case.process_template
    if template is None or not template.on_the_spot:
        return None
    for task in Task.objects.filter(dossier=dossier, state=TaskState.ACTIVE).select_related("unit"):
        if can_act_on(user, task):
            return task
    return None


def results_to_return(user: Any) -> QuerySet[Dossier]:
    """Processed dossiers (status 9) waiting at the centers where ``user`` receives, oldest
    first: the counter officer's side of the inbox."""
    from motcua.dossiers.selectors import reception_centers
    from motcua.dossiers.status import Status

    return (
        Dossier.objects.filter(
            status=Status.PROCESSED, receiving_center__in=reception_centers(user).values("pk")
        )
        .select_related("procedure_version")
        .order_by("due_at", "pk")
    )
