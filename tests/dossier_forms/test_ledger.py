"""The tracking book (Sổ theo dõi hồ sơ) made from the records: rows, dates from transfers and
events, the period and unit filter, the XLSX file and the queries it takes."""

from __future__ import annotations

import datetime as dt
import io
import re
from html import unescape
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.db import transaction
from django.urls import reverse
from openpyxl import load_workbook

from motcua.dossiers import ledger, services, slips
from motcua.dossiers.models import Dossier
from motcua.dossiers.services import ComponentInput, Outcome, PartyInput
from motcua.dossiers.status import Action

from .conftest import PASSWORD, VN, receive

pytestmark = pytest.mark.django_db

MARCH = {"tu_ngay": "2026-03-01", "den_ngay": "2026-03-31"}


def advance(dossier: Dossier, actor, *steps: tuple[str, dt.datetime]) -> None:
    with transaction.atomic():
        locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
        for action, at in steps:
            services.transition(locked, action, actor=actor, at=at)


@pytest.fixture
def book(world):
    """Five dossiers of March 2026 and one of February."""
    lan = world.receptionist
    returned = receive(world, at=dt.datetime(2026, 3, 2, 9, 15, tzinfo=VN))
    advance(
        returned,
        lan,
        (Action.START_PROCESSING, dt.datetime(2026, 3, 2, 10, 0, tzinfo=VN)),
        (Action.COMPLETE, dt.datetime(2026, 3, 4, 15, 0, tzinfo=VN)),
        (Action.RETURN_RESULT, dt.datetime(2026, 3, 5, 8, 0, tzinfo=VN)),
    )
    late = receive(
        world,
        at=dt.datetime(2026, 3, 2, 10, 0, tzinfo=VN),
        applicant=PartyInput(
            name="Lê Thị Cúc",
            identity_number="052080004321",
            address="3 Hai Bà Trưng, phường Quy Nhơn",
            phone="0905111222",
        ),
        owner=PartyInput(name="Lê Gia Bảo", identity_number="052126001111"),
    )
    advance(late, lan, (Action.START_PROCESSING, dt.datetime(2026, 3, 2, 11, 0, tzinfo=VN)))
    sent_back = receive(
        world,
        outcome=Outcome.REQUEST_SUPPLEMENT,
        at=dt.datetime(2026, 3, 3, 8, 0, tzinfo=VN),
        components=[ComponentInput(world.birth_form, originals=1)],
        reason="Thiếu giấy chứng sinh",
        supplement_items=[{"name": "Giấy chứng sinh"}],
    )
    refused = receive(
        world,
        outcome=Outcome.REFUSE,
        at=dt.datetime(2026, 3, 3, 9, 0, tzinfo=VN),
        reason="Không thuộc thẩm quyền",
    )
    criminal = receive(
        world,
        center=world.provincial_center,
        case=world.criminal_case,
        at=dt.datetime(2026, 3, 3, 14, 0, tzinfo=VN),
        components=[ComponentInput(world.criminal_case.components.get(), originals=1)],
    )
    february = receive(world, at=dt.datetime(2026, 2, 27, 9, 0, tzinfo=VN))
    return {
        "returned": returned,
        "late": late,
        "sent_back": sent_back,
        "refused": refused,
        "criminal": criminal,
        "february": february,
    }


def rows_of(scope, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31), **kwargs):
    return list(ledger.ledger_rows(scope, start, end, **kwargs))


def page_text(response) -> str:
    body = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body)))


# ---------------------------------------------------------------------------------------------
# Rows


