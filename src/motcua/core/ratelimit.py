"""Fixed-window rate limits on Django's cache framework.

A *scope* (``"lookup"``) allows ``limit`` hits per ``window`` seconds per client. The window is
aligned on the clock (``floor(now / window)``), its counter is one cache key created with
``cache.add`` and increased with ``cache.incr`` (both atomic on every shared backend), and it
expires on its own. Fixed windows let a client make up to twice the limit across a window
boundary; for turning scrapers away from a public lookup that is good enough, and it costs one
cache round trip per request.

Settings (read with ``getattr``, so none is required)::

    MOTCUA_RATE_LIMITS = {"lookup": (30, 60)}   # scope → (hits, seconds); merged over defaults
    MOTCUA_RATE_LIMIT_CACHE = "default"         # which of CACHES keeps the counters
    MOTCUA_RATE_LIMIT_ENABLED = True

The counters live in the cache, so they are only shared by the processes that share the cache.
Django's default ``LocMemCache`` is per process: with several web processes each has its own
counters and a client gets ``limit`` × processes. In production configure a shared cache:
``django.core.cache.backends.db.DatabaseCache`` (then ``motcua createcachetable``) or Redis
(``django.core.cache.backends.redis.RedisCache``). See docs/api.md.

The client is identified by ``REMOTE_ADDR``. ``motcua run`` (uvicorn, ``proxy_headers``) sets it
from ``X-Forwarded-For`` when the request comes from a trusted proxy
(``FORWARDED_ALLOW_IPS``, default 127.0.0.1), so behind a reverse proxy on the same machine it
is the citizen's address, not the proxy's.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches

DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    # Public dossier lookup (web page, kiosk, API): a person types a few codes a minute; a
    # kiosk shared by a queue of citizens stays well under this too.
    "lookup": (30, 60),
    # Online booking of a queue slot (pages and API): a citizen books, looks up or cancels a
    # few times; a script trying identity numbers or filling slots is stopped.
    "booking": (20, 600),
}


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # seconds until the window ends (≥ 1)


class RateLimited(Exception):
    """Raised by :func:`check` when a client is over its limit."""

    def __init__(self, decision: RateDecision) -> None:
        super().__init__(f"rate limited; retry after {decision.retry_after}s")
        self.decision = decision
        self.retry_after = decision.retry_after


def limits() -> dict[str, tuple[int, int]]:
    configured = getattr(settings, "MOTCUA_RATE_LIMITS", None) or {}
    return {**DEFAULT_LIMITS, **configured}


def enabled() -> bool:
    return bool(getattr(settings, "MOTCUA_RATE_LIMIT_ENABLED", True))


def client_id(request: Any) -> str:
    """The client's address (see the module's notes on proxies)."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def hit(scope: str, client: str, *, now: float | None = None) -> RateDecision:
    """Count one request of ``client`` in ``scope`` and say whether it is allowed."""
    limit, window = limits()[scope]
    if not enabled():
        return RateDecision(True, limit, limit, 1)
    now = time.time() if now is None else now
    start = int(now // window) * window
    digest = hashlib.sha256(client.encode()).hexdigest()[:32]
    key = f"motcua:rl:{scope}:{start}:{digest}"
    cache = caches[getattr(settings, "MOTCUA_RATE_LIMIT_CACHE", "default")]
    # The key outlives its window a little, so an incr at the very end never recreates it.
    if cache.add(key, 1, timeout=window + 5):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=window + 5)
            count = 1
    retry_after = max(1, math.ceil(start + window - now))
    return RateDecision(count <= limit, limit, max(0, limit - count), retry_after)


def check(scope: str, request: Any) -> RateDecision:
    """:func:`hit` for the request's client; raises :class:`RateLimited` when over."""
    decision = hit(scope, client_id(request))
    if not decision.allowed:
        raise RateLimited(decision)
    return decision
