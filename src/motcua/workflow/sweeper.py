"""The deadline sweeper, one job of ``motcua worker``.

Each open task carries ``next_check_at`` (indexed): the moment it next needs a look. A pass
takes the tasks whose moment has come and claims each with a conditional UPDATE on the value
it read, so that when several workers run, exactly one acts on a task (healthchecks'
``alert_after`` pattern). Acting means: before the due moment, warn the holder and the unit's
leaders ("sắp đến hạn"); at the due moment, escalate to the leaders and the receiving center's
managers ("quá hạn"). Messages go to the outbox in the same transaction as the claim and carry
a key, so a message is never sent twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from motcua.core.calendar import calendar_for, format_moment_short
from motcua.dossiers.models import Dossier
from motcua.dossiers.status import Status
from motcua.organization.models import Role, Unit, User
from motcua.organization.permissions import role_holders

from . import notify, rules, services
from .models import Apology, Task, TaskState


def sweep(now: dt.datetime | None = None, *, batch: int = 500) -> int:
    """One pass: due tasks, expired supplement requests, apology deadlines. Returns the
    number of rows acted on."""
    now = now or timezone.now()
    return (
        sweep_tasks(now=now, batch=batch)
        + services.close_expired_supplements(now=now, batch=batch)
        + warn_apology_deadlines(now=now, batch=batch)
    )


def sweep_tasks(*, now: dt.datetime, batch: int = 500) -> int:
    due = list(
        Task.objects.filter(next_check_at__lte=now)
        .order_by("next_check_at")
        .values_list("pk", "next_check_at")[:batch]
    )
    acted = 0
    people = _People(timezone.localdate())  # leaders and managers, looked up once per pass
    for pk, seen in due:
        with transaction.atomic():
            if _check_task(pk, seen, now, people):
                acted += 1
    return acted


def _check_task(pk: int, seen: dt.datetime | None, now: dt.datetime, people: _People) -> bool:
    # A row another worker holds is skipped (PostgreSQL), not waited for; the conditional
    # update below is the claim on every database.
    task = (
        Task.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("dossier__receiving_center", "unit", "assignee")
        .filter(pk=pk, next_check_at=seen)
        .first()
    )
    if task is None:
        return False
    fields: dict[str, Any] = {}
    act = None
    if task.state != TaskState.ACTIVE or task.paused_at is not None or task.due_at is None:
        fields["next_check_at"] = None
    elif now < task.due_at:
        act, fields = "warn", {"warned_at": now, "next_check_at": task.due_at}
    else:
        act, fields = "escalate", {"escalated_at": now, "next_check_at": None}
    # The claim: only the worker that still sees the value it read wins the row.
    if not Task.objects.filter(pk=pk, next_check_at=seen).update(**fields):
        return False
    if act == "warn":
        _warn(task, people)
    elif act == "escalate":
        _escalate(task, people)
    return act is not None


class _People:
    """Holders of a role over a unit on one day, memoised for one pass of the sweeper."""

    def __init__(self, day: dt.date) -> None:
        self.day = day
        self._found: dict[tuple[str, int], list[User]] = {}

    def holding(self, role: str, unit: Unit) -> list[User]:
        key = (role, unit.pk)
        if key not in self._found:
            self._found[key] = role_holders(role, unit, self.day)
        return self._found[key]


def _warn(task: Task, people: _People) -> None:
    holders = [task.assignee] if task.assignee else people.holding(task.role, task.unit)
    leaders = people.holding(Role.LEADER, task.unit)
    with override("vi"):
        subject = _("Sắp đến hạn: hồ sơ %(code)s, bước “%(step)s”") % {
            "code": task.dossier.code,
            "step": task.name,
        }
        body = _("Bước “%(step)s” của hồ sơ %(code)s đến hạn lúc %(due)s.") % {
            "step": task.name,
            "code": task.dossier.code,
            "due": format_moment_short(task.due_at),
        }
    notify.officers(
        _unique(holders + leaders),
        key=f"task:{task.pk}:warn",
        subject=subject,
        body=body,
        dossier=task.dossier,
    )


def _escalate(task: Task, people: _People) -> None:
    holders = [task.assignee] if task.assignee else []
    leaders = people.holding(Role.LEADER, task.unit)
    managers = people.holding(Role.CENTER_MANAGER, task.dossier.receiving_center.unit)
    with override("vi"):
        subject = _("Quá hạn: hồ sơ %(code)s, bước “%(step)s”") % {
            "code": task.dossier.code,
            "step": task.name,
        }
        body = _("Bước “%(step)s” của hồ sơ %(code)s tại %(unit)s đã quá hạn từ %(due)s.") % {
            "step": task.name,
            "code": task.dossier.code,
            "unit": task.unit,
            "due": format_moment_short(task.due_at),
        }
    notify.officers(
        _unique(holders + leaders + managers),
        key=f"task:{task.pk}:escalate",
        subject=subject,
        body=body,
        dossier=task.dossier,
    )


def _unique(users: list[Any]) -> list[Any]:
    seen: dict[int, Any] = {}
    for user in users:
        seen.setdefault(user.pk, user)
    return list(seen.values())


def warn_apology_deadlines(*, now: dt.datetime, batch: int = 500) -> int:
    """Warn the leaders of the unit holding a dossier whose apology deadline (one working day
    before the appointment) is near and that has no apology yet: after the deadline the law
    allows no new appointment."""
    from motcua.notifications.models import Notification

    calendar = calendar_for(None)
    horizon = calendar.add_working_days(
        now, rules.APOLOGY_LEAD_WORKING_DAYS + rules.APOLOGY_WARNING_WORKING_DAYS
    )
    warned = Notification.objects.filter(dossier=OuterRef("pk"), key__contains=":apology-warning:")
    candidates = (
        Dossier.objects.filter(
            status__in=[Status.ACCEPTED, Status.PROCESSING],
            due_at__gt=now,
            due_at__lte=horizon,
        )
        .exclude(Exists(Apology.objects.filter(dossier=OuterRef("pk"))))
        .exclude(Exists(warned))
        .order_by("due_at")[:batch]
    )
    count = 0
    for dossier in candidates:
        with transaction.atomic():
            unit = services.late_unit(dossier)
            deadline = rules.apology_deadline(dossier.due_at, calendar)  # type: ignore[arg-type]
            with override("vi"):
                subject = _("Hồ sơ %(code)s sắp quá hạn") % {"code": dossier.code}
                body = _(
                    "Hồ sơ %(code)s hẹn trả lúc %(due)s. Nếu không kịp, văn bản xin lỗi và hẹn "
                    "lại phải gửi chậm nhất %(deadline)s."
                ) % {
                    "code": dossier.code,
                    "due": format_moment_short(dossier.due_at),
                    "deadline": format_moment_short(deadline),
                }
            notify.officers(
                role_holders(Role.LEADER, unit),
                key=f"dossier:{dossier.pk}:apology-warning:{dossier.due_at:%Y%m%d%H%M}",
                subject=subject,
                body=body,
                dossier=dossier,
            )
            count += 1
    return count
