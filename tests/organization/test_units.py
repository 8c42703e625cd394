"""Units as a tree of any depth, with identities over time (renames, merges, reused codes)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from motcua.organization import selectors, services
from motcua.organization.models import Role, RoleAssignment, Unit, UnitIdentity
from tests import factories

pytestmark = pytest.mark.django_db


def test_tree_of_any_depth_and_subtree_queries():
    levels = [factories.level(f"l{i}", f"Cấp {i}", i) for i in range(6)]
    chain = [factories.unit("Gốc", level=levels[0])]
    for i in range(1, 6):
        chain.append(factories.unit(f"Cấp {i}", parent=chain[-1], level=levels[i]))
    side = factories.unit("Nhánh bên", parent=chain[1])
    assert [u.depth for u in chain] == [0, 1, 2, 3, 4, 5]
    assert set(Unit.objects.subtree_of(chain[2])) == set(chain[2:])
    assert set(Unit.objects.subtree_of(chain[1])) == set(chain[1:]) | {side}
    assert chain[0].contains(chain[5]) and not chain[5].contains(chain[0])
    assert not side.contains(chain[3])


def test_moving_a_unit_moves_its_whole_subtree():
    a, b = factories.unit("A"), factories.unit("B")
    child = factories.unit("Con", parent=a)
    grandchild = factories.unit("Cháu", parent=child)
    child.parent = b
    child.save()
    grandchild.refresh_from_db()
    assert grandchild.path.startswith(b.path)
    assert grandchild.depth == 2
    assert set(Unit.objects.subtree_of(b)) == {b, child, grandchild}
    assert set(Unit.objects.subtree_of(a)) == {a}


def test_a_unit_cannot_become_its_own_descendant():
    a = factories.unit("A")
    child = factories.unit("Con", parent=a)
    a.parent = child
    with pytest.raises(ValidationError) as excinfo:
        a.full_clean()
    assert "parent" in excinfo.value.message_dict


@pytest.mark.parametrize("code", ["000.00.06.H56", "G12.36.00.H21", "000.12.34.K01"])
def test_valid_identifier_codes(code):
    unit = Unit(name="X", code=code, level=factories.level(), valid_from=dt.date(2025, 7, 1))
    unit.full_clean()


@pytest.mark.parametrize(
    "code", ["000.00.06", "00.00.06.H56", "000-00-06-H56", "000.00.06.056", "000.00.06.h56", ""]
)
def test_bad_identifier_codes_are_refused_with_a_clear_message(code):
    unit = Unit(name="X", code=code, level=factories.level(), valid_from=dt.date(2025, 7, 1))
    with pytest.raises(ValidationError) as excinfo:
        unit.full_clean()
    assert "code" in excinfo.value.message_dict


def test_two_open_units_cannot_share_a_code_but_an_ended_units_code_can_be_reused():
    old = factories.unit("Sở cũ", code="000.00.06.H56")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.unit("Sở trùng mã", code="000.00.06.H56")
    old.valid_to = dt.date(2025, 12, 31)
    old.save()
    factories.unit("Sở mới", code="000.00.06.H56", valid_from=dt.date(2026, 1, 1))


def test_rename_keeps_the_old_identity_for_old_dates():
    province = factories.unit("Tỉnh")
    unit = services.create_unit(
        actor=None,
        parent=province,
        level=factories.level(),
        code="000.00.06.H56",
        name="Sở Tài nguyên và Môi trường",
        valid_from=dt.date(2008, 4, 1),
    )
    services.rename_unit(
        actor=None,
        unit=unit,
        effective_on=dt.date(2025, 3, 1),
        code="000.00.16.H56",
        name="Sở Nông nghiệp và Môi trường",
        reason="Hợp nhất sở",
    )
    assert selectors.unit_identity_on(unit, dt.date(2024, 12, 31)) == (
        "000.00.06.H56",
        "Sở Tài nguyên và Môi trường",
    )
    assert selectors.unit_identity_on(unit, dt.date(2025, 3, 1)) == (
        "000.00.16.H56",
        "Sở Nông nghiệp và Môi trường",
    )
    assert selectors.unit_by_code_on("000.00.06.H56", dt.date(2020, 1, 1)) == unit
    assert selectors.unit_by_code_on("000.00.06.H56", dt.date(2025, 3, 2)) is None
    unit.refresh_from_db()
    assert unit.code == "000.00.16.H56"


@pytest.mark.parametrize(
    ("effective_on", "kwargs"),
    [(dt.date(2008, 4, 1), {"name": "Tên mới"}), (dt.date(2025, 3, 1), {})],
    ids=["not-after-founding", "nothing-changes"],
)
def test_bad_renames_are_refused(effective_on, kwargs):
    unit = services.create_unit(
        actor=None,
        parent=None,
        level=factories.level(),
        code="000.00.06.H56",
        name="Sở A",
        valid_from=dt.date(2008, 4, 1),
    )
    with pytest.raises(ValidationError):
        services.rename_unit(actor=None, unit=unit, effective_on=effective_on, reason="x", **kwargs)
    assert UnitIdentity.objects.filter(unit=unit).count() == 1


def test_merge_ends_units_and_names_the_successor():
    province = factories.unit("Tỉnh mới")
    old = services.create_unit(
        actor=None,
        parent=None,
        level=factories.level(),
        code="000.00.00.H08",
        name="UBND tỉnh cũ",
        valid_from=dt.date(1989, 7, 1),
    )
    officer = factories.staff(roles=[(Role.LEADER, old)])
    services.merge_units(
        actor=None,
        units=[old],
        into=province,
        effective_on=dt.date(2025, 7, 1),
        reason="Sáp nhập tỉnh",
    )
    old.refresh_from_db()
    assert old.valid_to == dt.date(2025, 6, 30)
    assert old.successor == province
    assert old in Unit.objects.effective_on(dt.date(2025, 6, 30))
    assert old not in Unit.objects.effective_on(dt.date(2025, 7, 1))
    assert RoleAssignment.objects.get(user=officer).valid_to == dt.date(2025, 6, 30)
    # Old dossiers still find the code they were issued under.
    assert selectors.unit_by_code_on("000.00.00.H08", dt.date(2025, 6, 1)) == old
    with pytest.raises(ValidationError):
        services.merge_units(
            actor=None,
            units=[old],
            into=province,
            effective_on=dt.date(2025, 8, 1),
            reason="lần hai",
        )


def test_merge_into_a_descendant_is_refused():
    parent = factories.unit("Cha")
    child = factories.unit("Con", parent=parent)
    with pytest.raises(ValidationError):
        services.merge_units(
            actor=None, units=[parent], into=child, effective_on=dt.date(2026, 1, 1), reason="x"
        )
    parent.refresh_from_db()
    assert parent.valid_to is None
