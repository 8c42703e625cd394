"""Reads of the counter floor: what a display board, a console, a phone following a ticket and
the manager's live page show. Each is a handful of queries whatever the size of the day."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Min, QuerySet
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from motcua.organization.models import Center, Counter

from .models import Call, CounterSession, QueueService, Ticket, TicketState
from .services import floor_version

LAST_CALLS = 8
ACTIVE = (TicketState.CALLED, TicketState.SERVING)


def _announcement_template() -> str:
    # Always Vietnamese: it is spoken to the hall.
    with override("vi"):
        return _("Mời công dân có số thứ tự %(number)s đến quầy số %(counter)s")


def announcement(number: int, counter_number: int, template: str | None = None) -> str:
    """What the board shows and says for a call (``template``: the sentence already looked
    up, when a board announces several calls)."""
    return (template or _announcement_template()) % {"number": number, "counter": counter_number}


def _today(at: dt.datetime | None) -> dt.date:
    return timezone.localtime(at or timezone.now()).date()


def waiting_by_service(center: Center, day: dt.date) -> list[dict[str, Any]]:
    """Every active service of the center with the number of tickets waiting and the moment
    the longest-waiting one joined the queue (a booking checked in early waits from its
    slot)."""
    counts: dict[int, Any] = {
        row["service_id"]: row
        for row in Ticket.objects.filter(center=center, day=day, state=TicketState.WAITING)
        .values("service_id")
        .annotate(n=Count("pk"), since=Min(Greatest("issued_at", "queue_at")))
    }
    return [
        {
            "id": service.pk,
            "service": service.name,
            "count": counts.get(service.pk, {}).get("n", 0),
            "since": counts.get(service.pk, {}).get("since"),
        }
        for service in QueueService.objects.filter(center=center, is_active=True)
    ]


def counters_now(center: Center, day: dt.date) -> list[dict[str, Any]]:
    """Each active counter: the officer at it and the ticket it is calling or serving."""
    counters = list(Counter.objects.filter(center=center, is_active=True).order_by("number"))
    tickets = {
        t.counter_id: t
        for t in Ticket.objects.filter(center=center, day=day, state__in=ACTIVE).select_related(
            "service"
        )
    }
    sessions = {
        s.counter_id: s
        for s in CounterSession.objects.filter(
            counter__center=center, ended_at__isnull=True
        ).select_related("officer")
    }
    rows = []
    for counter in counters:
        ticket, session = tickets.get(counter.pk), sessions.get(counter.pk)
        rows.append(
            {
                "counter": counter,
                "number": counter.number,
                "name": counter.name,
                "open": session is not None,
                "officer": session.officer if session else None,
                "ticket": ticket,
            }
        )
    return rows


def calls_of_day(center: Center, day: dt.date) -> QuerySet[Call]:
    """The day's calls, newest first: a range of the call moment on the (center, -at) index,
    which stops at the day's start instead of walking years of calls on a quiet morning."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return (
        Call.objects.filter(center=center, at__gte=start, at__lt=start + dt.timedelta(days=1))
        .select_related("ticket", "counter")
        .order_by("-at", "-pk")
    )


def last_calls(center: Center, day: dt.date, limit: int = LAST_CALLS) -> list[Call]:
    return list(calls_of_day(center, day)[:limit])


def board_snapshot(center: Center, at: dt.datetime | None = None) -> dict[str, Any]:
    """The display board's whole state, as JSON-ready data (5 queries)."""
    day = _today(at)
    version = floor_version(center.pk)
    sentence = _announcement_template()
    return {
        "version": version,
        "center": center.name,
        "day": day.isoformat(),
        "counters": [
            {
                "number": row["number"],
                "name": row["name"],
                "open": row["open"],
                "ticket": row["ticket"].number if row["ticket"] else None,
                "state": row["ticket"].state if row["ticket"] else None,
            }
            for row in counters_now(center, day)
        ],
        "calls": [
            {
                "id": call.pk,
                "number": call.ticket.number,
                "counter": call.counter.number,
                "at": timezone.localtime(call.at).strftime("%H:%M:%S"),
                "text": announcement(call.ticket.number, call.counter.number, sentence),
            }
            for call in last_calls(center, day)
        ],
        "waiting": [
            {"service": row["service"], "count": row["count"]}
            for row in waiting_by_service(center, day)
        ],
    }


def ticket_status(ticket: Ticket) -> dict[str, Any]:
    """What the phone following a ticket shows."""
    from .services import people_ahead

    counter = ticket.counter
    return {
        "number": ticket.number,
        "service": ticket.service.name,
        "state": ticket.state,
        "state_label": ticket.get_state_display(),
        "ahead": people_ahead(ticket),
        "counter": counter.number if counter else None,
        "serving_now": sorted(
            Ticket.objects.filter(
                service_id=ticket.service_id, day=ticket.day, state__in=ACTIVE
            ).values_list("number", flat=True)
        ),
    }


def dossiers_handled_during(ticket: Ticket) -> list[Any]:
    """Dossiers of the center the ticket's officer worked on since the service began (received,
    refused, supplemented…): the ones the console proposes to link to the ticket."""
    from motcua.dossiers.models import Dossier

    if ticket.started_at is None or ticket.officer_id is None:
        return []
    return list(
        Dossier.objects.filter(
            receiving_center_id=ticket.center_id,
            events__actor_id=ticket.officer_id,
            events__at__gte=ticket.started_at,
        )
        .distinct()
        .order_by("-pk")[:10]
    )


def served_today(center: Center, officer: Any, at: dt.datetime | None = None) -> int:
    """How many tickets ``officer`` served at the center today (the console's counter)."""
    return Ticket.objects.filter(
        center=center, day=_today(at), officer_id=officer.pk, state=TicketState.DONE
    ).count()
