"""The demo sets up a floor one can walk through: the kiosk, the board and a rating tablet of
the provincial center answer at the addresses the demo command prints, and the tiepnhan
account can sit at a counter and call the citizens already waiting."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from motcua.organization.models import User
from motcua.queueing import services
from motcua.queueing.models import Device, QueueService, Ticket

pytestmark = pytest.mark.django_db


def test_the_demo_floor_can_be_walked_through(client):
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert "/xep-hang/kiosk/demo-kiosk-ttpvhcc-tinh/" in out.getvalue()
    assert QueueService.objects.filter(center__code="ttpvhcc-tinh", booking_capacity=3).count() == 7
    assert client.get("/xep-hang/kiosk/demo-kiosk-ttpvhcc-tinh/").status_code == 200
    assert client.get("/xep-hang/danh-gia/demo-rating-ttpvhcc-tinh-1/").status_code == 200
    tiepnhan = User.objects.get(username="tiepnhan")
    counter = Device.objects.get(key="demo-rating-ttpvhcc-tinh-1").counter
    services.open_counter(actor=tiepnhan, counter=counter)
    called = services.call_next(actor=tiepnhan)
    assert called is not None and called.priority is not None  # the elderly citizen first
    waiting = Ticket.objects.count()
    call_command("demo", stdout=io.StringIO())  # a second run adds nothing
    assert Ticket.objects.count() == waiting
