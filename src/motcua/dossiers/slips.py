"""What each reception form of a dossier shows (TT 01/2018/TT-VPCP and TT 03/2025/TT-VPCP),
and the transfer slip of NĐ 118/2025 Art 20.

A dossier keeps the form set that applied when it was received (``Dossier.form_set``, chosen by
``rules.form_set_on``). :data:`FORM_SETS` says, per set, which forms exist, their numbers, titles,
paper and the circular that issued them: a change of circular is a new entry there, not an
``if`` in this module or in a template. The transfer slip (Phiếu chuyển xử lý) is named by the
decree, not numbered by a circular: it lives apart, in :data:`TRANSFER_SLIP`, with its short
number ``PCXL`` (the suffix of its slip numbers, "1/PCXL").

The builders (:func:`build_slip`) gather, for one dossier, exactly what a form prints and return
a :class:`Slip`: a header, a title, a body of :class:`Fields`, :class:`Text` and
:class:`Table` blocks, signatures, and for the receipt a barcode and a QR code. The HTML print
view (``templates/dossiers/slips/slip.html``) and the PDF (``pdf.py``) both render that one
structure, so the two cannot drift apart. The forms of the processing (the apology, the stop
notice, the control sheet: :data:`PROCESSING`) are built from the workflow's records by
``motcua.workflow.slips``, which ``build_slip`` imports when asked for one.

The text of a form is a legal document in Vietnamese: it goes through gettext like every other
user-facing string, but is built under :data:`FORMS_LANGUAGE` whatever the language of the
staff member's screen. Warnings meant for staff only (``Slip.staff_warnings``) follow the
screen's language and are never printed.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import barcode
import segno
from django.conf import settings
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.catalog.models import Fee, FeeMoment, ProcessingTime
from motcua.core.calendar import LOCAL_TZ, describe_period, parse_period
from motcua.organization.models import Unit, UnitIdentity
from motcua.organization.permissions import can_work_at_center, grants_for
from motcua.organization.selectors import unit_identity_on

from .models import (
    Dossier,
    DossierEvent,
    DossierParty,
    FormSet,
    IdentityKind,
    PartyKind,
    PartyRole,
    Refusal,
    SubmittedComponent,
    SupplementRequest,
    Transfer,
)
from .status import Action

# The language of the printed forms (legal documents), whatever the screen's language.
FORMS_LANGUAGE = "vi"

# The public lookup page a receipt's QR code opens (the portal serves it).
PUBLIC_LOOKUP_PATH = "/tra-cuu/{code}/"
DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:8000"


# ---------------------------------------------------------------------------------------------
# The form sets, as data


class FormKind(enum.StrEnum):
    RECEIPT = "receipt"  # Giấy tiếp nhận hồ sơ và hẹn trả kết quả
    SUPPLEMENT = "supplement"  # Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ
    REFUSAL = "refusal"  # Phiếu từ chối tiếp nhận giải quyết hồ sơ
    APOLOGY = "apology"  # 2018: phiếu xin lỗi và hẹn lại; 2025: văn bản xin lỗi, gia hạn
    STOP = "stop"  # 2025 only: thông báo dừng giải quyết hồ sơ
    CONTROL = "control"  # Phiếu kiểm soát quá trình giải quyết hồ sơ
    LEDGER = "ledger"  # Sổ theo dõi hồ sơ
    TRANSFER = "transfer"  # NĐ 118/2025 Art 20: Phiếu chuyển xử lý (outside the form sets)


class Paper(enum.StrEnum):
    A5 = "A5"
    A4 = "A4"  # portrait: the control sheet, a long table
    A4_LANDSCAPE = "A4 landscape"


@dataclass(frozen=True)
class FormDef:
    kind: FormKind
    number: str  # "01"
    title: Any  # lazy Vietnamese title
    paper: Paper = Paper.A5
    slug: str = ""  # the PDF's file name after the code; "mau-<number>" when empty

    @property
    def file_stem(self) -> str:
        return self.slug or f"mau-{self.number}"


@dataclass(frozen=True)
class FormSetDef:
    key: str  # FormSet value
    circular: str  # "Thông tư số 01/2018/TT-VPCP"
    issued_on: dt.date
    issuer: Any
    forms: tuple[FormDef, ...]

    def form(self, kind: FormKind) -> FormDef | None:
        return next((f for f in self.forms if f.kind == kind), None)

    def by_number(self, number: str) -> FormDef | None:
        return next((f for f in self.forms if f.number == number), None)

    def reference(self, form: FormDef) -> str:
        """``Mẫu số 01 ban hành kèm theo Thông tư số 01/2018/TT-VPCP ngày 23/11/2018 của Văn
        phòng Chính phủ``."""
        return _("Mẫu số %(number)s ban hành kèm theo %(circular)s ngày %(day)s của %(issuer)s") % {
            "number": form.number,
            "circular": self.circular,
            "day": self.issued_on.strftime("%d/%m/%Y"),
            "issuer": self.issuer,
        }

    def short_reference(self, form: FormDef) -> str:
        """``Mẫu số 01 - TT 01/2018/TT-VPCP``: the corner mark of a printed form."""
        return _("Mẫu số %(number)s - %(circular)s") % {
            "number": form.number,
            "circular": self.circular.replace("Thông tư số ", "TT "),
        }


_RECEIPT_TITLE = gettext_lazy("Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
_SUPPLEMENT_TITLE = gettext_lazy("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ")
_REFUSAL_TITLE = gettext_lazy("Phiếu từ chối tiếp nhận giải quyết hồ sơ")
_CONTROL_TITLE = gettext_lazy("Phiếu kiểm soát quá trình giải quyết hồ sơ")
_LEDGER_TITLE = gettext_lazy("Sổ theo dõi hồ sơ")
_GOVERNMENT_OFFICE = gettext_lazy("Văn phòng Chính phủ")

# TT 01/2018/TT-VPCP (23/11/2018), guiding NĐ 61/2018; TT 03/2025/TT-VPCP (15/09/2025),
# guiding NĐ 118/2025 (Phụ lục I; list from a secondary source, vn-2025.md §1.10).
FORM_SETS: dict[str, FormSetDef] = {
    FormSet.TT01_2018: FormSetDef(
        key=FormSet.TT01_2018,
        circular="Thông tư số 01/2018/TT-VPCP",
        issued_on=dt.date(2018, 11, 23),
        issuer=_GOVERNMENT_OFFICE,
        forms=(
            FormDef(FormKind.RECEIPT, "01", _RECEIPT_TITLE),
            FormDef(FormKind.SUPPLEMENT, "02", _SUPPLEMENT_TITLE),
            FormDef(FormKind.REFUSAL, "03", _REFUSAL_TITLE),
            FormDef(
                FormKind.APOLOGY, "04", gettext_lazy("Phiếu xin lỗi và hẹn lại ngày trả kết quả")
            ),
            FormDef(FormKind.CONTROL, "05", _CONTROL_TITLE, Paper.A4),
            FormDef(FormKind.LEDGER, "06", _LEDGER_TITLE, Paper.A4_LANDSCAPE),
        ),
    ),
    FormSet.TT03_2025: FormSetDef(
        key=FormSet.TT03_2025,
        circular="Thông tư số 03/2025/TT-VPCP",
        issued_on=dt.date(2025, 9, 15),
        issuer=_GOVERNMENT_OFFICE,
        forms=(
            FormDef(FormKind.RECEIPT, "01", _RECEIPT_TITLE),
            FormDef(FormKind.SUPPLEMENT, "02", _SUPPLEMENT_TITLE),
            FormDef(FormKind.REFUSAL, "03", _REFUSAL_TITLE),
            FormDef(
                FormKind.APOLOGY,
                "04",
                gettext_lazy("Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết"),
            ),
            FormDef(FormKind.STOP, "05", gettext_lazy("Thông báo dừng giải quyết hồ sơ")),
            FormDef(FormKind.CONTROL, "06", _CONTROL_TITLE, Paper.A4),
            FormDef(FormKind.LEDGER, "07", _LEDGER_TITLE, Paper.A4_LANDSCAPE),
        ),
    ),
}

# The forms of the sets this module can print for one dossier.
PRINTABLE = (FormKind.RECEIPT, FormKind.SUPPLEMENT, FormKind.REFUSAL)
# The forms of the processing, built by ``motcua.workflow.slips`` from its records.
PROCESSING = (FormKind.APOLOGY, FormKind.STOP, FormKind.CONTROL)


@dataclass(frozen=True)
class DecreeFormDef:
    """A form a decree names without a circular numbering it: its legal basis is an article."""

    form: FormDef
    article: str  # "Điều 20"
    decree: str  # "Nghị định số 118/2025/NĐ-CP"
    issued_on: dt.date
    issuer: Any

    def reference(self) -> str:
        """``Điều 20 Nghị định số 118/2025/NĐ-CP ngày 09/06/2025 của Chính phủ``."""
        return _("%(article)s %(decree)s ngày %(day)s của %(issuer)s") % {
            "article": self.article,
            "decree": self.decree,
            "day": self.issued_on.strftime("%d/%m/%Y"),
            "issuer": self.issuer,
        }

    def short_reference(self) -> str:
        """``Điều 20 - NĐ 118/2025/NĐ-CP``: the corner mark."""
        return _("%(article)s - %(decree)s") % {
            "article": self.article,
            "decree": self.decree.replace("Nghị định số ", "NĐ "),
        }


# NĐ 118/2025/NĐ-CP (09/06/2025) Art 20: a paper dossier settled by several agencies goes from
# one to the next in the order the receiving center sets, with a transfer slip naming each
# agency's task and deadline. Printed when the dossier's transfers carry a slip number.
TRANSFER_SLIP = DecreeFormDef(
    form=FormDef(
        FormKind.TRANSFER,
        "PCXL",
        gettext_lazy("Phiếu chuyển xử lý hồ sơ"),
        slug="phieu-chuyen-xu-ly",
    ),
    article="Điều 20",
    decree="Nghị định số 118/2025/NĐ-CP",
    issued_on=dt.date(2025, 6, 9),
    issuer=gettext_lazy("Chính phủ"),
)


# TT 01/2018 has no stop notice (NĐ 61/2018 named none; TT 03/2025 added Mẫu 05): a dossier of
# that set prints the same notice under this neutral title, with no form number, addressed by
# the short code ``TBDGQ`` (inferred, docs/forms.md).
UNNUMBERED_STOP_NOTICE = FormDef(
    FormKind.STOP,
    "TBDGQ",
    gettext_lazy("Thông báo dừng giải quyết hồ sơ"),
    slug="thong-bao-dung-giai-quyet",
)


def stop_notice_form(definitions: FormSetDef) -> FormDef:
    """The stop notice of a set: its numbered form, else :data:`UNNUMBERED_STOP_NOTICE`."""
    return definitions.form(FormKind.STOP) or UNNUMBERED_STOP_NOTICE


def form_set(key: str) -> FormSetDef:
    return FORM_SETS[key]


# ---------------------------------------------------------------------------------------------
# What a slip is made of


@dataclass(frozen=True)
class Fields:
    """One line of ``label: value`` pairs (``value`` printed in bold when ``strong``)."""

    pairs: tuple[tuple[str, str], ...]
    strong: bool = False
    kind: str = "fields"


@dataclass(frozen=True)
class Text:
    """A paragraph. ``style``: ``plain``, ``heading`` (a numbered point), ``italic``, ``note``
    (small italic) or ``quote`` (the reason of a refusal or request, indented)."""

    text: str
    style: str = "plain"
    kind: str = "text"


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]  # relative
    align: tuple[str, ...]  # "L", "C" per column
    row_height: float = 0.0  # mm, the least height of a body row (room to sign in), 0: any
    # Rows printed as groups (the control sheet's "Giao" / "Nhận" pairs): the number of rows in
    # each group, in order. The columns in ``merged`` span their group: the group's first row
    # gives their text. Empty: every row stands alone.
    groups: tuple[int, ...] = ()
    merged: tuple[int, ...] = ()
    kind: str = "table"

    def css_row_height(self) -> str:
        """The least row height as CSS ("12mm"), "" when none (a template must not format
        the float: it would localise the decimal point)."""
        return f"{self.row_height:g}mm" if self.row_height else ""

    def css_widths(self) -> list[str]:
        """Column widths as CSS percentages ("12.50%"), for templates."""
        total = sum(self.widths) or 1
        return [f"{100 * w / total:.2f}%" for w in self.widths]

    def cells(self) -> list[list[tuple[str, str, int]]]:
        """Each row as (text, alignment, rows spanned) triples, without the cells a merged
        cell above covers (for the template and the PDF alike)."""
        spans = [1] * len(self.rows)
        covered = [False] * len(self.rows)
        start = 0
        for size in self.groups:
            if size > 1 and start < len(self.rows):
                spans[start] = min(size, len(self.rows) - start)
                for i in range(start + 1, start + spans[start]):
                    covered[i] = True
            start += size
        return [
            [
                (text, align, spans[r] if column in self.merged else 1)
                for column, (text, align) in enumerate(zip(row, self.align, strict=False))
                if not (covered[r] and column in self.merged)
            ]
            for r, row in enumerate(self.rows)
        ]


Block = Fields | Text | Table


@dataclass(frozen=True)
class Signature:
    title: str
    hint: str
    name: str


@dataclass(frozen=True)
class Recipients:
    """The "Nơi nhận:" block of an official letter: its heading and one line per recipient."""

    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Header:
    governing_body: str  # cơ quan chủ quản, upper case
    office: str  # the one-stop center, upper case
    number_line: str  # "Số: 12/HDHS" or ""
    national_name: str
    motto: str
    date_line: str  # "Quy Nhơn, ngày 02 tháng 3 năm 2026"


@dataclass
class Slip:
    kind: FormKind
    form_set: FormSetDef
    form: FormDef
    dossier_code: str
    day: dt.date
    header: Header
    title: str
    reference: str
    corner: str
    code_line: str
    body: list[Block]
    signatures: list[Signature]
    barcode_modules: str = ""  # Code 128 of the dossier code, "1" a bar, "0" a space
    qr_url: str = ""
    staff_warnings: list[str] = field(default_factory=list)
    # Several slips of one form for the dossier (supplement requests): which one, of how many.
    variant: int = 1
    variants: int = 1
    subtitle: str = ""  # trích yếu under the title ("Về việc …"), for the letters
    recipients: Recipients | None = None  # Nơi nhận, left of a single signature

    @property
    def footer(self) -> str:
        """The form's name and legal reference, printed small at the foot of each page."""
        return f"{self.form.title} - {self.reference}."

    @property
    def filename(self) -> str:
        suffix = f"-lan-{self.variant}" if self.variants > 1 else ""
        return f"{self.dossier_code}-{self.form.file_stem}{suffix}.pdf"

    def qr_matrix(self) -> list[list[bool]]:
        return qr_matrix(self.qr_url) if self.qr_url else []

    def barcode_svg(self) -> str:
        return barcode_svg(self.barcode_modules, self.dossier_code) if self.barcode_modules else ""

    def qr_svg(self) -> str:
        return qr_svg(self.qr_url) if self.qr_url else ""

    def all_text(self) -> str:
        """Every printed string, in order (used by tests and the PDF's metadata)."""
        parts = [
            self.header.governing_body,
            self.header.office,
            self.header.number_line,
            self.header.national_name,
            self.header.motto,
            self.header.date_line,
            self.title,
            self.subtitle,
            self.code_line,
        ]
        for block in self.body:
            if isinstance(block, Fields):
                parts.extend(f"{label} {value}" for label, value in block.pairs)
            elif isinstance(block, Text):
                parts.append(block.text)
            else:
                parts.extend(block.headers)
                parts.extend(" ".join(row) for row in block.rows)
        if self.recipients is not None:
            parts.extend([self.recipients.title, *self.recipients.lines])
        for sign in self.signatures:
            parts.extend([sign.title, sign.hint, sign.name])
        parts.append(self.footer)
        return "\n".join(p for p in parts if p)


