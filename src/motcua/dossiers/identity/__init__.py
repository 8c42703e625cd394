"""The electronic identity check at intake (NĐ 118/2025 Art 17.1.a).

The counter calls :func:`check_identity` with the person whose account counts (the owner; for
an authorised representative, still the owner, the principal) and passes
``result.dossier_fields()`` to ``register_dossier`` / ``receive_at_counter``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..services import IntakeError, PartyInput
from ..validators import validate_identity
from .base import IdentityChecker, IdentityCheckResult
from .registry import get_checker

__all__ = [
    "IdentityCheckResult",
    "IdentityChecker",
    "check_identity",
    "describe_verification",
    "get_checker",
]

logger = logging.getLogger(__name__)


def check_identity(*, party_input: PartyInput, checker: Any = None) -> IdentityCheckResult:
    """Ask the configured checker (``MOTCUA_IDENTITY_CHECKER``) about ``party_input``.

    A malformed identity number is bad input (:class:`IntakeError`, code
    ``invalid_identity_number``); anything that goes wrong inside the checker is a negative
    result with its reason, never an exception, so the dossier goes on without it."""
    try:
        number = validate_identity(party_input.identity_kind, party_input.identity_number)
    except ValidationError as exc:
        raise IntakeError(exc.messages, code="invalid_identity_number") from exc
    if not party_input.name.strip():
        raise IntakeError(_("Hãy nhập họ tên để xác thực định danh."), code="invalid_party")
    checker = checker or get_checker()
    try:
        return checker.check(  # type: ignore[no-any-return]
            identity_kind=party_input.identity_kind,
            identity_number=number,
            name=" ".join(party_input.name.split()),
            birth_date=party_input.birth_date,
        )
    except Exception:  # a plugin's bug must not stop the counter
        logger.exception("Identity checker %s failed", getattr(checker, "name", checker))
        return IdentityCheckResult(
            verified=False,
            level=None,
            method=str(getattr(checker, "name", "")),
            detail=_("Lỗi khi xác thực định danh điện tử; hãy thử lại hoặc kiểm tra thủ công."),
        )


def describe_verification(value: str) -> str:
    """Words for a dossier's ``identity_verification`` (``"local:2"`` → "VNeID mức 2 …")."""
    if not value:
        return _("Chưa xác thực tài khoản định danh điện tử")
    method, _sep, level = value.partition(":")
    if level:
        return _("Tài khoản định danh điện tử mức %(level)s (qua %(method)s)") % {
            "level": level,
            "method": method,
        }
    return _("Tài khoản định danh điện tử (qua %(method)s)") % {"method": method}
