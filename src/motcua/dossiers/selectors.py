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
    """Dossiers ``user`` may look at: received at a center they work at, settled by a unit in
    the subtree of one of their roles, or with a step (or a consultation) held by such a unit."""
    from motcua.organization.permissions import Capability, centers_for, units_with_capability

    if not getattr(user, "is_authenticated", False):
        return Dossier.objects.none()
    if user.is_superuser:
        return Dossier.objects.all()
    from motcua.workflow.models import Task

    units = units_with_capability(user, Capability.VIEW_WORKSPACE)
    # Units consulted or holding a step (liên thông) see the dossier too.
    held = Task.objects.filter(is_external=True, unit__in=units).values("dossier_id")
    return Dossier.objects.filter(
        Q(receiving_center__in=centers_for(user)) | Q(competent_unit__in=units) | Q(pk__in=held)
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


# ---------------------------------------------------------------------------------------------
# Added for the API and the public lookup (issue 4).

import re  # noqa: E402
import unicodedata  # noqa: E402

from django.db.models import Exists  # noqa: E402
from django.utils.translation import gettext_lazy as _lazy  # noqa: E402


def intake_case(procedure_code: str, position: int, day: dt.date) -> ProcedureCase:
    """The case ``position`` of the version of ``procedure_code`` in force on ``day`` (what an
    API intake names). Raises IntakeError ``procedure_not_found`` (never published),
    ``procedure_not_in_force`` (published, not in force that day) or ``case_not_found``."""
    from motcua.catalog.models import VersionStatus

    from . import services

    published = ProcedureVersion.objects.filter(
        procedure__code=procedure_code, status=VersionStatus.PUBLISHED
    )
    in_force = published.filter(effective_from__lte=day).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=day)
    )
    case = (
        ProcedureCase.objects.filter(version__in=in_force, position=position)
        .select_related("version__procedure")
        .first()
    )
    if case is not None:
        return case
    if in_force.exists():
        raise services.IntakeError(
            _("Thủ tục %(code)s không có trường hợp số %(position)s.")
            % {"code": procedure_code, "position": position},
            code="case_not_found",
        )
    if published.exists():
        raise services.IntakeError(
            _("Thủ tục %(code)s không có phiên bản hiệu lực ngày %(day)s.")
            % {"code": procedure_code, "day": day.strftime("%d/%m/%Y")},
            code="procedure_not_in_force",
        )
    raise services.IntakeError(
        _("Không tìm thấy thủ tục mã “%(code)s”.") % {"code": procedure_code},
        code="procedure_not_found",
    )


# The dossier code of TT 01/2018 Art 19: <unit identifier>-YYMMDD-XXXX.
DOSSIER_CODE_PATTERN = (
    r"^(?P<unit>[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9A-Z]{2})"
    r"-(?P<day>\d{6})-(?P<number>\d{4})$"
)
DOSSIER_CODE_MAX_LENGTH = 40


def parse_dossier_code(text: str) -> str | None:
    """``text`` as a dossier code (spaces around dropped, upper case: what a barcode scanner
    or a person types), or None when it cannot be one: not ``<unit id>-YYMMDD-XXXX``, a day
    that does not exist, or number 0000."""
    candidate = (text or "").strip().upper()
    if len(candidate) > DOSSIER_CODE_MAX_LENGTH:
        return None
    match = re.match(DOSSIER_CODE_PATTERN, candidate)
    if match is None or match["number"] == "0000":
        return None
    try:
        dt.datetime.strptime(match["day"], "%y%m%d")
    except ValueError:
        return None
    return candidate


def mask_name(name: str) -> str:
    """A name shown to anyone who has the code: each word keeps its first letter, the other
    letters become ``*`` ("Trần Văn Bình" → "T*** V** B***"). The number of letters per word
    stays (a hint for the owner, nothing for a stranger); one-letter words stay as they are."""
    words = unicodedata.normalize("NFC", name or "").split()
    return " ".join(word[0] + "*" * (len(word) - 1) for word in words)


# What a status means for the citizen, in words (the public lookup).
PUBLIC_STATUS_TEXTS: dict[int, Any] = {
    Status.REGISTERED: _lazy("Hồ sơ đã được đăng ký, đang chờ cán bộ kiểm tra và tiếp nhận."),
    Status.ACCEPTED: _lazy("Hồ sơ đã được tiếp nhận và chuyển đến cơ quan giải quyết."),
    Status.NOT_ACCEPTED: _lazy(
        "Hồ sơ không được tiếp nhận. Lý do ghi trong Phiếu từ chối; xin liên hệ nơi nộp hồ sơ."
    ),
    Status.PROCESSING: _lazy("Hồ sơ đang được giải quyết."),
    Status.SUPPLEMENT_REQUESTED: _lazy(
        "Hồ sơ cần bổ sung, hoàn thiện theo Phiếu yêu cầu bổ sung; xin liên hệ nơi nộp hồ sơ."
    ),
    Status.FINANCIAL_OBLIGATION: _lazy(
        "Xin thực hiện nghĩa vụ tài chính để hồ sơ được tiếp tục giải quyết."
    ),
    Status.WITHDRAWN: _lazy("Hồ sơ đã được rút theo yêu cầu của người nộp."),
    Status.STOPPED: _lazy("Hồ sơ đã dừng giải quyết."),
    Status.PROCESSED: _lazy(
        "Hồ sơ đã giải quyết xong; xin đến nhận kết quả tại nơi nộp hồ sơ theo giấy hẹn."
    ),
    Status.RETURNED: _lazy("Đã trả kết quả."),
}


