"""Online booking of a queue slot: a time slot today or in the next six days (working time of
the center's calendar), a limit of bookings per person per day, check-in at the kiosk on
arrival (the ticket's place in the queue is the slot's start) and the release of no-shows.

A service takes bookings when it is active, its center is active and its ``booking_capacity``
(bookings per slot) is above zero; its slots are its ``slot_minutes`` long, cut from the
center's working sessions (a slot never straddles the lunch break or the closing time).

Refusals are :class:`~motcua.queueing.services.QueueError` with a machine-readable ``code``:
``service_unavailable``, ``slot_unavailable``, ``already_booked``, ``slot_full``,
``person_limit``, ``name_invalid``, ``identity_invalid``, ``phone_invalid`` (booking);
``booking_unknown``, ``booking_closed`` (finding, cancelling, checking in); ``too_early``,
``too_late`` (checking in).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NoReturn

from django.core import signing
from django.db import transaction
from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import override

from motcua.core.calendar import WorkingCalendar, calendar_for, format_moment_short
from motcua.organization.models import Center

from . import rules
from .models import Booking, BookingState, QueueService, Ticket, TicketSource
from .services import QueueError, issue_ticket, touch_floor

# Codes avoid letters and digits that read alike (0/O, 1/I/L).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
IDENTITY_RE = re.compile(r"^\d{12}$")
PHONE_RE = re.compile(r"^(0|\+84)\d{9}$")
# People copy numbers as "0520 9000 1234" or "0912.345.678".
_SEPARATORS = re.compile(r"[\s.\-]")
HOLDING = (BookingState.BOOKED, BookingState.CHECKED_IN)
SLOT_KEY_FORMAT = "%Y-%m-%dT%H:%M"
TOKEN_SALT = "motcua.queueing.booking"


@dataclass(frozen=True)
class Slot:
    start: dt.datetime
    end: dt.datetime
    free: int

    @property
    def key(self) -> str:
        """The slot in a form field or a URL: its local start, ``2026-03-02T07:30``."""
        return timezone.localtime(self.start).strftime(SLOT_KEY_FORMAT)

    @property
    def full(self) -> bool:
        return self.free == 0


@dataclass(frozen=True)
class BookingDay:
    """A day of the booking window with its slots not yet begun."""

    day: dt.date
    slots: list[Slot]

    @property
    def free(self) -> int:
        return sum(slot.free for slot in self.slots)


def _now(at: dt.datetime | None) -> dt.datetime:
    return timezone.localtime(at or timezone.now())


# ---------------------------------------------------------------------------------------------
# Who takes bookings


def bookable_services() -> QuerySet[QueueService]:
    """Active services of active centers that take bookings."""
    return QueueService.objects.filter(
        is_active=True, booking_capacity__gt=0, center__is_active=True
    ).select_related("center")


def bookable_service(service_id: int) -> QueueService | None:
    return bookable_services().filter(pk=service_id).first()


def centers_taking_bookings() -> QuerySet[Center]:
    """Centers with at least one service taking bookings; each has ``bookable`` (its services
    taking bookings, in the kiosk's order). Two queries."""
    services = QueueService.objects.filter(is_active=True, booking_capacity__gt=0)
    return (
        Center.objects.filter(is_active=True, queue_services__in=services)
        .distinct()
        .order_by("name", "pk")
        .prefetch_related(Prefetch("queue_services", queryset=services, to_attr="bookable"))
    )


def checks_in_today(center: Center, at: dt.datetime | None = None) -> bool:
    """Whether the center's kiosk offers booking check-in: a service takes bookings, or
    bookings of today are still open (the service may have stopped taking new ones)."""
    return (
        bookable_services().filter(center=center).exists()
        or Booking.objects.filter(
            center=center, day=_now(at).date(), state=BookingState.BOOKED
        ).exists()
    )


def takes_bookings(service: QueueService) -> bool:
    return service.is_active and service.booking_capacity > 0 and service.center.is_active


# ---------------------------------------------------------------------------------------------
# Days and slots


def booking_days(
    center: Center, at: dt.datetime | None = None, *, calendar: WorkingCalendar | None = None
) -> list[dt.date]:
    """The working days a citizen may book: today and the next ``BOOKING_DAYS_AHEAD`` days."""
    today = _now(at).date()
    calendar = calendar or calendar_for(center)
    days = (today + dt.timedelta(days=n) for n in range(rules.BOOKING_DAYS_AHEAD + 1))
    return [day for day in days if calendar.is_working_day(day)]


def _slot_bounds(
    service: QueueService, calendar: WorkingCalendar, day: dt.date
) -> list[tuple[dt.datetime, dt.datetime]]:
    length = dt.timedelta(minutes=service.slot_minutes)
    bounds = []
    for start, end in calendar.working_intervals(day):
        moment = start
        while moment + length <= end:
            bounds.append((moment, moment + length))
            moment += length
    return bounds


def _taken(service: QueueService, days: Iterable[dt.date]) -> dict[dt.datetime, int]:
    """Places held per slot start on ``days`` (one query)."""
    return dict(
        Booking.objects.filter(service=service, day__in=list(days), state__in=HOLDING)
        .order_by()
        .values_list("slot_start")
        .annotate(n=Count("pk"))
        .values_list("slot_start", "n")
    )


def _day_slots(
    service: QueueService,
    calendar: WorkingCalendar,
    day: dt.date,
    now: dt.datetime,
    taken: dict[dt.datetime, int],
) -> list[Slot]:
    return [
        Slot(start, end, max(service.booking_capacity - taken.get(start, 0), 0))
        for start, end in _slot_bounds(service, calendar, day)
        if start > now
    ]


def plan(service: QueueService, at: dt.datetime | None = None) -> list[BookingDay]:
    """Every day of the booking window with its slots not yet begun (a few queries whatever
    the number of days: the calendar, then one count of the places held)."""
    if not takes_bookings(service):
        return []
    now = _now(at)
    calendar = calendar_for(service.center)
    days = booking_days(service.center, now, calendar=calendar)
    taken = _taken(service, days)
    return [BookingDay(day, _day_slots(service, calendar, day, now, taken)) for day in days]


def slots(service: QueueService, day: dt.date, at: dt.datetime | None = None) -> list[Slot]:
    """The slots of ``day`` not yet begun, with how many bookings each can still take; none
    when the day is outside the window or the service takes no bookings."""
    if not takes_bookings(service):
        return []
    now = _now(at)
    calendar = calendar_for(service.center)
    if day not in booking_days(service.center, now, calendar=calendar):
        return []
    return _day_slots(service, calendar, day, now, _taken(service, [day]))


def slot_from_key(key: str) -> dt.datetime | None:
    """The aware start of a slot written as :attr:`Slot.key`; None when it is not one."""
    try:
        naive = dt.datetime.strptime((key or "").strip(), SLOT_KEY_FORMAT)
    except ValueError:
        return None
    return timezone.make_aware(naive, timezone.get_default_timezone())


# ---------------------------------------------------------------------------------------------
# Booking


def clean_identity(text: str) -> str:
    return _SEPARATORS.sub("", text or "")


PERSON_FIELDS = {
    "name_invalid": "full_name",
    "identity_invalid": "identity_number",
    "phone_invalid": "phone",
}


def person_problems(full_name: str, identity_number: str, phone: str) -> dict[str, QueueError]:
    """Every problem of the person's details at once, by field (``full_name``,
    ``identity_number``, ``phone``), so a form can mark them all; empty when all are good."""
    full_name = " ".join((full_name or "").split())
    identity_number = clean_identity(identity_number)
    phone = _SEPARATORS.sub("", phone or "")
    problems: dict[str, QueueError] = {}
    if not full_name or len(full_name) > 200:
        problems["full_name"] = QueueError(
            _("Hãy nhập họ và tên (tối đa 200 ký tự)."), code="name_invalid"
        )
    if not IDENTITY_RE.match(identity_number):
        problems["identity_number"] = QueueError(
            _("Số định danh cá nhân (CCCD) gồm đúng 12 chữ số."), code="identity_invalid"
        )
    if not PHONE_RE.match(phone):
        problems["phone"] = QueueError(
            _("Số điện thoại gồm 10 chữ số, bắt đầu bằng 0 (hoặc +84)."), code="phone_invalid"
        )
    return problems


def _clean_person(full_name: str, identity_number: str, phone: str) -> tuple[str, str, str]:
    problems = person_problems(full_name, identity_number, phone)
    if problems:
        raise next(iter(problems.values()))
    return " ".join(full_name.split()), clean_identity(identity_number), _SEPARATORS.sub("", phone)


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not Booking.objects.filter(code=code).exists():
            return code


def _locked_service(service: QueueService) -> QueueService:
    """The service, locked with its center: the center's row serialises the bookings of the
    center, so neither two citizens taking the last place of a slot nor one person booking
    two services at once can pass a limit (PostgreSQL; SQLite serialises writers anyway)."""
    # no_key: a FOR UPDATE on the center would also block every ticket issued there meanwhile
    # (their inserts take a key-share lock on the center).
    locked = (
        QueueService.objects.select_for_update(no_key=True, of=("self", "center"))
        .select_related("center")
        .filter(pk=service.pk)
        .first()
    )
    if locked is None or not takes_bookings(locked):
        raise QueueError(
            _("Dịch vụ này không nhận đặt lịch trực tuyến."), code="service_unavailable"
        )
    return locked


def _lock_person(identity_number: str, day: dt.date) -> None:
    """Serialise one person's bookings of a day across centers (the daily limit counts them
    all): a transaction-scoped advisory lock on PostgreSQL; SQLite serialises writers."""
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                [f"motcua.booking:{identity_number}:{day.isoformat()}"],
            )


