"""The center manager's screens of the floor, under ``/workspace/san/``:

- ``floor:live`` ``quan-ly/``: waiting per service, the counters, the day's totals and the
  devices, refreshed from ``floor:live_state`` ``quan-ly/trang-thai/`` (JSON) every few seconds;
- ``floor:stats`` ``thong-ke/`` and ``floor:stats_export`` ``thong-ke/xuat/`` (XLSX, or CSV
  with ``?dinh-dang=csv``): waiting and service times by service, counter and officer;
- ``floor:devices`` ``thiet-bi/``: kiosks, boards and rating tablets with their secret links,
  added, stopped or given a new link.

Every page works on one center the user manages (``?trung-tam=<code>`` picks it). The
figures come from ``stats``, the writes from ``devices``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from itertools import groupby
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motcua.organization.models import Center, Counter
from motcua.organization.permissions import Capability
from motcua.workspace.decorators import capability_required

from . import devices, stats
from .models import Device, DeviceKind
from .templatetags.queueing import qr_svg

CENTER_PARAM = "trung-tam"
START_PARAM, END_PARAM = "tu-ngay", "den-ngay"
FORMAT_PARAM = "dinh-dang"
# How often the live page asks for fresh figures (milliseconds).
LIVE_POLL_MS = 4000


class Refusal(Exception):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message, self.status = message, status


def manager_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged in, holding MANAGE_CENTER somewhere; a :class:`Refusal` becomes a page with
    its message."""

    @capability_required(Capability.MANAGE_CENTER)
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Refusal as refusal:
            return render(
                request,
                "queueing/manager/refused.html",
                {"message": refusal.message},
                status=refusal.status,
            )

    return wrapper


def _centers(request: HttpRequest, code: str) -> tuple[Center, list[Center]]:
    """The center the page is about (``code``, or the first the user manages) and every
    center the user manages (for the switcher)."""
    centers = list(stats.managed_centers(request.user))
    code = code.strip()[:60]
    if not code:
        if not centers:
            raise Refusal(_("Bạn chưa được giao điều hành trung tâm nào."), 403)
        return centers[0], centers
    center = next((c for c in centers if c.code == code), None)
    if center is not None:
        return center, centers
    if Center.objects.filter(code=code).exists():
        raise Refusal(_("Bạn không điều hành trung tâm %(code)s.") % {"code": code}, 403)
    raise Refusal(_("Không có trung tâm mã %(code)s.") % {"code": code}, 404)


def _page_context(center: Center, centers: list[Center], tab: str) -> dict:
    query = urlencode({CENTER_PARAM: center.code})
    return {
        "center": center,
        "centers": centers,
        "tab": tab,
        "center_param": CENTER_PARAM,
        "tabs": [
            ("live", _("Tình hình tại sảnh"), f"{reverse('floor:live')}?{query}"),
            ("stats", _("Thống kê"), f"{reverse('floor:stats')}?{query}"),
            ("devices", _("Thiết bị"), f"{reverse('floor:devices')}?{query}"),
        ],
    }


# ---------------------------------------------------------------------------------------------
# Live page


@never_cache
@manager_view
@require_GET
def live(request: HttpRequest) -> HttpResponse:
    center, centers = _centers(request, request.GET.get(CENTER_PARAM, ""))
    context = _page_context(center, centers, "live")
    context.update(
        {
            "snap": stats.live_snapshot(center),
            "state_url": f"{reverse('floor:live_state')}?{urlencode({CENTER_PARAM: center.code})}",
            "poll_ms": LIVE_POLL_MS,
        }
    )
    return render(request, "queueing/manager/live.html", context)


@never_cache
@manager_view
@require_GET
def live_state(request: HttpRequest) -> HttpResponse:
    """The live figures as JSON, with the page's body rendered (``html``) for the script."""
    center, _centers_list = _centers(request, request.GET.get(CENTER_PARAM, ""))
    snapshot = stats.live_snapshot(center)
    data = stats.live_json(snapshot)
    # Rendered without the request: the body needs no context processors (menu, badges).
    data["html"] = render_to_string("queueing/manager/_live.html", {"snap": snapshot})
    return JsonResponse(data)


# ---------------------------------------------------------------------------------------------
# Statistics


def _date_field(label: str, required: str, invalid: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": required, "invalid": invalid},
    )


