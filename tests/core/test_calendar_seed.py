"""Seeding a year from the ``holidays`` package: what it stores, idempotency, administrators'
rows, swaps across years, a package whose internals changed, concurrent seeding."""

from __future__ import annotations

import datetime as dt
import logging
import threading

import holidays
import pytest
from django.db import connection, connections

from motcua.core import holiday_seed, services
from motcua.core.calendar import calendar_for
from motcua.core.models import CalendarDay, CalendarYear, DayKind, DaySource

from .conftest import day

SEEDED_2026 = [
    pytest.param("2026-01-01", DayKind.HOLIDAY, "Tết Dương lịch", id="tet-duong-lich"),
    pytest.param("2026-02-16", DayKind.HOLIDAY, "Giao thừa Tết Nguyên Đán", id="giao-thua"),
    pytest.param("2026-02-20", DayKind.HOLIDAY, "Mùng bốn Tết Nguyên Đán", id="mung-bon"),
    pytest.param("2026-04-26", DayKind.HOLIDAY, "Ngày Giỗ Tổ Hùng Vương", id="gio-to-sunday"),
    pytest.param(
        "2026-04-27",
        DayKind.COMPENSATORY,
        "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)",
        id="gio-to-observed-monday",
    ),
    pytest.param(
        "2026-08-22",
        DayKind.SWAPPED_WORKING,
        "Làm bù cho ngày 31/08/2026",
        id="swapped-working-saturday",
    ),
    pytest.param(
        "2026-08-31",
        DayKind.SWAPPED_OFF,
        "Ngày nghỉ (thay cho ngày 22/08/2026)",
        id="swapped-off-monday",
    ),
    pytest.param("2026-11-24", DayKind.HOLIDAY, "Ngày Văn hóa Việt Nam", id="van-hoa-24-11"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("date", "kind", "name"), SEEDED_2026)
def test_seeded_rows_2026(date: str, kind: str, name: str) -> None:
    services.seed_year(2026)
    row = CalendarDay.objects.get(date=day(date))
    assert (row.kind, row.name, row.source) == (kind, name, DaySource.SEEDED)
    assert row.legal_basis


@pytest.mark.django_db
def test_seeded_legal_basis_and_version() -> None:
    report = services.seed_year(2026)
    assert CalendarDay.objects.get(date=day("2026-09-02")).legal_basis == (
        "Bộ luật Lao động 2019, Điều 112"
    )
    year = CalendarYear.objects.get(year=2026)
    assert year.source_version == f"holidays {holidays.__version__}" == report.source_version


@pytest.mark.django_db
def test_tet_2025_observed_days_cover_the_official_break() -> None:
    """Civil servants were off 25/01–02/02/2025; the package gives 27/01 as an observed day
    ("29 Tết") and 28/01–01/02 as Tết: every weekday of the break is off."""
    services.seed_year(2025)
    kinds = dict(
        CalendarDay.objects.filter(date__range=(day("2025-01-25"), day("2025-02-02"))).values_list(
            "date", "kind"
        )
    )
    assert kinds[day("2025-01-27")] == DayKind.COMPENSATORY
    assert all(kinds[day(f"2025-01-{d}")] == DayKind.HOLIDAY for d in (28, 29, 30, 31))


@pytest.mark.django_db
def test_reseeding_is_idempotent() -> None:
    first = services.seed_year(2026)
    rows = list(CalendarDay.objects.values_list("date", "kind", "name", "source"))
    second = services.seed_year(2026)
    assert first.created == len(rows) and first.year_created
    assert (second.created, second.updated, second.unchanged) == (0, 0, len(rows))
    assert not second.year_created
    assert list(CalendarDay.objects.values_list("date", "kind", "name", "source")) == rows
    assert CalendarYear.objects.filter(year=2026).count() == 1


@pytest.mark.django_db
def test_reseeding_never_overwrites_admin_rows() -> None:
    services.seed_year(2026)
    services.add_calendar_day(
        date=day("2026-08-31"), kind=DayKind.EXTRA_OFF, name="Nghỉ theo quyết định của tỉnh"
    )
    report = services.seed_year(2026)
    row = CalendarDay.objects.get(date=day("2026-08-31"))
    assert (row.kind, row.name, row.source) == (
        DayKind.EXTRA_OFF,
        "Nghỉ theo quyết định của tỉnh",
        DaySource.ADMIN,
    )
    assert report.kept_admin == 1


@pytest.mark.django_db
def test_reseeding_refreshes_rows_from_an_older_package() -> None:
    services.seed_year(2026)
    CalendarDay.objects.filter(date=day("2026-04-27")).update(name="Tên cũ", kind="holiday")
    report = services.seed_year(2026)
    row = CalendarDay.objects.get(date=day("2026-04-27"))
    assert (row.kind, row.name) == (DayKind.COMPENSATORY, "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)")
    assert report.updated == 1


@pytest.mark.django_db
def test_ensure_year_seeded_once() -> None:
    assert services.ensure_year_seeded(2027) is True
    count = CalendarDay.objects.count()
    assert services.ensure_year_seeded(2027) is False
    assert CalendarDay.objects.count() == count > 0


@pytest.mark.django_db
def test_loader_seeds_a_year_on_first_use() -> None:
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not calendar_for().is_working_day(day("2027-02-10"))  # Mùng năm Tết, observed
    assert CalendarYear.objects.filter(year=2027).exists()


@pytest.mark.django_db
def test_swap_worked_in_the_previous_year_is_stored_and_honoured() -> None:
    """Day off Friday 02/01/2015, worked on Saturday 27/12/2014."""
    services.seed_year(2015)
    row = CalendarDay.objects.get(date=dt.date(2014, 12, 27))
    assert (row.kind, row.name) == (DayKind.SWAPPED_WORKING, "Làm bù cho ngày 02/01/2015")
    cal = calendar_for()
    assert cal.is_working_day(dt.date(2014, 12, 27))
    assert not cal.is_working_day(dt.date(2015, 1, 2))


@pytest.mark.django_db
def test_seeding_the_earlier_year_alone_finds_the_worked_day() -> None:
    """A calendar that only needs December 2014 still sees the Saturday worked for 02/01/2015."""
    assert calendar_for().is_working_day(dt.date(2014, 12, 27))
    assert not CalendarYear.objects.filter(year=2015).exists()


def test_missing_swap_table_is_skipped_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from holidays.countries.vietnam import VietnamStaticHolidays

    monkeypatch.delattr(VietnamStaticHolidays, "special_public_holidays")
    with caplog.at_level(logging.WARNING, logger="motcua.core.holiday_seed"):
        rows = holiday_seed.seed_days(2025)
    kinds = {r.date: r.kind for r in rows}
    assert kinds[dt.date(2025, 4, 30)] == DayKind.HOLIDAY
    assert DayKind.SWAPPED_WORKING not in kinds.values()
    assert "special_public_holidays" in caplog.text


def test_unreadable_swap_entry_is_skipped_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from holidays.countries.vietnam import VietnamStaticHolidays

    table = dict(VietnamStaticHolidays.special_public_holidays)
    table[2025] = ((5, 2, "26/04"), (5, 2, 4, 26))
    monkeypatch.setattr(VietnamStaticHolidays, "special_public_holidays", table)
    with caplog.at_level(logging.WARNING, logger="motcua.core.holiday_seed"):
        rows = holiday_seed.seed_days(2025)
    kinds = {r.date: r.kind for r in rows}
    assert kinds[dt.date(2025, 4, 26)] == DayKind.SWAPPED_WORKING  # the readable entry
    assert "Unreadable swap" in caplog.text


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_seeding_of_one_year_creates_it_once() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers")
    barrier = threading.Barrier(4)
    results: list[bool] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(services.ensure_year_seeded(2031))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == [False, False, False, True]
    assert CalendarYear.objects.filter(year=2031).count() == 1
    expected = len(holiday_seed.seed_days(2031))
    assert CalendarDay.objects.filter(date__year=2031).count() == expected
