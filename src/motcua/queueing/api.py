"""Online booking and ticket status over the API, for city apps: ``/api/v1/queue/``.

No token: these are the citizen's own actions, so they are public (``auth=PUBLIC``) and the
ones that could be used to guess or to flood are rate-limited per client address, counted
together with the web pages: creating a booking (scope ``booking``), reading or cancelling
one, and ticket tokens that do not verify (scope ``lookup``).

- ``GET /queue/centers``: centers taking bookings and their services.
- ``GET /queue/services/{id}/slots[?day=YYYY-MM-DD]``: the days of the window and their slots.
- ``POST /queue/bookings``: book a slot (``Idempotency-Key`` honoured).
- ``GET /queue/bookings/{code}`` and ``POST /queue/bookings/{code}/cancel``: with the owner's
  identity number in the ``X-Identity-Number`` header (a header, not the query string, so the
  number stays out of access logs).
- ``GET /queue/tickets/{token}``: the public status of a ticket, by the signed token its QR
  code carries.

Refusals keep the booking service's codes (docs/api.md lists them with their statuses).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Annotated, Any

from django.conf import settings
from django.core.cache import caches
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja import Status as Answer
from ninja.errors import Throttled
from ninja.params.functions import Header as HeaderParam
from ninja.params.functions import Path as PathParam
from pydantic import Field

from motcua.api import idempotency
from motcua.api.auth import PUBLIC
from motcua.api.errors import ApiError, error_responses
from motcua.api.pagination import Page, PageParams, paginate
from motcua.core import ratelimit
from motcua.dossiers.api import IdempotencyKey
from motcua.dossiers.selectors import mask_name
from motcua.organization.models import Center

from . import booking as bookings
from . import rules, selectors, tickets
from .models import Booking, BookingState, QueueService
from .services import QueueError

router = Router(tags=["queue"], auth=PUBLIC)

IDENTITY_HEADER = "X-Identity-Number"
# A replayed booking answers with the first one for this long (the client's retry horizon).
IDEMPOTENCY_SECONDS = 24 * 3600
# While the first delivery of a key is being booked, others wait for it at most this long.
IDEMPOTENCY_CLAIM_SECONDS = 60
CONFLICT_CODES = {"slot_full", "person_limit", "already_booked"}

IdentityNumber = Annotated[
    str,
    HeaderParam(
        ...,
        alias=IDENTITY_HEADER,
        description="The owner's identity number (số định danh cá nhân / CCCD, 12 digits), "
        "as typed when booking.",
    ),
]
BookingCode = Annotated[str, PathParam(description="The booking code (8 characters).")]


# ---------------------------------------------------------------------------------------------
# Schemas


class ServiceOut(Schema):
    id: int
    name: str
    slot_minutes: int = Field(..., description="Length of a slot.")
    capacity: int = Field(..., description="Bookings a slot takes.")


class CenterOut(Schema):
    id: int
    code: str
    name: str
    address: str
    phone: str
    services: list[ServiceOut] = Field(..., description="Its services taking bookings.")


class CenterRef(Schema):
    id: int
    name: str
    address: str


class SlotOut(Schema):
    start: dt.datetime
    end: dt.datetime
    free: int = Field(..., description="Places left (0: full).")


class DayOut(Schema):
    date: dt.date
    free: int = Field(..., description="Places left over the day's slots.")
    slots: list[SlotOut] = Field(..., description="Slots not yet begun.")


class ServiceSlotsOut(Schema):
    service: ServiceOut
    center: CenterRef
    days: list[DayOut] = Field(..., description="Working days of the window, today first.")


class BookingIn(Schema):
    service: int = Field(..., description="Id of the service.")
    slot_start: dt.datetime = Field(
        ..., description="Start of the slot, as given by the slots endpoint."
    )
    full_name: str = Field(..., max_length=300)
    identity_number: str = Field(..., max_length=40, description="CCCD, 12 digits.")
    phone: str = Field(..., max_length=40, description="0xxxxxxxxx or +84xxxxxxxxx.")


class CodeLabel(Schema):
    code: str
    label: str


class TicketRef(Schema):
    number: int
    url: str = Field(..., description="The page following the ticket.")


class BookingOut(Schema):
    code: str
    state: CodeLabel = Field(..., description="booked, checked_in, cancelled, no_show.")
    center: CenterRef
    service: ServiceOut
    day: dt.date
    slot_start: dt.datetime
    slot_end: dt.datetime
    check_in_from: dt.datetime = Field(..., description="The kiosk takes the booking from…")
    check_in_until: dt.datetime = Field(..., description="…until (then it is released).")
    name_masked: str
    phone_masked: str
    ticket: TicketRef | None = Field(None, description="Once checked in.")
    confirmation_url: str = Field(..., description="The printable slip (web page).")


class TicketStatusOut(Schema):
    number: int
    service: str
    state: str = Field(..., description="waiting, called, serving, done, no_show.")
    state_label: str
    ahead: int = Field(..., description="Waiting tickets to be called before this one.")
    counter: int | None = Field(None, description="Number of the counter it is called to.")
    serving_now: list[int] = Field(..., description="Numbers called or served for the service.")


# ---------------------------------------------------------------------------------------------
# Helpers


def _limit(request: HttpRequest, scope: str) -> None:
    try:
        ratelimit.check(scope, request)
    except ratelimit.RateLimited as exc:
        raise Throttled(exc.retry_after) from None


def _service_out(service: QueueService) -> dict[str, Any]:
    return {
        "id": service.pk,
        "name": service.name,
        "slot_minutes": service.slot_minutes,
        "capacity": service.booking_capacity,
    }


def _center_ref(center: Center) -> dict[str, Any]:
    return {"id": center.pk, "name": center.name, "address": center.address}


def service_not_found(service_id: int) -> ApiError:
    return ApiError(
        404,
        "service_not_found",
        _("Không có dịch vụ số %(id)s nhận đặt lịch trực tuyến.") % {"id": service_id},
    )


def booking_not_found() -> ApiError:
    return ApiError(
        404, "booking_not_found", _("Không tìm thấy lịch hẹn với mã và số định danh này.")
    )


def _booking_out(request: HttpRequest, made: Booking) -> dict[str, Any]:
    opens, closes = bookings.check_in_window(made)
    page = reverse("queue:booking_confirmation", args=[made.code])
    ticket = None
    if made.ticket is not None:
        follow = reverse("queue:ticket", args=[tickets.token_for(made.ticket)])
        ticket = {"number": made.ticket.number, "url": request.build_absolute_uri(follow)}
    return {
        "code": made.code,
        "state": {"code": made.state, "label": made.get_state_display()},
        "center": _center_ref(made.center),
        "service": _service_out(made.service),
        "day": made.day,
        "slot_start": timezone.localtime(made.slot_start),
        "slot_end": timezone.localtime(made.slot_end),
        "check_in_from": timezone.localtime(opens),
        "check_in_until": timezone.localtime(closes),
        "name_masked": mask_name(made.full_name),
        "phone_masked": "*" * (len(made.phone) - 3) + made.phone[-3:],
        "ticket": ticket,
        "confirmation_url": request.build_absolute_uri(f"{page}?t={bookings.token_for(made)}"),
    }


def _owned(code: str, identity_number: str) -> Booking:
    if not bookings.IDENTITY_RE.match(bookings.clean_identity(identity_number)):
        raise ApiError(
            400,
            "invalid_parameter",
            _("Tham số không hợp lệ."),
            [
                {
                    "location": "header",
                    "field": IDENTITY_HEADER,
                    "type": "identity_invalid",
                    "message": _("Số định danh cá nhân (CCCD) gồm đúng 12 chữ số."),
                }
            ],
        )
    try:
        return bookings.find(code, identity_number)
    except QueueError:
        raise booking_not_found() from None


# ---------------------------------------------------------------------------------------------
# Centers, services, slots


@router.get(
    "/centers",
    response={200: Page[CenterOut], **error_responses(400)},
    operation_id="listBookingCenters",
    summary="Centers taking online bookings, with their services",
)
def list_centers(request: HttpRequest, params: Query[PageParams]) -> dict[str, Any]:
    """Active centers with at least one active service taking bookings (capacity above 0),
    by name; each with those services in the kiosk's order."""
    centers: QuerySet[Center] = bookings.centers_taking_bookings()
    page = paginate(centers, page=params.page, page_size=params.page_size)
    page["results"] = [
        {
            "id": center.pk,
            "code": center.code,
            "name": center.name,
            "address": center.address,
            "phone": center.phone,
            "services": [_service_out(s) for s in center.bookable],  # type: ignore[attr-defined]
        }
        for center in page["results"]
    ]
    return page