def _iso(text: str) -> str:
    """A date typed as day/month/year, rewritten as the date inputs show it (year-month-day);
    anything else as it is (the form says what is wrong with it)."""
    text = text.strip()
    try:
        return dt.datetime.strptime(text, "%d/%m/%Y").date().isoformat()
    except ValueError:
        return text


class PeriodForm(forms.Form):
    """``?tu-ngay=…&den-ngay=…`` (a missing or empty date: this month so far)."""

    def __init__(self, params: Any, default: stats.Period) -> None:
        data = {
            START_PARAM: _iso(params.get(START_PARAM, "")) or default.start.isoformat(),
            END_PARAM: _iso(params.get(END_PARAM, "")) or default.end.isoformat(),
        }
        super().__init__(data)
        self.fields[START_PARAM] = _date_field(
            _("Từ ngày"),
            _("Hãy chọn ngày bắt đầu."),
            _("Ngày bắt đầu không hợp lệ: hãy nhập theo dạng ngày/tháng/năm."),
        )
        self.fields[END_PARAM] = _date_field(
            _("Đến ngày"),
            _("Hãy chọn ngày kết thúc."),
            _("Ngày kết thúc không hợp lệ: hãy nhập theo dạng ngày/tháng/năm."),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get(START_PARAM), data.get(END_PARAM)
        if start and end:
            data["period"] = stats.check_period(start, end)
        return data


def _header_rows(columns: list[stats.Column]) -> list[list[dict[str, Any]]]:
    """Two header rows: group headers spanning their columns, ungrouped ones spanning both
    rows."""
    top: list[dict[str, Any]] = []
    bottom: list[dict[str, Any]] = []
    for group, members in groupby(columns, key=lambda c: c.group):
        items = list(members)
        if not group:
            top.extend({"label": c.page_head, "rowspan": 2, "colspan": 1} for c in items)
            continue
        top.append({"label": group, "rowspan": 1, "colspan": len(items)})
        bottom.extend({"label": c.page_head, "rowspan": 1, "colspan": 1} for c in items)
    return [top, bottom]


def _table(rows: list[stats.GroupStats], columns: list[stats.Column]) -> list[list[Any]]:
    return [[{"value": stats.cell_value(c, row), "kind": c.kind} for c in columns] for row in rows]


def _stats_context(request: HttpRequest, center: Center, centers: list[Center]) -> dict:
    form = PeriodForm(request.GET, stats.this_month())
    context = _page_context(center, centers, "stats")
    context["form"] = form
    if not form.is_valid():
        return context
    period: stats.Period = form.cleaned_data["period"]
    figures = stats.floor_stats(center, period)
    columns = stats.columns()
    query = {
        CENTER_PARAM: center.code,
        START_PARAM: period.start.isoformat(),
        END_PARAM: period.end.isoformat(),
    }
    export = reverse("floor:stats_export")
    context.update(
        {
            "period": period,
            "figures": figures,
            "heads": _header_rows(columns),
            "column_count": len(columns),
            "tables": [
                (slug, title, _table(rows, columns)) for slug, title, rows in figures.tables()
            ],
            "total_row": _table([figures.total], columns)[0],
            "xlsx_url": f"{export}?{urlencode(query)}",
            "csv_url": f"{export}?{urlencode({**query, FORMAT_PARAM: 'csv'})}",
        }
    )
    return context


@manager_view
@require_GET
def stats_page(request: HttpRequest) -> HttpResponse:
    center, centers = _centers(request, request.GET.get(CENTER_PARAM, ""))
    context = _stats_context(request, center, centers)
    status = 200 if context["form"].is_valid() else 400
    return render(request, "queueing/manager/stats.html", context, status=status)


@manager_view
@require_GET
def stats_export(request: HttpRequest) -> HttpResponse:
    center, centers = _centers(request, request.GET.get(CENTER_PARAM, ""))
    form = PeriodForm(request.GET, stats.this_month())
    kind = request.GET.get(FORMAT_PARAM, "xlsx").strip().lower() or "xlsx"
    if kind not in ("xlsx", "csv"):
        raise Refusal(_("Chỉ xuất được tệp XLSX hoặc CSV."), 400)
    if not form.is_valid():
        context = _page_context(center, centers, "stats")
        context["form"] = form
        return render(request, "queueing/manager/stats.html", context, status=400)
    figures = stats.floor_stats(center, form.cleaned_data["period"])
    if kind == "csv":
        response = HttpResponse(stats.stats_csv(figures), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            stats.stats_xlsx(figures),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = (
        f'attachment; filename="{stats.export_filename(figures, kind)}"'
    )
    return response


# ---------------------------------------------------------------------------------------------
# Devices


class DeviceForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Loại thiết bị"),
        choices=DeviceKind.choices,
        error_messages={"required": gettext_lazy("Hãy chọn loại thiết bị.")},
    )
    name = forms.CharField(
        label=gettext_lazy("Tên (để nhận ra thiết bị)"),
        max_length=200,
        error_messages={"required": gettext_lazy("Hãy đặt tên cho thiết bị.")},
    )
    counter = forms.ModelChoiceField(
        label=gettext_lazy("Quầy (bắt buộc với thiết bị đánh giá)"),
        queryset=Counter.objects.none(),
        required=False,
        empty_label=gettext_lazy("— Không gắn quầy —"),
    )

    def full_clean(self) -> None:
        """Tie each field's errors to it for screen readers (the list's id is
        ``<field id>-errors`` in the template)."""
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": f"{self[name].auto_id}-errors"}
                )

    def __init__(self, *args: Any, center: Center, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["counter"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Counter.objects.filter(center=center, is_active=True).order_by("number")


def _qr_svg(url: str, name: str) -> SafeString:
    label = _("Mã QR mở trang của thiết bị %(name)s") % {"name": name}
    return qr_svg(url, label, css_class="device-qr")


def _device_rows(request: HttpRequest, center: Center) -> list[dict[str, Any]]:
    rows = stats.device_rows(center, timezone.now())
    for row in rows:
        device: Device = row["device"]
        url = request.build_absolute_uri(devices.device_path(device))
        row["url"] = url
        row["qr"] = _qr_svg(url, device.name) if device.is_active else ""
    return rows


def _devices_page(
    request: HttpRequest, center: Center, centers: list[Center], form: DeviceForm, status: int
) -> HttpResponse:
    context = _page_context(center, centers, "devices")
    context.update(
        {
            "form": form,
            "rows": _device_rows(request, center),
            "offline_minutes": int(devices.OFFLINE_AFTER.total_seconds() // 60),
        }
    )
    return render(request, "queueing/manager/devices.html", context, status=status)


@manager_view
@require_http_methods(["GET", "POST"])
def devices_page(request: HttpRequest) -> HttpResponse:
    """The list (GET) and the form adding a device (POST)."""
    params = request.POST if request.method == "POST" else request.GET
    center, centers = _centers(request, params.get(CENTER_PARAM, ""))
    if request.method != "POST":
        return _devices_page(request, center, centers, DeviceForm(center=center), 200)
    form = DeviceForm(request.POST, center=center)
    if form.is_valid():
        try:
            device = devices.create_device(actor=request.user, center=center, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Đã thêm thiết bị “%(name)s”.") % {"name": device.name})
            return _back_to_devices(center, device)
    return _devices_page(request, center, centers, form, 400)


def _back_to_devices(center: Center, device: Device) -> HttpResponse:
    return redirect(
        f"{reverse('floor:devices')}?{urlencode({CENTER_PARAM: center.code})}#thiet-bi-{device.pk}"
    )


def _device_action(
    request: HttpRequest, pk: int, action: Callable[..., Device], done: str
) -> HttpResponse:
    device = get_object_or_404(Device.objects.select_related("center"), pk=pk)
    center, _centers_list = _centers(request, device.center.code)
    try:
        device = action(actor=request.user, device=device)
    except PermissionDenied as refusal:
        raise Refusal(str(refusal), 403) from refusal
    messages.success(request, done % {"name": device.name})
    return _back_to_devices(center, device)


@manager_view
@require_POST
def device_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _device_action(
        request,
        pk,
        devices.deactivate_device,
        _("Đã ngừng thiết bị “%(name)s”: liên kết cũ không còn mở được."),
    )


@manager_view
@require_POST
def device_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    return _device_action(
        request,
        pk,
        devices.rotate_key,
        _("Đã cấp liên kết mới cho “%(name)s”: liên kết cũ không còn mở được."),
    )


urlpatterns = [
    path("quan-ly/", live, name="live"),
    path("quan-ly/trang-thai/", live_state, name="live_state"),
    path("thong-ke/", stats_page, name="stats"),
    path("thong-ke/xuat/", stats_export, name="stats_export"),
    path("thiet-bi/", devices_page, name="devices"),
    path("thiet-bi/<int:pk>/ngung/", device_deactivate, name="device_deactivate"),
    path("thiet-bi/<int:pk>/lien-ket-moi/", device_rotate, name="device_rotate"),
]
