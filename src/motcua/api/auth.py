"""Authentication of API calls: staff bearer tokens.

A staff member's token is made with ``motcua token create USERNAME [--name NAME]``, which
prints it once: ``mc_<prefix>_<secret>``. Only the SHA-256 of the whole token is stored
(:class:`~motcua.api.models.ApiToken`); the prefix is the public part, shown in lists and used
to revoke it (``motcua token revoke PREFIX``).

A client sends ``Authorization: Bearer mc_<prefix>_<secret>``. The request then acts as the
token's user: ``request.user`` is that user and ``organization.permissions`` answers for them
exactly as for the workspace (the capabilities of their roles in force at that moment). A
missing, malformed, unknown or revoked token, or a token of an inactive user, is answered by
``errors.py`` as 401 ``not_authenticated``; a user lacking a capability gets 403
``permission_denied`` from the handler or the service.

:data:`DEFAULT_AUTH` is the authentication of every router that does not set its own, so the
API is closed by default; public routers say ``auth=PUBLIC`` (the procedure catalogue, the
public dossier lookup) and stay open. Bearer tokens are not cookies, so these endpoints need no
CSRF token; keep session authentication out of the API.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import string
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from .models import ApiToken

TOKEN_PREFIX = "mc"
PREFIX_LENGTH = 8
PREFIX_ALPHABET = string.ascii_lowercase + string.digits
# Writing last_used_at on every request would turn every read into a write: once a minute.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _split(token: str) -> tuple[str, str] | None:
    """``(prefix, secret)`` of a well-formed token, else None."""
    parts = token.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    prefix, secret = parts[1], parts[2]
    if len(prefix) != PREFIX_LENGTH or not secret:
        return None
    return prefix, secret


@transaction.atomic
def create_token(*, user: Any, name: str = "") -> tuple[ApiToken, str]:
    """A new token for ``user``: the row and the token text (shown once, never stored)."""
    while True:
        prefix = "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
        if not ApiToken.objects.filter(prefix=prefix).exists():
            break
    token = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiToken.objects.create(
        user=user, name=name.strip()[:100], prefix=prefix, key_hash=hash_token(token)
    )
    return row, token


def revoke_token(*, prefix: str) -> ApiToken | None:
    """Revoke the token with ``prefix`` (also given as ``mc_<prefix>`` or the whole token);
    None when there is none. Revoking twice keeps the first moment."""
    text = prefix.strip()
    parsed = _split(text)
    if parsed is not None:
        text = parsed[0]
    elif text.startswith(f"{TOKEN_PREFIX}_"):
        text = text[len(TOKEN_PREFIX) + 1 :].rstrip("_")
    row = ApiToken.objects.filter(prefix=text).first()
    if row is None:
        return None
    if row.revoked_at is None:
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
    return row


def user_for_token(token: str) -> Any | None:
    """The active user of an active token, else None. One query (two when ``last_used_at``
    is due for an update)."""
    parsed = _split(token)
    if parsed is None:
        return None
    row = (
        ApiToken.objects.select_related("user")
        .filter(prefix=parsed[0], revoked_at__isnull=True)
        .first()
    )
    if row is None or not hmac.compare_digest(row.key_hash, hash_token(token.strip())):
        return None
    if not row.user.is_active:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user


class StaffToken(HttpBearer):
    """``Authorization: Bearer mc_<prefix>_<secret>`` → the token's user."""

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        user = user_for_token(token)
        if user is None:
            return None
        # permissions.py then answers as for the workspace; the API keeps no session.
        request.user = user
        return user


# The authentication of every router that does not set its own (ninja's ``auth=``).
DEFAULT_AUTH: Any = StaffToken()

# Marks a router or operation as public whatever DEFAULT_AUTH is (``auth=PUBLIC``).
PUBLIC: None = None