def _asked_day(day: str | None) -> dt.date | None:
    if day is None or not day.strip():
        return None
    try:
        asked = dt.date.fromisoformat(day.strip())
    except ValueError:
        raise ApiError(
            400,
            "invalid_date",
            _("Ngày không hợp lệ."),
            [
                {
                    "location": "query",
                    "field": "day",
                    "type": "date_parsing",
                    "message": _("Ngày viết theo dạng YYYY-MM-DD."),
                }
            ],
        ) from None
    return asked


@router.get(
    "/services/{service_id}/slots",
    response={200: ServiceSlotsOut, **error_responses(400, 404)},
    operation_id="listBookingSlots",
    summary="Days and slots of a service (today and the next six days)",
)
def service_slots(
    request: HttpRequest,
    service_id: int,
    day: Annotated[str | None, Query(description="Only this day (YYYY-MM-DD).")] = None,
) -> dict[str, Any]:
    """The working days of the booking window with their slots not yet begun and the places
    left in each. `day` narrows the answer to one day: 400 `invalid_date` when it is not a
    date, 400 `day_not_bookable` when it is outside the window or not a working day."""
    service = bookings.bookable_service(service_id)
    if service is None:
        raise service_not_found(service_id)
    asked = _asked_day(day)
    days = bookings.plan(service)
    if asked is not None:
        days = [d for d in days if d.day == asked]
        if not days:
            raise ApiError(
                400,
                "day_not_bookable",
                _("Ngày %(day)s không nhận đặt lịch (chỉ ngày làm việc trong %(n)s ngày tới).")
                % {"day": asked.strftime("%d/%m/%Y"), "n": rules.BOOKING_DAYS_AHEAD},
                [
                    {
                        "location": "query",
                        "field": "day",
                        "type": "day_not_bookable",
                        "message": _("Ngoài thời gian nhận đặt lịch."),
                    }
                ],
            )
    return {
        "service": _service_out(service),
        "center": _center_ref(service.center),
        "days": [
            {
                "date": d.day,
                "free": d.free,
                "slots": [
                    {
                        "start": timezone.localtime(s.start),
                        "end": timezone.localtime(s.end),
                        "free": s.free,
                    }
                    for s in d.slots
                ],
            }
            for d in days
        ],
    }


