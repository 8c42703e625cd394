"""The ``http`` SMS channel against a fake gateway on 127.0.0.1: the documented request, and how
each kind of answer is read."""

from __future__ import annotations

import json
import logging
import socket
import time

import pytest
from django.core.exceptions import ImproperlyConfigured

from motcua.notifications.base import PermanentFailure, TemporaryFailure
from motcua.notifications.contrib.sms_http import HttpSmsChannel, to_e164
from motcua.notifications.models import Notification, NotificationState
from motcua.notifications.registry import get_channel
from motcua.notifications.services import deliver_due, enqueue

from .conftest import FakeGateway, at, close_to

pytestmark = pytest.mark.django_db

TEXT = "UBND xa Ia Grai: Ho so 000.00.06.H56-260302-0001 da co ket qua. Đến nhận từ 05/03/2026."


def sms(recipient: str = "0912 345 678", key: str = "dossier:1:result:sms") -> Notification:
    notification = enqueue(
        key=key, channel="sms", recipient=recipient, body=TEXT, available_at=at(0)
    )
    assert notification is not None
    return notification


def reply(status: int, payload: bytes = b"{}", **headers: str):
    return lambda body: (status, payload, headers)


def test_the_gateway_receives_the_documented_request(gateway: FakeGateway, caplog):
    notification = sms()
    with caplog.at_level(logging.INFO, logger="motcua.notifications.contrib.sms_http"):
        assert deliver_due(at(1)) == 1
    [request] = gateway.requests
    assert request["path"] == "/sms/v1/messages"
    assert request["headers"]["authorization"] == "Bearer gateway-secret"
    assert request["headers"]["content-type"] == "application/json; charset=utf-8"
    assert request["headers"]["idempotency-key"] == "dossier:1:result:sms"
    assert request["body"] == {
        "to": "+84912345678",
        "message": TEXT,
        "reference": "dossier:1:result:sms",
    }
    assert "Đến nhận".encode() in request["raw"]  # UTF-8 itself, not \\u escapes
    notification.refresh_from_db()
    assert notification.state == NotificationState.SENT
    assert "accepted dossier:1:result:sms as msg-1" in caplog.text


def test_without_a_token_no_authorization_is_sent(gateway: FakeGateway, settings):
    settings.MOTCUA_SMS_GATEWAY_TOKEN = ""
    sms()
    deliver_due(at(1))
    assert "authorization" not in gateway.requests[0]["headers"]


def test_429_is_retried_when_the_gateway_says(gateway: FakeGateway):
    gateway.answer = reply(429, b'{"error": "rate limited"}', **{"Retry-After": "300"})
    notification = sms()
    assert deliver_due(at(0)) == 1
    notification.refresh_from_db()
    assert notification.state == NotificationState.PENDING and notification.attempts == 1
    assert close_to(notification.next_attempt_at, at(300))
    assert notification.last_error == 'SMS gateway HTTP 429: {"error": "rate limited"}'


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_server_error_is_retried_with_back_off(gateway: FakeGateway, status):
    gateway.answer = reply(status)
    notification = sms()
    deliver_due(at(0))
    notification.refresh_from_db()
    assert notification.state == NotificationState.PENDING
    assert close_to(notification.next_attempt_at, at(60))
    assert f"HTTP {status}" in notification.last_error


def test_the_same_reference_is_sent_on_a_retry(gateway: FakeGateway):
    answers = iter([reply(503), gateway.accept])
    gateway.answer = lambda body: next(answers)(body)
    notification = sms()
    deliver_due(at(0))
    deliver_due(at(61))
    assert [r["body"]["reference"] for r in gateway.requests] == [notification.key] * 2
    notification.refresh_from_db()
    assert notification.state == NotificationState.SENT and notification.attempts == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_another_client_error_fails_for_good(gateway: FakeGateway, status):
    gateway.answer = reply(status, json.dumps({"error": "số thuê bao không hợp lệ"}).encode())
    notification = sms()
    deliver_due(at(0))
    notification.refresh_from_db()
    assert notification.state == NotificationState.FAILED and notification.attempts == 1
    assert f"HTTP {status}" in notification.last_error
    assert (
        "số thuê bao không hợp lệ" in json.loads(notification.last_error.split(": ", 1)[1])["error"]
    )


def test_a_redirect_is_not_followed(gateway: FakeGateway):
    gateway.answer = reply(302, Location="http://127.0.0.1:9/elsewhere")
    with pytest.raises(PermanentFailure, match="HTTP 302"):
        HttpSmsChannel().send(sms())
    assert len(gateway.requests) == 1


def test_a_slow_gateway_times_out_and_is_retried(gateway: FakeGateway, settings):
    settings.MOTCUA_SMS_GATEWAY_TIMEOUT = 0.2
    gateway.delay = 1.0
    notification = sms()
    started = time.monotonic()
    assert deliver_due(at(0)) == 1
    assert time.monotonic() - started < 0.9
    notification.refresh_from_db()
    assert notification.state == NotificationState.PENDING and notification.attempts == 1
    assert "unreachable" in notification.last_error and "timed out" in notification.last_error


def test_an_unreachable_gateway_is_temporary(db):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    channel = HttpSmsChannel(url=f"http://127.0.0.1:{port}/sms", token="t", timeout=1)
    with pytest.raises(TemporaryFailure, match="unreachable"):
        channel.send(sms())


def test_an_accepted_message_with_an_odd_answer_still_counts_as_sent(gateway, caplog):
    gateway.answer = reply(200, b"OK")
    notification = sms()
    with caplog.at_level(logging.WARNING):
        deliver_due(at(0))
    notification.refresh_from_db()
    assert notification.state == NotificationState.SENT
    assert "without a message id" in caplog.text


def test_a_number_that_cannot_be_a_phone_fails_without_a_request(gateway: FakeGateway):
    notification = sms("gọi cho tôi")
    deliver_due(at(0))
    notification.refresh_from_db()
    assert notification.state == NotificationState.FAILED
    assert "not a phone number" in notification.last_error
    assert gateway.requests == []


@pytest.mark.parametrize(
    ("given", "e164"),
    [
        ("0912345678", "+84912345678"),
        ("0912.345.678", "+84912345678"),
        ("(0269) 3824 567", "+842693824567"),
        ("+84 912 345 678", "+84912345678"),
        ("84912345678", "+84912345678"),
        ("0084912345678", "+84912345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
    ],
)
def test_phone_numbers_are_written_in_international_form(given, e164):
    assert to_e164(given) == e164


@pytest.mark.parametrize("given", ["", "091234", "+84 12", "phone", "0912345678901"])
def test_what_is_not_a_phone_number_is_refused(given):
    with pytest.raises(PermanentFailure):
        to_e164(given)


def test_the_setting_chooses_the_http_gateway(gateway: FakeGateway):
    channel = get_channel("sms")
    assert isinstance(channel, HttpSmsChannel)
    assert (channel.url, channel.token, channel.timeout) == (gateway.url, "gateway-secret", 2)


@pytest.mark.parametrize("url", ["", "file:///etc/passwd", "ftp://gateway/sms"])
def test_the_gateway_needs_an_http_address(settings, url):
    settings.MOTCUA_SMS_GATEWAY_URL = url
    with pytest.raises(ImproperlyConfigured):
        HttpSmsChannel()
