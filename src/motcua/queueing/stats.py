"""What the center manager reads about the floor: the live state of the day and the statistics
of a period by service, by counter and by officer, with their XLSX / CSV exports.

Definitions (the same on every page and in every file):

- a ticket *joins the queue* at ``queue_at`` (a booking's slot) or at ``issued_at`` if it was
  issued later; its *waiting time* runs from there to its first call (the first ``Call`` row:
  a recall does not restart it, a transfer does not erase it);
- its *service time* runs from ``started_at`` to ``finished_at`` (served tickets only);
- *transferred* tickets were sent by a counter to another service (``transfer_count``); they
  count in the group of the service they ended at;
- the *satisfied share* is (rất hài lòng + hài lòng) / ratings; the *linked share* is the
  served tickets linked to a dossier / served tickets;
- the median is the middle value (mean of the two middle ones); the 90th percentile is the
  nearest-rank one (the smallest value with at least 90 % of the values at or below it).

The period is scanned once, ticket by ticket, fetching only the columns needed, with a
database cursor (``iterator``): the counts come from the same pass as the durations, whose
medians and percentiles no portable SQL computes. Durations are kept as arrays of doubles, so
a month of a big center (~100 000 tickets) costs a few megabytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Min, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from motcua.organization.models import Center, Counter, User
from motcua.organization.permissions import Capability, units_with_capability

from . import devices, selectors
from .models import Device, QueueService, RatingValue, Ticket, TicketState

# The longest period one report covers (a year, leap day included).
MAX_PERIOD_DAYS = 366
# Tickets read per round trip of the cursor.
CHUNK = 2000
# On the live page, a queue whose first ticket has waited this long is highlighted.
LONG_WAIT = dt.timedelta(minutes=30)
SATISFIED = (RatingValue.VERY_SATISFIED, RatingValue.SATISFIED)
RATING_VALUES = tuple(RatingValue.values)  # computed once: enum ``values`` is slow


# ---------------------------------------------------------------------------------------------
# Who manages which center


def managed_centers(user: Any) -> QuerySet[Center]:
    """Active centers attached to a unit where ``user`` may manage a center (MANAGE_CENTER
    over the center's unit; every center for a superuser), by name."""
    units = units_with_capability(user, Capability.MANAGE_CENTER)
    return (
        Center.objects.filter(is_active=True, unit__in=units)
        .select_related("unit")
        .order_by("name", "pk")
    )


# ---------------------------------------------------------------------------------------------
# Periods


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def this_month(today: dt.date | None = None) -> Period:
    """From the first of the month to today (the default period)."""
    today = today or timezone.localdate()
    return Period(today.replace(day=1), today)


def check_period(start: dt.date, end: dt.date) -> Period:
    """The period from ``start`` to ``end`` (both included), or a ValidationError in
    Vietnamese when it is not a usable one."""
    if end < start:
        raise ValidationError(
            _("Ngày kết thúc (%(end)s) không được trước ngày bắt đầu (%(start)s).")
            % {"end": end.strftime("%d/%m/%Y"), "start": start.strftime("%d/%m/%Y")},
            code="end_before_start",
        )
    period = Period(start, end)
    if period.days > MAX_PERIOD_DAYS:
        raise ValidationError(
            _("Khoảng thời gian dài %(days)s ngày; mỗi lần chỉ thống kê tối đa %(max)s ngày.")
            % {"days": period.days, "max": MAX_PERIOD_DAYS},
            code="period_too_long",
        )
    return period


# ---------------------------------------------------------------------------------------------
# Durations


@dataclass(frozen=True)
class DurationSummary:
    """Durations in minutes (None when there is none)."""

    count: int = 0
    mean: float | None = None
    median: float | None = None
    p90: float | None = None
    max: float | None = None


def median(ordered: list[float]) -> float:
    n = len(ordered)
    middle = n // 2
    return ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted values."""
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summarize(seconds: Iterable[float]) -> DurationSummary:
    ordered = sorted(seconds)
    if not ordered:
        return DurationSummary()
    minutes = [value / 60 for value in ordered]
    return DurationSummary(
        count=len(minutes),
        mean=sum(minutes) / len(minutes),
        median=median(minutes),
        p90=percentile(minutes, 90),
        max=minutes[-1],
    )


# ---------------------------------------------------------------------------------------------
# Groups


@dataclass
class GroupStats:
    """The figures of one service, counter or officer (or of the whole center)."""

    key: int | None
    label: str
    tickets: int = 0
    served: int = 0
    no_show: int = 0
    transferred: int = 0
    still_waiting: int = 0
    in_progress: int = 0
    linked: int = 0
    ratings: dict[int, int] = field(default_factory=lambda: dict.fromkeys(RATING_VALUES, 0))
    wait: DurationSummary = field(default_factory=DurationSummary)
    service: DurationSummary = field(default_factory=DurationSummary)

    @property
    def rated(self) -> int:
        return sum(self.ratings.values())

    @property
    def very_satisfied(self) -> int:
        return self.ratings[RatingValue.VERY_SATISFIED]

    @property
    def satisfied(self) -> int:
        return self.ratings[RatingValue.SATISFIED]

    @property
    def unsatisfied(self) -> int:
        return self.ratings[RatingValue.UNSATISFIED]

    @property
    def satisfied_share(self) -> float | None:
        """Share (0–1) of ratings that are rất hài lòng or hài lòng."""
        if not self.rated:
            return None
        return sum(self.ratings[v] for v in SATISFIED) / self.rated

    @property
    def linked_share(self) -> float | None:
        """Share (0–1) of served tickets linked to a dossier."""
        return self.linked / self.served if self.served else None

    @property
    def satisfied_percent(self) -> float | None:
        share = self.satisfied_share
        return None if share is None else share * 100


class _Accumulator:
    """A group's counts and raw durations while the tickets are scanned."""

    __slots__ = ("counts", "ratings", "service", "wait")

    def __init__(self) -> None:
        self.counts = dict.fromkeys(
            (
                "tickets",
                "served",
                "no_show",
                "transferred",
                "still_waiting",
                "in_progress",
                "linked",
            ),
            0,
        )
        self.ratings = dict.fromkeys(RATING_VALUES, 0)
        self.wait = array("d")
        self.service = array("d")

    def add(self, ticket: _TicketFacts) -> None:
        counts = self.counts
        counts["tickets"] += 1
        if ticket.state == TicketState.DONE:
            counts["served"] += 1
            counts["linked"] += ticket.linked
        elif ticket.state == TicketState.NO_SHOW:
            counts["no_show"] += 1
        elif ticket.state == TicketState.WAITING:
            counts["still_waiting"] += 1
        else:
            counts["in_progress"] += 1
        counts["transferred"] += ticket.transferred
        if ticket.rating is not None:
            self.ratings[ticket.rating] += 1
        if ticket.wait is not None:
            self.wait.append(ticket.wait)
        if ticket.service_time is not None:
            self.service.append(ticket.service_time)

    def result(self, key: int | None, label: str) -> GroupStats:
        return GroupStats(
            key=key,
            label=label,
            ratings=dict(self.ratings),
            wait=summarize(self.wait),
            service=summarize(self.service),
            **self.counts,
        )


@dataclass(frozen=True)
class _TicketFacts:
    service_id: int
    counter_id: int | None
    officer_id: int | None
    state: str
    wait: float | None  # seconds
    service_time: float | None  # seconds
    transferred: bool
    linked: bool
    rating: int | None


def _ticket_rows(center: Center, start: dt.date, end: dt.date) -> Iterator[_TicketFacts]:
    """The facts of every ticket of the period (one query, read by chunks)."""
    rows = (
        Ticket.objects.filter(center=center, day__gte=start, day__lte=end)
        .order_by()
        .values_list(
            "pk",
            "service_id",
            "counter_id",
            "officer_id",
            "state",
            "issued_at",
            "queue_at",
            "started_at",
            "finished_at",
            "dossier_id",
            "transfer_count",
            "rating__value",
        )
        .annotate(first_call=Min("calls__at"))
    )
    for (
        _pk,
        service_id,
        counter_id,
        officer_id,
        state,
        issued_at,
        queue_at,
        started_at,
        finished_at,
        dossier_id,
        transfer_count,
        rating,
        first_call,
    ) in rows.iterator(chunk_size=CHUNK):
        joined = max(issued_at, queue_at)
        wait = None
        if first_call is not None:
            # A booking checked in early may be called before its slot: no negative wait.
            wait = max(0.0, (first_call - joined).total_seconds())
        service_time = None
        if state == TicketState.DONE and started_at is not None and finished_at is not None:
            service_time = max(0.0, (finished_at - started_at).total_seconds())
        yield _TicketFacts(
            service_id=service_id,
            counter_id=counter_id,
            officer_id=officer_id,
            state=state,
            wait=wait,
            service_time=service_time,
            transferred=transfer_count > 0,
            linked=dossier_id is not None,
            rating=rating,
        )


# ---------------------------------------------------------------------------------------------
# The statistics of a period


@dataclass
class FloorStats:
    center: Center
    period: Period
    total: GroupStats
    by_service: list[GroupStats]
    by_counter: list[GroupStats]
    by_officer: list[GroupStats]

    def tables(self) -> list[tuple[str, str, list[GroupStats]]]:
        """(slug, title, rows) of each grouping, in the order pages and files show them."""
        return [
            ("dich-vu", _("Theo dịch vụ"), self.by_service),
            ("quay", _("Theo quầy"), self.by_counter),
            ("can-bo", _("Theo cán bộ"), self.by_officer),
        ]


def day_totals(center: Center, day: dt.date) -> GroupStats:
    """The whole center's figures of one day (the live page's totals)."""
    total = _Accumulator()
    for ticket in _ticket_rows(center, day, day):
        total.add(ticket)
    return total.result(None, _("Toàn trung tâm"))


def floor_stats(center: Center, period: Period) -> FloorStats:
    """The period's figures of the center, by service, by counter and by officer (a handful
    of queries whatever the size of the period)."""
    total = _Accumulator()
    by_service: dict[int, _Accumulator] = {}
    by_counter: dict[int, _Accumulator] = {}
    by_officer: dict[int, _Accumulator] = {}
    for ticket in _ticket_rows(center, period.start, period.end):
        total.add(ticket)
        _group(by_service, ticket.service_id).add(ticket)
        if ticket.counter_id is not None:
            _group(by_counter, ticket.counter_id).add(ticket)
        if ticket.officer_id is not None:
            _group(by_officer, ticket.officer_id).add(ticket)
    return FloorStats(
        center=center,
        period=period,
        total=total.result(None, _("Toàn trung tâm")),
        by_service=_service_rows(center, by_service),
        by_counter=_counter_rows(center, by_counter),
        by_officer=_officer_rows(by_officer),
    )


def _group(groups: dict[int, _Accumulator], key: int) -> _Accumulator:
    found = groups.get(key)
    if found is None:
        found = groups[key] = _Accumulator()
    return found


def _service_rows(center: Center, groups: dict[int, _Accumulator]) -> list[GroupStats]:
    """Active services (even without tickets) and any other service that had tickets."""
    return [
        groups.get(service.pk, _Accumulator()).result(service.pk, service.name)
        for service in QueueService.objects.filter(center=center).order_by("position", "pk")
        if service.is_active or service.pk in groups
    ]


def _counter_rows(center: Center, groups: dict[int, _Accumulator]) -> list[GroupStats]:
    return [
        groups.get(counter.pk, _Accumulator()).result(counter.pk, str(counter))
        for counter in Counter.objects.filter(center=center).order_by("number")
        if counter.is_active or counter.pk in groups
    ]


def _officer_rows(groups: dict[int, _Accumulator]) -> list[GroupStats]:
    officers = User.objects.filter(pk__in=list(groups)).only("pk", "username", "full_name")
    rows = [groups[officer.pk].result(officer.pk, str(officer)) for officer in officers]
    return sorted(rows, key=lambda row: row.label.casefold())


# ---------------------------------------------------------------------------------------------
# The live page


def device_rows(
    center: Center, at: dt.datetime, *, active_only: bool = False
) -> list[dict[str, Any]]:
    """The center's devices with their connection state at ``at`` (active first)."""
    found = Device.objects.filter(center=center).select_related("counter")
    if active_only:
        found = found.filter(is_active=True)
    return [
        {"device": device, "status": devices.status(device, at)}
        for device in found.order_by("-is_active", "kind", "name", "pk")
    ]


def live_snapshot(center: Center, at: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the manager's live page shows, computed at ``at`` (default: now)."""
    at = timezone.localtime(at or timezone.now())
    day = at.date()
    waiting = selectors.waiting_by_service(center, day)
    for row in waiting:
        row["waited"] = at - row["since"] if row["since"] else None
        row["waited_minutes"] = minutes(row["waited"])
        row["long"] = bool(row["waited"] and row["waited"] >= LONG_WAIT)
    counters = selectors.counters_now(center, day)
    for row in counters:
        ticket = row["ticket"]
        row["since"] = _ticket_since(ticket)
        row["for_minutes"] = minutes(at - row["since"]) if row["since"] else None
    return {
        "at": at,
        "day": day,
        "center": center,
        "waiting": waiting,
        "counters": counters,
        "totals": day_totals(center, day),
        "waiting_now": sum(row["count"] for row in waiting),
        "devices": device_rows(center, at, active_only=True),
    }


def _ticket_since(ticket: Ticket | None) -> dt.datetime | None:
    if ticket is None:
        return None
    if ticket.state == TicketState.SERVING and ticket.started_at is not None:
        return ticket.started_at
    return ticket.called_at


def minutes(duration: dt.timedelta | None) -> int | None:
    """Whole minutes of a duration (what a manager reads on the live page)."""
    return None if duration is None else max(0, int(duration.total_seconds() // 60))


def live_json(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The live snapshot as JSON-ready data."""
    totals: GroupStats = snapshot["totals"]
    return {
        "at": snapshot["at"].isoformat(),
        "center": snapshot["center"].code,
        "waiting": [
            {
                "service": row["service"],
                "count": row["count"],
                "since": row["since"].isoformat() if row["since"] else None,
                "longest_wait_minutes": row["waited_minutes"],
            }
            for row in snapshot["waiting"]
        ],
        "counters": [
            {
                "number": row["number"],
                "name": row["name"],
                "officer": str(row["officer"]) if row["officer"] else None,
                "ticket": row["ticket"].number if row["ticket"] else None,
                "state": row["ticket"].state if row["ticket"] else None,
                "since": row["since"].isoformat() if row["since"] else None,
            }
            for row in snapshot["counters"]
        ],
        "totals": {
            "issued": totals.tickets,
            "served": totals.served,
            "no_show": totals.no_show,
            "waiting": snapshot["waiting_now"],
            "average_wait_minutes": _round(totals.wait.mean),
            "ratings": {str(value): count for value, count in totals.ratings.items()},
        },
        "devices": [
            {
                "name": row["device"].name,
                "kind": row["device"].kind,
                "status": row["status"],
                "last_seen": (
                    row["device"].last_seen_at.isoformat() if row["device"].last_seen_at else None
                ),
            }
            for row in snapshot["devices"]
        ],
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# ---------------------------------------------------------------------------------------------
# Exports


@dataclass(frozen=True)
class Column:
    head: str  # in files
    value: Callable[[GroupStats], Any]
    kind: str = "int"  # int, text, minutes, share
    group: str = ""  # the page groups columns under a common header
    short: str = ""  # the header under the group's on the page

    @property
    def page_head(self) -> str:
        return self.short or self.head


def columns() -> list[Column]:
    """The columns of every table (pages and files), headers in the active language."""
    tickets, wait, service = _("Số phiếu"), _("Thời gian chờ (phút)"), _("Phục vụ (phút)")
    ratings, dossiers = _("Đánh giá"), _("Hồ sơ")
    mean, median_, max_ = _("Trung bình"), _("Trung vị"), _("Lâu nhất")
    return [
        Column(_("Tên"), lambda g: g.label, "text"),
        Column(_("Số phiếu"), lambda g: g.tickets, group=tickets, short=_("Tổng")),
        Column(_("Đã phục vụ"), lambda g: g.served, group=tickets),
        Column(_("Vắng mặt"), lambda g: g.no_show, group=tickets),
        Column(
            _("Chuyển sang dịch vụ khác"), lambda g: g.transferred, group=tickets, short=_("Chuyển")
        ),
        Column(
            _("Còn chờ, chưa phục vụ"), lambda g: g.still_waiting, group=tickets, short=_("Còn chờ")
        ),
        Column(_("Chờ trung bình (phút)"), lambda g: g.wait.mean, "minutes", wait, mean),
        Column(_("Chờ trung vị (phút)"), lambda g: g.wait.median, "minutes", wait, median_),
        Column(_("Chờ bách phân vị 90 (phút)"), lambda g: g.wait.p90, "minutes", wait, "P90"),
        Column(_("Chờ lâu nhất (phút)"), lambda g: g.wait.max, "minutes", wait, max_),
        Column(_("Phục vụ trung bình (phút)"), lambda g: g.service.mean, "minutes", service, mean),
        Column(
            _("Phục vụ trung vị (phút)"), lambda g: g.service.median, "minutes", service, median_
        ),
        Column(_("Phục vụ lâu nhất (phút)"), lambda g: g.service.max, "minutes", service, max_),
        Column(_("Rất hài lòng"), lambda g: g.very_satisfied, group=ratings),
        Column(_("Hài lòng"), lambda g: g.satisfied, group=ratings),
        Column(_("Không hài lòng"), lambda g: g.unsatisfied, group=ratings),
        Column(
            _("Tỷ lệ hài lòng (%)"),
            lambda g: g.satisfied_share,
            "share",
            ratings,
            _("% hài lòng"),
        ),
        Column(_("Gắn hồ sơ"), lambda g: g.linked, group=dossiers, short=_("Đã gắn")),
        Column(
            _("Tỷ lệ gắn hồ sơ (%)"), lambda g: g.linked_share, "share", dossiers, _("% đã gắn")
        ),
    ]


def cell_value(column: Column, group: GroupStats) -> Any:
    """A cell's value: minutes and percentages rounded to one decimal; None when there is
    nothing to measure."""
    value = column.value(group)
    if value is None:
        return None
    if column.kind == "minutes":
        return round(value, 1)
    if column.kind == "share":
        return round(value * 100, 1)
    return value


def _tables_with_total(stats: FloorStats) -> list[tuple[str, str, list[GroupStats]]]:
    """The groupings; the services' table ends with the whole center (its exact sum)."""
    tables = stats.tables()
    slug, title, rows = tables[0]
    return [(slug, title, [*rows, stats.total]), *tables[1:]]


def export_filename(stats: FloorStats, extension: str) -> str:
    return (
        f"thong-ke-xep-hang_{stats.center.code}_"
        f"{stats.period.start:%Y%m%d}-{stats.period.end:%Y%m%d}.{extension}"
    )


def stats_csv(stats: FloorStats) -> bytes:
    """One CSV table (UTF-8 with BOM, so Excel reads Vietnamese), the grouping in the first
    column; decimals with a point."""
    with translation.override("vi"):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        heads = columns()
        writer.writerow([_("Nhóm"), *(c.head for c in heads)])
        for _slug, title, rows in _tables_with_total(stats):
            for group in rows:
                writer.writerow([title, *(_csv_value(cell_value(c, group)) for c in heads)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# A text cell starting with one of these is a formula to Excel (and LibreOffice): names typed
# by staff ("=HYPERLINK(…)") are written with a leading apostrophe so they stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    return f"{value:.1f}" if isinstance(value, float) else as_text(value)


def stats_xlsx(stats: FloorStats) -> bytes:
    """One sheet per grouping; durations in minutes and shares in % with one decimal."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    with translation.override("vi"):
        workbook = Workbook()
        workbook.remove(workbook.active)  # type: ignore[arg-type]
        heads = columns()
        bold = Font(bold=True)
        fill = PatternFill("solid", fgColor="E8EEF6")
        period = _("Từ %(start)s đến %(end)s") % {
            "start": f"{stats.period.start:%d/%m/%Y}",
            "end": f"{stats.period.end:%d/%m/%Y}",
        }
        for _slug, title, rows in _tables_with_total(stats):
            sheet = workbook.create_sheet(title[:31])
            sheet.append([as_text(f"{stats.center.name} · {title} · {period}")])
            sheet["A1"].font = Font(bold=True, size=12)
            sheet.append([c.head for c in heads])
            for index, column in enumerate(heads, 1):
                cell = sheet.cell(row=2, column=index)
                cell.font, cell.fill = bold, fill
                cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
                sheet.column_dimensions[get_column_letter(index)].width = (
                    36 if column.kind == "text" else 13
                )
            for group in rows:
                sheet.append([as_text(cell_value(c, group)) for c in heads])
                for index, column in enumerate(heads, 1):
                    if column.kind in ("minutes", "share"):
                        sheet.cell(row=sheet.max_row, column=index).number_format = "0.0"
            if rows and rows[-1] is stats.total:
                for cell in sheet[sheet.max_row]:
                    cell.font = bold
            sheet.freeze_panes = "B3"
        buffer = io.BytesIO()
        workbook.save(buffer)
    return buffer.getvalue()
