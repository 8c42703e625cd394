"""The workspace in a real headless Chromium: log in, see one's workspace, use the calendar."""

from __future__ import annotations

import pytest

from motcua.organization.models import Role
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Secret-pass-123"


@pytest.fixture
def receptionist():
    province = factories.unit("UBND tỉnh Gia Lai")
    return factories.staff(
        username="lan", full_name="Nguyễn Thị Lan", roles=[(Role.RECEPTIONIST, province)]
    )


def log_in(page, live_server, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{live_server.url}/workspace/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def test_staff_member_logs_in_and_sees_their_workspace(page, live_server, receptionist):
    log_in(page, live_server, "lan")
    page.get_by_role("heading", name="Xin chào, Nguyễn Thị Lan").wait_for()
    assert page.get_by_test_id("roles").inner_text().startswith("Cán bộ tiếp nhận")
    assert "Tiếp nhận hồ sơ" in page.get_by_test_id("capabilities").inner_text()
    nav = page.get_by_role("navigation", name="Chức năng")
    assert nav.get_by_role("link").all_inner_texts() == [
        "Bàn làm việc",
        "Tổ chức",
        "Lịch làm việc",
        "Tiếp nhận hồ sơ",
        "Gọi số tại quầy",
        "Hồ sơ trực tuyến chờ tiếp nhận",
        "Hồ sơ cần xử lý",
        "Tra cứu hồ sơ",
    ]
    page.get_by_role("button", name="Đăng xuất").click()
    page.get_by_role("heading", name="Đăng nhập cán bộ").wait_for()


def test_wrong_password_keeps_the_user_on_the_login_page(page, live_server, receptionist):
    log_in(page, live_server, "lan", "not-the-password")
    assert page.get_by_role("alert").is_visible()
    assert page.get_by_role("heading", name="Đăng nhập cán bộ").is_visible()


def test_due_date_calculator_across_tet(page, live_server, receptionist):
    log_in(page, live_server, "lan")
    page.get_by_role("link", name="Lịch làm việc").click()
    page.get_by_label("Thời điểm tiếp nhận").fill("2026-02-13T16:30")
    page.get_by_label("Thời hạn").fill("3")
    page.get_by_label("Đơn vị").select_option("working_days")
    page.get_by_role("button", name="Tính").click()
    assert "16:30" in page.get_by_test_id("due").inner_text()
    assert "25/02/2026" in page.get_by_test_id("due").inner_text()


def test_language_switch_turns_the_workspace_english(page, live_server, receptionist):
    log_in(page, live_server, "lan")
    page.get_by_label("Ngôn ngữ").select_option("en")
    page.get_by_role("heading", name="My roles").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
