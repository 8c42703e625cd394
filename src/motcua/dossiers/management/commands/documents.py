"""``motcua documents``: check stored files and manage officers' signing keys.

motcua documents verify [--id ID ...]      re-hash stored files (and check signatures)
motcua documents orphans                   list stored files no document refers to
motcua documents issue-key USERNAME        give an officer a new signing key (retires the old)
motcua documents revoke-key USERNAME [--compromised]

``verify`` and ``orphans`` exit with status 1 when they find something. See docs/documents.md.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from motcua.dossiers import documents, signing
from motcua.dossiers.models import Document


class Command(BaseCommand):
    help = _("Tệp hồ sơ: kiểm tra mã băm, liệt kê tệp mồ côi, quản lý khóa ký số hóa.")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        verify = actions.add_parser(
            "verify", help=_("Tính lại mã băm các tệp đã lưu và kiểm tra chữ ký số hóa.")
        )
        verify.add_argument("--id", type=int, action="append", dest="ids", metavar="ID")
        actions.add_parser("orphans", help=_("Liệt kê tệp đã lưu không thuộc tài liệu nào."))
        issue = actions.add_parser("issue-key", help=_("Cấp khóa ký số hóa mới cho cán bộ."))
        issue.add_argument("username")
        revoke = actions.add_parser("revoke-key", help=_("Thu hồi khóa ký số hóa của cán bộ."))
        revoke.add_argument("username")
        revoke.add_argument(
            "--compromised",
            action="store_true",
            help=_("Khóa bị lộ: không công nhận mọi chữ ký đã ký bằng khóa này."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "_" + options["action"].replace("-", "_"))(options)

    def _verify(self, options: dict[str, Any]) -> None:
        queryset = Document.objects.order_by("pk")
        if options["ids"]:
            queryset = queryset.filter(pk__in=options["ids"])
        checked = problems = 0
        for document in queryset.iterator():
            checked += 1
            state = documents.check_stored(document)
            if state == "ok" and document.signature:
                state = "ok" if signing.verify_document_signature(document) else "bad-signature"
            if state != "ok":
                problems += 1
                self.stdout.write(f"{document.pk}\t{state}\t{document.file.name}")
        self.stdout.write(
            _("Đã kiểm tra %(checked)s tài liệu, %(problems)s có vấn đề.")
            % {"checked": checked, "problems": problems}
        )
        if problems:
            raise SystemExit(1)

    def _orphans(self, options: dict[str, Any]) -> None:
        found = documents.orphan_files()
        for name in found:
            self.stdout.write(name)
        self.stdout.write(_("%(count)s tệp không thuộc tài liệu nào.") % {"count": len(found)})
        if found:
            raise SystemExit(1)

    def _user(self, username: str) -> Any:
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(
                _("Không có cán bộ với tên đăng nhập “%(name)s”.") % {"name": username}
            ) from None

    def _issue_key(self, options: dict[str, Any]) -> None:
        key = signing.issue_signing_key(user=self._user(options["username"]), actor=None)
        self.stdout.write(_("Đã cấp khóa %(id)s.") % {"id": key.pk})
        self.stdout.write(key.public_key)

    def _revoke_key(self, options: dict[str, Any]) -> None:
        user = self._user(options["username"])
        key = signing.active_key_for(user)
        if key is None:
            raise CommandError(_("Cán bộ này không có khóa ký đang dùng."))
        signing.revoke_signing_key(key=key, actor=None, compromised=options["compromised"])
        self.stdout.write(_("Đã thu hồi khóa %(id)s.") % {"id": key.pk})
