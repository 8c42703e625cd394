"""The floor in the admin: a center manager sees and changes only their centers' services,
tickets and ratings, cannot delete what the statistics are made of, and cannot change the
priority categories every center shares."""

from __future__ import annotations

import pytest

from motcua.organization.models import Counter, Role
from motcua.queueing import services
from motcua.queueing.models import PriorityCategory, QueueService, Ticket
from tests import factories
from tests.queueing.conftest import MORNING

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_centers(floor):
    other_unit = factories.unit("UBND xã Ia Grai")
    other = factories.center(other_unit, name="Trung tâm xã Ia Grai")
    other_service = QueueService.objects.create(center=other, name="Chứng thực Ia Grai")
    other_counter = Counter.objects.create(center=other, number=1, name="Chứng thực")
    other_ticket = services.issue_ticket(center=other, service=other_service, at=MORNING)
    mine = services.issue_ticket(center=floor["center"], service=floor["civil"], at=MORNING)
    manager = factories.staff(
        username="manager", roles=[(Role.CENTER_MANAGER, floor["center"].unit)]
    )
    return {
        "manager": manager,
        "other_service": other_service,
        "other_counter": other_counter,
        "other_ticket": other_ticket,
        "mine": mine,
    }


def test_a_manager_sees_only_their_centers_floor(client, floor, two_centers):
    client.force_login(two_centers["manager"])
    services_page = client.get("/admin/queueing/queueservice/").content.decode()
    assert "Hộ tịch" in services_page and "Chứng thực Ia Grai" not in services_page
    other = two_centers["other_service"]
    assert client.get(f"/admin/queueing/queueservice/{other.pk}/change/").status_code == 302
    tickets = client.get("/admin/queueing/ticket/")
    assert tickets.status_code == 200
    assert tickets.context["cl"].result_count == 1
    # Nothing the statistics are made of can be deleted by hand.
    mine = two_centers["mine"]
    assert client.get(f"/admin/queueing/ticket/{mine.pk}/delete/").status_code == 403
    assert Ticket.objects.count() == 2
    # Bookings (identity numbers) and devices are not in the admin.
    assert client.get("/admin/queueing/booking/").status_code == 404
    assert client.get("/admin/queueing/device/").status_code == 404


def test_a_service_cannot_be_served_by_another_centers_counter(client, floor, two_centers):
    client.force_login(two_centers["manager"])
    service = floor["civil"]
    form = {
        "center": floor["center"].pk,
        "name": "Hộ tịch",
        "position": 1,
        "counters": [floor["one"].pk, two_centers["other_counter"].pk],
        "is_active": "on",
        "booking_capacity": 0,
        "slot_minutes": 30,
    }
    url = f"/admin/queueing/queueservice/{service.pk}/change/"
    refused = client.post(url, form)
    assert refused.status_code == 200
    assert "errorlist" in refused.content.decode()  # a counter outside their centers
    assert list(service.counters.order_by("number")) == [
        floor["one"],
        floor["two"],
        floor["priority_counter"],
    ]
    form["counters"] = [floor["one"].pk]
    assert (
        client.post(f"/admin/queueing/queueservice/{service.pk}/change/", form).status_code == 302
    )
    assert list(service.counters.all()) == [floor["one"]]


def test_priority_categories_are_for_administrators(client, floor, two_centers):
    elderly = floor["elderly"]
    client.force_login(two_centers["manager"])
    assert client.get(f"/admin/queueing/prioritycategory/{elderly.pk}/change/").status_code == 200
    client.post(
        f"/admin/queueing/prioritycategory/{elderly.pk}/change/",
        {"code": elderly.code, "name": "Đổi tên", "is_active": "on"},
    )
    assert PriorityCategory.objects.get(pk=elderly.pk).name != "Đổi tên"
    administrator = factories.staff(
        username="admin1", roles=[(Role.ADMINISTRATOR, floor["center"].unit)]
    )
    client.force_login(administrator)
    changed = client.post(
        f"/admin/queueing/prioritycategory/{elderly.pk}/change/",
        {"code": elderly.code, "name": "Người từ đủ 75 tuổi", "is_active": "on"},
    )
    assert changed.status_code == 302
    assert PriorityCategory.objects.get(pk=elderly.pk).name == "Người từ đủ 75 tuổi"
