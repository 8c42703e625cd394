"""The display board in a real headless Chromium on a 1920×1080 TV, served over ASGI (uvicorn)
as in production: counters call numbers through the services and the board shows each call at
once, announces it once (a recall again), stays silent about what was already on the board,
and recovers by itself when the network or the server goes away.

Set ``MOTCUA_SCREENSHOTS=1`` to keep screenshots of the board at 1920×1080 and 1366×768 in
var/screenshots/ (or set it to a directory to write them there).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from motcua.organization.models import Counter
from motcua.queueing import devices, services
from motcua.queueing.models import Call, DeviceKind, QueueService
from tests.browser.asgi_server import AsgiLiveServer, asgi_live_server  # noqa: F401
from tests.queueing.conftest import MORNING, floor  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TV = {"width": 1920, "height": 1080}
SMALL_TV = {"width": 1366, "height": 768}
# Announcements wait for the chime and the voice before the next: allow for a few.
SPOKEN_TIMEOUT = 30_000


@pytest.fixture
def clock(monkeypatch):
    """The office clock runs from Monday 2 March 2026 08:00 (the server runs in a thread of
    this process and reads the same clock)."""
    from django.utils import timezone

    real_now = timezone.now
    origin = real_now()
    start = (MORNING + dt.timedelta(minutes=30)).astimezone(dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: start + (real_now() - origin))


@pytest.fixture
def board(floor):  # noqa: F811
    return devices.create_device(center=floor["center"], kind=DeviceKind.BOARD, name="Sảnh chính")


def issue(floor, count: int, service: str = "civil") -> None:  # noqa: F811
    for _ in range(count):
        services.issue_ticket(center=floor["center"], service=floor[service])


def call(floor, officer: str = "lan"):  # noqa: F811
    """Finish what the officer's counter has, then call the next number."""
    actor = floor[officer]
    session = services.current_session(actor)
    assert session is not None
    current = services.current_ticket(session.counter)
    if current is not None:
        if current.state == "called":
            services.start_serving(actor=actor, ticket=current)
        services.finish_serving(actor=actor, ticket=current)
    ticket = services.call_next(actor=actor)
    assert ticket is not None
    return ticket


def text_of(ticket) -> str:
    return f"Mời công dân có số thứ tự {ticket.number} đến quầy số {ticket.counter.number}"


def open_board(page, server: AsgiLiveServer, board) -> None:
    page.set_viewport_size(TV)
    page.goto(f"{server.url}/xep-hang/bang/{board.key}/")
    page.wait_for_function("window.motcuaBoard && window.motcuaBoard.connected === true")


def spoken(page) -> list[str]:
    return page.evaluate("window.motcuaBoard.spoken.slice()")


def wait_spoken(page, text: str, times: int = 1) -> None:
    page.wait_for_function(
        "([text, times]) => window.motcuaBoard.spoken.filter((t) => t === text).length >= times",
        arg=[text, times],
        timeout=SPOKEN_TIMEOUT,
    )


def test_the_board_shows_and_announces_each_new_call_once(
    page,
    asgi_live_server,  # noqa: F811
    floor,  # noqa: F811
    board,
    clock,
):
    issue(floor, 4)
    services.open_counter(actor=floor["lan"], counter=floor["one"])
    services.open_counter(actor=floor["hoa"], counter=floor["two"])
    before = call(floor)  # already on the board when it opens: not announced

    open_board(page, asgi_live_server, board)
    expect(page.get_by_test_id("now-number")).to_have_text(str(before.number))
    expect(page.get_by_test_id("counter-3")).to_have_class("counter is-closed")
    assert spoken(page) == []

    first = call(floor)
    expect(page.get_by_test_id("now-number")).to_have_text(str(first.number))
    expect(page.get_by_test_id("now-counter")).to_have_text("1")
    expect(page.get_by_test_id("counter-1").locator(".counter-number")).to_have_text(
        str(first.number)
    )
    wait_spoken(page, text_of(first))
    # Headless Chromium has no Vietnamese voice: the board plays the server's speech of the
    # call (when the server has espeak-ng), after the chime.
    page.wait_for_function("window.motcuaBoard.voice !== ''", timeout=SPOKEN_TIMEOUT)
    if page.evaluate("window.motcuaBoard.voice") == "server":
        call_id = Call.objects.filter(ticket=first).latest("pk").pk
        page.wait_for_function(
            "(id) => performance.getEntriesByType('resource')"
            ".some((entry) => entry.name.endsWith('/am-thanh/' + id + '.wav'))",
            arg=call_id,
        )

    second = call(floor, "hoa")
    expect(page.get_by_test_id("counter-2").locator(".counter-number")).to_have_text(
        str(second.number)
    )
    expect(page.get_by_test_id("now-counter")).to_have_text("2")
    wait_spoken(page, text_of(second))

    # A recall is a new call: announced again.
    services.recall(actor=floor["lan"], ticket=first)
    expect(page.get_by_test_id("now-counter")).to_have_text("1")
    wait_spoken(page, text_of(first), times=2)
    assert spoken(page) == [text_of(first), text_of(second), text_of(first)]
    expect(page.get_by_test_id("offline")).to_be_hidden()

    # A reload does not say any of it again.
    page.reload()
    page.wait_for_function("window.motcuaBoard && window.motcuaBoard.connected === true")
    expect(page.get_by_test_id("now-number")).to_have_text(str(first.number))
    page.wait_for_timeout(1500)  # would an announcement start, it would be by now
    assert spoken(page) == []


