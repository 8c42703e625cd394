"""Guards and inputs of the calendar: naive datetimes, misconfiguration, periods as text,
duration types, and how much the database is asked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from motcua.core.calendar import (
    CalendarConfigurationError,
    ExceptionalDay,
    Schedule,
    SessionHours,
    TimeUnit,
    WorkingCalendar,
    calendar_for,
    describe_period,
    format_moment,
    parse_period,
)

from .conftest import at, day

NAIVE = dt.datetime(2026, 3, 9, 10, 0)

OPERATIONS = [
    pytest.param(lambda c: c.next_working_moment(NAIVE), id="next_working_moment"),
    pytest.param(lambda c: c.add_working_hours(NAIVE, 1), id="add_working_hours"),
    pytest.param(lambda c: c.add_working_days(NAIVE, 1), id="add_working_days"),
    pytest.param(lambda c: c.add_calendar_days(NAIVE, 1), id="add_calendar_days"),
    pytest.param(lambda c: c.add_months(NAIVE, 1), id="add_months"),
    pytest.param(lambda c: c.same_day(NAIVE), id="same_day"),
    pytest.param(lambda c: c.add(NAIVE, 1, "working_days"), id="add"),
    pytest.param(
        lambda c: c.working_time_between(NAIVE, at("2026-03-10 10:00")), id="working_time_between"
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("operation", OPERATIONS)
def test_naive_datetime_is_refused(cal: WorkingCalendar, operation: Any) -> None:
    with pytest.raises(ValueError, match="Naive datetime"):
        operation(cal)


def _closed_for(days: int) -> WorkingCalendar:
    """Every weekday from 01/03/2026 on is declared off for ``days`` days."""
    start = dt.date(2026, 3, 1)
    closed = [
        ExceptionalDay(start + dt.timedelta(days=i), "extra_off", "Đóng cửa") for i in range(days)
    ]
    return WorkingCalendar(Schedule(name="Lịch lỗi"), closed)


RUNAWAY = [
    pytest.param(lambda c: c.add_working_days(at("2026-02-27 16:00"), 1), id="working-days"),
    pytest.param(lambda c: c.next_working_moment(at("2026-03-02 09:00")), id="next-moment"),
    pytest.param(lambda c: c.same_day(at("2026-03-02 09:00")), id="same-day"),
    pytest.param(lambda c: c.add_calendar_days(at("2026-02-27 09:00"), 3), id="calendar-days"),
]


@pytest.mark.parametrize("operation", RUNAWAY)
def test_runaway_guard_on_a_calendar_without_working_days(operation: Any) -> None:
    with pytest.raises(CalendarConfigurationError, match="không có ngày làm việc nào trong 400"):
        operation(_closed_for(500))


def test_a_long_closure_under_the_guard_still_computes() -> None:
    cal = _closed_for(300)
    # Friday 27/02 16:00–17:00, closed 01/03–25/12, then Monday 28/12 from 07:30.
    assert cal.add_working_days(at("2026-02-27 16:00"), 1) == at("2026-12-28 16:00")


def test_runaway_guard_with_every_weekday_a_rest_day() -> None:
    cal = WorkingCalendar(Schedule(rest_weekdays=frozenset(range(7)), name="Nghỉ cả tuần"))
    with pytest.raises(CalendarConfigurationError, match="Nghỉ cả tuần"):
        cal.add_working_hours(at("2026-03-09 10:00"), 1)


@pytest.mark.django_db
def test_a_swapped_working_day_opens_even_a_schedule_resting_all_week() -> None:
    cal = calendar_for(schedule=Schedule(rest_weekdays=frozenset(range(7)), name="Nghỉ cả tuần"))
    assert cal.next_working_moment(at("2026-08-01 10:00")) == at("2026-08-22 07:30")


PERIODS = [
    pytest.param("3 working_days", Decimal(3), TimeUnit.WORKING_DAYS, id="working-days"),
    pytest.param("  10   Working_Days ", Decimal(10), TimeUnit.WORKING_DAYS, id="spaces-case"),
    pytest.param("4 working_hours", Decimal(4), TimeUnit.WORKING_HOURS, id="working-hours"),
    pytest.param("0.5 working_days", Decimal("0.5"), TimeUnit.WORKING_DAYS, id="decimal-point"),
    pytest.param(
        "0,5 ngày làm việc", Decimal("0.5"), TimeUnit.WORKING_DAYS, id="vietnamese-decimal-comma"
    ),
    pytest.param("30 calendar_days", Decimal(30), TimeUnit.CALENDAR_DAYS, id="calendar-days"),
    pytest.param("30 ngày", Decimal(30), TimeUnit.CALENDAR_DAYS, id="vietnamese-days"),
    pytest.param("1 months", Decimal(1), TimeUnit.MONTHS, id="months"),
    pytest.param("2 tháng", Decimal(2), TimeUnit.MONTHS, id="vietnamese-months"),
    pytest.param("same_day", Decimal(1), TimeUnit.SAME_DAY, id="same-day-without-quantity"),
    pytest.param("trong ngày", Decimal(1), TimeUnit.SAME_DAY, id="vietnamese-same-day"),
]


@pytest.mark.parametrize(("text", "quantity", "unit"), PERIODS)
def test_parse_period(text: str, quantity: Decimal, unit: TimeUnit) -> None:
    assert parse_period(text) == (quantity, unit)


BAD_PERIODS = [
    pytest.param("3 weeks", "Không hiểu thời hạn", id="unknown-unit"),
    pytest.param("", "Không hiểu thời hạn", id="empty"),
    pytest.param("three working_days", "Không hiểu thời hạn", id="quantity-in-words"),
    pytest.param("-3 working_days", "Không hiểu thời hạn", id="negative"),
    pytest.param("working_days", "Thiếu số lượng", id="missing-quantity"),
    pytest.param("1.5 months", "phải là số nguyên", id="fractional-months"),
    pytest.param("2.5 calendar_days", "phải là số nguyên", id="fractional-calendar-days"),
    pytest.param("2 same_day", "trong ngày", id="same-day-with-quantity"),
]


@pytest.mark.parametrize(("text", "message"), BAD_PERIODS)
def test_parse_period_refuses_bad_text_in_vietnamese(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_period(text)


def test_describe_period() -> None:
    assert describe_period(Decimal("3"), TimeUnit.WORKING_DAYS) == "3 ngày làm việc"
    assert describe_period(Decimal("0.5"), "working_days") == "0,5 ngày làm việc"
    assert describe_period(Decimal("30"), TimeUnit.CALENDAR_DAYS) == "30 ngày"
    assert describe_period(1, TimeUnit.SAME_DAY) == "trong ngày"


DURATIONS = [
    pytest.param(2, id="int"),
    pytest.param(2.0, id="float"),
    pytest.param(Decimal("2"), id="decimal"),
    pytest.param(dt.timedelta(hours=2), id="timedelta"),
]


@pytest.mark.parametrize("hours", DURATIONS)
def test_working_hours_accept_every_duration_type(hours: object) -> None:
    cal = WorkingCalendar()
    assert cal.add_working_hours(at("2026-03-09 10:30"), hours) == at("2026-03-09 14:00")


def test_zero_hours_is_the_next_working_moment() -> None:
    cal = WorkingCalendar()
    assert cal.add_working_hours(at("2026-03-09 17:00"), 0) == at("2026-03-10 07:30")
    assert cal.add_working_days(at("2026-03-09 12:00"), 0) == at("2026-03-09 13:00")


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda c: c.add_working_hours(at("2026-03-09 10:00"), -1), id="hours"),
        pytest.param(lambda c: c.add_working_days(at("2026-03-09 10:00"), -1), id="days"),
        pytest.param(lambda c: c.add_calendar_days(at("2026-03-09 10:00"), -1), id="calendar"),
        pytest.param(lambda c: c.add_months(at("2026-03-09 10:00"), 1.5), id="fraction-month"),
        pytest.param(lambda c: c.add(at("2026-03-09 10:00"), 1, "weeks"), id="unknown-unit"),
        pytest.param(lambda c: c.add(at("2026-03-09 10:00"), 3, "same_day"), id="same-day-3"),
    ],
)
def test_bad_amounts_are_refused(call: Any) -> None:
    with pytest.raises(ValueError):
        call(WorkingCalendar())


def test_pure_engine_with_plain_data() -> None:
    """The engine needs no database: a schedule and a mapping of exceptional days."""
    cal = WorkingCalendar(
        Schedule(
            rest_weekdays=frozenset({6}),
            same_day_cutoff=dt.time(16, 0),
            working_day_hours=Decimal("7.5"),
            periods=(
                SessionHours(
                    morning_start=dt.time(8, 0),
                    morning_end=dt.time(12, 0),
                    afternoon_start=dt.time(13, 30),
                    afternoon_end=dt.time(17, 0),
                ),
            ),
        ),
        {day("2026-03-10"): ExceptionalDay(day("2026-03-10"), "holiday", "Lễ")},
    )
    assert cal.add_working_days(at("2026-03-09 08:00"), 1) == at("2026-03-09 17:00")
    assert cal.add_working_days(at("2026-03-09 09:00"), 1) == at("2026-03-11 09:00")
    assert cal.same_day(at("2026-03-09 15:59")) == at("2026-03-09 17:00")
    assert cal.same_day(at("2026-03-09 16:01")) == at("2026-03-11 17:00")
    assert cal.is_working_day(day("2026-03-14"))  # Saturday works, only Sunday is off


def test_session_hours_must_be_ordered() -> None:
    with pytest.raises(ValueError):
        SessionHours(morning_start=dt.time(13, 0), morning_end=dt.time(11, 0))
    with pytest.raises(ValueError):
        SessionHours(starts_month=2, starts_day=30)


def test_format_moment_in_vietnamese() -> None:
    assert format_moment(at("2026-02-25 16:30")) == "16:30 Thứ Tư, 25/02/2026"
    assert format_moment(at("2026-03-08 07:05")) == "07:05 Chủ nhật, 08/03/2026"


@pytest.mark.django_db
def test_one_query_per_year_and_none_once_loaded(
    cal: WorkingCalendar, django_assert_num_queries: Any
) -> None:
    cal.is_working_day(day("2026-01-01"))  # seeds 2026 and loads it
    with django_assert_num_queries(0):
        for h in range(1, 200):
            cal.add_working_hours(at("2026-03-09 10:00"), h)
    # the schedule, its periods, the seeded years, the days of 2026
    with django_assert_num_queries(4):
        fresh = calendar_for()
        fresh.add_working_days(at("2026-03-09 10:00"), 3)
    calendar_for().is_working_day(day("2027-01-04"))  # seeds 2027
    later = calendar_for()
    later.add_working_days(at("2026-03-09 10:00"), 3)
    with django_assert_num_queries(1):  # the days of 2027
        later.add_working_days(at("2026-12-30 10:00"), 3)


@pytest.mark.django_db
def test_working_hours_agree_with_minute_by_minute_counting(seasonal_schedule: Any) -> None:
    """Against a slow oracle that walks the sessions minute by minute, over winter, summer,
    Tết 2026, the swapped days of 2026 and an admin half-day closure."""
    import random

    from motcua.core import services
    from motcua.core.models import DayHalf, DayKind

    services.add_calendar_day(
        date=day("2026-03-13"),
        kind=DayKind.HALF_DAY_CLOSURE,
        closed_half=DayHalf.AFTERNOON,
        name="Nghỉ buổi chiều",
    )
    cal = calendar_for(schedule=seasonal_schedule)

    def oracle(moment: dt.datetime, minutes: int) -> dt.datetime:
        t, counted = moment, 0
        while True:
            if any(s <= t < e for s, e in cal.working_intervals(t.date())):
                counted += 1
                if counted == minutes:
                    return t + dt.timedelta(minutes=1)
            t += dt.timedelta(minutes=1)

    rng = random.Random(20260213)
    start = at("2026-01-20 00:00")
    for _ in range(120):
        moment = start + dt.timedelta(minutes=rng.randrange(60 * 24 * 240))
        minutes = rng.choice([1, 45, 240, 270, 480, 481, 960])
        due = cal.add_working_hours(moment, dt.timedelta(minutes=minutes))
        assert due == oracle(moment, minutes), (moment, minutes)
        assert cal.working_time_between(moment, due) == dt.timedelta(minutes=minutes)
