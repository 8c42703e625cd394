"""The print views in a real headless Chromium: the receipt prints on one A5 sheet with its
barcode and QR code, the toolbar stays off the paper, and the tracking book prints on A4
landscape."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/workspace/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("navigation", name="Chức năng").wait_for()


def printed(page) -> PdfReader:
    page.emulate_media(media="print")
    return PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True, print_background=True)))


def squash(text: str) -> str:
    """Chromium's PDFs split Vietnamese words into runs; compare without any whitespace."""
    return "".join(text.split())


def size_mm(pdf_page) -> tuple[int, int]:
    box = pdf_page.mediabox
    return round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)


def test_receipt_prints_on_one_a5_sheet_without_the_toolbar(page, live_server, world, accepted):
    log_in(page, live_server, world.receptionist.username)
    page.goto(f"{live_server.url}/workspace/print/{accepted.code}/01/")
    page.get_by_role("heading", name="GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ").wait_for()
    assert page.get_by_role("button", name="In phiếu (A5)").is_visible()
    barcode = page.get_by_role("img", name=f"Mã vạch của mã hồ sơ {accepted.code}")
    box = barcode.bounding_box()
    assert box is not None and box["width"] > 150 and box["height"] > 25
    assert page.get_by_role("img", name="Mã QR tra cứu hồ sơ").is_visible()
    pdf = printed(page)
    assert len(pdf.pages) == 1
    assert size_mm(pdf.pages[0]) == (148, 210)
    text = squash(pdf.pages[0].extract_text())
    assert squash("16 giờ 30 phút, ngày 25/02/2026") in text
    assert squash("In phiếu") not in text and squash("Tải bản PDF") not in text


def test_pdf_link_opens_the_pdf(page, live_server, world, accepted):
    log_in(page, live_server, world.receptionist.username)
    page.goto(f"{live_server.url}/workspace/print/{accepted.code}/01/")
    href = page.get_by_test_id("pdf-link").get_attribute("href")
    response = page.request.get(f"{live_server.url}{href}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert "Trần Văn Bình" in PdfReader(io.BytesIO(response.body())).pages[0].extract_text()


def test_tracking_book_prints_on_a4_landscape(page, live_server, world, accepted):
    log_in(page, live_server, world.receptionist.username)
    page.goto(f"{live_server.url}/workspace/print/so-theo-doi/")
    page.get_by_label("Từ ngày").fill("2026-02-01")
    page.get_by_label("Đến ngày").fill("2026-02-28")
    page.get_by_label("Nơi tiếp nhận hoặc cơ quan giải quyết").select_option(
        label="Trung tâm Phục vụ hành chính công phường Quy Nhơn"
    )
    page.get_by_role("button", name="Xem sổ").click()
    page.get_by_role("heading", name="SỔ THEO DÕI HỒ SƠ", exact=True).wait_for()
    assert page.get_by_test_id("ledger").get_by_text(accepted.code).is_visible()
    pdf = printed(page)
    assert size_mm(pdf.pages[0]) == (297, 210)
    text = squash(pdf.pages[0].extract_text())
    assert accepted.code in text
    assert squash("Xem sổ") not in text and squash("Đăng xuất") not in text
