from __future__ import annotations

from typing import Any

from django.shortcuts import render
from django.utils import timezone

from motcua.organization import selectors as org_selectors
from motcua.organization.permissions import (
    CAPABILITY_LABELS,
    Capability,
    capabilities_of,
    centers_for,
    grants_for,
)

from .decorators import capability_required


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
