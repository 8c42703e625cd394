"""The ticket kiosk (a touch screen at the entrance, reached by its device key) and the phone
page that follows a ticket.

Kiosk: pick the service → say whether one belongs to a priority group → the ticket is issued
and printed (80 mm thermal paper) with a QR code; or check in a booking by its code or the
identity number. Thin views: everything is decided in ``services`` / ``booking``.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import booking, devices, rules, selectors, services, tickets
from .models import Device, DeviceKind, PriorityCategory, QueueService, Ticket, TicketState
from .web import posted_id

# A double tap on "Lấy số" must not print two tickets: the service page's form carries a
# one-time key, and the ticket it produced is remembered this long.
ONCE_SECONDS = 600
PENDING = "pending"
ONCE_WAIT_STEPS = 30
ONCE_WAIT_STEP_SECONDS = 0.1


def _kiosk(key: str) -> Device:
    return devices.device_for(key, DeviceKind.KIOSK)


@never_cache
def home(request: HttpRequest, key: str) -> HttpResponse:
    device = _kiosk(key)
    return render(
        request,
        "queueing/kiosk/home.html",
        {
            "device": device,
            "services": selectors.waiting_by_service(device.center, _today()),
            "takes_bookings": booking.checks_in_today(device.center),
        },
    )


def _today() -> dt.date:
    return timezone.localdate()


@never_cache
def choose_priority(request: HttpRequest, key: str, service_id: int) -> HttpResponse:
    device = _kiosk(key)
    service = get_object_or_404(QueueService, pk=service_id, center=device.center, is_active=True)
    return render(
        request,
        "queueing/kiosk/priority.html",
        {
            "device": device,
            "service": service,
            "categories": PriorityCategory.objects.filter(is_active=True),
            "once": uuid.uuid4().hex,
        },
    )


@require_POST
def issue(request: HttpRequest, key: str) -> HttpResponse:
    device = _kiosk(key)
    once = request.POST.get("once", "")[:64]
    once_key = f"queue-kiosk-once:{once}"
    # The first of two taps claims the form's key before issuing; the second waits for its
    # ticket instead of issuing another.
    if once and not cache.add(once_key, PENDING, ONCE_SECONDS):
        earlier = _wait_for_ticket(once_key)
        if earlier is None:
            return _refused(request, device, _("Đang in số, xin chờ giây lát."), status=409)
        return redirect("queue:kiosk_ticket", key=key, token=earlier)
    service = QueueService.objects.filter(
        pk=posted_id(request.POST.get("service")), center=device.center
    ).first()
    priority = PriorityCategory.objects.filter(code=request.POST.get("priority", "")).first()
    if service is None or (request.POST.get("priority") and priority is None):
        cache.delete(once_key)
        return _refused(request, device, _("Hãy chọn lại dịch vụ."), status=400)
    try:
        ticket = services.issue_ticket(center=device.center, service=service, priority=priority)
    except services.QueueError as refusal:
        cache.delete(once_key)
        return _refused(request, device, refusal.messages[0], status=409)
    token = tickets.token_for(ticket)
    if once:
        cache.set(once_key, token, ONCE_SECONDS)
    return redirect(f"{reverse('queue:kiosk_ticket', args=[key, token])}?in=1")


def _wait_for_ticket(once_key: str) -> str | None:
    """The token of the ticket the first tap is issuing (a few seconds at most)."""
    for _attempt in range(ONCE_WAIT_STEPS):
        value = cache.get(once_key)
        if value is None:  # the first tap was refused: nothing to show
            return None
        if value != PENDING:
            return str(value)
        time.sleep(ONCE_WAIT_STEP_SECONDS)
    return None


def _refused(request: HttpRequest, device: Device, message: str, *, status: int) -> HttpResponse:
    return render(
        request,
        "queueing/kiosk/refused.html",
        {"device": device, "message": message},
        status=status,
    )


@never_cache
def printed_ticket(request: HttpRequest, key: str, token: str) -> HttpResponse:
    device = _kiosk(key)
    ticket = tickets.ticket_for(token)
    if ticket is None or ticket.center_id != device.center_id:
        raise Http404("ticket")
    return render(
        request,
        "queueing/kiosk/ticket.html",
        {
            "device": device,
            "ticket": ticket,
            "ahead": services.people_ahead(ticket),
            "follow_url": request.build_absolute_uri(reverse("queue:ticket", args=[token])),
            "print": request.GET.get("in") == "1",
        },
    )


@never_cache
def check_in(request: HttpRequest, key: str) -> HttpResponse:
    device = _kiosk(key)
    error, entry = "", ""
    if request.method == "POST":
        entry = request.POST.get("ma", "").strip()[:20]
        try:
            ticket = booking.check_in(center=device.center, entry=entry)
        except services.QueueError as refusal:
            error = refusal.messages[0]
        else:
            token = tickets.token_for(ticket)
            return redirect(f"{reverse('queue:kiosk_ticket', args=[key, token])}?in=1")
    return render(
        request,
        "queueing/kiosk/check_in.html",
        {
            "device": device,
            "error": error,
            "entry": entry,
            "early": int(rules.CHECK_IN_EARLY.total_seconds() // 60),
            "grace": int(rules.NO_SHOW_GRACE.total_seconds() // 60),
        },
        status=400 if error else 200,
    )


# ---------------------------------------------------------------------------------------------
# The citizen's phone


def _followed(token: str) -> Ticket:
    ticket = tickets.ticket_for(token)
    if ticket is None:
        raise Http404("ticket")
    return ticket


def _status(ticket: Ticket) -> dict[str, Any]:
    """The ticket's state with the sentence the phone shows."""
    status = selectors.ticket_status(ticket)
    if status["state"] == TicketState.WAITING:
        status["message"] = ngettext(
            "Đang chờ: còn %(n)s người trước bạn.",
            "Đang chờ: còn %(n)s người trước bạn.",
            status["ahead"],
        ) % {"n": status["ahead"]}
    elif status["state"] == TicketState.CALLED:
        status["message"] = _("Đến lượt bạn! Mời đến quầy số %(counter)s.") % {
            "counter": status["counter"]
        }
    else:
        status["message"] = status["state_label"]
    return status


@never_cache
def follow(request: HttpRequest, token: str) -> HttpResponse:
    ticket = _followed(token)
    return render(
        request,
        "queueing/ticket.html",
        {"ticket": ticket, "status": _status(ticket), "token": token},
    )


@never_cache
def follow_state(request: HttpRequest, token: str) -> JsonResponse:
    return JsonResponse(_status(_followed(token)))


urlpatterns = [
    path("kiosk/<str:key>/", home, name="kiosk"),
    path("kiosk/<str:key>/dich-vu/<int:service_id>/", choose_priority, name="kiosk_service"),
    path("kiosk/<str:key>/lay-so/", issue, name="kiosk_issue"),
    path("kiosk/<str:key>/so/<str:token>/", printed_ticket, name="kiosk_ticket"),
    path("kiosk/<str:key>/dat-lich/", check_in, name="kiosk_checkin"),
    path("so/<str:token>/", follow, name="ticket"),
    path("so/<str:token>/trang-thai/", follow_state, name="ticket_state"),
]
