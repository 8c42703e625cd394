"""The tracking book (Sổ theo dõi hồ sơ: form 06 of TT 01/2018/TT-VPCP, 07 of TT 03/2025),
generated from the records for any period and unit, never kept by hand.

A book covers either a receiving center (the dossiers received there) or a unit (the dossiers
its subtree settles). Its rows are the dossiers received in the period, in order of reception
(then id), numbered from 1; the book of a center for a calendar year numbers its dossiers as
their receipts say ("Vào Sổ theo dõi hồ sơ, Quyển số: <year>, Số thứ tự: <n>",
``slips.book_position``).

The dates come from the records: reception and appointment from the dossier, forwarding from
:class:`Transfer`, receiving the result back and returning it from the events (the first event
into status 9 "Đã xử lý xong" and into status 10 "Đã trả kết quả"). :func:`ledger_rows` reads a
book in a fixed number of queries whatever its size (one for the dossiers and one each for
their parties, transfers and events, per chunk of :data:`CHUNK` dossiers).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from motcua.core.calendar import LOCAL_TZ
from motcua.organization.models import Center, Unit
from motcua.organization.permissions import centers_for, grants_for

from . import rules, slips
from .models import Dossier, DossierEvent, PartyRole, Transfer
from .status import FINAL, Status

# A book covers at most a year (a leap year included).
MAX_PERIOD_DAYS = 366
# Dossiers read per round of queries.
CHUNK = 2000
# Rows shown on the page; the XLSX file always has them all.
HTML_LIMIT = 3000


# ---------------------------------------------------------------------------------------------
# What a book covers


@dataclass(frozen=True)
class Scope:
    """A receiving center, or a unit and its subtree (as the competent unit)."""

    center: Center | None = None
    unit: Unit | None = None

    @property
    def key(self) -> str:
        if self.center is not None:
            return f"c{self.center.pk}"
        assert self.unit is not None
        return f"u{self.unit.pk}"

    @property
    def name(self) -> str:
        if self.center is not None:
            return self.center.name
        assert self.unit is not None
        return self.unit.name

    @property
    def kind_label(self) -> str:
        return _("Nơi tiếp nhận") if self.center else _("Cơ quan giải quyết")


def scope_from_key(key: str) -> Scope | None:
    """``c12`` → center 12, ``u7`` → unit 7; None for anything else or an unknown id."""
    key = (key or "").strip()
    if len(key) < 2 or key[0] not in "cu" or not key[1:].isdigit():
        return None
    pk = int(key[1:])
    if key[0] == "c":
        center = Center.objects.select_related("unit").filter(pk=pk).first()
        return Scope(center=center) if center else None
    unit = Unit.objects.filter(pk=pk).first()
    return Scope(unit=unit) if unit else None


def scopes_for(user: Any) -> tuple[list[Center], list[Unit]]:
    """The centers and units whose books ``user`` may open: the centers they work at, and the
    units in the subtrees where they hold a role."""
    centers = list(centers_for(user).select_related("unit").order_by("name"))
    if getattr(user, "is_superuser", False):
        units = list(Unit.objects.order_by("path"))
    else:
        paths = {grant.unit.path for grant in grants_for(user)}
        condition = Q(pk__in=[])
        for path in paths:
            condition |= Q(path__startswith=path)
        units = list(Unit.objects.filter(condition).order_by("path")) if paths else []
    return centers, units


def can_view(user: Any, scope: Scope) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if scope.center is not None:
        return centers_for(user).filter(pk=scope.center.pk).exists()
    assert scope.unit is not None
    return getattr(user, "is_superuser", False) or any(
        grant.unit.contains(scope.unit) for grant in grants_for(user)
    )


def check_period(start: dt.date, end: dt.date) -> None:
    """Raise ValidationError (Vietnamese) when the period is not a usable one."""
    if end < start:
        raise ValidationError(
            _("Ngày kết thúc (%(end)s) không được trước ngày bắt đầu (%(start)s).")
            % {"end": end.strftime("%d/%m/%Y"), "start": start.strftime("%d/%m/%Y")},
            code="end_before_start",
        )
    days = (end - start).days + 1
    if days > MAX_PERIOD_DAYS:
        raise ValidationError(
            _("Kỳ theo dõi dài %(days)s ngày; mỗi lần chỉ lập sổ cho tối đa %(max)s ngày.")
            % {"days": days, "max": MAX_PERIOD_DAYS},
            code="period_too_long",
        )


# ---------------------------------------------------------------------------------------------
# Rows


@dataclass(frozen=True)
class LedgerRow:
    number: int
    code: str
    procedure: str
    sets_count: int
    party: str
    contact: str
    competent_unit: str
    received_at: dt.datetime
    due_at: dt.datetime | None
    transferred_at: dt.datetime | None
    result_received_at: dt.datetime | None
    returned_at: dt.datetime | None
    note: str
    status: int
    overdue: bool


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    begin = dt.datetime.combine(start, dt.time(0, 0), tzinfo=LOCAL_TZ)
    stop = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0, 0), tzinfo=LOCAL_TZ)
    return begin, stop


def ledger_queryset(scope: Scope, start: dt.date, end: dt.date) -> QuerySet[Dossier]:
    begin, stop = _bounds(start, end)
    dossiers = Dossier.objects.filter(submitted_at__gte=begin, submitted_at__lt=stop)
    if scope.center is not None:
        dossiers = dossiers.filter(receiving_center=scope.center)
    else:
        assert scope.unit is not None
        dossiers = dossiers.filter(competent_unit__path__startswith=scope.unit.path)
    return dossiers.order_by("submitted_at", "pk")


def ledger_count(scope: Scope, start: dt.date, end: dt.date) -> int:
    return ledger_queryset(scope, start, end).count()


def _rows_queryset(scope: Scope, start: dt.date, end: dt.date) -> QuerySet[Dossier]:
    milestones = DossierEvent.objects.filter(
        to_status__in=[Status.PROCESSED, Status.RETURNED]
    ).order_by("sequence")
    return (
        ledger_queryset(scope, start, end)
        .select_related("procedure_version", "competent_unit")
        .prefetch_related(
            "parties",
            Prefetch(
                "transfers",
                queryset=Transfer.objects.select_related("to_unit").order_by("order", "pk"),
            ),
            Prefetch("events", queryset=milestones, to_attr="milestones"),
        )
    )


def ledger_rows(
    scope: Scope,
    start: dt.date,
    end: dt.date,
    *,
    limit: int | None = None,
    now: dt.datetime | None = None,
) -> Iterator[LedgerRow]:
    """The book's rows in order, numbered from 1 (at most ``limit``)."""
    now = now or timezone.now()
    queryset = _rows_queryset(scope, start, end)
    if limit is not None:
        queryset = queryset[:limit]
    with translation.override(slips.FORMS_LANGUAGE):
        for number, dossier in enumerate(queryset.iterator(chunk_size=CHUNK), 1):
            yield _row(number, dossier, now)


