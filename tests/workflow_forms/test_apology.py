"""Mẫu 04 from the dossier's apology: "Văn bản xin lỗi và đề nghị gia hạn thời gian giải
quyết" (TT 03/2025), "Phiếu xin lỗi và hẹn lại ngày trả kết quả" (TT 01/2018); issued by the
late unit, with its number, the original and the new appointment, and the reason."""

from __future__ import annotations

import pytest
from django.urls import reverse

from motcua.dossiers import slips
from motcua.workflow import services as workflow
from tests.dossier_forms.test_print_views import text_of

from .conftest import at, open_task, pdf_pages, pdf_text, receive

pytestmark = pytest.mark.django_db


def html_url(code: str) -> str:
    return reverse("dossier_print:slip", args=[code, "04"])


def pdf_url(code: str) -> str:
    return reverse("dossier_print:slip_pdf", args=[code, "04"])


def flat(text: str) -> str:
    return " ".join(text.split())


FACTS = [
    "UBND TỈNH GIA LAI",
    "UBND PHƯỜNG QUY NHƠN",
    "Số: 1/XL",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Quy Nhơn, ngày 03 tháng 3 năm 2026",
    "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT",
    "Về việc xin lỗi đối với hồ sơ giải quyết quá hạn và hẹn lại thời gian trả kết quả",
    "Kính gửi: Ông/Bà Trần Văn Bình",
    "Ngày 02/03/2026, Trung tâm Phục vụ hành chính công phường Quy Nhơn tiếp nhận hồ sơ của "
    "Ông/Bà đề nghị giải quyết thủ tục hành chính sau:",
    "Thủ tục: Đăng ký khai sinh (1.001193)",
    "Thời gian tiếp nhận hồ sơ: 8 giờ 00 phút, ngày 02/03/2026",
    "Thời gian hẹn trả kết quả: 8 giờ 00 phút, ngày 05/03/2026",
    "Phải xác minh nơi sinh của trẻ tại cơ sở y tế ngoài tỉnh",
    "Cơ quan, đơn vị chịu trách nhiệm: UBND phường Quy Nhơn",
    "UBND phường Quy Nhơn thành thật xin lỗi Ông/Bà và đề nghị gia hạn thời gian giải quyết "
    "hồ sơ như sau:",
    "Thời gian hẹn trả kết quả mới: 16 giờ 00 phút, ngày 10/03/2026",
    "Địa điểm trả kết quả: Trung tâm Phục vụ hành chính công phường Quy Nhơn",
    "Nơi nhận:",
    "- Trung tâm Phục vụ hành chính công phường Quy Nhơn (để theo dõi, trả kết quả);",
    "PHÓ CHỦ TỊCH",
    "Lê Văn Hùng",
]


def test_page_shows_the_letter(staff_client, apologised):
    response = staff_client.get(html_url(apologised.code))
    assert response.status_code == 200
    text = text_of(response)
    for expected in [*FACTS, f"Mã hồ sơ: {apologised.code}", "Mẫu số 04 - TT 03/2025/TT-VPCP"]:
        assert expected in text, expected
    body = response.content.decode()
    assert 'class="sheet sheet-a5"' in body and "In phiếu (A5)" in body
    assert 'data-testid="recipients"' in body and 'data-testid="subtitle"' in body
    # The recipients sit left of the signer, in the same row.
    assert text.index("Nơi nhận:") < text.index("PHÓ CHỦ TỊCH")


def test_pdf_is_one_a5_page_with_the_vietnamese_intact(staff_client, apologised):
    response = staff_client.get(pdf_url(apologised.code))
    assert response.status_code == 200
    assert f'filename="{apologised.code}-mau-04.pdf"' in response["Content-Disposition"]
    pages = pdf_pages(response.content)
    assert len(pages) == 1
    box = pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (148, 210)
    text = flat(pdf_text(response.content))
    for expected in FACTS:
        assert flat(expected) in text, expected
    assert "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết - Mẫu số 04" in text


def test_a_tt01_2018_dossier_gets_the_2018_title_and_wording(staff_client, world, team):
    dossier = receive(world, at=at(2025, 8, 4, 8))
    workflow.forward_task(
        actor=team.leader,
        task=open_task(dossier),
        next_assignee=team.specialist,
        at=at(2025, 8, 4, 9),
    )
    workflow.apologize(
        actor=team.leader,
        dossier=dossier,
        reason="Chờ kết quả xác minh",
        new_due_at=at(2025, 8, 12, 16),
        at=at(2025, 8, 5, 10),
    )
    text = text_of(staff_client.get(html_url(dossier.code)))
    for expected in [
        "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        "Mẫu số 04 - TT 01/2018/TT-VPCP",
        "xin lỗi Ông/Bà và hẹn lại thời gian trả kết quả như sau:",
        "Thời gian hẹn trả kết quả mới: 16 giờ 00 phút, ngày 12/08/2025",
        # The signer defaults to the actor and their position.
        "PHÓ CHỦ TỊCH (Ký, ghi rõ họ tên và đóng dấu) Lê Văn Hùng",
    ]:
        assert expected in text, expected


def test_it_is_listed_with_the_dossiers_forms(apologised, world):
    assert [f.number for f in slips.printable_forms(apologised)] == ["01", "04", "06"]


@pytest.mark.parametrize("fixture", ["returned", "stopped"])
def test_without_an_apology_it_is_a_404_that_says_why(staff_client, request, fixture):
    dossier = request.getfixturevalue(fixture)
    assert "04" not in [f.number for f in slips.printable_forms(dossier)]
    for url in (html_url(dossier.code), pdf_url(dossier.code)):
        response = staff_client.get(url)
        assert response.status_code == 404
        assert (
            "Hồ sơ này không có văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết (mẫu số "
            "04): đơn vị giải quyết chưa xin lỗi, hẹn lại ngày trả kết quả."
        ) in text_of(response)
        assert 'data-testid="unavailable"' in response.content.decode()


def test_letter_stays_vietnamese_on_an_english_screen(staff_client, apologised):
    staff_client.post(reverse("set_language"), {"language": "en", "next": "/workspace/"})
    text = text_of(staff_client.get(html_url(apologised.code)))
    assert "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT" in text
    assert "Nơi nhận:" in text
