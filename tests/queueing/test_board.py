"""The display board: its page and JSON state by the device's secret link, the server-sent
events stream fed by the per-process hub (one poll per center whatever the number of boards),
and the server's Vietnamese speech for browsers without a Vietnamese voice."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import shutil
import struct
import sys
import textwrap
from collections.abc import AsyncIterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db import OperationalError
from django.test import AsyncClient
from django.urls import reverse
from django.utils import timezone

from motcua.organization.models import Counter
from motcua.queueing import devices, hub, rules, selectors, services, tts
from motcua.queueing.models import Device, DeviceKind, QueueService
from tests import factories
from tests.browser.asgi_server import shared_sqlite_connection
from tests.queueing.conftest import MORNING, issue

# Only a guard against a hung test, never a measure of speed.
HANG_GUARD = 30
OPENING = MORNING + dt.timedelta(minutes=30)  # 08:00, tickets issued from 07:30


@pytest.fixture
def clock(monkeypatch):
    """The office clock runs from Monday 2 March 2026 08:00: the board shows "today", and the
    hub's thread reads the same clock."""
    real_now = timezone.now
    origin = real_now()
    start = OPENING.astimezone(dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: start + (real_now() - origin))


@pytest.fixture
def board(floor):
    return devices.create_device(center=floor["center"], kind=DeviceKind.BOARD, name="Sảnh chính")


@pytest.fixture
def threads_share_db():
    """Transactional tests whose hub thread queries the test database."""
    with shared_sqlite_connection():
        yield
    hub.wait_closed()


def url(name: str, device: Device, *args: Any) -> str:
    return reverse(f"queue:{name}", args=[device.key, *args])


def busy_floor(floor):
    """Five tickets (1004 for land); counter 1 calls 1001 and finishes it, counter 2 serves
    1002, counter 1 calls 1003 and calls it again; the priority counter is closed."""
    for minutes, service in enumerate(["civil", "civil", "civil", "land", "civil"]):
        issue(floor, service, minutes)
    services.open_counter(actor=floor["lan"], counter=floor["one"])
    services.open_counter(actor=floor["hoa"], counter=floor["two"])
    first = services.call_next(actor=floor["lan"])
    services.start_serving(actor=floor["lan"], ticket=first)
    services.finish_serving(actor=floor["lan"], ticket=first)
    served = services.call_next(actor=floor["hoa"])
    assert served is not None and served.number == 1002
    services.start_serving(actor=floor["hoa"], ticket=served)
    called = services.call_next(actor=floor["lan"])
    assert called is not None and called.number == 1003
    services.recall(actor=floor["lan"], ticket=called)


# ---------------------------------------------------------------------------------------------
# Page and JSON state


@pytest.mark.django_db
def test_the_page_shows_the_floor_of_the_boards_center(client, floor, board, clock):
    busy_floor(floor)
    response = client.get(url("board", board))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert "Trung tâm phường Quy Nhơn" in page
    assert "Mời công dân có số thứ tự" in page
    assert 'data-testid="now-number">1003<' in page
    assert 'data-testid="now-counter">1<' in page
    assert 'data-testid="counter-3"' in page and "Tạm nghỉ" in page
    assert url("board_events", board) in page and url("board_state", board) in page
    # The snapshot the script starts from, and the page's words for it.
    assert 'id="board-snapshot"' in page and 'id="board-labels"' in page
    board.refresh_from_db()
    assert board.last_seen_at is not None


@pytest.mark.django_db
def test_the_state_lists_counters_last_calls_and_people_waiting(client, floor, board, clock):
    busy_floor(floor)
    state = client.get(url("board_state", board)).json()
    assert state["center"] == "Trung tâm phường Quy Nhơn"
    assert state["day"] == "2026-03-02"
    assert state["counters"] == [
        {"number": 1, "name": "Hộ tịch", "open": True, "ticket": 1003, "state": "called"},
        {
            "number": 2,
            "name": "Hộ tịch, đất đai",
            "open": True,
            "ticket": 1002,
            "state": "serving",
        },
        {"number": 3, "name": "Ưu tiên", "open": False, "ticket": None, "state": None},
    ]
    # Newest first; the recall is a call of its own.
    assert [(call["number"], call["counter"]) for call in state["calls"]] == [
        (1003, 1),
        (1003, 1),
        (1002, 2),
        (1001, 1),
    ]
    assert state["calls"][0]["id"] > state["calls"][1]["id"]
    assert state["calls"][0]["text"] == "Mời công dân có số thứ tự 1003 đến quầy số 1"
    assert state["waiting"] == [
        {"service": "Hộ tịch", "count": 1},
        {"service": "Đất đai", "count": 1},
    ]
    assert state["version"] == services.floor_version(floor["center"].pk)


