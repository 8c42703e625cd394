"""The admin page to import the catalogue from a spreadsheet (or a JSON file).

``import_xlsx_view`` is wired by ``catalog/admin.py`` into the Procedure admin as
``admin:catalog_procedure_import_xlsx`` (``/admin/catalog/procedure/import-xlsx/``). GET shows the
form, ``?template=1`` downloads the template workbook, POST imports and shows the report.
Only holders of ``MANAGE_CATALOG`` may use it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.organization.permissions import Capability, has_capability

from .importer import MAX_UPLOAD_BYTES, ImportFileError, detect_format, import_content
from .models import Procedure
from .xlsx import template_workbook

TEMPLATE_FILENAME = "mau-nhap-danh-muc-thu-tuc.xlsx"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CatalogImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Tệp danh mục"),
        help_text=gettext_lazy("Bảng tính .xlsx theo mẫu, hoặc tệp .json; tối đa 5 MB."),
    )
    effective_from = forms.DateField(
        label=gettext_lazy("Hiệu lực từ"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy(
            "Ngày áp dụng thủ tục mới và phiên bản mới của thủ tục có nội dung thay đổi."
        ),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Chạy thử: chỉ kiểm tra và báo cáo, không ghi gì"), required=False
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        file_format = detect_format(upload.name or "")
        if file_format is None:
            raise forms.ValidationError(
                _("Chỉ nhận tệp .xlsx hoặc .json (tệp đã chọn: “%(name)s”).")
                % {"name": upload.name},
                code="file_type",
            )
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("Tệp lớn %(size)s MB, vượt giới hạn 5 MB; hãy chia thành nhiều tệp.")
                % {"size": f"{upload.size / 1024 / 1024:.1f}".replace(".", ",")},
                code="file_size",
            )
        head = upload.read(4)
        upload.seek(0)
        if file_format == "xlsx" and head != b"PK\x03\x04":
            raise forms.ValidationError(
                _(
                    "Tệp “%(name)s” không phải bảng tính Excel .xlsx (có thể là .xls cũ hoặc tệp "
                    "khác đổi tên); hãy lưu lại dưới dạng .xlsx."
                )
                % {"name": upload.name},
                code="file_type",
            )
        return upload


def _url(name: str, **kwargs: Any) -> str | None:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def import_xlsx_view(request: HttpRequest) -> HttpResponse:
    """Upload form, template download and import report (permission: MANAGE_CATALOG)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not has_capability(request.user, Capability.MANAGE_CATALOG):
        raise PermissionDenied(_("Bạn không có quyền quản trị danh mục thủ tục."))
    if request.method == "GET" and request.GET.get("template"):
        response = HttpResponse(template_workbook(), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{TEMPLATE_FILENAME}"'
        return response
    report = None
    if request.method == "POST":
        form = CatalogImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = import_content(
                    upload.read(),
                    name=upload.name,
                    actor=request.user,
                    effective_from=form.cleaned_data["effective_from"],
                    dry_run=form.cleaned_data["dry_run"],
                )
            except ImportFileError as exc:
                form.add_error("file", str(exc))
    else:
        form = CatalogImportForm()
    opts = Procedure._meta
    context = {
        **admin.site.each_context(request),
        "title": _("Nhập danh mục thủ tục từ bảng tính"),
        "opts": opts,
        "form": form,
        "report": report,
        "template_url": f"{request.path}?template=1",
        "app_url": _url("admin:app_list", app_label=opts.app_label),
        "changelist_url": _url(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
    }
    return TemplateResponse(request, "admin/catalog/import_xlsx.html", context)
