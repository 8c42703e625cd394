"""The display board: a full-screen page on a TV in the waiting hall, reached by its device's
secret link (no login). It shows the number each counter is calling or serving, the newest call
large, the last calls and the people waiting per service, and says each new call aloud.

The page receives the board's state over server-sent events (``board_events``, fed by the
per-process hub in ``hub.py``); ``board_state`` is the same state as JSON for the page's
polling fallback and for benchmarks; ``board_audio`` is a call's announcement spoken by the
server for browsers without a Vietnamese voice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from . import devices, rules, selectors, tts
from .hub import BoardState, Hub, get_hub
from .models import Call, Device, DeviceKind

logger = logging.getLogger(__name__)

DEFAULT_STREAM_SECONDS = 3600
DEFAULT_HEARTBEAT_SECONDS = 15.0
# The side lists keep fixed row heights (the newest call is shown large, not in the list).
CALL_ROWS = selectors.LAST_CALLS - 1
MIN_WAITING_ROWS = 5


def stream_seconds() -> float:
    """A stream ends after this long and the browser reconnects at once: no stream outlives a
    deploy by much, and nothing a stream holds can grow for days."""
    return float(getattr(settings, "MOTCUA_BOARD_STREAM_SECONDS", DEFAULT_STREAM_SECONDS))


def heartbeat_seconds() -> float:
    return float(getattr(settings, "MOTCUA_BOARD_HEARTBEAT_SECONDS", DEFAULT_HEARTBEAT_SECONDS))


def _now_ms() -> int:
    """The server's clock for the board's clock (a TV's own clock is often wrong)."""
    return int(timezone.now().timestamp() * 1000)


def _board(key: str) -> Device:
    return devices.device_for(key, DeviceKind.BOARD)


def _labels() -> dict[str, str]:
    """The words board.js writes into the page."""
    return {
        "counter": _("Quầy"),
        "called": _("Đang gọi"),
        "serving": _("Đang phục vụ"),
        "idle": _("Chưa gọi số"),
        "closed": _("Tạm nghỉ"),
        "no_calls": _("Chưa có lượt gọi số nào"),
    }


@require_GET
def board(request: HttpRequest, key: str) -> HttpResponse:
    device = _board(key)
    snapshot = selectors.board_snapshot(device.center)
    audio_url = reverse("queue:board_audio", args=[key, 0])
    context: dict[str, Any] = {
        "device": device,
        "snapshot": snapshot,
        "newest": snapshot["calls"][0] if snapshot["calls"] else None,
        "earlier_calls": snapshot["calls"][1:],
        "call_rows": CALL_ROWS,
        "waiting_rows": max(len(snapshot["waiting"]), MIN_WAITING_ROWS),
        "min_waiting_rows": MIN_WAITING_ROWS,
        "labels": _labels(),
        # The page asks for the server's audio only when the server can speak.
        "audio_base": audio_url.removesuffix("0.wav") if tts.available() else "",
        "server_now_ms": _now_ms(),
        "time_zone": settings.TIME_ZONE,
    }
    response = render(request, "queueing/board/board.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def board_state(request: HttpRequest, key: str) -> JsonResponse:
    device = _board(key)
    response = JsonResponse(
        selectors.board_snapshot(device.center), json_dumps_params={"ensure_ascii": False}
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
async def board_events(request: HttpRequest, key: str) -> HttpResponseBase:
    if not isinstance(request, ASGIRequest):
        # Under WSGI a stream would hold a worker thread for an hour; the page then polls.
        return HttpResponse(
            _("Luồng sự kiện cần máy chủ ASGI (motcua run); màn hình sẽ tự hỏi lại định kỳ."),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    hub = get_hub()
    # On the hub's thread: a stream must not hold a database connection of its own.
    device = await hub.run(_board, key)
    response = StreamingHttpResponse(
        _events(hub, device), content_type="text/event-stream; charset=utf-8"
    )
    response["Cache-Control"] = "no-cache"
    # Tell nginx not to buffer the stream.
    response["X-Accel-Buffering"] = "no"
    return response


def _board_event(state: BoardState) -> str:
    return f"event: board\nid: {state.version}\ndata: {state.json}\n\n"


def _ping_event() -> str:
    # A named event, not an SSE comment: comments never reach the page's JavaScript, and the
    # page's watchdog needs to see the heartbeat. It carries the server's clock.
    return f"event: ping\ndata: {_now_ms()}\n\n"


async def _events(hub: Hub, device: Device) -> AsyncIterator[str]:
    """The stream: the whole state at once, then every new state, a heartbeat when quiet; the
    device is marked seen about once a minute and the stream ends if its link was revoked.
    A client that disconnects cancels this generator (Django's ASGI handler), which leaves
    the hub."""
    loop = asyncio.get_running_loop()
    ends_at = loop.time() + stream_seconds()
    seen_at = loop.time()
    every = rules.DEVICE_SEEN_EVERY.total_seconds()
    async with hub.subscribe(device.center_id) as subscription:
        yield "retry: 1000\n\n"
        while (left := ends_at - loop.time()) > 0:
            state = await subscription.next(timeout=min(heartbeat_seconds(), left))
            if state is not None:
                yield _board_event(state)
            elif ends_at - loop.time() > 0:
                yield _ping_event()
            if loop.time() - seen_at >= every:
                seen_at = loop.time()
                if not await _still_active(hub, device):
                    return


async def _still_active(hub: Hub, device: Device) -> bool:
    try:
        await hub.run(_board, device.key)
    except Http404:
        return False
    except Exception:
        # The database is away: the hub's feed retries, the stream stays.
        logger.warning("board %s: could not note it as seen", device.pk, exc_info=True)
    return True


@require_GET
def board_audio(request: HttpRequest, key: str, call_id: int) -> HttpResponse:
    """A call of this board's center, spoken by the server (only calls, never free text, so the
    link cannot be used to make the server say anything)."""
    device = _board(key)
    call = (
        Call.objects.filter(pk=call_id, center=device.center)
        .select_related("ticket", "counter")
        .first()
    )
    if call is None:
        raise Http404("call")
    audio = tts.synthesize(selectors.announcement(call.ticket.number, call.counter.number))
    if audio is None:
        return HttpResponse(
            _(
                "Máy chủ chưa có bộ đọc tiếng Việt (cài espeak-ng hoặc đặt "
                "MOTCUA_TTS_COMMAND): màn hình chỉ phát tiếng chuông."
            ),
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(audio, content_type="audio/wav")
    response["Cache-Control"] = "private, max-age=86400"
    return response


urlpatterns = [
    path("bang/<str:key>/", board, name="board"),
    path("bang/<str:key>/su-kien/", board_events, name="board_events"),
    path("bang/<str:key>/trang-thai/", board_state, name="board_state"),
    path("bang/<str:key>/am-thanh/<int:call_id>.wav", board_audio, name="board_audio"),
]
