"""``motcua calendar``: compute a due moment, list a year's exceptional days, seed years.

motcua calendar due --from "2026-02-13 16:30" --add "3 working_days" [--center CODE]
motcua calendar show 2026 [--center CODE]
motcua calendar seed 2027 2028
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core import services
from motcua.core.calendar import (
    LOCAL_TZ,
    CalendarConfigurationError,
    WorkingCalendar,
    calendar_for,
    describe_period,
    format_date,
    format_moment,
    parse_period,
)
from motcua.core.models import WEEKDAY_CHOICES, DayHalf, DayKind

_LOCAL_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %Hh%M")


def parse_moment(text: str) -> dt.datetime:
    """``2026-02-13 16:30`` or ``13/02/2026 16:30`` in Vietnam time (an ISO offset is honoured)."""
    value = text.strip()
    parsed: dt.datetime | None = None
    for fmt in _LOCAL_FORMATS:
        try:
            parsed = dt.datetime.strptime(value, fmt)
            break
        except ValueError:
            continue
    if parsed is None and re.search(r"\d:\d", value):
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            parsed = None
    if parsed is None:
        raise CommandError(
            _(
                "Không đọc được thời điểm “%(text)s”: hãy viết dạng “2026-02-13 16:30” hoặc "
                "“13/02/2026 16:30” (giờ Việt Nam)."
            )
            % {"text": text}
        )
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=LOCAL_TZ)
    return parsed


def _year(text: str) -> int:
    if not text.isdigit() or not services.MIN_YEAR <= int(text) <= services.MAX_YEAR:
        raise argparse.ArgumentTypeError(
            _("Năm không hợp lệ: “%(text)s” (cần từ %(min)s đến %(max)s).")
            % {"text": text, "min": services.MIN_YEAR, "max": services.MAX_YEAR}
        )
    return int(text)


class Command(BaseCommand):
    help = _("Lịch làm việc: tính hạn giải quyết, xem ngày nghỉ của một năm, khởi tạo năm.")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{due,show,seed}")

        due = actions.add_parser("due", help=_("Tính hạn từ một thời điểm tiếp nhận."))
        due.add_argument(
            "--from",
            dest="received_at",
            metavar="THỜI_ĐIỂM",
            help=_(
                "Thời điểm tiếp nhận, giờ Việt Nam: “2026-02-13 16:30” hoặc "
                "“13/02/2026 16:30”; mặc định là bây giờ."
            ),
        )
        due.add_argument(
            "--add",
            dest="period",
            required=True,
            metavar="THỜI_HẠN",
            help=_(
                "Thời hạn, ví dụ “3 working_days”, “4 working_hours”, “30 calendar_days”, "
                "“1 months”, “same_day”."
            ),
        )
        due.add_argument("--center", metavar="MÃ", help=_("Mã trung tâm (lịch làm việc riêng)."))

        show = actions.add_parser("show", help=_("Liệt kê ngày nghỉ, ngày làm bù của một năm."))
        show.add_argument("year", type=_year, metavar="NĂM")
        show.add_argument("--center", metavar="MÃ", help=_("Mã trung tâm (lịch làm việc riêng)."))

        seed = actions.add_parser("seed", help=_("Khởi tạo ngày lễ của các năm từ gói holidays."))
        seed.add_argument("years", type=_year, nargs="+", metavar="NĂM")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "due":
                self._due(options)
            elif action == "show":
                self._show(options["year"], options.get("center"))
            else:
                self._seed(options["years"])
        except CalendarConfigurationError as exc:
            raise CommandError(str(exc)) from exc

    # -- helpers --------------------------------------------------------------------------

    def _calendar(self, center_code: str | None) -> WorkingCalendar:
        if not center_code:
            return calendar_for()
        try:
            from motcua.organization.models import Center
        except ImportError as exc:  # pragma: no cover - the organization app is installed
            raise CommandError(_("Chưa có danh mục trung tâm.")) from exc
        center = Center.objects.filter(code=center_code).first()
        if center is None:
            raise CommandError(_("Không có trung tâm mã “%(code)s”.") % {"code": center_code})
        return calendar_for(center)

    def _due(self, options: dict[str, Any]) -> None:
        received_at = (
            parse_moment(options["received_at"]) if options.get("received_at") else timezone.now()
        )
        try:
            quantity, unit = parse_period(options["period"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        calendar = self._calendar(options.get("center"))
        start = calendar.counting_start(received_at)
        due = calendar.add(received_at, quantity, unit)
        write = self.stdout.write
        write(_("Lịch làm việc: %(name)s") % {"name": calendar.schedule.name})
        write(_("Tiếp nhận: %(moment)s") % {"moment": format_moment(received_at)})
        write(_("Thời hạn: %(period)s") % {"period": describe_period(quantity, unit)})
        if start != received_at:
            write(
                _("Bắt đầu tính: %(moment)s (tiếp nhận ngoài giờ làm việc)")
                % {"moment": format_moment(start)}
            )
        write(_("Hạn: %(moment)s") % {"moment": format_moment(due)})
        write(f"ISO: {due.isoformat()}")

    def _show(self, year: int, center_code: str | None) -> None:
        calendar = self._calendar(center_code)
        rest = calendar.schedule.rest_weekdays
        weekday_names = dict(WEEKDAY_CHOICES)
        halves = dict(DayHalf.choices)
        write = self.stdout.write
        write(
            _("Năm %(year)s, lịch làm việc %(name)s (nghỉ hằng tuần: %(rest)s)")
            % {
                "year": year,
                "name": calendar.schedule.name,
                "rest": ", ".join(str(weekday_names[d]) for d in sorted(rest)) or "-",
            }
        )
        shown = 0
        for day in calendar.exceptional_days(year):
            on_rest_day = day.date.weekday() in rest
            if day.is_off and on_rest_day:
                continue  # a holiday on a weekly rest day changes nothing
            if day.kind == DayKind.SWAPPED_WORKING and not on_rest_day:
                continue
            if day.kind == DayKind.HALF_DAY_CLOSURE and on_rest_day:
                continue
            kind = str(DayKind(day.kind).label)
            if day.closed_half:
                kind = f"{kind} ({str(halves.get(day.closed_half, day.closed_half)).lower()})"
            write(f"{format_date(day.date):<22} {kind:<28} {day.name}")
            shown += 1
        if not shown:
            write(_("Không có ngày nghỉ hay ngày làm bù nào."))
        first = dt.date(year, 1, 1)
        days = (dt.date(year + 1, 1, 1) - first).days
        working = sum(calendar.is_working_day(first + dt.timedelta(days=i)) for i in range(days))
        write(_("Số ngày làm việc trong năm: %(n)s") % {"n": working})

    def _seed(self, years: list[int]) -> None:
        for year in years:
            report = services.seed_year(year)
            self.stdout.write(
                _(
                    "Năm %(year)s: thêm %(created)s ngày, cập nhật %(updated)s, giữ nguyên "
                    "%(unchanged)s, giữ %(kept)s ngày do quản trị viên khai báo (%(source)s)."
                )
                % {
                    "year": year,
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "kept": report.kept_admin,
                    "source": report.source_version,
                }
            )