class SlipNotAvailable(Exception):
    """The form does not apply to this dossier (e.g. a receipt for a refused dossier); the
    message says why, in Vietnamese."""


# ---------------------------------------------------------------------------------------------
# Small formatting helpers (Vietnamese administrative style)


def nfc(text: str) -> str:
    """Vietnamese typed on some keyboards arrives decomposed (base letter + combining marks);
    forms print the composed letters, which every font has."""
    return unicodedata.normalize("NFC", text or "")


def spoken_moment(moment: dt.datetime) -> str:
    """``16 giờ 30 phút, ngày 25/02/2026``: a moment as the forms write it."""
    local = moment.astimezone(LOCAL_TZ)
    return _("%(hour)s giờ %(minute)s phút, ngày %(day)s") % {
        "hour": local.hour,
        "minute": f"{local.minute:02d}",
        "day": local.strftime("%d/%m/%Y"),
    }


def date_line(place: str, day: dt.date) -> str:
    """``Quy Nhơn, ngày 02 tháng 3 năm 2026`` (NĐ 30/2020: a day below 10 and the months 1
    and 2 take a leading zero)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return _("%(place)s, ngày %(day)s tháng %(month)s năm %(year)s") % {
        "place": place,
        "day": f"{day.day:02d}",
        "month": month,
        "year": day.year,
    }


def format_vnd(amount: int) -> str:
    grouped = f"{amount:,}".replace(",", ".")
    return _("%(amount)s đồng") % {"amount": grouped}


def count(n: int) -> str:
    """Counts in tables: ``01``, ``02``; nothing for zero."""
    return f"{n:02d}" if n else ""


_PLACE_RE = re.compile(
    r"^(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân|HĐND|Hội đồng nhân dân)\s+"
    r"(tỉnh|thành phố|phường|xã|đặc khu|thị trấn|thị xã|quận|huyện)\s+(.+)$",
    re.IGNORECASE,
)


def place_name(units: Sequence[Unit]) -> str:
    """The place written before the date (địa danh): the name of the nearest administrative
    area in ``units`` (a unit first, then its ancestors), e.g. "UBND phường Quy Nhơn" →
    "Quy Nhơn", "Sở Tư pháp" under "UBND tỉnh Gia Lai" → "Gia Lai". A numbered area keeps
    its kind ("Phường 1"). Falls back to the first unit's name."""
    for unit in units:
        match = _PLACE_RE.match(nfc(unit.name).strip())
        if match:
            kind, name = match.groups()
            return f"{kind.capitalize()} {name}" if name[:1].isdigit() else name
    return units[0].name if units else ""


