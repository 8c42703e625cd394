"""Identity checkers by name; the setting ``MOTCUA_IDENTITY_CHECKER`` (default ``"local"``)
chooses the one in use."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .base import IdentityChecker

DEFAULT_CHECKER = "local"
# Built-in checkers, imported on first use so a deployment pays only for what it uses.
BUILTIN = {
    "local": "motcua.dossiers.identity.contrib.local",
    "vneid-http": "motcua.dossiers.identity.contrib.vneid_http",
}

_CHECKERS: dict[str, Callable[[], IdentityChecker]] = {}


def register(name: str) -> Callable[[Callable[[], IdentityChecker]], Callable[[], IdentityChecker]]:
    """Class decorator: ``@register("name")`` makes a checker available under ``name``."""

    def decorator(factory: Callable[[], IdentityChecker]) -> Callable[[], IdentityChecker]:
        _CHECKERS[name] = factory
        return factory

    return decorator


def names() -> list[str]:
    return sorted(set(_CHECKERS) | set(BUILTIN))


def get_checker(name: str | None = None) -> IdentityChecker:
    name = name or str(getattr(settings, "MOTCUA_IDENTITY_CHECKER", DEFAULT_CHECKER))
    if name not in _CHECKERS and name in BUILTIN:
        import_module(BUILTIN[name])
    try:
        factory = _CHECKERS[name]
    except KeyError:
        raise ImproperlyConfigured(
            f"MOTCUA_IDENTITY_CHECKER={name!r} is not a known identity checker "
            f"(known: {', '.join(names())})"
        ) from None
    return factory()
