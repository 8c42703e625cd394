"""The rules of processing that are numbers or small tables. Those marked (inferred) are our
reading where the law gives no figure; they are data here so a province can change them.
Deadlines are always computed with ``core.calendar``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

from motcua.core.calendar import WorkingCalendar
from motcua.organization.models import Role

# Paper files received after this local time reach the competent unit the next working
# morning (NĐ 118/2025 Art 18; NĐ 61/2018 Art 16).
PAPER_HANDOVER_CUTOFF = dt.time(15, 0)

# A step is "due soon" when at most this much working time is left (inferred).
DUE_SOON_WORKING_HOURS = Decimal(2)
# ... or when a quarter of its budget is left, whichever is smaller (short steps).
DUE_SOON_FRACTION = Decimal("0.25")

# An apology (form 04) is due no later than one working day before the appointment
# (NĐ 118/2025 Art 19.6 "chậm nhất 01 ngày trước ngày hết hạn"; working day: inferred).
APOLOGY_LEAD_WORKING_DAYS = 1
# Units are warned this many working days before the apology deadline (inferred).
APOLOGY_WARNING_WORKING_DAYS = 1

# Errors in an issued result are corrected within 3 working days (NĐ 118/2025 Art 23.1).
CORRECTION_WORKING_DAYS = 3

# Waiting for a financial obligation (status 6) does not count against the unit: the
# appointment moves by the working time waited (inferred, as for the old supplement rule).
FINANCIAL_OBLIGATION_PAUSES_CLOCK = True


@dataclass(frozen=True)
class DefaultStep:
    name: str
    role: str
    share: Decimal  # of the working time between hand-over and the appointment


# Dossiers whose case has no internal process follow this one (inferred): the competent unit's
# leader assigns, a specialist appraises, a leader approves, the clerk registers and issues.
DEFAULT_PROCESS: tuple[DefaultStep, ...] = (
    DefaultStep(gettext_noop("Phân công xử lý"), Role.LEADER, Decimal("0.10")),
    DefaultStep(gettext_noop("Thẩm định, dự thảo kết quả"), Role.SPECIALIST, Decimal("0.60")),
    DefaultStep(gettext_noop("Phê duyệt, ký"), Role.LEADER, Decimal("0.15")),
    DefaultStep(gettext_noop("Vào sổ, ban hành kết quả"), Role.CLERK, Decimal("0.15")),
)


class Timeliness(models.TextChoices):
    EARLY = "early", _("Trước hạn")
    ON_TIME = "on_time", _("Đúng hạn")
    LATE = "late", pgettext_lazy("timeliness", "Quá hạn")


def timeliness(finished_at: dt.datetime | None, due_at: dt.datetime | None) -> Timeliness | None:
    """Early when finished on a day before the due day, on time when by the due moment, late
    after it (the convention of the control sheet). None while unfinished or without a due."""
    if finished_at is None or due_at is None:
        return None
    if finished_at > due_at:
        return Timeliness.LATE
    if timezone.localtime(finished_at).date() < timezone.localtime(due_at).date():
        return Timeliness.EARLY
    return Timeliness.ON_TIME


class Urgency(models.TextChoices):
    ON_TRACK = "on_track", _("Trong hạn")
    DUE_SOON = "due_soon", _("Sắp đến hạn")
    OVERDUE = "overdue", _("Quá hạn")
    PAUSED = "paused", _("Tạm dừng")


def warning_lead_hours(budget_hours: Decimal) -> Decimal:
    return min(DUE_SOON_WORKING_HOURS, budget_hours * DUE_SOON_FRACTION)


def handover_moment(at: dt.datetime, *, electronic: bool, calendar: WorkingCalendar) -> dt.datetime:
    """When the competent unit receives a dossier forwarded at ``at``: at once when it travels
    electronically, otherwise the same working day, or the next working morning after 15:00."""
    moment = calendar.next_working_moment(at)
    if electronic:
        return moment
    local = timezone.localtime(moment)
    if local.time() < PAPER_HANDOVER_CUTOFF:
        return moment
    next_day = calendar.next_working_day(local.date())
    return calendar.working_intervals(next_day)[0][0]


def apology_deadline(due_at: dt.datetime, calendar: WorkingCalendar) -> dt.datetime:
    """The last moment an apology may be issued for an appointment ``due_at``: the close of
    the working day(s) before the appointment's day."""
    day = timezone.localtime(due_at).date()
    for _i in range(APOLOGY_LEAD_WORKING_DAYS):
        day = calendar.previous_working_day(day)
    closing = calendar.closing_moment(day)
    assert closing is not None  # a working day has a closing moment
    return closing