def _row(number: int, dossier: Dossier, now: dt.datetime) -> LedgerRow:
    parties = {p.role: p for p in dossier.parties.all()}
    applicant = parties.get(PartyRole.APPLICANT)
    owner = parties.get(PartyRole.OWNER)
    name = slips.nfc(applicant.name) if applicant else ""
    if owner and applicant and owner.identity_number != applicant.identity_number:
        name = _("%(applicant)s (chủ hồ sơ: %(owner)s)") % {
            "applicant": name,
            "owner": slips.nfc(owner.name),
        }
    contact_party = applicant or owner
    contact = ""
    if contact_party:
        contact = "; ".join(
            part for part in (slips.nfc(contact_party.address), contact_party.phone) if part
        )
    transfers = list(dossier.transfers.all())
    lead = next((t for t in transfers if t.is_lead), transfers[0] if transfers else None)
    processed = returned = None
    for event in dossier.milestones:  # type: ignore[attr-defined]
        if event.to_status == Status.PROCESSED and processed is None:
            processed = event.at
        elif event.to_status == Status.RETURNED and returned is None:
            returned = event.at
    overdue = _overdue(dossier, processed, now)
    note = str(Status(dossier.status).label)
    if overdue:
        note = _("%(status)s; quá hạn") % {"status": note}
    return LedgerRow(
        number=number,
        code=dossier.code,
        procedure=slips.nfc(dossier.procedure_version.name),
        sets_count=dossier.sets_count,
        party=name,
        contact=contact,
        competent_unit=slips.nfc(
            lead.to_unit.name if lead is not None else dossier.competent_unit.name
        ),
        received_at=timezone.localtime(dossier.submitted_at),
        due_at=timezone.localtime(dossier.due_at) if dossier.due_at else None,
        transferred_at=timezone.localtime(lead.electronic_at) if lead else None,
        result_received_at=timezone.localtime(processed) if processed else None,
        returned_at=timezone.localtime(returned) if returned else None,
        note=note,
        status=dossier.status,
        overdue=overdue,
    )


def _overdue(dossier: Dossier, processed: dt.datetime | None, now: dt.datetime) -> bool:
    """Past the appointment: settled after it, or still open after it (derived, never
    stored). Refused, withdrawn and stopped dossiers are not counted late here."""
    if dossier.due_at is None:
        return False
    if dossier.status in (Status.PROCESSED, Status.RETURNED):
        return processed is not None and processed > dossier.due_at
    if dossier.status in FINAL:
        return False
    return now > dossier.due_at


# ---------------------------------------------------------------------------------------------
# The book's form, headers and the XLSX file


def form_for_period(end: dt.date) -> tuple[slips.FormSetDef, slips.FormDef]:
    """The set in force on the period's last day decides the book's form number."""
    definitions = slips.FORM_SETS[rules.form_set_on(end)]
    form = definitions.form(slips.FormKind.LEDGER)
    assert form is not None
    return definitions, form


