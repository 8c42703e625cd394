"""The outbox: idempotent enqueueing inside the caller's transaction, claiming with leases,
retries with back-off, giving up, and an operator's retry."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.db import transaction

from motcua.notifications import services
from motcua.notifications.base import PermanentFailure, TemporaryFailure
from motcua.notifications.models import Notification, NotificationState
from motcua.notifications.services import deliver_due, enqueue, retry

from .conftest import T0, Recorder, at, close_to

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


def put(key: str = "dossier:1:received:sms", **overrides: object) -> Notification:
    values: dict[str, object] = {
        "key": key,
        "channel": "sms",
        "recipient": "0912345678",
        "body": "Hồ sơ 000.00.06.H56-260302-0001 đã được tiếp nhận.",
        "available_at": T0,
    }
    values.update(overrides)
    notification = enqueue(**values)  # type: ignore[arg-type]
    assert notification is not None
    return notification


def reload(notification: Notification) -> Notification:
    notification.refresh_from_db()
    return notification


# ---------------------------------------------------------------------------------------------
# enqueue


def test_the_same_key_twice_makes_one_row():
    first = put(body="lần đầu")
    again = put(body="lần hai")
    assert again.pk == first.pk and again.body == "lần đầu"
    assert Notification.objects.count() == 1
    assert first.state == NotificationState.PENDING and first.attempts == 0


def test_a_rolled_back_change_leaves_no_notification():
    with pytest.raises(RuntimeError), transaction.atomic():
        put()
        raise RuntimeError("the dossier could not be saved")
    assert not Notification.objects.exists()


def test_enqueue_inside_a_transaction_that_already_has_the_key_keeps_it_usable():
    with transaction.atomic():
        put()
        put()  # the second insert would break the transaction without its savepoint
        put("dossier:1:received:email", channel="email", recipient="binh@example.vn")
    assert Notification.objects.count() == 2


@pytest.mark.parametrize("recipient", ["", "   ", None])
def test_nobody_to_send_to_enqueues_nothing(recipient):
    assert enqueue(key="k", channel="email", recipient=recipient, body="x") is None
    assert not Notification.objects.exists()


def test_an_unknown_channel_is_a_programming_error():
    with pytest.raises(ValueError, match="zalo"):
        enqueue(key="k", channel="zalo", recipient="0912345678", body="x")
    with pytest.raises(ValueError, match="key"):
        enqueue(key=" ", channel="sms", recipient="0912345678", body="x")


def test_the_row_keeps_what_was_given():
    notification = put(
        "dossier:1:received:email",
        channel="email",
        recipient="  binh@example.vn ",
        subject="Tiếp nhận  hồ sơ\n" + "x" * 300,
        available_at=None,
    )
    assert notification.recipient == "binh@example.vn"
    assert len(notification.subject) == 255 and notification.subject.startswith("Tiếp nhận hồ sơ")
    assert notification.next_attempt_at is not None


# ---------------------------------------------------------------------------------------------
# deliver


def test_due_notifications_are_sent_once(recorder: Recorder):
    a = put("a")
    b = put("b", available_at=at(120))  # not yet
    assert deliver_due(at(1)) == 1
    assert recorder.sent == ["a"]
    a = reload(a)
    assert a.state == NotificationState.SENT and a.attempts == 1
    assert close_to(a.sent_at, at(1))
    assert a.claimed_until is None and a.claimed_by == "" and a.last_error == ""
    assert deliver_due(at(60)) == 0
    assert deliver_due(at(121)) == 1
    assert recorder.sent == ["a", "b"]
    assert reload(b).state == NotificationState.SENT


def test_the_batch_limits_one_pass(recorder: Recorder):
    for n in range(5):
        put(f"k{n}", available_at=at(n))
    assert deliver_due(at(10), batch=2) == 2
    assert recorder.sent == ["k0", "k1"]  # oldest first
    assert deliver_due(at(10), batch=10) == 3


def test_a_temporary_failure_is_retried_with_back_off(recorder: Recorder):
    notification = put()
    recorder.failures[notification.key] = [
        TemporaryFailure("SMS gateway HTTP 503"),
        TemporaryFailure("SMS gateway HTTP 503"),
    ]
    assert deliver_due(at(0)) == 1
    notification = reload(notification)
    assert notification.state == NotificationState.PENDING and notification.attempts == 1
    assert close_to(notification.next_attempt_at, at(60))
    assert notification.last_error == "SMS gateway HTTP 503"
    assert notification.claimed_until is None

    assert deliver_due(at(59)) == 0  # not due yet
    assert deliver_due(at(61)) == 1
    notification = reload(notification)
    assert notification.attempts == 2
    assert close_to(notification.next_attempt_at, at(61 + 120))  # twice as long

    assert deliver_due(at(61 + 121)) == 1
    notification = reload(notification)
    assert notification.state == NotificationState.SENT and notification.attempts == 3
    assert recorder.sent == [notification.key]


def test_back_off_doubles_up_to_six_hours():
    assert [services.backoff(n) for n in range(1, 6)] == [MINUTE * m for m in (1, 2, 4, 8, 16)]
    assert services.backoff(9) == MINUTE * 256
    assert services.backoff(10) == dt.timedelta(hours=6)
    assert services.backoff(40) == dt.timedelta(hours=6)


def test_a_server_asking_to_wait_longer_is_honoured(recorder: Recorder):
    notification = put()
    recorder.failures[notification.key] = [
        TemporaryFailure("HTTP 429", retry_after=dt.timedelta(minutes=10))
    ]
    deliver_due(at(0))
    assert close_to(reload(notification).next_attempt_at, at(600))


def test_a_notification_fails_after_the_maximum_attempts(recorder: Recorder, settings):
    settings.MOTCUA_NOTIFICATION_MAX_ATTEMPTS = 3
    notification = put()
    recorder.failures[notification.key] = [TemporaryFailure(f"down {n}") for n in range(5)]
    moment = at(0)
    for _ in range(3):
        assert deliver_due(moment) == 1
        moment += dt.timedelta(hours=7)
    notification = reload(notification)
    assert notification.state == NotificationState.FAILED
    assert notification.attempts == 3 and notification.last_error == "down 2"
    assert deliver_due(moment) == 0
    assert recorder.sent == []


def test_a_permanent_failure_gives_up_at_once(recorder: Recorder):
    notification = put()
    recorder.failures[notification.key] = [PermanentFailure("SMS gateway HTTP 400: bad number")]
    assert deliver_due(at(0)) == 1
    notification = reload(notification)
    assert notification.state == NotificationState.FAILED and notification.attempts == 1
    assert notification.last_error == "SMS gateway HTTP 400: bad number"
    assert deliver_due(at(3600)) == 0


def test_a_broken_channel_keeps_the_message_for_later(recorder: Recorder, caplog):
    notification = put()
    recorder.failures[notification.key] = [KeyError("template")]
    with caplog.at_level(logging.ERROR, logger="motcua.notifications.services"):
        assert deliver_due(at(0)) == 1
    notification = reload(notification)
    assert notification.state == NotificationState.PENDING and notification.attempts == 1
    assert notification.last_error == "KeyError: 'template'"
    assert "Traceback" in caplog.text
    assert deliver_due(at(61)) == 1 and recorder.sent == [notification.key]


def test_one_failure_does_not_hold_up_the_others(recorder: Recorder):
    put("bad")
    put("good", available_at=at(1))
    recorder.failures["bad"] = [PermanentFailure("no")]
    assert deliver_due(at(2)) == 2
    assert recorder.sent == ["good"]


# ---------------------------------------------------------------------------------------------
# leases


def claimed(notification: Notification, until: dt.datetime, by: str = "dead-worker:1") -> None:
    Notification.objects.filter(pk=notification.pk).update(
        state=NotificationState.SENDING, claimed_until=until, claimed_by=by
    )


def test_an_expired_claim_is_picked_up_again(recorder: Recorder, caplog):
    notification = put()
    claimed(notification, until=at(300))  # its worker died mid-send
    with caplog.at_level(logging.WARNING, logger="motcua.notifications.services"):
        assert deliver_due(at(301), worker_id="w2") == 1
    assert recorder.sent == [notification.key]
    notification = reload(notification)
    assert notification.state == NotificationState.SENT
    assert "dead-worker:1" in caplog.text


def test_a_live_claim_is_left_alone(recorder: Recorder):
    notification = put()
    claimed(notification, until=at(300))
    assert deliver_due(at(299)) == 0
    assert recorder.sent == []
    assert reload(notification).state == NotificationState.SENDING


def test_a_claim_is_a_lease_of_this_worker(recorder: Recorder):
    put()
    leases: list[tuple[str, str, dt.datetime | None]] = []

    def look(n: Notification) -> None:
        row = Notification.objects.get(pk=n.pk)
        leases.append((row.state, row.claimed_by, row.claimed_until))

    recorder.send = look  # type: ignore[method-assign]
    deliver_due(at(0), worker_id="host:42")
    [(state, by, until)] = leases
    assert (state, by) == (NotificationState.SENDING, "host:42")
    assert close_to(until, at(0) + services.CLAIM_LEASE)


def test_a_claim_taken_by_another_worker_is_not_claimed_twice(recorder: Recorder):
    notification = put()
    stale = Notification.objects.get(pk=notification.pk)  # read before the other worker
    assert services._claim(Notification.objects.get(pk=notification.pk), at(0), "w1")
    assert not services._claim(stale, at(0), "w2")
    assert reload(notification).claimed_by == "w1"


def test_a_worker_that_lost_its_lease_does_not_overwrite_the_outcome(recorder: Recorder):
    notification = put()
    mine = Notification.objects.get(pk=notification.pk)
    assert services._claim(mine, at(0), "slow")
    # "slow" stalls past its lease; "fast" takes the row over and sends it.
    assert deliver_due(at(0) + services.CLAIM_LEASE + MINUTE, worker_id="fast") == 1
    services._retry_later(mine, "late timeout", at(400), None)
    notification = reload(notification)
    assert notification.state == NotificationState.SENT and notification.last_error == ""


# ---------------------------------------------------------------------------------------------
# channels from the settings


def test_a_misconfigured_channel_holds_its_messages_only(settings, caplog):
    settings.MOTCUA_NOTIFICATION_CHANNELS = {"email": "console", "sms": "http"}
    settings.MOTCUA_SMS_GATEWAY_URL = ""
    sms = put("sms")
    mail = put("mail", channel="email", recipient="binh@example.vn", subject="Chào")
    with caplog.at_level(logging.INFO):
        assert deliver_due(at(0)) == 1
    assert reload(sms).state == NotificationState.PENDING and reload(sms).attempts == 0
    assert reload(mail).state == NotificationState.SENT
    assert "MOTCUA_SMS_GATEWAY_URL" in caplog.text


def test_an_unknown_implementation_is_reported(settings, caplog):
    settings.MOTCUA_NOTIFICATION_CHANNELS = {"email": "pigeon", "sms": "console"}
    mail = put("mail", channel="email", recipient="binh@example.vn")
    with caplog.at_level(logging.ERROR):
        assert deliver_due(at(0)) == 0
    assert "'pigeon' is not a known channel" in caplog.text
    assert reload(mail).state == NotificationState.PENDING


def test_the_console_channel_writes_a_readable_block(settings, caplog):
    settings.MOTCUA_NOTIFICATION_CHANNELS = {}  # console by default
    put(
        "mail",
        channel="email",
        recipient="binh@example.vn",
        subject="Kết quả hồ sơ",
        body="Kính gửi ông Trần Văn Bình,\nHồ sơ đã có kết quả.",
    )
    put("dev", channel="console", recipient="cán bộ", body="Nhắc việc")
    with caplog.at_level(logging.INFO, logger="motcua.notifications.console"):
        assert deliver_due(at(0)) == 2
    assert "[email] → binh@example.vn" in caplog.text
    assert "subject: Kết quả hồ sơ" in caplog.text
    assert "Kính gửi ông Trần Văn Bình,\nHồ sơ đã có kết quả." in caplog.text
    assert "[console] → cán bộ" in caplog.text
    assert Notification.objects.filter(state=NotificationState.SENT).count() == 2


# ---------------------------------------------------------------------------------------------
# operator


def test_an_operator_sends_a_failed_notification_again(recorder: Recorder):
    notification = put()
    recorder.failures[notification.key] = [PermanentFailure("gateway refused")]
    deliver_due(at(0))
    assert retry(notification, now=at(100))
    assert notification.state == NotificationState.PENDING and notification.attempts == 0
    assert notification.next_attempt_at == at(100)
    assert deliver_due(at(100)) == 1
    assert reload(notification).state == NotificationState.SENT


def test_a_sent_notification_is_not_sent_again(recorder: Recorder):
    notification = put()
    deliver_due(at(0))
    assert not retry(notification)
    assert notification.state == NotificationState.SENT
    assert deliver_due(at(3600)) == 0
    assert recorder.sent == [notification.key]


@pytest.mark.django_db
def test_enqueue_many_inserts_once_per_key_and_skips_missing_recipients():
    from motcua.notifications.models import Notification
    from motcua.notifications.services import enqueue_many

    messages = [
        {"key": "k:1", "channel": "email", "recipient": "a@example.vn", "body": "Một"},
        {"key": "k:2", "channel": "email", "recipient": "", "body": "Không ai nhận"},
    ]
    assert enqueue_many(messages=messages) == 1
    assert enqueue_many(messages=messages) == 1  # the same key again: skipped by the index
    assert list(Notification.objects.values_list("key", "body")) == [("k:1", "Một")]
    with pytest.raises(ValueError):
        enqueue_many(messages=[{"key": "k:3", "channel": "fax", "recipient": "x", "body": "x"}])