@pytest.mark.django_db
def test_the_state_costs_a_fixed_number_of_queries(
    client, floor, board, clock, django_assert_max_num_queries
):
    busy_floor(floor)
    for number in range(4, 12):
        counter = Counter.objects.create(
            center=floor["center"], number=number, name=f"Quầy {number}"
        )
        floor["civil"].counters.add(counter)
    QueueService.objects.create(center=floor["center"], name="Đăng ký kinh doanh", position=3)
    client.get(url("board_state", board))  # the device was seen: no write below
    with django_assert_max_num_queries(8):
        response = client.get(url("board_state", board))
    assert len(response.json()["counters"]) == 11


@pytest.mark.django_db(transaction=True)
def test_unknown_revoked_and_other_devices_keys_get_404(client, floor, board, threads_share_db):
    kiosk = devices.create_device(center=floor["center"], kind=DeviceKind.KIOSK, name="Kiosk")
    revoked = devices.create_device(center=floor["center"], kind=DeviceKind.BOARD, name="Cũ")
    Device.objects.filter(pk=revoked.pk).update(is_active=False)
    unknown = Device(key="khong-co-thiet-bi-nay")
    for device in (unknown, revoked, kiosk):
        for name, args in (("board", []), ("board_state", []), ("board_audio", [1])):
            assert client.get(url(name, device, *args)).status_code == 404, (device.name, name)

    async def stream_status(device: Device) -> int:
        return (await AsyncClient().get(url("board_events", device))).status_code

    for device in (unknown, revoked, kiosk):
        assert async_to_sync(stream_status)(device) == 404
    assert client.post(url("board_state", board)).status_code == 405
    # Served over WSGI (runserver, a WSGI host) a stream would pin a worker: the page polls.
    over_wsgi = client.get(url("board_events", board))
    assert over_wsgi.status_code == 503
    assert "cần máy chủ ASGI" in over_wsgi.content.decode()


# ---------------------------------------------------------------------------------------------
# The event stream


class EventReader:
    """Reads a server-sent events response one event at a time."""

    def __init__(self, response: Any) -> None:
        self.stream: AsyncIterator[bytes] = response.streaming_content
        self.buffer = ""

    async def next(self) -> dict[str, str] | None:
        """The next event's fields; None when the stream ended."""
        while "\n\n" not in self.buffer:
            try:
                chunk = await asyncio.wait_for(anext(self.stream), HANG_GUARD)
            except StopAsyncIteration:
                return None
            self.buffer += chunk.decode()
        block, self.buffer = self.buffer.split("\n\n", 1)
        fields = {}
        for line in block.split("\n"):
            name, _sep, value = line.partition(": ")
            fields[name] = value
        return fields

    async def next_board(self) -> dict[str, Any]:
        """The next board state (heartbeats skipped)."""
        while True:
            event = await self.next()
            assert event is not None, "the stream ended"
            if event.get("event") == "board":
                data = json.loads(event["data"])
                assert event["id"] == str(data["version"])
                return data


@pytest.mark.django_db(transaction=True)
def test_the_stream_sends_the_board_at_once_then_every_call(floor, board, clock, threads_share_db):
    issue(floor)
    services.open_counter(actor=floor["lan"], counter=floor["one"])

    async def scenario() -> None:
        response = await AsyncClient().get(url("board_events", board))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/event-stream")
        assert response["Cache-Control"] == "no-cache"
        assert response["X-Accel-Buffering"] == "no"
        reader = EventReader(response)
        assert await reader.next() == {"retry": "1000"}
        first = await reader.next_board()
        assert first["calls"] == [] and first["counters"][0]["open"] is True

        await sync_to_async(services.call_next)(actor=floor["lan"])
        called = await reader.next_board()
        assert called["version"] > first["version"]
        assert called["calls"][0]["text"] == "Mời công dân có số thứ tự 1001 đến quầy số 1"
        assert called["counters"][0]["ticket"] == 1001
        await reader.stream.aclose()  # type: ignore[attr-defined]

    async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_the_stream_beats_when_quiet_and_ends_for_the_browser_to_reconnect(
    floor, board, clock, threads_share_db, settings
):
    settings.MOTCUA_BOARD_HEARTBEAT_SECONDS = 0.05
    settings.MOTCUA_BOARD_STREAM_SECONDS = 0.5

    async def scenario() -> list[str]:
        reader = EventReader(await AsyncClient().get(url("board_events", board)))
        kinds = []
        while (event := await reader.next()) is not None:
            kinds.append(event.get("event", "retry"))
        assert hub.get_hub().subscribers(floor["center"].pk) == 0
        return kinds

    kinds = async_to_sync(scenario)()
    assert kinds[:2] == ["retry", "board"]
    assert "ping" in kinds[2:]


