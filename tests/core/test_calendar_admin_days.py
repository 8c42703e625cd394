"""Days an administrator adds (a half-day closure, an extra day off, a swap the package misses)
change the next calendar built from the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from motcua.core import services
from motcua.core.calendar import WorkingCalendar
from motcua.core.models import CalendarDay, DayHalf, DayKind, DaySource

from .conftest import at, day


@pytest.fixture
def afternoon_closed(db: None) -> CalendarDay:
    """Friday 13/03/2026: the office closes in the afternoon (e.g. a provincial event)."""
    return services.add_calendar_day(
        date=day("2026-03-13"),
        kind=DayKind.HALF_DAY_CLOSURE,
        closed_half=DayHalf.AFTERNOON,
        name="Nghỉ buổi chiều tổ chức sự kiện",
    )


@pytest.fixture
def morning_closed(db: None) -> CalendarDay:
    return services.add_calendar_day(
        date=day("2026-03-13"),
        kind=DayKind.HALF_DAY_CLOSURE,
        closed_half=DayHalf.MORNING,
        name="Nghỉ buổi sáng",
    )


HALF_DAY = [
    # Without the closure: Thu 6.5 h + Fri 8 h + Mon 1.5 h ⇒ Monday 09:00.
    pytest.param(
        "2026-03-12 09:00", 2, "2026-03-16 14:30", id="two-working-days-lose-the-closed-afternoon"
    ),
    pytest.param(
        "2026-03-13 10:00",
        "same_day",
        "2026-03-13 11:30",
        id="same-day-in-the-open-morning-due-at-11h30",
    ),
    pytest.param(
        "2026-03-13 13:30",
        "same_day",
        "2026-03-16 17:00",
        id="same-day-in-the-closed-afternoon-next-working-day",
    ),
    pytest.param(
        "2026-03-12 10:00",
        "calendar_day",
        "2026-03-13 11:30",
        id="calendar-day-ending-on-the-half-day-ends-at-its-closing",
    ),
]


@pytest.mark.parametrize(("received", "how", "expected"), HALF_DAY)
def test_afternoon_closure(
    afternoon_closed: CalendarDay,
    fresh_calendar: Callable[[], WorkingCalendar],
    received: str,
    how: object,
    expected: str,
) -> None:
    cal = fresh_calendar()
    if how == "same_day":
        due = cal.same_day(at(received))
    elif how == "calendar_day":
        due = cal.add_calendar_days(at(received), 1)
    else:
        due = cal.add_working_days(at(received), how)
    assert due == at(expected)
    assert cal.working_intervals(day("2026-03-13")) == [
        (at("2026-03-13 07:30"), at("2026-03-13 11:30"))
    ]


def test_morning_closure(
    morning_closed: CalendarDay, fresh_calendar: Callable[[], WorkingCalendar]
) -> None:
    cal = fresh_calendar()
    assert cal.next_working_moment(at("2026-03-13 08:00")) == at("2026-03-13 13:00")
    assert cal.add_working_hours(at("2026-03-13 09:00"), 1) == at("2026-03-13 14:00")
    assert cal.is_working_day(day("2026-03-13"))


def test_admin_swap_missing_from_package_is_honoured_by_next_calendar(
    fresh_calendar: Callable[[], WorkingCalendar],
) -> None:
    """Tết Dương lịch 2026: the government moved Friday 02/01 to Saturday 10/01."""
    before = fresh_calendar()
    assert before.add_working_days(at("2025-12-31 10:00"), 1) == at("2026-01-02 10:00")

    services.add_calendar_day(
        date=day("2026-01-02"),
        kind=DayKind.SWAPPED_OFF,
        name="Ngày nghỉ (thay cho ngày 10/01/2026)",
    )
    services.add_calendar_day(
        date=day("2026-01-10"),
        kind=DayKind.SWAPPED_WORKING,
        name="Làm bù cho ngày 02/01/2026",
    )
    after = fresh_calendar()
    assert after.add_working_days(at("2025-12-31 10:00"), 1) == at("2026-01-05 10:00")
    assert after.add_working_days(at("2026-01-09 13:00"), 1) == at("2026-01-10 11:30")
    assert after.same_day(at("2026-01-10 14:00")) == at("2026-01-10 17:00")


def test_admin_extra_day_off_is_honoured_and_replaces_nothing_else(
    fresh_calendar: Callable[[], WorkingCalendar],
) -> None:
    assert fresh_calendar().add_working_days(at("2026-03-09 10:00"), 1) == at("2026-03-10 10:00")
    row = services.add_calendar_day(
        date=day("2026-03-10"), kind=DayKind.EXTRA_OFF, name="Nghỉ theo quyết định của UBND tỉnh"
    )
    assert row.source == DaySource.ADMIN
    assert fresh_calendar().add_working_days(at("2026-03-09 10:00"), 1) == at("2026-03-11 10:00")
    assert fresh_calendar().is_working_day(day("2026-03-11"))


def test_admin_day_replaces_a_seeded_day(fresh_calendar: Callable[[], WorkingCalendar]) -> None:
    fresh_calendar().is_working_day(day("2026-09-02"))  # seeds 2026
    seeded = CalendarDay.objects.get(date=day("2026-09-02"))
    assert seeded.source == DaySource.SEEDED
    services.add_calendar_day(
        date=day("2026-09-02"),
        kind=DayKind.HOLIDAY,
        name="Quốc khánh (sửa tên)",
        legal_basis="Bộ luật Lao động 2019, Điều 112",
    )
    seeded.refresh_from_db()
    assert (seeded.source, seeded.name) == (DaySource.ADMIN, "Quốc khánh (sửa tên)")
    assert CalendarDay.objects.filter(date=day("2026-09-02")).count() == 1


def test_half_day_closure_needs_its_half(db: None) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.add_calendar_day(
            date=dt.date(2026, 3, 13), kind=DayKind.HALF_DAY_CLOSURE, name="Thiếu buổi"
        )
    assert not CalendarDay.objects.filter(date=dt.date(2026, 3, 13)).exists()
