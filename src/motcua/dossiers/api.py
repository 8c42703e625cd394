"""Dossiers in the API: intake, staff detail, status actions, uploads and the public lookup.

- ``POST /dossiers`` (staff token, "receive dossiers" at the center): register a dossier and,
  optionally, give its outcome at once. ``Idempotency-Key`` makes a retry answer with the same
  dossier (201 the first time, 200 after).
- ``GET /dossiers/{code}``: everything about a dossier the token's user may see.
- ``POST /dossiers/{code}/actions/{action}``: accept, request_supplement, refuse, resubmit,
  withdraw; 409 ``transition_not_allowed`` with the current status when the status forbids it.
- ``POST /documents``: a scanned file, checked and stored, referred to by id in a dossier.
- ``GET /public/dossiers/{code}``: what anyone with the code may see (no token, rate-limited).

Handlers are thin: they turn bodies into service inputs, call ``services`` / ``selectors`` and
map the services' errors onto the API's error format (see docs/api.md for the table).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import File, Router, Schema, UploadedFile
from ninja import Status as Answer
from ninja.errors import Throttled
from ninja.params.functions import Header as HeaderParam
from ninja.params.functions import Path as PathParam
from pydantic import Field, field_validator

from motcua.api import idempotency
from motcua.api.auth import PUBLIC
from motcua.api.errors import ApiError, ErrorDetail, error_responses
from motcua.catalog.api import CodeLabel, CodeName
from motcua.catalog.models import Channel, Component
from motcua.catalog.selectors import unit_by_code
from motcua.core import ratelimit
from motcua.core.calendar import format_moment
from motcua.organization.models import Center, Unit
from motcua.organization.permissions import Capability, has_capability

from . import documents as document_store
from . import selectors, services
from .models import (
    Document,
    DocumentKind,
    Dossier,
    DossierEvent,
    DossierParty,
    FormSet,
    IdentityKind,
    PartyKind,
    PartyRole,
    SubmittedComponent,
)
from .services import ComponentInput, IntakeError, MissingComponents, PartyInput
from .status import Action, Status, TransitionRefused, allowed_actions

router = Router(tags=["dossiers"])
documents_router = Router(tags=["dossiers"])
public_router = Router(tags=["public"], auth=PUBLIC)

DETAIL_ROUTE = "dossier_detail"
PUBLIC_ROUTE = "public_dossier"

# The status actions the API offers, in the order they are listed.
API_ACTIONS: tuple[Action, ...] = (
    Action.ACCEPT,
    Action.REQUEST_SUPPLEMENT,
    Action.REFUSE,
    Action.RESUBMIT,
    Action.WITHDRAW,
)

# A moment sent by a client may be this far ahead of the server's clock.
CLOCK_SKEW = dt.timedelta(minutes=5)

IdempotencyKey = Annotated[
    str | None,
    HeaderParam(
        None,
        alias=idempotency.HEADER,
        description="Any unique string (a UUID) up to 100 characters. A retry with the same "
        "key and the same body answers with what the first request did instead of doing it "
        "again; the same key with another body is a 422 `idempotency_key_reused`.",
    ),
]
DossierCode = Annotated[str, PathParam(description="Dossier code `<unit identifier>-YYMMDD-XXXX`.")]


# ---------------------------------------------------------------------------------------------
# Errors: the API's format, with the extra keys the dossier endpoints put in ``details``


class DossierErrorDetail(ErrorDetail):
    component: int | None = Field(
        None, description="`missing_required_component`: id of the catalogue component missing."
    )
    current_status: int | None = Field(
        None, description="`transition_not_allowed`: the dossier's status (1–10)."
    )
    current_status_label: str | None = Field(None, description="That status in words.")


class DossierErrorBody(Schema):
    code: str = Field(..., description="Stable machine-readable error code.")
    message: str = Field(..., description="Human-readable message (Vietnamese by default).")
    details: list[DossierErrorDetail] = Field(default_factory=list)


class DossierErrorResponse(Schema):
    """The API's error body; details may name a component or the dossier's current status."""

    error: DossierErrorBody


_EXTRA_DETAIL_KEYS = ("component", "current_status", "current_status_label")


class DossierApiError(ApiError):
    """An :class:`ApiError` whose details keep the keys of :class:`DossierErrorDetail`."""

    def __init__(
        self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(status, code, message, details)
        self.details = [
            {**base, **{k: given[k] for k in _EXTRA_DETAIL_KEYS if k in given}}
            for base, given in zip(self.details, details or [], strict=True)
        ]


def dossier_errors(*statuses: int) -> dict[int, Any]:
    return dict.fromkeys(statuses, DossierErrorResponse)


# The status of an error a service raises, by its code (422 otherwise).
ERROR_STATUS = {
    "out_of_codes": 409,
    "file_too_large": 413,
    "file_type_not_allowed": 415,
    "file_type_mismatch": 415,
}
# The body field an error of a service is about, by its code.
ERROR_FIELD = {
    "procedure_not_found": "procedure",
    "procedure_not_in_force": "procedure",
    "no_competent_unit": "procedure",
    "case_not_found": "case",
    "invalid_channel": "channel",
    "channel_not_offered": "channel",
    "no_processing_time": "channel",
    "postal_stamp_required": "postal_stamp_date",
    "invalid_postal_stamp": "postal_stamp_date",
    "locality_required": "locality",
    "invalid_components": "components",
    "missing_required_component": "components",
    "invalid_sets_count": "sets_count",
    "invalid_outcome": "outcome",
    "reason_required": "reason",
    "items_required": "items",
    "file_empty": "file",
    "file_too_large": "file",
    "file_type_not_allowed": "file",
    "file_type_mismatch": "file",
    "invalid_document_kind": "file",
}
# The message of an error with several details, by its code (translated when used).
ERROR_SUMMARY = {
    "invalid_party": gettext_noop(
        "Thông tin người nộp, chủ hồ sơ hoặc người được ủy quyền chưa đúng."
    ),
    "missing_required_component": gettext_noop("Thiếu thành phần hồ sơ bắt buộc."),
    "invalid_components": gettext_noop("Thành phần hồ sơ khai chưa đúng."),
}


def _under(root: str | None, field: str | None) -> str | None:
    if field is None:
        return None
    return f"{root}.{field}" if root else field


def service_error(
    exc: ValidationError, *, root: str | None = None, location: str | None = "body"
) -> DossierApiError:
    """A service's IntakeError (or Django ValidationError) in the API's format: its code,
    one detail per message, each on the field it is about. ``root`` is the name of the body
    parameter, which ninja's own validation errors start their field paths with (see
    ``api/errors.py``): ``dossier.applicant.identity_number``."""
    code = getattr(exc, "code", None) or "validation_error"
    details: list[dict[str, Any]] = []
    if isinstance(exc, MissingComponents):
        details = [
            {
                "location": location,
                "field": _under(root, "components"),
                "type": code,
                "message": message,
                "component": component.pk,
            }
            for component, message in zip(exc.components, exc.messages, strict=True)
        ]
    elif hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            for message in messages:
                details.append(
                    {
                        "location": location,
                        "field": None if field == "__all__" else _under(root, field),
                        "type": code,
                        "message": message,
                    }
                )
    else:
        details = [
            {
                "location": location,
                "field": _under(root, ERROR_FIELD.get(code)),
                "type": code,
                "message": m,
            }
            for m in exc.messages
        ]
    if len(details) == 1:
        message = details[0]["message"]
    else:
        message = _(ERROR_SUMMARY.get(code, "Dữ liệu gửi lên không hợp lệ."))
    return DossierApiError(ERROR_STATUS.get(code, 422), code, message, details)


def body_error(code: str, field: str, message: str, status: int = 422) -> DossierApiError:
    return DossierApiError(
        status,
        code,
        message,
        [{"location": "body", "field": field, "type": code, "message": message}],
    )


def transition_error(exc: TransitionRefused) -> DossierApiError:
    label = str(exc.current.label)
    return DossierApiError(
        409,
        TransitionRefused.code,
        str(exc),
        [
            {
                "location": None,
                "field": "status",
                "type": "current_status",
                "message": _("Hồ sơ đang ở trạng thái “%(label)s” (%(code)s).")
                % {"label": label, "code": int(exc.current)},
                "current_status": int(exc.current),
                "current_status_label": label,
            }
        ],
    )


def malformed_code(code: str) -> ApiError:
    return ApiError(
        400,
        "malformed_code",
        _("“%(code)s” không phải là một mã hồ sơ.") % {"code": code[:60]},
        [
            {
                "location": "path",
                "field": "code",
                "type": "malformed_code",
                "message": _(
                    "Mã hồ sơ có dạng <mã định danh đơn vị>-YYMMDD-XXXX, ví dụ "
                    "000.00.31.H21-260302-0001."
                ),
            }
        ],
    )


def dossier_not_found(code: str) -> ApiError:
    return ApiError(
        404,
        "dossier_not_found",
        _("Không có hồ sơ mã “%(code)s”.") % {"code": code},
    )


def _code_or_400(code: str) -> str:
    normalised = selectors.parse_dossier_code(code)
    if normalised is None:
        raise malformed_code(code)
    return normalised


# ---------------------------------------------------------------------------------------------
# Request bodies

CHANNEL_NAMES = {
    "counter": Channel.COUNTER,
    "online": Channel.ONLINE,
    "postal": Channel.POSTAL,
}


class PartyIn(Schema):
    """A person or organisation in the dossier."""

    kind: PartyKind = Field(PartyKind.PERSON, description="`person` or `organization`.")
    name: str = Field(..., max_length=300, description="Full name, or the organisation's name.")
    identity_kind: IdentityKind = Field(
        IdentityKind.CITIZEN_ID,
        description="`citizen_id` (12-digit số định danh cá nhân), `passport`, `tax_code` "
        "(organisations), `other`.",
    )
    identity_number: str = Field(..., max_length=30)
    birth_date: dt.date | None = None
    address: str = Field("", max_length=500)
    phone: str = Field("", max_length=20)
    email: str = Field("", max_length=254)
    authorization: str = Field(
        "",
        max_length=300,
        description="Representative only (required then): number and date of the "
        "authorisation (văn bản ủy quyền).",
    )

    def to_input(self) -> PartyInput:
        return PartyInput(
            name=self.name,
            identity_number=self.identity_number,
            identity_kind=self.identity_kind.value,
            kind=self.kind.value,
            address=self.address.strip(),
            phone=self.phone.strip(),
            email=self.email.strip(),
            birth_date=self.birth_date,
            authorization=self.authorization.strip(),
        )


class ComponentIn(Schema):
    """A catalogue component handed over: how many papers of each kind, and scanned files."""

    component: int = Field(..., description="Id of the catalogue component (of the case).")
    originals: int = Field(0, ge=0, le=1000, description="Bản chính.")
    certified_copies: int = Field(0, ge=0, le=1000, description="Bản sao chứng thực.")
    copies: int = Field(0, ge=0, le=1000, description="Bản sao.")
    documents: list[int] = Field(
        default_factory=list,
        max_length=50,
        description="Ids of files uploaded with `POST /api/v1/documents` (not yet filed).",
    )
    note: str = Field("", max_length=500)


class SupplementItemIn(Schema):
    component: int | None = Field(None, description="Id of the catalogue component, if any.")
    name: str = Field(
        "", max_length=1000, description="What is missing (default: the name of `component`)."
    )
    reason: str = Field("", max_length=1000)


class DossierIn(Schema):
    """A dossier handed in, and optionally its outcome."""

    center: str = Field(..., max_length=50, description="Code of the receiving center.")
    procedure: str = Field(..., max_length=50, description="National procedure code.")
    case: int = Field(1, ge=1, le=1000, description="Position of the case (trường hợp).")
    channel: Channel = Field(
        ...,
        description="`1` counter (or `counter`), `2` online (`online`), `3` postal (`postal`).",
    )
    submitted_at: dt.datetime | None = Field(
        None,
        description="Online or postal: when the dossier arrived (default now; a time without "
        "an offset is Vietnam time). Not allowed for the counter: received now.",
    )
    postal_stamp_date: dt.date | None = Field(
        None, description="Postal only (required then): the date of the arrival stamp."
    )
    locality: str | None = Field(
        None,
        max_length=20,
        description="Identifier code of the unit where the applicant lives or the asset lies "
        "(chooses the competent unit when several apply the procedure).",
    )
    applicant: PartyIn = Field(..., description="Who hands the dossier in (người nộp).")
    owner: PartyIn | None = Field(None, description="Chủ hồ sơ, if not the applicant.")
    representative: PartyIn | None = Field(None, description="Người được ủy quyền, if any.")
    components: list[ComponentIn] = Field(default_factory=list, max_length=100)
    identity_verified: bool = Field(
        False, description="The applicant's electronic identity (VNeID) was checked."
    )
    identity_verification: str = Field(
        "", max_length=100, description="How it was checked, e.g. `VNeID mức 2`."
    )
    sets_count: int = Field(1, ge=1, le=100, description="Number of sets (số bộ hồ sơ).")
    request_summary: str = Field("", max_length=2000)
    outcome: Literal["accept", "request_supplement", "refuse"] | None = Field(
        None,
        description="Decide at once: `accept` (appointment given), `request_supplement` "
        "(needs `reason` and `items`), `refuse` (needs `reason`). Absent: the dossier stays "
        "in status 1 waiting for a receptionist.",
    )
    reason: str = Field("", max_length=2000, description="For `request_supplement`, `refuse`.")
    items: list[SupplementItemIn] = Field(
        default_factory=list, max_length=100, description="What is missing."
    )
    guidance: str = Field("", max_length=4000, description="Guidance for the applicant.")

    @field_validator("channel", mode="before")
    @classmethod
    def _channel_names(cls, value: Any) -> Any:
        if isinstance(value, int):
            return str(value)
        if isinstance(value, str):
            return CHANNEL_NAMES.get(value.strip().lower(), value.strip())
        return value


class NoteIn(Schema):
    note: str = Field("", max_length=2000)


class ReasonIn(Schema):
    reason: str = Field(..., max_length=2000)


class SupplementIn(Schema):
    reason: str = Field(..., max_length=2000, description="Why the dossier is incomplete.")
    items: list[SupplementItemIn] = Field(..., max_length=100, description="What is missing.")
    guidance: str = Field("", max_length=4000)


class ResubmitIn(Schema):
    components: list[ComponentIn] = Field(..., max_length=100)


# ---------------------------------------------------------------------------------------------
# Responses


class StatusOut(Schema):
    code: int = Field(..., description="National status code 1–10 (TrangThaiHoSo).")
    label: str


class UnitOut(Schema):
    code: str = Field(..., description="Identifier code (mã định danh).")
    name: str


class CenterOut(Schema):
    code: str
    name: str


class ProcedureRef(Schema):
    code: str
    name: str
    version: int


class CaseRef(Schema):
    position: int
    name: str


class PartyOut(Schema):
    role: CodeLabel = Field(..., description="`applicant`, `owner`, `representative`.")
    kind: CodeLabel
    name: str
    identity_kind: CodeLabel
    identity_number: str
    address: str
    phone: str
    email: str
    authorization: str


class DocumentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int = Field(..., description="Bytes.")
    sha256: str
    signed: bool = Field(..., description="Signed by the officer who digitised it.")


class ComponentRef(Schema):
    id: int
    position: int
    name: str
    requirement: CodeLabel


class SubmittedComponentOut(Schema):
    component: ComponentRef
    originals: int
    certified_copies: int
    copies: int
    digitised: bool
    reused_from: int | None = Field(..., description="Id of a reused earlier document.")
    documents: list[DocumentOut]
    note: str


class AppointmentOut(Schema):
    accepted_at: dt.datetime | None
    due_at: dt.datetime = Field(..., description="Ngày hẹn trả kết quả (current).")
    original_due_at: dt.datetime | None = Field(..., description="As first given.")
    text: str = Field(..., description="The appointment in words, as on the receipt.")


class TransferOut(Schema):
    to_unit: UnitOut
    order: int
    is_lead: bool
    electronic_at: dt.datetime
    paper_due_at: dt.datetime | None
    paper_sent_at: dt.datetime | None
    slip_number: str = Field(..., description="Phiếu chuyển (when several units take part).")
    task: str = Field(..., description="What this unit is to do.")
    due_at: dt.datetime | None = Field(..., description="Its deadline for that task.")


class SupplementItemOut(Schema):
    component: int | None
    name: str
    reason: str


class SupplementRequestOut(Schema):
    number: str
    at_reception: bool
    items: list[SupplementItemOut]
    reason: str
    guidance: str
    is_repeat: bool = Field(..., description="A second request (the law allows one).")
    created_at: dt.datetime
    completed_at: dt.datetime | None


class RefusalOut(Schema):
    reason: str
    at_reception: bool
    created_at: dt.datetime


class ActorOut(Schema):
    username: str
    full_name: str


class EventOut(Schema):
    sequence: int
    at: dt.datetime
    action: CodeLabel
    from_status: StatusOut | None
    to_status: StatusOut
    actor: ActorOut | None
    unit: UnitOut | None
    note: str
    data: dict[str, Any]
    documents: list[int]
    previous_hash: str
    hash: str = Field(..., description="SHA-256 over the previous hash and this event.")


class ActionLink(Schema):
    action: str
    label: str
    method: str
    url: str


class DossierDetail(Schema):
    """Everything about a dossier, for staff."""

    code: str
    status: StatusOut
    channel: CodeLabel
    procedure: ProcedureRef
    case: CaseRef
    form_set: CodeLabel
    receiving_center: CenterOut
    receiving_unit: UnitOut
    competent_unit: UnitOut
    locality: UnitOut | None
    submitted_at: dt.datetime
    postal_stamp_date: dt.date | None
    decision_due_at: dt.datetime | None = Field(
        ..., description="Online dossiers: the 8-working-hour limit to decide (NĐ 118 Art 17.2)."
    )
    appointment: AppointmentOut | None = Field(..., description="Once accepted.")
    sets_count: int
    request_summary: str
    identity_verified: bool
    identity_verification: str
    created_by: ActorOut | None
    created_at: dt.datetime
    parties: list[PartyOut]
    components: list[SubmittedComponentOut]
    transfers: list[TransferOut]
    supplement_requests: list[SupplementRequestOut]
    refusal: RefusalOut | None
    events: list[EventOut]
    chain_intact: bool = Field(..., description="Every event's hash checks out.")
    allowed_actions: list[ActionLink] = Field(
        ..., description="What the token's user may do next through the API."
    )
    public_url: str = Field(..., description="The public lookup page (the receipt's QR code).")
    url: str


class DocumentStored(Schema):
    id: int
    sha256: str
    size: int
    content_type: str
    name: str


class PublicStatus(Schema):
    code: int
    label: str
    text: str = Field(..., description="What it means for the citizen.")


class PublicCenter(Schema):
    name: str
    address: str
    phone: str


class PublicStepOut(Schema):
    at: dt.datetime
    action: CodeLabel
    status: StatusOut


class PublicDossierOut(Schema):
    """What anyone with the code may see: no personal data beyond a masked name."""

    code: str
    status: PublicStatus
    procedure: CodeName
    receiving_center: PublicCenter
    channel: CodeLabel
    submitted_at: dt.datetime
    accepted_at: dt.datetime | None
    due_at: dt.datetime | None = Field(..., description="Ngày hẹn trả kết quả.")
    due_text: str
    appointment_changed: bool = Field(..., description="The appointment was moved.")
    finished: bool
    owner_name_masked: str = Field(
        ..., description="Chủ hồ sơ, each word reduced to its first letter: `T*** V** B***`."
    )
    timeline: list[PublicStepOut]
    url: str = Field(..., description="The public page of this lookup.")


# ---------------------------------------------------------------------------------------------
# Serialising


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(moment) if moment is not None else None


def _choice(choices: Any, value: str) -> dict[str, str]:
    return {"code": value, "label": str(choices(value).label)}


def _status(value: int | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"code": int(value), "label": str(Status(value).label)}


def _unit(unit: Unit | None) -> dict[str, str] | None:
    return {"code": unit.code, "name": unit.name} if unit is not None else None


def _actor(user: Any) -> dict[str, str] | None:
    if user is None:
        return None
    return {"username": user.username, "full_name": user.full_name}


def _document(document: Document) -> dict[str, Any]:
    return {
        "id": document.pk,
        "name": document.original_name,
        "content_type": document.content_type,
        "size": document.size,
        "sha256": document.sha256,
        "signed": bool(document.signature),
    }


def _party(party: DossierParty) -> dict[str, Any]:
    return {
        "role": _choice(PartyRole, party.role),
        "kind": _choice(PartyKind, party.kind),
        "name": party.name,
        "identity_kind": _choice(IdentityKind, party.identity_kind),
        "identity_number": party.identity_number,
        "address": party.address,
        "phone": party.phone,
        "email": party.email,
        "authorization": party.authorization,
    }


def _component(row: SubmittedComponent) -> dict[str, Any]:
    from motcua.catalog.models import Requirement

    component = row.component
    return {
        "component": {
            "id": component.pk,
            "position": component.position,
            "name": component.name,
            "requirement": _choice(Requirement, component.requirement),
        },
        "originals": row.originals,
        "certified_copies": row.certified_copies,
        "copies": row.copies,
        "digitised": row.digitised,
        "reused_from": row.reused_from_id,
        "documents": [_document(d) for d in row.documents.all()],
        "note": row.note,
    }


def _event(event: DossierEvent) -> dict[str, Any]:
    return {
        "sequence": event.sequence,
        "at": _local(event.at),
        "action": _choice(Action, event.action),
        "from_status": _status(event.from_status),
        "to_status": _status(event.to_status),
        "actor": _actor(event.actor),
        "unit": _unit(event.unit),
        "note": event.note,
        "data": event.data,
        "documents": [d.pk for d in event.documents.all()],
        "previous_hash": event.previous_hash,
        "hash": event.hash,
    }


def _chain_intact(events: list[DossierEvent]) -> bool:
    previous = ""
    for event in events:
        if event.previous_hash != previous or event.compute_hash() != event.hash:
            return False
        previous = event.hash
    return True


def _namespaced(request: HttpRequest, name: str) -> str:
    match = getattr(request, "resolver_match", None)
    return f"{match.namespace}:{name}" if match and match.namespace else name


def _detail_url(request: HttpRequest, code: str) -> str:
    return request.build_absolute_uri(
        reverse(_namespaced(request, DETAIL_ROUTE), kwargs={"code": code})
    )


def _public_page_url(request: HttpRequest, code: str) -> str:
    return request.build_absolute_uri(reverse("portal:lookup_detail", kwargs={"code": code}))


def _allowed(dossier: Dossier, user: Any, request: HttpRequest) -> list[dict[str, str]]:
    if not has_capability(user, Capability.RECEIVE_DOSSIERS, dossier.receiving_center.unit):
        return []
    base = _detail_url(request, dossier.code)
    possible = set(allowed_actions(dossier.status))
    return [
        {
            "action": action.value,
            "label": str(action.label),
            "method": "POST",
            "url": f"{base}/actions/{action.value}",
        }
        for action in API_ACTIONS
        if action in possible
    ]


def dossier_detail(dossier: Dossier, *, user: Any, request: HttpRequest) -> dict[str, Any]:
    """The staff detail of a dossier loaded by :func:`selectors.dossier_page` (no queries
    beyond its prefetches)."""
    events = list(dossier.events.all())
    refusal = getattr(dossier, "refusal", None) if hasattr(dossier, "refusal") else None
    version = dossier.procedure_version
    appointment = None
    if dossier.due_at is not None:
        appointment = {
            "accepted_at": _local(dossier.accepted_at),
            "due_at": _local(dossier.due_at),
            "original_due_at": _local(dossier.original_due_at),
            "text": format_moment(dossier.due_at),
        }
    return {
        "code": dossier.code,
        "status": _status(dossier.status),
        "channel": _choice(Channel, dossier.channel),
        "procedure": {
            "code": version.procedure.code,
            "name": version.name,
            "version": version.number,
        },
        "case": {"position": dossier.procedure_case.position, "name": dossier.procedure_case.name},
        "form_set": _choice(FormSet, dossier.form_set),
        "receiving_center": {
            "code": dossier.receiving_center.code,
            "name": dossier.receiving_center.name,
        },
        "receiving_unit": _unit(dossier.receiving_unit),
        "competent_unit": _unit(dossier.competent_unit),
        "locality": _unit(dossier.locality_unit),
        "submitted_at": _local(dossier.submitted_at),
        "postal_stamp_date": dossier.postal_stamp_date,
        "decision_due_at": _local(dossier.decision_due_at),
        "appointment": appointment,
        "sets_count": dossier.sets_count,
        "request_summary": dossier.request_summary,
        "identity_verified": dossier.identity_verified,
        "identity_verification": dossier.identity_verification,
        "created_by": _actor(dossier.created_by),
        "created_at": _local(dossier.created_at),
        "parties": [_party(p) for p in dossier.parties.all()],
        "components": [_component(row) for row in dossier.components.all()],
        "transfers": [
            {
                "to_unit": _unit(t.to_unit),
                "order": t.order,
                "is_lead": t.is_lead,
                "electronic_at": _local(t.electronic_at),
                "paper_due_at": _local(t.paper_due_at),
                "paper_sent_at": _local(t.paper_sent_at),
                "slip_number": t.slip_number,
                "task": t.task,
                "due_at": _local(t.due_at),
            }
            for t in dossier.transfers.all()
        ],
        "supplement_requests": [
            {
                "number": s.number,
                "at_reception": s.at_reception,
                "items": [
                    {
                        "component": item.get("component"),
                        "name": item.get("name", ""),
                        "reason": item.get("reason", ""),
                    }
                    for item in s.items
                ],
                "reason": s.reason,
                "guidance": s.guidance,
                "is_repeat": s.is_repeat,
                "created_at": _local(s.created_at),
                "completed_at": _local(s.completed_at),
            }
            for s in dossier.supplement_requests.all()
        ],
        "refusal": (
            {
                "reason": refusal.reason,
                "at_reception": refusal.at_reception,
                "created_at": _local(refusal.created_at),
            }
            if refusal is not None
            else None
        ),
        "events": [_event(e) for e in events],
        "chain_intact": _chain_intact(events),
        "allowed_actions": _allowed(dossier, user, request),
        "public_url": _public_page_url(request, dossier.code),
        "url": _detail_url(request, dossier.code),
    }


def _staff_detail(request: HttpRequest, user: Any, code: str) -> dict[str, Any]:
    dossier = selectors.dossier_page(user, code)
    if dossier is None:
        raise dossier_not_found(code)
    return dossier_detail(dossier, user=user, request=request)


# ---------------------------------------------------------------------------------------------
# Turning bodies into service inputs


def _center_for(user: Any, code: str) -> Center:
    center = Center.objects.select_related("unit").filter(code=code.strip(), is_active=True).first()
    if center is None:
        raise body_error(
            "center_not_found",
            "dossier.center",
            _("Không có trung tâm, bộ phận một cửa mã “%(code)s”.") % {"code": code},
        )
    if not has_capability(user, Capability.RECEIVE_DOSSIERS, center.unit):
        raise PermissionDenied(
            _("Bạn không có quyền tiếp nhận hồ sơ tại %(center)s.") % {"center": center.name}
        )
    return center


def _component_inputs(items: list[ComponentIn], *, field: str) -> list[ComponentInput]:
    """Catalogue components and fresh uploads named by id (two queries); 422 for an id that
    names nothing or a file already filed under a dossier."""
    components = selectors.intake_components([item.component for item in items])
    documents = selectors.intake_documents([d for item in items for d in item.documents])
    problems: list[dict[str, Any]] = []
    code = ""
    for i, item in enumerate(items):
        if item.component not in components:
            code = code or "component_not_found"
            problems.append(
                {
                    "location": "body",
                    "field": f"{field}.{i}.component",
                    "type": "component_not_found",
                    "message": _("Không có thành phần hồ sơ mã %(id)s.") % {"id": item.component},
                }
            )
        for j, document_id in enumerate(item.documents):
            document = documents.get(document_id)
            if document is None:
                code = code or "document_not_found"
                problems.append(
                    {
                        "location": "body",
                        "field": f"{field}.{i}.documents.{j}",
                        "type": "document_not_found",
                        "message": _("Không có tệp mã %(id)s.") % {"id": document_id},
                    }
                )
            elif document.owner_id is not None or getattr(document, "attached", False):
                code = code or "document_not_available"
                problems.append(
                    {
                        "location": "body",
                        "field": f"{field}.{i}.documents.{j}",
                        "type": "document_not_available",
                        "message": _("Tệp mã %(id)s đã thuộc một hồ sơ khác; hãy tải tệp lên lại.")
                        % {"id": document_id},
                    }
                )
    if problems:
        message = (
            problems[0]["message"] if len(problems) == 1 else _("Thành phần hồ sơ khai chưa đúng.")
        )
        raise DossierApiError(422, code, message, problems)
    return [
        ComponentInput(
            component=components[item.component],
            originals=item.originals,
            certified_copies=item.certified_copies,
            copies=item.copies,
            documents=[documents[d] for d in dict.fromkeys(item.documents)],
            note=item.note.strip(),
        )
        for item in items
    ]


def _supplement_items(
    items: list[SupplementItemIn], case_components: dict[int, Component], *, field: str
) -> list[dict[str, Any]]:
    result = []
    for i, item in enumerate(items):
        name = item.name.strip()
        if item.component is not None:
            component = case_components.get(item.component)
            if component is None:
                raise body_error(
                    "component_not_found",
                    f"{field}.{i}.component",
                    _("Không có thành phần hồ sơ mã %(id)s trong trường hợp này.")
                    % {"id": item.component},
                )
            name = name or component.name
        result.append({"component": item.component, "name": name, "reason": item.reason.strip()})
    return result


def _submitted_at(payload: DossierIn) -> dt.datetime | None:
    if payload.submitted_at is None:
        return None
    if payload.channel == Channel.COUNTER:
        raise body_error(
            "submitted_at_not_allowed",
            "dossier.submitted_at",
            _("Hồ sơ nộp trực tiếp được tiếp nhận vào lúc gửi yêu cầu; không khai thời điểm nộp."),
        )
    moment = payload.submitted_at
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > timezone.now() + CLOCK_SKEW:
        raise body_error(
            "submitted_at_in_future",
            "dossier.submitted_at",
            _("Thời điểm nộp hồ sơ không được ở tương lai."),
        )
    return moment


def _receive(user: Any, payload: DossierIn, key: str | None) -> Dossier:
    center = _center_for(user, payload.center)
    submitted_at = _submitted_at(payload)
    if payload.postal_stamp_date is not None and payload.channel != Channel.POSTAL:
        raise body_error(
            "postal_stamp_not_allowed",
            "dossier.postal_stamp_date",
            _("Chỉ hồ sơ gửi qua bưu chính mới có ngày dấu bưu điện."),
        )
    day = timezone.localtime(submitted_at or timezone.now()).date()
    try:
        case = selectors.intake_case(payload.procedure.strip(), payload.case, day)
    except IntakeError as exc:
        raise service_error(exc, root="dossier") from None
    locality = None
    if payload.locality:
        locality = unit_by_code(payload.locality.strip(), day)
        if locality is None:
            raise body_error(
                "locality_not_found",
                "dossier.locality",
                _("Không có cơ quan, đơn vị mã định danh “%(code)s”.") % {"code": payload.locality},
            )
    components = _component_inputs(payload.components, field="dossier.components")
    case_components = {c.pk: c for c in case.components.all()} if payload.items else {}
    try:
        return services.receive_dossier(
            outcome=payload.outcome,
            reason=payload.reason,
            supplement_items=_supplement_items(
                payload.items, case_components, field="dossier.items"
            ),
            guidance=payload.guidance,
            actor=user,
            center=center,
            case=case,
            channel=payload.channel.value,
            applicant=payload.applicant.to_input(),
            owner=payload.owner.to_input() if payload.owner else None,
            representative=payload.representative.to_input() if payload.representative else None,
            components=components,
            submitted_at=submitted_at,
            postal_stamp_date=payload.postal_stamp_date,
            locality=locality,
            identity_verified=payload.identity_verified,
            identity_verification=payload.identity_verification.strip(),
            client_key=key,
            sets_count=payload.sets_count,
            request_summary=payload.request_summary.strip(),
        )
    except ValidationError as exc:
        raise service_error(exc, root="dossier") from None


# ---------------------------------------------------------------------------------------------
# Staff operations


@router.post(
    "",
    response={201: DossierDetail, 200: DossierDetail, **dossier_errors(400, 401, 403, 409, 422)},
    url_name="dossier_create",
    operation_id="receiveDossier",
    summary="Receive a dossier (tiếp nhận hồ sơ)",
)
def receive_dossier(
    request: HttpRequest, dossier: DossierIn, idempotency_key: IdempotencyKey = None
) -> Answer[dict[str, Any]]:
    """Register a dossier at a center with its code and, with `outcome`, accept it (the
    appointment is computed), ask for completion or refuse it, all in one transaction.
    Needs "receive dossiers" at the center. 201 with the dossier; with an `Idempotency-Key`
    already used for the same body, 200 with that dossier as it is now. Every refused input
    is a 4xx with nothing written: 422 for the body (`procedure_not_found`, `invalid_party`
    with one detail per field, `missing_required_component` with the component ids, …), 409
    `out_of_codes` when the unit's codes of the day are used up."""
    user = request.auth  # type: ignore[attr-defined]
    key = idempotency.clean_key(idempotency_key)
    fingerprint = idempotency.fingerprint(
        "dossier.create", "dossiers", dossier.model_dump(mode="json")
    )
    made, first_time = idempotency.once(
        user=user,
        key=key,
        operation="dossier.create",
        fingerprint=fingerprint,
        action=lambda: _receive(user, dossier, key),
        result_field="dossier",
    )
    return Answer(201 if first_time else 200, _staff_detail(request, user, made.code))


