"""``/api/v1/queue/``: centers and slots, bookings (create, read, cancel) and ticket status,
for city apps; no token, rate-limited where a client could guess or flood."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache

from motcua.notifications.models import Notification
from motcua.queueing import booking, services, tickets
from motcua.queueing.models import Booking, BookingState, QueueService
from tests import factories

from .test_booking import BINH, HOA, at, book, freeze, open_for_booking, person

API = "/api/v1/queue"
pytestmark = pytest.mark.django_db


@pytest.fixture
def bookable(floor):
    return open_for_booking(floor)


@pytest.fixture
def clock(monkeypatch):
    return freeze(monkeypatch)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def body(service, slot="2026-03-03T07:30:00+07:00", **changes):
    return {"service": service.pk, "slot_start": slot, **BINH, **changes}


def create(client, payload, **headers):
    return client.post(
        f"{API}/bookings",
        data=json.dumps(payload),
        content_type="application/json",
        headers=headers,
    )


def error(response) -> dict:
    return response.json()["error"]


def identity(number=BINH["identity_number"]) -> dict[str, str]:
    return {"X-Identity-Number": number}


# ---------------------------------------------------------------------------------------------
# Centers and slots


def test_centers_taking_bookings(bookable, client, clock, django_assert_max_num_queries):
    other = factories.center(factories.unit("UBND xã Ia Grai"), name="Trung tâm xã Ia Grai")
    QueueService.objects.create(center=other, name="Chứng thực", booking_capacity=0)
    third = factories.center(factories.unit("UBND xã An Nhơn"), name="Trung tâm xã An Nhơn")
    QueueService.objects.create(center=third, name="Chứng thực", booking_capacity=4)
    with django_assert_max_num_queries(4):
        response = client.get(f"{API}/centers")
    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 2
    names = [c["name"] for c in page["results"]]
    assert names == ["Trung tâm phường Quy Nhơn", "Trung tâm xã An Nhơn"]
    quy_nhon = page["results"][0]
    assert quy_nhon["address"] == "01 Trần Phú, phường Quy Nhơn"
    assert quy_nhon["services"] == [
        {"id": bookable["civil"].pk, "name": "Hộ tịch", "slot_minutes": 30, "capacity": 2},
        {"id": bookable["land"].pk, "name": "Đất đai", "slot_minutes": 45, "capacity": 1},
    ]
    assert client.get(f"{API}/centers?page=3").status_code == 400


def test_days_and_slots_of_a_service(bookable, client, clock, django_assert_max_num_queries):
    book(bookable, at(3, 2, 7, 30))
    with django_assert_max_num_queries(6):
        response = client.get(f"{API}/services/{bookable['civil'].pk}/slots")
    assert response.status_code == 200
    answer = response.json()
    assert answer["service"]["name"] == "Hộ tịch" and answer["center"]["name"].endswith("Quy Nhơn")
    assert [d["date"] for d in answer["days"]] == [f"2026-03-0{d}" for d in (2, 3, 4, 5, 6)]
    monday = answer["days"][0]
    assert monday["free"] == 31 and len(monday["slots"]) == 16
    assert monday["slots"][0] == {
        "start": "2026-03-02T07:30:00+07:00",
        "end": "2026-03-02T08:00:00+07:00",
        "free": 1,
    }
    one = client.get(f"{API}/services/{bookable['civil'].pk}/slots?day=2026-03-04").json()
    assert [d["date"] for d in one["days"]] == ["2026-03-04"]


@pytest.mark.parametrize(
    ("day", "code"),
    [
        ("2026-03-07", "day_not_bookable"),
        ("2026-03-20", "day_not_bookable"),
        ("4/3", "invalid_date"),
    ],
)
def test_slots_of_a_day_outside_the_window(bookable, client, clock, day, code):
    response = client.get(f"{API}/services/{bookable['civil'].pk}/slots?day={day}")
    assert response.status_code == 400
    assert error(response)["code"] == code
    assert error(response)["details"][0]["field"] == "day"


def test_a_service_not_taking_bookings_is_not_found(bookable, client, clock):
    closed = QueueService.objects.create(center=bookable["center"], name="Khác")
    for service_id in (closed.pk, 999999):
        response = client.get(f"{API}/services/{service_id}/slots")
        assert response.status_code == 404 and error(response)["code"] == "service_not_found"
        response = create(client, {**body(bookable["civil"]), "service": service_id})
        assert response.status_code == 404 and error(response)["code"] == "service_not_found"
    assert client.get(f"{API}/services/abc/slots").status_code == 400


# ---------------------------------------------------------------------------------------------
# Creating a booking


def test_create_a_booking(bookable, client, clock):
    response = create(client, body(bookable["civil"]))
    assert response.status_code == 201, response.content
    answer = response.json()
    made = Booking.objects.get()
    assert answer["code"] == made.code
    assert answer["state"] == {"code": "booked", "label": "Đã đặt"}
    assert answer["service"]["id"] == bookable["civil"].pk
    assert answer["center"]["address"] == "01 Trần Phú, phường Quy Nhơn"
    assert answer["day"] == "2026-03-03"
    assert (answer["slot_start"], answer["slot_end"]) == (
        "2026-03-03T07:30:00+07:00",
        "2026-03-03T08:00:00+07:00",
    )
    assert (answer["check_in_from"], answer["check_in_until"]) == (
        "2026-03-03T07:00:00+07:00",
        "2026-03-03T07:45:00+07:00",
    )
    assert answer["name_masked"] == "T*** V** B***" and answer["phone_masked"] == "*******678"
    assert answer["ticket"] is None
    assert answer["confirmation_url"] == (
        f"http://testserver/xep-hang/dat-lich/xac-nhan/{made.code}/?t={booking.token_for(made)}"
    )
    assert BINH["identity_number"] not in response.content.decode()
    assert Notification.objects.filter(key=f"booking:{made.pk}:sms").exists()
    # The same moment in UTC is the same slot.
    utc = create(client, body(bookable["civil"], "2026-03-03T00:30:00Z", **HOA))
    assert utc.status_code == 201 and utc.json()["slot_start"] == "2026-03-03T07:30:00+07:00"


def test_invalid_fields_are_422(bookable, client, clock):
    one = create(client, body(bookable["civil"], identity_number="1234"))
    assert one.status_code == 422
    assert error(one)["code"] == "identity_invalid"
    assert error(one)["details"][0]["field"] == "booking.identity_number"
    three = create(client, body(bookable["civil"], full_name="", identity_number="1", phone="2"))
    assert three.status_code == 422 and error(three)["code"] == "validation_error"
    assert {(d["field"], d["type"]) for d in error(three)["details"]} == {
        ("booking.full_name", "name_invalid"),
        ("booking.identity_number", "identity_invalid"),
        ("booking.phone", "phone_invalid"),
    }
    for slot in [
        "2026-03-03T07:31:00+07:00",
        "2026-03-07T07:30:00+07:00",
        "2026-03-20T07:30:00+07:00",
    ]:
        response = create(client, body(bookable["civil"], slot))
        assert response.status_code == 422 and error(response)["code"] == "slot_unavailable"
        assert error(response)["details"][0]["field"] == "booking.slot_start"
    missing = create(client, {"service": bookable["civil"].pk})
    assert missing.status_code == 422 and error(missing)["code"] == "validation_error"
    malformed = create(client, body(bookable["civil"], "tomorrow"))
    assert malformed.status_code == 422
    assert not Booking.objects.exists()


def test_refusals_of_state_are_409(bookable, client, clock):
    service = bookable["civil"]
    assert create(client, body(service, **HOA)).status_code == 201
    assert create(client, body(service)).status_code == 201
    again = create(client, body(service))
    assert again.status_code == 409 and error(again)["code"] == "already_booked"
    full = create(client, body(service, **person(3)))
    assert full.status_code == 409 and error(full)["code"] == "slot_full"
    assert "hết chỗ" in error(full)["message"]
    assert create(client, body(bookable["land"], "2026-03-03T09:00:00+07:00")).status_code == 201
    over = create(client, body(service, "2026-03-03T10:00:00+07:00"))
    assert over.status_code == 409 and error(over)["code"] == "person_limit"
    assert Booking.objects.count() == 3


def test_idempotency_key(bookable, client, clock):
    key = {"Idempotency-Key": "1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed"}
    first = create(client, body(bookable["civil"]), **key)
    replay = create(client, body(bookable["civil"]), **key)
    assert (first.status_code, replay.status_code) == (201, 200)
    assert replay.json() == first.json() and Booking.objects.count() == 1
    other = create(client, body(bookable["civil"], "2026-03-03T08:00:00+07:00"), **key)
    assert other.status_code == 422 and error(other)["code"] == "idempotency_key_reused"
    # A refused request leaves the key free for the corrected one.
    fresh = {"Idempotency-Key": "second"}
    refused = create(
        client,
        body(bookable["civil"], "2026-03-03T08:00:00+07:00", **{**HOA, "phone": "1"}),
        **fresh,
    )
    assert refused.status_code == 422
    full_later = create(
        client, body(bookable["civil"], "2026-03-03T08:00:00+07:00", **HOA), **fresh
    )
    assert full_later.status_code == 201
    bad = create(client, body(bookable["civil"]), **{"Idempotency-Key": "x" * 101})
    assert bad.status_code == 400 and error(bad)["code"] == "invalid_parameter"


def test_creating_is_rate_limited(bookable, client, clock, settings):
    settings.MOTCUA_RATE_LIMITS = {"booking": (1, 60)}
    assert create(client, body(bookable["civil"])).status_code == 201
    throttled = create(client, body(bookable["civil"], **HOA))
    assert throttled.status_code == 429 and error(throttled)["code"] == "throttled"
    assert int(throttled["Retry-After"]) >= 1
    assert Booking.objects.count() == 1


# ---------------------------------------------------------------------------------------------
# Reading and cancelling


def test_read_a_booking(bookable, client, clock, django_assert_max_num_queries):
    made = book(bookable, at(3, 3, 7, 30))
    with django_assert_max_num_queries(2):
        response = client.get(f"{API}/bookings/{made.code.lower()}", headers=identity())
    assert response.status_code == 200
    assert response.json()["code"] == made.code and response.json()["state"]["code"] == "booked"
    wrong = client.get(f"{API}/bookings/{made.code}", headers=identity(HOA["identity_number"]))
    unknown = client.get(f"{API}/bookings/ZZZZZZZZ", headers=identity())
    for response in (wrong, unknown):
        assert response.status_code == 404 and error(response)["code"] == "booking_not_found"
    missing = client.get(f"{API}/bookings/{made.code}")
    malformed = client.get(f"{API}/bookings/{made.code}", headers=identity("12"))
    for response in (missing, malformed):
        assert response.status_code == 400 and error(response)["code"] == "invalid_parameter"
        assert error(response)["details"][0]["field"] == "X-Identity-Number"


def test_cancel_a_booking(bookable, client, clock):
    made = book(bookable, at(3, 3, 7, 30))
    response = client.post(f"{API}/bookings/{made.code}/cancel", headers=identity())
    assert response.status_code == 200 and response.json()["state"]["code"] == "cancelled"
    made.refresh_from_db()
    assert made.state == BookingState.CANCELLED
    again = client.post(f"{API}/bookings/{made.code}/cancel", headers=identity())
    assert again.status_code == 200 and again.json()["state"]["code"] == "cancelled"
    stranger = client.post(
        f"{API}/bookings/{made.code}/cancel", headers=identity(HOA["identity_number"])
    )
    assert stranger.status_code == 404


def test_a_checked_in_booking_cannot_be_cancelled(bookable, client, clock):
    made = book(bookable, at(3, 2, 7, 30))
    ticket = booking.check_in(center=bookable["center"], entry=made.code, at=at(3, 2, 7, 10))
    read = client.get(f"{API}/bookings/{made.code}", headers=identity()).json()
    assert read["state"]["code"] == "checked_in"
    assert read["ticket"]["number"] == ticket.number
    assert read["ticket"]["url"].endswith(f"/xep-hang/so/{tickets.token_for(ticket)}/")
    response = client.post(f"{API}/bookings/{made.code}/cancel", headers=identity())
    assert response.status_code == 409 and error(response)["code"] == "booking_closed"
    assert error(response)["details"][0] == {
        "location": None,
        "field": "state",
        "type": "current_state",
        "message": "Đã đến",
    }


def test_reading_is_rate_limited(bookable, client, clock, settings):
    settings.MOTCUA_RATE_LIMITS = {"lookup": (2, 60)}
    made = book(bookable, at(3, 3, 7, 30))
    assert client.get(f"{API}/bookings/AAAAAAAA", headers=identity()).status_code == 404
    assert client.get(f"{API}/bookings/{made.code}", headers=identity()).status_code == 200
    throttled = client.post(f"{API}/bookings/{made.code}/cancel", headers=identity())
    assert throttled.status_code == 429 and error(throttled)["code"] == "throttled"
    made.refresh_from_db()
    assert made.state == BookingState.BOOKED


# ---------------------------------------------------------------------------------------------
# Ticket status


def test_ticket_status_by_its_signed_token(bookable, client, clock, settings):
    center, civil = bookable["center"], bookable["civil"]
    first = services.issue_ticket(center=center, service=civil, at=at(3, 2, 7, 30))
    second = services.issue_ticket(center=center, service=civil, at=at(3, 2, 7, 31))
    response = client.get(f"{API}/tickets/{tickets.token_for(second)}")
    assert response.status_code == 200
    assert response.json() == {
        "number": second.number,
        "service": "Hộ tịch",
        "state": "waiting",
        "state_label": "Đang chờ",
        "ahead": 1,
        "counter": None,
        "serving_now": [],
    }
    services.open_counter(actor=bookable["lan"], counter=bookable["one"], at=at(3, 2, 7, 32))
    services.call_next(actor=bookable["lan"], at=at(3, 2, 7, 33))
    called = client.get(f"{API}/tickets/{tickets.token_for(first)}").json()
    assert called["state"] == "called" and called["counter"] == 1
    assert called["serving_now"] == [first.number]
    settings.MOTCUA_RATE_LIMITS = {"lookup": (2, 60)}
    forged = f"{second.pk - 1}:{tickets.token_for(second).split(':')[1]}"
    for _attempt in range(2):
        response = client.get(f"{API}/tickets/{forged}")
        assert response.status_code == 404 and error(response)["code"] == "ticket_not_found"
    assert client.get(f"{API}/tickets/{forged}").status_code == 429
    # A phone polling a real token is never throttled.
    for _attempt in range(5):
        assert client.get(f"{API}/tickets/{tickets.token_for(second)}").status_code == 200


def test_the_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in [
        "/api/v1/queue/centers",
        "/api/v1/queue/services/{service_id}/slots",
        "/api/v1/queue/bookings",
        "/api/v1/queue/bookings/{code}",
        "/api/v1/queue/bookings/{code}/cancel",
        "/api/v1/queue/tickets/{token}",
    ]:
        assert path in paths
    assert "security" not in paths["/api/v1/queue/bookings"]["post"]


@pytest.mark.parametrize(
    "slot", ["2026-03-03T07:30:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"]
)
def test_a_slot_without_zone_is_local_and_one_out_of_range_is_refused(
    bookable, client, clock, slot
):
    response = create(client, body(bookable["civil"], slot))
    if slot == "2026-03-03T07:30:00":
        assert response.status_code == 201
        assert response.json()["slot_start"] == "2026-03-03T07:30:00+07:00"
    else:
        assert response.status_code == 422, response.content
        assert error(response)["code"] == "slot_unavailable"
