"""Online booking: slots cut from the center's working hours, capacity, the per-person limit,
cancellation, check-in at the kiosk, the release of no-shows (services), and the citizen's
pages under /xep-hang/dat-lich/.

The default calendar (no schedule of the center's own): 07:30–11:30 and 13:00–17:00, Monday to
Friday, the public holidays off (30/04 and 01/05; in 2026 Monday 27/04 too, for the Hùng
Kings' day falling on a Sunday)."""

from __future__ import annotations

import datetime as dt
import re
import threading
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from motcua.notifications.models import Notification
from motcua.queueing import booking, services
from motcua.queueing.models import (
    Booking,
    BookingState,
    QueueService,
    TicketSource,
)
from motcua.queueing.services import QueueError
from tests import factories

VN = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db

BINH = {"full_name": "Trần Văn Bình", "identity_number": "052090001234", "phone": "0912345678"}
HOA = {"full_name": "Lê Thị Hoa", "identity_number": "052190004321", "phone": "0987654321"}


def at(month: int, day: int, hour: int = 7, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=VN)


# Monday 2 March 2026, 07:00: before opening.
DAWN = at(3, 2, 7, 0)


def open_for_booking(floor):
    """Hộ tịch takes 2 bookings per 30-minute slot, Đất đai 1 per 45-minute slot."""
    floor["civil"].booking_capacity, floor["civil"].slot_minutes = 2, 30
    floor["civil"].save()
    floor["land"].booking_capacity, floor["land"].slot_minutes = 1, 45
    floor["land"].save()
    floor["center"].address = "01 Trần Phú, phường Quy Nhơn"
    floor["center"].save()
    return floor


@pytest.fixture
def bookable(floor):
    return open_for_booking(floor)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    # Rate-limit counters live in the cache.
    cache.clear()
    yield
    cache.clear()


def book(floor, slot: dt.datetime, person=BINH, service="civil", now=DAWN) -> Booking:
    return booking.book(service=floor[service], slot_start=slot, at=now, **person)


def person(n: int) -> dict[str, str]:
    return {
        "full_name": f"Người số {n}",
        "identity_number": f"0520900{n:05d}",
        "phone": "0912000111",
    }


def starts(slots: list[booking.Slot]) -> list[str]:
    return [timezone.localtime(s.start).strftime("%H:%M") for s in slots]


# ---------------------------------------------------------------------------------------------
# Days and slots


def test_days_are_the_working_days_of_today_and_the_next_six(bookable):
    center = bookable["center"]
    assert booking.booking_days(center, DAWN) == [dt.date(2026, 3, d) for d in (2, 3, 4, 5, 6)]
    friday = at(3, 6, 12)
    assert booking.booking_days(center, friday) == [
        dt.date(2026, 3, 6),
        dt.date(2026, 3, 9),
        dt.date(2026, 3, 10),
        dt.date(2026, 3, 11),
        dt.date(2026, 3, 12),
    ]
    # Tuesday 28/04: 30/04 and 01/05 are holidays, 02–03/05 the weekend.
    assert booking.booking_days(center, at(4, 28, 9)) == [
        dt.date(2026, 4, 28),
        dt.date(2026, 4, 29),
        dt.date(2026, 5, 4),
    ]
    assert booking.slots(bookable["civil"], dt.date(2026, 4, 30), at(4, 28, 9)) == []


def test_slots_are_cut_from_the_working_sessions(bookable):
    monday = dt.date(2026, 3, 2)
    civil = booking.slots(bookable["civil"], monday, DAWN)
    assert starts(civil) == [
        "07:30", "08:00", "08:30", "09:00", "09:30", "10:00", "10:30", "11:00",
        "13:00", "13:30", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30",
    ]  # fmt: skip
    assert {s.free for s in civil} == {2}
    assert civil[7].end == at(3, 2, 11, 30) and civil[-1].end == at(3, 2, 17, 0)
    # 45 minutes: a slot never runs into the lunch break or past closing time.
    land = booking.slots(bookable["land"], monday, DAWN)
    assert starts(land) == [
        "07:30", "08:15", "09:00", "09:45", "10:30", "13:00", "13:45", "14:30", "15:15", "16:00",
    ]  # fmt: skip
    assert land[4].end == at(3, 2, 11, 15) and land[-1].end == at(3, 2, 16, 45)
    assert civil[0].key == "2026-03-02T07:30"
    assert booking.slot_from_key("2026-03-02T07:30") == civil[0].start


