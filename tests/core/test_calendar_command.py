"""``motcua calendar due | show | seed`` as an operator uses it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from motcua.core import services
from motcua.core.models import CalendarDay, CalendarYear, DayHalf, DayKind, WorkSchedule
from tests import factories

from .conftest import day


def run(*args: str) -> str:
    out = StringIO()
    call_command("calendar", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_due_tet_2026_example() -> None:
    output = run("due", "--from", "2026-02-13 16:30", "--add", "3 working_days")
    lines = output.splitlines()
    assert "Hạn: 16:30 Thứ Tư, 25/02/2026" in lines
    assert "ISO: 2026-02-25T16:30:00+07:00" in lines
    assert "Tiếp nhận: 16:30 Thứ Sáu, 13/02/2026" in lines
    assert "Thời hạn: 3 ngày làm việc" in lines
    assert not any(line.startswith("Bắt đầu tính") for line in lines)


DUE = [
    pytest.param(
        ["--from", "14/02/2026 09:00", "--add", "same_day"],
        [
            "Bắt đầu tính: 07:30 Thứ Hai, 23/02/2026 (tiếp nhận ngoài giờ làm việc)",
            "Hạn: 17:00 Thứ Hai, 23/02/2026",
        ],
        id="saturday-in-tet-same-day-shows-where-counting-starts",
    ),
    pytest.param(
        ["--from", "2026-03-06 15:01", "--add", "trong ngày"],
        ["Hạn: 17:00 Thứ Hai, 09/03/2026"],
        id="after-cutoff-vietnamese-unit",
    ),
    pytest.param(
        ["--from", "2026-03-09 12:00", "--add", "4 working_hours"],
        [
            "Bắt đầu tính: 13:00 Thứ Hai, 09/03/2026 (tiếp nhận ngoài giờ làm việc)",
            "Hạn: 17:00 Thứ Hai, 09/03/2026",
        ],
        id="lunch-break",
    ),
    pytest.param(
        ["--from", "2025-03-31 10:00", "--add", "1 months"],
        ["Hạn: 17:00 Thứ Hai, 05/05/2025"],
        id="month-into-30-04-holidays",
    ),
    pytest.param(
        ["--from", "2026-02-13T09:30+00:00", "--add", "3 working_days"],
        ["Hạn: 16:30 Thứ Tư, 25/02/2026"],
        id="iso-with-utc-offset",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("args", "expected_lines"), DUE)
def test_due(args: list[str], expected_lines: list[str]) -> None:
    lines = run("due", *args).splitlines()
    for line in expected_lines:
        assert line in lines


@pytest.mark.django_db
def test_due_for_a_centre_with_its_own_schedule() -> None:
    schedule = WorkSchedule.objects.create(
        code="lam-thu-bay", name="Làm cả thứ Bảy", rest_weekdays=[6]
    )
    factories.center(factories.unit(), code="hcc-thu-bay", work_schedule=schedule)
    output = run(
        "due", "--from", "2026-03-06 16:00", "--add", "1 working_days", "--center", "hcc-thu-bay"
    )
    assert "Lịch làm việc: Làm cả thứ Bảy" in output
    assert "Hạn: 16:00 Thứ Bảy, 07/03/2026" in output


BAD = [
    pytest.param(
        ["due", "--from", "2026-02-30 16:30", "--add", "3 working_days"],
        "Không đọc được thời điểm",
        id="impossible-date",
    ),
    pytest.param(
        ["due", "--from", "hôm qua", "--add", "3 working_days"],
        "Không đọc được thời điểm",
        id="words",
    ),
    pytest.param(
        ["due", "--from", "2026-02-13", "--add", "3 working_days"],
        "Không đọc được thời điểm",
        id="date-without-time",
    ),
    pytest.param(
        ["due", "--from", "2026-02-13 16:30", "--add", "3 weeks"],
        "Không hiểu thời hạn",
        id="unknown-unit",
    ),
    pytest.param(
        ["due", "--from", "2026-02-13 16:30", "--add", "1.5 months"],
        "phải là số nguyên",
        id="fractional-months",
    ),
    pytest.param(
        ["due", "--from", "2026-02-13 16:30", "--add", "3 working_days", "--center", "khong-co"],
        "Không có trung tâm mã “khong-co”",
        id="unknown-centre",
    ),
    pytest.param(["show", "1900"], "Năm không hợp lệ", id="show-year-out-of-range"),
    pytest.param(["seed", "2027", "abc"], "Năm không hợp lệ", id="seed-year-not-a-number"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("args", "message"), BAD)
def test_bad_input_is_a_command_error(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)


@pytest.mark.django_db
def test_show_lists_the_days_that_change_the_week_in_date_order() -> None:
    services.add_calendar_day(
        date=day("2026-03-13"),
        kind=DayKind.HALF_DAY_CLOSURE,
        closed_half=DayHalf.AFTERNOON,
        name="Nghỉ buổi chiều tổ chức sự kiện",
    )
    lines = run("show", "2026").splitlines()
    body = [line for line in lines[1:] if "/2026" in line]
    dates = [line.split(",")[1].split()[0] for line in body]
    assert dates == sorted(dates, key=lambda d: (d[3:5], d[:2]))
    text = "\n".join(lines)
    assert "Thứ Hai, 27/04/2026" in text and "Ngày nghỉ bù" in text
    assert "Thứ Bảy, 22/08/2026" in text and "Ngày làm bù (hoán đổi)" in text
    assert "Thứ Sáu, 13/03/2026" in text and "Nghỉ nửa ngày (buổi chiều)" in text
    # Giỗ Tổ on Sunday 26/04 changes nothing for a Monday–Friday office.
    assert "26/04/2026" not in text
    assert lines[-1] == "Số ngày làm việc trong năm: 249"


@pytest.mark.django_db
def test_seed_command_creates_years() -> None:
    output = run("seed", "2027", "2028")
    assert CalendarYear.objects.filter(year__in=[2027, 2028]).count() == 2
    assert CalendarDay.objects.filter(date=day("2027-05-03"), kind=DayKind.COMPENSATORY).exists()
    assert "Năm 2027: thêm 15 ngày" in output
    again = run("seed", "2027")
    assert "Năm 2027: thêm 0 ngày, cập nhật 0, giữ nguyên 15" in again