def upper_vn(text: str) -> str:
    return nfc(text).upper()


# ---------------------------------------------------------------------------------------------
# Barcode and QR code


def public_url(path: str) -> str:
    """An absolute address on the public site (``MOTCUA_PUBLIC_BASE_URL``) for ``path``."""
    base = getattr(settings, "MOTCUA_PUBLIC_BASE_URL", DEFAULT_PUBLIC_BASE_URL) or ""
    return base.rstrip("/") + path


def public_lookup_url(code: str) -> str:
    """The public lookup page of a dossier, absolute (``MOTCUA_PUBLIC_BASE_URL``)."""
    return public_url(PUBLIC_LOOKUP_PATH.format(code=quote(code, safe=".-_")))


def code128_modules(text: str) -> str:
    """The Code 128 modules of ``text`` (python-barcode picks the code sets, with the check
    symbol and stop pattern), without quiet zones."""
    return str(barcode.Code128(text).build()[0])


def bar_runs(modules: str) -> list[tuple[int, int]]:
    """``(start, width)`` of each bar, in modules."""
    runs = []
    for match in re.finditer(r"1+", modules):
        runs.append((match.start(), match.end() - match.start()))
    return runs


BARCODE_QUIET_ZONE = 10  # modules each side, as the standard asks


def barcode_svg(modules: str, text: str) -> str:
    """An inline SVG of a barcode: one rect per bar, in module units (it scales with CSS)."""
    q = BARCODE_QUIET_ZONE
    width = len(modules) + 2 * q
    height = 40
    bars = "".join(
        f'<rect x="{q + start}" y="0" width="{w}" height="{height}"/>'
        for start, w in bar_runs(modules)
    )
    label = _("Mã vạch của mã hồ sơ %(code)s") % {"code": text}
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="barcode" viewBox="0 0 {width} {height}" '
        f'preserveAspectRatio="none" role="img" aria-label="{label}" '
        f'data-symbology="code128" data-modules="{len(modules)}">'
        f'<rect width="{width}" height="{height}" fill="#fff"/><g fill="#000">{bars}</g></svg>'
    )