@router.get(
    "/{code}",
    response={200: DossierDetail, **dossier_errors(400, 401, 404)},
    url_name=DETAIL_ROUTE,
    operation_id="getDossier",
    summary="A dossier in full (chi tiết hồ sơ)",
)
def get_dossier(request: HttpRequest, code: DossierCode) -> dict[str, Any]:
    """Parties, components with their files, appointment, transfers, slips, the events with
    their hashes, and the actions the token's user may take next. Staff who work at the
    receiving center or hold a role over the competent unit; 404 `dossier_not_found` for
    anyone else, as for a code that does not exist."""
    return _staff_detail(request, request.auth, _code_or_400(code))  # type: ignore[attr-defined]


def _dossier_for_action(user: Any, code: str) -> Dossier:
    dossier = (
        selectors.visible_dossiers(user)
        .filter(code=_code_or_400(code))
        .select_related("receiving_center__unit", "procedure_case")
        .first()
    )
    if dossier is None:
        raise dossier_not_found(code)
    return dossier


def _act(
    request: HttpRequest,
    code: str,
    action: Action,
    key_value: str | None,
    payload: Schema | None,
    perform: Any,
    root: str,
) -> dict[str, Any]:
    """Run a status action on a dossier the user can see, once per Idempotency-Key; the
    dossier's detail after it."""
    user = request.auth  # type: ignore[attr-defined]
    key = idempotency.clean_key(key_value)
    normalised = _code_or_400(code)
    fingerprint = idempotency.fingerprint(
        f"dossier.{action.value}",
        normalised,
        payload.model_dump(mode="json") if payload is not None else None,
    )

    def run() -> Dossier:
        dossier = _dossier_for_action(user, normalised)
        try:
            perform(user, dossier)
        except TransitionRefused as exc:
            raise transition_error(exc) from None
        except ValidationError as exc:
            raise service_error(exc, root=root) from None
        return dossier

    dossier, _first = idempotency.once(
        user=user,
        key=key,
        operation=f"dossier.{action.value}",
        fingerprint=fingerprint,
        action=run,
        result_field="dossier",
    )
    return _staff_detail(request, user, dossier.code)


