"""Channel implementations by name, per kind of notification.

``MOTCUA_NOTIFICATION_CHANNELS`` chooses the implementation of each kind, e.g.
``{"email": "smtp", "sms": "http"}``; a kind it does not name uses ``"console"``. Built-in:

============  ===========================================================
email         ``smtp`` (:mod:`.contrib.smtp`), ``console``
sms           ``http`` (:mod:`.contrib.sms_http`), ``console``
console       ``console`` (:mod:`.contrib.console`)
============  ===========================================================

A province adds its own with ``@register("sms", "viettel")`` in a module it imports (e.g. from
an app's ``ready()``), then sets ``MOTCUA_SMS_CHANNEL=viettel``.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .base import Channel

DEFAULT_IMPLEMENTATION = "console"
# Built-in implementations, imported on first use so a deployment pays only for what it uses.
BUILTIN = {
    ("email", "smtp"): "motcua.notifications.contrib.smtp",
    ("email", "console"): "motcua.notifications.contrib.console",
    ("sms", "http"): "motcua.notifications.contrib.sms_http",
    ("sms", "console"): "motcua.notifications.contrib.console",
    ("console", "console"): "motcua.notifications.contrib.console",
}

ChannelFactory = Callable[[], Channel]
_CHANNELS: dict[tuple[str, str], ChannelFactory] = {}


def register(kind: str, name: str) -> Callable[[ChannelFactory], ChannelFactory]:
    """Class decorator: ``@register("sms", "http")`` offers the class as the ``http``
    implementation of SMS. Stack it to offer one class for several kinds."""

    def decorator(factory: ChannelFactory) -> ChannelFactory:
        _CHANNELS[(kind, name)] = factory
        return factory

    return decorator


def names(kind: str) -> list[str]:
    return sorted({n for k, n in _CHANNELS if k == kind} | {n for k, n in BUILTIN if k == kind})


def configured_name(kind: str) -> str:
    """The implementation chosen for ``kind`` by ``MOTCUA_NOTIFICATION_CHANNELS``."""
    chosen = getattr(settings, "MOTCUA_NOTIFICATION_CHANNELS", {}) or {}
    return str(chosen.get(kind) or DEFAULT_IMPLEMENTATION)


def get_channel(kind: str, name: str | None = None) -> Channel:
    """A ready channel for ``kind`` ("email", "sms", "console"). Raises
    :class:`ImproperlyConfigured` for an unknown implementation or a missing setting."""
    name = name or configured_name(kind)
    if (kind, name) not in _CHANNELS and (kind, name) in BUILTIN:
        import_module(BUILTIN[(kind, name)])
    try:
        factory = _CHANNELS[(kind, name)]
    except KeyError:
        raise ImproperlyConfigured(
            f"MOTCUA_NOTIFICATION_CHANNELS[{kind!r}]={name!r} is not a known channel "
            f"(known for {kind!r}: {', '.join(names(kind)) or 'none'})"
        ) from None
    return factory()