def _unavailable_slot() -> QueueError:
    return QueueError(
        _("Khung giờ này không nhận đặt lịch (đã qua, ngoài giờ làm việc hoặc quá %(n)s ngày).")
        % {"n": rules.BOOKING_DAYS_AHEAD},
        code="slot_unavailable",
    )


def _local(moment: dt.datetime) -> dt.datetime:
    """``moment`` in the center's time zone; a time without zone is read as local time, one
    out of range is refused like any slot not offered."""
    try:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return timezone.localtime(moment)
    except (OverflowError, ValueError) as wrong:
        raise _unavailable_slot() from wrong


def slot_has_begun(
    service: QueueService, start: dt.datetime, at: dt.datetime | None = None
) -> bool:
    """Whether ``start`` is one of the service's slots that has already begun (a form left
    open past it), as opposed to a moment that never was a slot."""
    start = _local(start)
    bounds = _slot_bounds(service, calendar_for(service.center), start.date())
    return start <= _now(at) and any(begin == start for begin, _end in bounds)


@transaction.atomic
def book(
    *,
    service: QueueService,
    slot_start: dt.datetime,
    full_name: str,
    identity_number: str,
    phone: str,
    at: dt.datetime | None = None,
) -> Booking:
    """Book ``slot_start`` of ``service`` for a person. Refused when the service takes no
    bookings, the slot is not offered or full, the person already holds this slot, or already
    holds the day's limit of bookings. The confirmation SMS is queued in the same
    transaction."""
    now = _now(at)
    full_name, identity_number, phone = _clean_person(full_name, identity_number, phone)
    slot_start = _local(slot_start)
    day = slot_start.date()
    service = _locked_service(service)
    _lock_person(identity_number, day)
    slot = next((s for s in slots(service, day, now) if s.start == slot_start), None)
    if slot is None:
        raise _unavailable_slot()
    held = list(
        Booking.objects.filter(
            identity_number=identity_number, day=day, state__in=HOLDING
        ).values_list("service_id", "slot_start")
    )
    if (service.pk, slot.start) in held:
        raise QueueError(
            _(
                "Bạn đã đặt khung giờ này của dịch vụ này rồi; mã đặt lịch đã được gửi qua "
                "tin nhắn."
            ),
            code="already_booked",
        )
    if slot.full:
        raise QueueError(_("Khung giờ này đã hết chỗ, hãy chọn khung giờ khác."), code="slot_full")
    if len(held) >= rules.BOOKINGS_PER_PERSON_PER_DAY:
        raise QueueError(
            _("Mỗi người được đặt tối đa %(n)s lịch hẹn trong một ngày.")
            % {"n": rules.BOOKINGS_PER_PERSON_PER_DAY},
            code="person_limit",
        )
    booking = Booking.objects.create(
        code=_new_code(),
        center=service.center,
        service=service,
        day=day,
        slot_start=slot.start,
        slot_end=slot.end,
        full_name=full_name,
        identity_number=identity_number,
        phone=phone,
        created_at=now,
    )
    _confirm_by_sms(booking)
    return booking


