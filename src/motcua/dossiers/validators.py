"""Checks of what an applicant declares: identity numbers, phone numbers. Messages are for the
counter officer and the citizen, in Vietnamese."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import IdentityKind

_CITIZEN_ID = re.compile(r"^\d{12}$")
_PASSPORT = re.compile(r"^[A-Z][0-9]{7}$|^[A-Z0-9]{6,12}$")
_TAX_CODE = re.compile(r"^\d{10}(-\d{3})?$|^\d{12}$")
_PHONE = re.compile(r"^(0|\+84)(3|5|7|8|9)\d{8}$|^(0|\+84)2\d{9}$")


def normalise_identity(kind: str, number: str) -> str:
    return re.sub(r"\s+", "", number or "").upper()


def validate_identity(kind: str, number: str) -> str:
    """The identity number cleaned of spaces, or a ValidationError saying what is wrong."""
    value = normalise_identity(kind, number)
    if not value:
        raise ValidationError(_("Hãy nhập số giấy tờ tùy thân."), code="identity_required")
    if kind == IdentityKind.CITIZEN_ID:
        if not _CITIZEN_ID.match(value):
            raise ValidationError(
                _("Số định danh cá nhân (số CCCD) phải gồm đúng 12 chữ số; đã nhập “%(value)s”.")
                % {"value": value},
                code="invalid_citizen_id",
            )
        # The first three digits are the code of the province of birth registration (001–096).
        if not 1 <= int(value[:3]) <= 96:
            raise ValidationError(
                _("Số định danh cá nhân “%(value)s” có mã tỉnh (3 chữ số đầu) không hợp lệ.")
                % {"value": value},
                code="invalid_citizen_id",
            )
    elif kind == IdentityKind.PASSPORT:
        if not _PASSPORT.match(value):
            raise ValidationError(
                _("Số hộ chiếu “%(value)s” không hợp lệ (ví dụ: C1234567).") % {"value": value},
                code="invalid_passport",
            )
    elif kind == IdentityKind.TAX_CODE:
        if not _TAX_CODE.match(value):
            raise ValidationError(
                _(
                    "Mã số thuế “%(value)s” phải gồm 10 chữ số (đơn vị phụ thuộc: 10 chữ số, "
                    "dấu gạch ngang và 3 chữ số)."
                )
                % {"value": value},
                code="invalid_tax_code",
            )
    elif kind != IdentityKind.OTHER:
        raise ValidationError(_("Loại giấy tờ không hợp lệ."), code="invalid_identity_kind")
    return value


def validate_phone(phone: str) -> str:
    value = re.sub(r"[\s.\-()]", "", phone or "")
    if value and not _PHONE.match(value):
        raise ValidationError(
            _("Số điện thoại “%(value)s” không hợp lệ (ví dụ: 0912345678).") % {"value": phone},
            code="invalid_phone",
        )
    return value
