from __future__ import annotations

from typing import Any

from django.shortcuts import render
from django.utils import timezone

from motcua.core.calendar import CalendarConfigurationError, calendar_for
from motcua.core.models import CalendarDay
from motcua.core.services import ensure_year_seeded
from motcua.dossiers.selectors import online_waiting_count
from motcua.organization import selectors as org_selectors
from motcua.organization.permissions import (
    CAPABILITY_LABELS,
    Capability,
    capabilities_of,
    centers_for,
    grants_for,
    has_capability,
)

from .decorators import capability_required
from .forms import DueDateForm


@capability_required(Capability.VIEW_WORKSPACE)
def home(request: Any) -> Any:
    user = request.user
    held = capabilities_of(user)
    context = {
        "grants": grants_for(user),
        "capabilities": [CAPABILITY_LABELS[c] for c in CAPABILITY_LABELS if c in held],
        "centers": centers_for(user).select_related("unit"),
        "delegations_received": user.delegations_received.filter(
            revoked_at__isnull=True, ends_at__gt=timezone.now()
        ).select_related("delegator", "unit"),
        "delegations_given": user.delegations_given.filter(
            revoked_at__isnull=True, ends_at__gt=timezone.now()
        ).select_related("delegate", "unit"),
        "now": timezone.localtime(),
        "online_waiting": (
            online_waiting_count(user) if Capability.RECEIVE_DOSSIERS in held else None
        ),
    }
    return render(request, "workspace/home.html", context)


@capability_required(Capability.VIEW_WORKSPACE)
def organization(request: Any) -> Any:
    today = timezone.localdate()
    context = {
        "units": org_selectors.unit_tree(today),
        "centers": org_selectors.centers_with_counters(),
        "today": today,
    }
    return render(request, "workspace/organization.html", context)


def _requested_year(request: Any) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@capability_required(Capability.VIEW_WORKSPACE)
def calendar(request: Any) -> Any:
    """The year's non-working and swapped days, and a due-date calculator for the operator."""
    year = _requested_year(request)
    ensure_year_seeded(year)
    context: dict[str, Any] = {
        "year": year,
        "days": CalendarDay.objects.filter(date__year=year),
        "can_manage": has_capability(request.user, Capability.MANAGE_CALENDAR),
    }
    if "received_at" in request.GET:
        form = DueDateForm(request.GET)
        if form.is_valid():
            data = form.cleaned_data
            working = calendar_for(data["center"])
            received = data["received_at"]
            try:
                due = working.add(received, data["quantity"] or 0, data["unit"])
            except (ValueError, CalendarConfigurationError) as exc:
                form.add_error(None, str(exc))
            else:
                context.update(
                    received_at=received,
                    started_at=working.counting_start(received),
                    due=due,
                )
    else:
        form = DueDateForm(
            initial={"received_at": timezone.localtime().replace(second=0, microsecond=0)}
        )
    context["form"] = form
    return render(request, "workspace/calendar.html", context)
