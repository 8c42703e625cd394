"""Writes of the counter floor: issuing tickets, the counter console's actions.

Numbers come from ``core.numbering`` (one series per center per day, row-locked), so they never
repeat within a center's day whatever kiosk or process issues them. Calling takes the chosen
ticket with ``SELECT … FOR UPDATE SKIP LOCKED``: two counters pressing "call next" at the same
moment get two different tickets.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.numbering import next_number
from motcua.dossiers.models import Dossier
from motcua.organization.models import Center, Counter
from motcua.organization.permissions import Capability, has_capability

from . import rules
from .models import (
    Call,
    CounterSession,
    FloorClock,
    PriorityCategory,
    QueueService,
    Rating,
    RatingValue,
    Ticket,
    TicketSource,
    TicketState,
)


class QueueError(ValidationError):
    """A refused floor action; ``code`` is machine-readable, the message Vietnamese."""

    def __init__(self, message: Any, code: str) -> None:
        super().__init__(message, code)
        self.code = code


def _now(at: dt.datetime | None) -> dt.datetime:
    return timezone.localtime(at or timezone.now())


def touch_floor(center_id: int) -> None:
    """Bump the center's floor version (inside the caller's transaction): boards, consoles and
    phones following a ticket see the change on their next poll of this one row."""
    if not FloorClock.objects.filter(center_id=center_id).update(version=F("version") + 1):
        FloorClock.objects.get_or_create(center_id=center_id)
        FloorClock.objects.filter(center_id=center_id).update(version=F("version") + 1)


def floor_version(center_id: int) -> int:
    version = (
        FloorClock.objects.filter(center_id=center_id).values_list("version", flat=True).first()
    )
    return version or 0


# ---------------------------------------------------------------------------------------------
# Tickets


@transaction.atomic
def issue_ticket(
    *,
    center: Center,
    service: QueueService,
    priority: PriorityCategory | None = None,
    source: str = TicketSource.KIOSK,
    at: dt.datetime | None = None,
    queue_at: dt.datetime | None = None,
) -> Ticket:
    """A new ticket for ``service``: the next number of the center's day. ``queue_at`` (a
    booking's slot) gives its place in the queue; by default the moment of issue."""
    if service.center_id != center.pk or not service.is_active:
        raise QueueError(
            _("Dịch vụ “%(service)s” không phục vụ tại %(center)s.")
            % {"service": service.name, "center": center.name},
            code="service_unavailable",
        )
    if priority is not None and not priority.is_active:
        raise QueueError(_("Đối tượng ưu tiên này không còn áp dụng."), code="priority_inactive")
    if source not in TicketSource.values:
        raise QueueError(_("Nguồn lấy số không hợp lệ."), code="source_invalid")
    at = _now(at)
    day = at.date()
    number = next_number(scope="ticket", key=str(center.pk), period=day.isoformat())
    ticket = Ticket.objects.create(
        center=center,
        day=day,
        number=rules.FIRST_TICKET_NUMBER - 1 + number,
        service=service,
        priority=priority,
        source=source,
        issued_at=at,
        queue_at=queue_at or at,
    )
    touch_floor(center.pk)
    return ticket


def people_ahead(ticket: Ticket) -> int:
    """Waiting tickets of the same service that will be called before this one (priority
    tickets ahead of a normal one count; the interleaving may let it go a little sooner)."""
    if ticket.state != TicketState.WAITING:
        return 0
    waiting = Ticket.objects.filter(
        service_id=ticket.service_id, day=ticket.day, state=TicketState.WAITING
    ).exclude(pk=ticket.pk)
    earlier = Q(queue_at__lt=ticket.queue_at) | Q(queue_at=ticket.queue_at, pk__lt=ticket.pk)
    if ticket.priority_id is not None:
        return waiting.filter(earlier, priority__isnull=False).count()
    return waiting.filter(earlier | Q(priority__isnull=False)).count()


# ---------------------------------------------------------------------------------------------
# Counter sessions