def test_slots_already_begun_are_not_offered(bookable):
    monday = dt.date(2026, 3, 2)
    assert starts(booking.slots(bookable["civil"], monday, at(3, 2, 9, 10)))[0] == "09:30"
    assert starts(booking.slots(bookable["civil"], monday, at(3, 2, 9, 30)))[0] == "10:00"
    assert booking.slots(bookable["civil"], monday, at(3, 2, 16, 45)) == []
    plan = booking.plan(bookable["civil"], at(3, 2, 16, 45))
    assert plan[0].day == monday and plan[0].slots == [] and plan[0].free == 0
    assert len(plan[1].slots) == 16
    with pytest.raises(QueueError) as begun:
        book(bookable, at(3, 2, 9, 0), now=at(3, 2, 9, 10))
    assert begun.value.code == "slot_unavailable"


def test_slots_not_offered_are_refused(bookable):
    for slot in [
        at(3, 3, 7, 31),  # not a slot start
        at(3, 3, 12, 0),  # lunch
        at(3, 3, 17, 0),  # closing
        at(3, 7, 7, 30),  # Saturday
        at(3, 10, 7, 30),  # beyond the window
        at(3, 1, 7, 30),  # yesterday
    ]:
        with pytest.raises(QueueError) as refused:
            book(bookable, slot)
        assert refused.value.code == "slot_unavailable", slot
    closed = QueueService.objects.create(center=bookable["center"], name="Khác")
    assert booking.slots(closed, dt.date(2026, 3, 3), DAWN) == []
    with pytest.raises(QueueError) as refused:
        booking.book(service=closed, slot_start=at(3, 3, 7, 30), at=DAWN, **BINH)
    assert refused.value.code == "service_unavailable"


# ---------------------------------------------------------------------------------------------
# Booking


def test_capacity_of_a_slot(bookable):
    slot = at(3, 3, 7, 30)
    book(bookable, slot, BINH)
    assert booking.slots(bookable["civil"], slot.date(), DAWN)[0].free == 1
    book(bookable, slot, HOA)
    first, second = booking.slots(bookable["civil"], slot.date(), DAWN)[:2]
    assert (first.free, first.full, second.free) == (0, True, 2)
    with pytest.raises(QueueError) as full:
        book(bookable, slot, person(3))
    assert full.value.code == "slot_full"
    assert [d.free for d in booking.plan(bookable["civil"], DAWN)] == [32, 30, 32, 32, 32]


def test_two_bookings_per_person_and_day_across_services(bookable):
    tuesday = dt.date(2026, 3, 3)
    book(bookable, at(3, 3, 8, 0), BINH)
    with pytest.raises(QueueError) as twice:
        book(bookable, at(3, 3, 8, 0), BINH)
    assert twice.value.code == "already_booked"
    second = book(bookable, at(3, 3, 9, 0), BINH, service="land")
    with pytest.raises(QueueError) as limit:
        book(bookable, at(3, 3, 10, 0), {**BINH, "phone": "0900000000"})
    assert limit.value.code == "person_limit"
    assert "tối đa 2 lịch hẹn" in limit.value.messages[0]
    book(bookable, at(3, 4, 10, 0), BINH)  # another day
    book(bookable, at(3, 3, 10, 0), HOA)  # another person
    booking.cancel(booking=second, at=DAWN)
    book(bookable, at(3, 3, 10, 0), BINH)  # a cancelled booking no longer counts
    assert Booking.objects.filter(identity_number=BINH["identity_number"], day=tuesday).count() == 3


def test_cancelling_frees_the_place(bookable):
    slot = at(3, 3, 7, 30)
    mine, _other = book(bookable, slot, BINH), book(bookable, slot, HOA)
    version = services.floor_version(bookable["center"].pk)
    cancelled = booking.cancel(booking=mine, at=DAWN)
    assert cancelled.state == BookingState.CANCELLED and cancelled.closed_at == DAWN
    assert booking.slots(bookable["civil"], slot.date(), DAWN)[0].free == 1
    assert services.floor_version(bookable["center"].pk) == version + 1
    book(bookable, slot, person(3))
    with pytest.raises(QueueError) as again:
        booking.cancel(booking=mine, at=DAWN)
    assert again.value.code == "booking_closed"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"full_name": "   "}, "name_invalid"),
        ({"full_name": "x" * 201}, "name_invalid"),
        ({"identity_number": "05209000123"}, "identity_invalid"),
        ({"identity_number": "05209000123A"}, "identity_invalid"),
        ({"phone": "091234567"}, "phone_invalid"),
        ({"phone": "1912345678"}, "phone_invalid"),
    ],
)
def test_the_persons_details_are_checked(bookable, change, code):
    with pytest.raises(QueueError) as refused:
        book(bookable, at(3, 3, 7, 30), {**BINH, **change})
    assert refused.value.code == code
    assert not Booking.objects.exists()