def columns() -> list[tuple[str, float]]:
    """(header, XLSX width) of every column, in the book's order."""
    return [
        (_("STT"), 6),
        (_("Mã hồ sơ"), 26),
        (_("Tên thủ tục hành chính"), 36),
        (_("Số lượng hồ sơ (bộ)"), 9),
        (_("Tên cá nhân, tổ chức"), 26),
        (_("Địa chỉ, số điện thoại"), 30),
        (_("Cơ quan chủ trì giải quyết"), 26),
        (_("Ngày nhận hồ sơ"), 16),
        (_("Ngày hẹn trả kết quả"), 16),
        (_("Ngày chuyển hồ sơ đến cơ quan giải quyết"), 16),
        (_("Ngày nhận kết quả từ cơ quan giải quyết"), 16),
        (_("Ngày trả kết quả cho cá nhân, tổ chức"), 16),
        (_("Ký nhận"), 12),
        (_("Ghi chú"), 22),
    ]


def css_widths() -> list[str]:
    """The columns' shares of the printed page, from the XLSX widths ("4.20%")."""
    widths = [width for _head, width in columns()]
    total = sum(widths)
    return [f"{100 * w / total:.2f}%" for w in widths]


def period_text(start: dt.date, end: dt.date) -> str:
    return _("Từ ngày %(start)s đến ngày %(end)s") % {
        "start": start.strftime("%d/%m/%Y"),
        "end": end.strftime("%d/%m/%Y"),
    }


DATE_FORMAT = "dd/mm/yyyy hh:mm"


def _naive(moment: dt.datetime | None) -> dt.datetime | None:
    """Spreadsheets hold no time zones: local time, as the book is read."""
    return moment.astimezone(LOCAL_TZ).replace(tzinfo=None) if moment else None


def ledger_xlsx(scope: Scope, start: dt.date, end: dt.date, rows: Iterable[LedgerRow]) -> bytes:
    """The book as an XLSX workbook: one header row, then one row per dossier; dates are
    spreadsheet dates; printed on A4 landscape with the title in the page header."""
    with translation.override(slips.FORMS_LANGUAGE):
        definitions, form = form_for_period(end)
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Sổ theo dõi hồ sơ"))
        heads = columns()
        for index, (_head, width) in enumerate(heads, 1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "C2"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.print_title_rows = "1:1"
        sheet.oddHeader.center.text = (
            f"{str(form.title).upper()} - {slips.nfc(scope.name)} - {period_text(start, end)}"
        )
        sheet.oddHeader.right.text = definitions.short_reference(form)
        sheet.oddFooter.center.text = _("Trang &P/&N")

        bold = Font(bold=True)
        fill = PatternFill("solid", fgColor="E8EEF6")
        wrap = Alignment(wrap_text=True, vertical="top")
        header_cells = []
        for head, _width in heads:
            cell = WriteOnlyCell(sheet, value=head)
            cell.font = bold
            cell.fill = fill
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
            header_cells.append(cell)
        sheet.append(header_cells)
        count = 0
        for row in rows:
            count += 1
            values: list[Any] = [
                row.number,
                row.code,
                row.procedure,
                row.sets_count,
                row.party,
                row.contact,
                row.competent_unit,
                _naive(row.received_at),
                _naive(row.due_at),
                _naive(row.transferred_at),
                _naive(row.result_received_at),
                _naive(row.returned_at),
                "",
                row.note,
            ]
            cells = []
            for value in values:
                cell = WriteOnlyCell(sheet, value=value)
                if isinstance(value, dt.datetime):
                    cell.number_format = DATE_FORMAT
                elif isinstance(value, str):
                    cell.alignment = wrap
                cells.append(cell)
            sheet.append(cells)
        last_column = get_column_letter(len(heads))
        sheet.auto_filter.ref = f"A1:{last_column}{count + 1}"

        about = workbook.create_sheet(_("Thông tin"))
        about.column_dimensions["A"].width = 24
        about.column_dimensions["B"].width = 70
        for label, value in (
            (_("Biểu mẫu"), f"{form.title} ({definitions.reference(form)})"),
            (scope.kind_label, slips.nfc(scope.name)),
            (_("Kỳ theo dõi"), period_text(start, end)),
            (_("Số hồ sơ"), count),
            (_("Lập lúc"), _naive(timezone.now())),
        ):
            label_cell = WriteOnlyCell(about, value=label)
            label_cell.font = bold
            value_cell = WriteOnlyCell(about, value=value)
            if isinstance(value, dt.datetime):
                value_cell.number_format = DATE_FORMAT
            about.append([label_cell, value_cell])
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()


def xlsx_filename(scope: Scope, start: dt.date, end: dt.date) -> str:
    return f"so-theo-doi-{scope.key}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
