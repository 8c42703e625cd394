"""A commune that settles birth registrations itself (leader, two specialists, a clerk) and the
provincial justice department it may consult."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest

from motcua.catalog.models import Channel
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Dossier
from motcua.organization.models import Role, User
from motcua.workflow.models import Task, TaskState
from tests import factories
from tests.dossiers.conftest import World, applicant, full_components, world  # noqa: F401

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: str, time: str = "09:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=VN)


@dataclass
class Desk:
    world: World
    leader: User
    specialist: User
    other_specialist: User
    clerk: User
    justice_leader: User
    justice_specialist: User


@pytest.fixture
def desk(world) -> Desk:  # noqa: F811
    commune = world.commune_a
    return Desk(
        world=world,
        leader=factories.staff(
            username="hung", full_name="Lê Văn Hùng", roles=[(Role.LEADER, commune)]
        ),
        specialist=factories.staff(
            username="mai", full_name="Phạm Thị Mai", roles=[(Role.SPECIALIST, commune)]
        ),
        other_specialist=factories.staff(
            username="tuan", full_name="Võ Minh Tuấn", roles=[(Role.SPECIALIST, commune)]
        ),
        clerk=factories.staff(
            username="hoa", full_name="Đỗ Thị Hoa", roles=[(Role.CLERK, commune)]
        ),
        justice_leader=factories.staff(
            username="son", full_name="Ngô Thanh Sơn", roles=[(Role.LEADER, world.justice)]
        ),
        justice_specialist=factories.staff(
            username="nga", full_name="Bùi Thị Nga", roles=[(Role.SPECIALIST, world.justice)]
        ),
    )


def receive(world: World, when: dt.datetime, **overrides) -> Dossier:  # noqa: F811
    values = {
        "actor": world.receptionist,
        "center": world.center_a,
        "case": world.birth_case,
        "channel": Channel.COUNTER,
        "applicant": applicant(),
        "components": full_components(world),
        "submitted_at": when,
    }
    values.update(overrides)
    return dossier_services.receive_at_counter(outcome="accept", **values)


def active(dossier: Dossier) -> list[Task]:
    return list(
        Task.objects.filter(dossier=dossier, state=TaskState.ACTIVE).order_by("position", "pk")
    )


def only_active(dossier: Dossier) -> Task:
    tasks = active(dossier)
    assert len(tasks) == 1, tasks
    return tasks[0]
