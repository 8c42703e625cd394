from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from motcua.organization.demo import ACCOUNTS, DEMO_PASSWORD
from motcua.organization.models import Center, CenterKind, Counter, Role, Unit, User
from motcua.organization.permissions import Capability, has_capability
from tests import factories

pytestmark = pytest.mark.django_db


def test_demo_loads_a_merged_province_with_centers_and_one_account_per_role(capsys):
    call_command("demo")
    centers = Center.objects.all()
    assert sorted(c.kind for c in centers) == [
        CenterKind.COMMUNE,
        CenterKind.COMMUNE,
        CenterKind.PROVINCIAL,
    ]
    assert Counter.objects.filter(center__kind=CenterKind.PROVINCIAL).count() >= 5
    province = Unit.objects.get(code="000.00.00.H21")
    assert province.children.filter(level__code="so-nganh").count() >= 10
    assert province.predecessors.filter(valid_to__isnull=False).exists()  # the merged province
    roles = {a.role for a in ACCOUNTS}
    assert roles == set(Role.values)
    for account in ACCOUNTS:
        user = User.objects.get(username=account.username)
        assert user.check_password(DEMO_PASSWORD)
        assert has_capability(user, Capability.VIEW_WORKSPACE)
    assert "tiepnhan" in capsys.readouterr().out


def test_demo_is_idempotent():
    call_command("demo")
    counts = (Unit.objects.count(), User.objects.count(), Counter.objects.count())
    call_command("demo")
    assert (Unit.objects.count(), User.objects.count(), Counter.objects.count()) == counts


def test_demo_refuses_a_database_with_other_data():
    factories.staff(username="real.officer")
    with pytest.raises(CommandError, match=r"real\.officer"):
        call_command("demo")
    assert not Center.objects.exists()
    assert User.objects.count() == 1


def test_demo_publishes_a_catalogue_applied_by_its_units():
    from motcua.catalog.models import ProcedureUnit
    from motcua.catalog.selectors import version_in_force

    call_command("demo")
    birth = version_in_force("1.001193")
    assert birth is not None and birth.name == "Đăng ký khai sinh"
    assert birth.cases.get().process_template is not None
    communes = Unit.objects.filter(level__code="xa")
    assert set(
        ProcedureUnit.objects.filter(procedure=birth.procedure).values_list("unit", flat=True)
    ) == set(communes.values_list("pk", flat=True))
