"""The legal clock: working time of a one-stop office and the deadlines counted in it.

Every legal deadline in motcua is computed here; nobody else writes ``timedelta(days=n)`` for
one. See ``docs/calendar.md`` for the rules with worked examples.

Two layers:

:class:`WorkingCalendar`
    A pure-Python engine built from plain data: a :class:`Schedule` (weekly rest days, the
    same-day cut-off, the length of a working day and seasonal :class:`SessionHours`) and a
    mapping ``date → ExceptionalDay`` (holidays, days off in lieu, swapped days, half-day
    closures). It can also be given a ``year_loader`` that supplies the exceptional days of a
    year the first time that year is needed. No database, no settings.

:func:`calendar_for`
    Builds a ``WorkingCalendar`` from the database: the centre's work schedule, else the
    default schedule, else the built-in default (07:30–11:30 and 13:00–17:00, Saturday and
    Sunday off, cut-off 15:00, 8-hour day). Exceptional days are read lazily, one query per
    year, and cached on the instance only, so an administrator's edit is seen by the next
    ``calendar_for()``. A year that was never seeded is first seeded from the ``holidays``
    package (:func:`motcua.core.services.ensure_year_seeded`).

Operations (methods of :class:`WorkingCalendar`; every moment must be an aware datetime, in
any zone; results are aware datetimes in Asia/Ho_Chi_Minh)::

    is_working_day(date) -> bool
    working_intervals(date) -> list[(start, end)]     # the day's sessions
    closing_moment(date) -> datetime | None           # end of the day's last session
    next_working_moment(moment) -> datetime
    add_working_hours(moment, hours) -> datetime      # hours: int, float, Decimal, timedelta
    add_working_days(moment, n) -> datetime           # n × working_day_hours working hours
    add_calendar_days(moment, n) -> datetime          # Civil Code 2015, Art. 147–148
    add_months(moment, n) -> datetime                 # Civil Code 2015, Art. 147–148
    same_day(moment) -> datetime                      # "trong ngày", 15:00 cut-off
    working_time_between(a, b) -> timedelta           # negative when b < a
    add(moment, quantity, unit) -> datetime           # dispatch on TimeUnit
    counting_start(moment) -> datetime                # = next_working_moment

and module helpers :class:`TimeUnit`, :func:`parse_period` (``"3 working_days"`` →
``(Decimal("3"), TimeUnit.WORKING_DAYS)``) and :func:`format_moment` (``16:30 Thứ Tư,
25/02/2026``).

Counting always starts at the next working moment: a dossier received during the lunch break,
after closing, at night or on a day off starts at the next opening (Thanh Hóa's rule, vn-spec
§9.6 step 2, and how online submissions are received). Results never fall on a non-working day.

Internally every day is a tuple of sessions in microseconds since local midnight, built once
per year; the loops walk whole days with plain integer arithmetic.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from .models import WorkSchedule

__all__ = [
    "LOCAL_TZ",
    "MAX_IDLE_DAYS",
    "CalendarConfigurationError",
    "ExceptionalDay",
    "Schedule",
    "SessionHours",
    "TimeUnit",
    "WorkingCalendar",
    "builtin_default_schedule",
    "calendar_for",
    "format_moment",
    "parse_period",
    "schedule_from_model",
]

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# A calendar with no working time for this many consecutive days is misconfigured.
MAX_IDLE_DAYS = 400

_US_PER_SECOND = 1_000_000
_US_PER_MINUTE = 60 * _US_PER_SECOND
_US_PER_HOUR = 60 * _US_PER_MINUTE
_US_PER_DAY = 24 * _US_PER_HOUR

# Kinds as plain strings so the engine does not need the models (values of models.DayKind).
KIND_HOLIDAY = "holiday"
KIND_COMPENSATORY = "compensatory"
KIND_SWAPPED_OFF = "swapped_off"
KIND_SWAPPED_WORKING = "swapped_working"
KIND_HALF_DAY_CLOSURE = "half_day_closure"
KIND_EXTRA_OFF = "extra_off"
_OFF_KINDS = frozenset({KIND_HOLIDAY, KIND_COMPENSATORY, KIND_SWAPPED_OFF, KIND_EXTRA_OFF})
HALF_MORNING = "morning"
HALF_AFTERNOON = "afternoon"

_WEEKDAY_NAMES = (
    _("Thứ Hai"),
    _("Thứ Ba"),
    _("Thứ Tư"),
    _("Thứ Năm"),
    _("Thứ Sáu"),
    _("Thứ Bảy"),
    _("Chủ nhật"),
)


class CalendarConfigurationError(RuntimeError):
    """The calendar has no working time for :data:`MAX_IDLE_DAYS` days in a row."""


class TimeUnit(models.TextChoices):
    """Units of a processing time (reused by the procedure catalogue)."""

    WORKING_HOURS = "working_hours", _("giờ làm việc")
    WORKING_DAYS = "working_days", _("ngày làm việc")
    CALENDAR_DAYS = "calendar_days", _("ngày")
    MONTHS = "months", _("tháng")
    SAME_DAY = "same_day", _("trong ngày")


# ---------------------------------------------------------------------------------------------
# Plain data


def _us_of(t: dt.time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * _US_PER_SECOND + t.microsecond


@dataclass(frozen=True)
class SessionHours:
    """Opening hours in force from ``starts_day``/``starts_month`` of every year until the next
    period of the schedule starts."""

    starts_month: int = 1
    starts_day: int = 1
    morning_start: dt.time = dt.time(7, 30)
    morning_end: dt.time = dt.time(11, 30)
    afternoon_start: dt.time = dt.time(13, 0)
    afternoon_end: dt.time = dt.time(17, 0)
    name: str = ""

    def __post_init__(self) -> None:
        try:
            dt.date(2024, self.starts_month, self.starts_day)  # a leap year accepts 29/02
        except ValueError as exc:
            raise ValueError(
                f"Invalid period start {self.starts_day}/{self.starts_month}."
            ) from exc
        if not (self.morning_start < self.morning_end <= self.afternoon_start < self.afternoon_end):
            raise ValueError(
                "Session hours must satisfy morning_start < morning_end <= afternoon_start "
                f"< afternoon_end (got {self})."
            )

    @property
    def start_key(self) -> tuple[int, int]:
        return (self.starts_month, self.starts_day)

    def sessions_us(self) -> tuple[tuple[int, int], tuple[int, int]]:
        return (
            (_us_of(self.morning_start), _us_of(self.morning_end)),
            (_us_of(self.afternoon_start), _us_of(self.afternoon_end)),
        )


@dataclass(frozen=True)
class Schedule:
    """Opening hours of an office: weekly rest days (0 = Monday … 6 = Sunday), the same-day
    cut-off, the hours in one working day and the seasonal periods (at least one)."""

    rest_weekdays: frozenset[int] = frozenset({5, 6})
    same_day_cutoff: dt.time = dt.time(15, 0)
    working_day_hours: Decimal = Decimal(8)
    periods: tuple[SessionHours, ...] = (SessionHours(),)
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "rest_weekdays", frozenset(self.rest_weekdays))
        object.__setattr__(self, "working_day_hours", Decimal(self.working_day_hours))
        if not all(isinstance(d, int) and 0 <= d <= 6 for d in self.rest_weekdays):
            raise ValueError(f"Rest weekdays must be 0..6, got {sorted(self.rest_weekdays)}.")
        if self.working_day_hours <= 0:
            raise ValueError("working_day_hours must be positive.")
        periods = tuple(sorted(self.periods or (SessionHours(),), key=lambda p: p.start_key))
        if len({p.start_key for p in periods}) != len(periods):
            raise ValueError("Two seasonal periods start on the same day.")
        object.__setattr__(self, "periods", periods)

    def period_on(self, day: dt.date) -> SessionHours:
        """The period in force on ``day``: the latest start on or before it, wrapping around
        the year (a period starting 15/10 also covers 01/01–14/04 when the other starts 15/04)."""
        key = (day.month, day.day)
        current = self.periods[-1]
        for period in self.periods:
            if period.start_key <= key:
                current = period
            else:
                break
        return current


@dataclass(frozen=True)
class ExceptionalDay:
    """A date departing from the weekly pattern (values of :class:`motcua.core.models.DayKind`)."""

    date: dt.date
    kind: str
    name: str = ""
    closed_half: str = ""
    source: str = field(default="", compare=False)

    @property
    def is_off(self) -> bool:
        return self.kind in _OFF_KINDS


def builtin_default_schedule() -> Schedule:
    """The schedule used when the database has none: 07:30–11:30, 13:00–17:00, Saturday and
    Sunday off, 8-hour day, cut-off from settings.MOTCUA_SAME_DAY_CUTOFF (15:00)."""
    from django.core.exceptions import ImproperlyConfigured

    cutoff, name = dt.time(15, 0), "Giờ hành chính"
    try:
        from django.conf import settings

        raw = getattr(settings, "MOTCUA_SAME_DAY_CUTOFF", "15:00")
        cutoff = raw if isinstance(raw, dt.time) else dt.time.fromisoformat(str(raw))
        name = gettext("Giờ hành chính")
    except (ImproperlyConfigured, ValueError):
        pass
    return Schedule(same_day_cutoff=cutoff, name=name)


# ---------------------------------------------------------------------------------------------
# Helpers

_Sessions = tuple[tuple[int, int], ...]
_DayInfo = tuple[_Sessions, int]  # (sessions in µs since local midnight, total µs)
_NO_WORK: _DayInfo = ((), 0)


def _local(moment: dt.datetime) -> tuple[int, int]:
    """(ordinal of the local date, microseconds since local midnight)."""
    if not isinstance(moment, dt.datetime):
        raise TypeError(f"Expected a datetime, got {type(moment).__name__}.")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"Naive datetime {moment.isoformat()} refused: the calendar needs an aware "
            "datetime (e.g. django.utils.timezone.now(), or tzinfo=LOCAL_TZ)."
        )
    loc = moment.astimezone(LOCAL_TZ)
    return loc.toordinal(), (
        ((loc.hour * 60 + loc.minute) * 60 + loc.second) * _US_PER_SECOND + loc.microsecond
    )


def _make(ordinal: int, us: int) -> dt.datetime:
    day = dt.date.fromordinal(ordinal)
    seconds, micro = divmod(us, _US_PER_SECOND)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, micro, tzinfo=LOCAL_TZ)


def _hours_to_us(hours: object) -> int:
    if isinstance(hours, bool):
        raise TypeError("A duration cannot be a bool.")
    if isinstance(hours, dt.timedelta):
        us = (hours.days * 86_400 + hours.seconds) * _US_PER_SECOND + hours.microseconds
    elif isinstance(hours, int):
        us = hours * _US_PER_HOUR
    elif isinstance(hours, Decimal):
        us = int((hours * _US_PER_HOUR).to_integral_value())
    elif isinstance(hours, float):
        us = round(hours * _US_PER_HOUR)
    else:
        raise TypeError(f"Unsupported duration {hours!r}.")
    if us < 0:
        raise ValueError(gettext("Thời hạn không được âm."))
    return us


_DAYS_WORD = _("ngày")
_MONTHS_WORD = _("tháng")


def _whole(n: object, what: object) -> int:
    if isinstance(n, bool):
        raise TypeError("A number of days cannot be a bool.")
    if isinstance(n, int):
        value = n
    elif isinstance(n, Decimal | float) and n == int(n):
        value = int(n)
    else:
        raise ValueError(
            gettext("Số %(what)s phải là số nguyên, không phải %(value)s.")
            % {"what": what, "value": n}
        )
    if value < 0:
        raise ValueError(gettext("Thời hạn không được âm."))
    return value


def format_moment(moment: dt.datetime) -> str:
    """Vietnamese form of a moment as printed on a receipt: ``16:30 Thứ Tư, 25/02/2026``."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("format_moment needs an aware datetime.")
    loc = moment.astimezone(LOCAL_TZ)
    return f"{loc:%H:%M} {_WEEKDAY_NAMES[loc.weekday()]}, {loc:%d/%m/%Y}"


