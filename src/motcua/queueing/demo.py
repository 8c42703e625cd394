"""The demo floor: at every demo center one queue service per counter's group of fields, served
by that counter and the priority counter (the provincial services take online bookings), a
kiosk, a display board and a rating tablet per counter, with known keys so the README can give
their addresses, and a few citizens already waiting today."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from motcua.organization.models import Center

from . import services
from .models import Device, DeviceKind, PriorityCategory, QueueService, Ticket

# A demo installation only: real devices get random keys from the manager's page.
DEMO_KEYS: dict[str, str] = {
    DeviceKind.KIOSK: "demo-kiosk-{center}",
    DeviceKind.BOARD: "demo-board-{center}",
    DeviceKind.RATING: "demo-rating-{center}-{counter}",
}
WAITING_TODAY = 6


def demo_key(kind: str, center: Center, counter_number: int | None = None) -> str:
    return DEMO_KEYS[kind].format(center=center.code, counter=counter_number)


@transaction.atomic
def load_demo_floor() -> int:
    """Set the floor of the demo centers up once; returns how many services it created."""
    if QueueService.objects.exists():
        return 0
    created = 0
    for center in Center.objects.filter(code__startswith="ttpvhcc-").order_by("pk"):
        created += _load_center(center)
    return created


def _load_center(center: Center) -> int:
    counters = list(center.counters.filter(is_active=True).order_by("number"))
    priority = [c for c in counters if c.is_priority]
    provincial = center.parent_id is None and center.code == "ttpvhcc-tinh"
    position = 0
    for counter in counters:
        if counter.is_priority:
            continue
        position += 1
        service = QueueService.objects.create(
            center=center,
            name=counter.name,
            position=position,
            booking_capacity=3 if provincial else 0,
            slot_minutes=30,
        )
        service.fields.set(counter.fields.all())
        service.counters.set([counter, *priority])
    for kind, name in (
        (DeviceKind.KIOSK, "Máy lấy số sảnh chính"),
        (DeviceKind.BOARD, "Màn hình sảnh chính"),
    ):
        Device.objects.create(center=center, kind=kind, name=name, key=demo_key(kind, center))
    for counter in counters:
        Device.objects.create(
            center=center,
            kind=DeviceKind.RATING,
            counter=counter,
            name=f"Thiết bị đánh giá quầy {counter.number}",
            key=demo_key(DeviceKind.RATING, center, counter.number),
        )
    if provincial:
        _citizens_waiting(center)
    return position


def _citizens_waiting(center: Center) -> None:
    """A few tickets of today, one of them for an elderly citizen (outside working hours they
    are still shown: the demo is for looking around)."""
    offered = list(QueueService.objects.filter(center=center))
    elderly = PriorityCategory.objects.filter(code="nguoi-cao-tuoi").first()
    now = timezone.localtime()
    if Ticket.objects.filter(center=center, day=now.date()).exists():
        return
    for n in range(WAITING_TODAY):
        services.issue_ticket(
            center=center,
            service=offered[n % min(3, len(offered))],
            priority=elderly if n == 3 else None,  # at counter 1 (Tư pháp)
            at=now,
        )
