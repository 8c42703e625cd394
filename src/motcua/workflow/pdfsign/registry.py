"""Result PDF signers by kind; the setting ``MOTCUA_RESULT_SIGNER`` chooses and configures the
one in use.

``MOTCUA_RESULT_SIGNER`` is a dict whose ``kind`` names the signer, the other keys being that
signer's configuration (docs/result-signing.md)::

    {"kind": "pkcs12", "path": "var/signing/dev-signer.p12",
     "passphrase_env": "MOTCUA_SIGNER_PASSPHRASE"}
    {"kind": "pkcs11", "module": "/usr/lib/softhsm/libsofthsm2.so", "token_label": "motcua",
     "pin_env": "MOTCUA_SIGNER_PIN", "key_label": "signer"}

``None`` means signing is not configured: :func:`get_signer` raises
:class:`~.base.SigningUnavailable` with a message saying so.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from .base import PdfSigner, SigningUnavailable

SignerFactory = Callable[[dict[str, Any]], PdfSigner]

# Built-in signers, imported on first use (the PKCS#11 one loads python-pkcs11).
BUILTIN = {
    "pkcs12": "motcua.workflow.pdfsign.contrib.pkcs12",
    "pkcs11": "motcua.workflow.pdfsign.contrib.pkcs11",
}

_SIGNERS: dict[str, SignerFactory] = {}


def register(kind: str) -> Callable[[SignerFactory], SignerFactory]:
    """Class decorator: ``@register("kind")`` makes a signer available under ``kind``; the
    class is called with the configuration dict."""

    def decorator(factory: SignerFactory) -> SignerFactory:
        _SIGNERS[kind] = factory
        return factory

    return decorator


def kinds() -> list[str]:
    return sorted(set(_SIGNERS) | set(BUILTIN))


def get_signer(config: dict[str, Any] | None = None) -> PdfSigner:
    """The signer described by ``config``, by default ``settings.MOTCUA_RESULT_SIGNER``.

    Raises :class:`SigningUnavailable` when nothing is configured, the kind is unknown, or the
    configuration is incomplete (missing file, module, key…)."""
    if config is None:
        config = getattr(settings, "MOTCUA_RESULT_SIGNER", None)
    if not config:
        raise SigningUnavailable(
            _(
                "Chưa cấu hình chữ ký số cho kết quả giải quyết (MOTCUA_RESULT_SIGNER); "
                "quản trị viên cần khai báo tệp chứng thư PKCS#12 hoặc token PKCS#11."
            )
        )
    if not isinstance(config, dict):
        raise SigningUnavailable(
            _("MOTCUA_RESULT_SIGNER phải là một bảng cấu hình có khóa “kind”.")
        )
    kind = str(config.get("kind") or "")
    if kind not in _SIGNERS and kind in BUILTIN:
        try:
            import_module(BUILTIN[kind])
        except ImportError as exc:
            raise SigningUnavailable(
                _("Không nạp được bộ ký số “%(kind)s” (%(reason)s).")
                % {"kind": kind, "reason": exc}
            ) from exc
    try:
        factory = _SIGNERS[kind]
    except KeyError:
        raise SigningUnavailable(
            _("Loại chữ ký số “%(kind)s” không được hỗ trợ (hỗ trợ: %(known)s).")
            % {"kind": kind, "known": ", ".join(kinds())}
        ) from None
    return factory(config)