def _qr(url: str) -> segno.QRCode:
    return segno.make_qr(url, error="m")


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR code's modules, row by row, without the quiet zone."""
    return [[bool(v) for v in row] for row in _qr(url).matrix]


def qr_svg(url: str) -> str:
    label = _("Mã QR tra cứu hồ sơ")
    svg = _qr(url).svg_inline(scale=1, border=4, omitsize=True, svgclass="qrcode")
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" data-url="{url}" ', 1)


# ---------------------------------------------------------------------------------------------
# Loading and permissions


def load_dossier(code: str) -> Dossier | None:
    """The dossier with what every form needs in one query (parties come with the builders)."""
    return (
        Dossier.objects.select_related(
            "procedure_version__procedure",
            "procedure_case",
            "receiving_center__unit",
            "competent_unit",
        )
        .prefetch_related("parties")
        .filter(code=code)
        .first()
    )


def can_print(user: Any, dossier: Dossier) -> bool:
    """Staff who can work at the dossier's receiving center, who hold a role over its
    competent unit, or over a unit that holds or held one of its steps or consultations (a
    task that has started: a step still to come is not enough), print its forms."""
    if not getattr(user, "is_authenticated", False):
        return False
    grants = grants_for(user)
    if any(grant.unit.contains(dossier.competent_unit) for grant in grants):
        return True
    if can_work_at_center(user, dossier.receiving_center):
        return True
    paths = {grant.unit.path for grant in grants if grant.unit.path}
    if not paths:
        return False
    from motcua.workflow.models import Task  # lazy: the workflow app imports this one

    within = Q()
    for path in paths:
        within |= Q(unit__path__startswith=path)
    return Task.objects.filter(dossier=dossier, started_at__isnull=False).filter(within).exists()


def printable_forms(dossier: Dossier) -> list[FormDef]:
    """The forms that apply to ``dossier`` now, in number order, then the unnumbered ones:
    the transfer slip (PCXL) and, for a TT 01/2018 dossier, the stop notice (TBDGQ) (for the
    links a dossier page shows). One query."""
    from motcua.workflow.models import Apology, StopNotice  # lazy: workflow imports dossiers

    definitions = FORM_SETS[dossier.form_set]
    supplement, refusal, transfer, apology, stop = Dossier.objects.filter(pk=dossier.pk).annotate(
        has_supplement=Exists(SupplementRequest.objects.filter(dossier=OuterRef("pk"))),
        has_refusal=Exists(Refusal.objects.filter(dossier=OuterRef("pk"))),
        has_transfer_slip=Exists(
            Transfer.objects.filter(dossier=OuterRef("pk")).exclude(slip_number="")
        ),
        has_apology=Exists(Apology.objects.filter(dossier=OuterRef("pk"))),
        has_stop_notice=Exists(StopNotice.objects.filter(dossier=OuterRef("pk"))),
    ).values_list(
        "has_supplement", "has_refusal", "has_transfer_slip", "has_apology", "has_stop_notice"
    ).first() or (False, False, False, False, False)
    forms: list[FormDef | None] = []
    if dossier.accepted_at is not None:
        # The control sheet is opened at reception and travels with the file.
        forms += [definitions.form(FormKind.RECEIPT), definitions.form(FormKind.CONTROL)]
    if supplement:
        forms.append(definitions.form(FormKind.SUPPLEMENT))
    if refusal:
        forms.append(definitions.form(FormKind.REFUSAL))
    if apology:
        forms.append(definitions.form(FormKind.APOLOGY))
    unnumbered = [TRANSFER_SLIP.form] if transfer else []
    if stop:
        stop_form = stop_notice_form(definitions)
        (unnumbered if stop_form is UNNUMBERED_STOP_NOTICE else forms).append(stop_form)
    numbered = sorted((f for f in forms if f is not None), key=lambda f: f.number)
    return [*numbered, *unnumbered]


