"""Demo dossiers in processing, so a fresh `make run` shows inboxes with work in them: a few
dossiers of the Department of Justice received at the provincial center this week, left at
different steps (waiting for the leader, at the specialist, at the clerk, processed, returned).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from motcua.catalog.models import Channel, ProcedureUnit, Requirement
from motcua.core.calendar import calendar_for
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Dossier
from motcua.dossiers.services import (
    ComponentInput,
    IntakeError,
    PartyInput,
    version_in_force_for,
)
from motcua.organization.models import Center, User

from . import services
from .models import ReturnMethod, SignatureMode, Task, TaskState

JUSTICE = "000.00.11.H21"
CENTER = "ttpvhcc-tinh"
PEOPLE = [
    ("Trần Văn Bình", "052090001234", "0905123456"),
    ("Nguyễn Thị Hạnh", "052185004321", "0914222333"),
    ("Lê Quốc Việt", "052077009876", "0935444555"),
    ("Phạm Thị Ngọc", "052199001122", "0988777666"),
    ("Đoàn Minh Khôi", "052203003344", "0977111222"),
    ("Huỳnh Thị Lệ", "052168005566", ""),
]
# How far each dossier goes: 0 waits for the leader … 4 is returned to the citizen.
STAGES = [0, 0, 1, 1, 2, 3, 4]


def _case() -> Any:
    today = timezone.localdate()
    for row in ProcedureUnit.objects.filter(unit__code=JUSTICE).select_related("procedure"):
        version = row.procedure.versions.filter(status="published").order_by("-number").first()
        if version is None or not version.offers_counter:
            continue
        for case in version.cases.all():
            times = case.processing_times.filter(channel=Channel.COUNTER, quantity__isnull=False)
            if times.exists():
                try:
                    version_in_force_for(case, today)
                except IntakeError:  # not in force today: try another
                    continue
                return case
    return None


def _active(dossier: Dossier) -> Task:
    return Task.objects.filter(dossier=dossier, state=TaskState.ACTIVE).order_by("pk")[0]


def _advance(dossier: Dossier, stage: int, users: dict[str, User]) -> None:
    if stage >= 1:
        services.forward_task(
            actor=users["lanhdao"], task=_active(dossier), next_assignee=users["chuyenvien"]
        )
    if stage >= 2:
        services.forward_task(actor=users["chuyenvien"], task=_active(dossier), note="Đủ điều kiện")
        services.approve(actor=users["lanhdao"], task=_active(dossier), mode=SignatureMode.PAPER)
        services.forward_task(actor=users["lanhdao"], task=_active(dossier))
    if stage >= 3:
        services.issue_result(actor=users["vanthu"], dossier=dossier, title="Kết quả", symbol="STP")
        services.forward_task(actor=users["vanthu"], task=_active(dossier))
    if stage >= 4:
        dossier.refresh_from_db()
        services.return_result(
            actor=users["tiepnhan"],
            dossier=dossier,
            method=ReturnMethod.COUNTER,
            recipient_name=dossier.parties.get(role="applicant").name,
        )


@transaction.atomic
def load_demo_dossiers() -> int:
    """Create the demo dossiers once (nothing when the demo has dossiers already)."""
    if Dossier.objects.exists():
        return 0
    case = _case()
    center = Center.objects.filter(code=CENTER).first()
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["tiepnhan", "lanhdao", "chuyenvien", "vanthu"])
    }
    if case is None or center is None or len(users) < 4:
        return 0
    calendar = calendar_for(center)
    moment = calendar.next_working_moment(timezone.localtime() - dt.timedelta(days=3))
    components = [
        ComponentInput(c, originals=1)
        for c in case.components.all()
        if c.requirement == Requirement.REQUIRED
    ]
    made = 0
    for index, stage in enumerate(STAGES):
        name, identity, phone = PEOPLE[index % len(PEOPLE)]
        dossier = dossier_services.receive_at_counter(
            outcome="accept",
            actor=users["tiepnhan"],
            center=center,
            case=case,
            channel=Channel.COUNTER,
            applicant=PartyInput(
                name=name, identity_number=identity, phone=phone, address="Gia Lai"
            ),
            components=components,
            submitted_at=moment,
        )
        _advance(dossier, stage, users)
        moment = calendar.add_working_hours(moment, 1)
        made += 1
    return made