def test_center_book_lists_its_dossiers_of_the_period_in_order(world, book):
    now = dt.datetime(2026, 3, 10, 9, 0, tzinfo=VN)
    rows = rows_of(ledger.Scope(center=world.center_a), now=now)
    assert [(r.number, r.code) for r in rows] == [
        (1, book["returned"].code),
        (2, book["late"].code),
        (3, book["sent_back"].code),
        (4, book["refused"].code),
    ]
    first = rows[0]
    assert first.procedure == "Đăng ký khai sinh"
    assert first.sets_count == 1
    assert first.party == "Trần Văn Bình"
    assert first.contact == "12 Trần Phú, phường Quy Nhơn; 0912345678"
    assert first.competent_unit == "UBND phường Quy Nhơn"
    assert first.received_at == dt.datetime(2026, 3, 2, 9, 15, tzinfo=VN)
    assert first.due_at == dt.datetime(2026, 3, 5, 9, 15, tzinfo=VN)
    assert first.transferred_at is None  # settled by the receiving commune itself
    assert first.result_received_at == dt.datetime(2026, 3, 4, 15, 0, tzinfo=VN)
    assert first.returned_at == dt.datetime(2026, 3, 5, 8, 0, tzinfo=VN)
    assert (first.note, first.overdue) == ("Đã trả kết quả", False)

    late = rows[1]
    assert late.party == "Lê Thị Cúc (chủ hồ sơ: Lê Gia Bảo)"
    assert late.contact == "3 Hai Bà Trưng, phường Quy Nhơn; 0905111222"
    assert (late.note, late.overdue) == ("Đang xử lý; quá hạn", True)
    assert (rows[2].note, rows[2].due_at) == ("Yêu cầu bổ sung giấy tờ", None)
    assert (rows[3].note, rows[3].overdue) == ("Không được tiếp nhận", False)


def test_a_dossier_still_in_time_is_not_late(world, book):
    rows = rows_of(
        ledger.Scope(center=world.center_a), now=dt.datetime(2026, 3, 4, 9, 0, tzinfo=VN)
    )
    assert (rows[1].note, rows[1].overdue) == ("Đang xử lý", False)


def test_transfer_date_and_lead_unit_come_from_the_transfer(world, book):
    rows = rows_of(ledger.Scope(center=world.provincial_center))
    assert [r.code for r in rows] == [book["criminal"].code]
    assert rows[0].competent_unit == "Sở Tư pháp"
    assert rows[0].transferred_at == dt.datetime(2026, 3, 3, 14, 0, tzinfo=VN)
    assert rows[0].due_at == dt.datetime(2026, 3, 13, 17, 0, tzinfo=VN)


def test_unit_book_covers_the_dossiers_its_subtree_settles(world, book):
    assert [r.code for r in rows_of(ledger.Scope(unit=world.justice))] == [book["criminal"].code]
    assert [r.code for r in rows_of(ledger.Scope(unit=world.commune_b))] == []
    province = [r.code for r in rows_of(ledger.Scope(unit=world.province))]
    assert province == [
        book[k].code for k in ("returned", "late", "sent_back", "refused", "criminal")
    ]


def test_period_bounds_are_whole_local_days(world, book):
    scope = ledger.Scope(center=world.center_a)
    assert [r.code for r in rows_of(scope, dt.date(2026, 2, 27), dt.date(2026, 2, 27))] == [
        book["february"].code
    ]
    assert len(rows_of(scope, dt.date(2026, 3, 3), dt.date(2026, 3, 3))) == 2