# ---------------------------------------------------------------------------------------------
# Bookings


def _refusal(refusal: QueueError, service_id: int) -> ApiError:
    code, message = refusal.code or "invalid", refusal.messages[0]
    if code == "service_unavailable":
        return service_not_found(service_id)
    if code in CONFLICT_CODES:
        return ApiError(409, code, message)
    field = bookings.PERSON_FIELDS.get(code, "slot_start")
    detail = {"location": "body", "field": f"booking.{field}", "type": code, "message": message}
    return ApiError(422, code, message, [detail])


def _check_person(payload: BookingIn) -> None:
    problems = bookings.person_problems(payload.full_name, payload.identity_number, payload.phone)
    if not problems:
        return
    details = [
        {
            "location": "body",
            "field": f"booking.{field}",
            "type": refusal.code or "invalid",
            "message": refusal.messages[0],
        }
        for field, refusal in problems.items()
    ]
    code = details[0]["type"] if len(details) == 1 else "validation_error"
    message = details[0]["message"] if len(details) == 1 else _("Dữ liệu gửi lên không hợp lệ.")
    raise ApiError(422, code, message, details)


def _idempotency_cache() -> Any:
    return caches[getattr(settings, "MOTCUA_RATE_LIMIT_CACHE", "default")]


def _once(key: str | None, fingerprint: str, action: Callable[[], Booking]) -> tuple[Booking, bool]:
    """``(booking, True)`` the first time; ``(the first booking, False)`` for a replay of
    ``key`` with the same request. Citizens have no account to keep keys under, so the key
    lives in the shared cache (the rate limits' one) for a day; the booking service's
    ``already_booked`` stops a duplicate even if the cache lost it."""
    if key is None:
        return action(), True
    cache = _idempotency_cache()
    cache_key = "motcua:queue:idem:" + hashlib.sha256(key.encode()).hexdigest()
    if cache.add(cache_key, {"fp": fingerprint, "code": None}, IDEMPOTENCY_CLAIM_SECONDS):
        try:
            made = action()
        except BaseException:
            cache.delete(cache_key)
            raise
        cache.set(cache_key, {"fp": fingerprint, "code": made.code}, IDEMPOTENCY_SECONDS)
        return made, True
    stored = cache.get(cache_key) or {}
    if stored.get("fp") != fingerprint:
        raise idempotency.key_reused(key)
    first = (
        Booking.objects.select_related("center", "service", "ticket")
        .filter(code=stored.get("code") or "")
        .first()
    )
    if first is None:
        raise ApiError(
            409,
            "idempotency_conflict",
            _("Một yêu cầu khác với cùng khóa chống trùng đang được xử lý; hãy thử lại sau."),
        )
    return first, False


