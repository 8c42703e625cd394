"""``motcua identity``: the ``local`` identity checker's accounts, and a check from the shell.

motcua identity add NUMBER NAME [--kind citizen_id] [--level 2] [--birth-date YYYY-MM-DD]
motcua identity lock NUMBER [--kind citizen_id]
motcua identity check NUMBER NAME [--kind citizen_id] [--birth-date YYYY-MM-DD]

``check`` uses the checker chosen by MOTCUA_IDENTITY_CHECKER and exits with status 1 when the
person is not verified.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from motcua.dossiers.identity import check_identity
from motcua.dossiers.models import IdentityKind, LocalIdentityRecord
from motcua.dossiers.services import PartyInput
from motcua.dossiers.validators import validate_identity


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("Ngày không hợp lệ: “%(text)s” (cần dạng YYYY-MM-DD).") % {"text": text}
        ) from None


class Command(BaseCommand):
    help = _("Tài khoản định danh điện tử: dữ liệu thử nghiệm và kiểm tra.")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help=_("Thêm hoặc sửa tài khoản định danh thử nghiệm."))
        lock = actions.add_parser("lock", help=_("Khóa tài khoản định danh thử nghiệm."))
        check = actions.add_parser("check", help=_("Xác thực định danh một người."))
        for sub in (add, lock, check):
            sub.add_argument("number")
            sub.add_argument("--kind", default=IdentityKind.CITIZEN_ID, choices=IdentityKind.values)
        for sub in (add, check):
            sub.add_argument("name")
            sub.add_argument("--birth-date", type=_date)
        add.add_argument("--level", type=int, choices=[1, 2], default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            number = validate_identity(options["kind"], options["number"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        action = options["action"]
        if action == "add":
            record, _created = LocalIdentityRecord.objects.update_or_create(
                identity_kind=options["kind"],
                identity_number=number,
                defaults={
                    "name": " ".join(options["name"].split()),
                    "birth_date": options["birth_date"],
                    "level": options["level"],
                    "is_active": True,
                },
            )
            self.stdout.write(str(record))
        elif action == "lock":
            count = LocalIdentityRecord.objects.filter(
                identity_kind=options["kind"], identity_number=number
            ).update(is_active=False)
            if not count:
                raise CommandError(_("Không có tài khoản thử nghiệm với số này."))
            self.stdout.write(_("Đã khóa."))
        else:
            result = check_identity(
                party_input=PartyInput(
                    name=options["name"],
                    identity_number=number,
                    identity_kind=options["kind"],
                    birth_date=options["birth_date"],
                )
            )
            self.stdout.write(
                f"{result.method}\t{result.verified}\t{result.level}\t{result.detail}"
            )
            if not result.verified:
                raise SystemExit(1)