def test_details_are_tidied_and_confirmed_by_sms(bookable):
    made = book(
        bookable,
        at(3, 3, 7, 30),
        {
            "full_name": "  Trần   Văn Bình ",
            "identity_number": "0520 9000 1234",
            "phone": "+84 912.345.678",
        },
    )
    assert (made.full_name, made.identity_number, made.phone) == (
        "Trần Văn Bình",
        "052090001234",
        "+84912345678",
    )
    assert re.fullmatch(r"[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}", made.code)
    assert (made.day, made.slot_start, made.slot_end) == (
        dt.date(2026, 3, 3),
        at(3, 3, 7, 30),
        at(3, 3, 8, 0),
    )
    sms = Notification.objects.get(key=f"booking:{made.pk}:sms")
    assert sms.channel == "sms" and sms.recipient == "+84912345678"
    assert made.code in sms.body and "07:30 03/03/2026" in sms.body and "Hộ tịch" in sms.body
    assert "30 phút trước giờ hẹn" in sms.body


def test_all_problems_of_the_details_at_once(bookable):
    problems = booking.person_problems("", "123", "abc")
    assert {f: p.code for f, p in problems.items()} == {
        "full_name": "name_invalid",
        "identity_number": "identity_invalid",
        "phone": "phone_invalid",
    }
    assert booking.person_problems(**BINH) == {}


def test_find_needs_the_code_and_the_identity_number(bookable):
    made = book(bookable, at(3, 3, 7, 30))
    assert booking.find(made.code.lower(), "0520 9000 1234") == made
    for code, identity in [
        (made.code, HOA["identity_number"]),
        ("AAAAAAAA", BINH["identity_number"]),
    ]:
        with pytest.raises(QueueError) as unknown:
            booking.find(code, identity)
        assert unknown.value.code == "booking_unknown"
    token = booking.token_for(made)
    assert booking.booking_for_token(made.code, token) == made
    assert booking.booking_for_token(made.code, token[:-1] + "x") is None
    assert booking.booking_for_token(made.code, "") is None


# ---------------------------------------------------------------------------------------------
# Arrival


def test_check_in_window_too_early_in_time_too_late(bookable):
    center = bookable["center"]
    made = book(bookable, at(3, 2, 7, 30), now=at(3, 2, 6, 0))
    with pytest.raises(QueueError) as early:
        booking.check_in(center=center, entry=made.code, at=at(3, 2, 6, 59))
    assert early.value.code == "too_early" and "từ 07:00" in early.value.messages[0]
    ticket = booking.check_in(center=center, entry=made.code.lower(), at=at(3, 2, 7, 0))
    assert ticket.source == TicketSource.BOOKING and ticket.queue_at == at(3, 2, 7, 30)
    made.refresh_from_db()
    assert made.state == BookingState.CHECKED_IN and made.ticket == ticket
    with pytest.raises(QueueError) as used:
        booking.check_in(center=center, entry=made.code, at=at(3, 2, 7, 5))
    assert used.value.code == "booking_closed"

    late = book(bookable, at(3, 2, 8, 0), HOA, now=at(3, 2, 6, 0))
    assert booking.check_in(center=center, entry=late.code, at=at(3, 2, 8, 15)).number
    last = book(bookable, at(3, 2, 9, 0), person(3), now=at(3, 2, 6, 0))
    with pytest.raises(QueueError) as too_late:
        booking.check_in(center=center, entry=last.code, at=at(3, 2, 9, 16))
    assert too_late.value.code == "too_late"


