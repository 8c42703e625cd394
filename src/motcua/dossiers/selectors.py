"""Reads of dossiers shared by views, services and the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog.models import (
    Channel,
    Component,
    ProcedureCase,
    ProcedureUnit,
    ProcedureVersion,
    ProcessingTime,
)
from motcua.core.calendar import WorkingCalendar, calendar_for
from motcua.organization.models import Center, Unit

from .models import (
    Document,
    Dossier,
    DossierEvent,
    DossierParty,
    Party,
    PartyRole,
    SubmittedComponent,
    SupplementRequest,
    Transfer,
)
from .status import Status


def competent_units(version: ProcedureVersion, day: dt.date) -> QuerySet[Unit]:
    """Units that settle ``version``'s procedure on ``day`` (per-unit applicability)."""
    applying = ProcedureUnit.objects.filter(
        procedure_id=version.procedure_id, is_competent=True, valid_from__lte=day
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
    return Unit.objects.filter(pk__in=applying.values("unit_id")).order_by("path")


def find_party(identity_kind: str, identity_number: str) -> Party | None:
    return Party.objects.filter(
        identity_kind=identity_kind, identity_number=identity_number
    ).first()


def reusable_documents(party: Party) -> QuerySet[Document]:
    """Results and digitised papers the system already holds for ``party`` (NĐ 118 Art 5.1.i:
    they are offered for reuse instead of being asked for again)."""
    return Document.objects.filter(owner=party, kind__in=["scan", "result"]).order_by("-created_at")


def dossier_for_staff(code: str) -> Dossier | None:
    return (
        Dossier.objects.select_related(
            "procedure_version__procedure",
            "procedure_case",
            "receiving_center",
            "competent_unit",
        )
        .prefetch_related("parties", "components__component", "events")
        .filter(code=code)
        .first()
    )


# ---------------------------------------------------------------------------------------------
# Added for the staff screens (issue 4: the counter, the online waiting list, the dossier page).
# Scoping by the user's centers and units is built in here, so no screen forgets it.

# An online dossier whose remaining decision time (NĐ 118/2025 Art 17.2) is at most this much
# working time is marked "sắp hết hạn" on the waiting list.
DECISION_SOON = dt.timedelta(hours=2)


def reception_centers(user: Any) -> QuerySet[Center]:
    """Active centers where ``user`` works and may receive dossiers (the counter's choice)."""
    from motcua.organization.permissions import (
        Capability,
        centers_for,
        units_with_capability,
    )

    units = units_with_capability(user, Capability.RECEIVE_DOSSIERS)
    return centers_for(user).filter(unit__in=units).select_related("unit").order_by("kind", "name")


@dataclass(frozen=True)
class AppointmentPreview:
    """What the receipt will say if the dossier is accepted now."""

    due_at: dt.datetime
    counting_from: dt.datetime
    time_limit: str


def preview_appointment(
    case: ProcedureCase,
    channel: str,
    at: dt.datetime,
    center: Center,
    postal_stamp_date: dt.date | None = None,
) -> AppointmentPreview:
    """The appointment a dossier of ``case`` received through ``channel`` at ``at`` by
    ``center`` would get: the same computation as :func:`services.accept_dossier` (the case's
    time for the channel, counted with the center's calendar from the reception moment or the
    postal stamp). Raises IntakeError when the case has no time for the channel."""
    from . import services

    time = ProcessingTime.objects.filter(case=case, channel=channel).first()
    if time is None:
        raise services.IntakeError(
            _("Trường hợp “%(case)s” chưa có thời hạn giải quyết cho kênh này.")
            % {"case": case.name},
            code="no_processing_time",
        )
    calendar = calendar_for(center)
    probe = Dossier(channel=channel, postal_stamp_date=postal_stamp_date)
    start = services.appointment_start(probe, timezone.localtime(at), calendar)
    due = calendar.add(start, time.quantity or 0, time.unit)
    return AppointmentPreview(due_at=due, counting_from=start, time_limit=str(time))


def visible_dossiers(user: Any) -> QuerySet[Dossier]:
    """Dossiers ``user`` may look at: received at a center they work at, or settled by a unit
    in the subtree of one of their roles."""
    from motcua.organization.permissions import Capability, centers_for, units_with_capability

    if not getattr(user, "is_authenticated", False):
        return Dossier.objects.none()
    if user.is_superuser:
        return Dossier.objects.all()
    units = units_with_capability(user, Capability.VIEW_WORKSPACE)
    return Dossier.objects.filter(
        Q(receiving_center__in=centers_for(user)) | Q(competent_unit__in=units)
    )


def _applicant_names() -> Subquery:
    return Subquery(
        DossierParty.objects.filter(dossier=OuterRef("pk"), role=PartyRole.APPLICANT).values(
            "name"
        )[:1]
    )


def search_dossiers(
    user: Any,
    *,
    query: str = "",
    status: int | None = None,
    received_from: dt.date | None = None,
    received_to: dt.date | None = None,
) -> QuerySet[Dossier]:
    """The dossier list: ``user``'s dossiers, newest first, by code (or part of it), the name
    or identity number of a person in it, status and reception day; each row carries
    ``applicant_name``."""
    dossiers = visible_dossiers(user)
    query = " ".join(query.split())
    if query:
        people = DossierParty.objects.filter(
            Q(name__icontains=query) | Q(identity_number=query.upper())
        ).values("dossier_id")
        dossiers = dossiers.filter(Q(code__icontains=query) | Q(pk__in=people))
    if status is not None:
        dossiers = dossiers.filter(status=status)
    if received_from is not None:
        dossiers = dossiers.filter(submitted_at__date__gte=received_from)
    if received_to is not None:
        dossiers = dossiers.filter(submitted_at__date__lte=received_to)
    return (
        dossiers.select_related("procedure_version__procedure", "receiving_center")
        .annotate(applicant_name=_applicant_names())
        .order_by("-submitted_at", "-pk")
    )


def online_waiting_queryset(user: Any) -> QuerySet[Dossier]:
    """Online dossiers in status 1 at the centers where ``user`` receives."""
    return Dossier.objects.filter(
        status=Status.REGISTERED,
        channel=Channel.ONLINE,
        receiving_center__in=reception_centers(user).values("pk"),
    )


def online_waiting_count(user: Any) -> int:
    """How many online dossiers wait for ``user``'s decision (one query; for the badge)."""
    return online_waiting_queryset(user).count()


@dataclass
class WaitingDossier:
    dossier: Dossier
    remaining: dt.timedelta | None  # working time left before decision_due_at (negative: late)
    urgency: str  # "overdue", "soon" or "ok"


def online_waiting(user: Any, now: dt.datetime) -> list[WaitingDossier]:
    """The online dossiers waiting for acceptance at ``user``'s centers, most urgent first, each
    with the working time left of its 8-working-hour limit at ``now``."""
    rows = list(
        online_waiting_queryset(user)
        .select_related("procedure_version__procedure", "receiving_center")
        .annotate(applicant_name=_applicant_names())
        .order_by(F("decision_due_at").asc(nulls_last=True), "submitted_at", "pk")
    )
    calendars: dict[int, WorkingCalendar] = {}
    result = []
    for dossier in rows:
        remaining: dt.timedelta | None = None
        urgency = "ok"
        if dossier.decision_due_at is not None:
            center = dossier.receiving_center
            calendar = calendars.get(center.pk)
            if calendar is None:
                calendar = calendars[center.pk] = calendar_for(center)
            remaining = calendar.working_time_between(now, dossier.decision_due_at)
            if now >= dossier.decision_due_at:
                urgency = "overdue"
            elif remaining <= DECISION_SOON:
                urgency = "soon"
        result.append(WaitingDossier(dossier, remaining, urgency))
    return result


def dossier_page(user: Any, code: str) -> Dossier | None:
    """A dossier ``user`` may see, with everything its page shows, in a fixed number of
    queries (parties, components with files, events with actors, transfers, slips)."""
    return (
        visible_dossiers(user)
        .filter(code=code)
        .select_related(
            "procedure_version__procedure",
            "procedure_case",
            "receiving_center__unit",
            "receiving_unit",
            "competent_unit",
            "locality_unit",
            "created_by",
            "refusal__created_by",
        )
        .prefetch_related(
            Prefetch("parties", queryset=DossierParty.objects.order_by("pk")),
            Prefetch(
                "components",
                queryset=SubmittedComponent.objects.select_related(
                    "component", "reused_from"
                ).prefetch_related("documents"),
            ),
            Prefetch(
                "events",
                queryset=DossierEvent.objects.select_related("actor", "unit")
                .prefetch_related("documents")
                .order_by("sequence"),
            ),
            Prefetch("transfers", queryset=Transfer.objects.select_related("to_unit")),
            Prefetch(
                "supplement_requests",
                queryset=SupplementRequest.objects.select_related("created_by"),
            ),
        )
        .first()
    )


def reuse_offers(party: Party | None, components: list[Component]) -> dict[int, list[Document]]:
    """Documents the system already holds for ``party`` offered for reuse instead of being
    asked for again (NĐ 118 Art 5.1.i), per component (``documents`` decides what fits)."""
    from .documents import documents_offered_for_reuse

    if party is None or not components:
        return {}
    offers = {c.pk: documents_offered_for_reuse(party=party, component=c) for c in components}
    return {pk: docs for pk, docs in offers.items() if docs}
