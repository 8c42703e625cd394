"""``smtp``: e-mail through an SMTP server, with Django's mail library.

Settings (environment variables of the same name, docs/notifications.md): ``EMAIL_HOST``,
``EMAIL_PORT``, ``EMAIL_HOST_USER``, ``EMAIL_HOST_PASSWORD``, ``EMAIL_USE_TLS`` (STARTTLS),
``EMAIL_USE_SSL`` (implicit TLS), ``EMAIL_TIMEOUT``, ``DEFAULT_FROM_EMAIL``. The channel always
speaks SMTP, whatever ``EMAIL_BACKEND`` says, so the outbox alone decides when mail leaves.

How failures are read:

- the recipient refused with 5xx (``550 no such user``), or the message refused with 5xx
  (``554 rejected as spam``, too large), or an address that cannot be written: permanent;
- any 4xx (``451 try again later``, greylisting), a refused or lost connection, a timeout, a
  TLS error, and our own sender or login refused (a configuration to fix, after which the same
  message can go): temporary.
"""

from __future__ import annotations

import contextlib
import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from ..base import PermanentFailure, TemporaryFailure
from ..models import Notification
from ..registry import register

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
DEFAULT_TIMEOUT = 10.0


@register("email", "smtp")
class SmtpChannel:
    name = "smtp"

    def __init__(self, **overrides: Any) -> None:
        """Connection parameters from the settings; ``overrides`` (host, port, username,
        password, use_tls, use_ssl, timeout, from_email) replace single ones (tests)."""
        self.options: dict[str, Any] = {
            "host": settings.EMAIL_HOST,
            "port": settings.EMAIL_PORT,
            "username": settings.EMAIL_HOST_USER,
            "password": settings.EMAIL_HOST_PASSWORD,
            "use_tls": settings.EMAIL_USE_TLS,
            "use_ssl": settings.EMAIL_USE_SSL,
            "timeout": getattr(settings, "EMAIL_TIMEOUT", None) or DEFAULT_TIMEOUT,
        }
        self.from_email: str = overrides.pop("from_email", None) or settings.DEFAULT_FROM_EMAIL
        self.options.update(overrides)

    def send(self, notification: Notification) -> None:
        connection = get_connection(backend=SMTP_BACKEND, fail_silently=False, **self.options)
        message = EmailMessage(
            subject=notification.subject,
            body=notification.body,
            from_email=self.from_email,
            to=[notification.recipient],
            headers={
                # RFC 3834: an automatic message, so mail servers send no vacation replies.
                "Auto-Submitted": "auto-generated",
                "X-Motcua-Notification": notification.key,
            },
            connection=connection,
        )
        try:
            connection.open()
            sent = connection.send_messages([message])
        except smtplib.SMTPRecipientsRefused as exc:
            raise _refused(exc) from exc
        except smtplib.SMTPResponseException as exc:
            raise _response(exc) from exc
        except ValueError as exc:  # Django refuses an address it cannot write
            raise PermanentFailure(f"invalid address: {exc}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(f"SMTP {type(exc).__name__}: {exc}") from exc
        finally:
            # The message is handed over once DATA was accepted; an error while saying
            # goodbye must not make it count as failed (and be sent again).
            with contextlib.suppress(Exception):
                connection.close()
        if not sent:
            raise PermanentFailure("no recipient")


def _text(message: bytes | str) -> str:
    return message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)


def _refused(exc: smtplib.SMTPRecipientsRefused) -> Exception:
    """All recipients refused: permanent when the server said 5xx for them."""
    replies = [(int(code), _text(text)) for code, text in exc.recipients.values()]
    detail = "; ".join(f"{code} {text}" for code, text in replies)
    if replies and all(code >= 500 for code, _text_ in replies):
        return PermanentFailure(f"SMTP recipient refused: {detail}")
    return TemporaryFailure(f"SMTP recipient deferred: {detail}")


def _response(exc: smtplib.SMTPResponseException) -> Exception:
    detail = f"SMTP {exc.smtp_code} {_text(exc.smtp_error)}"
    # The message itself refused for good. A refused sender or login is ours to fix, and the
    # same message can go once it is fixed: keep retrying until the attempts run out.
    if isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code >= 500:
        return PermanentFailure(detail)
    return TemporaryFailure(detail)
