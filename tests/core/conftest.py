"""Fixtures of the working-time calendar tests: local moments and DB-loaded calendars."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from motcua.core.calendar import LOCAL_TZ, WorkingCalendar, calendar_for
from motcua.core.models import WorkSchedule, WorkSchedulePeriod


def at(text: str) -> dt.datetime:
    """``"2026-02-13 16:30"`` (optionally with seconds) as an aware Vietnam-time moment."""
    fmt = "%Y-%m-%d %H:%M:%S" if text.count(":") == 2 else "%Y-%m-%d %H:%M"
    return dt.datetime.strptime(text, fmt).replace(tzinfo=LOCAL_TZ)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.fixture
def cal(db: None) -> WorkingCalendar:
    """The default calendar, loaded from the database (years are seeded on first use)."""
    return calendar_for()


@pytest.fixture
def fresh_calendar(db: None) -> Callable[[], WorkingCalendar]:
    """Builds a new DB-loaded calendar, as the next request would."""
    return calendar_for


@pytest.fixture
def seasonal_schedule(db: None) -> WorkSchedule:
    """Summer hours from 15/04 (07:00–11:30, 13:30–17:00), winter hours from 15/10
    (07:30–11:30, 13:00–17:00): the winter period also covers 01/01–14/04."""
    schedule = WorkSchedule.objects.create(
        code="mua-he-dong", name="Giờ làm việc theo mùa", rest_weekdays=[5, 6]
    )
    WorkSchedulePeriod.objects.create(
        schedule=schedule,
        name="Mùa hè",
        starts_month=4,
        starts_day=15,
        morning_start=dt.time(7, 0),
        morning_end=dt.time(11, 30),
        afternoon_start=dt.time(13, 30),
        afternoon_end=dt.time(17, 0),
    )
    WorkSchedulePeriod.objects.create(
        schedule=schedule,
        name="Mùa đông",
        starts_month=10,
        starts_day=15,
        morning_start=dt.time(7, 30),
        morning_end=dt.time(11, 30),
        afternoon_start=dt.time(13, 0),
        afternoon_end=dt.time(17, 0),
    )
    return schedule