@transaction.atomic
def open_counter(*, actor: Any, counter: Counter, at: dt.datetime | None = None) -> CounterSession:
    """The officer sits at ``counter`` (leaving their counter elsewhere, if any)."""
    # The counter's row serialises everyone sitting down at it.
    counter = (
        Counter.objects.select_for_update(no_key=True, of=("self",))
        .select_related("center__unit")
        .get(pk=counter.pk)
    )
    if not has_capability(actor, Capability.RECEIVE_DOSSIERS, counter.center.unit):
        raise PermissionDenied(
            _("Bạn không làm việc tại quầy của %(center)s.") % {"center": counter.center.name}
        )
    at = _now(at)
    taken = CounterSession.objects.filter(counter=counter, ended_at=None).select_related("officer")
    other = taken.exclude(officer=actor).first()
    if other is not None:
        raise QueueError(
            _("Quầy số %(number)s đang do %(name)s làm việc.")
            % {"number": counter.number, "name": other.officer},
            code="counter_taken",
        )
    mine = taken.filter(officer=actor).first()
    if mine is not None:
        return mine
    _leave_counters(actor, at)
    try:
        with transaction.atomic():
            session = CounterSession.objects.create(counter=counter, officer=actor, started_at=at)
    except IntegrityError as clash:
        # The officer opened another counter at the same moment (another tab).
        raise QueueError(
            _("Bạn vừa mở một quầy khác; hãy tải lại trang."), code="counter_taken"
        ) from clash
    touch_floor(counter.center_id)
    return session


def _leave_counters(actor: Any, at: dt.datetime) -> int:
    """End the officer's open sessions: a ticket still called there goes back to the queue;
    one being served must be finished first."""
    sessions = list(
        CounterSession.objects.select_for_update(of=("self",))
        .filter(officer=actor, ended_at=None)
        .select_related("counter")
    )
    for session in sessions:
        serving = Ticket.objects.filter(counter=session.counter, state=TicketState.SERVING)
        number = serving.values_list("number", flat=True).first()
        if number is not None:
            raise QueueError(
                _("Quầy đang phục vụ số %(number)s: hãy kết thúc phục vụ trước khi rời quầy.")
                % {"number": number},
                code="ticket_in_progress",
            )
        Ticket.objects.filter(counter=session.counter, state=TicketState.CALLED).update(
            state=TicketState.WAITING, counter=None, officer=None, called_at=None, call_count=0
        )
        CounterSession.objects.filter(pk=session.pk).update(ended_at=at)
        touch_floor(session.counter.center_id)
    return len(sessions)


@transaction.atomic
def close_counter(*, actor: Any, at: dt.datetime | None = None) -> int:
    """The officer leaves the counter; a ticket still called there goes back to the queue."""
    return _leave_counters(actor, _now(at))


def current_session(actor: Any) -> CounterSession | None:
    return (
        CounterSession.objects.filter(officer=actor, ended_at=None)
        .select_related("counter__center")
        .first()
    )


def _session_counter(actor: Any, *, lock: bool = False) -> Counter:
    """The officer's counter; ``lock`` holds their session row until the transaction ends, so
    two presses of one officer are handled one after the other."""
    session = current_session(actor)
    if lock and session is not None:
        session = (
            CounterSession.objects.select_for_update(of=("self",))
            .select_related("counter__center")
            .filter(pk=session.pk, ended_at=None)
            .first()
        )
    if session is None:
        raise QueueError(_("Hãy chọn quầy làm việc trước khi gọi số."), code="no_counter")
    return session.counter


# ---------------------------------------------------------------------------------------------
# The console


def waiting_for(counter: Counter, day: dt.date) -> QuerySet[Ticket]:
    return Ticket.objects.filter(
        center_id=counter.center_id,
        day=day,
        state=TicketState.WAITING,
        service__counters=counter,
    )


def _priority_turn(counter: Counter, day: dt.date) -> bool:
    """Whether a priority ticket may go next at this counter: yes on a priority counter;
    elsewhere unless the last ``PRIORITY_RUN`` tickets called here were all priority tickets."""
    if counter.is_priority:
        return True
    # The counter's calls of the day, newest first; a recall is not a new ticket, and a ticket
    # transferred or sent back to the queue since still counts where it was called.
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    recent = (
        Call.objects.filter(center_id=counter.center_id, at__gte=start, counter=counter)
        .order_by("-at", "-pk")
        .values_list("ticket_id", "ticket__priority_id")[: rules.PRIORITY_RUN * 4]
    )
    tickets: dict[int, int | None] = {}
    for ticket_id, priority_id in recent:
        tickets.setdefault(ticket_id, priority_id)
        if len(tickets) == rules.PRIORITY_RUN:
            break
    last = list(tickets.values())
    return not (len(last) == rules.PRIORITY_RUN and all(p is not None for p in last))


