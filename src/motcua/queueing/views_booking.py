"""Online booking for citizens under ``/xep-hang/dat-lich/`` (mostly used on a phone).

1. ``dat-lich/`` (``booking_start``): the center (``?trung_tam=<id>``), then its services that
   take bookings.
2. ``dat-lich/<service>/`` (``booking_slots``): the days of the window as tabs
   (``?ngay=YYYY-MM-DD``) and the day's slots with the places left.
3. ``dat-lich/<service>/dang-ky/?gio=<slot>`` (``booking_form``): name, identity number,
   phone; POST books (rate-limited per client address). Every refusal is shown next to its
   field, with what was typed; a slot that filled meanwhile sends the citizen back to the
   slots with the message.
4. ``dat-lich/xac-nhan/<code>/?t=<token>`` (``booking_confirmation``): the appointment slip
   with the code's QR code, printable. The token is a signature of the code (see
   ``booking.token_for``): the redirect after booking carries it, so the slip shows at once
   and from a bookmark, while a code alone (guessed, or read over a shoulder) only leads to
   the lookup form, which asks for the identity number too.
5. ``dat-lich/tra-cuu/`` (``booking_lookup``): code + identity number (POST, so the number
   never lands in a URL or a log) → the booking's state; cancel while it is booked.

Thin views: the rules are in ``booking``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from motcua.core import ratelimit
from motcua.core.calendar import format_date
from motcua.dossiers.selectors import mask_name

from . import booking, rules
from .models import Booking, BookingState, QueueService
from .services import QueueError
from .templatetags.queueing import qr_svg

PARAM_CENTER = "trung_tam"
PARAM_DAY = "ngay"
PARAM_SLOT = "gio"
PARAM_TOKEN = "t"
# What the form keeps in the session when a slot filled meanwhile, so the citizen does not
# type it again for the next slot (not the identity number: it stays out of the session).
SESSION_KEPT = "booking_typed"
ERROR_STATUS = {
    "slot_full": 409,
    "person_limit": 409,
    "already_booked": 409,
    "booking_closed": 409,
    "booking_unknown": 404,
    "service_unavailable": 404,
}


def _minutes(delta: dt.timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _retry_after(request: HttpRequest, scope: str) -> int | None:
    """None when the client may go on, else the seconds to wait."""
    try:
        ratelimit.check(scope, request)
    except ratelimit.RateLimited as exc:
        return exc.retry_after
    return None


def _throttled(response: HttpResponse, wait: int) -> HttpResponse:
    response["Retry-After"] = str(wait)
    return response


def _unavailable(request: HttpRequest) -> HttpResponse:
    return render(
        request, "queueing/booking/unavailable.html", {"nav_current": "booking"}, status=404
    )


# ---------------------------------------------------------------------------------------------
# 1. Center and service


def start(request: HttpRequest) -> HttpResponse:
    centers = list(booking.centers_taking_bookings())
    raw = request.GET.get(PARAM_CENTER, "").strip()
    chosen = centers[0] if len(centers) == 1 else None
    problem = ""
    if raw:
        chosen = next((c for c in centers if str(c.pk) == raw), None)
        problem = "" if chosen else "center_unknown"
    context = {
        "centers": centers,
        "chosen": chosen,
        "problem": problem,
        "param": PARAM_CENTER,
        "window_days": rules.BOOKING_DAYS_AHEAD,
        "step": 1,
        "nav_current": "booking",
    }
    return render(request, "queueing/booking/start.html", context, status=400 if problem else 200)


# ---------------------------------------------------------------------------------------------
# 2. Day and slot


def _parse_day(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        return None


def _slot_groups(day: booking.BookingDay) -> list[dict[str, Any]]:
    """The day's slots under "morning" and "afternoon" (a long list reads better in two)."""
    groups = [
        {"name": _("Buổi sáng"), "slots": [s for s in day.slots if _hour(s) < 12]},
        {"name": _("Buổi chiều"), "slots": [s for s in day.slots if _hour(s) >= 12]},
    ]
    return [group for group in groups if group["slots"]]


def _hour(slot: booking.Slot) -> int:
    return timezone.localtime(slot.start).hour


