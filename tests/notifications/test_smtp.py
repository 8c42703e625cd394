"""The ``smtp`` e-mail channel in a real SMTP exchange with a fake server on 127.0.0.1."""

from __future__ import annotations

import socket

import pytest

from motcua.notifications.base import PermanentFailure, TemporaryFailure
from motcua.notifications.contrib.smtp import SmtpChannel
from motcua.notifications.models import Notification, NotificationState
from motcua.notifications.registry import get_channel
from motcua.notifications.services import deliver_due, enqueue

from .conftest import FakeSmtp, at, close_to

pytestmark = pytest.mark.django_db

SUBJECT = "Hồ sơ 000.00.06.H56-260302-0001: đã có kết quả giải quyết"
BODY = (
    "Kính gửi ông Trần Văn Bình,\n\n"
    "Hồ sơ đăng ký khai sinh của ông đã có kết quả. Mời ông đến Bộ phận Một cửa "
    "xã Ia Grai nhận kết quả từ ngày 05/03/2026.\n\n"
    "Trân trọng,\nTrung tâm Phục vụ hành chính công tỉnh Gia Lai"
)


def mail(recipient: str = "binh@example.vn", key: str = "dossier:1:result:email") -> Notification:
    notification = enqueue(
        key=key,
        channel="email",
        recipient=recipient,
        subject=SUBJECT,
        body=BODY,
        available_at=at(0),
    )
    assert notification is not None
    return notification


def test_the_message_arrives_with_its_vietnamese_text_intact(smtp_server: FakeSmtp):
    notification = mail()
    assert deliver_due(at(1)) == 1
    [message] = smtp_server.messages
    # A long encoded subject is folded onto the next line ("Subject:" CRLF SP "=?utf-8?b?…");
    # unfolding leaves the folding space in front, which mail readers ignore.
    assert message["Subject"].lstrip() == SUBJECT
    assert message["To"] == "binh@example.vn"
    assert message["From"] == "Trung tâm Phục vụ HCC <motcua@gialai.example>"
    assert message["X-Motcua-Notification"] == "dossier:1:result:email"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().replace("\r\n", "\n").rstrip("\n") == BODY  # CRLF on the wire
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["binh@example.vn"]
    assert envelope.mail_from == "motcua@gialai.example"
    notification.refresh_from_db()
    assert notification.state == NotificationState.SENT


def test_a_recipient_refused_with_5xx_is_a_permanent_failure(smtp_server: FakeSmtp):
    smtp_server.rcpt_replies["nobody@example.vn"] = "550 5.1.1 <nobody@example.vn>: no such user"
    notification = mail("nobody@example.vn")
    assert deliver_due(at(1)) == 1
    notification.refresh_from_db()
    assert notification.state == NotificationState.FAILED and notification.attempts == 1
    assert "550" in notification.last_error and "no such user" in notification.last_error
    assert smtp_server.messages == []


def test_a_recipient_deferred_with_4xx_is_retried_with_back_off(smtp_server: FakeSmtp):
    smtp_server.rcpt_replies["busy@example.vn"] = "451 4.7.1 greylisted, try again later"
    notification = mail("busy@example.vn")
    assert deliver_due(at(1)) == 1
    notification.refresh_from_db()
    assert notification.state == NotificationState.PENDING and notification.attempts == 1
    assert close_to(notification.next_attempt_at, at(61))
    assert "451" in notification.last_error

    del smtp_server.rcpt_replies["busy@example.vn"]  # the server accepts it now
    assert deliver_due(at(62)) == 1
    notification.refresh_from_db()
    assert notification.state == NotificationState.SENT and notification.attempts == 2
    assert len(smtp_server.messages) == 1


def test_a_message_refused_with_5xx_at_data_is_permanent(smtp_server: FakeSmtp):
    smtp_server.data_reply = "554 5.7.1 message rejected as spam"
    with pytest.raises(PermanentFailure, match="554"):
        SmtpChannel().send(mail())


def test_a_message_deferred_at_data_is_temporary(smtp_server: FakeSmtp):
    smtp_server.data_reply = "452 4.3.1 insufficient system storage"
    with pytest.raises(TemporaryFailure, match="452"):
        SmtpChannel().send(mail())


def test_an_unreachable_server_is_temporary(smtp_server: FakeSmtp):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TemporaryFailure, match="SMTP"):
        SmtpChannel(port=port, timeout=2).send(mail())


def test_an_address_that_cannot_be_written_is_permanent(smtp_server: FakeSmtp):
    with pytest.raises(PermanentFailure, match="invalid address"):
        SmtpChannel().send(mail("binh@example.vn\nBcc: all@example.vn"))


def test_the_setting_chooses_smtp_with_the_email_settings(smtp_server: FakeSmtp):
    channel = get_channel("email")
    assert isinstance(channel, SmtpChannel)
    assert channel.options["host"] == "127.0.0.1" and channel.options["port"] == smtp_server.port
    assert channel.options["timeout"] == 5
    assert channel.from_email == "Trung tâm Phục vụ HCC <motcua@gialai.example>"
