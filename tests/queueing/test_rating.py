"""The counter's rating tablet: it asks about the service just finished at its counter, takes
one tap, records it against the ticket, the officer and the dossier, and refuses the rest."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from motcua.queueing import devices, services
from motcua.queueing.models import DeviceKind, Rating
from tests.queueing.conftest import MORNING

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    """A settable office clock (the tablet reads ``timezone.now``)."""
    moment = {"now": MORNING}
    monkeypatch.setattr(timezone, "now", lambda: moment["now"].astimezone(dt.UTC))
    return moment


@pytest.fixture
def tablet(floor):
    return devices.create_device(
        center=floor["center"], kind=DeviceKind.RATING, name="Quầy 1", counter=floor["one"]
    )


def serve(floor, at):
    ticket = services.issue_ticket(center=floor["center"], service=floor["civil"], at=at)
    services.open_counter(actor=floor["lan"], counter=floor["one"], at=at)
    services.call_next(actor=floor["lan"], at=at)
    services.start_serving(actor=floor["lan"], ticket=ticket, at=at)
    return services.finish_serving(actor=floor["lan"], ticket=ticket, at=at)


def test_the_tablet_asks_after_service_and_records_one_tap(client, floor, tablet, clock):
    url = f"/xep-hang/danh-gia/{tablet.key}/"
    assert client.get(f"{url}trang-thai/").json() == {"question": None}
    ticket = serve(floor, MORNING)
    clock["now"] = MORNING + dt.timedelta(minutes=1)
    question = client.get(f"{url}trang-thai/").json()["question"]
    assert question["number"] == 1001 and question["ticket"] == ticket.pk
    assert question["officer"] == floor["lan"].get_full_name() or floor["lan"].username
    page = client.get(url).content.decode()
    assert "Quý khách hài lòng với lượt phục vụ vừa rồi?" in page
    answered = client.post(url, {"ticket": ticket.pk, "value": 3})
    assert answered.status_code == 302  # a reload of the tablet does not send the tap again
    thanks = client.get(answered["Location"]).content.decode()
    assert 'data-thanks="1"' in thanks and "Cảm ơn quý khách đã đánh giá!" in thanks
    rating = Rating.objects.get()
    assert (rating.ticket, rating.officer, rating.counter, rating.value) == (
        ticket,
        floor["lan"],
        floor["one"],
        3,
    )
    assert client.get(f"{url}trang-thai/").json() == {"question": None}
    # A second tap on the same service is refused.
    again = client.post(url, {"ticket": ticket.pk, "value": 1})
    assert again.status_code == 409
    assert "Lượt phục vụ này đã được đánh giá." in again.content.decode()
    assert Rating.objects.count() == 1


def test_late_foreign_and_invalid_taps_are_refused(client, floor, tablet, clock):
    url = f"/xep-hang/danh-gia/{tablet.key}/"
    ticket = serve(floor, MORNING)
    for data, status, message in [
        ({"ticket": ticket.pk, "value": 7}, 400, "Mức đánh giá không hợp lệ."),
        ({"ticket": "x", "value": 2}, 400, "Không có lượt phục vụ nào để đánh giá."),
    ]:
        refused = client.post(url, data)
        assert refused.status_code == status and message in refused.content.decode()
    clock["now"] = MORNING + dt.timedelta(minutes=11)
    assert client.get(f"{url}trang-thai/").json() == {"question": None}
    late = client.post(url, {"ticket": ticket.pk, "value": 2})
    assert late.status_code == 409
    assert "Đã hết thời gian đánh giá" in late.content.decode()
    # The tablet of counter 2 cannot rate counter 1's service.
    other = devices.create_device(
        center=floor["center"], kind=DeviceKind.RATING, name="Quầy 2", counter=floor["two"]
    )
    clock["now"] = MORNING
    foreign = client.post(f"/xep-hang/danh-gia/{other.key}/", {"ticket": ticket.pk, "value": 2})
    assert foreign.status_code == 400
    assert not Rating.objects.exists()


def test_the_rating_carries_the_dossier_linked_to_the_ticket(floor, clock):
    from motcua.queueing.models import Ticket
    from motcua.queueing.services import rate

    ticket = serve(floor, MORNING)
    Ticket.objects.filter(pk=ticket.pk).update(dossier=None)
    rating = rate(counter=floor["one"], ticket_id=ticket.pk, value=1, at=MORNING)
    assert rating.dossier is None and rating.get_value_display() == "Không hài lòng"


def test_a_call_at_the_counter_ends_the_question(client, floor, tablet, clock):
    serve(floor, MORNING)
    services.issue_ticket(center=floor["center"], service=floor["civil"], at=MORNING)
    services.call_next(actor=floor["lan"], at=MORNING)
    url = f"/xep-hang/danh-gia/{tablet.key}/trang-thai/"
    assert client.get(url).json() == {"question": None}


def test_a_rating_device_needs_a_counter(floor):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        devices.create_device(center=floor["center"], kind=DeviceKind.RATING, name="?")
