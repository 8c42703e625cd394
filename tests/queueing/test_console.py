"""The counter console, through its screen: sit at a counter, call, recall, no-show, serve and
link the dossier received, transfer, leave. Refusals come back as messages."""

from __future__ import annotations

import pytest

from motcua.queueing import services
from motcua.queueing.models import Call, CounterSession, Ticket, TicketState

pytestmark = pytest.mark.django_db


@pytest.fixture
def lan(client, floor):
    client.force_login(floor["lan"])
    return client


def follow(client, url, data=None):
    response = client.post(url, data or {}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_an_officer_sits_at_a_counter_then_calls_and_serves(lan, floor, now):
    choose = lan.get("/workspace/san/quay/").content.decode()
    assert "Quầy số 1" in choose and "Quầy số 3" in choose
    first = services.issue_ticket(center=floor["center"], service=floor["civil"], at=now)
    html = follow(lan, "/workspace/san/quay/mo/", {"counter": floor["one"].pk})
    assert "Gọi số tiếp theo" in html and "1 người chờ" in html
    html = follow(lan, "/workspace/san/quay/goi-tiep/")
    assert "Đã gọi số 1001." in html
    first.refresh_from_db()
    assert (first.state, first.counter, first.officer) == (
        TicketState.CALLED,
        floor["one"],
        floor["lan"],
    )
    html = follow(lan, "/workspace/san/quay/goi-lai/", {"ticket": first.pk})
    assert "Đã gọi lại số 1001." in html
    assert Call.objects.filter(ticket=first).count() == 2
    follow(lan, "/workspace/san/quay/bat-dau/", {"ticket": first.pk})
    html = follow(lan, "/workspace/san/quay/ket-thuc/", {"ticket": first.pk, "dossier_code": ""})
    assert "Đã phục vụ xong số 1001." in html
    assert "Hôm nay bạn đã phục vụ 1 lượt" in html
    first.refresh_from_db()
    assert first.state == TicketState.DONE


def test_nobody_waiting_and_refusals_are_messages(lan, floor, now):
    html = follow(lan, "/workspace/san/quay/goi-tiep/")
    assert "Hãy chọn quầy làm việc trước khi gọi số." in html
    follow(lan, "/workspace/san/quay/mo/", {"counter": floor["one"].pk})
    assert "Không còn ai chờ ở các dịch vụ của quầy." in follow(
        lan, "/workspace/san/quay/goi-tiep/"
    )
    ticket = services.issue_ticket(center=floor["center"], service=floor["civil"], at=now)
    # Another counter's ticket cannot be served from here.
    services.open_counter(actor=floor["hoa"], counter=floor["two"], at=now)
    services.call_next(actor=floor["hoa"], at=now)
    html = follow(lan, "/workspace/san/quay/bat-dau/", {"ticket": ticket.pk})
    assert "không ở quầy của bạn" in html
    assert follow(lan, "/workspace/san/quay/vang-mat/", {"ticket": "x"}).count(
        "Số thứ tự không còn ở quầy này."
    )
    assert lan.post("/workspace/san/quay/khong-co/").status_code == 404
    assert lan.get("/workspace/san/quay/goi-tiep/").status_code == 405


def test_a_taken_counter_is_refused(lan, floor, now):
    services.open_counter(actor=floor["hoa"], counter=floor["one"], at=now)
    html = follow(lan, "/workspace/san/quay/mo/", {"counter": floor["one"].pk})
    assert "Quầy số 1 đang do" in html
    assert not CounterSession.objects.filter(officer=floor["lan"]).exists()


def test_finishing_links_the_dossier_and_a_wrong_code_is_refused(lan, floor, now):
    follow(lan, "/workspace/san/quay/mo/", {"counter": floor["one"].pk})
    ticket = services.issue_ticket(center=floor["center"], service=floor["civil"], at=now)
    follow(lan, "/workspace/san/quay/goi-tiep/")
    follow(lan, "/workspace/san/quay/bat-dau/", {"ticket": ticket.pk})
    html = follow(lan, "/workspace/san/quay/ket-thuc/", {"ticket": ticket.pk, "dossier_code": "X"})
    assert "Không có hồ sơ X tiếp nhận tại trung tâm này." in html
    ticket.refresh_from_db()
    assert ticket.state == TicketState.SERVING  # nothing half-written


def test_transfer_sends_the_citizen_to_another_service(lan, floor, now):
    follow(lan, "/workspace/san/quay/mo/", {"counter": floor["one"].pk})
    ticket = services.issue_ticket(center=floor["center"], service=floor["civil"], at=now)
    follow(lan, "/workspace/san/quay/goi-tiep/")
    html = follow(
        lan, "/workspace/san/quay/chuyen/", {"ticket": ticket.pk, "service": floor["land"].pk}
    )
    assert "Đã chuyển số 1001 sang Đất đai." in html
    ticket.refresh_from_db()
    assert (ticket.service, ticket.state) == (floor["land"], TicketState.WAITING)
    assert "Hãy chọn dịch vụ cần chuyển đến." in follow(
        lan, "/workspace/san/quay/chuyen/", {"ticket": ticket.pk, "service": ""}
    )


def test_leaving_puts_a_called_ticket_back_in_the_queue(lan, floor, now):
    follow(lan, "/workspace/san/quay/mo/", {"counter": floor["one"].pk})
    ticket = services.issue_ticket(center=floor["center"], service=floor["civil"], at=now)
    follow(lan, "/workspace/san/quay/goi-tiep/")
    assert "Bạn đã rời quầy." in follow(lan, "/workspace/san/quay/roi/")
    ticket.refresh_from_db()
    assert (ticket.state, ticket.counter) == (TicketState.WAITING, None)


def test_people_without_the_counter_role_cannot_use_the_console(client, floor, now):
    from tests import factories

    client.force_login(factories.staff(username="outsider", roles=[]))
    assert client.get("/workspace/san/quay/").status_code == 403
    client.logout()
    assert client.get("/workspace/san/quay/").status_code == 302


def test_the_console_costs_a_few_queries(lan, floor, now, django_assert_max_num_queries):
    follow(lan, "/workspace/san/quay/mo/", {"counter": floor["two"].pk})
    for n in range(8):
        services.issue_ticket(
            center=floor["center"], service=floor["civil" if n % 2 else "land"], at=now
        )
    follow(lan, "/workspace/san/quay/goi-tiep/")
    with django_assert_max_num_queries(14):
        assert lan.get("/workspace/san/quay/").status_code == 200
    with django_assert_max_num_queries(10):
        lan.get("/workspace/san/quay/hang-cho/")
    assert Ticket.objects.filter(state=TicketState.CALLED).count() == 1


def test_the_waiting_list_shows_numbers_in_call_order(lan, floor, now):
    normal = services.issue_ticket(center=floor["center"], service=floor["civil"], at=now)
    elderly = services.issue_ticket(
        center=floor["center"], service=floor["civil"], priority=floor["elderly"], at=now
    )
    follow(lan, "/workspace/san/quay/mo/", {"counter": floor["one"].pk})
    fragment = lan.get("/workspace/san/quay/hang-cho/").content.decode()
    assert fragment.index(str(elderly.number)) < fragment.index(str(normal.number))
    assert "Đã gọi số 1002." in follow(lan, "/workspace/san/quay/goi-tiep/")
    # Once the officer left the counter (another tab), the list says the page is stale.
    follow(lan, "/workspace/san/quay/vang-mat/", {"ticket": elderly.pk})
    follow(lan, "/workspace/san/quay/roi/")
    assert lan.get("/workspace/san/quay/hang-cho/").status_code == 409
