"""The ticket kiosk and the phone page following a ticket, through HTTP as the devices use
them: a kiosk reaches its pages by its secret key; the printed ticket's QR code opens the
phone page."""

from __future__ import annotations

import re

import pytest

from motcua.queueing import devices, services, tickets
from motcua.queueing.models import DeviceKind, Ticket, TicketSource

pytestmark = pytest.mark.django_db


@pytest.fixture
def kiosk(floor):
    return devices.create_device(center=floor["center"], kind=DeviceKind.KIOSK, name="Sảnh")


def test_the_kiosk_lists_the_services_with_people_waiting(client, floor, kiosk, now):
    services.issue_ticket(center=floor["center"], service=floor["land"], at=now)
    page = client.get(f"/xep-hang/kiosk/{kiosk.key}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Hộ tịch" in html and "Đất đai" in html
    assert "1 người đang chờ" in html and "0 người đang chờ" in html
    # No bookable service: no check-in button.
    assert "đặt lịch hẹn" not in html


def test_unknown_deactivated_or_wrong_kind_keys_are_not_found(client, floor, kiosk, now):
    board = devices.create_device(center=floor["center"], kind=DeviceKind.BOARD, name="TV")
    assert client.get("/xep-hang/kiosk/khong-co/").status_code == 404
    assert client.get(f"/xep-hang/kiosk/{board.key}/").status_code == 404
    kiosk.is_active = False
    kiosk.save()
    assert client.get(f"/xep-hang/kiosk/{kiosk.key}/").status_code == 404


def test_taking_a_ticket_prints_it_with_a_qr_code_to_follow_it(client, floor, kiosk, now):
    choose = client.get(f"/xep-hang/kiosk/{kiosk.key}/dich-vu/{floor['civil'].pk}/")
    assert choose.status_code == 200
    assert "Người cao tuổi" in choose.content.decode()
    once = re.search(r'name="once" value="(\w+)"', choose.content.decode()).group(1)
    taken = client.post(
        f"/xep-hang/kiosk/{kiosk.key}/lay-so/",
        {"service": floor["civil"].pk, "priority": "nguoi-cao-tuoi", "once": once},
    )
    assert taken.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.number, ticket.source, ticket.priority.code) == (
        1001,
        TicketSource.KIOSK,
        "nguoi-cao-tuoi",
    )
    printed = client.get(taken["Location"])
    html = printed.content.decode()
    assert printed.status_code == 200
    assert "1001" in html and "Hộ tịch" in html and "Người cao tuổi" in html
    assert "data-print" in html  # printed as soon as it is shown
    follow_url = re.search(r'data-url="([^"]+)"', html).group(1)
    assert follow_url.startswith("http://testserver/xep-hang/so/")
    # A double tap (the same form sent twice) prints the same ticket, not a second one.
    again = client.post(
        f"/xep-hang/kiosk/{kiosk.key}/lay-so/",
        {"service": floor["civil"].pk, "priority": "nguoi-cao-tuoi", "once": once},
    )
    assert again["Location"].split("?")[0] == taken["Location"].split("?")[0]
    assert Ticket.objects.count() == 1


def test_people_ahead_are_printed(client, floor, kiosk, now):
    for _ in range(3):
        services.issue_ticket(center=floor["center"], service=floor["civil"], at=now)
    taken = client.post(f"/xep-hang/kiosk/{kiosk.key}/lay-so/", {"service": floor["civil"].pk})
    assert "Có 3 người chờ trước bạn" in client.get(taken["Location"]).content.decode()


def test_bad_choices_are_refused_with_a_message(client, floor, kiosk, now):
    from motcua.queueing.models import QueueService

    other = QueueService.objects.create(
        center=devices.create_device(
            center=floor["center"], kind=DeviceKind.BOARD, name="x"
        ).center,
        name="Đóng cửa",
        is_active=False,
    )
    cases = [
        ({"service": "abc"}, 400),
        ({"service": floor["civil"].pk, "priority": "khong-ton-tai"}, 400),
        ({"service": other.pk}, 409),
    ]
    for data, status in cases:
        refused = client.post(f"/xep-hang/kiosk/{kiosk.key}/lay-so/", data)
        assert refused.status_code == status, data
        assert "Không lấy được số" in refused.content.decode()
    assert not Ticket.objects.exists()
    assert client.get(f"/xep-hang/kiosk/{kiosk.key}/lay-so/").status_code == 405


