"""Fakes for the notification tests: an SMTP server and an SMS gateway on 127.0.0.1, and a
``recording`` channel that keeps what it was asked to send."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from motcua.notifications import registry
from motcua.notifications.models import Notification

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def at(seconds: float = 0) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def close_to(moment: dt.datetime | None, expected: dt.datetime, slack: float = 5) -> bool:
    """Delivery takes its times from ``now`` plus the real time spent; allow for that."""
    return moment is not None and dt.timedelta(0) <= moment - expected <= dt.timedelta(
        seconds=slack
    )


# ---------------------------------------------------------------------------------------------
# a channel that records


class Recorder:
    """What the ``recording`` channel does: ``failures[key]`` are raised in order on the next
    sends of ``key``; every successful send is appended to ``sent``."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.failures: dict[str, list[BaseException]] = {}
        self.delay = 0.0
        self._lock = threading.Lock()

    def send(self, notification: Notification) -> None:
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            queue = self.failures.get(notification.key)
            if queue:
                raise queue.pop(0)
            self.sent.append(notification.key)


_current: list[Recorder] = [Recorder()]


@registry.register("email", "recording")
@registry.register("sms", "recording")
@registry.register("console", "recording")
class RecordingChannel:
    name = "recording"

    def send(self, notification: Notification) -> None:
        _current[0].send(notification)


@pytest.fixture
def recorder(settings: Any) -> Recorder:
    settings.MOTCUA_NOTIFICATION_CHANNELS = {
        "email": "recording",
        "sms": "recording",
        "console": "recording",
    }
    _current[0] = Recorder()
    return _current[0]


# ---------------------------------------------------------------------------------------------
# SMTP


class _Controller(Controller):
    """aiosmtpd's controller on a port the system chooses."""

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class FakeSmtp:
    """An SMTP server on 127.0.0.1: ``rcpt_replies[address]`` answers RCPT TO (e.g. ``"550
    5.1.1 …"``), ``data_reply`` answers DATA; accepted messages are kept, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Any] = []
        self.rcpt_replies: dict[str, str] = {}
        self.data_reply = ""
        self.host = "127.0.0.1"
        self.port = 0

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        reply = self.rcpt_replies.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_reply:
            return self.data_reply
        self.envelopes.append(envelope)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[FakeSmtp]:
    fake = FakeSmtp()
    # aiosmtpd logs every SMTP command at INFO; only its problems matter here.
    quiet = logging.getLogger("mail.log")
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    controller = _Controller(fake, hostname="127.0.0.1", port=0)
    controller.start()
    fake.port = controller.port
    settings.MOTCUA_NOTIFICATION_CHANNELS = {"email": "smtp", "sms": "console"}
    settings.EMAIL_HOST, settings.EMAIL_PORT = fake.host, fake.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "Trung tâm Phục vụ HCC <motcua@gialai.example>"
    yield fake
    controller.stop()
    quiet.setLevel(level)


# ---------------------------------------------------------------------------------------------
# SMS gateway


class FakeGateway:
    """An SMS gateway on 127.0.0.1: ``answer(body) -> (status, payload, headers)``; requests
    are kept with their path, headers (lower-case names) and JSON body."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answer: Callable[[dict[str, Any]], tuple[int, bytes, dict[str, str]]] = self.accept
        self.delay = 0.0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                body = json.loads(raw.decode("utf-8"))
                gateway.requests.append(
                    {
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body,
                        "raw": raw,
                    }
                )
                if gateway.delay:
                    time.sleep(gateway.delay)
                status, payload, headers = gateway.answer(body)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/v1/messages"

    def accept(self, body: dict[str, Any]) -> tuple[int, bytes, dict[str, str]]:
        return 202, json.dumps({"id": f"msg-{len(self.requests)}"}).encode(), {}


@pytest.fixture
def gateway(settings: Any) -> Iterator[FakeGateway]:
    fake = FakeGateway()
    # A short poll interval: shutdown() waits for the next poll.
    thread = threading.Thread(target=fake.server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    settings.MOTCUA_NOTIFICATION_CHANNELS = {"email": "console", "sms": "http"}
    settings.MOTCUA_SMS_GATEWAY_URL = fake.url
    settings.MOTCUA_SMS_GATEWAY_TOKEN = "gateway-secret"
    settings.MOTCUA_SMS_GATEWAY_TIMEOUT = 2
    yield fake
    fake.server.shutdown()
    fake.server.server_close()
    thread.join(5)
