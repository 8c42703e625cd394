"""The rating tablet of a counter (reached by its device key): after each service it asks the
citizen for one tap — rất hài lòng / hài lòng / không hài lòng — recorded against the ticket,
the officer and the dossier. Between services it shows the counter and a thank-you."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.cache import never_cache

from . import devices, services
from .models import Device, DeviceKind, RatingValue, Ticket
from .web import posted_id

# The query parameter of the page shown right after a tap.
THANKS = "cam-on"


def _tablet(key: str) -> Device:
    return devices.device_for(key, DeviceKind.RATING)


def _question(ticket: Ticket | None) -> dict[str, Any] | None:
    if ticket is None:
        return None
    officer = ticket.officer
    return {
        "ticket": ticket.pk,
        "number": ticket.number,
        "service": ticket.service.name,
        "officer": (officer.get_full_name() or officer.get_username()) if officer else "",
    }


@never_cache
def tablet(request: HttpRequest, key: str) -> HttpResponse:
    device = _tablet(key)
    assert device.counter is not None  # a database constraint: rating devices have a counter
    context: dict[str, Any] = {
        "device": device,
        "choices": RatingValue.choices,
        "thanks": request.GET.get(THANKS) == "1",
    }
    status = 200
    if request.method == "POST":
        try:
            services.rate(
                counter=device.counter,
                ticket_id=posted_id(request.POST.get("ticket")),
                value=posted_id(request.POST.get("value")),
            )
        except services.QueueError as refusal:
            context["error"] = refusal.messages[0]
            status = 409 if refusal.code in {"already_rated", "rating_expired"} else 400
        else:
            # Redirect, so the tablet's nightly reload does not send the tap again.
            return redirect(f"{reverse('queue:rating', args=[key])}?{THANKS}=1")
    context["question"] = _question(services.awaiting_rating(device.counter))
    return render(request, "queueing/rating/tablet.html", context, status=status)


@never_cache
def tablet_state(request: HttpRequest, key: str) -> JsonResponse:
    device = _tablet(key)
    assert device.counter is not None
    return JsonResponse({"question": _question(services.awaiting_rating(device.counter))})


urlpatterns = [
    path("danh-gia/<str:key>/", tablet, name="rating"),
    path("danh-gia/<str:key>/trang-thai/", tablet_state, name="rating_state"),
]
