"""Every permission decision of motcua is taken here.

A user's *grants* are the roles they hold at a moment, each scoped to a unit and its whole
subtree: their own role assignments in force that day, plus roles delegated to them that are
in force at that moment and still held by the delegator. A *capability* is something a person
may do; ``ROLE_CAPABILITIES`` says which roles carry it. Views, services, the admin and the API
ask :func:`has_capability` / :func:`units_with_capability` and never look at roles themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Center, Delegation, Role, RoleAssignment, Secondment, Unit, User


class Capability:
    """Names of the things a staff member may do (stable strings, used in code and tests)."""

    VIEW_WORKSPACE = "workspace.view"
    RECEIVE_DOSSIERS = "dossier.receive"
    APPRAISE_DOSSIERS = "dossier.appraise"
    ASSIGN_DOSSIERS = "dossier.assign"
    APPROVE_DOSSIERS = "dossier.approve"
    REGISTER_RESULTS = "result.register"
    MANAGE_FEES = "payment.manage"
    MANAGE_CENTER = "center.manage"
    VIEW_REPORTS = "report.view"
    VIEW_AUDIT = "audit.view"
    MANAGE_ORGANIZATION = "organization.manage"
    MANAGE_CALENDAR = "calendar.manage"
    MANAGE_CATALOG = "catalog.manage"


ALL_ROLES = frozenset(Role.values)

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Capability.VIEW_WORKSPACE: ALL_ROLES,
    Capability.RECEIVE_DOSSIERS: frozenset({Role.RECEPTIONIST}),
    Capability.APPRAISE_DOSSIERS: frozenset({Role.SPECIALIST}),
    Capability.ASSIGN_DOSSIERS: frozenset({Role.LEADER}),
    Capability.APPROVE_DOSSIERS: frozenset({Role.LEADER}),
    Capability.REGISTER_RESULTS: frozenset({Role.CLERK}),
    Capability.MANAGE_FEES: frozenset({Role.FINANCE}),
    Capability.MANAGE_CENTER: frozenset({Role.CENTER_MANAGER}),
    Capability.VIEW_REPORTS: frozenset({Role.LEADER, Role.CENTER_MANAGER, Role.AUDITOR}),
    Capability.VIEW_AUDIT: frozenset({Role.AUDITOR, Role.ADMINISTRATOR}),
    Capability.MANAGE_ORGANIZATION: frozenset({Role.ADMINISTRATOR}),
    Capability.MANAGE_CALENDAR: frozenset({Role.ADMINISTRATOR}),
    Capability.MANAGE_CATALOG: frozenset({Role.ADMINISTRATOR}),
}

CAPABILITY_LABELS: dict[str, Any] = {
    Capability.VIEW_WORKSPACE: _("Vào không gian làm việc"),
    Capability.RECEIVE_DOSSIERS: _("Tiếp nhận hồ sơ"),
    Capability.APPRAISE_DOSSIERS: _("Thẩm định hồ sơ"),
    Capability.ASSIGN_DOSSIERS: _("Phân công xử lý"),
    Capability.APPROVE_DOSSIERS: _("Phê duyệt kết quả"),
    Capability.REGISTER_RESULTS: _("Vào sổ, ban hành kết quả"),
    Capability.MANAGE_FEES: _("Quản lý phí, lệ phí"),
    Capability.MANAGE_CENTER: _("Điều hành trung tâm"),
    Capability.VIEW_REPORTS: _("Xem báo cáo, thống kê"),
    Capability.VIEW_AUDIT: _("Xem nhật ký, giám sát"),
    Capability.MANAGE_ORGANIZATION: _("Quản trị tổ chức, cán bộ"),
    Capability.MANAGE_CALENDAR: _("Quản trị lịch làm việc"),
    Capability.MANAGE_CATALOG: _("Quản trị danh mục thủ tục"),
}

# Which capability the Django admin needs, per app, to change its models; viewing also
# needs VIEW_AUDIT holders (auditors see configuration read-only).
ADMIN_APP_CAPABILITIES: dict[str, str] = {
    "organization": Capability.MANAGE_ORGANIZATION,
    "auth": Capability.MANAGE_ORGANIZATION,
    "core": Capability.MANAGE_CALENDAR,
    "catalog": Capability.MANAGE_CATALOG,
    "api": Capability.MANAGE_ORGANIZATION,
    "notifications": Capability.MANAGE_CENTER,
    "queueing": Capability.MANAGE_CENTER,
}


@dataclass(frozen=True)
class Grant:
    """A role held in a unit's subtree, directly or through a delegation."""

    role: str
    unit: Unit
    delegated_by: User | None = None

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label)


def _local_now(at: dt.datetime | None) -> dt.datetime:
    return timezone.localtime(at) if at is not None else timezone.localtime()


