"""The outbox's use cases: put a message in (:func:`enqueue`), deliver what is due
(:func:`deliver_due`, a ``motcua worker`` job) and send a failed one again (:func:`retry`).

Delivery is safe with any number of workers: a worker *claims* a row with a conditional
``UPDATE`` (only one ``UPDATE`` can move a row from a claimable state to ``sending``), sends it
outside any transaction, then records the outcome. The claim is a lease (``claimed_until``):
a worker that dies mid-send leaves a ``sending`` row whose lease expires, and the next pass
picks it up again. So a message is sent at least once and, unless a worker stalls longer than
the lease, exactly once; the SMS reference and the e-mail header carry the key, so a receiver
can drop the rare duplicate.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from . import registry
from .base import Channel, PermanentFailure, TemporaryFailure
from .models import Notification, NotificationChannel, NotificationState

logger = logging.getLogger(__name__)

# Longer than any send can take (the SMTP and SMS timeouts are seconds), so a live worker
# never loses its claim; short enough that a dead worker's messages wait minutes, not hours.
CLAIM_LEASE = dt.timedelta(minutes=5)
# A technical retry of a delivery, not a legal deadline: plain time is right here.
FIRST_RETRY_DELAY = dt.timedelta(minutes=1)
MAX_RETRY_DELAY = dt.timedelta(hours=6)
DEFAULT_MAX_ATTEMPTS = 8
MAX_ERROR_LENGTH = 2000

_KEY_LENGTH = Notification._meta.get_field("key").max_length or 200
_RECIPIENT_LENGTH = Notification._meta.get_field("recipient").max_length or 254
_SUBJECT_LENGTH = Notification._meta.get_field("subject").max_length or 255


# ---------------------------------------------------------------------------------------------
# enqueue


def enqueue(
    *,
    key: str,
    channel: str,
    recipient: str,
    subject: str = "",
    body: str,
    dossier: Any = None,
    user: Any = None,
    available_at: dt.datetime | None = None,
) -> Notification | None:
    """Put a message in the outbox, once per ``key``; returns the row (the existing one when
    ``key`` was used before), or None when there is nobody to send to (``recipient`` empty:
    a citizen without e-mail simply gets no e-mail).

    Call it inside the transaction of the change it tells about: if that rolls back, the
    message goes with it. ``available_at`` delays the first attempt. Raises ``ValueError`` for
    an unknown ``channel`` or a key or recipient that cannot be stored."""
    if channel not in NotificationChannel.values:
        raise ValueError(f"unknown notification channel {channel!r}")
    key = (key or "").strip()
    if not key or len(key) > _KEY_LENGTH:
        raise ValueError(f"a notification key has 1 to {_KEY_LENGTH} characters")
    recipient = (recipient or "").strip()
    if not recipient:
        return None
    if len(recipient) > _RECIPIENT_LENGTH:
        raise ValueError(f"recipient longer than {_RECIPIENT_LENGTH} characters")
    existing = Notification.objects.filter(key=key).first()
    if existing is not None:
        return existing
    values = {
        "channel": channel,
        "recipient": recipient,
        "subject": _shorten(" ".join(subject.split()), _SUBJECT_LENGTH),
        "body": body,
        "dossier": dossier,
        "user": user,
        "next_attempt_at": available_at or timezone.now(),
    }
    try:
        # A savepoint: a concurrent enqueue of the same key fails on the unique index without
        # breaking the caller's transaction, and then the winner's row is the answer.
        with transaction.atomic():
            return Notification.objects.create(key=key, **values)
    except IntegrityError:
        return Notification.objects.get(key=key)


def enqueue_many(
    *,
    messages: list[dict[str, Any]],
    dossier: Any = None,
    available_at: dt.datetime | None = None,
) -> int:
    """Put several messages in the outbox in one insert; a key used before is skipped (the
    unique index decides, so two workers enqueuing the same keys add each message once).
    Each message is a dict with ``key``, ``channel``, ``recipient``, ``subject``, ``body`` and
    optionally ``user``; those without a recipient are dropped. Returns how many were given to
    the insert (skipped duplicates included)."""
    rows = []
    for message in messages:
        recipient = (message.get("recipient") or "").strip()
        if not recipient:
            continue
        if message["channel"] not in NotificationChannel.values:
            raise ValueError(f"unknown notification channel {message['channel']!r}")
        key = message["key"].strip()
        if not key or len(key) > _KEY_LENGTH or len(recipient) > _RECIPIENT_LENGTH:
            raise ValueError("a notification key or recipient that cannot be stored")
        rows.append(
            Notification(
                key=key,
                channel=message["channel"],
                recipient=recipient,
                subject=_shorten(" ".join(message.get("subject", "").split()), _SUBJECT_LENGTH),
                body=message["body"],
                dossier=dossier,
                user=message.get("user"),
                next_attempt_at=available_at or timezone.now(),
            )
        )
    if rows:
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _shorten(text: str, limit: int) -> str:
    # A subject is a courtesy line; a too long one is cut rather than failing the change that
    # sends it.
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------------------------------------
# deliver


class _Clock:
    """``now`` as the caller gave it, moving on with real time: a long batch takes its leases
    and back-offs from the moment of each send, not from the start of the batch."""

    def __init__(self, start: dt.datetime | None) -> None:
        self.start = start or timezone.now()
        self._origin = time.monotonic()

    def now(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=time.monotonic() - self._origin)


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def deliver_due(
    now: dt.datetime | None = None, *, batch: int = 100, worker_id: str | None = None
) -> int:
    """Send up to ``batch`` due notifications; returns how many this call handled (sent,
    rescheduled or given up), not counting rows another worker claimed first."""
    clock = _Clock(now)
    worker_id = (worker_id or default_worker_id())[:200]
    channels = _usable_channels()
    handled = 0
    for notification in _due(clock.start, batch, channels):
        if not _claim(notification, clock.now(), worker_id):
            continue  # another worker was faster
        _deliver(notification, channels[notification.channel], clock)
        handled += 1
    return handled


def _usable_channels() -> dict[str, Channel]:
    """The channel of every kind, leaving out a misconfigured one: its rows wait (and the error
    is logged every pass) while the other kinds go on."""
    usable: dict[str, Channel] = {}
    for kind in NotificationChannel.values:
        try:
            usable[kind] = registry.get_channel(kind)
        except ImproperlyConfigured as exc:
            logger.error("Notifications by %s wait: %s", kind, exc)
    return usable


def _due(now: dt.datetime, batch: int, channels: Iterable[str]) -> list[Notification]:
    claimable = Q(state=NotificationState.PENDING, next_attempt_at__lte=now) | Q(
        state=NotificationState.SENDING, claimed_until__lte=now
    )
    rows = Notification.objects.filter(claimable, channel__in=list(channels))
    return list(rows.order_by("next_attempt_at", "pk")[:batch])


def _claim(notification: Notification, now: dt.datetime, worker_id: str) -> bool:
    """Move the row to ``sending`` under this worker's lease, if it is still as we read it and
    still claimable. The database applies one such ``UPDATE`` at a time per row and re-checks
    the condition, so of two workers only one gets 1 row back."""
    rows = Notification.objects.filter(
        pk=notification.pk, state=notification.state, claimed_until=notification.claimed_until
    )
    if notification.state == NotificationState.PENDING:
        rows = rows.filter(next_attempt_at__lte=now)
    else:  # an expired lease: its worker died or stalled
        rows = rows.filter(claimed_until__lte=now)
    lease = now + CLAIM_LEASE
    claimed = rows.update(
        state=NotificationState.SENDING, claimed_until=lease, claimed_by=worker_id
    )
    if not claimed:
        return False
    if notification.state == NotificationState.SENDING:
        logger.warning(
            "Notification %s: the claim of %s expired; sending again",
            notification.key,
            notification.claimed_by,
        )
    notification.state = NotificationState.SENDING
    notification.claimed_until, notification.claimed_by = lease, worker_id
    return True


def _deliver(notification: Notification, channel: Channel, clock: _Clock) -> None:
    try:
        channel.send(notification)
    except TemporaryFailure as exc:
        _retry_later(notification, str(exc), clock.now(), exc.retry_after)
    except PermanentFailure as exc:
        logger.warning("Notification %s failed for good: %s", notification.key, exc)
        _finish(notification, state=NotificationState.FAILED, last_error=_error(exc))
    except Exception as exc:  # a plugin's bug: keep the message and try again later
        logger.exception("Channel %s failed on %s", channel.name, notification.key)
        _retry_later(notification, f"{type(exc).__name__}: {exc}", clock.now(), None)
    else:
        _mark_sent(notification, clock.now())


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed attempt: 1, 2, 4, … minutes, at most 6 hours."""
    delay = FIRST_RETRY_DELAY * 2 ** max(attempts - 1, 0)
    return min(delay, MAX_RETRY_DELAY)


