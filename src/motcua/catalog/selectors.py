"""Reads of the catalogue shared by the public pages, the kiosk, the staff screens and the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from motcua.core.text import search_terms
from motcua.organization.models import Unit

from .models import (
    Component,
    Fee,
    Field,
    Level,
    Procedure,
    ProcedureCase,
    ProcedureUnit,
    ProcedureVersion,
    ProcessingTime,
    VersionStatus,
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
        # A subquery rather than a join, so no row is repeated and no DISTINCT is needed
        # (DISTINCT over every column made PostgreSQL several times slower).
        at_level = ProcedureVersion.levels.through.objects.filter(level__code=filters.level_code)
        versions = versions.filter(pk__in=at_level.values("procedureversion_id"))
    if filters.online_level:
        versions = versions.filter(online_level=filters.online_level)
    if filters.unit is not None:
        applied = ProcedureUnit.objects.filter(
            unit__path__startswith=filters.unit.path, valid_from__lte=day
        ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        versions = versions.filter(procedure__in=applied.values("procedure"))
    return versions.order_by("name", "procedure__code")


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


# ---------------------------------------------------------------------------------------------
# The public catalogue (portal and kiosk)


@dataclass(frozen=True)
class CatalogOptions:
    """What the public search offers to filter by, each list read in one query: the fields
    with procedures in force (annotated with ``procedure_count``), the levels those procedures
    are carried out at, and the units (in force) that apply at least one of them;
    ``procedure_total`` is the number of procedures in force."""

    fields: Sequence[Field]
    levels: Sequence[Level]
    units: Sequence[Unit]
    procedure_total: int = 0


def catalog_options(day: dt.date | None = None) -> CatalogOptions:
    day = day or timezone.localdate()
    in_force = versions_in_force(day)
    fields = list(
        Field.objects.filter(versions__in=in_force)
        .annotate(procedure_count=Count("versions"))
        .order_by("name")
    )
    levels = list(Level.objects.filter(procedureversion__in=in_force).distinct())
    applied = (
        ProcedureUnit.objects.filter(valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .filter(procedure__versions__in=in_force)
    )
    units = list(
        Unit.objects.filter(pk__in=applied.values("unit"), valid_from__lte=day).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )
    )
    total = sum(field.procedure_count for field in fields)
    return CatalogOptions(fields=fields, levels=levels, units=units, procedure_total=total)


def with_first_case_times(
    versions: QuerySet[ProcedureVersion],
) -> QuerySet[ProcedureVersion]:
    """``versions`` with their cases (by position) and the cases' processing times prefetched,
    for lists that show each procedure's time limit: two queries for any number of rows."""
    cases = ProcedureCase.objects.order_by("position").prefetch_related(
        Prefetch("processing_times", queryset=ProcessingTime.objects.order_by("channel"))
    )
    return versions.prefetch_related(Prefetch("cases", queryset=cases))


def code_in_force(code: str, day: dt.date | None = None) -> bool:
    """Whether procedure ``code`` has a version in force on ``day`` (one cheap query)."""
    return versions_in_force(day).filter(procedure__code=code).exists()


def published_versions(procedure_id: int) -> QuerySet[ProcedureVersion]:
    """A procedure's published versions, newest first (its history for citizens)."""
    return (
        ProcedureVersion.objects.filter(procedure_id=procedure_id, status=VersionStatus.PUBLISHED)
        .only("id", "procedure_id", "number", "effective_from", "effective_to", "decision")
        .order_by("-effective_from")
    )


def units_applying(procedure_id: int, day: dt.date | None = None) -> QuerySet[Unit]:
    """Units (in force) that apply procedure ``procedure_id`` on ``day``."""
    day = day or timezone.localdate()
    applied = (
        ProcedureUnit.objects.filter(procedure_id=procedure_id, valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .values("unit")
    )
    return Unit.objects.filter(pk__in=applied, valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    )


# --- Added for the API (issue 3): list rows, filter look-ups, "not in force" vs unknown. ---


def with_summary(versions: QuerySet[ProcedureVersion]) -> QuerySet[ProcedureVersion]:
    """``versions`` with what an API list row shows (levels, each case's processing times),
    in three more queries whatever the page size."""
    return with_first_case_times(versions).prefetch_related("levels")


def field_exists(code: str) -> bool:
    return Field.objects.filter(code=code).exists()


def level_exists(code: str) -> bool:
    return Level.objects.filter(code=code).exists()


def unit_by_code(code: str, day: dt.date | None = None) -> Unit | None:
    """The unit that carried identifier ``code`` on ``day`` by its identity history, else the
    unit in force that day whose current code it is (a unit without recorded identities)."""
    from motcua.organization.selectors import unit_by_code_on

    day = day or timezone.localdate()
    return unit_by_code_on(code, day) or Unit.objects.effective_on(day).filter(code=code).first()


def has_published_version(code: str) -> bool:
    """Whether procedure ``code`` was ever published (to tell "not in force on that day" from
    "no such procedure"; drafts stay invisible)."""
    return ProcedureVersion.objects.filter(
        procedure__code=code, status=VersionStatus.PUBLISHED
    ).exists()
