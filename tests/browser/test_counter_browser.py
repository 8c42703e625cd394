"""The counter in a real headless Chromium: a receptionist takes a birth registration in with
the keyboard, sees the appointment before confirming, gets the code and prints the receipt."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from motcua.dossiers import views
from motcua.dossiers.models import Dossier
from tests.dossiers.conftest import world  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PASSWORD = "Secret-pass-123"


@pytest.fixture
def monday(monkeypatch):
    """The counter's clock: Monday 2 March 2026, 09:15."""
    monkeypatch.setattr(views, "now", lambda: dt.datetime(2026, 3, 2, 9, 15, tzinfo=VN))


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/workspace/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("navigation", name="Chức năng").wait_for()


def has_focus(page, name: str) -> None:
    expect(page.locator(f"[name='{name}']:visible").first).to_be_focused()


def test_a_receptionist_takes_a_dossier_in_with_the_keyboard_and_prints_the_receipt(
    page,
    live_server,
    world,  # noqa: F811
    monday,
):
    log_in(page, live_server, world.receptionist.username)
    page.get_by_role("navigation", name="Chức năng").get_by_role(
        "link", name="Tiếp nhận hồ sơ", exact=True
    ).click()

    # The procedure box has the focus: type, arrow down to the result, Enter.
    has_focus(page, "q")
    page.keyboard.type("khai sinh")
    page.get_by_test_id("procedure-results").get_by_text("Đăng ký khai sinh").wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.get_by_test_id("picked-procedure").get_by_text("1.001193").wait_for()

    # One case: the identity number has the focus. A new applicant is said to be new.
    has_focus(page, "applicant-identity_number")
    page.keyboard.type("052090001234")
    page.get_by_text("Chưa có trong hệ thống: nhập thông tin mới.").wait_for()
    # Enter moves on; it never sends the dossier.
    page.keyboard.press("Enter")
    has_focus(page, "applicant-kind")
    assert "tiep-nhan" in page.url and not Dossier.objects.exists()
    page.get_by_label("Họ tên, tên tổ chức").first.fill("Trần Văn Bình")
    page.get_by_label("Địa chỉ").first.fill("12 Trần Phú, phường Quy Nhơn")
    page.get_by_label("Điện thoại").first.fill("0912345678")

    # The checklist from the keyboard: Alt+H, Space ticks, ↓ moves to the next paper.
    page.keyboard.press("Alt+h")
    has_focus(page, f"c{world.birth_form.pk}-received")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    assert page.locator(f"[name=c{world.birth_certificate.pk}-received]").is_checked()

    # The appointment is shown before confirming: Monday 09:15 + 3 working days.
    assert page.get_by_test_id("appointment").inner_text() == "09:15 Thứ Năm, 05/03/2026"

    page.keyboard.press("Alt+t")
    code = page.get_by_test_id("dossier-code")
    code.wait_for()
    assert code.inner_text() == "000.00.31.H21-260302-0001"
    assert "09:15 Thứ Năm, 05/03/2026" in page.get_by_test_id("due").inner_text()
    dossier = Dossier.objects.get()
    assert dossier.status == 2 and dossier.parties.get(role="applicant").name == "Trần Văn Bình"

    # The receipt opens in its print view.
    link = page.get_by_role("link", name="In Giấy tiếp nhận hồ sơ và hẹn trả kết quả (mẫu 01)")
    assert link.get_attribute("href") == f"/workspace/print/{dossier.code}/01/"
    with page.context.expect_page() as opened:
        link.click()
    receipt = opened.value
    receipt.get_by_role("heading", name="GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ").wait_for()
    assert dossier.code in receipt.content()

    # And the next citizen: a fresh form.
    page.get_by_test_id("new-intake").click()
    has_focus(page, "q")


def test_a_mistake_is_shown_next_to_its_field_with_everything_kept(
    page,
    live_server,
    world,  # noqa: F811
    monday,
):
    log_in(page, live_server, world.receptionist.username)
    page.goto(f"{live_server.url}/workspace/dossiers/tiep-nhan/?thu_tuc=1.001193")
    page.get_by_label("Số giấy tờ").first.fill("05209000123")
    page.get_by_label("Họ tên, tên tổ chức").first.fill("Trần Văn Bình")
    page.locator(f"[name=c{world.birth_form.pk}-received]").check()
    page.get_by_test_id("accept").click()
    page.get_by_text("Hồ sơ chưa được lưu.").wait_for()
    assert "phải gồm đúng 12 chữ số" in page.locator(".has-error").first.inner_text()
    # The field in error has the focus; what was typed is still there.
    has_focus(page, "applicant-identity_number")
    assert page.get_by_label("Họ tên, tên tổ chức").first.input_value() == "Trần Văn Bình"
    assert page.locator(f"[name=c{world.birth_form.pk}-received]").is_checked()
    assert not Dossier.objects.exists()