# ---------------------------------------------------------------------------------------------
# Building the slips


def build_slip(dossier: Dossier, number: str, *, request_index: int | None = None) -> Slip:
    """The form numbered ``number`` in the dossier's form set, filled for ``dossier``.

    Raises :class:`SlipNotAvailable` when the number is not a form of the set, is not a form
    of a single dossier, or does not apply to this dossier (a receipt before acceptance, a
    refusal slip for a dossier that was not refused, …). ``request_index`` picks a
    supplement request (1 = the first); the latest by default. ``number`` may also be the
    transfer slip's short number (``PCXL``), whatever the dossier's set, or ``TBDGQ``, the
    stop notice of a set without one. The forms of the processing (apology, stop notice,
    control sheet) are built by ``motcua.workflow.slips``.
    """
    definitions = FORM_SETS[dossier.form_set]
    if number == TRANSFER_SLIP.form.number:
        with translation.override(FORMS_LANGUAGE):
            return _transfer(dossier, definitions)
    form = definitions.by_number(number)
    if form is None and number == stop_notice_form(definitions).number:
        form = UNNUMBERED_STOP_NOTICE
    if form is None:
        raise SlipNotAvailable(
            _("%(circular)s không có mẫu số %(number)s.")
            % {"circular": definitions.circular, "number": number}
        )
    if form.kind in PROCESSING:
        from motcua.workflow import slips as processing  # lazy: workflow imports dossiers

        with translation.override(FORMS_LANGUAGE):
            return processing.build_slip(dossier, definitions, form)
    if form.kind not in PRINTABLE:
        raise SlipNotAvailable(
            _("Mẫu số %(number)s (%(title)s) không được in từ hồ sơ này.")
            % {"number": form.number, "title": form.title}
        )
    warnings: list[str] = []
    with translation.override(FORMS_LANGUAGE):
        if form.kind == FormKind.RECEIPT:
            slip = _receipt(dossier, definitions, form)
        elif form.kind == FormKind.SUPPLEMENT:
            slip, repeat_of = _supplement(dossier, definitions, form, request_index)
        else:
            slip = _refusal(dossier, definitions, form)
    if form.kind == FormKind.SUPPLEMENT and repeat_of:
        # For staff only, in the screen's language; the citizen's copy is unchanged.
        warnings.append(
            _(
                "Đây là lần yêu cầu bổ sung thứ %(n)s đối với hồ sơ này. Pháp luật chỉ cho phép "
                "yêu cầu bổ sung, hoàn thiện hồ sơ một lần; lần yêu cầu này đã được ghi nhận là "
                "vi phạm."
            )
            % {"n": repeat_of}
        )
    slip.staff_warnings = warnings
    return slip


def _not_available(form: FormDef, reason: str) -> SlipNotAvailable:
    return SlipNotAvailable(
        _("Hồ sơ này không có %(title)s (mẫu số %(number)s): %(reason)s")
        % {"title": str(form.title).lower(), "number": form.number, "reason": reason}
    )


