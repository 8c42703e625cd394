"""Reads of the organization shared by views, services and (later) the API."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, Prefetch, QuerySet, Value, When

from .models import Center, CenterKind, Counter, Unit, UnitIdentity


def unit_identity_on(unit: Unit, day: dt.date) -> tuple[str, str]:
    """The (code, name) ``unit`` carried on ``day``; its current ones if no history covers it."""
    identity = (
        UnitIdentity.objects.filter(unit=unit, valid_from__lte=day)
        .exclude(valid_to__lt=day)
        .order_by("-valid_from")
        .first()
    )
    return (identity.code, identity.name) if identity else (unit.code, unit.name)


def unit_by_code_on(code: str, day: dt.date) -> Unit | None:
    """The unit that carried identifier ``code`` on ``day`` (codes are reused over time)."""
    identity = (
        UnitIdentity.objects.filter(code=code, valid_from__lte=day)
        .exclude(valid_to__lt=day)
        .select_related("unit")
        .order_by("-valid_from")
        .first()
    )
    return identity.unit if identity else None


def unit_tree(day: dt.date) -> QuerySet[Unit]:
    """Units in force on ``day`` in tree order (a parent before its children)."""
    return Unit.objects.effective_on(day).select_related("level").order_by("path")


def centers_with_counters() -> QuerySet[Center]:
    counters = Counter.objects.filter(is_active=True).prefetch_related("fields", "units")
    # Provincial and single-tier centers first, then the others by name.
    rank = Case(
        When(
            kind__in=[CenterKind.PROVINCIAL, CenterKind.SINGLE_TIER, CenterKind.MINISTRY],
            then=Value(0),
        ),
        default=Value(1),
    )
    return (
        Center.objects.filter(is_active=True)
        .select_related("unit", "parent", "work_schedule")
        .prefetch_related(Prefetch("counters", queryset=counters))
        .order_by(rank, "name")
    )
