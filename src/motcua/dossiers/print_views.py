"""Printable forms of a dossier (a page and a PDF: forms 01–04, the stop notice and the control
sheet of its set, and the transfer slip ``PCXL`` of NĐ 118/2025 Art 20) and the tracking book
(page and XLSX).

Thin: what a form shows is decided in ``slips`` (and ``workflow.slips`` for the forms of the
processing), what the book holds in ``ledger``. Staff who can work at the dossier's receiving
center, or who hold a role over its competent unit or over a unit that held one of its steps,
may print (``slips.can_print``); anyone else gets a 403. An unknown code, or a form that does
not apply to the dossier, is a 404 that says why, in Vietnamese.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from . import ledger, slips
from .pdf import render_slip

UNAVAILABLE_TEMPLATE = "dossiers/slips/unavailable.html"


def _refuse(request: Any, message: str, status: int) -> HttpResponse:
    return render(request, UNAVAILABLE_TEMPLATE, {"message": message}, status=status)


def _slip_for(request: Any, code: str, number: str) -> slips.Slip | HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    dossier = slips.load_dossier(code)
    if dossier is None:
        return _refuse(
            request, _("Không tìm thấy hồ sơ có mã %(code)s.") % {"code": code}, status=404
        )
    if not slips.can_print(request.user, dossier):
        return _refuse(
            request,
            _(
                "Bạn không có quyền in biểu mẫu của hồ sơ %(code)s: hồ sơ do %(center)s tiếp "
                "nhận, %(unit)s giải quyết."
            )
            % {
                "code": code,
                "center": dossier.receiving_center.name,
                "unit": dossier.competent_unit.name,
            },
            status=403,
        )
    try:
        index = int(request.GET["lan"]) if request.GET.get("lan") else None
    except ValueError:
        index = 0  # out of range: the builder says how many there are
    try:
        return slips.build_slip(dossier, number, request_index=index)
    except slips.SlipNotAvailable as exc:
        return _refuse(request, str(exc), status=404)


@require_GET
def slip(request: Any, code: str, number: str) -> HttpResponse:
    """The form as a page (A5, or A4 for the control sheet) to print from the browser."""
    result = _slip_for(request, code, number)
    if isinstance(result, HttpResponse):
        return result
    query = f"?lan={result.variant}" if result.variants > 1 else ""
    context = {
        "slip": result,
        "pdf_url": reverse("dossier_print:slip_pdf", args=[code, number]) + query,
        "variant_links": [
            (i, reverse("dossier_print:slip", args=[code, number]) + f"?lan={i}")
            for i in range(1, result.variants + 1)
        ]
        if result.variants > 1
        else [],
    }
    return render(request, "dossiers/slips/slip.html", context)


@require_GET
def slip_pdf(request: Any, code: str, number: str) -> HttpResponse:
    """The same form as a PDF (opened in the browser, saved under a telling name)."""
    result = _slip_for(request, code, number)
    if isinstance(result, HttpResponse):
        return result
    response = HttpResponse(render_slip(result), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{result.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------------------------------------
# The tracking book


class LedgerFilter(forms.Form):
    tu_ngay = forms.DateField(
        label=gettext_lazy("Từ ngày"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": gettext_lazy("Hãy chọn ngày bắt đầu."),
            "invalid": gettext_lazy("Ngày bắt đầu không hợp lệ."),
        },
    )
    den_ngay = forms.DateField(
        label=gettext_lazy("Đến ngày"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": gettext_lazy("Hãy chọn ngày kết thúc."),
            "invalid": gettext_lazy("Ngày kết thúc không hợp lệ."),
        },
    )
    don_vi = forms.CharField(
        label=gettext_lazy("Nơi tiếp nhận hoặc cơ quan giải quyết"),
        error_messages={"required": gettext_lazy("Hãy chọn trung tâm hoặc đơn vị.")},
    )

    def __init__(self, *args: Any, choices: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["don_vi"].widget = forms.Select(choices=choices)

    def clean_don_vi(self) -> ledger.Scope:
        scope = ledger.scope_from_key(self.cleaned_data["don_vi"])
        if scope is None:
            raise ValidationError(
                _("Không tìm thấy trung tâm hoặc đơn vị đã chọn."), code="unknown_unit"
            )
        return scope

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("tu_ngay"), data.get("den_ngay")
        if start and end:
            ledger.check_period(start, end)
        return data


def _choices(user: Any) -> list[Any]:
    centers, units = ledger.scopes_for(user)
    choices: list[Any] = []
    if centers:
        choices.append((_("Nơi tiếp nhận"), [(f"c{c.pk}", c.name) for c in centers]))
    if units:
        choices.append(
            (
                _("Cơ quan giải quyết"),
                [(f"u{u.pk}", "\u00a0\u00a0" * u.depth + u.name) for u in units],
            )
        )
    return choices


def _ledger_filter(request: Any) -> tuple[LedgerFilter, list[Any]]:
    choices = _choices(request.user)
    if request.GET:
        return LedgerFilter(request.GET, choices=choices), choices
    today = timezone.localdate()
    first_key = choices[0][1][0][0] if choices else ""
    initial = {"tu_ngay": today.replace(day=1), "den_ngay": today, "don_vi": first_key}
    return LedgerFilter(initial, choices=choices), choices


def _ledger_access(request: Any) -> tuple[LedgerFilter, HttpResponse | None]:
    form, _choices_list = _ledger_filter(request)
    if form.is_valid():
        scope = form.cleaned_data["don_vi"]
        if not ledger.can_view(request.user, scope):
            return form, _refuse(
                request,
                _("Bạn không có quyền xem sổ theo dõi hồ sơ của %(name)s.") % {"name": scope.name},
                status=403,
            )
    return form, None


@require_GET
def ledger_page(request: Any) -> HttpResponse:
    """The tracking book of a period and a center or unit, to read and print (A4 landscape)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    form, refused = _ledger_access(request)
    if refused is not None:
        return refused
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        scope = form.cleaned_data["don_vi"]
        start: dt.date = form.cleaned_data["tu_ngay"]
        end: dt.date = form.cleaned_data["den_ngay"]
        rows = list(ledger.ledger_rows(scope, start, end, limit=ledger.HTML_LIMIT + 1))
        truncated = len(rows) > ledger.HTML_LIMIT
        definitions, book_form = ledger.form_for_period(end)
        context.update(
            {
                "scope": scope,
                "start": start,
                "end": end,
                "rows": rows[: ledger.HTML_LIMIT],
                "truncated": truncated,
                "limit": ledger.HTML_LIMIT,
                "columns": [head for head, _width in ledger.columns()],
                "column_widths": ledger.css_widths(),
                "book_title": str(book_form.title).upper(),
                "reference": definitions.short_reference(book_form),
                "period": ledger.period_text(start, end),
                "xlsx_url": reverse("dossier_print:ledger_xlsx")
                + "?"
                + urlencode({"tu_ngay": start, "den_ngay": end, "don_vi": scope.key}),
            }
        )
    status = 200 if form.is_valid() or not request.GET else 400
    return render(request, "dossiers/ledger/book.html", context, status=status)


@require_GET
def ledger_xlsx(request: Any) -> HttpResponse:
    """The tracking book as an XLSX file (every row, dates as dates)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    form, refused = _ledger_access(request)
    if refused is not None:
        return refused
    if not request.GET or not form.is_valid():
        return render(request, "dossiers/ledger/book.html", {"form": form}, status=400)
    scope = form.cleaned_data["don_vi"]
    start, end = form.cleaned_data["tu_ngay"], form.cleaned_data["den_ngay"]
    content = ledger.ledger_xlsx(scope, start, end, ledger.ledger_rows(scope, start, end))
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{ledger.xlsx_filename(scope, start, end)}"'
    )
    return response