@pytest.mark.django_db(transaction=True)
def test_the_stream_ends_when_the_board_is_deactivated(
    floor, board, clock, threads_share_db, settings, monkeypatch
):
    settings.MOTCUA_BOARD_HEARTBEAT_SECONDS = 0.05
    monkeypatch.setattr(rules, "DEVICE_SEEN_EVERY", dt.timedelta(0))

    async def scenario() -> None:
        reader = EventReader(await AsyncClient().get(url("board_events", board)))
        await reader.next_board()
        await sync_to_async(Device.objects.filter(pk=board.pk).update)(is_active=False)
        while await reader.next() is not None:
            pass

    async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_a_browser_that_goes_away_leaves_the_hub(floor, board, clock, threads_share_db):
    """Through Django's ASGI handler, as uvicorn drives it: the disconnect cancels the stream
    and frees its subscription (and the center's poller)."""
    from motcua.asgi import application

    path = url("board_events", board)
    center_id = floor["center"].pk

    async def scenario() -> None:
        inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        sent: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        await inbox.put({"type": "http.request", "body": b"", "more_body": False})
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"testserver"), (b"accept", b"text/event-stream")],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        served = asyncio.create_task(application(scope, inbox.get, sent.put))
        start = await asyncio.wait_for(sent.get(), HANG_GUARD)
        assert start["type"] == "http.response.start" and start["status"] == 200
        body = b""
        while b"event: board" not in body:
            body += (await asyncio.wait_for(sent.get(), HANG_GUARD))["body"]
        board_hub = hub.get_hub()
        assert board_hub.subscribers(center_id) == 1
        await inbox.put({"type": "http.disconnect"})
        await asyncio.wait_for(served, HANG_GUARD)
        assert board_hub.subscribers(center_id) == 0
        assert center_id not in board_hub.feeds

    async_to_sync(scenario)()


# ---------------------------------------------------------------------------------------------
# The hub


async def next_state(subscription: hub.Subscription) -> hub.BoardState:
    state = await subscription.next(timeout=HANG_GUARD)
    assert state is not None, "no board state came"
    return state


@pytest.mark.django_db(transaction=True)
def test_boards_of_a_center_share_one_poll(floor, clock, threads_share_db, monkeypatch):
    builds = []
    build = selectors.board_snapshot

    def counting(center, at=None):
        builds.append(center.pk)
        return build(center, at)

    monkeypatch.setattr(selectors, "board_snapshot", counting)
    center_id = floor["center"].pk
    issue(floor)
    services.open_counter(actor=floor["lan"], counter=floor["one"])

    async def scenario() -> None:
        board_hub = hub.get_hub()
        async with board_hub.subscribe(center_id) as one, board_hub.subscribe(center_id) as two:
            assert board_hub.subscribers(center_id) == 2 and len(board_hub.feeds) == 1
            first = await next_state(one)
            assert await next_state(two) is first  # built once, handed to both
            await sync_to_async(services.call_next)(actor=floor["lan"])
            called = await next_state(one)
            assert await next_state(two) is called
            assert called.version > first.version
            assert called.data["calls"][0]["number"] == 1001
            feed = board_hub.feeds[center_id]
            assert feed.builds == len(builds) == 2
            assert feed.polls >= 2
        assert board_hub.subscribers(center_id) == 0 and not board_hub.feeds

    async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_a_late_board_gets_the_latest_state_without_a_new_build(floor, clock, threads_share_db):
    center_id = floor["center"].pk

    async def scenario() -> None:
        board_hub = hub.get_hub()
        async with board_hub.subscribe(center_id) as early:
            first = await next_state(early)
            async with board_hub.subscribe(center_id) as late:
                assert await next_state(late) is first
            assert board_hub.feeds[center_id].builds == 1

    async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_the_poller_survives_a_database_error(
    floor, clock, threads_share_db, settings, monkeypatch, caplog
):
    """A restarted database fails a poll: the poller logs, drops its connection, backs off and
    serves the board again."""
    settings.MOTCUA_BOARD_POLL_SECONDS = 0.01
    real = services.floor_version
    failures = iter([OperationalError("server closed the connection unexpectedly")] * 2)

    def flaky(center_id: int) -> int:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return real(center_id)

    monkeypatch.setattr(services, "floor_version", flaky)
    center_id = floor["center"].pk

    async def scenario() -> None:
        board_hub = hub.get_hub()
        async with board_hub.subscribe(center_id) as subscription:
            state = await next_state(subscription)
            assert state.data["center"] == "Trung tâm phường Quy Nhơn"
            assert board_hub.feeds[center_id].failures == 0

    with caplog.at_level(logging.WARNING, logger="motcua.queueing.hub"):
        async_to_sync(scenario)()
    assert "poll failed (2 in a row)" in caplog.text


