"""The counter console: the officer sits at a counter, calls the next ticket, calls it again,
marks a no-show, starts and finishes the service (linking the dossier received), or sends the
citizen to another service. Thin: each button is one service call; refusals are shown as the
services word them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from motcua.dossiers.selectors import reception_centers
from motcua.organization.models import Counter
from motcua.organization.permissions import Capability
from motcua.workspace.decorators import capability_required

from . import selectors, services
from .models import QueueService, Ticket
from .web import posted_id

# How many waiting numbers the console lists per service.
NEXT_SHOWN = 5


def _waiting_panel(counter: Counter) -> list[dict[str, Any]]:
    """The counter's services with their waiting count and the next numbers (priority
    tickets marked)."""
    today = timezone.localdate()
    waiting = list(
        services.in_call_order(services.waiting_for(counter, today))
        .select_related("priority")
        .only("number", "service_id", "priority__name", "queue_at")
    )
    panel = []
    for service in counter.queue_services.filter(is_active=True):
        mine = [t for t in waiting if t.service_id == service.pk]
        panel.append({"service": service, "count": len(mine), "next": mine[:NEXT_SHOWN]})
    return panel


@capability_required(Capability.RECEIVE_DOSSIERS)
def console(request: HttpRequest) -> HttpResponse:
    session = services.current_session(request.user)
    if session is None:
        counters = Counter.objects.filter(
            center__in=reception_centers(request.user), is_active=True
        ).select_related("center")
        return render(request, "queueing/console/choose.html", {"counters": counters})
    counter = session.counter
    ticket = services.current_ticket(counter)
    context = {
        "session": session,
        "counter": counter,
        "ticket": ticket,
        "waiting": _waiting_panel(counter),
        "other_services": QueueService.objects.filter(center=counter.center, is_active=True),
        "handled": selectors.dossiers_handled_during(ticket) if ticket else [],
        "served_today": selectors.served_today(counter.center, request.user),
    }
    return render(request, "queueing/console/console.html", context)


@capability_required(Capability.RECEIVE_DOSSIERS)
def waiting_fragment(request: HttpRequest) -> HttpResponse:
    session = services.current_session(request.user)
    if session is None:  # the counter was left (another tab): the page must be reloaded
        return HttpResponse(status=409)
    panel = _waiting_panel(session.counter)
    return render(request, "queueing/console/_waiting.html", {"waiting": panel})


@require_POST
@capability_required(Capability.RECEIVE_DOSSIERS)
def open_counter(request: HttpRequest) -> HttpResponse:
    counter = get_object_or_404(Counter, pk=posted_id(request.POST.get("counter")), is_active=True)
    try:
        services.open_counter(actor=request.user, counter=counter)
    except PermissionDenied as refusal:
        messages.error(request, str(refusal))
    except services.QueueError as refusal:
        messages.error(request, refusal.messages[0])
    return redirect("floor:console")


@require_POST
@capability_required(Capability.RECEIVE_DOSSIERS)
def close_counter(request: HttpRequest) -> HttpResponse:
    try:
        services.close_counter(actor=request.user)
    except services.QueueError as refusal:
        messages.error(request, refusal.messages[0])
    else:
        messages.success(request, _("Bạn đã rời quầy."))
    return redirect("floor:console")


def _call_next(request: HttpRequest, ticket: Ticket | None) -> str:
    called = services.call_next(actor=request.user)
    if called is None:
        return _("Không còn ai chờ ở các dịch vụ của quầy.")
    return _("Đã gọi số %(number)s.") % {"number": called.number}


def _recall(request: HttpRequest, ticket: Ticket | None) -> str:
    services.recall(actor=request.user, ticket=_required(ticket))
    return _("Đã gọi lại số %(number)s.") % {"number": _required(ticket).number}


def _skip(request: HttpRequest, ticket: Ticket | None) -> str:
    services.skip(actor=request.user, ticket=_required(ticket))
    return _("Số %(number)s vắng mặt.") % {"number": _required(ticket).number}


def _start(request: HttpRequest, ticket: Ticket | None) -> str:
    services.start_serving(actor=request.user, ticket=_required(ticket))
    return _("Bắt đầu phục vụ số %(number)s.") % {"number": _required(ticket).number}


def _finish(request: HttpRequest, ticket: Ticket | None) -> str:
    done = services.finish_serving(
        actor=request.user,
        ticket=_required(ticket),
        dossier_code=request.POST.get("dossier_code", "")[:40],
    )
    if done.dossier_id:
        return _("Đã phục vụ xong số %(number)s (hồ sơ %(code)s).") % {
            "number": done.number,
            "code": done.dossier.code if done.dossier else "",
        }
    return _("Đã phục vụ xong số %(number)s.") % {"number": done.number}


def _transfer(request: HttpRequest, ticket: Ticket | None) -> str:
    service = QueueService.objects.filter(pk=posted_id(request.POST.get("service"))).first()
    if service is None:
        raise services.QueueError(_("Hãy chọn dịch vụ cần chuyển đến."), code="service_missing")
    services.transfer(actor=request.user, ticket=_required(ticket), service=service)
    return _("Đã chuyển số %(number)s sang %(service)s.") % {
        "number": _required(ticket).number,
        "service": service.name,
    }


ACTIONS: dict[str, Callable[[HttpRequest, Ticket | None], str]] = {
    "goi-tiep": _call_next,
    "goi-lai": _recall,
    "vang-mat": _skip,
    "bat-dau": _start,
    "ket-thuc": _finish,
    "chuyen": _transfer,
}


def _required(ticket: Ticket | None) -> Ticket:
    if ticket is None:
        raise services.QueueError(_("Số thứ tự không còn ở quầy này."), code="ticket_not_here")
    return ticket


@require_POST
@capability_required(Capability.RECEIVE_DOSSIERS)
def act(request: HttpRequest, action: str) -> HttpResponse:
    handler = ACTIONS.get(action)
    if handler is None:
        return HttpResponse(status=404)
    ticket = Ticket.objects.filter(pk=posted_id(request.POST.get("ticket"))).first()
    try:
        messages.success(request, handler(request, ticket))
    except services.QueueError as refusal:
        messages.error(request, refusal.messages[0])
    return redirect("floor:console")


urlpatterns = [
    path("quay/", console, name="console"),
    path("quay/hang-cho/", waiting_fragment, name="console_waiting"),
    path("quay/mo/", open_counter, name="console_open"),
    path("quay/roi/", close_counter, name="console_close"),
    path("quay/<slug:action>/", act, name="console_act"),
]
