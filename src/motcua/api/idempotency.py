"""``Idempotency-Key``: a retried state-changing call answers with what the first one did.

A key belongs to one user (the token's). The first request with a key *claims* it by inserting
an :class:`~motcua.api.models.IdempotencyRecord` inside the transaction that makes the change,
with a fingerprint of the request (operation, path, canonical body). Then:

- the same key with the same request again: the record is found and the handler answers with
  the current state of what the first request made (a dossier: 200 with its detail);
- the same key with a different request: 422 ``idempotency_key_reused``;
- two deliveries at the same moment: the second insert waits on the first's uncommitted row
  (PostgreSQL's unique index; SQLite serialises writers), fails once the first commits, and the
  second request answers as a retry. If the first rolled back, the second goes ahead;
- a request that failed leaves no record (its transaction rolled back): the key may be used
  again, e.g. with a corrected body.

Usage in a handler (:func:`once` does it all)::

    key = idempotency.clean_key(idempotency_key)
    fp = idempotency.fingerprint("dossier.create", request.path, payload.model_dump(mode="json"))
    dossier, first_time = idempotency.once(
        user=user, key=key, operation="dossier.create", fingerprint=fp,
        action=lambda: services.receive_dossier(...), result_field="dossier",
    )
    return (201 if first_time else 200), detail(dossier)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .errors import ApiError
from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 100


def clean_key(value: str | None) -> str | None:
    """The header's value, or None when absent or blank; 400 when it cannot be a key."""
    if value is None or not value.strip():
        return None
    key = value.strip()
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ApiError(
            400,
            "invalid_parameter",
            _("Khóa chống trùng (Idempotency-Key) không hợp lệ."),
            [
                {
                    "location": "header",
                    "field": HEADER,
                    "type": "invalid_idempotency_key",
                    "message": _("Tối đa %(max)s ký tự in được, ví dụ một UUID.")
                    % {"max": MAX_KEY_LENGTH},
                }
            ],
        )
    return key


def fingerprint(operation: str, path: str, payload: Any) -> str:
    """SHA-256 of the request as it matters: the same operation on the same path with the same
    body (keys sorted, so the order of JSON keys does not count)."""
    canonical = json.dumps(
        [operation, path, payload],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def key_reused(key: str) -> ApiError:
    """The 422 for a key sent again with another body (also used by the citizens' cache-backed
    keys of the queue API)."""
    return ApiError(
        422,
        "idempotency_key_reused",
        _(
            "Khóa chống trùng “%(key)s” đã được dùng cho một yêu cầu khác; mỗi yêu cầu mới cần "
            "một khóa mới."
        )
        % {"key": key},
        [
            {
                "location": "header",
                "field": HEADER,
                "type": "idempotency_key_reused",
                "message": _("Nội dung yêu cầu khác với lần đầu dùng khóa này."),
            }
        ],
    )


def previous(user: Any, key: str | None, fp: str) -> IdempotencyRecord | None:
    """The record of an earlier request with ``key`` (same request), or None; raises 422
    ``idempotency_key_reused`` when the earlier request was a different one."""
    if key is None:
        return None
    record = (
        IdempotencyRecord.objects.select_related("dossier", "document")
        .filter(user=user, key=key)
        .first()
    )
    if record is not None and record.fingerprint != fp:
        raise key_reused(key)
    return record


def claim(user: Any, key: str | None, operation: str, fp: str) -> IdempotencyRecord | None:
    """Inside the change's transaction: take ``key`` for this request. None when ``key`` is
    None, or when another request holds it (then call :func:`previous` after the transaction
    and answer as a retry)."""
    if key is None:
        return None
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("claim() must run inside the transaction that makes the change.")
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                user=user, key=key, operation=operation, fingerprint=fp
            )
    except IntegrityError:
        return None


def complete(record: IdempotencyRecord | None, **result: Any) -> None:
    """Record what the request made (``dossier=`` or ``document=``)."""
    if record is None:
        return
    for name, value in result.items():
        setattr(record, name, value)
    record.save(update_fields=list(result))


def once(
    *,
    user: Any,
    key: str | None,
    operation: str,
    fingerprint: str,
    action: Callable[[], Any],
    result_field: str,
) -> tuple[Any, bool]:
    """Run ``action`` (which returns the object to remember, e.g. the dossier) at most once per
    ``key``: ``(object, True)`` the first time, ``(the first request's object, False)`` on a
    retry. Without a key, ``action`` simply runs. ``action``'s errors pass through, and then
    nothing is recorded."""
    for _attempt in range(3):
        done = previous(user, key, fingerprint)
        if done is not None:
            return getattr(done, result_field), False
        with transaction.atomic():
            record = claim(user, key, operation, fingerprint)
            if key is None or record is not None:
                result = action()
                complete(record, **{result_field: result})
                return result, True
        # Another delivery of the same key committed in between: answer as its retry.
    raise ApiError(
        409,
        "idempotency_conflict",
        _("Một yêu cầu khác với cùng khóa chống trùng đang được xử lý; hãy thử lại sau."),
    )
