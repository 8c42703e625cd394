"""``motcua token``: staff tokens of the API.

motcua token create USERNAME [--name NAME]   prints the token once: mc_<prefix>_<secret>
motcua token revoke PREFIX                   the prefix (or the whole token)
motcua token list [USERNAME]                 prefixes, names, last use; never the tokens

Only the SHA-256 of a token is stored: a token that is lost cannot be shown again; revoke it
and create another.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.api.auth import create_token, revoke_token
from motcua.api.models import ApiToken


def _moment(value: Any) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else "—"


class Command(BaseCommand):
    help = _("Mã truy cập API của cán bộ: tạo, thu hồi, liệt kê.")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help=_("Tạo mã truy cập cho một cán bộ."))
        create.add_argument("username")
        create.add_argument("--name", default="", help=_("Tên gợi nhớ, ví dụ: kiosk tầng 1."))
        revoke = actions.add_parser("revoke", help=_("Thu hồi một mã truy cập."))
        revoke.add_argument("prefix")
        listing = actions.add_parser("list", help=_("Liệt kê các mã truy cập (không hiện mã)."))
        listing.add_argument("username", nargs="?")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            user = get_user_model().objects.filter(username=options["username"]).first()
            if user is None:
                raise CommandError(
                    _("Không có cán bộ tên đăng nhập “%(username)s”.")
                    % {"username": options["username"]}
                )
            if not user.is_active:
                raise CommandError(
                    _("Tài khoản “%(username)s” đang bị khóa.") % {"username": user.username}
                )
            row, token = create_token(user=user, name=options["name"])
            self.stdout.write(token)
            self.stderr.write(
                _(
                    "Mã truy cập của %(user)s (tiền tố %(prefix)s). Hãy lưu lại ngay: mã này chỉ "
                    "hiện một lần."
                )
                % {"user": user, "prefix": row.prefix}
            )
        elif action == "revoke":
            revoked = revoke_token(prefix=options["prefix"])
            if revoked is None:
                raise CommandError(
                    _("Không có mã truy cập tiền tố “%(prefix)s”.") % {"prefix": options["prefix"]}
                )
            self.stdout.write(
                _("Đã thu hồi mã %(prefix)s của %(user)s.")
                % {"prefix": revoked.prefix, "user": revoked.user}
            )
        else:
            rows = ApiToken.objects.select_related("user").order_by("user__username", "created_at")
            if options.get("username"):
                rows = rows.filter(user__username=options["username"])
            for row in rows:
                state = _("đã thu hồi") if row.revoked_at else _("đang dùng")
                self.stdout.write(
                    f"{row.prefix}\t{row.user.username}\t{row.name or '—'}\t{state}\t"
                    f"{_moment(row.created_at)}\t{_moment(row.last_used_at)}"
                )