def test_a_booked_ticket_goes_ahead_of_walk_ins_who_came_after_its_slot(bookable):
    center, lan = bookable["center"], bookable["lan"]
    made = book(bookable, at(3, 2, 7, 30), now=at(3, 2, 6, 0))
    before = services.issue_ticket(center=center, service=bookable["civil"], at=at(3, 2, 7, 20))
    after = services.issue_ticket(center=center, service=bookable["civil"], at=at(3, 2, 7, 35))
    booked = booking.check_in(center=center, entry=made.code, at=at(3, 2, 7, 40))
    assert booked.number == after.number + 1
    services.open_counter(actor=lan, counter=bookable["one"], at=at(3, 2, 7, 30))
    order = []
    for minute in (41, 42, 43):
        called = services.call_next(actor=lan, at=at(3, 2, 7, minute))
        assert called is not None
        order.append(called)
        services.start_serving(actor=lan, ticket=called, at=at(3, 2, 7, minute))
        services.finish_serving(actor=lan, ticket=called, at=at(3, 2, 7, minute))
    assert order == [before, booked, after]


def test_check_in_by_identity_number(bookable):
    center = bookable["center"]
    first = book(bookable, at(3, 2, 7, 30), now=at(3, 2, 6, 0))
    second = book(bookable, at(3, 2, 9, 0), service="land", now=at(3, 2, 6, 0))
    ticket = booking.check_in(center=center, entry="0520 9000 1234", at=at(3, 2, 7, 25))
    first.refresh_from_db()
    assert first.ticket == ticket and ticket.service == bookable["civil"]
    with pytest.raises(QueueError) as early:
        booking.check_in(center=center, entry=BINH["identity_number"], at=at(3, 2, 7, 26))
    assert early.value.code == "too_early" and "09:00" in early.value.messages[0]
    ticket = booking.check_in(center=center, entry=BINH["identity_number"], at=at(3, 2, 8, 45))
    second.refresh_from_db()
    assert second.ticket == ticket and ticket.service == bookable["land"]
    other = factories.center(factories.unit("UBND xã Ia Grai"))
    with pytest.raises(QueueError) as elsewhere:
        booking.check_in(center=other, entry=HOA["identity_number"], at=at(3, 2, 8, 45))
    assert elsewhere.value.code == "booking_unknown"
    with pytest.raises(QueueError) as unknown:
        booking.check_in(center=center, entry="ZZZZZZZZ", at=at(3, 2, 8, 45))
    assert unknown.value.code == "booking_unknown"


def test_release_no_shows_releases_only_late_bookings_once(bookable):
    center = bookable["center"]
    late = book(bookable, at(3, 2, 7, 30), now=at(3, 2, 6, 0))
    on_time = book(bookable, at(3, 2, 7, 30), HOA, now=at(3, 2, 6, 0))
    booking.check_in(center=center, entry=on_time.code, at=at(3, 2, 7, 20))
    cancelled = book(bookable, at(3, 2, 7, 30), person(3), service="land", now=at(3, 2, 6, 0))
    booking.cancel(booking=cancelled, at=at(3, 2, 6, 30))
    later = book(bookable, at(3, 2, 8, 0), person(4), now=at(3, 2, 6, 0))
    version = services.floor_version(center.pk)
    assert booking.release_no_shows(at(3, 2, 7, 45)) == 0  # exactly the grace: not yet
    assert booking.release_no_shows(at(3, 2, 7, 46)) == 1
    assert booking.release_no_shows(at(3, 2, 7, 47)) == 0
    states = dict(Booking.objects.values_list("pk", "state"))
    assert states == {
        late.pk: BookingState.NO_SHOW,
        on_time.pk: BookingState.CHECKED_IN,
        cancelled.pk: BookingState.CANCELLED,
        later.pk: BookingState.BOOKED,
    }
    late.refresh_from_db()
    assert late.closed_at == at(3, 2, 7, 46)
    assert services.floor_version(center.pk) == version + 1
    with pytest.raises(QueueError) as released:
        booking.check_in(center=center, entry=late.code, at=at(3, 2, 7, 47))
    assert released.value.code == "booking_closed"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_citizens_booking_the_last_places_at_once_never_exceed_the_capacity(bookable):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers")
    slot = at(3, 3, 7, 30)
    service = bookable["civil"]
    service.booking_capacity = 3
    service.save()
    book(bookable, slot, person(1))  # two places left
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    made: list[str] = []
    refused: list[str] = []
    errors: list[BaseException] = []

    def citizen(n: int) -> None:
        try:
            barrier.wait()
            made.append(book(bookable, slot, person(100 + n)).code)
        except QueueError as refusal:
            refused.append(refusal.code or "")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=citizen, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(made) == 2 and refused == ["slot_full"] * 6
    assert Booking.objects.filter(slot_start=slot, service=service).count() == 3


