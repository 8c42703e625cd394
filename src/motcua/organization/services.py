"""Writes to the organization: every function is keyword-only, atomic and permission-checked."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Delegation, Role, RoleAssignment, Secondment, Unit, UnitIdentity, User
from .permissions import Capability, has_capability, holds_role_directly

# Reasons recorded in a unit's history: data in the system's language, never translated.
REASON_FOUNDED = "Thành lập"
REASON_ADMIN_EDIT = "Cập nhật trên trang quản trị"


def _require(actor: User | None, capability: str, unit: Unit | None = None) -> None:
    """``actor=None`` is the system itself (demo loader, imports run by an operator)."""
    if actor is not None and not has_capability(actor, capability, unit):
        raise PermissionDenied(_("Bạn không có quyền thực hiện thao tác này."))


@transaction.atomic
def create_unit(
    *,
    actor: User | None,
    parent: Unit | None,
    level,
    code: str,
    name: str,
    short_name: str = "",
    address: str = "",
    valid_from: dt.date | None = None,
) -> Unit:
    _require(actor, Capability.MANAGE_ORGANIZATION, parent)
    unit = Unit(
        parent=parent,
        level=level,
        code=code,
        name=name,
        short_name=short_name,
        address=address,
        valid_from=valid_from or timezone.localdate(),
    )
    unit.full_clean()
    unit.save()
    UnitIdentity.objects.create(
        unit=unit,
        code=unit.code,
        name=unit.name,
        valid_from=unit.valid_from,
        reason=REASON_FOUNDED,
    )
    return unit


@transaction.atomic
def rename_unit(
    *,
    actor: User | None,
    unit: Unit,
    effective_on: dt.date,
    reason: str,
    code: str | None = None,
    name: str | None = None,
) -> Unit:
    """Give a unit a new code and/or name from ``effective_on``; the old identity is kept, so
    dossiers and reports of before that day still show the code they were issued under."""
    _require(actor, Capability.MANAGE_ORGANIZATION, unit)
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    new_code, new_name = code or unit.code, name or unit.name
    if (new_code, new_name) == (unit.code, unit.name):
        raise ValidationError(_("Tên và mã mới trùng với tên và mã hiện tại."), code="unchanged")
    if effective_on <= unit.valid_from:
        raise ValidationError(
            _("Ngày hiệu lực của tên, mã mới phải sau ngày thành lập đơn vị."), code="too_early"
        )
    current = unit.identities.filter(valid_to__isnull=True).order_by("-valid_from").first()
    if current is not None:
        if effective_on <= current.valid_from:
            raise ValidationError(
                _("Ngày hiệu lực phải sau ngày bắt đầu của tên, mã hiện tại (%(day)s).")
                % {"day": current.valid_from.strftime("%d/%m/%Y")},
                code="too_early",
            )
        current.valid_to = effective_on - dt.timedelta(days=1)
        current.save(update_fields=["valid_to"])
    unit.code, unit.name = new_code, new_name
    unit.full_clean()
    unit.save()
    UnitIdentity.objects.create(
        unit=unit, code=new_code, name=new_name, valid_from=effective_on, reason=reason
    )
    return unit


@transaction.atomic
def merge_units(
    *, actor: User | None, units: list[Unit], into: Unit, effective_on: dt.date, reason: str
) -> list[Unit]:
    """End ``units`` the day before ``effective_on`` and name ``into`` as their successor.
    Their open roles and secondments end the same day; nothing is deleted."""
    _require(actor, Capability.MANAGE_ORGANIZATION, into)
    last_day = effective_on - dt.timedelta(days=1)
    merged = []
    for unit in Unit.objects.select_for_update().filter(pk__in=[u.pk for u in units]):
        if unit.pk == into.pk or unit.contains(into):
            raise ValidationError(
                _("Không thể sáp nhập đơn vị %(name)s vào chính nó hoặc đơn vị cấp dưới của nó.")
                % {"name": unit.name},
                code="merge_cycle",
            )
        if unit.valid_to is not None:
            raise ValidationError(
                _("Đơn vị %(name)s đã hết hiệu lực.") % {"name": unit.name}, code="already_ended"
            )
        if last_day < unit.valid_from:
            raise ValidationError(
                _("Ngày sáp nhập phải sau ngày thành lập đơn vị."), code="too_early"
            )
        unit.valid_to = last_day
        unit.successor = into
        unit.save()
        unit.identities.filter(valid_to__isnull=True).update(valid_to=last_day)
        UnitIdentity.objects.filter(unit=unit, valid_to=last_day).update(reason=reason)
        RoleAssignment.objects.filter(unit=unit, valid_to__isnull=True).update(valid_to=last_day)
        Secondment.objects.filter(from_unit=unit, valid_to__isnull=True).update(valid_to=last_day)
        merged.append(unit)
    return merged


@transaction.atomic
def assign_role(
    *,
    actor: User | None,
    user: User,
    role: str,
    unit: Unit,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
) -> RoleAssignment:
    _require(actor, Capability.MANAGE_ORGANIZATION, unit)
    if role not in Role.values:
        raise ValidationError(_("Vai trò không hợp lệ."), code="invalid_role")
    assignment = RoleAssignment(
        user=user,
        role=role,
        unit=unit,
        valid_from=valid_from or timezone.localdate(),
        valid_to=valid_to,
    )
    assignment.full_clean()
    assignment.save()
    return assignment


@transaction.atomic
def second_staff(
    *,
    actor: User | None,
    user: User,
    center,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    decision: str = "",
) -> Secondment:
    """Send ``user`` from their home unit to work at ``center`` for a period."""
    _require(actor, Capability.MANAGE_ORGANIZATION, center.unit)
    if user.home_unit is None:
        raise ValidationError(
            _("Cán bộ chưa có đơn vị công tác nên không thể cử đến trung tâm."),
            code="no_home_unit",
        )
    secondment = Secondment(
        user=user,
        center=center,
        from_unit=user.home_unit,
        valid_from=valid_from,
        valid_to=valid_to,
        decision=decision,
    )
    secondment.full_clean()
    secondment.save()
    return secondment


@transaction.atomic
def delegate_role(
    *,
    actor: User,
    delegate: User,
    role: str,
    unit: Unit,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    reason: str,
) -> Delegation:
    """``actor`` hands a role they hold in ``unit`` to ``delegate`` for a period. An
    administrator may record a delegation on behalf of someone else only through the admin."""
    day = timezone.localtime(starts_at).date()
    if not holds_role_directly(actor, role, unit, day):
        raise PermissionDenied(_("Bạn chỉ có thể ủy quyền vai trò mà mình đang giữ tại đơn vị đó."))
    if not reason.strip():
        raise ValidationError(_("Hãy ghi lý do ủy quyền."), code="reason_required")
    delegation = Delegation(
        delegator=actor,
        delegate=delegate,
        role=role,
        unit=unit,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason.strip(),
    )
    delegation.full_clean()
    delegation.save()
    return delegation


@transaction.atomic
def revoke_delegation(*, actor: User, delegation: Delegation) -> Delegation:
    if actor.pk != delegation.delegator_id and not has_capability(
        actor, Capability.MANAGE_ORGANIZATION, delegation.unit
    ):
        raise PermissionDenied(_("Chỉ người ủy quyền hoặc quản trị viên được thu hồi ủy quyền."))
    delegation = Delegation.objects.select_for_update().get(pk=delegation.pk)
    if delegation.revoked_at is None:
        delegation.revoked_at = timezone.now()
        delegation.save(update_fields=["revoked_at"])
    return delegation


@transaction.atomic
def record_identity(*, unit: Unit, reason: str, today: dt.date | None = None) -> UnitIdentity:
    """After a unit's code or name was edited directly (admin screen), keep the history: the
    change takes effect today; an identity opened today is corrected in place."""
    today = today or timezone.localdate()
    current = unit.identities.filter(valid_to__isnull=True).order_by("-valid_from").first()
    if current is not None and (current.code, current.name) == (unit.code, unit.name):
        return current
    if current is not None and current.valid_from >= today:
        current.code, current.name, current.reason = unit.code, unit.name, reason
        current.save(update_fields=["code", "name", "reason"])
        return current
    if current is not None:
        current.valid_to = today - dt.timedelta(days=1)
        current.save(update_fields=["valid_to"])
    start = today if current is not None else unit.valid_from
    return UnitIdentity.objects.create(
        unit=unit, code=unit.code, name=unit.name, valid_from=start, reason=reason
    )