def grants_for(user: Any, at: dt.datetime | None = None) -> list[Grant]:
    """The roles ``user`` holds at moment ``at`` (default: now). Two queries at most."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cache_key = "_motcua_grants"
    moment = _local_now(at)
    cached = getattr(user, cache_key, None)
    if at is None and cached is not None:
        return cached
    day = moment.date()
    grants = [
        Grant(assignment.role, assignment.unit)
        for assignment in RoleAssignment.objects.effective_on(day)
        .filter(user=user)
        .select_related("unit")
    ]
    delegations = (
        Delegation.objects.filter(
            delegate=user, revoked_at__isnull=True, starts_at__lte=moment, ends_at__gt=moment
        )
        .filter(delegator__is_active=True)
        .select_related("unit", "delegator")
    )
    for delegation in delegations:
        # A delegation carries no more than the delegator holds in their own right that day.
        if holds_role_directly(delegation.delegator, delegation.role, delegation.unit, day):
            grants.append(Grant(delegation.role, delegation.unit, delegation.delegator))
    if at is None:
        setattr(user, cache_key, grants)
    return grants


def holds_role_directly(user: User, role: str, unit: Unit, day: dt.date) -> bool:
    """Whether ``user`` has ``role`` in ``unit`` by their own assignment (not a delegation)."""
    assignments = RoleAssignment.objects.effective_on(day).filter(user=user, role=role)
    return assignments.covering(unit).exists()


def holds_role(user: Any, role: str, unit: Unit, at: dt.datetime | None = None) -> bool:
    """Whether ``user`` holds ``role`` over ``unit`` at ``at`` (own assignment or delegation;
    superusers hold every role). For work given to a role rather than a capability, such as a
    step of an internal process."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(g.role == role and g.unit.contains(unit) for g in grants_for(user, at))


def role_holders(role: str, unit: Unit, day: dt.date | None = None) -> list[User]:
    """Active staff assigned ``role`` over ``unit`` (in it or an ancestor) on ``day``: who is
    told about a unit's work. Delegates are not included (they act, they are not addressed)."""
    day = day or _local_now(None).date()
    assignments = RoleAssignment.objects.effective_on(day).filter(
        role=role, unit__path__in=unit.ancestor_paths(), user__is_active=True
    )
    return list(User.objects.filter(pk__in=assignments.values("user_id")).order_by("full_name"))


def roles_for_capability(capability: str) -> frozenset[str]:
    try:
        return ROLE_CAPABILITIES[capability]
    except KeyError:
        raise ValueError(f"Unknown capability: {capability}") from None


def has_capability(
    user: Any, capability: str, unit: Unit | None = None, at: dt.datetime | None = None
) -> bool:
    """Whether ``user`` may do ``capability`` (in ``unit`` when given) at ``at``.

    Superusers may do everything. Without ``unit``, holding the capability anywhere suffices.
    """
    roles = roles_for_capability(capability)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    for grant in grants_for(user, at):
        if grant.role in roles and (unit is None or grant.unit.contains(unit)):
            return True
    return False


def units_with_capability(user: Any, capability: str, at: dt.datetime | None = None):
    """The units in which ``user`` may do ``capability``, as a queryset (subtrees included)."""
    roles = roles_for_capability(capability)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Unit.objects.none()
    if user.is_superuser:
        return Unit.objects.all()
    paths = {grant.unit.path for grant in grants_for(user, at) if grant.role in roles}
    if not paths:
        return Unit.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    return Unit.objects.filter(condition)


def capabilities_of(user: Any, at: dt.datetime | None = None) -> set[str]:
    """Every capability ``user`` holds somewhere (for navigation)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    if user.is_superuser:
        return set(ROLE_CAPABILITIES)
    held = {grant.role for grant in grants_for(user, at)}
    return {cap for cap, roles in ROLE_CAPABILITIES.items() if roles & held}


def centers_for(user: Any, at: dt.datetime | None = None):
    """Centers where ``user`` works: those they are seconded to, and those attached to a unit
    where they hold a role."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Center.objects.none()
    if user.is_superuser:
        return Center.objects.filter(is_active=True)
    day = _local_now(at).date()
    seconded = Secondment.objects.effective_on(day).filter(user=user).values("center_id")
    condition = Q(pk__in=seconded)
    for path in {grant.unit.path for grant in grants_for(user, at)}:
        condition |= Q(unit__path__startswith=path)
    return Center.objects.filter(is_active=True).filter(condition).distinct()


def can_work_at_center(user: Any, center: Center, at: dt.datetime | None = None) -> bool:
    return centers_for(user, at).filter(pk=center.pk).exists()


def can_use_admin(user: Any) -> bool:
    """Whether the configuration screens (Django admin) open for ``user``."""
    caps = capabilities_of(user)
    return bool(caps & (set(ADMIN_APP_CAPABILITIES.values()) | {Capability.VIEW_AUDIT}))


def has_admin_permission(user: Any, app_label: str, action: str) -> bool:
    """Django-admin permission ``action`` ("view", "add", "change", "delete") on an app."""
    capability = ADMIN_APP_CAPABILITIES.get(app_label)
    if capability is None:
        return bool(getattr(user, "is_superuser", False))
    if has_capability(user, capability):
        return True
    return action == "view" and has_capability(user, Capability.VIEW_AUDIT)