# ---------------------------------------------------------------------------------------------
# Pages


def freeze(monkeypatch) -> dict[str, dt.datetime]:
    """The pages read ``timezone.now``: Monday 2 March 2026 07:00, before opening (the test
    moves ``["now"]`` to change it)."""
    moment = {"now": DAWN}
    monkeypatch.setattr(timezone, "now", lambda: moment["now"].astimezone(dt.UTC))
    return moment


@pytest.fixture
def clock(monkeypatch):
    return freeze(monkeypatch)


START = "/xep-hang/dat-lich/"
LOOKUP = "/xep-hang/dat-lich/tra-cuu/"


def slots_url(service: QueueService) -> str:
    return f"/xep-hang/dat-lich/{service.pk}/"


def form_url(service: QueueService) -> str:
    return f"/xep-hang/dat-lich/{service.pk}/dang-ky/"


def post_booking(client, service, key, **changes):
    return client.post(form_url(service), {"gio": key, **BINH, **changes})


def test_start_lists_centers_and_services_taking_bookings(
    bookable, client, clock, django_assert_max_num_queries
):
    other = factories.center(factories.unit("UBND xã Ia Grai"), name="Trung tâm xã Ia Grai")
    QueueService.objects.create(center=other, name="Chứng thực", booking_capacity=0)
    QueueService.objects.create(
        center=bookable["center"], name="Tạm ngưng", booking_capacity=3, is_active=False
    )
    with django_assert_max_num_queries(3):
        page = client.get(START)
    text = page.content.decode()
    assert page.status_code == 200
    # One center takes bookings: its services are shown at once.
    assert "Trung tâm phường Quy Nhơn" in text and "Ia Grai" not in text
    assert "Hộ tịch" in text and "Đất đai" in text and "Tạm ngưng" not in text
    assert f'href="{slots_url(bookable["civil"])}"' in text
    assert "01 Trần Phú" in text
    unknown = client.get(f"{START}?trung_tam=99999")
    assert (
        unknown.status_code == 400 and 'data-problem="center_unknown"' in unknown.content.decode()
    )


def test_start_with_several_centers_asks_which(bookable, client, clock):
    other = factories.center(factories.unit("UBND xã Ia Grai"), name="Trung tâm xã Ia Grai")
    QueueService.objects.create(center=other, name="Chứng thực", booking_capacity=3)
    text = client.get(START).content.decode()
    assert '<select id="booking-center"' in text and "Trung tâm xã Ia Grai" in text
    assert "Chứng thực" not in text
    chosen = client.get(f"{START}?trung_tam={other.pk}").content.decode()
    assert "Chứng thực" in chosen and "Hộ tịch" not in chosen


def test_slots_page_shows_days_and_slots_with_places_left(
    bookable, client, clock, django_assert_max_num_queries
):
    book(bookable, at(3, 2, 7, 30), BINH)
    book(bookable, at(3, 2, 7, 30), HOA)
    with django_assert_max_num_queries(6):
        page = client.get(slots_url(bookable["civil"]))
    text = page.content.decode()
    assert page.status_code == 200
    assert text.count('data-testid="booking-day"') == 5
    assert "Hôm nay" in text and 'aria-current="date"' in text
    assert "Khung giờ Thứ Hai, 02/03/2026" in text
    full = re.search(r'value="2026-03-02T07:30"[^>]*>', text).group(0)
    assert "disabled" in full
    assert "Hết chỗ" in text and "Còn 2 chỗ" in text
    assert 'value="2026-03-02T08:00" data-testid' in text  # not disabled
    tuesday = client.get(f"{slots_url(bookable['civil'])}?ngay=2026-03-03").content.decode()
    assert "Khung giờ Thứ Ba, 03/03/2026" in tuesday and 'value="2026-03-03T07:30"' in tuesday


