"""Dossiers of tests/dossiers' world taken through their processing with the workflow's
services, at given moments: one settled and returned (with a step sent back, a consultation
and a late step), one apologised for, one stopped, and the same in a TT 01/2018 dossier."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import translation

from motcua.organization.models import Role, User
from motcua.workflow import services as workflow
from motcua.workflow.models import ReturnMethod, Task, TaskState
from tests import factories
from tests.dossier_forms.conftest import (  # noqa: F401
    PASSWORD,
    VN,
    outsider,
    pdf_pages,
    pdf_text,
    receive,
    refused,
    sent_back,
    staff_client,
)
from tests.dossiers.conftest import applicant, full_components, world  # noqa: F401


@pytest.fixture(autouse=True)
def vietnamese():
    """The services store step names in the active language (see the note in the report):
    a test that switched a screen to English must not rename these dossiers' steps."""
    with translation.override("vi"):
        yield


@dataclass
class Team:
    leader: User
    specialist: User
    clerk: User
    justice: User  # a specialist of the department asked for its opinion


@pytest.fixture
def team(world):  # noqa: F811
    return Team(
        leader=factories.staff(
            username="lanhdao",
            full_name="Lê Văn Hùng",
            position="Phó Chủ tịch",
            roles=[(Role.LEADER, world.commune_a)],
        ),
        specialist=factories.staff(
            username="chuyenvien",
            full_name="Phạm Minh Đức",
            roles=[(Role.SPECIALIST, world.commune_a)],
        ),
        clerk=factories.staff(
            username="vanthu", full_name="Hoàng Thị Mai", roles=[(Role.CLERK, world.commune_a)]
        ),
        justice=factories.staff(
            username="tuphap", full_name="Võ Thị Hoa", roles=[(Role.SPECIALIST, world.justice)]
        ),
    )


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=VN)


def march(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return at(2026, 3, day, hour, minute)


def open_task(dossier, name: str | None = None) -> Task:
    """The open step of the dossier (of that name)."""
    tasks = Task.objects.filter(dossier=dossier, state=TaskState.ACTIVE, kind="step")
    if name:
        tasks = tasks.filter(name=name)
    return tasks.get()


def settle(world, team, *, received: dt.datetime, day: int = 0):  # noqa: F811
    """Received at ``received``; the leader assigns the specialist, who sends it back once with
    a reason; assigned again, the specialist asks the justice department, which answers, and
    forwards late; the leader approves, the clerk registers the result and the file is done;
    the applicant collects it at the counter. ``day``: days added to every later moment."""

    def when(d: int, hour: int, minute: int = 0) -> dt.datetime:
        base = received.replace(hour=hour, minute=minute)
        return base + dt.timedelta(days=d + day)

    dossier = receive(world, at=received)
    workflow.forward_task(
        actor=team.leader,
        task=open_task(dossier),
        next_assignee=team.specialist,
        at=when(0, 9),
    )
    workflow.return_task(
        actor=team.specialist,
        task=open_task(dossier),
        reason="Tờ khai ghi nơi sinh chưa khớp Giấy chứng sinh, đề nghị phân công xác minh",
        at=when(0, 10),
    )
    workflow.forward_task(
        actor=team.leader,
        task=open_task(dossier),
        note="Giao xác minh nơi sinh",
        at=when(0, 10, 30),
    )
    asked = workflow.ask_opinions(
        actor=team.specialist,
        task=open_task(dossier),
        requests=[workflow.OpinionRequest(unit=world.justice, working_days=Decimal(1))],
        question="Đề nghị xác minh nơi sinh của trẻ",
        at=when(0, 14),
    )
    workflow.answer_opinion(
        actor=team.justice, task=asked[0], answer="Nơi sinh đúng như tờ khai", at=when(1, 9)
    )
    workflow.forward_task(actor=team.specialist, task=open_task(dossier), at=when(2, 10))
    approving = open_task(dossier)
    workflow.approve(actor=team.leader, task=approving, mode="paper", at=when(2, 10, 45))
    workflow.forward_task(
        actor=team.leader, task=approving, next_assignee=team.clerk, at=when(2, 11)
    )
    workflow.issue_result(
        actor=team.clerk, dossier=dossier, title="Giấy khai sinh", symbol="GKS", at=when(2, 14)
    )
    workflow.forward_task(actor=team.clerk, task=open_task(dossier), at=when(2, 14, 30))
    workflow.return_result(
        actor=world.receptionist,
        dossier=dossier,
        method=ReturnMethod.COUNTER,
        recipient_name="Trần Văn Bình",
        at=when(3, 9),
    )
    dossier.refresh_from_db()
    return dossier


@pytest.fixture
def returned(world, team):  # noqa: F811
    """Received on Monday 02/03/2026 at 8:00 (due Thursday 05/03 at 8:00), returned on
    Thursday 05/03 at 9:00."""
    return settle(world, team, received=march(2, 8))


@pytest.fixture
def apologised(world, team):  # noqa: F811
    """Received Monday 02/03/2026 at 8:00, due Thursday 05/03 at 8:00; the specialist holds it
    when the commune apologises on Tuesday 03/03 at 15:00 for Tuesday 10/03 at 16:00."""
    dossier = receive(world, at=march(2, 8))
    workflow.forward_task(
        actor=team.leader, task=open_task(dossier), next_assignee=team.specialist, at=march(2, 9)
    )
    workflow.apologize(
        actor=team.leader,
        dossier=dossier,
        reason="Phải xác minh nơi sinh của trẻ tại cơ sở y tế ngoài tỉnh",
        new_due_at=march(10, 16),
        signer_name="Lê Văn Hùng",
        signer_position="Phó Chủ tịch",
        at=march(3, 15),
    )
    dossier.refresh_from_db()
    return dossier


def stop(dossier, team, *, at: dt.datetime):
    workflow.stop_processing(
        actor=team.leader,
        dossier=dossier,
        reason="Người nộp hồ sơ có đơn đề nghị dừng giải quyết để nộp lại tại nơi cư trú",
        requested_by_applicant=True,
        at=at,
    )
    dossier.refresh_from_db()
    return dossier


@pytest.fixture
def stopped(world, team):  # noqa: F811
    """Received Monday 02/03/2026 at 8:00; with the specialist when stopped at the applicant's
    request on Tuesday 03/03 at 10:00."""
    dossier = receive(world, at=march(2, 8))
    workflow.forward_task(
        actor=team.leader, task=open_task(dossier), next_assignee=team.specialist, at=march(2, 9)
    )
    return stop(dossier, team, at=march(3, 10))