def max_attempts() -> int:
    return max(int(getattr(settings, "MOTCUA_NOTIFICATION_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)), 1)


def _retry_later(
    notification: Notification,
    error: str,
    now: dt.datetime,
    retry_after: dt.timedelta | None,
) -> None:
    attempts = notification.attempts + 1
    if attempts >= max_attempts():
        logger.warning(
            "Notification %s failed after %s attempts: %s", notification.key, attempts, error
        )
        _finish(notification, state=NotificationState.FAILED, last_error=_error(error))
        return
    delay = min(max(backoff(attempts), retry_after or dt.timedelta(0)), MAX_RETRY_DELAY)
    logger.info("Notification %s: %s; next attempt in %s", notification.key, error, delay)
    _finish(
        notification,
        state=NotificationState.PENDING,
        next_attempt_at=now + delay,
        last_error=_error(error),
    )


def _finish(notification: Notification, **fields: Any) -> None:
    """Record a failed attempt, only while this worker still holds the claim: if it lost the
    lease, the worker that took the row over writes the outcome."""
    done = Notification.objects.filter(
        pk=notification.pk,
        state=NotificationState.SENDING,
        claimed_by=notification.claimed_by,
        claimed_until=notification.claimed_until,
    ).update(attempts=F("attempts") + 1, claimed_until=None, claimed_by="", **fields)
    if not done:
        logger.warning("Notification %s: the claim was lost before the outcome", notification.key)


def _mark_sent(notification: Notification, now: dt.datetime) -> None:
    # Unconditional on the lease: a message that went out has gone out, even if this worker
    # was too slow and another one took the row over meanwhile.
    Notification.objects.filter(pk=notification.pk).exclude(state=NotificationState.SENT).update(
        state=NotificationState.SENT,
        sent_at=now,
        attempts=F("attempts") + 1,
        claimed_until=None,
        claimed_by="",
        last_error="",
    )


def _error(error: object) -> str:
    return str(error)[:MAX_ERROR_LENGTH]


# ---------------------------------------------------------------------------------------------
# operator


def retry(notification: Notification, *, now: dt.datetime | None = None) -> bool:
    """Send a failed (or still waiting) notification again as soon as a worker passes, with a
    fresh count of attempts. Returns False for one already sent or being sent."""
    now = now or timezone.now()
    requeued = Notification.objects.filter(
        pk=notification.pk,
        state__in=[NotificationState.FAILED, NotificationState.PENDING],
    ).update(state=NotificationState.PENDING, attempts=0, next_attempt_at=now)
    notification.refresh_from_db()
    return bool(requeued)
