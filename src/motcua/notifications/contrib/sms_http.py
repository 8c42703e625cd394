"""``http``: SMS through an HTTP gateway that speaks a small documented JSON protocol.

Carriers' brand-name SMS interfaces (Viettel, VNPT, MobiFone, …) differ and are contracted per
province, so motcua speaks one protocol of its own and a province puts a small adapter in
front of its carrier (docs/notifications.md, "The SMS gateway interface"):

``POST MOTCUA_SMS_GATEWAY_URL`` with ``Content-Type: application/json; charset=utf-8``,
``Authorization: Bearer MOTCUA_SMS_GATEWAY_TOKEN`` (when set) and ``Idempotency-Key`` (the
reference again); body::

    {"to": "+84912345678", "message": "Hồ sơ … đã được tiếp nhận.", "reference": "<key>"}

``reference`` is the outbox key: the same message sent again (a retry after a lost answer)
carries the same reference, and the gateway must not deliver it twice. Answer ``2xx`` with
``{"id": "<the gateway's message id>"}``.

- ``429``, ``5xx``, a timeout or a refused connection: temporary (``Retry-After`` in seconds is
  honoured);
- any other status (``400``, ``401``, ``403``, ``404``, ``422``, a redirect): permanent.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ..base import PermanentFailure, TemporaryFailure
from ..models import Notification
from ..registry import register

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
MAX_RESPONSE_BYTES = 64 * 1024
MAX_ERROR_TEXT = 300
_SEPARATORS = re.compile(r"[\s.\-()]")
_E164_VN = re.compile(r"^\+84\d{9,10}$")
_E164 = re.compile(r"^\+\d{8,15}$")


def to_e164(phone: str) -> str:
    """``0912 345 678`` → ``+84912345678``; an international number is kept. Raises
    :class:`PermanentFailure` for what cannot be a phone number."""
    value = _SEPARATORS.sub("", phone or "")
    if value.startswith("00"):
        value = "+" + value[2:]
    elif value.startswith("0"):
        value = "+84" + value[1:]
    elif value.startswith("84") and len(value) in (11, 12):
        value = "+" + value
    if not (_E164_VN.match(value) if value.startswith("+84") else _E164.match(value)):
        raise PermanentFailure(f"not a phone number: {phone!r}")
    return value


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is a misconfigured address: urllib would repeat the POST as a GET, possibly to
    another host; surface it as the 3xx it is instead."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


@register("sms", "http")
class HttpSmsChannel:
    name = "http"

    def __init__(
        self, url: str | None = None, token: str | None = None, timeout: float | None = None
    ) -> None:
        self.url: str = url or str(getattr(settings, "MOTCUA_SMS_GATEWAY_URL", "") or "")
        if urlsplit(self.url).scheme not in ("http", "https"):
            raise ImproperlyConfigured(
                "MOTCUA_SMS_GATEWAY_URL must be the http(s) address of the SMS gateway"
            )
        self.token: str = (
            token
            if token is not None
            else str(getattr(settings, "MOTCUA_SMS_GATEWAY_TOKEN", "") or "")
        )
        configured = getattr(settings, "MOTCUA_SMS_GATEWAY_TIMEOUT", DEFAULT_TIMEOUT)
        self.timeout = float(timeout if timeout is not None else configured)

    def send(self, notification: Notification) -> None:
        payload = {
            "to": to_e164(notification.recipient),
            "message": notification.body,
            "reference": notification.key,
        }
        request = urllib.request.Request(
            self.url,
            data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            headers=self._headers(notification.key),
            method="POST",
        )
        try:
            with _opener.open(request, timeout=self.timeout) as response:
                raw = response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            raise _http_error(exc) from exc
        except (TimeoutError, urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise TemporaryFailure(
                f"SMS gateway unreachable: {reason or type(exc).__name__}"
            ) from exc
        self._log_accepted(notification, raw)

    def _headers(self, reference: str) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "Idempotency-Key": reference,
        }
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    @staticmethod
    def _log_accepted(notification: Notification, raw: bytes) -> None:
        # 2xx means the gateway took the message: an odd body must not make us send it again.
        try:
            message_id = json.loads(raw.decode("utf-8")).get("id")
        except (UnicodeDecodeError, ValueError, AttributeError):
            message_id = None
        if message_id is None:
            logger.warning("SMS gateway accepted %s without a message id", notification.key)
        else:
            logger.info("SMS gateway accepted %s as %s", notification.key, message_id)


def _http_error(exc: urllib.error.HTTPError) -> Exception:
    try:
        text = exc.read(MAX_ERROR_TEXT).decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    detail = f"SMS gateway HTTP {exc.code}" + (f": {text}" if text else "")
    if exc.code == 429 or exc.code >= 500:
        return TemporaryFailure(detail, retry_after=_retry_after(exc.headers.get("Retry-After")))
    return PermanentFailure(detail)


def _retry_after(value: str | None) -> dt.timedelta | None:
    """``Retry-After`` in seconds (the HTTP-date form is ignored: the back-off applies)."""
    if value and value.strip().isdigit():
        return dt.timedelta(seconds=int(value.strip()))
    return None
