"""The public dossier lookup in a real headless Chromium: a citizen types the code from the
receipt, the kiosk's barcode scanner types it with Enter."""

from __future__ import annotations

import pytest

from motcua.dossiers.services import PartyInput
from tests.dossier_api.conftest import receive
from tests.dossiers.conftest import world  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def dossiers(world):  # noqa: F811
    from django.core.cache import cache

    cache.clear()
    accepted = receive(
        world,
        owner=PartyInput(name="Trần Văn Bình", identity_number="052090001234", phone="0912345678"),
    )
    waiting = receive(world, outcome="register")
    yield accepted, waiting
    cache.clear()


def test_citizen_looks_up_a_dossier_by_its_code(page, live_server, dossiers):
    accepted, _waiting = dossiers
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Tra cứu hồ sơ").click()
    page.get_by_label("Mã hồ sơ").fill(accepted.code.lower())
    page.get_by_role("button", name="Tra cứu").click()
    page.wait_for_url(f"{live_server.url}/tra-cuu/{accepted.code}/")
    assert "Được tiếp nhận" in page.get_by_test_id("lookup-status").inner_text()
    assert page.get_by_test_id("lookup-due").inner_text().strip() == "09:15 Thứ Năm, 05/03/2026"
    assert page.get_by_test_id("lookup-owner").inner_text().strip() == "T*** V** B***"
    text = page.locator("main").inner_text()
    for secret in ("Trần Văn Bình", "052090001234", "0912345678", "Nguyễn Thị Lan"):
        assert secret not in text
    steps = page.get_by_test_id("lookup-timeline").locator("li")
    assert steps.count() == 2
    assert "Tiếp nhận" in steps.nth(1).inner_text()
    assert page.get_by_role("button", name="In trang này").is_visible()


def test_citizen_is_told_apart_a_mistyped_and_an_unknown_code(page, live_server, dossiers):
    page.goto(f"{live_server.url}/tra-cuu/")
    page.get_by_label("Mã hồ sơ").fill("000.00.31.H21-2603020001")
    page.keyboard.press("Enter")
    page.wait_for_url("**/tra-cuu/?ma=*")
    problem = page.get_by_test_id("lookup-problem")
    assert problem.get_attribute("data-problem") == "malformed"
    assert "không phải là một mã hồ sơ" in problem.inner_text()
    page.get_by_label("Mã hồ sơ").fill("000.00.31.H21-260302-0999")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/tra-cuu/000.00.31.H21-260302-0999/")
    problem = page.get_by_test_id("lookup-problem")
    assert problem.get_attribute("data-problem") == "not_found"
    assert "Không tìm thấy hồ sơ mã" in problem.inner_text()


def test_kiosk_scanner_types_the_code_and_enter(page, live_server, dossiers):
    accepted, waiting = dossiers
    page.set_viewport_size({"width": 1080, "height": 1920})
    page.goto(f"{live_server.url}/kiosk/")
    page.get_by_test_id("kiosk-lookup-link").click()
    page.wait_for_url(f"{live_server.url}/kiosk/tra-cuu/")
    assert page.evaluate("document.activeElement.id") == "lookup-code"  # ready to scan
    page.keyboard.type(f"{accepted.code}\n", delay=5)
    page.wait_for_url(f"{live_server.url}/kiosk/tra-cuu/{accepted.code}/")
    assert "Được tiếp nhận" in page.get_by_test_id("lookup-status").inner_text()
    assert page.get_by_test_id("lookup-owner").inner_text().strip() == "T*** V** B***"
    # The next citizen scans while nothing has the focus: the keystrokes land in the box.
    page.locator("h1").click()
    page.keyboard.type(f"{waiting.code}\n", delay=5)
    page.wait_for_url(f"{live_server.url}/kiosk/tra-cuu/{waiting.code}/")
    assert "Mới đăng ký" in page.get_by_test_id("lookup-status").inner_text()
    assert "Chưa có" in page.get_by_test_id("lookup-due").inner_text()


def test_kiosk_scanning_the_receipts_qr_code(page, live_server, dossiers):
    accepted, _waiting = dossiers
    page.goto(f"{live_server.url}/kiosk/tra-cuu/")
    page.keyboard.type(f"http://127.0.0.1:8000/tra-cuu/{accepted.code}/\n", delay=2)
    page.wait_for_url(f"{live_server.url}/kiosk/tra-cuu/{accepted.code}/")
    page.get_by_test_id("lookup-status").wait_for()