def format_moment_short(moment: dt.datetime | None) -> str:
    """``16:30 25/02/2026`` (messages, SMS); empty for None."""
    if moment is None:
        return ""
    return f"{moment.astimezone(LOCAL_TZ):%H:%M %d/%m/%Y}"


def format_date(day: dt.date) -> str:
    """``Thứ Tư, 25/02/2026``."""
    return f"{_WEEKDAY_NAMES[day.weekday()]}, {day:%d/%m/%Y}"


# ---------------------------------------------------------------------------------------------
# Periods as text

_UNIT_ALIASES: dict[str, TimeUnit] = {
    "working_hours": TimeUnit.WORKING_HOURS,
    "working_hour": TimeUnit.WORKING_HOURS,
    "giờ làm việc": TimeUnit.WORKING_HOURS,
    "giờ": TimeUnit.WORKING_HOURS,
    "working_days": TimeUnit.WORKING_DAYS,
    "working_day": TimeUnit.WORKING_DAYS,
    "ngày làm việc": TimeUnit.WORKING_DAYS,
    "calendar_days": TimeUnit.CALENDAR_DAYS,
    "calendar_day": TimeUnit.CALENDAR_DAYS,
    "ngày": TimeUnit.CALENDAR_DAYS,
    "months": TimeUnit.MONTHS,
    "month": TimeUnit.MONTHS,
    "tháng": TimeUnit.MONTHS,
    "same_day": TimeUnit.SAME_DAY,
    "trong ngày": TimeUnit.SAME_DAY,
}
_PERIOD_RE = re.compile(r"^\s*(?:(\d+(?:[.,]\d+)?)\s+)?(\S.*?)\s*$")


