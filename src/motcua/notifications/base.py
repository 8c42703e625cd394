"""What a delivery channel is: an object with ``name`` and :meth:`Channel.send`.

``send`` either returns (the message was handed over: the SMTP server or the SMS gateway
accepted it) or raises one of the two failures below, which tell the outbox whether trying
again later can help. Any other exception is taken as temporary (a plugin's bug must not lose
a message) and logged with its traceback.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .models import Notification


class DeliveryFailure(Exception):
    """The message was not delivered; the text says why (kept in ``last_error``)."""


class TemporaryFailure(DeliveryFailure):
    """Try again later: the server is busy or unreachable, the gateway throttles (SMTP 4xx,
    HTTP 429 or 5xx, timeouts, refused connections). ``retry_after`` is the server's own
    request (an HTTP ``Retry-After``), used when longer than the outbox's back-off."""

    def __init__(self, message: str, *, retry_after: dt.timedelta | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentFailure(DeliveryFailure):
    """Trying again cannot help: the address does not exist, the gateway refuses the request
    (SMTP 5xx for the recipient, HTTP 4xx other than 429)."""


class Channel(Protocol):
    name: str

    def send(self, notification: Notification) -> None: ...
