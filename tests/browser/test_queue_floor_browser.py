"""The floor end to end in a real headless Chromium, over ASGI as in production: a citizen
takes a number at the kiosk (the ticket is printed, its QR code opens the phone page), the
officer sits at counter 1 and calls it from the console, the hall's display board shows and
announces the call within moments, the phone page says "your turn", and after the service the
counter's tablet takes one tap of rating, recorded against the ticket and the officer.

Set ``MOTCUA_SCREENSHOTS=1`` to keep screenshots of every device in var/screenshots/.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from motcua.queueing import devices
from motcua.queueing.models import DeviceKind, Rating, Ticket, TicketState
from tests.browser.asgi_server import asgi_live_server  # noqa: F401
from tests.browser.test_counter_browser import PASSWORD
from tests.queueing.conftest import floor  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
CALLED_TEXT = "Mời công dân có số thứ tự 1001 đến quầy số 1"


def shot(page, name: str) -> None:
    if os.environ.get("MOTCUA_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"floor-{name}.png"), full_page=True)


def new_page(browser, viewport):
    context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", viewport=viewport)
    context.set_default_timeout(10_000)
    return context.new_page()


def test_kiosk_to_console_to_board_to_rating(browser, page, asgi_live_server, floor):  # noqa: F811
    url = asgi_live_server.url
    center = floor["center"]
    kiosk = devices.create_device(center=center, kind=DeviceKind.KIOSK, name="Sảnh")
    board = devices.create_device(center=center, kind=DeviceKind.BOARD, name="TV sảnh")
    tablet = devices.create_device(
        center=center, kind=DeviceKind.RATING, name="Quầy 1", counter=floor["one"]
    )

    # The hall's TV is on before anyone comes.
    tv = new_page(browser, {"width": 1920, "height": 1080})
    tv.goto(f"{url}/xep-hang/bang/{board.key}/")
    tv.wait_for_function("window.motcuaBoard && window.motcuaBoard.connected === true")

    # A citizen takes a number at the kiosk; the ticket prints at once.
    screen = new_page(browser, {"width": 1080, "height": 1920})
    screen.add_init_script("window.printed = 0; window.print = () => { window.printed += 1; };")
    screen.goto(f"{url}/xep-hang/kiosk/{kiosk.key}/")
    shot(screen, "kiosk")
    screen.get_by_role("link", name="Hộ tịch").click()
    screen.get_by_test_id("take-normal").click()
    expect(screen.get_by_test_id("ticket-number")).to_have_text("1001")
    expect(screen.get_by_test_id("ticket-ahead")).to_have_text("Bạn là người kế tiếp")
    screen.wait_for_function("window.printed === 1")
    shot(screen, "ticket")
    follow_url = screen.locator("svg.qrcode").get_attribute("data-url")
    assert follow_url and follow_url.startswith(f"{url}/xep-hang/so/")

    # Their phone follows the ticket.
    phone = new_page(browser, {"width": 390, "height": 800})
    phone.goto(follow_url)
    expect(phone.get_by_test_id("follow-message")).to_contain_text("Đang chờ")
    # The board counts them waiting.
    expect(tv.locator("body")).to_contain_text("Hộ tịch")

    # The officer sits at counter 1 and calls the next number.
    page.goto(f"{url}/workspace/san/quay/")
    page.get_by_label("Tên đăng nhập").fill("lan")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_test_id("open-1").click()
    page.get_by_test_id("call-next").click()
    expect(page.get_by_test_id("current-number")).to_have_text("1001")
    shot(page, "console")

    # The board shows it and says it; the phone says it is their turn.
    expect(tv.get_by_test_id("now-number")).to_have_text("1001")
    expect(tv.get_by_test_id("now-counter")).to_have_text("1")
    tv.wait_for_function(
        "(text) => window.motcuaBoard.spoken.includes(text)", arg=CALLED_TEXT, timeout=30_000
    )
    shot(tv, "board")
    expect(phone.get_by_test_id("follow-message")).to_have_text(
        "Đến lượt bạn! Mời đến quầy số 1.", timeout=15_000
    )

    # Service, then one tap on the counter's tablet.
    tablet_page = new_page(browser, {"width": 1280, "height": 800})
    tablet_page.goto(f"{url}/xep-hang/danh-gia/{tablet.key}/")
    expect(tablet_page.get_by_test_id("rating-idle")).to_be_visible()
    page.get_by_test_id("start").click()
    page.get_by_test_id("finish").click()
    expect(page.get_by_test_id("call-next")).to_be_visible()
    expect(tablet_page.get_by_test_id("rating-ask")).to_be_visible(timeout=10_000)
    expect(tablet_page.get_by_test_id("rating-ask")).to_contain_text("Số 1001")
    shot(tablet_page, "rating")
    tablet_page.get_by_test_id("rate-3").click()
    expect(tablet_page.get_by_test_id("rating-thanks")).to_be_visible()

    ticket = Ticket.objects.get(number=1001)
    assert ticket.state == TicketState.DONE
    rating = Rating.objects.get(ticket=ticket)
    assert (rating.value, rating.officer, rating.counter) == (3, floor["lan"], floor["one"])
