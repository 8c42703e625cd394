"""The counter floor's core: ticket numbers, fair calling with priority, the console actions."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from motcua.organization.models import Role
from motcua.queueing import services
from motcua.queueing.models import CounterSession, QueueService, Ticket, TicketState
from motcua.queueing.services import QueueError
from tests import factories
from tests.queueing.conftest import MORNING, issue

LATER = MORNING + dt.timedelta(hours=1)  # the console acts later the same day
pytestmark = pytest.mark.django_db


def test_numbers_run_per_center_and_day_from_1001(floor):
    first, second = issue(floor), issue(floor, "land", 1)
    assert (first.number, second.number) == (1001, 1002)
    tomorrow = services.issue_ticket(
        center=floor["center"], service=floor["civil"], at=MORNING + dt.timedelta(days=1)
    )
    assert tomorrow.number == 1001
    other = factories.center(factories.unit("UBND xã Ia Grai"))
    service = QueueService.objects.create(center=other, name="Hộ tịch")
    assert services.issue_ticket(center=other, service=service, at=MORNING).number == 1001
    with pytest.raises(QueueError) as refused:
        services.issue_ticket(center=other, service=floor["civil"], at=MORNING)
    assert refused.value.code == "service_unavailable"


def test_a_counter_calls_only_its_services_in_order(floor):
    land, civil_1, civil_2 = (
        issue(floor, "land", 0),
        issue(floor, "civil", 1),
        issue(floor, "civil", 2),
    )
    services.open_counter(actor=floor["lan"], counter=floor["one"])
    called = services.call_next(actor=floor["lan"], at=MORNING + dt.timedelta(minutes=5))
    assert called == civil_1 and called.counter == floor["one"]
    with pytest.raises(QueueError) as busy:
        services.call_next(actor=floor["lan"], at=LATER)
    assert busy.value.code == "ticket_in_progress"
    services.start_serving(actor=floor["lan"], ticket=called)
    services.finish_serving(actor=floor["lan"], ticket=called)
    assert services.call_next(actor=floor["lan"], at=LATER) == civil_2
    services.skip(actor=floor["lan"], ticket=civil_2)
    assert (
        services.call_next(actor=floor["lan"], at=LATER) is None
    )  # the land ticket is not for counter 1
    land.refresh_from_db()
    assert land.state == TicketState.WAITING
    assert services.people_ahead(land) == 0


def test_priority_goes_first_but_normal_tickets_still_move(floor):
    normal = [issue(floor, minutes=m) for m in range(3)]
    urgent = [issue(floor, minutes=10 + m, priority=floor["elderly"]) for m in range(4)]
    assert services.people_ahead(normal[0]) == 4  # every priority ticket goes before it
    services.open_counter(actor=floor["lan"], counter=floor["one"])
    order = []
    for _i in range(7):
        ticket = services.call_next(actor=floor["lan"], at=LATER)
        order.append(ticket)
        services.recall(actor=floor["lan"], ticket=ticket)  # a recall is not another ticket
        services.skip(actor=floor["lan"], ticket=ticket)
    # Two priority tickets, then a normal one, and so on.
    assert order == [urgent[0], urgent[1], normal[0], urgent[2], urgent[3], normal[1], normal[2]]


def test_a_priority_counter_serves_priority_tickets_first_always(floor):
    normal = issue(floor, minutes=0)
    urgent = [issue(floor, minutes=1 + m, priority=floor["elderly"]) for m in range(3)]
    services.open_counter(actor=floor["lan"], counter=floor["priority_counter"])
    calls = []
    for _i in range(4):
        ticket = services.call_next(actor=floor["lan"], at=LATER)
        calls.append(ticket)
        services.skip(actor=floor["lan"], ticket=ticket)
    assert calls == [*urgent, normal]


def test_recall_transfer_and_linking_a_dossier(floor):
    ticket = issue(floor)
    services.open_counter(actor=floor["lan"], counter=floor["one"])
    services.call_next(actor=floor["lan"], at=LATER)
    assert services.recall(actor=floor["lan"], ticket=ticket).call_count == 2
    assert ticket.calls.count() == 2
    moved = services.transfer(actor=floor["lan"], ticket=ticket, service=floor["land"])
    assert moved.state == TicketState.WAITING and moved.number == ticket.number
    services.open_counter(actor=floor["hoa"], counter=floor["two"])
    again = services.call_next(actor=floor["hoa"], at=LATER)
    assert again == ticket and again.counter == floor["two"]
    services.start_serving(actor=floor["hoa"], ticket=again)
    with pytest.raises(QueueError) as unknown:
        services.finish_serving(actor=floor["hoa"], ticket=again, dossier_code="KHONG-CO")
    assert unknown.value.code == "dossier_unknown"
    # Another officer cannot act on it.
    with pytest.raises(QueueError):
        services.skip(actor=floor["lan"], ticket=again)


def test_counters_and_officers_one_at_a_time(floor):
    services.open_counter(actor=floor["lan"], counter=floor["one"])
    with pytest.raises(QueueError) as taken:
        services.open_counter(actor=floor["hoa"], counter=floor["one"])
    assert taken.value.code == "counter_taken"
    services.open_counter(actor=floor["lan"], counter=floor["two"])  # moves, ending the first
    services.open_counter(actor=floor["hoa"], counter=floor["one"])
    outsider = factories.staff(roles=[(Role.RECEPTIONIST, factories.unit("Xã khác"))])
    with pytest.raises(PermissionDenied):
        services.open_counter(actor=outsider, counter=floor["one"])
    with pytest.raises(QueueError) as nowhere:
        services.call_next(actor=outsider)
    assert nowhere.value.code == "no_counter"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_numbers_never_repeat_with_several_kiosks_at_once(floor):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers")

    def kiosk():
        for _i in range(10):
            services.issue_ticket(center=floor["center"], service=floor["civil"], at=MORNING)

    assert run_at_once(*[kiosk] * 6) == [None] * 6
    assert sorted(Ticket.objects.values_list("number", flat=True)) == list(range(1001, 1061))


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_counters_calling_at_once_get_different_tickets(floor):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers")
    for minute in range(4):
        issue(floor, minutes=minute)
    services.open_counter(actor=floor["lan"], counter=floor["one"])
    services.open_counter(actor=floor["hoa"], counter=floor["two"])
    called = run_at_once(
        *[lambda user=floor[u]: services.call_next(actor=user, at=LATER).pk for u in ("lan", "hoa")]
    )
    assert all(isinstance(pk, int) for pk in called) and len(set(called)) == 2


def test_the_end_of_a_day_closes_what_it_left_open(floor):
    called, serving, waiting = (issue(floor, minutes=n) for n in range(3))
    services.open_counter(actor=floor["lan"], counter=floor["one"], at=LATER)
    services.open_counter(actor=floor["hoa"], counter=floor["two"], at=LATER)
    assert services.call_next(actor=floor["lan"], at=LATER) == called
    assert services.call_next(actor=floor["hoa"], at=LATER) == serving
    services.start_serving(actor=floor["hoa"], ticket=serving, at=LATER)
    # The same evening nothing is closed.
    assert services.close_past_days(MORNING.replace(hour=21)) == 0
    tomorrow = MORNING + dt.timedelta(days=1)
    closed = services.close_past_days(tomorrow)
    assert closed == 5  # three tickets, two counter sessions
    states = dict(Ticket.objects.values_list("number", "state"))
    assert states == {
        called.number: TicketState.NO_SHOW,
        serving.number: TicketState.DONE,
        waiting.number: TicketState.NO_SHOW,
    }
    assert services.current_session(floor["lan"]) is None
    assert services.close_past_days(tomorrow) == 0  # a second pass finds nothing
    # Today's numbers start again from 1001 and the counter can be opened again.
    assert issue(floor, minutes=24 * 60).number == 1001


def test_the_board_shows_only_the_days_calls_newest_first(floor):
    from motcua.queueing import selectors

    first, second = issue(floor), issue(floor, minutes=1)
    services.open_counter(actor=floor["lan"], counter=floor["one"], at=LATER)
    services.call_next(actor=floor["lan"], at=LATER)
    services.skip(actor=floor["lan"], ticket=first, at=LATER)
    services.call_next(actor=floor["lan"], at=LATER + dt.timedelta(minutes=1))
    services.recall(actor=floor["lan"], ticket=second, at=LATER + dt.timedelta(minutes=2))
    today = [c.ticket.number for c in selectors.last_calls(floor["center"], MORNING.date())]
    assert today == [second.number, second.number, first.number]
    tomorrow = MORNING.date() + dt.timedelta(days=1)
    assert selectors.last_calls(floor["center"], tomorrow) == []


def run_at_once(*jobs):
    """Run the callables in threads released together; returns what each returned or raised."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait()
            results[index] = job()
        except BaseException as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_double_press_of_call_next_calls_one_ticket(floor):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers")
    for minute in range(3):
        issue(floor, minutes=minute)
    services.open_counter(actor=floor["lan"], counter=floor["one"], at=MORNING)
    press = lambda: services.call_next(actor=floor["lan"], at=LATER)  # noqa: E731
    results = run_at_once(press, press)
    refused = [r for r in results if isinstance(r, QueueError)]
    assert len(refused) == 1 and refused[0].code == "ticket_in_progress"
    assert Ticket.objects.filter(state=TicketState.CALLED).count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_officers_sitting_at_one_counter_at_once(floor):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers")
    results = run_at_once(
        lambda: services.open_counter(actor=floor["lan"], counter=floor["one"], at=MORNING),
        lambda: services.open_counter(actor=floor["hoa"], counter=floor["one"], at=MORNING),
    )
    refused = [r for r in results if isinstance(r, QueueError)]
    assert len(refused) == 1 and refused[0].code == "counter_taken"
    assert CounterSession.objects.filter(counter=floor["one"], ended_at=None).count() == 1


