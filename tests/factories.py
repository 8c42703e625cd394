"""Small builders for tests: a unit tree, centers and staff with roles."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from motcua.organization.models import (
    Center,
    CenterKind,
    RoleAssignment,
    Unit,
    UnitLevel,
    User,
)

_sequence = itertools.count(1)


def level(code: str = "tinh", name: str = "Tỉnh", rank: int = 1) -> UnitLevel:
    obj, _ = UnitLevel.objects.get_or_create(code=code, defaults={"name": name, "rank": rank})
    return obj


def unit(name: str = "", parent: Unit | None = None, code: str | None = None, **extra: Any) -> Unit:
    n = next(_sequence)
    return Unit.objects.create(
        name=name or f"Đơn vị {n}",
        parent=parent,
        level=extra.pop("level", None) or level(),
        code=code or f"000.00.{n % 100:02d}.H{n // 100 % 100:02d}",
        valid_from=extra.pop("valid_from", dt.date(2025, 7, 1)),
        **extra,
    )


def center(unit_: Unit, code: str | None = None, **extra: Any) -> Center:
    n = next(_sequence)
    return Center.objects.create(
        code=code or f"center-{n}",
        name=extra.pop("name", f"Trung tâm {n}"),
        kind=extra.pop("kind", CenterKind.PROVINCIAL),
        unit=unit_,
        **extra,
    )


def staff(
    username: str | None = None,
    roles: list[tuple[str, Unit]] | None = None,
    password: str = "Secret-pass-123",
    **extra: Any,
) -> User:
    n = next(_sequence)
    user = User.objects.create_user(
        username=username or f"user{n}",
        password=password,
        full_name=extra.pop("full_name", f"Cán bộ {n}"),
        email=extra.pop("email", f"user{n}@example.test"),
        **extra,
    )
    for role, scope in roles or []:
        RoleAssignment.objects.create(
            user=user, role=role, unit=scope, valid_from=dt.date(2025, 7, 1)
        )
    return user