def slip_header(dossier: Dossier, day: dt.date, number_line: str = "") -> Header:
    center = dossier.receiving_center
    _code, unit_name = unit_identity_on(center.unit, day)
    chain = sorted(
        Unit.objects.filter(path__in=center.unit.ancestor_paths()), key=lambda u: -u.depth
    )
    if chain and chain[0].pk == center.unit.pk:
        chain[0].name = unit_name  # the name it carried that day
    return Header(
        governing_body=upper_vn(unit_name),
        office=upper_vn(center.name),
        number_line=number_line,
        national_name=_("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        motto=_("Độc lập - Tự do - Hạnh phúc"),
        date_line=date_line(place_name(chain), day),
    )


def dossier_parties(dossier: Dossier) -> dict[str, DossierParty]:
    return {p.role: p for p in dossier.parties.all()}


def _same_party(a: DossierParty, b: DossierParty) -> bool:
    return (a.identity_kind, a.identity_number) == (b.identity_kind, b.identity_number)


def party_addressee(party: DossierParty) -> str:
    return _("Tổ chức") if party.kind == PartyKind.ORGANIZATION else _("Ông/Bà")


def _party_blocks(dossier: Dossier, *, with_identity: bool = True) -> list[Block]:
    """Who submitted the dossier (and for whom, when someone else), as on every form."""
    parties = dossier_parties(dossier)
    applicant = parties[PartyRole.APPLICANT]
    blocks: list[Block] = [
        Fields(((party_addressee(applicant) + ":", nfc(applicant.name)),), strong=True),
    ]
    if with_identity:
        blocks.append(
            Fields(
                (
                    (
                        str(IdentityKind(applicant.identity_kind).label) + ":",
                        applicant.identity_number,
                    ),
                )
            )
        )
    blocks.append(Fields(((_("Địa chỉ:"), nfc(applicant.address) or "…"),)))
    blocks.append(
        Fields(
            (
                (_("Số điện thoại:"), applicant.phone or "…"),
                (_("Thư điện tử:"), applicant.email or "…"),
            )
        )
    )
    representative = parties.get(PartyRole.REPRESENTATIVE)
    if representative is not None:
        blocks.append(
            Fields(
                (
                    (_("Người được ủy quyền:"), nfc(representative.name)),
                    (_("Văn bản ủy quyền:"), nfc(representative.authorization)),
                )
            )
        )
    owner = parties.get(PartyRole.OWNER)
    if owner is not None and not _same_party(owner, applicant):
        blocks.append(Fields(((_("Chủ hồ sơ:"), nfc(owner.name)),), strong=True))
        if with_identity:
            blocks.append(
                Fields(
                    ((str(IdentityKind(owner.identity_kind).label) + ":", owner.identity_number),)
                )
            )
        blocks.append(Fields(((_("Địa chỉ chủ hồ sơ:"), nfc(owner.address) or "…"),)))
    return blocks


def request_blocks(dossier: Dossier) -> list[Block]:
    """What is asked (nội dung yêu cầu giải quyết): the request as declared, and the
    procedure (with its national code) and case it falls under."""
    version = dossier.procedure_version
    name = nfc(version.name)
    summary = nfc(dossier.request_summary) or name
    blocks: list[Block] = [Fields(((_("Nội dung yêu cầu giải quyết:"), summary),), strong=True)]
    procedure = (
        (_("Mã thủ tục:"), version.procedure.code)
        if summary == name
        else (_("Thủ tục:"), f"{name} ({version.procedure.code})")
    )
    blocks.append(Fields((procedure, (_("Trường hợp:"), nfc(dossier.procedure_case.name)))))
    return blocks


def dossier_code_line(dossier: Dossier) -> str:
    return _("Mã hồ sơ: %(code)s") % {"code": dossier.code}


def officer_name(user: Any) -> str:
    if user is None:
        return ""
    return nfc(getattr(user, "full_name", "") or user.get_username())


def _applicant_and_receiver(parties: Any, officer: Any) -> list[Signature]:
    """The two signatures of the reception slips (forms 01 and 03): the applicant's and the
    receiving officer's."""
    return [
        Signature(
            _("NGƯỜI NỘP HỒ SƠ"),
            _("(Ký và ghi rõ họ tên)"),
            nfc(parties[PartyRole.APPLICANT].name),
        ),
        Signature(_("NGƯỜI TIẾP NHẬN HỒ SƠ"), _("(Ký và ghi rõ họ tên)"), officer_name(officer)),
    ]


def time_limit_text(dossier: Dossier, accept: DossierEvent | None) -> str:
    """The legal time as accepted (the accept event keeps it), else the case's time now."""
    recorded = (accept.data or {}).get("time_limit") if accept else None
    if recorded:
        try:
            quantity, unit = parse_period(recorded)
            return describe_period(quantity, unit)
        except ValueError:
            pass
    time = ProcessingTime.objects.filter(
        case=dossier.procedure_case_id, channel=dossier.channel
    ).first()
    return describe_period(time.quantity or 0, time.unit) if time else "…"


def _fees_text(fees: Iterable[Fee]) -> list[str]:
    lines = []
    for fee in fees:
        amount = format_vnd(fee.amount) if fee.amount is not None else (nfc(fee.note) or "…")
        moment = str(FeeMoment(fee.paid_at).label).lower()
        lines.append(f"{nfc(fee.name)}: {amount} ({moment})")
    return lines


def book_position(dossier: Dossier) -> tuple[int, int]:
    """(year, number) of the dossier in its receiving center's tracking book of the year: the
    book lists the center's dossiers by reception moment (then id), as ``ledger`` does."""
    start = dt.datetime(dossier.submitted_at.astimezone(LOCAL_TZ).year, 1, 1, tzinfo=LOCAL_TZ)
    before = Dossier.objects.filter(
        receiving_center_id=dossier.receiving_center_id,
        submitted_at__gte=start,
    ).filter(
        Q(submitted_at__lt=dossier.submitted_at)
        | Q(submitted_at=dossier.submitted_at, pk__lte=dossier.pk)
    )
    return start.year, before.count()


def _receipt(dossier: Dossier, definitions: FormSetDef, form: FormDef) -> Slip:
    if dossier.accepted_at is None or dossier.due_at is None:
        raise _not_available(form, _("hồ sơ chưa được tiếp nhận."))
    accepted_at = timezone.localtime(dossier.accepted_at)
    events = list(
        DossierEvent.objects.filter(dossier=dossier, action=Action.ACCEPT)
        .select_related("actor")
        .order_by("-sequence")[:1]
    )
    accept = events[0] if events else None
    center = dossier.receiving_center
    office = nfc(center.name)
    components = SubmittedComponent.objects.filter(dossier=dossier).select_related(
        "component", "reused_from"
    )
    rows = []
    for index, row in enumerate(components, 1):
        notes = []
        if row.reused_from_id:
            notes.append(_("tái sử dụng giấy tờ đã có"))
        elif row.digitised and not (row.originals or row.certified_copies or row.copies):
            notes.append(_("nộp bản điện tử"))
        if row.note:
            notes.append(nfc(row.note))
        name = nfc(row.component.name)
        if notes:
            name = f"{name} ({'; '.join(notes)})"
        rows.append(
            (
                str(index),
                name,
                count(row.originals),
                count(row.certified_copies),
                count(row.copies),
            )
        )
    year, position = book_position(dossier)
    place = nfc(center.name) + (f", {nfc(center.address)}" if center.address else "")
    fees = _fees_text(Fee.objects.filter(case=dossier.procedure_case_id))
    body: list[Block] = [
        Text(_("%(office)s tiếp nhận hồ sơ của:") % {"office": office}),
        *_party_blocks(dossier),
        *request_blocks(dossier),
        Text(_("1. Thành phần hồ sơ nộp gồm:"), "heading"),
        Table(
            headers=(
                _("TT"),
                _("Tên giấy tờ"),
                _("Bản chính"),
                _("Bản sao chứng thực"),
                _("Bản sao"),
            ),
            rows=tuple(rows),
            widths=(7, 55, 12, 14, 12),
            align=("C", "L", "C", "C", "C"),
        ),
        Fields(((_("2. Số lượng hồ sơ:"), _("%(n)s bộ") % {"n": f"{dossier.sets_count:02d}"}),)),
        Fields(
            (
                (
                    _("3. Thời gian giải quyết hồ sơ theo quy định:"),
                    time_limit_text(dossier, accept),
                ),
            )
        ),
        Fields(((_("4. Thời gian nhận hồ sơ:"), spoken_moment(accepted_at)),)),
        Fields(
            ((_("5. Thời gian trả kết quả giải quyết hồ sơ:"), spoken_moment(dossier.due_at)),),
            strong=True,
        ),
        Fields(((_("6. Đăng ký nhận kết quả tại:"), place),)),
        Fields(
            (
                (
                    _("7. Phí, lệ phí:"),
                    "; ".join(fees) if fees else _("không thu phí, lệ phí"),
                ),
            )
        ),
        Text(
            _(
                "Khi đến nhận kết quả, Ông/Bà mang theo Giấy tiếp nhận này; người nhận thay phải "
                "có văn bản ủy quyền. Tra cứu tình trạng hồ sơ bằng mã hồ sơ hoặc quét mã QR."
            ),
            "note",
        ),
        Text(
            _("Vào Sổ theo dõi hồ sơ, Quyển số: %(book)s, Số thứ tự: %(number)s")
            % {"book": year, "number": position},
            "italic",
        ),
    ]
    parties = dossier_parties(dossier)
    return Slip(
        kind=FormKind.RECEIPT,
        form_set=definitions,
        form=form,
        dossier_code=dossier.code,
        day=accepted_at.date(),
        header=slip_header(dossier, accepted_at.date()),
        title=upper_vn(str(form.title)),
        reference=definitions.reference(form),
        corner=definitions.short_reference(form),
        code_line=dossier_code_line(dossier),
        body=body,
        signatures=_applicant_and_receiver(parties, accept.actor if accept else None),
        barcode_modules=code128_modules(dossier.code),
        qr_url=public_lookup_url(dossier.code),
    )


def _supplement(
    dossier: Dossier, definitions: FormSetDef, form: FormDef, index: int | None
) -> tuple[Slip, int]:
    requests = list(
        SupplementRequest.objects.filter(dossier=dossier)
        .select_related("created_by")
        .order_by("created_at", "pk")
    )
    if not requests:
        raise _not_available(form, _("hồ sơ chưa có yêu cầu bổ sung, hoàn thiện nào."))
    if index is None:
        index = len(requests)
    if not 1 <= index <= len(requests):
        raise _not_available(
            form,
            _("hồ sơ chỉ có %(n)s phiếu yêu cầu bổ sung, hoàn thiện.") % {"n": len(requests)},
        )
    request = requests[index - 1]
    at = timezone.localtime(request.created_at)
    center = dossier.receiving_center
    officer = officer_name(request.created_by)
    rows = tuple(
        (str(i), nfc(str(item.get("name", ""))), nfc(str(item.get("reason", ""))))
        for i, item in enumerate(request.items or [], 1)
    )
    contact = [officer, nfc(center.name)]
    if center.phone:
        contact.append(_("điện thoại %(phone)s") % {"phone": center.phone})
    body: list[Block] = [
        Text(_("%(office)s tiếp nhận hồ sơ của:") % {"office": nfc(center.name)}),
        *_party_blocks(dossier, with_identity=False),
        *request_blocks(dossier),
        Text(_("Yêu cầu Ông/Bà hoàn thiện hồ sơ gồm những nội dung như sau:"), "heading"),
        Table(
            headers=(_("TT"), _("Giấy tờ, nội dung cần bổ sung, hoàn thiện"), _("Lý do")),
            rows=rows,
            widths=(7, 52, 41),
            align=("C", "L", "L"),
        ),
        Fields(((_("Lý do:"), nfc(request.reason)),)),
    ]
    if request.guidance:
        body.append(Fields(((_("Hướng dẫn:"), nfc(request.guidance)),)))
    body.append(
        Text(
            _("Thông tin thủ tục: %(url)s")
            % {"url": public_procedure_url(dossier.procedure_version.procedure.code)},
            "note",
        )
    )
    body.append(
        Text(
            _("Mọi vướng mắc xin liên hệ: %(contact)s.")
            % {"contact": ", ".join(c for c in contact if c)},
            "note",
        )
    )
    slip = Slip(
        kind=FormKind.SUPPLEMENT,
        form_set=definitions,
        form=form,
        dossier_code=dossier.code,
        day=at.date(),
        header=slip_header(dossier, at.date(), _("Số: %(number)s") % {"number": request.number}),
        title=upper_vn(str(form.title)),
        reference=definitions.reference(form),
        corner=definitions.short_reference(form),
        code_line=dossier_code_line(dossier),
        body=body,
        signatures=[
            Signature(_("NGƯỜI HƯỚNG DẪN"), _("(Ký và ghi rõ họ tên)"), officer),
        ],
        variant=index,
        variants=len(requests),
    )
    return slip, (index if request.is_repeat else 0)


def public_procedure_url(procedure_code: str) -> str:
    base = getattr(settings, "MOTCUA_PUBLIC_BASE_URL", DEFAULT_PUBLIC_BASE_URL) or ""
    return f"{base.rstrip('/')}/thu-tuc/{quote(procedure_code, safe='.')}/"


def _refusal(dossier: Dossier, definitions: FormSetDef, form: FormDef) -> Slip:
    refusal = Refusal.objects.filter(dossier=dossier).select_related("created_by").first()
    if refusal is None:
        raise _not_available(form, _("hồ sơ không bị từ chối."))
    at = timezone.localtime(refusal.created_at)
    center = dossier.receiving_center
    office = nfc(center.name)
    parties = dossier_parties(dossier)
    body: list[Block] = [
        Text(_("%(office)s tiếp nhận hồ sơ của:") % {"office": office}),
        *_party_blocks(dossier, with_identity=False),
        *request_blocks(dossier),
        Text(
            _(
                "Sau khi xem xét, đối chiếu với quy định, %(office)s thông báo không tiếp nhận, "
                "giải quyết hồ sơ này với lý do cụ thể như sau:"
            )
            % {"office": office}
        ),
        Text(nfc(refusal.reason), "quote"),
        Text(_("Xin thông báo để Ông/Bà được biết và thực hiện./.")),
    ]
    if center.phone:
        body.append(
            Text(
                _("Mọi vướng mắc xin liên hệ: %(office)s, điện thoại %(phone)s.")
                % {"office": office, "phone": center.phone},
                "note",
            )
        )
    return Slip(
        kind=FormKind.REFUSAL,
        form_set=definitions,
        form=form,
        dossier_code=dossier.code,
        day=at.date(),
        header=slip_header(dossier, at.date()),
        title=upper_vn(str(form.title)),
        reference=definitions.reference(form),
        corner=definitions.short_reference(form),
        code_line=dossier_code_line(dossier),
        body=body,
        signatures=_applicant_and_receiver(parties, refusal.created_by),
    )


def _unit_names_on(day: dt.date) -> Subquery:
    """The name a transfer's unit carried on ``day`` (None when no history covers it)."""
    return Subquery(
        UnitIdentity.objects.filter(unit=OuterRef("to_unit"), valid_from__lte=day)
        .exclude(valid_to__lt=day)
        .order_by("-valid_from")
        .values("name")[:1]
    )


def table_moment(moment: dt.datetime) -> str:
    """A moment in a narrow table cell: it may wrap only after the comma ("16 giờ 45 phút," /
    "ngày 03/03/2026"), never inside either half (no-break spaces, kept by both renderers)."""
    return ", ".join(part.replace(" ", "\u00a0") for part in spoken_moment(moment).split(", "))


def _transfer_task(transfer: Transfer) -> str:
    """The task as the slip prints it: the lead's says it leads ("Chủ trì …")."""
    task = nfc(transfer.task).strip()
    if not transfer.is_lead:
        return task or _("Phối hợp giải quyết hồ sơ")
    lead = _("Chủ trì giải quyết hồ sơ")
    if not task:
        return lead
    if task.lower().startswith(_("chủ trì")):
        return task
    return _("Chủ trì: %(task)s") % {"task": task}


def _transfer(dossier: Dossier, definitions: FormSetDef) -> Slip:
    """Phiếu chuyển xử lý (NĐ 118/2025 Art 20): the order in which the agencies taking part
    settle the dossier, each one's task and deadline, and a column where each signs for the
    paper file. Dated on acceptance, when the slip was numbered."""
    form = TRANSFER_SLIP.form
    at = timezone.localtime(dossier.accepted_at or timezone.now())
    transfers = list(
        Transfer.objects.filter(dossier=dossier)
        .exclude(slip_number="")
        .select_related("to_unit")
        .annotate(unit_name_then=_unit_names_on(at.date()))
        .order_by("order", "pk")
    )
    if not transfers:
        raise SlipNotAvailable(
            _("Hồ sơ này không có %(title)s: %(reason)s")
            % {
                "title": str(form.title).lower(),
                "reason": _(
                    "phiếu chỉ được lập khi hồ sơ giấy được chuyển đến nhiều cơ quan, đơn vị "
                    "cùng giải quyết."
                ),
            }
        )
    events = list(
        DossierEvent.objects.filter(dossier=dossier, action=Action.ACCEPT)
        .select_related("actor")
        .order_by("-sequence")[:1]
    )
    accept = events[0] if events else None
    center = dossier.receiving_center
    office = nfc(center.name)
    version = dossier.procedure_version
    parties = dossier_parties(dossier)
    applicant = parties[PartyRole.APPLICANT]
    paper_due = next((t.paper_due_at for t in transfers if t.paper_due_at), None)
    rows = tuple(
        (
            str(index),
            nfc(getattr(t, "unit_name_then", None) or t.to_unit.name),
            _transfer_task(t),
            table_moment(t.due_at) if t.due_at else "…",
            "",
        )
        for index, t in enumerate(transfers, 1)
    )
    body: list[Block] = [
        Fields(((_("Thủ tục hành chính:"), f"{nfc(version.name)} ({version.procedure.code})"),)),
        Fields(((_("Trường hợp:"), nfc(dossier.procedure_case.name)),)),
    ]
    summary = nfc(dossier.request_summary)
    if summary and summary != nfc(version.name):
        body.append(Fields(((_("Nội dung yêu cầu giải quyết:"), summary),)))
    body.append(
        Fields(((_("Tổ chức, cá nhân nộp hồ sơ:"), nfc(applicant.name)),), strong=True),
    )
    owner = parties.get(PartyRole.OWNER)
    if owner is not None and not _same_party(owner, applicant):
        body.append(Fields(((_("Chủ hồ sơ:"), nfc(owner.name)),), strong=True))
    body += [
        Fields(((_("Địa chỉ:"), nfc(applicant.address) or "…"),)),
        Fields(((_("Số điện thoại:"), applicant.phone or "…"),)),
        Fields(
            (
                (
                    _("Thời gian nhận hồ sơ:"),
                    spoken_moment(dossier.accepted_at) if dossier.accepted_at else "…",
                ),
            )
        ),
        Fields(
            (
                (
                    _("Thời gian hẹn trả kết quả:"),
                    spoken_moment(dossier.due_at) if dossier.due_at else "…",
                ),
            ),
            strong=True,
        ),
        Fields(((_("Hạn chuyển hồ sơ giấy:"), spoken_moment(paper_due) if paper_due else "…"),)),
        Text(
            _(
                "%(office)s chuyển hồ sơ đến các cơ quan, đơn vị theo thứ tự, nhiệm vụ và "
                "thời hạn như sau:"
            )
            % {"office": office},
            "heading",
        ),
        Table(
            headers=(_("STT"), _("Cơ quan, đơn vị"), _("Nhiệm vụ"), _("Thời hạn"), _("Ký nhận")),
            rows=rows,
            widths=(6, 28, 28, 22, 16),
            align=("C", "L", "L", "C", "C"),
            row_height=11.0,
        ),
    ]
    return Slip(
        kind=FormKind.TRANSFER,
        form_set=definitions,
        form=form,
        dossier_code=dossier.code,
        day=at.date(),
        header=slip_header(
            dossier, at.date(), _("Số: %(number)s") % {"number": transfers[0].slip_number}
        ),
        title=upper_vn(str(form.title)),
        reference=TRANSFER_SLIP.reference(),
        corner=TRANSFER_SLIP.short_reference(),
        code_line=dossier_code_line(dossier),
        body=body,
        signatures=[
            Signature(
                _("NGƯỜI TIẾP NHẬN HỒ SƠ"),
                _("(Ký và ghi rõ họ tên)"),
                officer_name(accept.actor if accept else None),
            ),
        ],
    )