def test_moving_to_another_counter_returns_the_called_ticket_to_the_queue(floor):
    ticket = issue(floor)
    services.open_counter(actor=floor["lan"], counter=floor["one"], at=MORNING)
    services.call_next(actor=floor["lan"], at=LATER)
    services.open_counter(actor=floor["lan"], counter=floor["two"], at=LATER)
    ticket.refresh_from_db()
    assert (ticket.state, ticket.counter) == (TicketState.WAITING, None)
    # A ticket being served keeps the officer at the counter until it is finished.
    services.call_next(actor=floor["lan"], at=LATER)
    services.start_serving(actor=floor["lan"], ticket=ticket, at=LATER)
    for leave in (
        lambda: services.close_counter(actor=floor["lan"], at=LATER),
        lambda: services.open_counter(actor=floor["lan"], counter=floor["one"], at=LATER),
    ):
        with pytest.raises(QueueError) as refused:
            leave()
        assert refused.value.code == "ticket_in_progress"
    assert services.current_session(floor["lan"]).counter == floor["two"]


def test_a_transferred_priority_ticket_still_counts_in_the_priority_run(floor):
    normal = issue(floor)
    first, second, third = (issue(floor, minutes=n, priority=floor["elderly"]) for n in range(1, 4))
    services.open_counter(actor=floor["lan"], counter=floor["one"], at=MORNING)
    assert services.call_next(actor=floor["lan"], at=LATER) == first
    services.transfer(actor=floor["lan"], ticket=first, service=floor["land"], at=LATER)
    assert services.call_next(actor=floor["lan"], at=LATER) == second
    services.skip(actor=floor["lan"], ticket=second, at=LATER)
    # Two priority tickets called here in a row: the normal ticket goes next.
    assert services.call_next(actor=floor["lan"], at=LATER) == normal
    services.skip(actor=floor["lan"], ticket=normal, at=LATER)
    assert services.call_next(actor=floor["lan"], at=LATER) == third
