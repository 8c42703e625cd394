"""The lookup on the web (/tra-cuu/) and on the kiosk (/kiosk/tra-cuu/)."""

from __future__ import annotations

import pytest

from motcua.dossiers.services import PartyInput

from .conftest import receive

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return response.content.decode()


def test_the_form(client):
    response = client.get("/tra-cuu/")
    assert response.status_code == 200
    html = text_of(response)
    assert "Tra cứu hồ sơ" in html
    assert 'name="ma"' in html
    assert 'aria-current="page"' in html  # the header's new link is the current one


def test_the_header_and_the_kiosk_link_to_it(client):
    assert 'href="/tra-cuu/"' in text_of(client.get("/"))
    assert 'href="/kiosk/tra-cuu/"' in text_of(client.get("/kiosk/"))


def test_the_form_goes_to_the_dossier_page(world, client):
    dossier = receive(world)
    response = client.get("/tra-cuu/", {"ma": f"  {dossier.code.lower()} "})
    assert response.status_code == 302
    assert response["Location"] == f"/tra-cuu/{dossier.code}/"


def test_a_scanned_qr_url_is_understood(world, client):
    dossier = receive(world)
    scanned = f"https://dichvucong.example.vn/tra-cuu/{dossier.code}/"
    response = client.get("/kiosk/tra-cuu/", {"ma": scanned})
    assert response["Location"] == f"/kiosk/tra-cuu/{dossier.code}/"


def test_the_dossier_page(world, client):
    dossier = receive(
        world,
        owner=PartyInput(name="Trần Văn Bình", identity_number="052090001234", phone="0912345678"),
    )
    response = client.get(f"/tra-cuu/{dossier.code}/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = text_of(response)
    assert dossier.code in html
    assert "Được tiếp nhận" in html
    assert "Đăng ký khai sinh" in html
    assert "09:15 Thứ Năm, 05/03/2026" in html  # the appointment
    assert "T*** V** B***" in html
    assert "Trần Văn Bình" not in html
    assert "052090001234" not in html and "0912345678" not in html
    assert "Nguyễn Thị Lan" not in html
    assert "Quá trình giải quyết" in html
    assert html.count('class="lookup-step"') == 2
    assert "data-print" in html  # print button (shown by portal.js)


def test_malformed_and_unknown_codes_get_different_messages(world, client):
    malformed = client.get("/tra-cuu/", {"ma": "12345"})
    assert malformed.status_code == 400
    assert 'data-problem="malformed"' in text_of(malformed)
    assert "không phải là một mã hồ sơ" in text_of(malformed)
    page = client.get("/tra-cuu/12345/")
    assert page.status_code == 400
    assert 'data-problem="malformed"' in text_of(page)
    unknown = client.get("/tra-cuu/000.00.31.H21-260302-0999/")
    assert unknown.status_code == 404
    assert 'data-problem="not_found"' in text_of(unknown)
    assert "Không tìm thấy hồ sơ mã" in text_of(unknown)
    empty = client.get("/tra-cuu/", {"ma": "  "})
    assert empty.status_code == 400
    assert 'data-problem="empty"' in text_of(empty)


def test_too_many_lookups_get_a_friendly_429(world, client, settings):
    settings.MOTCUA_RATE_LIMITS = {"lookup": (1, 60)}
    dossier = receive(world)
    assert client.get(f"/tra-cuu/{dossier.code}/").status_code == 200
    response = client.get(f"/tra-cuu/{dossier.code}/")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    html = text_of(response)
    assert 'data-problem="throttled"' in html
    assert "Xin đợi" in html
    kiosk = client.get(f"/kiosk/tra-cuu/{dossier.code}/")
    assert kiosk.status_code == 429
    assert 'data-problem="throttled"' in text_of(kiosk)


def test_the_kiosk_pages(world, client):
    dossier = receive(world)
    form = text_of(client.get("/kiosk/tra-cuu/"))
    assert "data-kiosk-input" in form and "autofocus" in form
    assert "kiosk.css" in form
    page = client.get(f"/kiosk/tra-cuu/{dossier.code}/")
    assert page.status_code == 200
    html = text_of(page)
    assert "Được tiếp nhận" in html and "T*** V** B***" in html
    assert "data-kiosk-input" in html  # the next citizen can scan at once
    unknown = client.get("/kiosk/tra-cuu/000.00.31.H21-260302-0999/")
    assert unknown.status_code == 404
    assert 'data-problem="not_found"' in text_of(unknown)


def test_pages_in_english(world, client):
    dossier = receive(world)
    client.cookies["django_language"] = "en"
    response = client.get(f"/tra-cuu/{dossier.code}/")
    assert response.status_code == 200