# ---------------------------------------------------------------------------------------------
# Server-side speech

FAKE_SPEECH = textwrap.dedent(
    """
    import struct, sys
    text = sys.stdin.buffer.read()
    with open(sys.argv[1], "a") as runs:
        runs.write("run\\n")
    fmt = struct.pack("<HHIIHH", 1, 1, 22050, 44100, 2, 16)
    # Sizes left as placeholders, as a program writing to a pipe does.
    sys.stdout.buffer.write(
        b"RIFF" + struct.pack("<I", 0x7FFFF000) + b"WAVE"
        + b"fmt " + struct.pack("<I", len(fmt)) + fmt
        + b"data" + struct.pack("<I", 0x7FFFF000) + text
    )
    """
)


@pytest.fixture
def fake_speech(tmp_path, settings):
    script = tmp_path / "speak.py"
    script.write_text(FAKE_SPEECH)
    runs = tmp_path / "runs.txt"
    settings.MOTCUA_TTS_COMMAND = [sys.executable, str(script), str(runs)]
    settings.MOTCUA_TTS_CACHE_DIR = tmp_path / "cache"
    return runs


def test_speech_is_made_once_per_text_with_the_sizes_of_a_real_file(fake_speech):
    text = "Mời công dân có số thứ tự 1023 đến quầy số 5"
    audio = tts.synthesize(text)
    assert audio is not None and audio[:4] == b"RIFF" and audio[8:12] == b"WAVE"
    assert struct.unpack("<I", audio[4:8])[0] == len(audio) - 8
    data_at = audio.index(b"data")
    assert struct.unpack("<I", audio[data_at + 4 : data_at + 8])[0] == len(audio) - data_at - 8
    assert audio.endswith(text.encode())  # the text went in on standard input
    assert tts.synthesize(text) == audio
    assert fake_speech.read_text().count("run") == 1  # the second came from the cache
    assert tts.synthesize("Mời công dân có số thứ tự 1024 đến quầy số 5") != audio
    assert fake_speech.read_text().count("run") == 2


def test_without_a_speech_command_there_is_no_audio(settings, tmp_path):
    settings.MOTCUA_TTS_COMMAND = "motcua-no-such-speech-program -v vi"
    settings.MOTCUA_TTS_CACHE_DIR = tmp_path
    assert tts.available() is False
    assert tts.synthesize("Mời công dân") is None


@pytest.mark.django_db
def test_the_audio_of_a_call_needs_a_speech_program(client, floor, board, clock, settings):
    busy_floor(floor)
    call_id = client.get(url("board_state", board)).json()["calls"][0]["id"]
    settings.MOTCUA_TTS_COMMAND = "motcua-no-such-speech-program"
    response = client.get(url("board_audio", board, call_id))
    assert response.status_code == 404
    assert "chưa có bộ đọc tiếng Việt" in response.content.decode()
    page = client.get(url("board", board)).content.decode()
    assert 'data-audio-base=""' in page  # the page then only chimes


@pytest.mark.django_db
def test_the_audio_of_a_call_is_spoken_vietnamese(client, floor, board, clock, settings, tmp_path):
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (scripts/ensure-test-tools installs it)")
    settings.MOTCUA_TTS_COMMAND = "espeak-ng -v vi --stdout"
    settings.MOTCUA_TTS_CACHE_DIR = tmp_path
    busy_floor(floor)
    call_id = client.get(url("board_state", board)).json()["calls"][0]["id"]
    response = client.get(url("board_audio", board, call_id))
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    body = response.content
    assert body[:4] == b"RIFF" and body[8:12] == b"WAVE" and len(body) > 10_000
    page = client.get(url("board", board)).content.decode()
    assert f'data-audio-base="{url("board", board)}am-thanh/"' in page
    # Only calls of the board's own center.
    other_center = factories.center(factories.unit("UBND xã Ia Grai"))
    other = devices.create_device(center=other_center, kind=DeviceKind.BOARD, name="Ia Grai")
    assert client.get(url("board_audio", other, call_id)).status_code == 404
    assert client.get(url("board_audio", board, call_id + 1000)).status_code == 404