def _confirm_by_sms(booking: Booking) -> None:
    from motcua.notifications.services import enqueue

    with override("vi"):
        body = _(
            "%(center)s: lịch hẹn %(code)s, %(service)s, %(moment)s. Khi đến, nhập mã tại máy "
            "lấy số từ %(early)s phút trước giờ hẹn."
        ) % {
            "center": booking.center.name,
            "code": booking.code,
            "service": booking.service.name,
            "moment": format_moment_short(booking.slot_start),
            "early": int(rules.CHECK_IN_EARLY.total_seconds() // 60),
        }
    enqueue(key=f"booking:{booking.pk}:sms", channel="sms", recipient=booking.phone, body=body)


# ---------------------------------------------------------------------------------------------
# Finding and cancelling


def normalise_code(code: str) -> str:
    return _SEPARATORS.sub("", code or "").upper()


def find(code: str, identity_number: str) -> Booking:
    """A booking by its code and the owner's identity number (both needed to see or cancel)."""
    booking = (
        Booking.objects.select_related("center", "service", "ticket")
        .filter(code=normalise_code(code), identity_number=clean_identity(identity_number))
        .first()
    )
    if booking is None:
        raise QueueError(
            _("Không tìm thấy lịch hẹn với mã và số định danh này."), code="booking_unknown"
        )
    return booking


def token_for(booking: Booking) -> str:
    """A signature of the booking's code: the confirmation page's link carries it, so the page
    opens right after booking (and from a bookmark) while a bare code shows nothing."""
    return signing.Signer(salt=TOKEN_SALT).signature(booking.code)


def booking_for_token(code: str, token: str) -> Booking | None:
    code = normalise_code(code)
    expected = signing.Signer(salt=TOKEN_SALT).signature(code)
    if not token or not constant_time_compare(expected, token):
        return None
    return Booking.objects.select_related("center", "service", "ticket").filter(code=code).first()


@transaction.atomic
def cancel(*, booking: Booking, at: dt.datetime | None = None) -> Booking:
    """The citizen gives the slot back; its place is offered again at once."""
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("center", "service", "ticket")
        .get(pk=booking.pk)
    )
    if booking.state != BookingState.BOOKED:
        raise QueueError(
            _("Lịch hẹn đang ở tình trạng “%(state)s”, không hủy được.")
            % {"state": booking.get_state_display()},
            code="booking_closed",
        )
    booking.state, booking.closed_at = BookingState.CANCELLED, _now(at)
    booking.save(update_fields=["state", "closed_at"])
    # The day's expected bookings changed (as for a check-in or a release).
    touch_floor(booking.center_id)
    return booking


