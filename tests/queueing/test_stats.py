"""The floor's statistics computed by hand on a small morning: waiting times from joining the
queue to the first call, service times, no-shows, transfers, ratings, dossiers linked."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from motcua.catalog import services as catalog_services
from motcua.catalog.models import Channel, Field, ProcedureCase
from motcua.dossiers.models import Dossier, FormSet
from motcua.organization.models import Role
from motcua.queueing import services, stats
from motcua.queueing.models import TicketSource
from tests import factories

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MORNING = dt.datetime(2026, 3, 2, 7, 30, tzinfo=VN)  # a Monday
NOW = MORNING.replace(hour=8, minute=15)
DAY = MORNING.date()
pytestmark = pytest.mark.django_db


def at(hhmm: str, day: dt.date = DAY) -> dt.datetime:
    hour, minute = (int(part) for part in hhmm.split(":"))
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=VN)


def dossier_at(center, code: str) -> Dossier:
    """A dossier received at ``center`` (only what linking a ticket needs)."""
    version = catalog_services.create_procedure(
        actor=None,
        code=f"1.{Dossier.objects.count() + 1:06d}",
        name="Đăng ký khai sinh",
        field=Field.objects.get_or_create(code="ho-tich", defaults={"name": "Hộ tịch"})[0],
    )
    case = ProcedureCase.objects.create(version=version, position=1, name="Trường hợp chung")
    return Dossier.objects.create(
        code=code,
        unit_code=center.unit.code,
        receiving_center=center,
        receiving_unit=center.unit,
        competent_unit=center.unit,
        procedure_version=version,
        procedure_case=case,
        channel=Channel.COUNTER,
        form_set=FormSet.TT03_2025,
        submitted_at=at("07:50"),
    )


def play_morning(floor) -> dict:
    """Monday 2 March 2026 until 08:15, minute by minute (waits and service times in
    minutes):

    ====  =======  ======  =====  ======  ========  ======  ======  =======================
    no.   service  issued  call   wait    counter   start   finish  then
    ====  =======  ======  =====  ======  ========  ======  ======  =======================
    1001  civil    07:30   07:42  12      1 (lan)   07:43   07:53   10 min, rated 3, dossier
    1002  land     07:32   07:42  10      2 (hoa)   07:44   08:00   16 min, rated 2
    1003  civil    07:35   07:55  20      1 (lan)                   no-show at 08:00
    1004  civil    07:40   08:01  21      1 (lan)   08:02   08:10   8 min, rated 1
    1005  civil    07:45   08:02  17      2 (hoa)   08:03           serving at 08:15
    1006  land     07:50                                            waiting at 08:15
    ====  =======  ======  =====  ======  ========  ======  ======  =======================
    """
    center, lan, hoa = floor["center"], floor["lan"], floor["hoa"]
    dossier = dossier_at(center, "000.00.01.H01-260302-0001")
    issued = {}
    for number, (service, time) in enumerate(
        [
            ("civil", "07:30"),
            ("land", "07:32"),
            ("civil", "07:35"),
            ("civil", "07:40"),
            ("civil", "07:45"),
            ("land", "07:50"),
        ],
        start=1001,
    ):
        issued[number] = services.issue_ticket(center=center, service=floor[service], at=at(time))
    services.open_counter(actor=lan, counter=floor["one"], at=at("07:40"))
    services.open_counter(actor=hoa, counter=floor["two"], at=at("07:40"))

    t1001 = services.call_next(actor=lan, at=at("07:42"))
    t1002 = services.call_next(actor=hoa, at=at("07:42"))
    assert (t1001.number, t1002.number) == (1001, 1002)
    services.start_serving(actor=lan, ticket=t1001, at=at("07:43"))
    services.start_serving(actor=hoa, ticket=t1002, at=at("07:44"))
    services.finish_serving(actor=lan, ticket=t1001, dossier_code=dossier.code, at=at("07:53"))
    services.rate(counter=floor["one"], ticket_id=t1001.pk, value=3, at=at("07:54"))
    t1003 = services.call_next(actor=lan, at=at("07:55"))
    services.skip(actor=lan, ticket=t1003, at=at("08:00"))
    services.finish_serving(actor=hoa, ticket=t1002, at=at("08:00"))
    services.rate(counter=floor["two"], ticket_id=t1002.pk, value=2, at=at("08:01"))
    t1004 = services.call_next(actor=lan, at=at("08:01"))
    t1005 = services.call_next(actor=hoa, at=at("08:02"))
    assert (t1003.number, t1004.number, t1005.number) == (1003, 1004, 1005)
    services.start_serving(actor=lan, ticket=t1004, at=at("08:02"))
    services.start_serving(actor=hoa, ticket=t1005, at=at("08:03"))
    services.finish_serving(actor=lan, ticket=t1004, at=at("08:10"))
    services.rate(counter=floor["one"], ticket_id=t1004.pk, value=1, at=at("08:11"))
    return {"tickets": issued, "dossier": dossier}


def by_label(rows):
    return {row.label: row for row in rows}


# ---------------------------------------------------------------------------------------------
# Small pieces


def test_median_and_nearest_rank_percentile():
    assert stats.median([1.0, 2.0, 3.0]) == 2.0
    assert stats.median([1.0, 2.0, 3.0, 10.0]) == 2.5
    ten = [float(v) for v in range(1, 11)]
    assert stats.percentile(ten, 90) == 9.0
    assert stats.percentile([5.0], 90) == 5.0
    assert stats.summarize([]) == stats.DurationSummary()
    summary = stats.summarize([600.0, 60.0, 120.0])  # seconds
    assert (summary.count, summary.mean, summary.median, summary.p90, summary.max) == (
        3,
        pytest.approx(4.333, abs=0.001),
        2.0,
        10.0,
        10.0,
    )


def test_a_period_runs_forwards_for_at_most_366_days():
    assert stats.check_period(dt.date(2026, 3, 1), dt.date(2026, 3, 1)).days == 1
    assert stats.check_period(dt.date(2024, 1, 1), dt.date(2024, 12, 31)).days == 366
    with pytest.raises(ValidationError) as backwards:
        stats.check_period(dt.date(2026, 3, 2), dt.date(2026, 3, 1))
    assert "không được trước ngày bắt đầu" in backwards.value.messages[0]
    with pytest.raises(ValidationError) as too_long:
        stats.check_period(dt.date(2025, 1, 1), dt.date(2026, 1, 2))
    assert "tối đa 366 ngày" in too_long.value.messages[0]
    assert stats.this_month(dt.date(2026, 3, 17)) == stats.Period(
        dt.date(2026, 3, 1), dt.date(2026, 3, 17)
    )


# ---------------------------------------------------------------------------------------------
# The morning by hand


def test_the_morning_by_service(floor):
    play_morning(floor)
    figures = stats.floor_stats(floor["center"], stats.Period(DAY, DAY))
    rows = by_label(figures.by_service)
    civil, land = rows["Hộ tịch"], rows["Đất đai"]
    assert (civil.tickets, civil.served, civil.no_show, civil.in_progress) == (4, 2, 1, 1)
    assert (civil.still_waiting, civil.transferred) == (0, 0)
    # Waits 12, 20, 21, 17 minutes.
    assert civil.wait == stats.DurationSummary(count=4, mean=17.5, median=18.5, p90=21.0, max=21.0)
    # Service 10 and 8 minutes.
    assert civil.service == stats.DurationSummary(count=2, mean=9.0, median=9.0, p90=10.0, max=10.0)
    assert (civil.very_satisfied, civil.satisfied, civil.unsatisfied) == (1, 0, 1)
    assert civil.satisfied_share == 0.5
    assert (civil.linked, civil.linked_share) == (1, 0.5)
    assert (land.tickets, land.served, land.still_waiting) == (2, 1, 1)
    assert (land.wait.mean, land.service.max, land.satisfied_share) == (10.0, 16.0, 1.0)
    assert land.linked_share == 0.0


def test_the_morning_by_counter_officer_and_in_total(floor):
    play_morning(floor)
    figures = stats.floor_stats(floor["center"], stats.Period(DAY, DAY))
    counters = by_label(figures.by_counter)
    one, two, three = (
        counters["Quầy số 1: Hộ tịch"],
        counters["Quầy số 2: Hộ tịch, đất đai"],
        counters["Quầy số 3: Ưu tiên"],
    )
    assert (one.tickets, one.served, one.no_show) == (3, 2, 1)
    assert (round(one.wait.mean, 1), one.wait.median, one.wait.p90) == (17.7, 20.0, 21.0)
    assert (two.tickets, two.wait.mean, two.wait.p90, two.service.mean) == (2, 13.5, 17.0, 16.0)
    assert three.tickets == 0 and three.wait.mean is None  # an active counter without tickets
    officers = by_label(figures.by_officer)
    assert set(officers) == {str(floor["lan"]), str(floor["hoa"])}
    assert officers[str(floor["lan"])].wait == one.wait
    assert officers[str(floor["hoa"])].ratings == {3: 0, 2: 1, 1: 0}

    total = figures.total
    assert (total.tickets, total.served, total.no_show, total.still_waiting) == (6, 3, 1, 1)
    # Waits 10, 12, 17, 20, 21; services 8, 10, 16.
    assert total.wait == stats.DurationSummary(count=5, mean=16.0, median=17.0, p90=21.0, max=21.0)
    assert (round(total.service.mean, 2), total.service.median) == (11.33, 10.0)
    assert total.satisfied_share == pytest.approx(2 / 3)
    assert total.linked_share == pytest.approx(1 / 3)
    assert stats.day_totals(floor["center"], DAY) == figures.total


def test_a_period_covers_its_days_only(floor):
    play_morning(floor)
    center = floor["center"]
    empty = stats.floor_stats(center, stats.Period(DAY + dt.timedelta(days=1), DAY.replace(day=31)))
    assert empty.total.tickets == 0 and empty.total.wait.mean is None
    assert empty.by_officer == []
    assert [row.tickets for row in empty.by_service] == [0, 0]  # active services still listed
    assert stats.floor_stats(center, stats.Period(DAY.replace(day=1), DAY)).total.tickets == 6


def test_waiting_counts_from_a_booked_slot_and_a_transfer_keeps_the_first_call(floor):
    center, lan, hoa = floor["center"], floor["lan"], floor["hoa"]
    # Checked in at 07:40 for the 08:00 slot: the wait starts at 08:00.
    booked = services.issue_ticket(
        center=center,
        service=floor["civil"],
        source=TicketSource.BOOKING,
        at=at("07:40"),
        queue_at=at("08:00"),
    )
    services.open_counter(actor=lan, counter=floor["one"], at=at("07:40"))
    services.call_next(actor=lan, at=at("08:06"))
    services.recall(actor=lan, ticket=booked, at=at("08:07"))  # a recall is not a new wait
    services.start_serving(actor=lan, ticket=booked, at=at("08:08"))
    services.transfer(actor=lan, ticket=booked, service=floor["land"], at=at("08:09"))
    services.open_counter(actor=hoa, counter=floor["two"], at=at("08:00"))
    services.call_next(actor=hoa, at=at("08:30"))
    services.start_serving(actor=hoa, ticket=booked, at=at("08:31"))
    services.finish_serving(actor=hoa, ticket=booked, at=at("08:36"))
    # A booking checked in before its slot and called early waits no negative time.
    early = services.issue_ticket(
        center=center, service=floor["civil"], at=at("08:40"), queue_at=at("09:30")
    )
    services.call_next(actor=lan, at=at("08:45"))

    figures = stats.floor_stats(center, stats.Period(DAY, DAY))
    land = by_label(figures.by_service)["Đất đai"]
    assert (land.tickets, land.served, land.transferred) == (1, 1, 1)
    assert land.wait.max == 6.0  # 08:00 → first call 08:06
    assert land.service.max == 5.0  # at the counter that finished it
    assert by_label(figures.by_counter)["Quầy số 2: Hộ tịch, đất đai"].served == 1
    civil = by_label(figures.by_service)["Hộ tịch"]
    assert (civil.tickets, civil.in_progress, civil.wait.max) == (1, 1, 0.0)
    assert early.number == booked.number + 1


# ---------------------------------------------------------------------------------------------
# Files


def test_csv_has_a_bom_one_row_per_group_and_minutes_with_one_decimal(floor):
    play_morning(floor)
    figures = stats.floor_stats(floor["center"], stats.Period(DAY, DAY))
    content = stats.stats_csv(figures)
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    heads = rows[0]
    assert heads[:3] == ["Nhóm", "Tên", "Số phiếu"]
    assert "Chờ bách phân vị 90 (phút)" in heads and "Tỷ lệ hài lòng (%)" in heads
    table = {(row[0], row[1]): dict(zip(heads, row, strict=True)) for row in rows[1:]}
    civil = table[("Theo dịch vụ", "Hộ tịch")]
    assert civil["Số phiếu"] == "4"
    assert civil["Chờ trung bình (phút)"] == "17.5"
    assert civil["Chờ trung vị (phút)"] == "18.5"
    assert civil["Phục vụ trung bình (phút)"] == "9.0"
    assert civil["Tỷ lệ hài lòng (%)"] == "50.0"
    total = table[("Theo dịch vụ", "Toàn trung tâm")]
    assert (total["Số phiếu"], total["Chờ trung bình (phút)"]) == ("6", "16.0")
    lan = table[("Theo cán bộ", str(floor["lan"]))]
    assert lan["Chờ trung bình (phút)"] == "17.7"
    idle = table[("Theo quầy", "Quầy số 3: Ưu tiên")]
    assert (idle["Số phiếu"], idle["Chờ trung bình (phút)"]) == ("0", "")


def test_xlsx_has_one_sheet_per_grouping(floor):
    play_morning(floor)
    figures = stats.floor_stats(floor["center"], stats.Period(DAY, DAY))
    workbook = load_workbook(io.BytesIO(stats.stats_xlsx(figures)))
    assert workbook.sheetnames == ["Theo dịch vụ", "Theo quầy", "Theo cán bộ"]
    sheet = workbook["Theo dịch vụ"]
    assert "02/03/2026" in sheet["A1"].value
    heads = [cell.value for cell in sheet[2]]
    values = {
        row[0]: dict(zip(heads, row, strict=True)) for row in sheet.iter_rows(3, values_only=True)
    }
    assert values["Hộ tịch"]["Chờ trung bình (phút)"] == 17.5
    assert values["Đất đai"]["Phục vụ lâu nhất (phút)"] == 16
    assert values["Toàn trung tâm"]["Số phiếu"] == 6
    assert sheet.cell(row=3, column=heads.index("Chờ trung bình (phút)") + 1).number_format == "0.0"
    counter_sheet = workbook["Theo quầy"]
    counter_rows = [row[0] for row in counter_sheet.iter_rows(3, values_only=True)]
    assert counter_rows == [
        "Quầy số 1: Hộ tịch",
        "Quầy số 2: Hộ tịch, đất đai",
        "Quầy số 3: Ưu tiên",
    ]
    assert stats.export_filename(figures, "xlsx") == (
        f"thong-ke-xep-hang_{floor['center'].code}_20260302-20260302.xlsx"
    )


def test_managed_centers_follow_the_center_manager_role(floor):
    center = floor["center"]
    manager = factories.staff(roles=[(Role.CENTER_MANAGER, center.unit)])
    other_unit = factories.unit("UBND xã Ia Grai")
    other = factories.center(other_unit)
    assert list(stats.managed_centers(manager)) == [center]
    assert list(stats.managed_centers(floor["lan"])) == []
    boss = factories.staff(is_superuser=True)
    assert set(stats.managed_centers(boss)) == {center, other}


def test_names_that_look_like_formulas_stay_text_in_the_exports():
    from motcua.queueing.stats import as_text

    assert as_text('=HYPERLINK("http://x","y")') == '\'=HYPERLINK("http://x","y")'
    assert as_text("-1") == "'-1" and as_text("@cmd") == "'@cmd"
    assert as_text("Hộ tịch") == "Hộ tịch" and as_text(3.5) == 3.5
