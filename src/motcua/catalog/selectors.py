"""Reads of the catalogue shared by the public pages, the kiosk, the staff screens and the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from motcua.core.text import search_terms
from motcua.organization.models import Unit

from .models import (
    Component,
    Fee,
    Procedure,
    ProcedureCase,
    ProcedureUnit,
    ProcedureVersion,
    ProcessingTime,
)


@dataclass(frozen=True)
class CatalogFilters:
    query: str = ""
    field_code: str = ""
    level_code: str = ""
    unit: Unit | None = None
    online_level: str = ""


def versions_in_force(day: dt.date | None = None) -> QuerySet[ProcedureVersion]:
    return ProcedureVersion.objects.in_force_on(day or timezone.localdate())


def search_catalog(
    filters: CatalogFilters, day: dt.date | None = None
) -> QuerySet[ProcedureVersion]:
    """Procedures in force on ``day`` matching ``filters``; the query ignores case and
    diacritics and matches every word ("dang ky khai sinh", "khai sinh", "1.001193")."""
    day = day or timezone.localdate()
    versions = versions_in_force(day).select_related("procedure", "field")
    for term in search_terms(filters.query):
        versions = versions.filter(search_text__contains=term)
    if filters.field_code:
        versions = versions.filter(field__code=filters.field_code)
    if filters.level_code:
        versions = versions.filter(levels__code=filters.level_code)
    if filters.online_level:
        versions = versions.filter(online_level=filters.online_level)
    if filters.unit is not None:
        applied = ProcedureUnit.objects.filter(
            unit__path__startswith=filters.unit.path, valid_from__lte=day
        ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        versions = versions.filter(procedure__in=applied.values("procedure"))
    return versions.order_by("name", "procedure__code").distinct()


def version_detail(version_id: int) -> ProcedureVersion:
    """A version with everything its detail page shows, in a fixed number of queries."""
    cases = (
        ProcedureCase.objects.order_by("position")
        .prefetch_related(
            Prefetch("processing_times", queryset=ProcessingTime.objects.order_by("channel")),
            Prefetch("fees", queryset=Fee.objects.order_by("position")),
            Prefetch(
                "components",
                queryset=Component.objects.order_by("position").prefetch_related("attachments"),
            ),
        )
        .select_related("process_template")
    )
    return (
        ProcedureVersion.objects.select_related("procedure", "field")
        .prefetch_related("levels", Prefetch("cases", queryset=cases))
        .get(pk=version_id)
    )


def version_in_force(code: str, day: dt.date | None = None) -> ProcedureVersion | None:
    """The version of procedure ``code`` in force on ``day`` (with its detail prefetched)."""
    version = versions_in_force(day).filter(procedure__code=code).values_list("pk", flat=True)
    first = version.first()
    return version_detail(first) if first is not None else None


def procedure_by_code(code: str) -> Procedure | None:
    return Procedure.objects.filter(code=code).first()