def test_a_day_with_no_slot_left_says_so(bookable, client, clock):
    clock["now"] = at(3, 2, 16, 40)
    text = client.get(f"{slots_url(bookable['civil'])}?ngay=2026-03-02").content.decode()
    assert 'data-testid="no-slot-left"' in text and "đã qua giờ làm việc" in text
    clock["now"] = DAWN
    land = bookable["land"]
    for n, slot in enumerate(booking.slots(land, dt.date(2026, 3, 3), DAWN)):
        book(bookable, slot.start, person(n), service="land")
    text = client.get(f"{slots_url(land)}?ngay=2026-03-03").content.decode()
    assert "Ngày này đã hết chỗ ở mọi khung giờ" in text
    assert text.count("disabled") == 10


@pytest.mark.parametrize(
    ("day", "problem"),
    [
        ("2026-03-07", "day_unavailable"),  # Saturday
        ("2026-03-20", "day_unavailable"),  # beyond the window
        ("2026-03-01", "day_unavailable"),  # yesterday
        ("03/03/2026", "day_invalid"),
        ("2026-02-30", "day_invalid"),
    ],
)
def test_a_day_outside_the_window_is_explained(bookable, client, clock, day, problem):
    page = client.get(f"{slots_url(bookable['civil'])}?ngay={day}")
    assert page.status_code == 400
    text = page.content.decode()
    assert f'data-problem="{problem}"' in text
    assert text.count('data-testid="booking-day"') == 5  # the days to choose from instead


def test_a_service_not_taking_bookings_is_a_404(bookable, client, clock):
    closed = QueueService.objects.create(center=bookable["center"], name="Khác")
    for url in [slots_url(closed), form_url(closed), "/xep-hang/dat-lich/999999/"]:
        page = client.get(url)
        assert page.status_code == 404
        assert "không nhận đặt lịch trực tuyến" in page.content.decode()


def test_the_form_shows_the_chosen_slot(bookable, client, clock):
    page = client.get(f"{form_url(bookable['civil'])}?gio=2026-03-03T08:00")
    text = page.content.decode()
    assert page.status_code == 200
    assert "08:00–08:30" in text and "Thứ Ba, 03/03/2026" in text
    for field_id in ("booking-full-name", "booking-identity", "booking-phone"):
        assert f'<label for="{field_id}">' in text
    assert 'type="tel"' in text and 'inputmode="numeric"' in text


@pytest.mark.parametrize(
    "key",
    ["2026-03-03T07:31", "2026-03-07T07:30", "2026-03-20T07:30", "2026-03-02T06:30", "garbage", ""],
)
def test_a_tampered_slot_is_refused_clearly(bookable, client, clock, key):
    shown = client.get(f"{form_url(bookable['civil'])}?gio={key}")
    posted = post_booking(client, bookable["civil"], key)
    for page in (shown, posted):
        assert page.status_code == 400
        assert 'data-problem="slot_unavailable"' in page.content.decode()
    assert not Booking.objects.exists()


def test_booking_good_path(bookable, client, clock, django_assert_max_num_queries):
    response = post_booking(client, bookable["civil"], "2026-03-03T07:30")
    made = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == (
        f"/xep-hang/dat-lich/xac-nhan/{made.code}/?t={booking.token_for(made)}"
    )
    assert Notification.objects.filter(
        key=f"booking:{made.pk}:sms", recipient="0912345678"
    ).exists()
    with django_assert_max_num_queries(2):
        page = client.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert f'data-testid="booking-code">{made.code}<' in text
    assert '<svg role="img" aria-label="Mã QR của mã đặt lịch' in text
    assert "Trung tâm phường Quy Nhơn" in text and "01 Trần Phú" in text and "Hộ tịch" in text
    assert "Thứ Ba, 03/03/2026" in text and "07:30–08:00" in text
    assert "Nhập mã hoặc số CCCD tại máy lấy số từ 30 phút trước giờ hẹn đến 15 phút sau." in text
    assert "từ 07:00 đến 07:45" in text
    assert "T*** V** B***" in text and "*******678" in text
    assert BINH["identity_number"] not in text and "Trần Văn Bình" not in text
    assert "data-print" in text
    assert page["Cache-Control"].startswith("max-age=0")


def test_the_slip_needs_the_token(bookable, client, clock):
    made = book(bookable, at(3, 3, 7, 30))
    for query in ["", "?t=", f"?t={booking.token_for(made)}x"]:
        response = client.get(f"/xep-hang/dat-lich/xac-nhan/{made.code}/{query}")
        assert response.status_code == 302
        assert response["Location"] == f"{LOOKUP}?ma={made.code}"
    form = client.get(f"{LOOKUP}?ma={made.code}").content.decode()
    assert f'value="{made.code}"' in form and "T*** V** B***" not in form


