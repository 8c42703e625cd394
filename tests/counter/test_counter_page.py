"""The counter screen before anything is written: finding the procedure, the form, the
returning-applicant look-up, the identity check, the appointment preview and who may use it."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from motcua.catalog import services as catalog_services
from motcua.catalog.models import Channel
from motcua.dossiers.models import Document, DocumentKind, LocalIdentityRecord
from motcua.dossiers.selectors import preview_appointment
from motcua.organization.models import Role
from tests import factories

from .conftest import COUNTER, VN, counter_dossier

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


# --- Step 1: the procedure --------------------------------------------------------------


def test_the_search_box_has_the_focus_and_finds_without_diacritics(lan, world):
    page = html(lan.get(COUNTER))
    assert re.search(r'<input id="procedure-q"[^>]*autofocus', page)
    page = html(lan.get(COUNTER, {"q": "dang ky KHAI sinh"}))
    assert "1.001193" in page and "Đăng ký khai sinh" in page
    assert "3.000333" not in page
    assert "?thu_tuc=1.001193" in page


def test_only_procedures_in_force_are_found(lan, world):
    catalog_services.create_procedure(
        actor=None,
        code="1.999999",
        name="Đăng ký khai sinh lưu động",
        field=world.birth_case.version.field,
    )  # a draft, never published
    page = html(lan.get(COUNTER, {"q": "khai sinh"}))
    assert "1.001193" in page and "1.999999" not in page


def test_a_scanned_code_opens_the_procedure_at_once(lan, world):
    response = lan.get(COUNTER, {"q": " 1.001193 "})
    assert response.status_code == 302
    assert response["Location"] == f"{COUNTER}?thu_tuc=1.001193"


def test_an_unknown_code_says_so(lan, world):
    page = html(lan.get(COUNTER, {"thu_tuc": "9.999999"}))
    assert "Không có thủ tục mã “9.999999” đang có hiệu lực." in page
    page = html(lan.get(COUNTER, {"q": "không có thủ tục này"}))
    assert "Không tìm thấy thủ tục nào" in page


def test_live_search_answers_json_with_the_exact_code(lan, world):
    data = lan.get(f"{COUNTER}tim-thu-tuc/", {"q": "ly lich tu phap"}).json()
    assert [r["code"] for r in data["results"]] == ["3.000333"]
    assert data["results"][0]["name"] == "Cấp Phiếu lý lịch tư pháp"
    assert data["exact"] is None
    data = lan.get(f"{COUNTER}tim-thu-tuc/", {"q": "3.000333"}).json()
    assert data["exact"] == f"{COUNTER}?thu_tuc=3.000333"


# --- Step 2: the form -------------------------------------------------------------------


def test_the_form_shows_the_checklist_with_catalogue_counts_and_the_appointment(lan, world):
    response = lan.get(COUNTER, {"thu_tuc": "1.001193"})
    page = html(response)
    assert response.status_code == 200
    for component in (world.birth_form, world.birth_certificate, world.authorisation):
        assert component.name in page
        assert f'name="c{component.pk}-received"' in page
        # One original, as the catalogue says.
        assert re.search(rf'name="c{component.pk}-originals" value="1"', page)
    assert "Bắt buộc" in page and "Có điều kiện" in page and "Khi ủy quyền nộp hồ sơ" in page
    # A fresh idempotency key for this dossier.
    assert re.search(r'name="client_key" value="[0-9a-f-]{36}"', page)
    # Two communes settle births: the locality is asked.
    assert "UBND phường Quy Nhơn" in page and "UBND xã Ia Grai" in page
    # Monday 09:15 + 3 working days.
    assert "09:15 Thứ Năm, 05/03/2026" in page
    # The officer's shortcuts are on screen; Enter cannot submit the form.
    assert 'data-shortcut="t" aria-keyshortcuts="Alt+T"' in page
    assert re.search(r'<button type="submit" disabled hidden', page)


def test_a_receptionist_working_at_two_centers_picks_one_and_it_is_remembered(lan, world):
    page = html(lan.get(COUNTER, {"thu_tuc": "1.001193"}))
    assert world.center_a.name in page and world.provincial_center.name in page
    lan.get(COUNTER, {"trung_tam": world.provincial_center.code})
    page = html(lan.get(COUNTER, {"thu_tuc": "1.001193"}))
    assert re.search(rf'<option value="{world.provincial_center.pk}" selected', page)


def test_a_procedure_offered_online_only_cannot_be_taken_at_the_counter(lan, world):
    version = world.criminal_case.version
    type(version).objects.filter(pk=version.pk).update(offers_counter=False, offers_online=True)
    page = html(lan.get(COUNTER, {"thu_tuc": "3.000333"}))
    assert "Thủ tục này chỉ nhận hồ sơ trực tuyến." in page


# --- The returning applicant ------------------------------------------------------------


def test_a_returning_applicant_is_found_by_identity_number(lan, world):
    counter_dossier(world)
    answer = lan.post(
        f"{COUNTER}cong-dan/",
        {
            "identity_kind": "citizen_id",
            "identity_number": "0520 9000 1234",
            "case": world.birth_case.pk,
        },
    ).json()
    assert answer["found"] is True
    assert answer["party"] == {
        "kind": "person",
        "name": "Trần Văn Bình",
        "birth_date": "",
        "address": "12 Trần Phú, phường Quy Nhơn",
        "phone": "0912345678",
        "email": "binh@example.vn",
    }
    assert answer["reuse"] == {}
    assert lan.post(f"{COUNTER}cong-dan/", {"identity_number": "052090009999"}).json() == {
        "found": False
    }


def test_the_lookup_keeps_identity_numbers_out_of_urls(lan, world):
    assert lan.get(f"{COUNTER}cong-dan/", {"identity_number": "052090001234"}).status_code == 405


def test_the_lookup_offers_what_the_system_holds_for_reuse(lan, world):
    dossier = counter_dossier(world)
    party = dossier.parties.get(role="applicant").party
    result = Document.objects.create(
        kind=DocumentKind.RESULT,
        file="documents/aa/result.pdf",
        original_name="giay-chung-sinh.pdf",
        content_type="application/pdf",
        size=10,
        sha256="a" * 64,
        owner=party,
        component_name=world.birth_certificate.name,
    )
    answer = lan.post(
        f"{COUNTER}cong-dan/",
        {"identity_number": "052090001234", "case": world.birth_case.pk},
    ).json()
    assert answer["reuse"] == {
        str(world.birth_certificate.pk): [
            {"id": result.pk, "label": f"Giấy chứng sinh ({result.created_at:%d/%m/%Y})"}
        ]
    }


def test_the_identity_check_button_asks_the_checker(lan, world):
    LocalIdentityRecord.objects.create(
        identity_kind="citizen_id", identity_number="052090001234", name="Trần Văn Bình", level=2
    )
    answer = lan.post(
        f"{COUNTER}dinh-danh/",
        {"identity_number": "052090001234", "name": "trần  văn BÌNH"},
    ).json()
    assert answer["verified"] is True
    answer = lan.post(
        f"{COUNTER}dinh-danh/", {"identity_number": "052090009999", "name": "Lê Văn Tám"}
    ).json()
    assert answer["verified"] is False
    assert "Không tìm thấy tài khoản định danh điện tử" in answer["detail"]
    answer = lan.post(f"{COUNTER}dinh-danh/", {"identity_number": "123", "name": "X"}).json()
    assert answer["verified"] is False and "12 chữ số" in answer["detail"]


# --- The appointment preview ------------------------------------------------------------


def preview(client, world, **params):
    values = {"case": world.birth_case.pk, "channel": "1", "center": world.center_a.pk}
    values.update(params)
    return client.get(f"{COUNTER}hen-tra/", values).json()


def test_the_preview_counts_working_days_from_now(lan, world):
    answer = preview(lan, world)
    assert answer["ok"] is True
    assert answer["due_text"] == "09:15 Thứ Năm, 05/03/2026"
    assert answer["time_limit"] == "3 ngày làm việc"


def test_the_preview_jumps_over_tet(lan, world, at):
    at.set(dt.datetime(2026, 2, 13, 16, 30, tzinfo=VN))  # the Friday before Tết
    assert preview(lan, world)["due_text"] == "16:30 Thứ Tư, 25/02/2026"
    # The selector, which the view uses, says the same.
    due = preview_appointment(
        world.birth_case,
        Channel.COUNTER,
        dt.datetime(2026, 2, 13, 16, 30, tzinfo=VN),
        world.center_a,
    ).due_at
    assert due == dt.datetime(2026, 2, 25, 16, 30, tzinfo=VN)


def test_the_preview_of_a_postal_dossier_counts_from_the_stamp(lan, world, at):
    at.set(dt.datetime(2026, 3, 4, 10, 0, tzinfo=VN))
    answer = preview(lan, world, channel="3", postal_stamp_date="2026-03-02")
    assert answer["due_text"] == "17:00 Thứ Tư, 04/03/2026"
    answer = preview(lan, world, channel="3")
    assert answer == {"ok": False, "message": "Nhập ngày dấu bưu điện để tính ngày hẹn trả."}


def test_the_preview_says_when_a_channel_has_no_time(lan, world):
    answer = preview(
        lan, world, case=world.criminal_case.pk, channel="3", postal_stamp_date="2026-03-02"
    )
    assert answer["ok"] is False and "chưa có thời hạn giải quyết" in answer["message"]


def test_the_preview_is_only_for_the_officers_centers(client, world, at):
    only_a = factories.staff(roles=[(Role.RECEPTIONIST, world.commune_a)])
    client.force_login(only_a)
    assert preview(client, world, center=world.provincial_center.pk)["ok"] is False
    assert preview(client, world)["ok"] is True


# --- Who may use the counter ------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        COUNTER,
        f"{COUNTER}tim-thu-tuc/?q=khai",
        f"{COUNTER}hen-tra/",
        "/workspace/dossiers/cho-tiep-nhan/",
    ],
)
def test_staff_without_reception_get_403(client, world, url):
    specialist = factories.staff(roles=[(Role.SPECIALIST, world.province)])
    client.force_login(specialist)
    assert client.get(url).status_code == 403
    assert (
        client.post(f"{COUNTER}cong-dan/", {"identity_number": "052090001234"}).status_code == 403
    )


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    response = client.get(COUNTER)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_receptionist_without_a_center_is_told(client, world, at):
    nowhere = factories.staff(roles=[(Role.RECEPTIONIST, world.justice)])
    client.force_login(nowhere)
    page = html(client.get(COUNTER, {"thu_tuc": "1.001193"}))
    assert "Bạn chưa được phân công tiếp nhận hồ sơ tại trung tâm nào." in page
