"""Work schedules: seasonal hours, a centre's own schedule, the default and the built-in one."""

from __future__ import annotations

import datetime as dt

import pytest

from motcua.core.calendar import calendar_for
from motcua.core.models import WorkSchedule
from tests import factories

from .conftest import at, day

SEASONS = [
    pytest.param(
        "2026-01-06",
        ("07:30", "11:30", "13:00", "17:00"),
        id="january-is-winter-wrapping-from-15-10",
    ),
    pytest.param("2026-04-14", ("07:30", "11:30", "13:00", "17:00"), id="14-04-still-winter"),
    pytest.param("2026-04-15", ("07:00", "11:30", "13:30", "17:00"), id="15-04-summer-starts"),
    pytest.param("2026-10-14", ("07:00", "11:30", "13:30", "17:00"), id="14-10-still-summer"),
    pytest.param("2026-10-15", ("07:30", "11:30", "13:00", "17:00"), id="15-10-winter-starts"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("date", "hours"), SEASONS)
def test_seasonal_sessions(seasonal_schedule: WorkSchedule, date: str, hours: tuple) -> None:
    cal = calendar_for(schedule=seasonal_schedule)
    m0, m1, a0, a1 = (at(f"{date} {h}") for h in hours)
    assert cal.working_intervals(day(date)) == [(m0, m1), (a0, a1)]


SEASONAL_DEADLINES = [
    pytest.param(
        "add_working_hours",
        "2026-05-05 07:10",
        1,
        "2026-05-05 08:10",
        id="summer-07h10-is-already-open",
    ),
    pytest.param(
        "add_working_hours",
        "2026-01-06 07:10",
        1,
        "2026-01-06 08:30",
        id="winter-07h10-waits-for-07h30",
    ),
    pytest.param(
        "add_working_hours",
        "2026-04-14 16:00",
        2,
        "2026-04-15 08:00",
        id="crossing-into-summer-opens-at-07h",
    ),
    pytest.param(
        "add_working_hours",
        "2026-05-05 13:00",
        1,
        "2026-05-05 14:30",
        id="summer-lunch-until-13h30",
    ),
    pytest.param(
        "same_day", "2026-05-05 16:45", None, "2026-05-06 17:00", id="summer-same-day-after-cutoff"
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("operation", "received", "amount", "expected"), SEASONAL_DEADLINES)
def test_seasonal_deadlines(
    seasonal_schedule: WorkSchedule, operation: str, received: str, amount: object, expected: str
) -> None:
    cal = calendar_for(schedule=seasonal_schedule)
    method = getattr(cal, operation)
    due = method(at(received)) if amount is None else method(at(received), amount)
    assert due == at(expected)


@pytest.mark.django_db
def test_centre_uses_its_own_schedule(seasonal_schedule: WorkSchedule) -> None:
    province = factories.unit(name="UBND tỉnh Thanh Hóa")
    own = factories.center(province, code="hcc-thanh-hoa", work_schedule=seasonal_schedule)
    other = factories.center(province, code="hcc-xa-dong-son")
    summer_morning = at("2026-05-05 07:10")
    assert calendar_for(own).next_working_moment(summer_morning) == summer_morning
    assert calendar_for(other).next_working_moment(summer_morning) == at("2026-05-05 07:30")
    assert calendar_for(own).schedule.name == "Giờ làm việc theo mùa"
    assert calendar_for(other).schedule.name == "Giờ hành chính"


@pytest.mark.django_db
def test_centre_schedule_with_saturday_opening() -> None:
    """A centre open on Saturday mornings too counts Saturdays as working days."""
    schedule = WorkSchedule.objects.create(
        code="lam-thu-bay",
        name="Làm cả thứ Bảy",
        rest_weekdays=[6],
        working_day_hours=8,
    )
    province = factories.unit()
    centre = factories.center(province, work_schedule=schedule)
    cal = calendar_for(centre)
    assert cal.is_working_day(day("2026-03-07"))
    assert cal.add_working_days(at("2026-03-06 10:00"), 1) == at("2026-03-07 10:00")
    # A holiday falling on a Saturday closes it (Mùng bốn Tết, Saturday 01/02/2025).
    assert not cal.is_working_day(day("2025-02-01"))
    assert cal.add_working_days(at("2025-01-24 10:00"), 1) == at("2025-01-25 10:00")
    assert cal.add_working_days(at("2025-01-24 10:00"), 2) == at("2025-02-03 10:00")


@pytest.mark.django_db
def test_default_schedule_from_the_data_migration() -> None:
    row = WorkSchedule.objects.get(is_default=True)
    assert (row.code, row.name, row.rest_weekdays) == ("gio-hanh-chinh", "Giờ hành chính", [5, 6])
    assert row.same_day_cutoff == dt.time(15, 0)
    period = row.periods.get()
    assert (period.morning_start, period.afternoon_end) == (dt.time(7, 30), dt.time(17, 0))


@pytest.mark.django_db
def test_builtin_default_when_no_schedule_row() -> None:
    WorkSchedule.objects.all().delete()
    cal = calendar_for()
    assert cal.add_working_days(at("2026-02-13 16:30"), 3) == at("2026-02-25 16:30")
    assert cal.same_day(at("2026-03-06 15:01")) == at("2026-03-09 17:00")


@pytest.mark.django_db
def test_edited_default_schedule_is_seen_by_next_calendar() -> None:
    row = WorkSchedule.objects.get(is_default=True)
    period = row.periods.get()
    period.afternoon_end = dt.time(16, 30)
    period.save()
    assert calendar_for().closing_moment(day("2026-03-09")) == at("2026-03-09 16:30")
