"""The public catalogue and the kiosk in a real headless Chromium: searching without
diacritics, opening a procedure, a scanner typing a code, the on-screen keyboard and the
kiosk's return to its front page when left alone."""

from __future__ import annotations

import re

import pytest

from tests.portal.conftest import Catalogue, build_catalogue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalogue() -> Catalogue:
    return build_catalogue()


def test_citizen_finds_a_procedure_without_typing_diacritics(page, live_server, catalogue):
    page.goto(f"{live_server.url}/")
    page.get_by_label("Tên hoặc mã thủ tục").fill("dang ky khai sinh")
    page.get_by_role("button", name="Tìm kiếm").click()
    assert "Tìm thấy 1 thủ tục" in page.get_by_test_id("result-count").inner_text()
    page.get_by_role("link", name="Đăng ký khai sinh").click()
    page.get_by_role("heading", level=1, name="Đăng ký khai sinh").wait_for()
    components = page.get_by_test_id("components")
    assert components.get_by_text("Giấy chứng sinh").is_visible()
    assert components.get_by_text("Trường hợp ủy quyền đăng ký khai sinh").is_visible()
    fees = page.get_by_test_id("fees")
    assert fees.get_by_text("8.000 đồng").is_visible()
    assert fees.get_by_text("Miễn thu").is_visible()
    assert "1 ngày làm việc" in page.get_by_test_id("times").first.inner_text()


def test_citizen_filters_by_field_and_opens_the_print_view(page, live_server, catalogue):
    page.goto(f"{live_server.url}/thu-tuc/")
    page.get_by_text("Lọc theo lĩnh vực, cấp thực hiện").click()  # the filters fold away
    page.get_by_label("Lĩnh vực").select_option("HT")
    page.get_by_role("button", name="Áp dụng bộ lọc").click()
    assert "Có 2 thủ tục" in page.get_by_test_id("result-count").inner_text()
    assert page.get_by_label("Lĩnh vực").is_visible()  # still open while a filter is on
    page.get_by_role("link", name="Đăng ký kết hôn").click()
    page.get_by_role("link", name=re.compile("^In")).click()
    page.get_by_role("heading", level=1, name="Đăng ký kết hôn").wait_for()
    assert page.get_by_role("button", name="In trang này").is_visible()  # shown by the script
    assert "Ngày in:" in page.get_by_test_id("printed-on").inner_text()


def test_typing_a_code_and_enter_opens_the_procedure(page, live_server, catalogue):
    page.goto(f"{live_server.url}/")
    page.get_by_label("Tên hoặc mã thủ tục").fill("1.000894")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/thu-tuc/1.000894/")
    page.get_by_role("heading", level=1, name="Đăng ký kết hôn").wait_for()


def test_kiosk_scanner_types_a_code_and_enter(page, live_server, catalogue):
    page.goto(f"{live_server.url}/kiosk/")
    assert page.evaluate("document.activeElement.id") == "q"  # ready for the scanner
    page.keyboard.type("1.001193\n", delay=5)
    page.wait_for_url(f"{live_server.url}/kiosk/thu-tuc/1.001193/")
    page.get_by_role("heading", level=1, name="Đăng ký khai sinh").wait_for()
    assert page.get_by_test_id("components").get_by_text("Giấy chứng sinh").is_visible()
    # A second scan while nothing has the focus still lands in the search box.
    page.locator("h1").click()
    page.keyboard.type("2.000815\n", delay=5)
    page.wait_for_url(f"{live_server.url}/kiosk/thu-tuc/2.000815/")


def test_kiosk_on_screen_keyboard_searches(page, live_server, catalogue):
    page.set_viewport_size({"width": 1080, "height": 1920})
    page.goto(f"{live_server.url}/kiosk/")
    keyboard = page.get_by_role("group", name="Bàn phím trên màn hình")
    for key in "ket hon":
        name = "Dấu cách" if key == " " else key
        keyboard.get_by_role("button", name=name, exact=True).click()
    assert page.get_by_label("Gõ tên thủ tục, hoặc quét mã thủ tục").input_value() == "ket hon"
    keyboard.get_by_role("button", name="Xóa lùi").click()
    keyboard.get_by_role("button", name="n", exact=True).click()
    keyboard.get_by_role("button", name="Tìm", exact=True).click()
    page.get_by_role("link", name=re.compile("Đăng ký kết hôn")).click()
    page.get_by_role("heading", level=1, name="Đăng ký kết hôn").wait_for()
    page.get_by_test_id("kiosk-home").click()
    page.wait_for_url(f"{live_server.url}/kiosk/")


def test_kiosk_returns_to_its_front_page_in_vietnamese_when_left_alone(
    page, live_server, catalogue
):
    page.clock.install()
    page.goto(f"{live_server.url}/kiosk/thu-tuc/1.001193/")
    page.get_by_role("button", name="English").click()
    page.locator("html[lang=en] body[data-kiosk-ready]").wait_for(state="attached")
    page.clock.run_for(60_000)
    page.locator("h1").click()  # someone is reading: the wait starts again
    page.clock.run_for(100_000)
    assert "/kiosk/thu-tuc/1.001193/" in page.url
    page.clock.run_for(25_000)
    page.wait_for_url(f"{live_server.url}/kiosk/")
    assert page.locator("html").get_attribute("lang") == "vi"
