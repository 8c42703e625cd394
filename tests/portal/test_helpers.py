"""How the public pages word money and time limits, and read the query string."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from motcua.catalog.models import Channel, Field, Level, OnlineLevel, ProcessingTime
from motcua.catalog.selectors import CatalogOptions
from motcua.core.calendar import TimeUnit
from motcua.portal.display import format_vnd, time_summary
from motcua.portal.search import QUERY_MAX_LENGTH, exact_code, parse_day, parse_search


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


@pytest.mark.parametrize(
    ("amount", "text"),
    [(0, "0 đồng"), (500, "500 đồng"), (8000, "8.000 đồng"), (1500000, "1.500.000 đồng")],
)
def test_money_is_written_the_vietnamese_way(amount, text):
    assert format_vnd(amount) == text


def times(*rows):
    return [
        ProcessingTime(channel=channel, quantity=None if q is None else Decimal(q), unit=unit)
        for channel, q, unit in rows
    ]


def test_one_time_limit_for_every_channel_is_said_once():
    rows = times(
        (Channel.COUNTER, "3", TimeUnit.WORKING_DAYS), (Channel.ONLINE, "3", TimeUnit.WORKING_DAYS)
    )
    assert time_summary(rows) == "3 ngày làm việc"


def test_different_limits_are_given_per_channel_with_shared_ones_grouped():
    rows = times(
        (Channel.COUNTER, "5", TimeUnit.WORKING_DAYS),
        (Channel.ONLINE, "3", TimeUnit.WORKING_DAYS),
        (Channel.POSTAL, "5", TimeUnit.WORKING_DAYS),
    )
    assert time_summary(rows) == (
        "Trực tiếp, Bưu chính công ích: 5 ngày làm việc; Trực tuyến: 3 ngày làm việc"
    )


def test_fractions_hours_and_same_day_in_words():
    assert time_summary(times((Channel.COUNTER, "0.5", TimeUnit.WORKING_DAYS))) == (
        "0,5 ngày làm việc"
    )
    assert time_summary(times((Channel.COUNTER, "4", TimeUnit.WORKING_HOURS))) == "4 giờ làm việc"
    assert time_summary(times((Channel.COUNTER, None, TimeUnit.SAME_DAY))) == "trong ngày"
    assert time_summary([]) == ""


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("1.001193", "1.001193"),
        ("  1.001193\r\n", "1.001193"),  # a scanner's line ending
        ("TAM.0A1B2C3D", "TAM.0a1b2c3d"),
        ("tam.0a1b2c3d", "TAM.0a1b2c3d"),
        ("https://dichvu.example.vn/thu-tuc/1.001193/", "1.001193"),
        ("/kiosk/thu-tuc/2.000815/?ngay=2026-01-01", "2.000815"),
        ("1.00119", None),
        ("1.001193 khai sinh", None),
        ("khai sinh", None),
        ("", None),
        ("https://example.vn/khac/1.001193", None),
    ],
)
def test_exact_code(typed, code):
    assert exact_code(typed) == code


@pytest.mark.parametrize(
    ("raw", "day"),
    [
        ("2025-07-01", dt.date(2025, 7, 1)),
        ("01/07/2025", dt.date(2025, 7, 1)),
        ("1/7/2025", dt.date(2025, 7, 1)),
        ("", None),
        (None, None),
    ],
)
def test_parse_day_accepts_iso_and_vietnamese_dates(raw, day):
    assert parse_day(raw) == (day, "")


@pytest.mark.parametrize("raw", ["2025-13-01", "31/02/2025", "hôm qua", "2025-07-01" * 100, "\x00"])
def test_parse_day_reports_a_bad_date(raw):
    day, error = parse_day(raw)
    assert day is None
    if raw.strip("\x00"):
        assert "không hợp lệ" in error


def options() -> CatalogOptions:
    return CatalogOptions(
        fields=[Field(code="HT", name="Hộ tịch")],
        levels=[Level(code="commune", name="Cấp xã")],
        units=[],
    )


def test_parse_search_keeps_good_values_and_reports_bad_ones():
    search = parse_search(
        {"q": "  khai\tsinh ", "linh_vuc": "HT", "cap": "cap-huyen", "truc_tuyen": "full"},
        options(),
    )
    assert search.query == "khai sinh"
    assert search.filters.field_code == "HT"
    assert search.filters.level_code == ""
    assert search.filters.online_level == OnlineLevel.FULL
    assert len(search.notices) == 1 and "cap-huyen" in search.notices[0]


def test_parse_search_cuts_an_overlong_query_and_says_so():
    search = parse_search({"q": "khai sinh " * 100}, options())
    assert len(search.query) <= QUERY_MAX_LENGTH
    assert search.notices and str(QUERY_MAX_LENGTH) in search.notices[0]


def test_parse_search_repeats_only_the_start_of_a_long_bad_value():
    search = parse_search({"don_vi": "x" * 5000}, options())
    assert search.filters.unit is None
    assert len(search.notices[0]) < 200
