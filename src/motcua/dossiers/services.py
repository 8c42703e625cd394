"""Writes to dossiers. Every function is keyword-only, atomic and permission-checked, and every
change of status appends a hash-chained :class:`DossierEvent` in the same transaction.

Reception (NĐ 118/2025 Art 16–17, TT 01/2018 Art 19):
- :func:`register_dossier` records what was handed over (status 1 "Mới đăng ký") with its code;
- then exactly one outcome: :func:`accept_dossier` (form 01, appointment from the calendar),
  :func:`request_supplement` (form 02; a second request is recorded and flagged) or
  :func:`refuse_dossier` (form 03);
- :func:`receive_at_counter` does registration and the outcome in one step for the counter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog.models import Channel, Component, ProcedureCase, ProcedureVersion, Requirement
from motcua.core.calendar import TimeUnit, WorkingCalendar, calendar_for
from motcua.core.numbering import NumbersExhausted, next_number
from motcua.organization.models import Center, Unit
from motcua.organization.permissions import Capability, has_capability

from . import rules, selectors
from .models import (
    Document,
    Dossier,
    DossierEvent,
    DossierParty,
    IdentityKind,
    Party,
    PartyKind,
    PartyRole,
    Refusal,
    SubmittedComponent,
    SupplementRequest,
    Transfer,
)
from .signals import dossier_transitioned
from .status import Action, Status, target_of
from .validators import validate_identity, validate_phone


class IntakeError(ValidationError):
    """Bad input at reception; ``code`` is machine-readable (also for a list or a dict of
    messages, where Django's ValidationError keeps none), messages are Vietnamese."""

    def __init__(self, message: Any, code: str | None = None, params: Any = None) -> None:
        super().__init__(message, code, params)
        self.code = code


class MissingComponents(IntakeError):
    """Required components not handed over; ``components`` says which (for the screen)."""

    def __init__(self, components: list[Component]) -> None:
        super().__init__(
            [_("Thiếu thành phần bắt buộc: %(name)s") % {"name": c.name[:120]} for c in components],
            code="missing_required_component",
        )
        self.components = components


class UnitOutOfNumbers(IntakeError):
    """A unit's dossier codes of one day are used up."""


@dataclass
class PartyInput:
    name: str
    identity_number: str
    identity_kind: str = IdentityKind.CITIZEN_ID
    kind: str = PartyKind.PERSON
    address: str = ""
    phone: str = ""
    email: str = ""
    birth_date: dt.date | None = None
    authorization: str = ""


@dataclass
class ComponentInput:
    component: Component
    originals: int = 0
    certified_copies: int = 0
    copies: int = 0
    documents: list[Document] = field(default_factory=list)
    reuse: Document | None = None
    digitised: bool = False
    note: str = ""


# ---------------------------------------------------------------------------------------------
# Checks


def _require_reception(actor: Any, center: Center) -> None:
    if actor is not None and not has_capability(actor, Capability.RECEIVE_DOSSIERS, center.unit):
        raise PermissionDenied(
            _("Bạn không có quyền tiếp nhận hồ sơ tại %(center)s.") % {"center": center.name}
        )


def _clean_party(data: PartyInput, role: str) -> PartyInput:
    errors: dict[str, list[str]] = {}
    label = PartyRole(role).label

    def add(key: str, exc: ValidationError) -> None:
        errors.setdefault(f"{role}.{key}", []).extend(exc.messages)

    if not data.name.strip():
        add(
            "name",
            ValidationError(_("Hãy nhập họ tên hoặc tên tổ chức (%(role)s).") % {"role": label}),
        )
    if data.kind == PartyKind.ORGANIZATION and data.identity_kind == IdentityKind.CITIZEN_ID:
        add(
            "identity_kind",
            ValidationError(
                _(
                    "Tổ chức khai mã số thuế hoặc mã số doanh nghiệp, "
                    "không khai số định danh cá nhân."
                )
            ),
        )
    try:
        data.identity_number = validate_identity(data.identity_kind, data.identity_number)
    except ValidationError as exc:
        add("identity_number", exc)
    try:
        data.phone = validate_phone(data.phone)
    except ValidationError as exc:
        add("phone", exc)
    if data.email:
        from django.core.validators import validate_email

        try:
            validate_email(data.email)
        except ValidationError:
            add(
                "email",
                ValidationError(
                    _("Địa chỉ thư điện tử “%(value)s” không hợp lệ.") % {"value": data.email}
                ),
            )
    if role == PartyRole.REPRESENTATIVE and not data.authorization.strip():
        add(
            "authorization",
            ValidationError(
                _("Người được ủy quyền phải có văn bản ủy quyền (ghi số, ngày văn bản).")
            ),
        )
    if errors:
        raise IntakeError(errors, code="invalid_party")
    data.name = " ".join(data.name.split())
    return data


def version_in_force_for(case: ProcedureCase, day: dt.date) -> ProcedureVersion:
    # Read afresh: the case object may carry a version loaded before it was published.
    version = ProcedureVersion.objects.select_related("procedure").get(pk=case.version_id)
    if (
        not version.is_published
        or version.effective_from is None
        or not (
            version.effective_from <= day
            and (version.effective_to is None or day <= version.effective_to)
        )
    ):
        raise IntakeError(
            _("Thủ tục %(code)s (phiên bản %(number)s) không có hiệu lực vào ngày %(day)s.")
            % {
                "code": version.procedure.code,
                "number": version.number,
                "day": day.strftime("%d/%m/%Y"),
            },
            code="procedure_not_in_force",
        )
    return version


def _check_channel(version: ProcedureVersion, case: ProcedureCase, channel: str) -> None:
    if channel not in Channel.values:
        raise IntakeError(_("Cách thức nộp không hợp lệ."), code="invalid_channel")
    if channel not in version.channels():
        raise IntakeError(
            _("Thủ tục này không nhận hồ sơ %(channel)s.")
            % {"channel": str(Channel(channel).label).lower()},
            code="channel_not_offered",
        )
    if not case.processing_times.filter(channel=channel).exists():
        raise IntakeError(
            _("Trường hợp “%(case)s” chưa có thời hạn giải quyết cho kênh này.")
            % {"case": case.name},
            code="no_processing_time",
        )


def _check_components(case: ProcedureCase, items: list[ComponentInput]) -> None:
    errors = []
    seen: set[int] = set()
    for item in items:
        if item.component.case_id != case.pk:
            errors.append(
                _("Giấy tờ “%(name)s” không thuộc trường hợp đã chọn.")
                % {"name": item.component.name[:80]}
            )
        if item.component.pk in seen:
            errors.append(
                _("Giấy tờ “%(name)s” được khai hai lần.") % {"name": item.component.name[:80]}
            )
        seen.add(item.component.pk)
        if min(item.originals, item.certified_copies, item.copies) < 0:
            errors.append(_("Số bản không được âm."))
    if errors:
        raise IntakeError(errors, code="invalid_components")


def missing_required(case: ProcedureCase, items: list[ComponentInput]) -> list[Component]:
    """Required components not handed over (neither paper, nor file, nor reused)."""
    given = {
        i.component.pk
        for i in items
        if i.originals or i.certified_copies or i.copies or i.documents or i.reuse or i.digitised
    }
    return [
        c
        for c in case.components.all()
        if c.requirement == Requirement.REQUIRED and c.pk not in given
    ]


def competent_unit_for(
    version: ProcedureVersion, day: dt.date, locality: Unit | None, center: Center
) -> Unit:
    """The unit that settles the dossier: among the units applying the procedure, the one whose
    area holds the applicant's residence or the asset (``locality``); else the only one; else
    the receiving center's own unit (or the nearest applying ancestor of it)."""
    candidates = list(selectors.competent_units(version, day))
    if not candidates:
        raise IntakeError(
            _(
                "Chưa có cơ quan nào được giao giải quyết thủ tục %(code)s; hãy cập nhật danh mục "
                "thủ tục của đơn vị."
            )
            % {"code": version.procedure.code},
            code="no_competent_unit",
        )
    if locality is not None:
        covering = [u for u in candidates if u.contains(locality) or locality.contains(u)]
        if covering:
            return max(covering, key=lambda u: u.depth)
    if len(candidates) == 1:
        return candidates[0]
    own = [u for u in candidates if u.contains(center.unit) or center.unit.contains(u)]
    if len(own) == 1:
        return own[0]
    raise IntakeError(
        _(
            "Thủ tục do nhiều cơ quan giải quyết: hãy chọn địa bàn (nơi cư trú hoặc nơi có tài "
            "sản) để xác định cơ quan có thẩm quyền."
        ),
        code="locality_required",
    )


# ---------------------------------------------------------------------------------------------
# Events and transitions


def append_event(
    dossier: Dossier,
    *,
    action: str,
    actor: Any,
    from_status: int | None,
    to_status: int,
    at: dt.datetime | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    unit: Unit | None = None,
    documents: list[Document] | None = None,
) -> DossierEvent:
    """Append one event to the dossier's chain. The caller holds the dossier's row lock."""
    last = dossier.events.order_by("-sequence").values("sequence", "hash").first()
    event = DossierEvent(
        dossier=dossier,
        sequence=(last["sequence"] + 1) if last else 1,
        at=at or timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        unit=unit,
        note=note,
        data=data or {},
        previous_hash=last["hash"] if last else "",
    )
    event.hash = event.compute_hash()
    event.save()
    if documents:
        event.documents.set(documents)
    return event


def verify_chain(dossier: Dossier) -> bool:
    """Whether the dossier's events are intact (each hash matches its content and its
    predecessor)."""
    previous = ""
    for event in dossier.events.order_by("sequence"):
        if event.previous_hash != previous or event.compute_hash() != event.hash:
            return False
        previous = event.hash
    return True


def _locked(dossier: Dossier) -> Dossier:
    return Dossier.objects.select_for_update().get(pk=dossier.pk)


def transition(
    dossier: Dossier,
    action: Action | str,
    *,
    actor: Any,
    note: str = "",
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
    documents: list[Document] | None = None,
) -> Dossier:
    """Move a (locked) dossier by ``action``; raises TransitionRefused naming its status."""
    target = target_of(action, dossier.status)
    event = append_event(
        dossier,
        action=Action(action),
        actor=actor,
        from_status=dossier.status,
        to_status=target,
        at=at,
        note=note,
        data=data,
        documents=documents,
    )
    dossier.status = target
    dossier.save(update_fields=["status"])
    dossier._last_event = event  # type: ignore[attr-defined]
    dossier_transitioned.send(
        sender=Dossier, dossier=dossier, action=Action(action), event=event, actor=actor
    )
    return dossier


# ---------------------------------------------------------------------------------------------
# Reception


def _upsert_party(data: PartyInput) -> Party:
    party, created = Party.objects.select_for_update().get_or_create(
        identity_kind=data.identity_kind,
        identity_number=data.identity_number,
        defaults={
            "kind": data.kind,
            "name": data.name,
            "address": data.address,
            "phone": data.phone,
            "email": data.email,
            "birth_date": data.birth_date,
        },
    )
    if not created:
        # What the person declares today is their current contact data.
        changed = False
        for attr in ("name", "address", "phone", "email"):
            value = getattr(data, attr)
            if value and getattr(party, attr) != value:
                setattr(party, attr, value)
                changed = True
        if data.birth_date and party.birth_date != data.birth_date:
            party.birth_date, changed = data.birth_date, True
        if changed:
            party.save()
    return party


def _dossier_code(unit_code: str, day: dt.date) -> str:
    period = day.strftime("%y%m%d")
    try:
        number = next_number(
            scope="dossier", key=unit_code, period=period, limit=rules.DAILY_CODE_LIMIT
        )
    except NumbersExhausted as exc:
        raise UnitOutOfNumbers(
            _(
                "Đơn vị %(unit)s đã dùng hết %(limit)s mã hồ sơ của ngày %(day)s; không thể cấp "
                "thêm mã hôm nay."
            )
            % {"unit": unit_code, "limit": rules.DAILY_CODE_LIMIT, "day": day.strftime("%d/%m/%Y")},
            code="out_of_codes",
        ) from exc
    return f"{unit_code}-{period}-{number:04d}"


@transaction.atomic
def register_dossier(
    *,
    actor: Any,
    center: Center,
    case: ProcedureCase,
    channel: str,
    applicant: PartyInput,
    owner: PartyInput | None = None,
    representative: PartyInput | None = None,
    components: list[ComponentInput] | None = None,
    submitted_at: dt.datetime | None = None,
    postal_stamp_date: dt.date | None = None,
    locality: Unit | None = None,
    identity_verified: bool = False,
    identity_verification: str = "",
    client_key: str | None = None,
    sets_count: int = 1,
    request_summary: str = "",
) -> Dossier:
    """Record a dossier handed in (status 1) with its code. A retry with the same
    ``client_key`` by the same actor returns the dossier made the first time."""
    _require_reception(actor, center)
    creator = actor if getattr(actor, "pk", None) else None
    if client_key:
        existing = Dossier.objects.filter(created_by=creator, client_key=client_key).first()
        if existing is not None:
            return existing
    submitted_at = timezone.localtime(submitted_at or timezone.now())
    day = submitted_at.date()
    components = components or []
    version = version_in_force_for(case, day)
    _check_channel(version, case, channel)
    if channel == Channel.POSTAL and postal_stamp_date is None:
        raise IntakeError(
            _("Hồ sơ qua bưu chính phải có ngày dấu bưu điện nơi đến."),
            code="postal_stamp_required",
        )
    if postal_stamp_date and postal_stamp_date > day:
        raise IntakeError(
            _("Ngày dấu bưu điện không được sau ngày nhận hồ sơ."), code="invalid_postal_stamp"
        )
    applicant = _clean_party(applicant, PartyRole.APPLICANT)
    owner = _clean_party(owner, PartyRole.OWNER) if owner else applicant
    representative = (
        _clean_party(representative, PartyRole.REPRESENTATIVE) if representative else None
    )
    _check_components(case, components)
    if sets_count < 1:
        raise IntakeError(_("Số bộ hồ sơ phải từ 1 trở lên."), code="invalid_sets_count")
    competent = competent_unit_for(version, day, locality, center)
    unit_code = center.unit.code
    calendar = calendar_for(center)
    try:
        with transaction.atomic():
            dossier = Dossier.objects.create(
                code=_dossier_code(unit_code, day),
                unit_code=unit_code,
                receiving_center=center,
                receiving_unit=center.unit,
                competent_unit=competent,
                locality_unit=locality,
                procedure_version=version,
                procedure_case=case,
                channel=channel,
                status=Status.REGISTERED,
                form_set=rules.form_set_on(day),
                sets_count=sets_count,
                request_summary=request_summary or version.name,
                submitted_at=submitted_at,
                postal_stamp_date=postal_stamp_date,
                decision_due_at=(
                    calendar.add_working_hours(submitted_at, rules.ONLINE_DECISION_WORKING_HOURS)
                    if channel == Channel.ONLINE
                    else None
                ),
                identity_verified=identity_verified,
                identity_verification=identity_verification,
                created_by=creator,
                client_key=client_key or None,
            )
    except IntegrityError:
        # Two deliveries of one request at the same moment: the other one made the dossier.
        existing = (
            Dossier.objects.filter(created_by=creator, client_key=client_key).first()
            if client_key
            else None
        )
        if existing is None:
            raise
        return existing
    parties = [(PartyRole.APPLICANT, applicant), (PartyRole.OWNER, owner)]
    if representative:
        parties.append((PartyRole.REPRESENTATIVE, representative))
    for role, data in parties:
        DossierParty.objects.create(
            dossier=dossier,
            role=role,
            party=_upsert_party(data),
            kind=data.kind,
            name=data.name,
            identity_kind=data.identity_kind,
            identity_number=data.identity_number,
            address=data.address,
            phone=data.phone,
            email=data.email,
            authorization=data.authorization,
        )
    owner_party = Party.objects.get(
        identity_kind=owner.identity_kind, identity_number=owner.identity_number
    )
    for item in components:
        row = SubmittedComponent.objects.create(
            dossier=dossier,
            component=item.component,
            originals=item.originals,
            certified_copies=item.certified_copies,
            copies=item.copies,
            digitised=item.digitised or bool(item.documents),
            reused_from=item.reuse,
            note=item.note,
        )
        if item.documents:
            row.documents.set(item.documents)
            Document.objects.filter(pk__in=[d.pk for d in item.documents], owner=None).update(
                owner=owner_party, component_name=item.component.name[:1000]
            )
    append_event(
        dossier,
        action=Action.REGISTER,
        actor=actor,
        from_status=None,
        to_status=Status.REGISTERED,
        at=submitted_at,
        data={
            "code": dossier.code,
            "channel": channel,
            "procedure": version.procedure.code,
            "version": version.number,
        },
    )
    return dossier


def appointment_start(
    dossier: Dossier, accepted_at: dt.datetime, calendar: WorkingCalendar
) -> dt.datetime:
    """When the legal time starts: the reception moment, or for a postal dossier the opening
    of the day on the arrival stamp (the calendar moves either to the next working moment)."""
    if dossier.channel == Channel.POSTAL and dossier.postal_stamp_date:
        stamp = dt.datetime.combine(
            dossier.postal_stamp_date, dt.time(0, 0), tzinfo=timezone.get_current_timezone()
        )
        return calendar.next_working_moment(stamp)
    return calendar.next_working_moment(accepted_at)


@transaction.atomic
def accept_dossier(
    *, actor: Any, dossier: Dossier, at: dt.datetime | None = None, note: str = ""
) -> Dossier:
    """Accept a complete dossier: its appointment comes from the case's time for the channel,
    counted from reception (or the postal stamp) with the calendar; the dossier is forwarded
    to the competent unit at once (paper within one working day)."""
    dossier = _locked(dossier)
    _require_reception(actor, dossier.receiving_center)
    target_of(Action.ACCEPT, dossier.status)  # refuse early, before any work
    missing = missing_required(dossier.procedure_case, _inputs_of(dossier))
    if missing:
        raise MissingComponents(missing)
    at = timezone.localtime(at or timezone.now())
    calendar = calendar_for(dossier.receiving_center)
    dossier.calendar = calendar  # type: ignore[attr-defined]  # reused by the workflow's receiver
    time = dossier.procedure_case.processing_times.get(channel=dossier.channel)
    start = appointment_start(dossier, at, calendar)
    due = calendar.add(start, time.quantity or 0, time.unit)
    dossier.accepted_at, dossier.original_due_at, dossier.due_at = at, due, due
    dossier.save(update_fields=["accepted_at", "original_due_at", "due_at"])
    transition(
        dossier,
        Action.ACCEPT,
        actor=actor,
        at=at,
        note=note,
        data={
            "counting_from": start.isoformat(),
            "due_at": due.isoformat(),
            "time_limit": f"{time.quantity or ''} {time.unit}".strip(),
        },
    )
    _forward(dossier, at=at, counting_from=start, calendar=calendar)
    return dossier


def _participants(
    dossier: Dossier, start: dt.datetime, calendar: WorkingCalendar
) -> list[tuple[Unit, str, dt.datetime]]:
    """Units other than the lead that the case's internal process involves, each with its
    task and the moment its steps end when the steps run in order from ``start``."""
    template = dossier.procedure_case.process_template
    if template is None:
        return []
    hours_per_day = calendar.schedule.working_day_hours
    elapsed = Decimal(0)
    found: dict[int, tuple[list[str], dt.datetime]] = {}
    for step in template.steps.select_related("unit").order_by("position"):
        per = hours_per_day if step.budget_unit == TimeUnit.WORKING_DAYS else Decimal(1)
        elapsed += step.budget * per
        unit = step.unit
        if unit is None or unit.pk == dossier.competent_unit_id:
            continue
        tasks, _due = found.get(unit.pk, ([], None))
        found[unit.pk] = ([*tasks, step.name], calendar.add_working_hours(start, elapsed))
    units = {u.pk: u for u in Unit.objects.filter(pk__in=found)}
    return [(units[pk], "; ".join(tasks), due) for pk, (tasks, due) in found.items()]


def _forward(
    dossier: Dossier, *, at: dt.datetime, counting_from: dt.datetime, calendar: WorkingCalendar
) -> None:
    """Forward the accepted dossier: electronically at once to the lead (competent) unit and
    to every unit that takes part, the paper file within one working day; when several units
    take part, one numbered transfer slip (Phiếu chuyển xử lý, NĐ 118/2025 Art 20) names each
    unit's task and deadline."""
    participants = _participants(dossier, counting_from, calendar)
    if dossier.competent_unit_id == dossier.receiving_unit_id and not participants:
        return  # settled where it was received: nothing to forward
    slip = ""
    if participants:
        number = next_number(
            scope="transfer_slip", key=dossier.unit_code, period=str(timezone.localtime(at).year)
        )
        slip = f"{number}/PCXL"
    paper_due = calendar.add_working_days(at, rules.PAPER_TRANSFER_WORKING_DAYS)
    lead_task = _("Chủ trì giải quyết hồ sơ")
    rows = [(dossier.competent_unit, True, lead_task, dossier.due_at)]
    rows += [(unit, False, task, due) for unit, task, due in participants]
    Transfer.objects.bulk_create(
        [
            Transfer(
                dossier=dossier,
                to_unit=unit,
                order=order,
                is_lead=is_lead,
                electronic_at=at,
                paper_due_at=paper_due,
                slip_number=slip,
                task=task,
                due_at=due,
            )
            for order, (unit, is_lead, task, due) in enumerate(rows, 1)
        ]
    )


def _inputs_of(dossier: Dossier) -> list[ComponentInput]:
    return [
        ComponentInput(
            component=row.component,
            originals=row.originals,
            certified_copies=row.certified_copies,
            copies=row.copies,
            documents=list(row.documents.all()),
            reuse=row.reused_from,
            digitised=row.digitised,
        )
        for row in dossier.components.select_related("component", "reused_from").prefetch_related(
            "documents"
        )
    ]


@transaction.atomic
def request_supplement(
    *,
    actor: Any,
    dossier: Dossier,
    items: list[dict[str, Any]],
    reason: str,
    guidance: str = "",
    at: dt.datetime | None = None,
) -> SupplementRequest:
    """Ask the applicant to complete the dossier, once and completely (form 02). A second
    request for the same dossier is still recorded, flagged ``is_repeat``."""
    dossier = _locked(dossier)
    _require_reception(actor, dossier.receiving_center)
    return record_supplement_request(
        dossier=dossier, actor=actor, items=items, reason=reason, guidance=guidance, at=at
    )


def record_supplement_request(
    *,
    dossier: Dossier,
    actor: Any,
    items: list[dict[str, Any]],
    reason: str,
    guidance: str = "",
    at: dt.datetime | None = None,
) -> SupplementRequest:
    """Record form 02 and move the (locked, permission-checked) dossier to status 5; at
    reception or during processing. A second request is kept, flagged ``is_repeat``."""
    at_reception = dossier.status == Status.REGISTERED
    target_of(Action.REQUEST_SUPPLEMENT, dossier.status)
    if not reason.strip():
        raise IntakeError(_("Hãy ghi lý do yêu cầu bổ sung."), code="reason_required")
    if not items:
        raise IntakeError(
            _("Hãy nêu ít nhất một nội dung cần bổ sung, hoàn thiện."), code="items_required"
        )
    clean_items = []
    for item in items:
        if not str(item.get("name", "")).strip():
            raise IntakeError(
                _("Mỗi nội dung cần bổ sung phải có tên giấy tờ."), code="items_required"
            )
        clean_items.append(
            {
                "component": item.get("component"),
                "name": str(item["name"]),
                "reason": str(item.get("reason", "")),
            }
        )
    at = at or timezone.now()
    number = next_number(
        scope="supplement", key=dossier.unit_code, period=str(timezone.localtime(at).year)
    )
    request = SupplementRequest.objects.create(
        dossier=dossier,
        number=f"{number}/HDHS",
        at_reception=at_reception,
        items=clean_items,
        reason=reason.strip(),
        guidance=guidance.strip(),
        is_repeat=dossier.supplement_requests.exists(),
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=at,
    )
    transition(
        dossier,
        Action.REQUEST_SUPPLEMENT,
        actor=actor,
        at=at,
        note=reason.strip(),
        data={"request": request.number, "items": clean_items, "repeat": request.is_repeat},
    )
    return request


@transaction.atomic
def refuse_dossier(
    *, actor: Any, dossier: Dossier, reason: str, at: dt.datetime | None = None
) -> Refusal:
    """Refuse the dossier with its reason (form 03)."""
    dossier = _locked(dossier)
    _require_reception(actor, dossier.receiving_center)
    at_reception = dossier.status == Status.REGISTERED
    target_of(Action.REFUSE, dossier.status)
    if not reason.strip():
        raise IntakeError(_("Hãy ghi lý do từ chối."), code="reason_required")
    at = at or timezone.now()
    refusal = Refusal.objects.create(
        dossier=dossier,
        reason=reason.strip(),
        at_reception=at_reception,
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=at,
    )
    transition(dossier, Action.REFUSE, actor=actor, at=at, note=reason.strip())
    return refusal


@transaction.atomic
def resubmit_dossier(
    *, actor: Any, dossier: Dossier, components: list[ComponentInput], at: dt.datetime | None = None
) -> Dossier:
    """The applicant brings what was missing for a dossier sent back at reception; it returns
    to status 1 and waits for acceptance."""
    dossier = _locked(dossier)
    _require_reception(actor, dossier.receiving_center)
    target_of(Action.RESUBMIT, dossier.status)
    store_components(dossier, components)
    at = at or timezone.now()
    dossier.supplement_requests.filter(completed_at__isnull=True).update(completed_at=at)
    transition(dossier, Action.RESUBMIT, actor=actor, at=at)
    return dossier


def store_components(dossier: Dossier, components: list[ComponentInput]) -> None:
    """Record components brought to complete a (locked) dossier."""
    _check_components(dossier.procedure_case, components)
    for item in components:
        row, _created = SubmittedComponent.objects.update_or_create(
            dossier=dossier,
            component=item.component,
            defaults={
                "originals": item.originals,
                "certified_copies": item.certified_copies,
                "copies": item.copies,
                "reused_from": item.reuse,
                "digitised": item.digitised or bool(item.documents),
            },
        )
        if item.documents:
            row.documents.add(*item.documents)


@transaction.atomic
def withdraw_dossier(
    *, actor: Any, dossier: Dossier, reason: str, at: dt.datetime | None = None
) -> Dossier:
    """The citizen withdraws the dossier (status 7)."""
    dossier = _locked(dossier)
    _require_reception(actor, dossier.receiving_center)
    if not reason.strip():
        raise IntakeError(_("Hãy ghi lý do rút hồ sơ."), code="reason_required")
    return transition(dossier, Action.WITHDRAW, actor=actor, at=at, note=reason.strip())


class Outcome:
    ACCEPT = "accept"
    REQUEST_SUPPLEMENT = "request_supplement"
    REFUSE = "refuse"


@transaction.atomic
def receive_at_counter(
    *,
    outcome: str,
    reason: str = "",
    supplement_items: list[dict[str, Any]] | None = None,
    guidance: str = "",
    **registration: Any,
) -> Dossier:
    """The counter's one step: register the dossier and give its outcome. Nothing is written
    if any part fails (a missing required component, a bad identity number, …)."""
    _check_outcome(outcome)
    actor = registration["actor"]
    # Everything below is one transaction: an outcome that fails (e.g. a missing required
    # component) undoes the registration too, and gives its code number back.
    dossier = register_dossier(**registration)
    if dossier.status != Status.REGISTERED:  # an idempotent retry: already decided
        return dossier
    # At the counter the outcome is given at the moment of reception.
    return _decide(
        actor=actor,
        dossier=dossier,
        outcome=outcome,
        at=dossier.submitted_at,
        reason=reason,
        supplement_items=supplement_items,
        guidance=guidance,
    )


def _check_outcome(outcome: str) -> None:
    if outcome not in (Outcome.ACCEPT, Outcome.REQUEST_SUPPLEMENT, Outcome.REFUSE):
        raise IntakeError(_("Kết quả tiếp nhận không hợp lệ."), code="invalid_outcome")


def _decide(
    *,
    actor: Any,
    dossier: Dossier,
    outcome: str,
    at: dt.datetime,
    reason: str,
    supplement_items: list[dict[str, Any]] | None,
    guidance: str,
) -> Dossier:
    """Give a registered dossier its reception outcome at ``at``."""
    if outcome == Outcome.ACCEPT:
        return accept_dossier(actor=actor, dossier=dossier, at=at)
    if outcome == Outcome.REQUEST_SUPPLEMENT:
        request_supplement(
            actor=actor,
            dossier=dossier,
            items=supplement_items or [],
            reason=reason,
            guidance=guidance,
            at=at,
        )
    else:
        refuse_dossier(actor=actor, dossier=dossier, reason=reason, at=at)
    dossier.refresh_from_db()
    return dossier


# ---------------------------------------------------------------------------------------------
# Added for the API (issue 4).


@transaction.atomic
def receive_dossier(
    *,
    outcome: str | None = None,
    reason: str = "",
    supplement_items: list[dict[str, Any]] | None = None,
    guidance: str = "",
    **registration: Any,
) -> Dossier:
    """Register a dossier and, when ``outcome`` is given, decide it in the same transaction
    (what ``POST /api/v1/dossiers`` does). Without an outcome the dossier stays in status 1,
    as an online dossier from the national portal waits for a receptionist. A counter dossier
    is decided at its reception moment (:func:`receive_at_counter`); one that arrived online
    or by post is decided now, when the call is made. Nothing is written if any part fails."""
    if outcome is None:
        return register_dossier(**registration)
    if registration.get("channel") == Channel.COUNTER:
        return receive_at_counter(
            outcome=outcome,
            reason=reason,
            supplement_items=supplement_items,
            guidance=guidance,
            **registration,
        )
    _check_outcome(outcome)
    dossier = register_dossier(**registration)
    if dossier.status != Status.REGISTERED:  # an idempotent retry: already decided
        return dossier
    return _decide(
        actor=registration["actor"],
        dossier=dossier,
        outcome=outcome,
        at=max(timezone.now(), dossier.submitted_at),
        reason=reason,
        supplement_items=supplement_items,
        guidance=guidance,
    )
