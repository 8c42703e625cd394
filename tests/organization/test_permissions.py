"""Permission checks: roles scoped to unit subtrees, dates, delegation and secondment."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from motcua.organization import services
from motcua.organization.models import Delegation, Role, RoleAssignment
from motcua.organization.permissions import (
    ROLE_CAPABILITIES,
    Capability,
    can_work_at_center,
    capabilities_of,
    has_capability,
    units_with_capability,
)
from tests import factories

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def tree():
    province = factories.unit("UBND tỉnh")
    justice = factories.unit("Sở Tư pháp", parent=province)
    office = factories.unit("Phòng Hộ tịch", parent=justice)
    building = factories.unit("Sở Xây dựng", parent=province)
    return {"province": province, "justice": justice, "office": office, "building": building}


EXPECTED = {
    Role.RECEPTIONIST: {Capability.RECEIVE_DOSSIERS},
    Role.SPECIALIST: {Capability.APPRAISE_DOSSIERS},
    Role.LEADER: {Capability.ASSIGN_DOSSIERS, Capability.APPROVE_DOSSIERS, Capability.VIEW_REPORTS},
    Role.CLERK: {Capability.REGISTER_RESULTS},
    Role.FINANCE: {Capability.MANAGE_FEES},
    Role.CENTER_MANAGER: {Capability.MANAGE_CENTER, Capability.VIEW_REPORTS},
    Role.ADMINISTRATOR: {
        Capability.MANAGE_ORGANIZATION,
        Capability.MANAGE_CALENDAR,
        Capability.MANAGE_CATALOG,
        Capability.VIEW_AUDIT,
    },
    Role.AUDITOR: {Capability.VIEW_REPORTS, Capability.VIEW_AUDIT},
}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_carries_exactly_its_capabilities(tree, role):
    user = factories.staff(roles=[(role, tree["justice"])])
    assert capabilities_of(user) == EXPECTED[role] | {Capability.VIEW_WORKSPACE}
    for capability in ROLE_CAPABILITIES:
        expected = capability in EXPECTED[role] or capability == Capability.VIEW_WORKSPACE
        assert has_capability(user, capability, tree["office"]) is expected, capability


def test_role_covers_its_unit_and_descendants_only(tree):
    leader = factories.staff(roles=[(Role.LEADER, tree["justice"])])
    assert has_capability(leader, Capability.APPROVE_DOSSIERS, tree["justice"])
    assert has_capability(leader, Capability.APPROVE_DOSSIERS, tree["office"])
    assert not has_capability(leader, Capability.APPROVE_DOSSIERS, tree["province"])
    assert not has_capability(leader, Capability.APPROVE_DOSSIERS, tree["building"])
    scoped = set(units_with_capability(leader, Capability.APPROVE_DOSSIERS))
    assert scoped == {tree["justice"], tree["office"]}


def test_role_counts_only_within_its_dates(tree):
    user = factories.staff()
    RoleAssignment.objects.create(
        user=user,
        role=Role.SPECIALIST,
        unit=tree["justice"],
        valid_from=dt.date(2026, 1, 1),
        valid_to=dt.date(2026, 3, 31),
    )
    inside = dt.datetime(2026, 3, 31, 16, 0, tzinfo=VN)
    after = dt.datetime(2026, 4, 1, 8, 0, tzinfo=VN)
    before = dt.datetime(2025, 12, 31, 8, 0, tzinfo=VN)
    assert has_capability(user, Capability.APPRAISE_DOSSIERS, tree["justice"], at=inside)
    assert not has_capability(user, Capability.APPRAISE_DOSSIERS, tree["justice"], at=after)
    assert not has_capability(user, Capability.APPRAISE_DOSSIERS, tree["justice"], at=before)


def test_inactive_user_and_anonymous_have_nothing(tree):
    from django.contrib.auth.models import AnonymousUser

    user = factories.staff(roles=[(Role.ADMINISTRATOR, tree["province"])])
    user.is_active = False
    user.save()
    assert not has_capability(user, Capability.MANAGE_ORGANIZATION)
    assert not has_capability(AnonymousUser(), Capability.VIEW_WORKSPACE)
    assert capabilities_of(AnonymousUser()) == set()


def test_unknown_capability_is_a_programming_error(tree):
    user = factories.staff(roles=[(Role.LEADER, tree["justice"])])
    with pytest.raises(ValueError, match="Unknown capability"):
        has_capability(user, "dossier.teleport")


def test_delegation_gives_the_role_for_its_period_only(tree):
    leader = factories.staff(roles=[(Role.LEADER, tree["justice"])])
    deputy = factories.staff(roles=[(Role.SPECIALIST, tree["justice"])])
    start = dt.datetime(2026, 3, 2, 7, 30, tzinfo=VN)
    services.delegate_role(
        actor=leader,
        delegate=deputy,
        role=Role.LEADER,
        unit=tree["office"],
        starts_at=start,
        ends_at=start + dt.timedelta(days=5),
        reason="Đi công tác",
    )
    during = start + dt.timedelta(days=1)
    assert has_capability(deputy, Capability.APPROVE_DOSSIERS, tree["office"], at=during)
    # Only the delegated unit, not the delegator's whole scope.
    assert not has_capability(deputy, Capability.APPROVE_DOSSIERS, tree["justice"], at=during)
    assert not has_capability(
        deputy, Capability.APPROVE_DOSSIERS, tree["office"], at=start - dt.timedelta(minutes=1)
    )
    assert not has_capability(
        deputy, Capability.APPROVE_DOSSIERS, tree["office"], at=start + dt.timedelta(days=5)
    )


def test_delegation_ends_with_revocation_or_with_the_delegators_role(tree):
    leader = factories.staff(roles=[(Role.LEADER, tree["justice"])])
    deputy = factories.staff()
    start = dt.datetime(2026, 3, 2, 7, 30, tzinfo=VN)
    delegation = services.delegate_role(
        actor=leader,
        delegate=deputy,
        role=Role.LEADER,
        unit=tree["justice"],
        starts_at=start,
        ends_at=start + dt.timedelta(days=30),
        reason="Nghỉ phép",
    )
    at = start + dt.timedelta(days=1)
    assert has_capability(deputy, Capability.APPROVE_DOSSIERS, tree["justice"], at=at)
    # The delegator loses the role: the delegation carries nothing from then on.
    RoleAssignment.objects.filter(user=leader).update(valid_to=dt.date(2026, 3, 9))
    assert has_capability(deputy, Capability.APPROVE_DOSSIERS, tree["justice"], at=at)
    later = dt.datetime(2026, 3, 10, 9, 0, tzinfo=VN)
    assert not has_capability(deputy, Capability.APPROVE_DOSSIERS, tree["justice"], at=later)
    # Revocation ends it at once.
    services.revoke_delegation(actor=leader, delegation=delegation)
    assert not has_capability(deputy, Capability.APPROVE_DOSSIERS, tree["justice"], at=at)


def test_cannot_delegate_a_role_one_does_not_hold(tree):
    specialist = factories.staff(roles=[(Role.SPECIALIST, tree["justice"])])
    other = factories.staff()
    start = dt.datetime(2026, 3, 2, 7, 30, tzinfo=VN)
    with pytest.raises(PermissionDenied):
        services.delegate_role(
            actor=specialist,
            delegate=other,
            role=Role.LEADER,
            unit=tree["justice"],
            starts_at=start,
            ends_at=start + dt.timedelta(days=1),
            reason="x",
        )
    # Holding it in one department does not allow delegating it in another.
    leader = factories.staff(roles=[(Role.LEADER, tree["justice"])])
    with pytest.raises(PermissionDenied):
        services.delegate_role(
            actor=leader,
            delegate=other,
            role=Role.LEADER,
            unit=tree["building"],
            starts_at=start,
            ends_at=start + dt.timedelta(days=1),
            reason="x",
        )
    assert not Delegation.objects.exists()


@pytest.mark.parametrize(
    ("hours", "reason", "code"),
    [(0, "Đi công tác", "ends_at"), (-2, "Đi công tác", "ends_at"), (8, "  ", None)],
    ids=["empty-period", "reversed-period", "no-reason"],
)
def test_bad_delegations_are_refused_with_nothing_written(tree, hours, reason, code):
    leader = factories.staff(roles=[(Role.LEADER, tree["justice"])])
    other = factories.staff()
    start = dt.datetime(2026, 3, 2, 7, 30, tzinfo=VN)
    with pytest.raises(ValidationError) as excinfo:
        services.delegate_role(
            actor=leader,
            delegate=other,
            role=Role.LEADER,
            unit=tree["justice"],
            starts_at=start,
            ends_at=start + dt.timedelta(hours=hours),
            reason=reason,
        )
    if code:
        assert code in excinfo.value.message_dict
    assert not Delegation.objects.exists()


def test_only_the_delegator_or_an_administrator_revokes(tree):
    leader = factories.staff(roles=[(Role.LEADER, tree["justice"])])
    deputy = factories.staff()
    stranger = factories.staff(roles=[(Role.SPECIALIST, tree["justice"])])
    admin = factories.staff(roles=[(Role.ADMINISTRATOR, tree["province"])])
    start = dt.datetime(2026, 3, 2, 7, 30, tzinfo=VN)
    delegation = services.delegate_role(
        actor=leader,
        delegate=deputy,
        role=Role.LEADER,
        unit=tree["justice"],
        starts_at=start,
        ends_at=start + dt.timedelta(days=2),
        reason="Nghỉ phép",
    )
    with pytest.raises(PermissionDenied):
        services.revoke_delegation(actor=stranger, delegation=delegation)
    assert services.revoke_delegation(actor=admin, delegation=delegation).revoked_at is not None


def test_secondment_lets_staff_work_at_the_center(tree):
    center_unit = factories.unit("Văn phòng UBND tỉnh", parent=tree["province"])
    center = factories.center(center_unit)
    officer = factories.staff(home_unit=tree["justice"], roles=[(Role.SPECIALIST, tree["justice"])])
    at = dt.datetime(2026, 3, 2, 9, 0, tzinfo=VN)
    assert not can_work_at_center(officer, center, at=at)
    services.second_staff(
        actor=None,
        user=officer,
        center=center,
        valid_from=dt.date(2026, 1, 1),
        valid_to=dt.date(2026, 12, 31),
    )
    assert can_work_at_center(officer, center, at=at)
    assert not can_work_at_center(officer, center, at=dt.datetime(2027, 1, 4, 9, tzinfo=VN))
    # A role in the center's unit also places someone there.
    manager = factories.staff(roles=[(Role.CENTER_MANAGER, center_unit)])
    assert can_work_at_center(manager, center, at=at)


def test_secondment_needs_a_home_unit(tree):
    center = factories.center(tree["province"])
    with pytest.raises(ValidationError):
        services.second_staff(
            actor=None, user=factories.staff(), center=center, valid_from=dt.date(2026, 1, 1)
        )


def test_services_check_the_actors_permission(tree):
    specialist = factories.staff(roles=[(Role.SPECIALIST, tree["justice"])])
    admin_of_justice = factories.staff(roles=[(Role.ADMINISTRATOR, tree["justice"])])
    user = factories.staff()
    with pytest.raises(PermissionDenied):
        services.assign_role(actor=specialist, user=user, role=Role.LEADER, unit=tree["justice"])
    with pytest.raises(PermissionDenied):
        services.assign_role(
            actor=admin_of_justice, user=user, role=Role.LEADER, unit=tree["building"]
        )
    services.assign_role(actor=admin_of_justice, user=user, role=Role.LEADER, unit=tree["office"])
    assert has_capability(user, Capability.APPROVE_DOSSIERS, tree["office"])


def test_django_permissions_follow_capabilities(tree):
    admin = factories.staff(roles=[(Role.ADMINISTRATOR, tree["province"])])
    auditor = factories.staff(roles=[(Role.AUDITOR, tree["province"])])
    receptionist = factories.staff(roles=[(Role.RECEPTIONIST, tree["province"])])
    assert admin.has_perm("organization.change_unit")
    assert admin.has_perm("core.add_calendarday")
    assert auditor.has_perm("organization.view_unit")
    assert not auditor.has_perm("organization.change_unit")
    assert not receptionist.has_perm("organization.view_unit")
    assert not receptionist.has_module_perms("core")


def test_a_delegation_recorded_in_the_admin_must_be_of_a_role_the_delegator_holds(tree):
    specialist = factories.staff(roles=[(Role.SPECIALIST, tree["justice"])])
    other = factories.staff()
    start = dt.datetime(2026, 3, 2, 7, 30, tzinfo=VN)
    delegation = Delegation(
        delegator=specialist,
        delegate=other,
        role=Role.LEADER,
        unit=tree["justice"],
        starts_at=start,
        ends_at=start + dt.timedelta(days=1),
        reason="x",
    )
    with pytest.raises(ValidationError) as excinfo:
        delegation.full_clean()
    assert "role" in excinfo.value.message_dict


def test_api_tokens_are_administered_by_organization_administrators(tree):
    admin = factories.staff(roles=[(Role.ADMINISTRATOR, tree["province"])])
    receptionist = factories.staff(roles=[(Role.RECEPTIONIST, tree["province"])])
    assert admin.has_perm("api.view_apitoken") and admin.has_perm("api.change_apitoken")
    assert not receptionist.has_perm("api.view_apitoken")
