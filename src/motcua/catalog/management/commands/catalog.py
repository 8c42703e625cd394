"""``motcua catalog``: import and export the procedure catalogue.

motcua catalog import FILE [--effective-from YYYY-MM-DD] [--dry-run] [--format json|xlsx]
                           [--details]
motcua catalog export [FILE] [--code CODE ...]

The import prints its report on stdout and exits with status 1 when a record was refused (the
good records are imported all the same). See docs/catalog-import.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from motcua.catalog import exporter, importer


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("Ngày không hợp lệ: “%(text)s” (cần dạng YYYY-MM-DD, ví dụ 2026-01-01).")
            % {"text": text}
        ) from None


class Command(BaseCommand):
    help = _("Danh mục thủ tục: nhập từ tệp JSON hoặc XLSX, xuất ra JSON.")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{import,export}")

        load = actions.add_parser(
            "import",
            help=_("Nhập thủ tục từ tệp JSON hoặc XLSX (theo mã, nhập lại không tạo trùng)."),
        )
        load.add_argument("file", metavar="TỆP")
        load.add_argument(
            "--effective-from",
            type=_date,
            metavar="YYYY-MM-DD",
            help=_("Ngày hiệu lực của thủ tục mới và phiên bản mới; mặc định là hôm nay."),
        )
        load.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Chỉ kiểm tra và báo cáo, không ghi gì."),
        )
        load.add_argument(
            "--details",
            action="store_true",
            help=_("Liệt kê kết quả của từng bản ghi (như -v 2)."),
        )
        load.add_argument(
            "--format",
            choices=["json", "xlsx"],
            help=_("Định dạng tệp; mặc định theo phần mở rộng (.json, .xlsx)."),
        )

        dump = actions.add_parser(
            "export", help=_("Xuất các thủ tục đang có hiệu lực hôm nay ra JSON.")
        )
        dump.add_argument(
            "file", nargs="?", metavar="TỆP", help=_("Tệp ghi ra; mặc định là màn hình.")
        )
        dump.add_argument(
            "--code",
            action="append",
            dest="codes",
            metavar="MÃ",
            help=_("Chỉ xuất thủ tục có mã này (dùng nhiều lần được)."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import":
            self._import(options)
        else:
            self._export(options)

    def _import(self, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("Không tìm thấy tệp “%(path)s”.") % {"path": path})
        try:
            report = importer.import_file(
                path,
                actor=None,
                effective_from=options.get("effective_from"),
                dry_run=options["dry_run"],
                file_format=options.get("format"),
            )
        except importer.ImportFileError as exc:
            raise CommandError(
                _("Không nhập được “%(name)s”: %(reason)s") % {"name": path.name, "reason": exc}
            ) from exc
        verbose = options["details"] or options["verbosity"] >= 2
        for line in report.lines(verbose=verbose):
            self.stdout.write(line)
        if report.refused:
            raise CommandError(
                _("%(n)s bản ghi bị từ chối; các bản ghi khác đã được xử lý.")
                % {"n": report.refused},
                returncode=1,
            )

    def _export(self, options: dict[str, Any]) -> None:
        records, missing = exporter.export_records(codes=options.get("codes"))
        if missing:
            raise CommandError(
                _("Không có thủ tục đang có hiệu lực với mã: %(codes)s.")
                % {"codes": ", ".join(missing)}
            )
        text = exporter.dumps(exporter.export_document(records))
        if options.get("file"):
            Path(options["file"]).write_text(text, encoding="utf-8")
            self.stderr.write(
                _("Đã xuất %(n)s thủ tục vào %(path)s.")
                % {"n": len(records), "path": options["file"]}
            )
        else:
            self.stdout.write(text, ending="")