# ---------------------------------------------------------------------------------------------
# Arrival


def _bookings_to_check_in(center: Center, entry: str, now: dt.datetime) -> list[Booking]:
    """Bookings matching what was typed at the kiosk: a booking code, or the identity number
    (which finds the person's bookings of the day)."""
    entry = normalise_code(entry)
    rows = Booking.objects.select_for_update().filter(center=center, day=now.date())
    if IDENTITY_RE.match(entry):
        return list(rows.filter(identity_number=entry).order_by("slot_start"))
    return list(rows.filter(code=entry))


def check_in_window(booking: Booking) -> tuple[dt.datetime, dt.datetime]:
    """From when until when the booking can be checked in at the kiosk."""
    return booking.slot_start - rules.CHECK_IN_EARLY, booking.slot_start + rules.NO_SHOW_GRACE


@transaction.atomic
def check_in(*, center: Center, entry: str, at: dt.datetime | None = None) -> Ticket:
    """The citizen arrives: the booking (typed as its code or as the identity number) becomes a
    ticket queued at the slot's start. Open from ``CHECK_IN_EARLY`` before the slot to
    ``NO_SHOW_GRACE`` after it."""
    now = _now(at)
    found = _bookings_to_check_in(center, entry, now)
    if not found:
        raise QueueError(
            _("Không có lịch hẹn hôm nay tại trung tâm với mã hoặc số định danh này."),
            code="booking_unknown",
        )
    open_ = [b for b in found if b.state == BookingState.BOOKED]
    if not open_:
        raise QueueError(
            _("Lịch hẹn đã được sử dụng, đã hủy hoặc đã quá giờ."), code="booking_closed"
        )
    in_window = [b for b in open_ if check_in_window(b)[0] <= now <= check_in_window(b)[1]]
    if not in_window:
        _refuse_check_in(open_, now)
    booking = in_window[0]
    ticket = issue_ticket(
        center=center,
        service=booking.service,
        source=TicketSource.BOOKING,
        at=now,
        queue_at=booking.slot_start,
    )
    booking.state, booking.checked_in_at, booking.ticket = BookingState.CHECKED_IN, now, ticket
    booking.save(update_fields=["state", "checked_in_at", "ticket"])
    return ticket