def test_receipt_number_in_the_book_matches_the_yearly_center_book(world, book):
    rows = rows_of(ledger.Scope(center=world.center_a), dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    numbers = {r.code: r.number for r in rows}
    for key in ("returned", "late", "february"):
        dossier = slips.load_dossier(book[key].code)
        assert slips.book_position(dossier) == (2026, numbers[dossier.code])
        receipt = slips.build_slip(dossier, "01")
        assert f"Quyển số: 2026, Số thứ tự: {numbers[dossier.code]}" in receipt.all_text()


def test_book_reads_in_a_fixed_number_of_queries(world, book, django_assert_num_queries):
    scope = ledger.Scope(unit=world.province)
    # Dossiers, then their parties, transfers and events.
    with django_assert_num_queries(4):
        assert len(rows_of(scope)) == 5
    for minute in range(10):
        receive(world, at=dt.datetime(2026, 3, 20, 8, minute, tzinfo=VN))
    with django_assert_num_queries(4):
        assert len(rows_of(scope)) == 15


# ---------------------------------------------------------------------------------------------
# The page and its filter


def test_book_page_shows_the_rows_and_the_form_of_the_period(staff_client, world, book):
    response = staff_client.get(
        reverse("dossier_print:ledger"), {**MARCH, "don_vi": f"c{world.center_a.pk}"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert re.findall(r'<tr data-code="([^"]+)"', body) == [
        book[k].code for k in ("returned", "late", "sent_back", "refused")
    ]
    text = page_text(response)
    assert "SỔ THEO DÕI HỒ SƠ" in text
    assert "Mẫu số 07 - TT 03/2025/TT-VPCP" in text
    assert "Từ ngày 01/03/2026 đến ngày 31/03/2026" in text
    assert "Trung tâm Phục vụ hành chính công phường Quy Nhơn" in text
    for head in (
        "STT",
        "Mã hồ sơ",
        "Tên thủ tục hành chính",
        "Số lượng hồ sơ (bộ)",
        "Tên cá nhân, tổ chức",
        "Địa chỉ, số điện thoại",
        "Cơ quan chủ trì giải quyết",
        "Ngày nhận hồ sơ",
        "Ngày hẹn trả kết quả",
        "Ngày chuyển hồ sơ đến cơ quan giải quyết",
        "Ngày nhận kết quả từ cơ quan giải quyết",
        "Ngày trả kết quả cho cá nhân, tổ chức",
        "Ký nhận",
        "Ghi chú",
    ):
        assert head in text, head
    assert (
        f"1 {book['returned'].code} Đăng ký khai sinh 1 Trần Văn Bình "
        "12 Trần Phú, phường Quy Nhơn; 0912345678 UBND phường Quy Nhơn "
        "02/03/2026 09:15 05/03/2026 09:15 04/03/2026 15:00 05/03/2026 08:00 Đã trả kết quả"
    ) in text
    assert "4 hồ sơ." in text
    css = Path(finders.find("dossiers/print.css")).read_text(encoding="utf-8")
    assert "@page ledger { size: A4 landscape;" in css


def test_book_of_a_2025_period_is_form_06_of_tt01_2018(staff_client, world):
    response = staff_client.get(
        reverse("dossier_print:ledger"),
        {"tu_ngay": "2025-08-01", "den_ngay": "2025-08-31", "don_vi": f"c{world.center_a.pk}"},
    )
    text = page_text(response)
    assert "Mẫu số 06 - TT 01/2018/TT-VPCP" in text
    assert "Không có hồ sơ nào trong kỳ này." in text


def test_book_page_opens_on_this_month_of_the_first_center(staff_client, world):
    response = staff_client.get(reverse("dossier_print:ledger"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.is_valid()
    assert form.cleaned_data["don_vi"].key.startswith("c")
    assert "Từ ngày 01/" in page_text(response)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"tu_ngay": "2026-03-31", "den_ngay": "2026-03-01"},
            "Ngày kết thúc (01/03/2026) không được trước ngày bắt đầu (31/03/2026).",
        ),
        (
            {"tu_ngay": "2025-01-01", "den_ngay": "2026-03-01"},
            "Kỳ theo dõi dài 425 ngày; mỗi lần chỉ lập sổ cho tối đa 366 ngày.",
        ),
        ({"tu_ngay": "2026-02-30", "den_ngay": "2026-03-01"}, "Ngày bắt đầu không hợp lệ."),
        ({"tu_ngay": "2026-03-01"}, "Hãy chọn ngày kết thúc."),
        ({**MARCH, "don_vi": "u999999"}, "Không tìm thấy trung tâm hoặc đơn vị đã chọn."),
        ({**MARCH, "don_vi": "tinh"}, "Không tìm thấy trung tâm hoặc đơn vị đã chọn."),
    ],
)
def test_bad_filters_get_a_clear_message(staff_client, world, params, message):
    params = {"don_vi": f"c{world.center_a.pk}", **params}
    for name in ("dossier_print:ledger", "dossier_print:ledger_xlsx"):
        response = staff_client.get(reverse(name), params)
        assert response.status_code == 400
        assert message in page_text(response)


def test_a_full_leap_year_is_allowed(staff_client, world):
    response = staff_client.get(
        reverse("dossier_print:ledger"),
        {"tu_ngay": "2028-01-01", "den_ngay": "2028-12-31", "don_vi": f"u{world.province.pk}"},
    )
    assert response.status_code == 200


def test_another_provinces_staff_cannot_open_the_book(client, world, outsider):
    assert client.login(username=outsider.username, password=PASSWORD)
    for name in ("dossier_print:ledger", "dossier_print:ledger_xlsx"):
        response = client.get(reverse(name), {**MARCH, "don_vi": f"c{world.center_a.pk}"})
        assert response.status_code == 403
        assert "Bạn không có quyền xem sổ theo dõi hồ sơ" in page_text(response)
    # Their own choices do not include it.
    page = client.get(reverse("dossier_print:ledger"))
    assert f'value="c{world.center_a.pk}"' not in page.content.decode()


def test_a_commune_specialist_opens_the_commune_book_not_the_province(client, world, specialist):
    assert client.login(username=specialist.username, password=PASSWORD)
    url = reverse("dossier_print:ledger")
    assert client.get(url, {**MARCH, "don_vi": f"u{world.commune_a.pk}"}).status_code == 200
    assert client.get(url, {**MARCH, "don_vi": f"u{world.province.pk}"}).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    response = client.get(reverse("dossier_print:ledger_xlsx"), MARCH)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_book_page_queries_do_not_grow_with_the_book(
    staff_client, world, book, django_assert_num_queries
):
    params = {**MARCH, "don_vi": f"u{world.province.pk}"}
    url = reverse("dossier_print:ledger")
    # Session, user, grants (2), centers for the choices, units for the choices, the scope,
    # the permission check; then dossiers, parties, transfers, events.
    with django_assert_num_queries(14):  # incl. the menu's badges (waiting; inbox: 2)
        staff_client.get(url, params)
    for minute in range(10):
        receive(world, at=dt.datetime(2026, 3, 20, 8, minute, tzinfo=VN))
    with django_assert_num_queries(14):  # incl. the menu's badges (waiting; inbox: 2)
        assert len(staff_client.get(url, params).context["rows"]) == 15


# ---------------------------------------------------------------------------------------------
# XLSX


def test_xlsx_export_has_a_header_row_widths_and_real_dates(staff_client, world, book):
    response = staff_client.get(
        reverse("dossier_print:ledger_xlsx"), {**MARCH, "don_vi": f"c{world.center_a.pk}"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert (
        f'filename="so-theo-doi-c{world.center_a.pk}-20260301-20260331.xlsx"'
        in response["Content-Disposition"]
    )
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Sổ theo dõi hồ sơ", "Thông tin"]
    sheet = workbook["Sổ theo dõi hồ sơ"]
    header = [cell.value for cell in sheet[1]]
    assert header == [head for head, _width in ledger.columns()]
    assert header[:3] == ["STT", "Mã hồ sơ", "Tên thủ tục hành chính"]
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "C2"
    assert sheet.column_dimensions["B"].width == 26
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.auto_filter.ref == "A1:N5"
    assert sheet.max_row == 5

    first = [cell.value for cell in sheet[2]]
    assert first[:7] == [
        1,
        book["returned"].code,
        "Đăng ký khai sinh",
        1,
        "Trần Văn Bình",
        "12 Trần Phú, phường Quy Nhơn; 0912345678",
        "UBND phường Quy Nhơn",
    ]
    assert first[7:12] == [
        dt.datetime(2026, 3, 2, 9, 15),
        dt.datetime(2026, 3, 5, 9, 15),
        None,
        dt.datetime(2026, 3, 4, 15, 0),
        dt.datetime(2026, 3, 5, 8, 0),
    ]
    assert sheet["H2"].number_format == "dd/mm/yyyy hh:mm"
    assert sheet["H2"].is_date
    assert first[13] == "Đã trả kết quả"
    assert [sheet.cell(row=r, column=1).value for r in range(2, 6)] == [1, 2, 3, 4]
    assert sheet["N4"].value == "Yêu cầu bổ sung giấy tờ"

    about = {row[0].value: row[1].value for row in workbook["Thông tin"].iter_rows()}
    assert about["Nơi tiếp nhận"] == "Trung tâm Phục vụ hành chính công phường Quy Nhơn"
    assert about["Kỳ theo dõi"] == "Từ ngày 01/03/2026 đến ngày 31/03/2026"
    assert about["Số hồ sơ"] == 4
    assert about["Biểu mẫu"].startswith("Sổ theo dõi hồ sơ (Mẫu số 07 ban hành kèm theo")


def test_xlsx_of_an_empty_period_has_just_the_header(staff_client, world):
    response = staff_client.get(
        reverse("dossier_print:ledger_xlsx"),
        {"tu_ngay": "2026-06-01", "den_ngay": "2026-06-30", "don_vi": f"u{world.justice.pk}"},
    )
    sheet = load_workbook(io.BytesIO(response.content))["Sổ theo dõi hồ sơ"]
    assert sheet.max_row == 1
    assert sheet["A1"].value == "STT"