def test_a_ticket_of_another_center_is_not_printed_by_this_kiosk(client, floor, kiosk, now):
    from motcua.queueing.models import QueueService
    from tests import factories

    elsewhere = factories.center(factories.unit("UBND xã Ia Grai"))
    service = QueueService.objects.create(center=elsewhere, name="Hộ tịch")
    ticket = services.issue_ticket(center=elsewhere, service=service, at=now)
    token = tickets.token_for(ticket)
    assert client.get(f"/xep-hang/kiosk/{kiosk.key}/so/{token}/").status_code == 404
    assert client.get(f"/xep-hang/kiosk/{kiosk.key}/so/{ticket.pk}:forged/").status_code == 404


def test_the_phone_page_follows_the_ticket_until_it_is_called(client, floor, now):
    first = services.issue_ticket(center=floor["center"], service=floor["civil"], at=now)
    mine = services.issue_ticket(center=floor["center"], service=floor["civil"], at=now)
    token = tickets.token_for(mine)
    page = client.get(f"/xep-hang/so/{token}/")
    assert "Đang chờ: còn 1 người trước bạn." in page.content.decode()
    services.open_counter(actor=floor["lan"], counter=floor["one"], at=now)
    assert services.call_next(actor=floor["lan"], at=now) == first
    state = client.get(f"/xep-hang/so/{token}/trang-thai/").json()
    assert (state["state"], state["ahead"], state["serving_now"]) == ("waiting", 0, [1001])
    services.skip(actor=floor["lan"], ticket=first, at=now)
    services.call_next(actor=floor["lan"], at=now)
    state = client.get(f"/xep-hang/so/{token}/trang-thai/").json()
    assert state["state"] == "called"
    assert state["message"] == "Đến lượt bạn! Mời đến quầy số 1."
    assert client.get(f"/xep-hang/so/{mine.pk}:forged/").status_code == 404
    assert client.get(f"/xep-hang/so/{mine.pk}/").status_code == 404


def test_the_phone_page_speaks_english_too(client, floor, now):
    mine = services.issue_ticket(center=floor["center"], service=floor["civil"], at=now)
    client.cookies["django_language"] = "en"
    state = client.get(f"/xep-hang/so/{tickets.token_for(mine)}/trang-thai/").json()
    assert state["message"] == "Waiting: 0 people ahead of you."


def test_kiosk_pages_cost_a_few_queries(client, floor, kiosk, now, django_assert_max_num_queries):
    for _ in range(5):
        services.issue_ticket(center=floor["center"], service=floor["civil"], at=now)
    with django_assert_max_num_queries(6):
        client.get(f"/xep-hang/kiosk/{kiosk.key}/")
    ticket = Ticket.objects.last()
    with django_assert_max_num_queries(6):
        client.get(f"/xep-hang/kiosk/{kiosk.key}/so/{tickets.token_for(ticket)}/")


def test_the_check_in_button_shows_while_bookings_can_arrive(client, floor, kiosk, now):
    from motcua.queueing import booking

    civil = floor["civil"]
    civil.booking_capacity = 2
    civil.save()
    assert (
        "Tôi đã đặt lịch hẹn trực tuyến"
        in client.get(f"/xep-hang/kiosk/{kiosk.key}/").content.decode()
    )
    booking.book(
        service=civil,
        slot_start=now.replace(hour=8, minute=0),
        full_name="Trần Văn Bình",
        identity_number="052090001234",
        phone="0912345678",
        at=now,
    )
    # The service stops taking new bookings; today's booking can still be checked in.
    civil.booking_capacity = 0
    civil.save()
    assert (
        "Tôi đã đặt lịch hẹn trực tuyến"
        in client.get(f"/xep-hang/kiosk/{kiosk.key}/").content.decode()
    )