@dataclass(frozen=True)
class PublicStep:
    """One step of the public timeline: when, what was done, the status it led to."""

    at: dt.datetime
    action: str
    action_label: str
    status: int
    status_label: str


@dataclass(frozen=True)
class PublicDossier:
    """What anyone holding a dossier's code may see: no personal data beyond a masked name,
    no notes, no names of staff."""

    code: str
    status: int
    status_label: str
    status_text: str
    procedure_code: str
    procedure_name: str
    center_name: str
    center_address: str
    center_phone: str
    channel: str
    channel_label: str
    submitted_at: dt.datetime
    accepted_at: dt.datetime | None
    due_at: dt.datetime | None
    original_due_at: dt.datetime | None
    finished: bool
    owner_name_masked: str
    timeline: list[PublicStep]


def public_lookup(code: str) -> PublicDossier | None:
    """The public view of the dossier with (well-formed, normalised) ``code``, or None. Two
    queries: the dossier with its procedure, center and owner's name; its events."""
    from motcua.catalog.models import Channel as ChannelChoices

    from .models import DossierEvent as Event
    from .status import FINAL, Action

    # order_by(): the default orderings (a party by its dossier, i.e. the dossier's
    # submitted_at) would add a join and a sort for one row.
    owner_name = Subquery(
        DossierParty.objects.filter(dossier=OuterRef("pk"), role=PartyRole.OWNER)
        .order_by()
        .values("name")[:1]
    )
    rows = list(
        Dossier.objects.filter(code=code)
        .order_by()
        .select_related("procedure_version__procedure", "receiving_center")
        .only(
            "code",
            "status",
            "channel",
            "submitted_at",
            "accepted_at",
            "due_at",
            "original_due_at",
            "procedure_version__name",
            "procedure_version__procedure__code",
            "receiving_center__name",
            "receiving_center__address",
            "receiving_center__phone",
        )
        .annotate(owner_name=owner_name)[:1]
    )
    if not rows:
        return None
    dossier = rows[0]
    events = Event.objects.filter(dossier_id=dossier.pk).order_by("sequence")
    timeline = [
        PublicStep(
            at=row["at"],
            action=row["action"],
            action_label=str(Action(row["action"]).label),
            status=row["to_status"],
            status_label=str(Status(row["to_status"]).label),
        )
        for row in events.values("at", "action", "to_status")
    ]
    status = Status(dossier.status)
    return PublicDossier(
        code=dossier.code,
        status=int(status),
        status_label=str(status.label),
        status_text=str(PUBLIC_STATUS_TEXTS[status]),
        procedure_code=dossier.procedure_version.procedure.code,
        procedure_name=dossier.procedure_version.name,
        center_name=dossier.receiving_center.name,
        center_address=dossier.receiving_center.address,
        center_phone=dossier.receiving_center.phone,
        channel=dossier.channel,
        channel_label=str(ChannelChoices(dossier.channel).label),
        submitted_at=dossier.submitted_at,
        accepted_at=dossier.accepted_at,
        due_at=dossier.due_at,
        original_due_at=dossier.original_due_at,
        finished=status in FINAL,
        owner_name_masked=mask_name(getattr(dossier, "owner_name", "") or ""),
        timeline=timeline,
    )


def intake_documents(ids: list[int]) -> dict[int, Document]:
    """Stored documents by id (one query), for an intake that refers to uploads by id; each
    carries ``attached``: whether it is already filed under a dossier's component."""
    through = SubmittedComponent.documents.through
    attached = Exists(through.objects.filter(document_id=OuterRef("pk")))
    rows = Document.objects.filter(pk__in=set(ids)).annotate(attached=attached)
    return {d.pk: d for d in rows}


def intake_components(ids: list[int]) -> dict[int, Component]:
    """Catalogue components by id (one query)."""
    return {c.pk: c for c in Component.objects.filter(pk__in=set(ids))}


def dossier_document(user: Any, code: str, document_id: int) -> Document | None:
    """A file of a dossier ``user`` may see: a scan of one of its components, a document it
    reused, or a file attached to one of its events; None otherwise."""
    dossier = visible_dossiers(user).filter(code=code).first()
    if dossier is None:
        return None
    attached = (
        Q(submittedcomponent__dossier=dossier)
        | Q(reuses__dossier=dossier)
        | Q(dossierevent__dossier=dossier)
    )
    return Document.objects.filter(attached, pk=document_id).first()