def test_every_detail_wrong_at_once_is_marked_at_its_field(bookable, client, clock):
    response = post_booking(
        client,
        bookable["civil"],
        "2026-03-03T07:30",
        full_name=" ",
        identity_number="1234",
        phone="12",
    )
    assert response.status_code == 400
    text = response.content.decode()
    for field_id, message in [
        ("booking-full-name", "Hãy nhập họ và tên"),
        ("booking-identity", "gồm đúng 12 chữ số"),
        ("booking-phone", "Số điện thoại gồm 10 chữ số"),
    ]:
        assert re.search(rf'<p class="field-error" id="{field_id}-error">.*{message}', text)
        field = re.search(rf'<input id="{field_id}"[^>]*>', text).group(0)
        assert 'aria-invalid="true"' in field and f"{field_id}-error" in field
    assert 'value="1234"' in text and 'value="12"' in text  # what was typed stays
    assert not Booking.objects.exists()


def test_one_bad_detail_keeps_the_others(bookable, client, clock):
    response = post_booking(client, bookable["civil"], "2026-03-03T07:30", phone="091234")
    text = response.content.decode()
    assert response.status_code == 400
    assert 'value="Trần Văn Bình"' in text and 'value="052090001234"' in text
    assert 'id="booking-phone-error"' in text and 'id="booking-identity-error"' not in text


def test_person_limit_and_already_booked_on_the_form(bookable, client, clock):
    book(bookable, at(3, 3, 8, 0))
    again = post_booking(client, bookable["civil"], "2026-03-03T08:00")
    assert again.status_code == 409 and "Bạn đã đặt khung giờ này" in again.content.decode()
    book(bookable, at(3, 3, 9, 0), service="land")
    over = post_booking(client, bookable["civil"], "2026-03-03T10:00")
    text = over.content.decode()
    assert over.status_code == 409
    assert "Mỗi người được đặt tối đa 2 lịch hẹn trong một ngày." in text
    assert 'value="Trần Văn Bình"' in text
    assert Booking.objects.count() == 2


def test_a_slot_that_filled_meanwhile_sends_back_to_the_slots(bookable, client, clock):
    form = client.get(f"{form_url(bookable['civil'])}?gio=2026-03-03T07:30")
    assert form.status_code == 200
    book(bookable, at(3, 3, 7, 30), HOA)
    book(bookable, at(3, 3, 7, 30), person(3))
    response = post_booking(client, bookable["civil"], "2026-03-03T07:30")
    assert response.status_code == 302
    assert response["Location"] == f"{slots_url(bookable['civil'])}?ngay=2026-03-03"
    slots_page = client.get(response["Location"]).content.decode()
    assert "Khung giờ này đã hết chỗ, hãy chọn khung giờ khác." in slots_page
    # The name and phone typed wait for the next slot (not the identity number).
    next_form = client.get(f"{form_url(bookable['civil'])}?gio=2026-03-03T08:00").content.decode()
    assert 'value="Trần Văn Bình"' in next_form and 'value="0912345678"' in next_form
    assert BINH["identity_number"] not in next_form
    full = client.get(f"{form_url(bookable['civil'])}?gio=2026-03-03T07:30")
    assert full.status_code == 409 and 'data-problem="slot_full"' in full.content.decode()


def test_booking_posts_are_rate_limited(bookable, client, clock, settings):
    settings.MOTCUA_RATE_LIMITS = {"booking": (2, 60)}
    assert post_booking(client, bookable["civil"], "2026-03-03T07:30", phone="1").status_code == 400
    assert post_booking(client, bookable["civil"], "2026-03-03T07:30", phone="2").status_code == 400
    third = post_booking(client, bookable["civil"], "2026-03-03T07:30")
    assert third.status_code == 429 and int(third["Retry-After"]) >= 1
    assert "Bạn đã gửi nhiều lần" in third.content.decode()
    assert not Booking.objects.exists()


