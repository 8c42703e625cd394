"""The stop notice: Mẫu 05 "Thông báo dừng giải quyết hồ sơ" of TT 03/2025, and for a TT 01/2018
dossier (whose set has no such form) the same notice under a neutral title, short code TBDGQ."""

from __future__ import annotations

import pytest
from django.urls import reverse

from motcua.dossiers import slips
from motcua.workflow import services as workflow
from tests.dossier_forms.test_print_views import text_of

from .conftest import at, open_task, pdf_pages, pdf_text, receive, stop

pytestmark = pytest.mark.django_db

TBDGQ = "TBDGQ"


def html_url(code: str, number: str = "05") -> str:
    return reverse("dossier_print:slip", args=[code, number])


def pdf_url(code: str, number: str = "05") -> str:
    return reverse("dossier_print:slip_pdf", args=[code, number])


def flat(text: str) -> str:
    return " ".join(text.split())


FACTS = [
    "UBND TỈNH GIA LAI",
    "UBND PHƯỜNG QUY NHƠN",
    "Số: 1/TB-DGQ",
    "Quy Nhơn, ngày 03 tháng 3 năm 2026",
    "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ",
    "Kính gửi: Ông/Bà Trần Văn Bình",
    "UBND phường Quy Nhơn thông báo dừng giải quyết hồ sơ của Ông/Bà như sau:",
    "Thủ tục: Đăng ký khai sinh (1.001193)",
    "Thời gian tiếp nhận hồ sơ: 8 giờ 00 phút, ngày 02/03/2026",
    "Thời gian hẹn trả kết quả: 8 giờ 00 phút, ngày 05/03/2026",
    # The step the file was at: the specialist's, cancelled by the stop.
    "Hồ sơ đã được giải quyết đến: Thẩm định, dự thảo kết quả (UBND phường Quy Nhơn)",
    "Lý do dừng giải quyết hồ sơ:",
    "Người nộp hồ sơ có đơn đề nghị dừng giải quyết để nộp lại tại nơi cư trú",
    "Việc dừng giải quyết hồ sơ được thực hiện theo đề nghị của Ông/Bà.",
    "Việc hoàn trả giấy tờ, phí, lệ phí (nếu có) thực hiện theo quy định của pháp luật chuyên "
    "ngành.",
    "Nơi nhận:",
    "PHÓ CHỦ TỊCH",
    "Lê Văn Hùng",
]


def test_page_shows_the_notice(staff_client, stopped):
    response = staff_client.get(html_url(stopped.code))
    assert response.status_code == 200
    text = text_of(response)
    for expected in [*FACTS, f"Mã hồ sơ: {stopped.code}", "Mẫu số 05 - TT 03/2025/TT-VPCP"]:
        assert expected in text, expected
    assert (
        "Thông báo dừng giải quyết hồ sơ - Mẫu số 05 ban hành kèm theo Thông tư số "
        "03/2025/TT-VPCP ngày 15/09/2025 của Văn phòng Chính phủ."
    ) in text


def test_pdf_is_one_a5_page_with_the_vietnamese_intact(staff_client, stopped):
    response = staff_client.get(pdf_url(stopped.code))
    assert response.status_code == 200
    assert f'filename="{stopped.code}-mau-05.pdf"' in response["Content-Disposition"]
    assert len(pdf_pages(response.content)) == 1
    text = flat(pdf_text(response.content))
    for expected in FACTS:
        assert flat(expected) in text, expected


def test_a_stop_decided_by_the_unit_says_so(staff_client, world, team):
    dossier = receive(world, at=at(2026, 3, 2, 8))
    workflow.forward_task(actor=team.leader, task=open_task(dossier), at=at(2026, 3, 2, 9))
    workflow.stop_processing(
        actor=team.leader,
        dossier=dossier,
        reason="Có quyết định tạm đình chỉ của cơ quan có thẩm quyền",
        at=at(2026, 3, 2, 10),
    )
    text = text_of(staff_client.get(html_url(dossier.code)))
    assert "Việc dừng giải quyết hồ sơ do cơ quan giải quyết hồ sơ quyết định." in text
    assert "theo đề nghị của Ông/Bà" not in text
    # The specialist's step is the one open when the stop came.
    assert "Hồ sơ đã được giải quyết đến: Thẩm định, dự thảo kết quả" in text


@pytest.fixture
def stopped_2025(world, team):
    """A TT 01/2018 dossier: received Monday 04/08/2025, stopped Tuesday 05/08 at 10:00."""
    dossier = receive(world, at=at(2025, 8, 4, 8))
    workflow.forward_task(
        actor=team.leader,
        task=open_task(dossier),
        next_assignee=team.specialist,
        at=at(2025, 8, 4, 9),
    )
    return stop(dossier, team, at=at(2025, 8, 5, 10))


def test_a_tt01_2018_dossier_prints_it_unnumbered(staff_client, stopped_2025):
    code = stopped_2025.code
    assert [f.number for f in slips.printable_forms(stopped_2025)] == ["01", "05", TBDGQ]
    response = staff_client.get(html_url(code, TBDGQ))
    assert response.status_code == 200
    text = text_of(response)
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in text
    assert "Mẫu số" not in text
    assert (
        "Thông báo dừng giải quyết hồ sơ - không có mẫu ban hành kèm theo Thông tư số "
        "01/2018/TT-VPCP."
    ) in text
    assert "Quy Nhơn, ngày 05 tháng 8 năm 2025" in text
    response = staff_client.get(pdf_url(code, TBDGQ))
    assert response.status_code == 200
    assert f'filename="{code}-thong-bao-dung-giai-quyet.pdf"' in response["Content-Disposition"]
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in pdf_text(response.content)
    # In that set 05 is the control sheet.
    assert "PHIẾU KIỂM SOÁT" in text_of(staff_client.get(html_url(code, "05")))


def test_the_short_code_is_only_for_a_set_without_the_form(staff_client, stopped):
    response = staff_client.get(html_url(stopped.code, TBDGQ))
    assert response.status_code == 404
    assert "Thông tư số 03/2025/TT-VPCP không có mẫu số TBDGQ." in text_of(response)
    base = f"/workspace/print/{stopped.code}/"
    for path in ("tbdgq/", "TBDG/", "TBDGQ1/", "tbdgq.pdf"):
        assert staff_client.get(base + path).status_code == 404, path


def test_without_a_stop_it_is_a_404_that_says_why(staff_client, world, returned):
    response = staff_client.get(html_url(returned.code))
    assert response.status_code == 404
    assert (
        "Hồ sơ này không có thông báo dừng giải quyết hồ sơ (mẫu số 05): hồ sơ không bị dừng "
        "giải quyết."
    ) in text_of(response)
    old = receive(world, at=at(2025, 8, 4, 8))
    response = staff_client.get(html_url(old.code, TBDGQ))
    assert response.status_code == 404
    assert (
        "Hồ sơ này không có thông báo dừng giải quyết hồ sơ: hồ sơ không bị dừng giải quyết."
    ) in text_of(response)