@router.post(
    "/bookings",
    response={201: BookingOut, 200: BookingOut, **error_responses(400, 404, 409, 422, 429)},
    operation_id="createBooking",
    summary="Book a slot",
)
def create_booking(
    request: HttpRequest, booking: BookingIn, idempotency_key: IdempotencyKey = None
) -> Answer[dict[str, Any]]:
    """Books the slot starting at `slot_start` for the person; the code is also sent by SMS.
    201 with the booking (200 for a replay of the same `Idempotency-Key`). 404
    `service_not_found`; 422 `slot_unavailable` (not a slot of the window, already begun),
    `name_invalid`, `identity_invalid`, `phone_invalid` (several at once: `validation_error`,
    one detail per field); 409 `slot_full`, `already_booked` (this person holds this slot),
    `person_limit` (two bookings a day per person); 429 `throttled`."""
    _limit(request, bookings.RATE_SCOPE)
    key = idempotency.clean_key(idempotency_key)
    service = bookings.bookable_service(booking.service)
    if service is None:
        raise service_not_found(booking.service)
    _check_person(booking)
    fingerprint = idempotency.fingerprint(
        "queue.book", request.path, booking.model_dump(mode="json")
    )

    def action() -> Booking:
        try:
            return bookings.book(
                service=service,
                slot_start=booking.slot_start,
                full_name=booking.full_name,
                identity_number=booking.identity_number,
                phone=booking.phone,
            )
        except QueueError as refusal:
            raise _refusal(refusal, booking.service) from None

    made, first_time = _once(key, fingerprint, action)
    return Answer(201 if first_time else 200, _booking_out(request, made))


@router.get(
    "/bookings/{code}",
    response={200: BookingOut, **error_responses(400, 404, 429)},
    operation_id="getBooking",
    summary="A booking, by its code and the owner's identity number",
)
def get_booking(
    request: HttpRequest, code: BookingCode, identity_number: IdentityNumber
) -> dict[str, Any]:
    """404 `booking_not_found` for a wrong code or identity number alike (nothing tells them
    apart); 400 `invalid_parameter` when the header is missing or not 12 digits."""
    _limit(request, "lookup")
    return _booking_out(request, _owned(code, identity_number))


@router.post(
    "/bookings/{code}/cancel",
    response={200: BookingOut, **error_responses(400, 404, 409, 429)},
    operation_id="cancelBooking",
    summary="Cancel a booking (its place is offered again)",
)
def cancel_booking(
    request: HttpRequest, code: BookingCode, identity_number: IdentityNumber
) -> dict[str, Any]:
    """200 with the booking, now `cancelled`; a booking already cancelled answers the same
    (a retry is harmless). 409 `booking_closed` once checked in or released as a no-show,
    with the state in `details`."""
    _limit(request, "lookup")
    found = _owned(code, identity_number)
    if found.state == BookingState.CANCELLED:
        return _booking_out(request, found)
    try:
        cancelled = bookings.cancel(booking=found)
    except QueueError as refusal:
        raise ApiError(
            409,
            refusal.code or "booking_closed",
            refusal.messages[0],
            [
                {
                    "field": "state",
                    "type": "current_state",
                    "message": found.get_state_display(),
                }
            ],
        ) from None
    return _booking_out(request, cancelled)


# ---------------------------------------------------------------------------------------------
# Tickets


@router.get(
    "/tickets/{token}",
    response={200: TicketStatusOut, **error_responses(404, 429)},
    operation_id="getTicketStatus",
    summary="Where a ticket stands in the queue",
)
def ticket_status(request: HttpRequest, token: str) -> dict[str, Any]:
    """`token` is the signed token in the ticket's QR code (``/xep-hang/so/<token>/``): the
    number alone never finds a ticket. A phone may poll this; only tokens that do not verify
    count against the rate limit (429 `throttled`), and they answer 404 `ticket_not_found`."""
    ticket = tickets.ticket_for(token)
    if ticket is None:
        _limit(request, "lookup")
        raise ApiError(404, "ticket_not_found", _("Không tìm thấy số thứ tự này."))
    return selectors.ticket_status(ticket)