def test_lookup_shows_the_booking_and_cancels_it(
    bookable, client, clock, django_assert_max_num_queries
):
    made = book(bookable, at(3, 3, 7, 30))
    with django_assert_max_num_queries(3):
        page = client.post(LOOKUP, {"ma": made.code.lower(), "cccd": "0520 9000 1234"})
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="booking-state">Đã đặt<' in text and "Hủy lịch hẹn" in text
    assert "Thứ Ba, 03/03/2026" in text
    cancel = client.post(LOOKUP, {"ma": made.code, "cccd": BINH["identity_number"], "huy": "1"})
    assert cancel.status_code == 302
    assert (
        cancel["Location"]
        == f"/xep-hang/dat-lich/xac-nhan/{made.code}/?t={booking.token_for(made)}"
    )
    slip = client.get(cancel["Location"]).content.decode()
    assert f"Đã hủy lịch hẹn {made.code}." in slip
    assert 'data-testid="booking-state">Đã hủy<' in slip and "Khi đến trung tâm" not in slip
    made.refresh_from_db()
    assert made.state == BookingState.CANCELLED
    again = client.post(LOOKUP, {"ma": made.code, "cccd": BINH["identity_number"]}).content.decode()
    assert "Hủy lịch hẹn</button>" not in again


def test_lookup_refusals(bookable, client, clock, settings):
    made = book(bookable, at(3, 2, 7, 30))
    empty = client.post(LOOKUP, {"ma": "", "cccd": "12"})
    text = empty.content.decode()
    assert empty.status_code == 400
    assert 'id="lookup-code-error"' in text and 'id="lookup-identity-error"' in text
    wrong = client.post(LOOKUP, {"ma": made.code, "cccd": HOA["identity_number"]})
    assert wrong.status_code == 404
    assert (
        "Không tìm thấy lịch hẹn" in wrong.content.decode()
        and made.code + "<" not in wrong.content.decode()
    )
    booking.check_in(center=bookable["center"], entry=made.code, at=at(3, 2, 7, 10))
    used = client.post(LOOKUP, {"ma": made.code, "cccd": BINH["identity_number"], "huy": "1"})
    assert used.status_code == 409 and "không hủy được" in used.content.decode()
    shown = client.post(LOOKUP, {"ma": made.code, "cccd": BINH["identity_number"]}).content.decode()
    assert "Theo dõi số thứ tự của bạn" in shown and "/xep-hang/so/" in shown
    settings.MOTCUA_RATE_LIMITS = {"lookup": (1, 60)}
    cache.clear()
    client.post(LOOKUP, {"ma": made.code, "cccd": BINH["identity_number"]})
    throttled = client.post(LOOKUP, {"ma": made.code, "cccd": BINH["identity_number"]})
    assert throttled.status_code == 429 and "Retry-After" in throttled


def test_a_slot_that_began_while_typing_keeps_what_was_typed(bookable, client, clock):
    assert client.get(f"{form_url(bookable['civil'])}?gio=2026-03-02T07:30").status_code == 200
    clock["now"] = at(3, 2, 7, 40)  # the citizen took their time
    response = post_booking(client, bookable["civil"], "2026-03-02T07:30")
    assert response.status_code == 302
    assert response["Location"] == f"{slots_url(bookable['civil'])}?ngay=2026-03-02"
    page = client.get(response["Location"]).content.decode()
    assert "Khung giờ này đã bắt đầu, hãy chọn khung giờ khác." in page
    # The day tabs lead to the slot list, whatever page shows them.
    assert f'href="{slots_url(bookable["civil"])}?ngay=2026-03-03"' in page
    next_form = client.get(f"{form_url(bookable['civil'])}?gio=2026-03-02T08:00").content.decode()
    assert 'value="Trần Văn Bình"' in next_form
    assert not Booking.objects.exists()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_one_person_booking_at_three_centers_at_once_keeps_the_daily_limit(floor):
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers")
    services_ = []
    for n in range(3):
        center = factories.center(factories.unit(f"UBND xã số {n}"), name=f"Trung tâm {n}")
        services_.append(
            QueueService.objects.create(center=center, name="Hộ tịch", booking_capacity=5)
        )
    barrier = threading.Barrier(3)
    outcomes: list[object] = []

    def take(service):
        try:
            barrier.wait()
            outcomes.append(
                booking.book(service=service, slot_start=at(3, 3, 7, 30), at=DAWN, **BINH)
            )
        except QueueError as refused:
            outcomes.append(refused.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(s,)) for s in services_]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(o for o in outcomes if isinstance(o, str)) == ["person_limit"]
    assert Booking.objects.filter(identity_number=BINH["identity_number"]).count() == 2
