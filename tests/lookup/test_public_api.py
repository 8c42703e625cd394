"""``GET /api/v1/public/dossiers/{code}``: what anyone with the code may see, no more."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from motcua.dossiers import services
from motcua.dossiers.services import ComponentInput, PartyInput

from .conftest import API, VN, receive

pytestmark = pytest.mark.django_db


def owner_and_representative(world):
    return receive(
        world,
        applicant=PartyInput(
            name="Lê Thị Hoa",
            identity_number="052190004321",
            address="5 Lê Lợi",
            phone="0987654321",
            email="hoa@example.vn",
        ),
        owner=PartyInput(
            name="Trần Văn Bình",
            identity_number="052090001234",
            address="12 Trần Phú, phường Quy Nhơn",
            phone="0912345678",
            email="binh@example.vn",
            birth_date=dt.date(1990, 5, 17),
        ),
        representative=PartyInput(
            name="Lê Thị Hoa",
            identity_number="052190004321",
            authorization="Giấy ủy quyền số 12/UQ",
        ),
    )


def test_status_appointment_and_steps(world, client):
    dossier = receive(world)
    response = client.get(f"{API}/{dossier.code}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["code"] == dossier.code
    assert body["status"]["code"] == 2
    assert body["status"]["label"] == "Được tiếp nhận"
    assert "tiếp nhận" in body["status"]["text"]
    assert body["procedure"] == {"code": "1.001193", "name": "Đăng ký khai sinh"}
    assert body["receiving_center"]["name"] == world.center_a.name
    assert body["channel"] == {"code": "1", "label": "Trực tiếp"}
    assert body["due_at"] == "2026-03-05T09:15:00+07:00"
    assert body["due_text"] == "09:15 Thứ Năm, 05/03/2026"
    assert body["appointment_changed"] is False
    assert body["finished"] is False
    assert body["owner_name_masked"] == "T*** V** B***"
    assert [(s["action"]["code"], s["status"]["code"]) for s in body["timeline"]] == [
        ("register", 1),
        ("accept", 2),
    ]
    assert body["timeline"][0]["at"] == "2026-03-02T09:15:00+07:00"
    assert body["timeline"][1]["action"]["label"] == "Tiếp nhận"
    assert body["url"].endswith(f"/tra-cuu/{dossier.code}/")


def test_no_personal_data_beyond_the_masked_name(world, client):
    dossier = owner_and_representative(world)
    services.withdraw_dossier(
        actor=world.receptionist, dossier=dossier, reason="Ghi chú nội bộ: gọi 0912345678"
    )
    text = client.get(f"{API}/{dossier.code}").content.decode()
    for secret in [
        "Trần Văn Bình",
        "Lê Thị Hoa",
        "L** T** H**",  # only the owner is named, masked
        "052090001234",
        "052190004321",
        "0912345678",
        "0987654321",
        "binh@example.vn",
        "Trần Phú",
        "1990",
        "Giấy ủy quyền",
        "Ghi chú nội bộ",
        "Nguyễn Thị Lan",  # the receptionist
        "lan",
        "hash",
    ]:
        assert secret not in text, secret
    body = json.loads(text)
    assert body["owner_name_masked"] == "T*** V** B***"
    assert body["status"]["code"] == 7
    assert body["finished"] is True


def test_a_dossier_waiting_has_no_appointment_yet(world, client):
    dossier = receive(world, outcome="register")
    body = client.get(f"{API}/{dossier.code}").json()
    assert body["status"]["code"] == 1
    assert body["due_at"] is None
    assert body["due_text"] == ""


def test_a_dossier_sent_back_for_completion(world, client):
    dossier = receive(
        world,
        outcome="request_supplement",
        components=[ComponentInput(world.birth_form, originals=1)],
    )
    body = client.get(f"{API}/{dossier.code}").json()
    assert body["status"]["code"] == 5
    assert "bổ sung" in body["status"]["text"]


def test_a_malformed_code_and_an_unknown_code_get_different_answers(world, client):
    malformed = client.get(f"{API}/khong-phai-ma")
    assert malformed.status_code == 400
    error = malformed.json()["error"]
    assert error["code"] == "malformed_code"
    assert "<mã định danh đơn vị>-YYMMDD-XXXX" in error["details"][0]["message"]
    unknown = client.get(f"{API}/000.00.31.H21-260302-0999")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "dossier_not_found"
    assert "000.00.31.H21-260302-0999" in unknown.json()["error"]["message"]


@pytest.mark.parametrize(
    "code",
    [
        "000.00.31.H21-261332-0001",  # no 32nd of the 13th month
        "000.00.31.H21-260302-0000",  # numbers start at 1
        "000.00.31.H21-260302-001",
        "000.00.31-260302-0001",
        "000.00.31.H21_260302_0001",
        "000.00.31.H21-260302-00001",
    ],
)
def test_malformed_codes(world, client, code):
    assert client.get(f"{API}/{code}").json()["error"]["code"] == "malformed_code"


def test_a_code_typed_in_lower_case_is_found(world, client):
    dossier = receive(world)
    response = client.get(f"{API}/{dossier.code.lower()}")
    assert response.status_code == 200
    assert response.json()["code"] == dossier.code


def test_a_moved_appointment_shows(world, client):
    from motcua.dossiers.models import Dossier

    dossier = receive(world)
    Dossier.objects.filter(pk=dossier.pk).update(due_at=dt.datetime(2026, 3, 9, 9, 15, tzinfo=VN))
    assert client.get(f"{API}/{dossier.code}").json()["appointment_changed"] is True


def test_lookups_are_rate_limited_per_client_address(world, client, settings):
    settings.MOTCUA_RATE_LIMITS = {"lookup": (3, 60)}
    dossier = receive(world)
    for _ in range(3):
        assert client.get(f"{API}/{dossier.code}").status_code == 200
    response = client.get(f"{API}/{dossier.code}")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 60
    # malformed and unknown codes count too (guessing codes is what the limit is for)
    assert client.get(f"{API}/xyz").status_code == 429
    # another address has its own counter
    assert client.get(f"{API}/{dossier.code}", REMOTE_ADDR="10.0.0.9").status_code == 200


def test_the_limit_is_shared_with_the_web_page(world, client, settings):
    settings.MOTCUA_RATE_LIMITS = {"lookup": (2, 60)}
    dossier = receive(world)
    assert client.get(f"/tra-cuu/{dossier.code}/").status_code == 200
    assert client.get(f"{API}/{dossier.code}").status_code == 200
    assert client.get(f"{API}/{dossier.code}").status_code == 429
    assert client.get(f"/tra-cuu/{dossier.code}/").status_code == 429
