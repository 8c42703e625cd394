"""Online dossiers waiting for a receptionist's decision within 8 working hours."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from motcua.dossiers import selectors
from motcua.dossiers.models import Dossier, SupplementRequest
from motcua.dossiers.status import Status
from motcua.organization.models import Role
from motcua.organization.permissions import grants_for
from tests import factories

from .conftest import VN, counter_dossier, online_dossier

pytestmark = pytest.mark.django_db
WAITING = "/workspace/dossiers/cho-tiep-nhan/"


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def waiting(world):
    """Three online dossiers at the commune center (it is Monday 2 March, 09:15): one late
    since Friday 09:00, one due at 10:00 today, one due at 15:00 today; one elsewhere."""
    late = online_dossier(world, dt.datetime(2026, 2, 26, 9, 0, tzinfo=VN), name="Nguyễn Văn A")
    soon = online_dossier(world, dt.datetime(2026, 2, 27, 10, 0, tzinfo=VN), name="Trần Thị B")
    later = online_dossier(world, dt.datetime(2026, 2, 27, 15, 0, tzinfo=VN), name="Lê Văn C")
    elsewhere = online_dossier(
        world,
        dt.datetime(2026, 2, 27, 16, 0, tzinfo=VN),
        center=world.provincial_center,
        name="Phạm D",
    )
    return late, soon, later, elsewhere


def test_the_waiting_list_is_sorted_by_deadline_with_remaining_working_time(lan, world, waiting):
    late, soon, later, elsewhere = waiting
    counter_dossier(world)  # accepted at the counter: not waiting
    assert soon.decision_due_at == dt.datetime(2026, 3, 2, 10, 0, tzinfo=VN)
    page = html(lan.get(WAITING))
    codes = re.findall(r'class="code-link">([^<]+)<', page)
    assert codes == [late.code, soon.code, later.code, elsewhere.code]
    rows = page.split('<tr class="urgency-')[1:]
    assert rows[0].startswith("overdue") and "Quá hạn" in rows[0] and "8 giờ 15 phút" in rows[0]
    assert rows[1].startswith("soon") and "Sắp hết hạn" in rows[1] and "còn 45 phút" in rows[1]
    assert rows[2].startswith("ok") and "còn 4 giờ 15 phút" in rows[2]
    assert 'data-testid="waiting-count">4<' in page


def test_only_the_officers_centers_are_listed(client, world, waiting, at):
    late, soon, later, _elsewhere = waiting
    only_a = factories.staff(roles=[(Role.RECEPTIONIST, world.commune_a)])
    client.force_login(only_a)
    codes = re.findall(r'class="code-link">([^<]+)<', html(client.get(WAITING)))
    assert codes == [late.code, soon.code, later.code]


def test_the_waiting_count_for_the_badge_is_one_query(world, waiting, django_assert_num_queries):
    user = world.receptionist
    grants_for(user)  # loaded once per request by the permission check
    with django_assert_num_queries(1):
        assert selectors.online_waiting_count(user) == 4


def test_the_counter_tells_about_waiting_dossiers(lan, world, waiting):
    page = html(lan.get("/workspace/dossiers/tiep-nhan/"))
    assert "4 hồ sơ trực tuyến đang chờ tiếp nhận" in page


def test_the_waiting_list_query_count_does_not_grow(lan, world, django_assert_max_num_queries):
    for hour in (8, 9, 10):
        online_dossier(world, dt.datetime(2026, 2, 27, hour, 0, tzinfo=VN), name=f"Người {hour}")
    with django_assert_max_num_queries(12) as few:
        lan.get(WAITING)
    for hour in (13, 14, 15, 16):
        online_dossier(world, dt.datetime(2026, 2, 26, hour, 0, tzinfo=VN), name=f"Người {hour}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = html(lan.get(WAITING))
    assert page.count('class="code-link"') == 7


# --- The decision -----------------------------------------------------------------------


def decide(client, dossier, **data):
    return client.post(f"/workspace/dossiers/{dossier.code}/tiep-nhan/", data)


def test_the_decision_page_shows_the_dossier_and_its_time_left(lan, world, waiting):
    late, soon, *_ = waiting
    page = html(lan.get(f"/workspace/dossiers/{soon.code}/tiep-nhan/"))
    assert "Trần Thị B" in page and world.birth_certificate.name in page
    assert "còn 45 phút làm việc" in page
    page = html(lan.get(f"/workspace/dossiers/{late.code}/tiep-nhan/"))
    assert "Quá hạn 8 giờ 15 phút" in page


def test_accepting_an_online_dossier(lan, world, waiting):
    dossier = waiting[1]
    response = decide(lan, dossier, outcome="accept", note="Hồ sơ đầy đủ")
    assert response["Location"] == f"/workspace/dossiers/{dossier.code}/ket-qua/"
    dossier.refresh_from_db()
    assert dossier.status == Status.ACCEPTED
    assert dossier.accepted_at == dt.datetime(2026, 3, 2, 9, 15, tzinfo=VN)
    assert dossier.due_at == dt.datetime(2026, 3, 5, 9, 15, tzinfo=VN)
    assert dossier.events.last().note == "Hồ sơ đầy đủ"
    page = html(lan.get(response["Location"]))
    assert f"/workspace/print/{dossier.code}/01/" in page
    assert "Về danh sách chờ tiếp nhận" in page
    # It no longer waits.
    assert dossier.code not in html(lan.get(WAITING))


def test_asking_to_complete_an_online_dossier(lan, world, waiting):
    dossier = waiting[0]
    data = {
        "outcome": "request_supplement",
        f"c{world.birth_certificate.pk}-missing": "on",
        f"c{world.birth_certificate.pk}-missing_reason": "Ảnh chụp mờ",
        "supplement_reason": "Giấy chứng sinh không đọc được",
        "guidance": "Chụp lại bản gốc",
    }
    assert decide(lan, dossier, **data).status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.SUPPLEMENT_REQUESTED
    request = SupplementRequest.objects.get(dossier=dossier)
    assert request.items == [
        {
            "component": world.birth_certificate.pk,
            "name": "Giấy chứng sinh",
            "reason": "Ảnh chụp mờ",
        }
    ]


def test_refusing_an_online_dossier_needs_a_reason(lan, world, waiting):
    dossier = waiting[2]
    page = html(decide(lan, dossier, outcome="refuse"))
    assert "Hãy ghi lý do từ chối." in page
    assert re.search(r'id="refusal-panel" open', page)
    dossier.refresh_from_db()
    assert dossier.status == Status.REGISTERED
    decide(lan, dossier, outcome="refuse", refusal_reason="Không thuộc thẩm quyền")
    dossier.refresh_from_db()
    assert dossier.status == Status.NOT_ACCEPTED


def test_a_decision_sent_twice_is_made_once(lan, world, waiting):
    dossier = waiting[1]
    decide(lan, dossier, outcome="accept")
    again = decide(lan, dossier, outcome="accept")
    assert again["Location"] == f"/workspace/dossiers/{dossier.code}/ket-qua/"
    assert Dossier.objects.get(pk=dossier.pk).events.filter(action="accept").count() == 1
    page = html(lan.get(again["Location"]))
    assert "không còn chờ tiếp nhận" in page


def test_others_cannot_decide(client, world, waiting, at):
    dossier = waiting[1]
    client.force_login(factories.staff(roles=[(Role.RECEPTIONIST, world.commune_b)]))
    assert client.get(f"/workspace/dossiers/{dossier.code}/tiep-nhan/").status_code == 404
    client.force_login(factories.staff(roles=[(Role.SPECIALIST, world.commune_a)]))
    assert decide(client, dossier, outcome="accept").status_code == 403
    assert Dossier.objects.get(pk=dossier.pk).status == Status.REGISTERED
