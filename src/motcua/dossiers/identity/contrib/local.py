"""``local``: the development stand-in for the national e-identification system.

It answers from :class:`~motcua.dossiers.models.LocalIdentityRecord` rows (entered with
``motcua identity add`` or the admin): verified only when a record with the same kind and number
exists, is active, carries the same name (ignoring case and spacing, not diacritics) and, when a
birth date is given, the same birth date. Anyone else is *not* verified. It is not a production
check: it knows only what an operator typed in.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.utils.translation import gettext as _

from motcua.dossiers.models import LocalIdentityRecord

from ..base import IdentityCheckResult
from ..registry import register


def same_name(a: str, b: str) -> bool:
    """Equal ignoring case, spacing and Unicode composition, but not diacritics: "Bình" and
    "Bính" are different people."""

    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).casefold().split())

    return norm(a) == norm(b)


@register("local")
class LocalIdentityChecker:
    name = "local"

    def check(
        self,
        *,
        identity_kind: str,
        identity_number: str,
        name: str,
        birth_date: dt.date | None = None,
    ) -> IdentityCheckResult:
        def refuse(detail: str) -> IdentityCheckResult:
            return IdentityCheckResult(verified=False, level=None, method=self.name, detail=detail)

        record = LocalIdentityRecord.objects.filter(
            identity_kind=identity_kind, identity_number=identity_number
        ).first()
        if record is None:
            return refuse(
                _(
                    "Không tìm thấy tài khoản định danh điện tử của số %(number)s; hướng dẫn công "
                    "dân đăng ký tài khoản mức 1."
                )
                % {"number": identity_number}
            )
        if not record.is_active:
            return refuse(
                _("Tài khoản định danh điện tử của số %(number)s đang bị khóa.")
                % {"number": identity_number}
            )
        if not same_name(record.name, name):
            return refuse(
                _("Họ tên khai (%(given)s) không khớp với tài khoản định danh (%(known)s).")
                % {"given": name, "known": record.name}
            )
        if birth_date is not None and record.birth_date not in (None, birth_date):
            return refuse(_("Ngày sinh khai không khớp với tài khoản định danh."))
        return IdentityCheckResult(
            verified=True,
            level=record.level,
            method=self.name,
            detail=_("Tài khoản định danh điện tử mức %(level)s (dữ liệu thử nghiệm).")
            % {"level": record.level},
        )