def parse_period(text: str) -> tuple[Decimal, TimeUnit]:
    """``"3 working_days"`` → ``(Decimal("3"), TimeUnit.WORKING_DAYS)``.

    Units are the :class:`TimeUnit` values or their Vietnamese names (``"3 ngày làm việc"``,
    ``"4 giờ làm việc"``, ``"30 ngày"``, ``"1 tháng"``, ``"trong ngày"``); a decimal comma is
    accepted (``"0,5 ngày làm việc"``). ``same_day`` needs no quantity. Calendar days and months
    must be whole numbers. Bad text raises ValueError with a Vietnamese message.
    """
    match = _PERIOD_RE.match(text or "")
    unit = _UNIT_ALIASES.get(" ".join(match.group(2).lower().split())) if match else None
    if match is None or unit is None:
        raise ValueError(
            gettext(
                "Không hiểu thời hạn “%(text)s”. Hãy viết số lượng và đơn vị, ví dụ "
                "“3 working_days”; đơn vị là một trong: %(units)s."
            )
            % {"text": text, "units": ", ".join(TimeUnit.values)}
        )
    raw_quantity = match.group(1)
    if raw_quantity is None:
        if unit != TimeUnit.SAME_DAY:
            raise ValueError(
                gettext("Thiếu số lượng trong thời hạn “%(text)s”, ví dụ “3 %(unit)s”.")
                % {"text": text, "unit": unit.value}
            )
        return Decimal(1), unit
    quantity = Decimal(raw_quantity.replace(",", "."))
    if unit in (TimeUnit.CALENDAR_DAYS, TimeUnit.MONTHS) and quantity != quantity.to_integral():
        raise ValueError(
            gettext("Thời hạn tính bằng %(unit)s phải là số nguyên: “%(text)s”.")
            % {"unit": unit.label, "text": text}
        )
    if unit == TimeUnit.SAME_DAY and quantity != 1:
        raise ValueError(
            gettext("Thời hạn “trong ngày” không có số lượng khác 1: “%(text)s”.") % {"text": text}
        )
    return quantity, unit