def in_call_order(waiting: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Waiting tickets roughly in the order a counter calls them: priority tickets first, each
    group by its place in the queue (the interleaving may let a normal ticket go sooner)."""
    normal = ExpressionWrapper(Q(priority__isnull=True), output_field=BooleanField())
    return waiting.annotate(is_normal=normal).order_by("is_normal", "queue_at", "pk")


def _choose(counter: Counter, day: dt.date) -> Ticket | None:
    waiting = waiting_for(counter, day).select_for_update(skip_locked=True, of=("self",))
    ordered = waiting.order_by("queue_at", "pk")
    if _priority_turn(counter, day):
        first = ordered.filter(priority__isnull=False).first()
        if first is not None:
            return first
    normal = ordered.filter(priority__isnull=True).first()
    return normal or ordered.first()


def current_ticket(counter: Counter) -> Ticket | None:
    """The ticket called to or served at ``counter`` now, if any."""
    return (
        Ticket.objects.filter(counter=counter, state__in=[TicketState.CALLED, TicketState.SERVING])
        .order_by("pk")
        .first()
    )


def _call(ticket: Ticket, counter: Counter, at: dt.datetime) -> None:
    Call.objects.create(ticket=ticket, counter=counter, center_id=counter.center_id, at=at)
    touch_floor(counter.center_id)


@transaction.atomic
def call_next(*, actor: Any, at: dt.datetime | None = None) -> Ticket | None:
    """Call the next ticket to the officer's counter; None when nobody waits."""
    counter = _session_counter(actor, lock=True)
    current = current_ticket(counter)
    if current is not None:
        raise QueueError(
            _("Quầy đang phục vụ số %(number)s: hãy kết thúc hoặc báo vắng trước.")
            % {"number": current.number},
            code="ticket_in_progress",
        )
    at = _now(at)
    ticket = _choose(counter, at.date())
    if ticket is None:
        return None
    ticket.state, ticket.counter, ticket.officer = TicketState.CALLED, counter, actor
    ticket.called_at, ticket.call_count = at, 1
    ticket.save(update_fields=["state", "counter", "officer", "called_at", "call_count"])
    _call(ticket, counter, at)
    return ticket


def _change(ticket: Ticket, **changes: Any) -> Ticket:
    """Write ``changes`` to the (locked) ticket and tell the floor's boards and consoles."""
    for name, value in changes.items():
        setattr(ticket, name, value)
    ticket.save(update_fields=list(changes))
    touch_floor(ticket.center_id)
    return ticket


def _own(actor: Any, ticket: Ticket, *states: str) -> tuple[Ticket, Counter]:
    counter = _session_counter(actor)
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.counter_id != counter.pk or ticket.state not in states:
        raise QueueError(
            _("Số %(number)s không ở quầy của bạn (%(state)s).")
            % {"number": ticket.number, "state": ticket.get_state_display()},
            code="ticket_not_here",
        )
    return ticket, counter


@transaction.atomic
def recall(*, actor: Any, ticket: Ticket, at: dt.datetime | None = None) -> Ticket:
    """Call the same number again (the board shows and says it again)."""
    ticket, counter = _own(actor, ticket, TicketState.CALLED)
    at = _now(at)
    ticket.call_count += 1
    ticket.save(update_fields=["call_count"])
    _call(ticket, counter, at)
    return ticket


@transaction.atomic
def skip(*, actor: Any, ticket: Ticket, at: dt.datetime | None = None) -> Ticket:
    """Nobody came: the ticket is a no-show."""
    ticket, _counter = _own(actor, ticket, TicketState.CALLED)
    return _change(ticket, state=TicketState.NO_SHOW, finished_at=_now(at))


@transaction.atomic
def start_serving(*, actor: Any, ticket: Ticket, at: dt.datetime | None = None) -> Ticket:
    ticket, _counter = _own(actor, ticket, TicketState.CALLED)
    return _change(ticket, state=TicketState.SERVING, started_at=_now(at))


@transaction.atomic
def finish_serving(
    *, actor: Any, ticket: Ticket, dossier_code: str = "", at: dt.datetime | None = None
) -> Ticket:
    """Service ends; linking the dossier received makes its waiting and service time part of
    the dossier's record."""
    ticket, _counter = _own(actor, ticket, TicketState.SERVING)
    if dossier_code.strip():
        dossier = Dossier.objects.filter(
            code=dossier_code.strip(), receiving_center_id=ticket.center_id
        ).first()
        if dossier is None:
            raise QueueError(
                _("Không có hồ sơ %(code)s tiếp nhận tại trung tâm này.")
                % {"code": dossier_code.strip()},
                code="dossier_unknown",
            )
        ticket.dossier = dossier
    return _change(ticket, state=TicketState.DONE, finished_at=_now(at), dossier=ticket.dossier)


@transaction.atomic
def transfer(
    *, actor: Any, ticket: Ticket, service: QueueService, at: dt.datetime | None = None
) -> Ticket:
    """Send the citizen to another service of the center: the ticket waits there, keeping its
    number and its place by the time it was issued."""
    ticket, _counter = _own(actor, ticket, TicketState.CALLED, TicketState.SERVING)
    if service.center_id != ticket.center_id or not service.is_active:
        raise QueueError(_("Dịch vụ này không phục vụ tại trung tâm."), code="service_unavailable")
    if service.pk == ticket.service_id:
        raise QueueError(_("Số này đã ở dịch vụ đó."), code="same_service")
    ticket.service, ticket.state = service, TicketState.WAITING
    ticket.counter = ticket.officer = None
    ticket.called_at = ticket.started_at = None
    ticket.call_count = 0
    ticket.transfer_count += 1
    ticket.save()
    touch_floor(ticket.center_id)
    return ticket


# ---------------------------------------------------------------------------------------------
# The rating tablet


def awaiting_rating(counter: Counter, at: dt.datetime | None = None) -> Ticket | None:
    """The ticket the counter's tablet asks about: the last one finished here within
    ``rules.RATING_WINDOW`` and not yet rated (and no one called since)."""
    at = _now(at)
    if current_ticket(counter) is not None:
        return None
    last = (
        Ticket.objects.filter(
            center_id=counter.center_id, day=at.date(), counter=counter, state=TicketState.DONE
        )
        .select_related("officer", "service")
        .order_by("-finished_at", "-pk")
        .first()
    )
    if last is None or last.finished_at is None or at - last.finished_at > rules.RATING_WINDOW:
        return None
    if Rating.objects.filter(ticket=last).exists():
        return None
    return last


@transaction.atomic
def rate(*, counter: Counter, ticket_id: int, value: int, at: dt.datetime | None = None) -> Rating:
    """Record the citizen's one tap for the ticket just served at ``counter``."""
    if value not in RatingValue.values:
        raise QueueError(_("Mức đánh giá không hợp lệ."), code="rating_invalid")
    at = _now(at)
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .filter(pk=ticket_id, counter=counter)
        .order_by()
        .first()
    )
    if ticket is None or ticket.state != TicketState.DONE or ticket.officer_id is None:
        raise QueueError(_("Không có lượt phục vụ nào để đánh giá."), code="nothing_to_rate")
    if ticket.finished_at is None or at - ticket.finished_at > rules.RATING_WINDOW:
        raise QueueError(_("Đã hết thời gian đánh giá lượt phục vụ này."), code="rating_expired")
    if Rating.objects.filter(ticket=ticket).exists():
        raise QueueError(_("Lượt phục vụ này đã được đánh giá."), code="already_rated")
    rating = Rating.objects.create(
        ticket=ticket,
        counter=counter,
        officer_id=ticket.officer_id,
        dossier_id=ticket.dossier_id,
        value=value,
        at=at,
    )
    touch_floor(ticket.center_id)
    return rating


