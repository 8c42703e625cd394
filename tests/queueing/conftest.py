"""The floor every queueing test stands on: a commune center with two services (Hộ tịch at
counters 1, 2 and the priority counter 3; Đất đai at counter 2 only) and two receptionists."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from motcua.organization.models import Counter, Role
from motcua.queueing.models import PriorityCategory, QueueService
from tests import factories

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MORNING = dt.datetime(2026, 3, 2, 7, 30, tzinfo=VN)  # a Monday


@pytest.fixture
def floor(db):
    unit = factories.unit("UBND phường Quy Nhơn")
    center = factories.center(unit, name="Trung tâm phường Quy Nhơn")
    civil = QueueService.objects.create(center=center, name="Hộ tịch", position=1)
    land = QueueService.objects.create(center=center, name="Đất đai", position=2)
    one = Counter.objects.create(center=center, number=1, name="Hộ tịch")
    two = Counter.objects.create(center=center, number=2, name="Hộ tịch, đất đai")
    priority_counter = Counter.objects.create(
        center=center, number=3, name="Ưu tiên", is_priority=True
    )
    civil.counters.set([one, two, priority_counter])
    land.counters.set([two])
    lan = factories.staff(username="lan", roles=[(Role.RECEPTIONIST, unit)])
    hoa = factories.staff(username="hoa", roles=[(Role.RECEPTIONIST, unit)])
    return {
        "center": center,
        "civil": civil,
        "land": land,
        "one": one,
        "two": two,
        "priority_counter": priority_counter,
        "lan": lan,
        "hoa": hoa,
        # Seeded by a migration; a transactional test's flush may have removed it.
        "elderly": PriorityCategory.objects.get_or_create(
            code="nguoi-cao-tuoi", defaults={"name": "Người cao tuổi (từ 75 tuổi)"}
        )[0],
    }


@pytest.fixture
def now(monkeypatch):
    """The office clock stands at 07:30 on Monday 2 March 2026 (tickets are per day; pages and
    services that read ``timezone.now`` see this moment)."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: MORNING.astimezone(dt.UTC))
    return MORNING


def issue(floor, service="civil", minutes=0, priority=None):
    """A ticket of ``service`` issued ``minutes`` after the morning's opening."""
    from motcua.queueing import services

    return services.issue_ticket(
        center=floor["center"],
        service=floor[service],
        priority=priority,
        at=MORNING + dt.timedelta(minutes=minutes),
    )
