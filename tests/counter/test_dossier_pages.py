"""The dossier page, the dossier list, their scoping and query counts, and the menu."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from motcua.dossiers.models import DossierEvent
from motcua.dossiers.services import ComponentInput, Outcome
from motcua.organization.models import Role
from tests import factories

from .conftest import MONDAY, VN, applicant, counter_dossier

pytestmark = pytest.mark.django_db
LIST = "/workspace/dossiers/"


def html(response) -> str:
    return response.content.decode()


def page_of(client, dossier) -> str:
    response = client.get(f"/workspace/dossiers/{dossier.code}/")
    assert response.status_code == 200
    return html(response)


# --- The dossier page -------------------------------------------------------------------


def test_the_dossier_page_tells_its_whole_story(lan, world):
    dossier = counter_dossier(world, center=world.provincial_center, locality=world.commune_b)
    page = page_of(lan, dossier)
    assert f'data-testid="dossier-code">{dossier.code}<' in page
    assert 'data-testid="status">Được tiếp nhận<' in page
    assert "1.001193 · Đăng ký khai sinh" in page and "Trường hợp chung" in page
    assert "số 1, hiệu lực từ 01/07/2025" in page
    assert "Trần Văn Bình" in page and "052090001234" in page and "đồng thời là chủ hồ sơ" in page
    assert world.birth_certificate.name in page
    # The appointment, original and current, as the receipt prints it.
    assert page.count("09:15 Thứ Năm, 05/03/2026") == 2
    # Received by the provincial center, settled by the commune, paper sent within a day.
    assert world.provincial_center.name in page and "UBND xã Ia Grai" in page
    assert "hạn 09:15 03/03/2026" in page
    # The history, who and when, from → to.
    timeline = page.split('data-testid="events"')[1]
    assert "Đăng ký hồ sơ" in timeline and "Tiếp nhận" in timeline
    assert "Mới đăng ký → Được tiếp nhận" in timeline and "Nguyễn Thị Lan" in timeline
    assert "09:15 02/03/2026" in timeline
    assert "Lịch sử toàn vẹn" in page
    assert f'href="/workspace/print/{dossier.code}/01/"' in page


def test_tampering_with_the_history_shows(lan, world):
    dossier = counter_dossier(world)
    DossierEvent.objects.filter(dossier=dossier, sequence=1).update(note="sửa lén")
    page = page_of(lan, dossier)
    assert "Lịch sử đã bị sửa đổi ngoài hệ thống" in page


def test_a_supplement_request_and_its_form_are_on_the_page(lan, world):
    dossier = counter_dossier(
        world,
        outcome=Outcome.REQUEST_SUPPLEMENT,
        components=[ComponentInput(world.birth_form, originals=1)],
        reason="Thiếu giấy chứng sinh",
        guidance="Xin tại bệnh viện",
        supplement_items=[{"component": world.birth_certificate.pk, "name": "Giấy chứng sinh"}],
    )
    page = page_of(lan, dossier)
    assert "Yêu cầu bổ sung giấy tờ" in page
    assert "1/HDHS" in page and "Xin tại bệnh viện" in page
    assert f'href="/workspace/print/{dossier.code}/02/"' in page
    assert "/01/" not in page


def test_an_online_dossier_waiting_offers_the_decision(lan, world):
    from .conftest import online_dossier

    dossier = online_dossier(world, dt.datetime(2026, 2, 27, 10, 0, tzinfo=VN))
    page = page_of(lan, dossier)
    assert f'href="/workspace/dossiers/{dossier.code}/tiep-nhan/"' in page
    assert "Hạn tiếp nhận (trực tuyến)" in page


def test_a_dossier_is_seen_only_by_its_centers_and_units(client, world):
    dossier = counter_dossier(world)
    client.force_login(factories.staff(roles=[(Role.RECEPTIONIST, world.commune_b)]))
    assert client.get(f"/workspace/dossiers/{dossier.code}/").status_code == 404
    client.force_login(factories.staff(roles=[(Role.SPECIALIST, world.commune_a)]))
    assert client.get(f"/workspace/dossiers/{dossier.code}/").status_code == 200
    assert client.get("/workspace/dossiers/nope/").status_code == 404


def test_the_dossier_page_query_count_is_pinned(lan, world, django_assert_max_num_queries):
    dossier = counter_dossier(world, center=world.provincial_center, locality=world.commune_b)
    with django_assert_max_num_queries(18) as before:
        page_of(lan, dossier)
    busier = counter_dossier(
        world,
        at=MONDAY + dt.timedelta(minutes=5),
        center=world.provincial_center,
        locality=world.commune_b,
        owner=applicant(name="Trần Gia Hân", identity_number="052126009876"),
        representative=applicant(
            name="Lê Thị Cúc", identity_number="052080004321", authorization="Giấy ủy quyền"
        ),
        components=[
            ComponentInput(world.birth_form, originals=1),
            ComponentInput(world.birth_certificate, originals=1),
            ComponentInput(world.authorisation, originals=1),
        ],
    )
    with django_assert_max_num_queries(len(before.captured_queries)):
        page_of(lan, busier)


# --- The list ---------------------------------------------------------------------------


def codes(page: str) -> list[str]:
    return re.findall(r'class="code-link" href="[^"]+">([^<]+)<', page)


@pytest.fixture
def three(world):
    a = counter_dossier(world, at=MONDAY)
    b = counter_dossier(
        world,
        at=MONDAY + dt.timedelta(days=1),
        applicant=applicant(name="Lê Thị Hoa", identity_number="052185004321"),
        outcome=Outcome.REFUSE,
        reason="Không thuộc thẩm quyền",
    )
    c = counter_dossier(
        world,
        at=MONDAY + dt.timedelta(days=2),
        center=world.provincial_center,
        locality=world.commune_b,
    )
    return a, b, c


def test_the_list_shows_the_newest_first(lan, world, three):
    a, b, c = three
    page = html(lan.get(LIST))
    assert codes(page) == [c.code, b.code, a.code]
    assert "Trần Văn Bình" in page and "Lê Thị Hoa" in page and "Không được tiếp nhận" in page
    assert 'data-testid="total">3 hồ sơ<' in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "260303"}, ["b"]),
        ({"q": "Lê Thị"}, ["b"]),
        ({"q": "052185004321"}, ["b"]),
        ({"q": "000.00.01.H21"}, ["c"]),
        ({"status": "3"}, ["b"]),
        ({"status": "2"}, ["c", "a"]),
        ({"received_from": "2026-03-03"}, ["c", "b"]),
        ({"received_to": "2026-03-02"}, ["a"]),
        ({"received_from": "03/03/2026", "received_to": "03/03/2026"}, ["b"]),
        ({"q": "không có"}, []),
    ],
)
def test_the_list_searches(lan, world, three, params, expected):
    by_name = dict(zip("abc", three, strict=True))
    page = html(lan.get(LIST, params))
    assert codes(page) == [by_name[k].code for k in expected]
    if not expected:
        assert "Không có hồ sơ nào khớp điều kiện tìm." in page


def test_the_list_is_scoped_to_the_users_centers_and_units(client, world, three):
    c = three[2]
    client.force_login(factories.staff(roles=[(Role.RECEPTIONIST, world.commune_b)]))
    assert codes(html(client.get(LIST))) == [c.code]  # settled by Ia Grai
    client.force_login(factories.staff(roles=[(Role.RECEPTIONIST, world.justice)]))
    assert codes(html(client.get(LIST))) == []


def test_the_list_is_paginated_and_its_query_count_pinned(
    lan, world, django_assert_max_num_queries
):
    for i in range(3):
        counter_dossier(world, at=MONDAY + dt.timedelta(minutes=i))
    with django_assert_max_num_queries(9) as few:
        lan.get(LIST)
    for i in range(3, 30):
        counter_dossier(world, at=MONDAY + dt.timedelta(minutes=i))
    with django_assert_max_num_queries(len(few.captured_queries)):
        first = html(lan.get(LIST))
    assert len(codes(first)) == 25 and 'data-testid="total">30 hồ sơ<' in first
    assert "?trang=2" in first
    second = html(lan.get(LIST, {"trang": "2"}))
    assert len(codes(second)) == 5


# --- The menu ---------------------------------------------------------------------------


def nav(page: str) -> list[str]:
    return re.findall(r'data-nav="([^"]+)"', page)


def test_the_menu_offers_reception_to_receptionists_only(client, world):
    client.force_login(world.receptionist)
    assert {"counter", "waiting", "dossiers"} <= set(nav(html(client.get("/workspace/"))))
    client.force_login(factories.staff(roles=[(Role.SPECIALIST, world.province)]))
    items = nav(html(client.get("/workspace/")))
    assert "dossiers" in items and "counter" not in items and "waiting" not in items
