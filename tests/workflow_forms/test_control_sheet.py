"""The control sheet (Phiếu kiểm soát quá trình giải quyết hồ sơ: Mẫu 06 of TT 03/2025, Mẫu 05
of TT 01/2018), generated from the dossier's events and tasks: every hand-over in order with
the timeliness of the step just finished, consultations, assignments, open steps, the
appointment's adjustments and how long each unit held the file; on A4."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from motcua.dossiers import pdf, slips
from motcua.dossiers.slips import Table
from motcua.workflow import services as workflow
from tests.dossier_forms.test_print_views import text_of

from .conftest import at, march, open_task, pdf_pages, pdf_text, receive, settle

pytestmark = pytest.mark.django_db

CENTER = "Trung tâm Phục vụ hành chính công phường Quy Nhơn"
COMMUNE = "UBND phường Quy Nhơn"


def flat(text: str) -> str:
    """One plain space between words (the sheet's moments use no-break spaces)."""
    return " ".join(text.split())


def sheet(dossier, number: str = "06") -> slips.Slip:
    return slips.build_slip(slips.load_dossier(dossier.code), number)


def process_rows(slip: slips.Slip) -> list[tuple[str, ...]]:
    """The rows of the hand-over table, with plain spaces."""
    table = next(b for b in slip.body if isinstance(b, Table) and b.merged)
    return [tuple(flat(cell) for cell in row) for row in table.rows]


def moment(day: int, hour: int, minute: int = 0) -> str:
    return f"{hour} giờ {minute:02d} phút, ngày {day:02d}/03/2026"


# Reception → the leader assigns the specialist → the specialist sends it back with a reason →
# the leader assigns again → the specialist consults the justice department, which answers →
# the specialist forwards late → the leader approves → the clerk registers the result, done →
# the result is handed over at the counter.
RETURNED_ROWS = [
    (f"Giao: {CENTER}, Nguyễn Thị Lan", moment(2, 8), "", "Tiếp nhận hồ sơ"),
    (f"Nhận: {COMMUNE}", moment(2, 8), "", ""),
    (f"Giao: {COMMUNE}, Lê Văn Hùng", moment(2, 9), "Đúng hạn", "Phân công xử lý"),
    (f"Nhận: {COMMUNE}, Phạm Minh Đức", moment(2, 9), "", ""),
    (
        f"Giao: {COMMUNE}, Phạm Minh Đức",
        moment(2, 10),
        "Trước hạn",
        "Thẩm định, dự thảo kết quả: trả lại bước “Phân công xử lý”. Lý do: Tờ khai ghi nơi "
        "sinh chưa khớp Giấy chứng sinh, đề nghị phân công xác minh",
    ),
    (f"Nhận: {COMMUNE}, Lê Văn Hùng", moment(2, 10), "", ""),
    (
        f"Giao: {COMMUNE}, Lê Văn Hùng",
        moment(2, 10, 30),
        "Đúng hạn",
        "Phân công xử lý. Giao xác minh nơi sinh",
    ),
    (f"Nhận: {COMMUNE}, Phạm Minh Đức", moment(2, 10, 30), "", ""),
    (
        f"Giao: {COMMUNE}, Phạm Minh Đức",
        moment(2, 14),
        "",
        "Xin ý kiến: Đề nghị xác minh nơi sinh của trẻ",
    ),
    ("Nhận: Sở Tư pháp", moment(2, 14), "", ""),
    ("Giao: Sở Tư pháp, Võ Thị Hoa", moment(3, 9), "Đúng hạn", "Trả lời xin ý kiến"),
    (f"Nhận: {COMMUNE}, Phạm Minh Đức", moment(3, 9), "", ""),
    (f"Giao: {COMMUNE}, Phạm Minh Đức", moment(4, 10), "Quá hạn", "Thẩm định, dự thảo kết quả"),
    (f"Nhận: {COMMUNE}", moment(4, 10), "", ""),
    (f"Giao: {COMMUNE}, Lê Văn Hùng", moment(4, 11), "Đúng hạn", "Phê duyệt, ký"),
    (f"Nhận: {COMMUNE}, Hoàng Thị Mai", moment(4, 11), "", ""),
    (
        f"Giao: {COMMUNE}, Hoàng Thị Mai",
        moment(4, 14, 30),
        "Đúng hạn",
        f"Vào sổ, ban hành kết quả; hoàn thành giải quyết, chuyển kết quả về {CENTER} "
        "(kết quả số 1/GKS)",
    ),
    (f"Nhận: {CENTER}", moment(4, 14, 30), "", ""),
    (
        f"Giao: {CENTER}, Nguyễn Thị Lan",
        moment(5, 9),
        "Trước hạn",
        "Trả kết quả cho tổ chức, cá nhân: tại bộ phận một cửa",
    ),
    ("Nhận: Ông/Bà Trần Văn Bình", moment(5, 9), "", ""),
]


def test_every_hand_over_in_order_with_its_timeliness(returned):
    slip = sheet(returned)
    assert process_rows(slip) == RETURNED_ROWS
    table = next(b for b in slip.body if isinstance(b, Table) and b.merged)
    # One group per hand-over: its result and note span its "Giao" and "Nhận" rows.
    assert table.groups == (2,) * 10
    assert table.headers == (
        "TÊN CƠ QUAN",
        "THỜI GIAN GIAO, NHẬN HỒ SƠ",
        "KẾT QUẢ GIẢI QUYẾT HỒ SƠ (Trước hạn/đúng hạn/quá hạn)",
        "GHI CHÚ",
    )


def test_header_block_and_held_time(returned):
    text = flat(sheet(returned).all_text())
    for expected in [
        "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        f"Mã hồ sơ: {returned.code}",
        "Kèm theo hồ sơ của: Ông/Bà Trần Văn Bình",
        "Địa chỉ: 12 Trần Phú, phường Quy Nhơn",
        "Số điện thoại: 0912345678",
        "Nội dung yêu cầu giải quyết: Đăng ký khai sinh",
        f"Cơ quan chủ trì giải quyết: {COMMUNE}",
        f"Thời gian nhận hồ sơ: {moment(2, 8)}",
        "Thời gian giải quyết theo quy định: 3 ngày làm việc",
        f"Thời gian hẹn trả kết quả: {moment(5, 8)}",
        "Quy Nhơn, ngày 02 tháng 3 năm 2026",
        # 1 + 1 + 0.5 + 15.5 (10:30 Monday → 10:00 Wednesday) + 1 + 2 working hours; the
        # justice department's consultation is not a step.
        "Thời gian giữ hồ sơ của từng cơ quan, đơn vị:",
        f"1 {COMMUNE} 21 giờ làm việc",
        f"Kết quả giải quyết hồ sơ: Trước hạn (hạn {moment(5, 8)})",
        "Phiếu kiểm soát quá trình giải quyết hồ sơ - Mẫu số 06 ban hành kèm theo Thông tư số "
        "03/2025/TT-VPCP ngày 15/09/2025 của Văn phòng Chính phủ.",
    ]:
        assert expected in text, expected
    assert "Sở Tư pháp 0" not in text  # no held time for a consulted unit
    assert "ban đầu" not in text  # the appointment never moved


def test_open_steps_say_until_when(world, team, apologised):
    """The apology moved the appointment: both appointments and the adjustment are listed;
    the specialist still holds the file."""
    rows = process_rows(sheet(apologised))
    assert rows[-2] == (
        f"{COMMUNE}, Lê Văn Hùng",
        moment(3, 15),
        "",
        "Xin lỗi, hẹn lại ngày trả kết quả (số 1/XL): Phải xác minh nơi sinh của trẻ tại cơ sở "
        "y tế ngoài tỉnh",
    )
    task = open_task(apologised)
    assert rows[-1] == (
        f"{COMMUNE}, Phạm Minh Đức",
        "",
        f"Đang xử lý (hạn {slips.spoken_moment(task.due_at)})",
        "Thẩm định, dự thảo kết quả",
    )
    text = flat(sheet(apologised).all_text())
    assert f"Thời gian hẹn trả kết quả ban đầu: {moment(5, 8)}" in text
    assert f"Thời gian hẹn trả kết quả hiện tại: {moment(10, 16)}" in text
    assert (
        f"1 {moment(3, 15)} Xin lỗi, hẹn lại ngày trả kết quả {moment(5, 8)} {moment(10, 16)} "
        "Phải xác minh nơi sinh của trẻ tại cơ sở y tế ngoài tỉnh"
    ) in text
    assert "bước đang xử lý tính đến" in text
    assert "Kết quả giải quyết hồ sơ" not in text  # not settled yet


def test_an_assignment_and_a_consultation_left_unanswered(world, team):
    """A leader takes the first step out of the unit's pool by an assignment (its own pair of
    rows); the specialist consults and goes on without waiting: the consultation shows as
    closed without an opinion."""
    dossier = settle_partly(world, team)
    rows = process_rows(sheet(dossier))
    assert rows[2:4] == [
        (
            f"Giao: {COMMUNE}, Lê Văn Hùng",
            moment(2, 8, 30),
            "",
            "Phân công xử lý bước “Phân công xử lý”",
        ),
        (f"Nhận: {COMMUNE}, Lê Văn Hùng", moment(2, 8, 30), "", ""),
    ]
    assert (
        "Sở Tư pháp",
        moment(3, 9),
        "",
        "Không chờ ý kiến: bước xin ý kiến quyết định chuyển tiếp.",
    ) in rows
    # The unanswered consultation is listed before the step it delayed hands the file over.
    closed = rows.index(
        (
            "Sở Tư pháp",
            moment(3, 9),
            "",
            "Không chờ ý kiến: bước xin ý kiến quyết định chuyển tiếp.",
        )
    )
    assert rows[closed + 1][0] == f"Giao: {COMMUNE}, Phạm Minh Đức"


def settle_partly(world, team):
    dossier = receive(world, at=march(2, 8))
    workflow.assign_task(
        actor=team.leader, task=open_task(dossier), assignee=team.leader, at=march(2, 8, 30)
    )
    workflow.forward_task(
        actor=team.leader, task=open_task(dossier), next_assignee=team.specialist, at=march(2, 9)
    )
    workflow.ask_opinions(
        actor=team.specialist,
        task=open_task(dossier),
        requests=[workflow.OpinionRequest(unit=world.justice, working_days=Decimal(1))],
        question="Đề nghị cho ý kiến",
        at=march(2, 10),
    )
    workflow.forward_task(
        actor=team.specialist,
        task=open_task(dossier),
        proceed_without_opinions=True,
        at=march(3, 9),
    )
    return dossier


def test_a_stopped_dossier_ends_with_the_stop(stopped):
    rows = process_rows(sheet(stopped))
    assert rows[-1] == (
        f"{COMMUNE}, Lê Văn Hùng",
        moment(3, 10),
        "",
        "Dừng giải quyết (số 1/TB-DGQ): Người nộp hồ sơ có đơn đề nghị dừng giải quyết để nộp "
        "lại tại nơi cư trú",
    )
    text = flat(sheet(stopped).all_text())
    assert "Đang xử lý" not in text
    assert "Kết quả giải quyết hồ sơ" not in text  # stopped: no result to judge


def test_a_paper_file_accepted_after_15_00_reaches_the_unit_next_morning(world, team):
    dossier = receive(world, at=march(2, 16, 30))
    rows = process_rows(sheet(dossier))
    assert rows[0][:2] == (f"Giao: {CENTER}, Nguyễn Thị Lan", moment(2, 16, 30))
    assert rows[1][:2] == (f"Nhận: {COMMUNE}", "7 giờ 30 phút, ngày 03/03/2026")


# ---------------------------------------------------------------------------------------------
# The page and the PDF


def html_url(code: str, number: str) -> str:
    return reverse("dossier_print:slip", args=[code, number])


def pdf_url(code: str, number: str) -> str:
    return reverse("dossier_print:slip_pdf", args=[code, number])


def test_page_shows_the_sheet_on_a4_with_paired_rows(staff_client, returned):
    response = staff_client.get(html_url(returned.code, "06"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="sheet sheet-a4"' in body
    assert "@page { size: A4; margin: 0; }" in body
    assert "In phiếu (A4)" in body
    # Result and note span the two rows of each hand-over.
    assert body.count('rowspan="2"') == 2 * 10
    text = text_of(response)
    for who, when, result, note in RETURNED_ROWS:
        assert who in text and when in text and result in text and note in text
    assert (
        f"Giao: {COMMUNE}, Phạm Minh Đức 10 giờ 00 phút, ngày 04/03/2026 Quá hạn Thẩm định, "
        f"dự thảo kết quả Nhận: {COMMUNE} 10 giờ 00 phút, ngày 04/03/2026"
    ) in text
    assert "Mẫu số 06 - TT 03/2025/TT-VPCP" in text


def test_pdf_is_a4_with_the_rows_and_diacritics_intact(staff_client, returned):
    response = staff_client.get(pdf_url(returned.code, "06"))
    assert response.status_code == 200
    assert f'filename="{returned.code}-mau-06.pdf"' in response["Content-Disposition"]
    pages = pdf_pages(response.content)
    # Ten hand-overs fill the first page; the held time goes on the second.
    assert len(pages) == 2
    for page in pages:
        box = page.mediabox
        assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (
            210,
            297,
        )
    text = flat(pdf_text(response.content))
    for expected in [
        "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        "KẾT QUẢ GIẢI QUYẾT HỒ SƠ",
        "Giao: Sở Tư pháp, Võ Thị Hoa",
        "Nhận: Ông/Bà Trần Văn Bình",
        "Quá hạn",
        "Trước hạn",
        "Đúng hạn",
        "trả lại bước “Phân công xử lý”",
        "Xin ý kiến: Đề nghị xác minh nơi sinh của trẻ",
        "21 giờ làm việc",
        "Kết quả giải quyết hồ sơ: Trước hạn",
    ]:
        assert expected in text, expected
    # The held time moved to the second page with its heading (never a heading alone).
    assert "Thời gian giữ hồ sơ" in pages[1].extract_text()
    assert "Thời gian giữ hồ sơ" not in pages[0].extract_text()


def test_pdf_of_a_short_route_is_one_page(staff_client, stopped):
    pages = pdf_pages(staff_client.get(pdf_url(stopped.code, "06")).content)
    assert len(pages) == 1


def test_pdf_is_deterministic_once_settled(returned):
    slip = sheet(returned)
    assert pdf.render_slip(slip) == pdf.render_slip(sheet(returned))


def test_a_tt01_2018_dossier_prints_it_as_form_05(staff_client, world, team):
    dossier = settle(world, team, received=at(2025, 8, 4, 8))
    assert [f.number for f in slips.printable_forms(dossier)] == ["01", "05"]
    response = staff_client.get(html_url(dossier.code, "05"))
    assert response.status_code == 200
    text = text_of(response)
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    assert "Mẫu số 05 - TT 01/2018/TT-VPCP" in text
    assert "Nhận: Ông/Bà Trần Văn Bình" in text
    assert staff_client.get(pdf_url(dossier.code, "05")).status_code == 200
    # Form 06 of that set is the tracking book, not a form of one dossier.
    assert staff_client.get(html_url(dossier.code, "06")).status_code == 404


def test_the_sheet_is_there_from_acceptance(world):
    dossier = receive(world, at=march(2, 8))
    assert [f.number for f in slips.printable_forms(dossier)] == ["01", "06"]
    rows = process_rows(sheet(dossier))
    assert rows[-1][2].startswith("Đang xử lý (hạn ")


@pytest.mark.parametrize("fixture", ["sent_back", "refused"])
def test_no_sheet_before_acceptance(staff_client, request, fixture):
    dossier = request.getfixturevalue(fixture)
    response = staff_client.get(html_url(dossier.code, "06"))
    assert response.status_code == 404
    assert (
        "Hồ sơ này không có phiếu kiểm soát quá trình giải quyết hồ sơ (mẫu số 06): hồ sơ chưa "
        "được tiếp nhận." in text_of(response)
    )


def test_sheet_queries_do_not_grow_with_the_route(
    staff_client, world, returned, django_assert_max_num_queries
):
    """A dossier just accepted and one with ten hand-overs read in about as many queries."""
    fresh = receive(world, at=march(2, 8))
    counts = []
    for dossier in (fresh, returned):
        with django_assert_max_num_queries(30) as context:
            assert staff_client.get(pdf_url(dossier.code, "06")).status_code == 200
        counts.append(len(context.captured_queries))
    # The settled one also reads when it was finished and its lawful appointment.
    assert counts[1] <= counts[0] + 2, counts


def test_moments_in_cells_wrap_only_after_the_comma(returned):
    table = next(b for b in sheet(returned).body if isinstance(b, Table) and b.merged)
    assert re.fullmatch(r"8\xa0giờ\xa000\xa0phút, ngày\xa002/03/2026", table.rows[0][1])


def test_another_dossier_changes_nothing_on_a_settled_sheet(world, team, returned):
    """The sheet reads this dossier's events and tasks only, and keeps its acceptance day."""
    before = sheet(returned).all_text()
    settle(world, team, received=march(2, 8), day=7)
    assert sheet(returned).all_text() == before
    assert dt.date(2026, 3, 2) == sheet(returned).day


def test_grouped_rows_span_their_merged_columns():
    table = Table(
        headers=("a", "b", "c"),
        rows=(("1", "x", "r1"), ("2", "y", ""), ("3", "z", "r2"), ("4", "w", "r3"), ("5", "v", "")),
        widths=(1, 1, 1),
        align=("L", "C", "L"),
        groups=(2, 1, 2),
        merged=(2,),
    )
    assert table.cells() == [
        [("1", "L", 1), ("x", "C", 1), ("r1", "L", 2)],
        [("2", "L", 1), ("y", "C", 1)],
        [("3", "L", 1), ("z", "C", 1), ("r2", "L", 1)],
        [("4", "L", 1), ("w", "C", 1), ("r3", "L", 2)],
        [("5", "L", 1), ("v", "C", 1)],
    ]
    # Without groups every row stands alone, as the reception forms' tables do.
    plain = Table(headers=("a",), rows=(("1",), ("2",)), widths=(1,), align=("C",))
    assert plain.cells() == [[("1", "C", 1)], [("2", "C", 1)]]
