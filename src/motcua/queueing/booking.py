"""Online booking of a queue slot: a time slot today or in the next six days (working time of
the center's calendar), a limit of bookings per person per day, check-in at the kiosk on
arrival (the ticket's place in the queue is the slot's start) and the release of no-shows.

A service takes bookings when its ``booking_capacity`` (bookings per slot) is above zero; its
slots are its ``slot_minutes`` long, cut from the center's working sessions.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import NoReturn

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from motcua.core.calendar import calendar_for, format_moment_short
from motcua.organization.models import Center

from . import rules
from .models import Booking, BookingState, QueueService, Ticket, TicketSource
from .services import QueueError, issue_ticket, touch_floor

# Codes avoid letters and digits that read alike (0/O, 1/I/L).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
IDENTITY_RE = re.compile(r"^\d{12}$")
PHONE_RE = re.compile(r"^(0|\+84)\d{9}$")
HOLDING = (BookingState.BOOKED, BookingState.CHECKED_IN)


@dataclass(frozen=True)
class Slot:
    start: dt.datetime
    end: dt.datetime
    free: int

    @property
    def key(self) -> str:
        """The slot in a form field: its local start, ``2026-03-02T07:30``."""
        return timezone.localtime(self.start).strftime("%Y-%m-%dT%H:%M")


def _now(at: dt.datetime | None) -> dt.datetime:
    return timezone.localtime(at or timezone.now())


def booking_days(center: Center, at: dt.datetime | None = None) -> list[dt.date]:
    """The working days a citizen may book: today and the next ``BOOKING_DAYS_AHEAD`` days."""
    today = _now(at).date()
    calendar = calendar_for(center)
    days = (today + dt.timedelta(days=n) for n in range(rules.BOOKING_DAYS_AHEAD + 1))
    return [day for day in days if calendar.is_working_day(day)]


def _slot_bounds(service: QueueService, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    length = dt.timedelta(minutes=service.slot_minutes)
    bounds = []
    for start, end in calendar_for(service.center).working_intervals(day):
        moment = start
        while moment + length <= end:
            bounds.append((moment, moment + length))
            moment += length
    return bounds


def slots(service: QueueService, day: dt.date, at: dt.datetime | None = None) -> list[Slot]:
    """The slots of ``day`` not yet begun, with how many bookings each can still take."""
    if service.booking_capacity == 0 or not service.is_active:
        return []
    now = _now(at)
    if day not in booking_days(service.center, now):
        return []
    taken = dict(
        Booking.objects.filter(service=service, day=day, state__in=HOLDING)
        .values_list("slot_start")
        .annotate(n=Count("pk"))
        .values_list("slot_start", "n")
    )
    return [
        Slot(start, end, max(service.booking_capacity - taken.get(start, 0), 0))
        for start, end in _slot_bounds(service, day)
        if start > now
    ]


def _clean_person(full_name: str, identity_number: str, phone: str) -> tuple[str, str, str]:
    full_name = " ".join((full_name or "").split())
    identity_number = (identity_number or "").strip()
    phone = re.sub(r"[\s.]", "", phone or "")
    if not full_name or len(full_name) > 200:
        raise QueueError(_("Hãy nhập họ và tên (tối đa 200 ký tự)."), code="name_invalid")
    if not IDENTITY_RE.match(identity_number):
        raise QueueError(
            _("Số định danh cá nhân (CCCD) gồm đúng 12 chữ số."), code="identity_invalid"
        )
    if not PHONE_RE.match(phone):
        raise QueueError(
            _("Số điện thoại gồm 10 chữ số, bắt đầu bằng 0 (hoặc +84)."), code="phone_invalid"
        )
    return full_name, identity_number, phone


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not Booking.objects.filter(code=code).exists():
            return code


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
    """Book ``slot_start`` of ``service`` for a person. Refused when the slot is not offered or
    full, or when the person already holds the day's limit of bookings."""
    now = _now(at)
    full_name, identity_number, phone = _clean_person(full_name, identity_number, phone)
    # The service row is the lock that keeps two citizens from taking the last place at once.
    service = QueueService.objects.select_for_update().select_related("center").get(pk=service.pk)
    slot_start = timezone.localtime(slot_start)
    day = slot_start.date()
    slot = next((s for s in slots(service, day, now) if s.start == slot_start), None)
    if slot is None:
        raise QueueError(
            _("Khung giờ này không nhận đặt lịch (đã qua, ngoài giờ làm việc hoặc quá %(n)s ngày).")
            % {"n": rules.BOOKING_DAYS_AHEAD},
            code="slot_unavailable",
        )
    if slot.free == 0:
        raise QueueError(_("Khung giờ này đã hết chỗ, hãy chọn khung giờ khác."), code="slot_full")
    held = Booking.objects.filter(
        identity_number=identity_number, day=day, state__in=HOLDING
    ).count()
    if held >= rules.BOOKINGS_PER_PERSON_PER_DAY:
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


def find(code: str, identity_number: str) -> Booking:
    """A booking by its code and the owner's identity number (both needed to see or cancel)."""
    booking = (
        Booking.objects.select_related("center", "service", "ticket")
        .filter(code=(code or "").strip().upper(), identity_number=(identity_number or "").strip())
        .first()
    )
    if booking is None:
        raise QueueError(
            _("Không tìm thấy lịch hẹn với mã và số định danh này."), code="booking_unknown"
        )
    return booking


@transaction.atomic
def cancel(*, booking: Booking, at: dt.datetime | None = None) -> Booking:
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.state != BookingState.BOOKED:
        raise QueueError(
            _("Lịch hẹn đang ở tình trạng “%(state)s”, không hủy được.")
            % {"state": booking.get_state_display()},
            code="booking_closed",
        )
    booking.state, booking.closed_at = BookingState.CANCELLED, _now(at)
    booking.save(update_fields=["state", "closed_at"])
    return booking


def _bookings_to_check_in(center: Center, entry: str, now: dt.datetime) -> list[Booking]:
    """Bookings matching what was typed at the kiosk: a booking code, or the identity number
    (which finds the person's bookings of the day)."""
    entry = (entry or "").strip().upper()
    rows = Booking.objects.select_for_update().filter(center=center, day=now.date())
    if IDENTITY_RE.match(entry):
        return list(rows.filter(identity_number=entry).order_by("slot_start"))
    return list(rows.filter(code=entry))


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
    in_window = [
        b
        for b in open_
        if b.slot_start - rules.CHECK_IN_EARLY <= now <= b.slot_start + rules.NO_SHOW_GRACE
    ]
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
    later = [b for b in bookings if now < b.slot_start - rules.CHECK_IN_EARLY]
    if later:
        first = later[0]
        raise QueueError(
            _("Chưa đến giờ: lịch hẹn lúc %(moment)s, mời quay lại từ %(from)s.")
            % {
                "moment": format_moment_short(first.slot_start),
                "from": timezone.localtime(first.slot_start - rules.CHECK_IN_EARLY).strftime(
                    "%H:%M"
                ),
            },
            code="too_early",
        )
    raise QueueError(_("Đã quá giờ hẹn; mời lấy số thường."), code="too_late")


def release_no_shows(now: dt.datetime | None = None, *, batch: int = 500) -> int:
    """Worker job: bookings not checked in ``NO_SHOW_GRACE`` after their slot are released."""
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