def _refuse_check_in(bookings: list[Booking], now: dt.datetime) -> NoReturn:
    later = [b for b in bookings if now < check_in_window(b)[0]]
    if later:
        first = later[0]
        raise QueueError(
            _("Chưa đến giờ: lịch hẹn lúc %(moment)s, mời quay lại từ %(from)s.")
            % {
                "moment": format_moment_short(first.slot_start),
                "from": timezone.localtime(check_in_window(first)[0]).strftime("%H:%M"),
            },
            code="too_early",
        )
    raise QueueError(_("Đã quá giờ hẹn; mời lấy số thường."), code="too_late")


def release_no_shows(now: dt.datetime | None = None, *, batch: int = 500) -> int:
    """Worker job: bookings not checked in ``NO_SHOW_GRACE`` after their slot are released.
    Safe with several workers (``SKIP LOCKED``); releases at most ``batch`` per call."""
    now = _now(now)
    with transaction.atomic():
        ids = list(
            Booking.objects.select_for_update(skip_locked=True)
            .filter(state=BookingState.BOOKED, slot_start__lt=now - rules.NO_SHOW_GRACE)
            .values_list("pk", "center_id")[:batch]
        )
        if not ids:
            return 0
        released = Booking.objects.filter(
            pk__in=[pk for pk, _center in ids], state=BookingState.BOOKED
        ).update(state=BookingState.NO_SHOW, closed_at=now)
        for center_id in {center for _pk, center in ids}:
            touch_floor(center_id)
    return released


# The ``core.ratelimit`` scope of booking requests (pages and API).
RATE_SCOPE = "booking"