def describe_period(quantity: Decimal | int, unit: TimeUnit | str) -> str:
    """``3 ngày làm việc``, ``0,5 ngày làm việc``, ``trong ngày``."""
    unit = TimeUnit(unit)
    if unit == TimeUnit.SAME_DAY:
        return str(unit.label)
    number = format(Decimal(quantity).normalize(), "f").replace(".", ",")
    return f"{number} {unit.label}"


# ---------------------------------------------------------------------------------------------
# The engine

YearLoader = Callable[[int], Mapping[dt.date, ExceptionalDay]]


class WorkingCalendar:
    """Working time of one office. Cheap to build; caches per-day session data for the years it
    has touched. Not meant to be shared between threads or kept across requests (build a new
    one with :func:`calendar_for` so administrators' edits are seen)."""

    def __init__(
        self,
        schedule: Schedule | None = None,
        days: Mapping[dt.date, ExceptionalDay] | Iterable[ExceptionalDay] | None = None,
        *,
        year_loader: YearLoader | None = None,
    ) -> None:
        self.schedule = schedule or Schedule()
        if days is None:
            self._days: dict[dt.date, ExceptionalDay] = {}
        elif isinstance(days, Mapping):
            self._days = dict(days)
        else:
            self._days = {d.date: d for d in days}
        self._year_loader = year_loader
        self._loaded_years: set[int] = set()
        self._info: dict[int, _DayInfo] = {}
        self._cutoff_us = _us_of(self.schedule.same_day_cutoff)
        self._day_us = _hours_to_us(self.schedule.working_day_hours)

    # -- per-day data ---------------------------------------------------------------------

    def _load_year(self, year: int) -> None:
        if self._year_loader is not None and year not in self._loaded_years:
            self._days.update(self._year_loader(year))
        self._loaded_years.add(year)

    def _build_year(self, year: int) -> None:
        self._load_year(year)
        schedule = self.schedule
        rest = schedule.rest_weekdays
        first = dt.date(year, 1, 1)
        o0 = first.toordinal()
        end = dt.date(year + 1, 1, 1).toordinal() if year < dt.MAXYEAR else o0 + 365
        cache: dict[tuple[int, int], tuple[tuple[int, int], tuple[int, int]]] = {}
        weekday = first.weekday()
        info = self._info
        days = self._days
        for o in range(o0, end):
            day = dt.date.fromordinal(o)
            period = schedule.period_on(day)
            sessions = cache.get(period.start_key)
            if sessions is None:
                sessions = cache[period.start_key] = period.sessions_us()
            ex = days.get(day)
            if ex is None:
                open_sessions: _Sessions = () if weekday in rest else sessions
            elif ex.kind in _OFF_KINDS:
                open_sessions = ()
            elif ex.kind == KIND_SWAPPED_WORKING:
                open_sessions = sessions
            elif ex.kind == KIND_HALF_DAY_CLOSURE and weekday not in rest:
                if ex.closed_half == HALF_MORNING:
                    open_sessions = sessions[1:]
                elif ex.closed_half == HALF_AFTERNOON:
                    open_sessions = sessions[:1]
                else:  # a half-day closure without its half: the model refuses it
                    open_sessions = sessions
            else:
                open_sessions = () if weekday in rest else sessions
            info[o] = (open_sessions, sum(e - s for s, e in open_sessions))
            weekday = (weekday + 1) % 7

    def _day(self, o: int) -> _DayInfo:
        info = self._info.get(o)
        if info is None:
            self._build_year(dt.date.fromordinal(o).year)
            info = self._info[o]
        return info

    def _idle_error(self, since: int) -> CalendarConfigurationError:
        return CalendarConfigurationError(
            gettext(
                "Lịch làm việc “%(name)s” không có ngày làm việc nào trong %(days)s ngày liên "
                "tiếp kể từ %(date)s: hãy kiểm tra ngày nghỉ hằng tuần và các ngày nghỉ đã "
                "khai báo."
            )
            % {
                "name": self.schedule.name,
                "days": MAX_IDLE_DAYS,
                "date": dt.date.fromordinal(since).strftime("%d/%m/%Y"),
            }
        )

    def _first_working_day(self, o: int) -> int:
        """The first ordinal ≥ ``o`` with working time."""
        start = o
        day = self._day
        while not day(o)[1]:
            o += 1
            if o - start > MAX_IDLE_DAYS:
                raise self._idle_error(start)
        return o

    # -- days -----------------------------------------------------------------------------

    def exceptional_day(self, day: dt.date) -> ExceptionalDay | None:
        self._load_year(day.year)
        return self._days.get(day)

    def exceptional_days(self, year: int) -> list[ExceptionalDay]:
        """The exceptional days of ``year`` in date order."""
        self._load_year(year)
        return sorted((d for d in self._days.values() if d.date.year == year), key=lambda d: d.date)

    def is_working_day(self, day: dt.date) -> bool:
        return bool(self._day(day.toordinal())[1])

    def working_intervals(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        o = day.toordinal()
        return [(_make(o, s), _make(o, e)) for s, e in self._day(o)[0]]

    def working_time_on(self, day: dt.date) -> dt.timedelta:
        return dt.timedelta(microseconds=self._day(day.toordinal())[1])

    def closing_moment(self, day: dt.date) -> dt.datetime | None:
        """End of the last session of ``day``; None on a non-working day."""
        sessions = self._day(day.toordinal())[0]
        return _make(day.toordinal(), sessions[-1][1]) if sessions else None

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day``."""
        return dt.date.fromordinal(self._first_working_day(day.toordinal() + 1))

    def previous_working_day(self, day: dt.date) -> dt.date:
        """The last working day strictly before ``day`` (for "no later than one day before")."""
        start = o = day.toordinal() - 1
        while not self._day(o)[1]:
            o -= 1
            if start - o > MAX_IDLE_DAYS:
                raise self._idle_error(o)
        return dt.date.fromordinal(o)

    def _closing(self, o: int) -> dt.datetime:
        return _make(o, self._day(o)[0][-1][1])

    # -- moments --------------------------------------------------------------------------

    def _next_working(self, o: int, t: int) -> tuple[int, int]:
        for s, e in self._day(o)[0]:
            if t < s:
                return o, s
            if t < e:
                return o, t
        o = self._first_working_day(o + 1)
        return o, self._day(o)[0][0][0]

    def next_working_moment(self, moment: dt.datetime) -> dt.datetime:
        """``moment`` itself when inside a session; otherwise the next opening (the afternoon
        opening during lunch; the next working day's opening after closing, at exactly the
        closing time, or on a day off)."""
        o, t = _local(moment)
        o2, t2 = self._next_working(o, t)
        return _make(o2, t2)

    counting_start = next_working_moment

    def _add_us(self, o: int, t: int, remaining: int) -> dt.datetime:
        """Add ``remaining`` µs (> 0) of session time to the local position (o, t)."""
        day = self._day
        for s, e in day(o)[0]:
            if t >= e:
                continue
            start = s if t < s else t
            available = e - start
            if remaining <= available:
                return _make(o, start + remaining)
            remaining -= available
        idle_since = o = o + 1
        while True:
            info = day(o)
            total = info[1]
            if remaining > total:
                remaining -= total
                if total:
                    idle_since = o + 1
                elif o - idle_since >= MAX_IDLE_DAYS:
                    raise self._idle_error(idle_since)
                o += 1
                continue
            for s, e in info[0]:
                span = e - s
                if remaining <= span:
                    return _make(o, s + remaining)
                remaining -= span
            raise AssertionError("unreachable: more remaining than the day holds")

    def add_working_hours(self, moment: dt.datetime, hours: object) -> dt.datetime:
        """``moment`` + ``hours`` of session time. The result may be exactly a closing time
        (Monday 07:30 + 8 h = Monday 17:00). 0 hours gives :meth:`next_working_moment`."""
        o, t = _local(moment)
        us = _hours_to_us(hours)
        if us == 0:
            return _make(*self._next_working(o, t))
        return self._add_us(o, t, us)

    def add_working_days(self, moment: dt.datetime, n: object) -> dt.datetime:
        """``moment`` + n × ``working_day_hours`` working hours (Thanh Hóa's algorithm, vn-spec
        §9.6): received Friday 16:30, 3 working days later is the third working day at 16:30; a
        half-day closure costs half a day."""
        o, t = _local(moment)
        if isinstance(n, int) and not isinstance(n, bool):
            if n < 0:
                raise ValueError(gettext("Thời hạn không được âm."))
            us = n * self._day_us
        elif isinstance(n, Decimal | float):
            us = _hours_to_us(Decimal(n) * self.schedule.working_day_hours)
        else:
            raise TypeError(f"Unsupported number of working days {n!r}.")
        if us == 0:
            return _make(*self._next_working(o, t))
        return self._add_us(o, t, us)

    def _end_of_day_period(self, o: int) -> dt.datetime:
        """Civil Code Art. 148: the period ends at the end of day ``o``, or of the next working
        day when ``o`` is a day off; the office's end of day is its closing moment."""
        return self._closing(self._first_working_day(o))

    def add_calendar_days(self, moment: dt.datetime, n: object) -> dt.datetime:
        """Civil Code 2015 Art. 147–148: the day counting starts is not counted; the period
        ends at the closing moment of the n-th day after it, or of the next working day when
        that day is a weekly rest day or a holiday."""
        days = _whole(n, _DAYS_WORD)
        o, t = _local(moment)
        o, _t = self._next_working(o, t)
        return self._end_of_day_period(o + days)

    def add_months(self, moment: dt.datetime, n: object) -> dt.datetime:
        """Civil Code 2015 Art. 147–148: ends on the corresponding day of the last month (its
        last day when there is none: 31/01 + 1 month → 28/02), at the closing moment, moved to
        the next working day when that day is off."""
        months = _whole(n, _MONTHS_WORD)
        o, t = _local(moment)
        o, _t = self._next_working(o, t)
        start = dt.date.fromordinal(o)
        year, month0 = divmod(start.month - 1 + months, 12)
        year += start.year
        month = month0 + 1
        next_first = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
        last_day = (next_first - dt.timedelta(days=1)).day
        target = dt.date(year, month, min(start.day, last_day))
        return self._end_of_day_period(target.toordinal())

    def same_day(self, moment: dt.datetime) -> dt.datetime:
        """ "Trong ngày": received inside working hours at or before the cut-off (15:00, compared
        to the minute as printed on the receipt) ⇒ the closing moment of that day; otherwise
        counting starts at the next opening, and ⇒ the closing moment of that day when the
        opening is before the cut-off (Saturday 09:00 ⇒ Monday 17:00), else of the next working
        day (Friday 15:01 ⇒ Monday 17:00)."""
        o, t = _local(moment)
        o, t = self._next_working(o, t)
        if t - t % _US_PER_MINUTE <= self._cutoff_us:
            return self._closing(o)
        return self._closing(self._first_working_day(o + 1))

    def working_time_between(self, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
        """Session time between two moments; negative when ``b`` is before ``a``."""
        oa, ta = _local(a)
        ob, tb = _local(b)
        if (ob, tb) < (oa, ta):
            return -self.working_time_between(b, a)
        day = self._day

        def part(o: int, lo: int, hi: int) -> int:
            return sum(max(0, min(e, hi) - max(s, lo)) for s, e in day(o)[0])

        if oa == ob:
            return dt.timedelta(microseconds=part(oa, ta, tb))
        total = part(oa, ta, _US_PER_DAY) + part(ob, 0, tb)
        for o in range(oa + 1, ob):
            total += day(o)[1]
        return dt.timedelta(microseconds=total)

    def add(self, moment: dt.datetime, quantity: object, unit: TimeUnit | str) -> dt.datetime:
        """Add a processing time given as quantity and :class:`TimeUnit`."""
        try:
            unit = TimeUnit(unit)
        except ValueError as exc:
            raise ValueError(
                gettext("Đơn vị thời hạn không hợp lệ: %(unit)s.") % {"unit": unit}
            ) from exc
        if unit == TimeUnit.WORKING_DAYS:
            return self.add_working_days(moment, quantity)
        if unit == TimeUnit.WORKING_HOURS:
            return self.add_working_hours(moment, quantity)
        if unit == TimeUnit.CALENDAR_DAYS:
            return self.add_calendar_days(moment, quantity)
        if unit == TimeUnit.MONTHS:
            return self.add_months(moment, quantity)
        # The quantity of "same day" means nothing; 1 (or 0, or None) is accepted.
        if quantity is not None and (isinstance(quantity, bool) or quantity not in (0, 1)):
            raise ValueError(
                gettext("Thời hạn “trong ngày” không có số lượng khác 1: %(q)s.") % {"q": quantity}
            )
        return self.same_day(moment)


# ---------------------------------------------------------------------------------------------
# Loading from the database


def schedule_from_model(row: WorkSchedule) -> Schedule:
    """A :class:`Schedule` from a ``WorkSchedule`` row (uses prefetched periods when present)."""
    periods = tuple(
        SessionHours(
            starts_month=p.starts_month,
            starts_day=p.starts_day,
            morning_start=p.morning_start,
            morning_end=p.morning_end,
            afternoon_start=p.afternoon_start,
            afternoon_end=p.afternoon_end,
            name=p.name,
        )
        for p in row.periods.all()
    )
    return Schedule(
        rest_weekdays=frozenset(int(d) for d in row.rest_weekdays),
        same_day_cutoff=row.same_day_cutoff,
        working_day_hours=Decimal(row.working_day_hours),
        periods=periods,
        name=row.name,
    )


class _DatabaseYearLoader:
    """Reads the exceptional days of one year (seeding the year first when needed)."""

    def __init__(self) -> None:
        self._seeded: set[int] | None = None

    def __call__(self, year: int) -> dict[dt.date, ExceptionalDay]:
        from .models import CalendarDay, CalendarYear
        from .services import ensure_year_seeded

        if self._seeded is None:
            self._seeded = set(CalendarYear.objects.values_list("year", flat=True))
        if year not in self._seeded:
            ensure_year_seeded(year)
            self._seeded.add(year)
        rows = CalendarDay.objects.filter(
            date__gte=dt.date(year, 1, 1), date__lte=dt.date(year, 12, 31)
        ).values_list("date", "kind", "name", "closed_half", "source")
        return {
            d: ExceptionalDay(d, kind, name, half, source) for d, kind, name, half, source in rows
        }


def calendar_for(center: Any = None, *, schedule: Any = None) -> WorkingCalendar:
    """The working calendar of ``center`` (an ``organization.Center``): its work schedule, else
    the default schedule, else :func:`builtin_default_schedule`. ``schedule`` (a
    ``WorkSchedule`` row or a :class:`Schedule`) overrides the choice. Exceptional days are
    read from the database lazily, one query per year; years never seeded are seeded first."""
    from .models import WorkSchedule

    spec: Schedule | None = None
    if isinstance(schedule, Schedule):
        spec = schedule
    elif isinstance(schedule, WorkSchedule):
        spec = schedule_from_model(schedule)
    elif schedule is not None:
        raise TypeError(f"schedule must be a WorkSchedule or a Schedule, not {schedule!r}.")
    else:
        rows = WorkSchedule.objects.prefetch_related("periods")
        schedule_id = getattr(center, "work_schedule_id", None) if center is not None else None
        row = (
            rows.filter(pk=schedule_id).first()
            if schedule_id is not None
            else rows.filter(is_default=True).first()
        )
        spec = schedule_from_model(row) if row is not None else builtin_default_schedule()
    return WorkingCalendar(spec, year_loader=_DatabaseYearLoader())