# ---------------------------------------------------------------------------------------------
# The end of a day


def close_past_days(now: dt.datetime | None = None, *, batch: int = 1000) -> int:
    """Worker job: what a past day left open is closed at midnight — tickets still waiting or
    called become no-shows, tickets still being served are done, counter sessions end. Keeps
    the partial indexes of waiting and current tickets to the current day."""
    now = _now(now)
    day_start = timezone.make_aware(dt.datetime.combine(now.date(), dt.time.min))
    open_states = {
        # Each state through its own partial index, not a scan of every past ticket.
        TicketState.WAITING: TicketState.NO_SHOW,
        TicketState.CALLED: TicketState.NO_SHOW,
        TicketState.SERVING: TicketState.DONE,
    }
    closed = 0
    centers: set[int] = set()
    with transaction.atomic():
        for state, closed_as in open_states.items():
            stale = list(
                Ticket.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(state=state, day__lt=now.date())
                .order_by()
                .values_list("pk", "center_id")[:batch]
            )
            closed += Ticket.objects.filter(pk__in=[pk for pk, _c in stale]).update(
                state=closed_as, finished_at=day_start
            )
            centers.update(center for _pk, center in stale)
        sessions = CounterSession.objects.filter(ended_at__isnull=True, started_at__lt=day_start)
        centers.update(sessions.values_list("counter__center_id", flat=True))
        closed += sessions.update(ended_at=day_start)
        for center_id in centers:
            touch_floor(center_id)
    return closed