ACTION_ERRORS = dossier_errors(400, 401, 403, 404, 409, 422)


@router.post(
    "/{code}/actions/accept",
    response={200: DossierDetail, **ACTION_ERRORS},
    url_name="dossier_accept",
    operation_id="acceptDossier",
    summary="Accept a dossier in status 1 (tiếp nhận)",
)
def accept(
    request: HttpRequest,
    code: DossierCode,
    acceptance: NoteIn | None = None,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Status 1 → 2: the appointment is computed from the case's time for the channel; the
    dossier goes to the competent unit. 422 `missing_required_component` (with the ids) when
    a required component was not handed over. The body is optional."""
    note = acceptance.note.strip() if acceptance is not None else ""
    return _act(
        request,
        code,
        Action.ACCEPT,
        idempotency_key,
        acceptance,
        lambda user, dossier: services.accept_dossier(actor=user, dossier=dossier, note=note),
        "acceptance",
    )


@router.post(
    "/{code}/actions/request_supplement",
    response={200: DossierDetail, **ACTION_ERRORS},
    url_name="dossier_request_supplement",
    operation_id="requestSupplement",
    summary="Ask for the dossier to be completed (yêu cầu bổ sung, form 02)",
)
def request_supplement(
    request: HttpRequest,
    code: DossierCode,
    supplement: SupplementIn,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Status 1 or 4 → 5, with what is missing and why. The law allows one request per
    dossier: a second one is recorded and flagged (`is_repeat`)."""

    def perform(user: Any, dossier: Dossier) -> None:
        case_components = {c.pk: c for c in dossier.procedure_case.components.all()}
        services.request_supplement(
            actor=user,
            dossier=dossier,
            items=_supplement_items(supplement.items, case_components, field="supplement.items"),
            reason=supplement.reason,
            guidance=supplement.guidance,
        )

    return _act(
        request, code, Action.REQUEST_SUPPLEMENT, idempotency_key, supplement, perform, "supplement"
    )


@router.post(
    "/{code}/actions/refuse",
    response={200: DossierDetail, **ACTION_ERRORS},
    url_name="dossier_refuse",
    operation_id="refuseDossier",
    summary="Refuse a dossier (từ chối, form 03)",
)
def refuse(
    request: HttpRequest,
    code: DossierCode,
    refusal: ReasonIn,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Status 1 or 4 → 3, with the reason."""
    return _act(
        request,
        code,
        Action.REFUSE,
        idempotency_key,
        refusal,
        lambda user, dossier: services.refuse_dossier(
            actor=user, dossier=dossier, reason=refusal.reason
        ),
        "refusal",
    )


@router.post(
    "/{code}/actions/resubmit",
    response={200: DossierDetail, **ACTION_ERRORS},
    url_name="dossier_resubmit",
    operation_id="resubmitDossier",
    summary="The completed dossier is handed in again (nộp lại hồ sơ đã bổ sung)",
)
def resubmit(
    request: HttpRequest,
    code: DossierCode,
    resubmission: ResubmitIn,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Status 5 → 1 with the components brought (counts replace the earlier ones, files are
    added); the dossier then waits to be accepted."""

    def perform(user: Any, dossier: Dossier) -> None:
        components = _component_inputs(resubmission.components, field="resubmission.components")
        services.resubmit_dossier(actor=user, dossier=dossier, components=components)

    return _act(
        request, code, Action.RESUBMIT, idempotency_key, resubmission, perform, "resubmission"
    )


@router.post(
    "/{code}/actions/withdraw",
    response={200: DossierDetail, **ACTION_ERRORS},
    url_name="dossier_withdraw",
    operation_id="withdrawDossier",
    summary="The citizen withdraws the dossier (rút hồ sơ)",
)
def withdraw(
    request: HttpRequest,
    code: DossierCode,
    withdrawal: ReasonIn,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Status 1, 2, 4, 5 or 6 → 7, with the reason."""
    return _act(
        request,
        code,
        Action.WITHDRAW,
        idempotency_key,
        withdrawal,
        lambda user, dossier: services.withdraw_dossier(
            actor=user, dossier=dossier, reason=withdrawal.reason
        ),
        "withdrawal",
    )


@router.post(
    "/{code}/actions/{action}",
    response={404: DossierErrorResponse},
    include_in_schema=False,
    url_name="dossier_unknown_action",
)
def unknown_action(request: HttpRequest, code: str, action: str) -> None:
    raise ApiError(
        404,
        "unknown_action",
        _("Không có thao tác “%(action)s”; các thao tác: %(actions)s.")
        % {"action": action[:60], "actions": ", ".join(a.value for a in API_ACTIONS)},
        [
            {
                "location": "path",
                "field": "action",
                "type": "unknown_action",
                "message": _("Thao tác không tồn tại."),
            }
        ],
    )


# ---------------------------------------------------------------------------------------------
# Uploads


def _file_fingerprint(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return idempotency.fingerprint(
        "document.upload", upload.name or "", [digest.hexdigest(), upload.content_type or ""]
    )


@documents_router.post(
    "",
    response={
        201: DocumentStored,
        200: DocumentStored,
        **dossier_errors(400, 401, 403, 413, 415, 422),
    },
    url_name="document_upload",
    operation_id="uploadDocument",
    summary="Upload a scanned file (tải lên bản quét)",
)
def upload_document(
    request: HttpRequest,
    file: File[UploadedFile],
    idempotency_key: IdempotencyKey = None,
) -> Answer[dict[str, Any]]:
    """Multipart, field `file`: PDF, JPEG, PNG or TIFF, recognised by content (the name's
    extension and the declared type must agree with it), at most `MOTCUA_MAX_UPLOAD_BYTES`
    (20 MB by default). Stored under its SHA-256 before any dossier refers to it; put its
    `id` in a dossier's `components[].documents`. 413 `file_too_large`, 415
    `file_type_not_allowed` / `file_type_mismatch`, 422 `file_empty`."""
    user = request.auth  # type: ignore[attr-defined]
    if not has_capability(user, Capability.RECEIVE_DOSSIERS):
        raise PermissionDenied(_("Bạn không có quyền tiếp nhận hồ sơ."))
    key = idempotency.clean_key(idempotency_key)
    fingerprint = _file_fingerprint(file) if key else ""

    def store() -> Document:
        try:
            return document_store.store_upload(
                uploaded_file=file, kind=DocumentKind.SCAN, actor=user
            )
        except ValidationError as exc:
            raise service_error(exc, location="file") from None

    document, first_time = idempotency.once(
        user=user,
        key=key,
        operation="document.upload",
        fingerprint=fingerprint,
        action=store,
        result_field="document",
    )
    return Answer(
        201 if first_time else 200,
        {
            "id": document.pk,
            "sha256": document.sha256,
            "size": document.size,
            "content_type": document.content_type,
            "name": document.original_name,
        },
    )


# ---------------------------------------------------------------------------------------------
# Public lookup


def public_dossier_out(found: selectors.PublicDossier, request: HttpRequest) -> dict[str, Any]:
    return {
        "code": found.code,
        "status": {"code": found.status, "label": found.status_label, "text": found.status_text},
        "procedure": {"code": found.procedure_code, "name": found.procedure_name},
        "receiving_center": {
            "name": found.center_name,
            "address": found.center_address,
            "phone": found.center_phone,
        },
        "channel": {"code": found.channel, "label": found.channel_label},
        "submitted_at": _local(found.submitted_at),
        "accepted_at": _local(found.accepted_at),
        "due_at": _local(found.due_at),
        "due_text": format_moment(found.due_at) if found.due_at else "",
        "appointment_changed": bool(
            found.due_at and found.original_due_at and found.due_at != found.original_due_at
        ),
        "finished": found.finished,
        "owner_name_masked": found.owner_name_masked,
        "timeline": [
            {
                "at": _local(step.at),
                "action": {"code": step.action, "label": step.action_label},
                "status": {"code": step.status, "label": step.status_label},
            }
            for step in found.timeline
        ],
        "url": _public_page_url(request, found.code),
    }


@public_router.get(
    "/{code}",
    response={200: PublicDossierOut, **error_responses(400, 404, 429)},
    url_name=PUBLIC_ROUTE,
    operation_id="lookupDossier",
    summary="Public lookup of a dossier by its code (tra cứu hồ sơ)",
)
def lookup_dossier(request: HttpRequest, code: DossierCode) -> dict[str, Any]:
    """No token. The status in words, the procedure, the receiving center, the appointment
    and the steps so far; of the people, only the owner's name masked. 400 `malformed_code`
    when the text cannot be a dossier code, 404 `dossier_not_found` when it could be but no
    dossier has it. Limited per client address (30 a minute by default): 429 `throttled`
    with `Retry-After`."""
    try:
        ratelimit.check("lookup", request)
    except ratelimit.RateLimited as exc:
        raise Throttled(exc.retry_after) from None
    normalised = _code_or_400(code)
    found = selectors.public_lookup(normalised)
    if found is None:
        raise dossier_not_found(normalised)
    return public_dossier_out(found, request)