def _slots_page(
    request: HttpRequest,
    service: QueueService,
    *,
    day: dt.date | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    days = booking.plan(service)
    chosen = next((d for d in days if d.day == day), None)
    if day is not None and chosen is None and not problem:
        problem, status = "day_unavailable", 400
    if chosen is None:
        # The first day with a place left, else the first day of the window.
        chosen = next((d for d in days if d.free), days[0] if days else None)
    context = {
        "service": service,
        "center": service.center,
        "days": days,
        "today": timezone.localdate(),
        "chosen": chosen,
        "chosen_text": format_date(chosen.day) if chosen else "",
        "groups": _slot_groups(chosen) if chosen else [],
        "problem": problem,
        "asked": day,
        "param_day": PARAM_DAY,
        "param_slot": PARAM_SLOT,
        "window_days": rules.BOOKING_DAYS_AHEAD,
        "step": 2,
        "nav_current": "booking",
    }
    return render(request, "queueing/booking/slots.html", context, status=status)


def slots_page(request: HttpRequest, service_id: int) -> HttpResponse:
    service = booking.bookable_service(service_id)
    if service is None:
        return _unavailable(request)
    raw = request.GET.get(PARAM_DAY, "").strip()
    day = _parse_day(raw) if raw else None
    if raw and day is None:
        return _slots_page(request, service, problem="day_invalid", status=400)
    return _slots_page(request, service, day=day)


# ---------------------------------------------------------------------------------------------
# 3. The person's details


def _chosen_slot(service: QueueService, key: str) -> tuple[booking.Slot | None, dt.date | None]:
    """The offered slot named by ``key`` (with its day), or ``(None, day or None)``."""
    start_at = booking.slot_from_key(key)
    if start_at is None:
        return None, None
    day = start_at.date()
    found = next((s for s in booking.slots(service, day) if s.start == start_at), None)
    return found, day


def _form_page(
    request: HttpRequest,
    service: QueueService,
    slot: booking.Slot,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    general: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "service": service,
        "center": service.center,
        "slot": slot,
        "day_text": format_date(timezone.localtime(slot.start).date()),
        "values": values or {},
        "errors": errors or {},
        "general": general,
        "param_slot": PARAM_SLOT,
        "limit": rules.BOOKINGS_PER_PERSON_PER_DAY,
        "step": 3,
        "nav_current": "booking",
    }
    return render(request, "queueing/booking/form.html", context, status=status)


def _typed(request: HttpRequest) -> dict[str, str]:
    return {
        field: request.POST.get(field, "")[:300]
        for field in ("full_name", "identity_number", "phone")
    }


def _slot_gone(
    request: HttpRequest, service: QueueService, day: dt.date, refusal: QueueError, typed: dict
) -> HttpResponse:
    """Back to the day's slots with the message; name and phone wait for the next slot."""
    request.session[SESSION_KEPT] = {"full_name": typed["full_name"], "phone": typed["phone"]}
    messages.warning(request, refusal.messages[0])
    url = reverse("queue:booking_slots", args=[service.pk])
    return redirect(f"{url}?{PARAM_DAY}={day.isoformat()}")


@never_cache
@require_http_methods(["GET", "POST"])
def form_page(request: HttpRequest, service_id: int) -> HttpResponse:
    service = booking.bookable_service(service_id)
    if service is None:
        return _unavailable(request)
    key = (request.POST if request.method == "POST" else request.GET).get(PARAM_SLOT, "")
    slot, day = _chosen_slot(service, key)
    start_at = booking.slot_from_key(key)
    if (
        slot is None
        and request.method == "POST"
        and start_at is not None
        and day is not None
        and booking.slot_has_begun(service, start_at)
    ):
        # The slot began (or left the window) while the citizen typed: keep what they typed.
        gone = QueueError(
            _("Khung giờ này đã bắt đầu, hãy chọn khung giờ khác."), "slot_unavailable"
        )
        return _slot_gone(request, service, day, gone, _typed(request))
    if slot is None:
        return _slots_page(request, service, day=day, problem="slot_unavailable", status=400)
    if request.method == "GET":
        if slot.full:
            return _slots_page(request, service, day=day, problem="slot_full", status=409)
        return _form_page(request, service, slot, values=request.session.get(SESSION_KEPT))
    return _submit(request, service, slot)


def _submit(request: HttpRequest, service: QueueService, slot: booking.Slot) -> HttpResponse:
    typed = _typed(request)
    wait = _retry_after(request, booking.RATE_SCOPE)
    if wait is not None:
        general = _("Bạn đã gửi nhiều lần trong thời gian ngắn. Xin đợi %(seconds)s giây.") % {
            "seconds": wait
        }
        page = _form_page(request, service, slot, values=typed, general=general, status=429)
        return _throttled(page, wait)
    problems = booking.person_problems(**typed)
    if problems:
        errors = {field: refusal.messages[0] for field, refusal in problems.items()}
        return _form_page(request, service, slot, values=typed, errors=errors, status=400)
    try:
        made = booking.book(
            service=service,
            slot_start=slot.start,
            full_name=typed["full_name"],
            identity_number=typed["identity_number"],
            phone=typed["phone"],
        )
    except QueueError as refusal:
        return _refused(request, service, slot, typed, refusal)
    request.session.pop(SESSION_KEPT, None)
    return redirect(_confirmation_url(made))


def _refused(
    request: HttpRequest,
    service: QueueService,
    slot: booking.Slot,
    typed: dict[str, str],
    refusal: QueueError,
) -> HttpResponse:
    if refusal.code in {"slot_full", "slot_unavailable"}:
        return _slot_gone(request, service, timezone.localtime(slot.start).date(), refusal, typed)
    if refusal.code == "service_unavailable":
        return _unavailable(request)
    code = refusal.code or ""
    field = booking.PERSON_FIELDS.get(code)
    errors = {field: refusal.messages[0]} if field else {}
    general = "" if field else refusal.messages[0]
    status = ERROR_STATUS.get(code, 400)
    return _form_page(
        request, service, slot, values=typed, errors=errors, general=general, status=status
    )


# ---------------------------------------------------------------------------------------------
# 4. The appointment slip


def _confirmation_url(made: Booking) -> str:
    url = reverse("queue:booking_confirmation", args=[made.code])
    return f"{url}?{PARAM_TOKEN}={booking.token_for(made)}"


def _booking_context(request: HttpRequest, found: Booking) -> dict[str, Any]:
    opens, closes = booking.check_in_window(found)
    return {
        "booking": found,
        "day_text": format_date(found.day),
        "masked_name": mask_name(found.full_name),
        "masked_phone": f"{'*' * (len(found.phone) - 3)}{found.phone[-3:]}",
        "is_booked": found.state == BookingState.BOOKED,
        "check_in_opens": opens,
        "check_in_closes": closes,
        "early": _minutes(rules.CHECK_IN_EARLY),
        "grace": _minutes(rules.NO_SHOW_GRACE),
        "qr": qr_svg(
            found.code,
            _("Mã QR của mã đặt lịch %(code)s") % {"code": found.code},
            css_class="booking-qr",
        ),
        "confirmation_url": _confirmation_url(found),
        "ticket_url": _ticket_url(found),
        "nav_current": "booking",
    }


def _ticket_url(found: Booking) -> str:
    """The page following the ticket the booking became at check-in, if any."""
    if found.ticket is None:
        return ""
    from . import tickets

    return reverse("queue:ticket", args=[tickets.token_for(found.ticket)])


@never_cache
def confirmation(request: HttpRequest, code: str) -> HttpResponse:
    found = booking.booking_for_token(code, request.GET.get(PARAM_TOKEN, ""))
    if found is None:
        url = reverse("queue:booking_lookup")
        return redirect(f"{url}?ma={booking.normalise_code(code)[:20]}")
    context = {**_booking_context(request, found), "step": 4}
    response = render(request, "queueing/booking/confirmation.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response


# ---------------------------------------------------------------------------------------------
# 5. Lookup and cancellation


def _lookup_page(
    request: HttpRequest,
    *,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    general: str = "",
    found: Booking | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "values": values,
        "errors": errors or {},
        "general": general,
        "nav_current": "booking",
    }
    if found is not None:
        context.update(_booking_context(request, found))
    return render(request, "queueing/booking/lookup.html", context, status=status)


def _lookup_errors(values: dict[str, str]) -> dict[str, str]:
    errors = {}
    if not booking.normalise_code(values["ma"]):
        errors["ma"] = _("Hãy nhập mã đặt lịch (8 ký tự, trong tin nhắn xác nhận).")
    if not booking.IDENTITY_RE.match(booking.clean_identity(values["cccd"])):
        errors["cccd"] = _("Số định danh cá nhân (CCCD) gồm đúng 12 chữ số.")
    return errors


@never_cache
@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        values = {"ma": booking.normalise_code(request.GET.get("ma", ""))[:20], "cccd": ""}
        return _lookup_page(request, values=values)
    values = {"ma": request.POST.get("ma", "")[:40], "cccd": request.POST.get("cccd", "")[:40]}
    wait = _retry_after(request, "lookup")
    if wait is not None:
        general = _("Bạn đã tra cứu nhiều lần trong thời gian ngắn. Xin đợi %(seconds)s giây.") % {
            "seconds": wait
        }
        return _throttled(_lookup_page(request, values=values, general=general, status=429), wait)
    errors = _lookup_errors(values)
    if errors:
        return _lookup_page(request, values=values, errors=errors, status=400)
    try:
        found = booking.find(values["ma"], values["cccd"])
    except QueueError as refusal:
        return _lookup_page(request, values=values, general=refusal.messages[0], status=404)
    if request.POST.get("huy") != "1":
        return _lookup_page(request, values=values, found=found)
    try:
        booking.cancel(booking=found)
    except QueueError as refusal:
        return _lookup_page(
            request, values=values, found=found, general=refusal.messages[0], status=409
        )
    messages.success(request, _("Đã hủy lịch hẹn %(code)s.") % {"code": found.code})
    return redirect(_confirmation_url(found))


urlpatterns: list[URLPattern] = [
    path("dat-lich/", start, name="booking_start"),
    path("dat-lich/tra-cuu/", lookup, name="booking_lookup"),
    path("dat-lich/xac-nhan/<str:code>/", confirmation, name="booking_confirmation"),
    path("dat-lich/<int:service_id>/", slots_page, name="booking_slots"),
    path("dat-lich/<int:service_id>/dang-ky/", form_page, name="booking_form"),
]