def test_the_board_recovers_by_itself_after_a_network_cut(
    page,
    asgi_live_server,  # noqa: F811
    floor,  # noqa: F811
    board,
    clock,
):
    issue(floor, 3)
    services.open_counter(actor=floor["lan"], counter=floor["one"])
    open_board(page, asgi_live_server, board)

    # The TV loses the network; a number is called meanwhile.
    page.context.set_offline(True)
    during_cut = call(floor)
    page.context.set_offline(False)
    expect(page.get_by_test_id("now-number")).to_have_text(str(during_cut.number))
    wait_spoken(page, text_of(during_cut))

    # The server goes away (a deploy, a crash): the board says it lost the connection...
    asgi_live_server.stop()
    expect(page.get_by_test_id("offline")).to_be_visible(timeout=20_000)
    keep_screenshot(page, "queue-board-offline")
    assert page.evaluate("window.motcuaBoard.connected") is False
    during_outage = call(floor)
    # ... and comes back by itself when the server does.
    asgi_live_server.start()
    expect(page.get_by_test_id("now-number")).to_have_text(
        str(during_outage.number), timeout=20_000
    )
    expect(page.get_by_test_id("counter-1").locator(".counter-number")).to_have_text(
        str(during_outage.number)
    )
    expect(page.get_by_test_id("offline")).to_be_hidden(timeout=20_000)
    wait_spoken(page, text_of(during_outage))
    assert page.evaluate("window.motcuaBoard.connected") is True


def test_the_board_fits_a_tv_without_scrolling(
    page,
    asgi_live_server,  # noqa: F811
    floor,  # noqa: F811
    board,
    clock,
):
    """A busy center: twelve counters, five services; nothing scrolls or overflows at
    1920×1080 nor at 1366×768."""
    center = floor["center"]
    for number in range(4, 13):
        counter = Counter.objects.create(center=center, number=number, name=f"Quầy {number}")
        floor["civil"].counters.add(counter)
    for position, name in enumerate(
        ["Đăng ký kinh doanh", "Tư pháp – chứng thực", "Lao động, thương binh và xã hội"], 3
    ):
        QueueService.objects.create(center=center, name=name, position=position)
    issue(floor, 14)
    issue(floor, 3, "land")
    services.open_counter(actor=floor["lan"], counter=floor["one"])
    services.open_counter(actor=floor["hoa"], counter=floor["two"])
    for _round in range(4):
        call(floor)
        served = call(floor, "hoa")
    services.start_serving(actor=floor["hoa"], ticket=served)
    open_board(page, asgi_live_server, board)
    for size in (TV, SMALL_TV):
        page.set_viewport_size(size)
        page.wait_for_timeout(300)
        keep_screenshot(page, f"queue-board-{size['width']}x{size['height']}")
        overflow = page.evaluate(
            """() => {
                const root = document.scrollingElement;
                const clipped = [...document.querySelectorAll(
                    '.counter-number, .now-number, .now-counter, .call-number, .waiting-count'
                )].filter((el) => el.scrollWidth > el.clientWidth + 1
                    || el.getBoundingClientRect().bottom > innerHeight);
                return {
                    scrolls: root.scrollHeight > innerHeight || root.scrollWidth > innerWidth,
                    clipped: clipped.map((el) => el.className + ':' + el.textContent),
                };
            }"""
        )
        assert overflow == {"scrolls": False, "clipped": []}, size
        expect(page.get_by_test_id("counters").locator("li")).to_have_count(12)

    # Sound blocked until someone touches the screen: a discreet prompt, gone after one touch.
    sound = page.get_by_test_id("sound")
    if page.evaluate("window.motcuaBoard.sound") == "suspended":
        expect(sound).to_be_visible()
        sound.click()
    expect(sound).to_be_hidden()
    assert page.evaluate("window.motcuaBoard.sound") == "running"


def keep_screenshot(page, name: str) -> None:
    target = os.environ.get("MOTCUA_SCREENSHOTS")
    if not target:
        return
    folder = (
        Path(target)
        if target not in {"1", "true", "yes"}
        else Path(__file__).resolve().parents[2] / "var" / "screenshots"
    )
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"))
