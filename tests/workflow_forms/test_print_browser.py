"""The control sheet and a letter in a real headless Chromium: the sheet prints on A4
portrait, the letter on one A5 sheet, without the toolbar."""

from __future__ import annotations

import pytest

from tests.dossier_forms.test_print_browser import log_in, printed, size_mm, squash

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_control_sheet_prints_on_a4(page, live_server, world, returned):
    log_in(page, live_server, world.receptionist.username)
    page.goto(f"{live_server.url}/workspace/print/{returned.code}/06/")
    page.get_by_role("heading", name="PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ").wait_for()
    assert page.get_by_role("button", name="In phiếu (A4)").is_visible()
    pdf = printed(page)
    assert {size_mm(p) for p in pdf.pages} == {(210, 297)}
    assert len(pdf.pages) <= 2
    text = squash("".join(p.extract_text() for p in pdf.pages))
    assert squash("Giao: Sở Tư pháp, Võ Thị Hoa") in text
    assert squash("Quá hạn") in text
    assert squash("In phiếu") not in text


def test_apology_prints_on_one_a5_sheet(page, live_server, world, apologised):
    log_in(page, live_server, world.receptionist.username)
    page.goto(f"{live_server.url}/workspace/print/{apologised.code}/04/")
    page.get_by_role("heading", name="VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN").wait_for()
    pdf = printed(page)
    assert len(pdf.pages) == 1
    assert size_mm(pdf.pages[0]) == (148, 210)
    text = squash(pdf.pages[0].extract_text())
    assert squash("16 giờ 00 phút, ngày 10/03/2026") in text
    assert squash("Nơi nhận:") in text
