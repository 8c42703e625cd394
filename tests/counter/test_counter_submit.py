"""The counter's three outcomes through the HTTP form, errors shown next to the fields with
nothing written, the idempotency key, scans and the identity check."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.dossiers.models import (
    Document,
    Dossier,
    DossierEvent,
    DossierParty,
    LocalIdentityRecord,
    Party,
    Refusal,
    SubmittedComponent,
    SupplementRequest,
    Transfer,
)
from motcua.dossiers.services import verify_chain
from motcua.dossiers.signing import verify_document_signature
from motcua.dossiers.status import Status
from motcua.organization.models import Role
from tests import factories
from tests.dossier_documents.conftest import pdf_bytes

from .conftest import COUNTER, VN, intake

pytestmark = pytest.mark.django_db

CODE = "000.00.31.H21-260302-0001"


def html(response) -> str:
    return response.content.decode()


def nothing_written() -> bool:
    return not (Dossier.objects.exists() or Party.objects.exists() or DossierEvent.objects.exists())


def errors_of(page: str, field_id: str) -> str:
    """The text of the error list right after the input ``field_id``."""
    match = re.search(rf'id="{re.escape(field_id)}".*?<ul class="errorlist">(.*?)</ul>', page, re.S)
    assert match, f"no errors shown for {field_id}"
    return re.sub(r"<[^>]+>", " ", match.group(1))


# --- The three outcomes -----------------------------------------------------------------


def test_accepting_makes_the_dossier_and_shows_its_code_and_receipt(lan, world):
    response = lan.post(COUNTER, intake(world))
    assert response.status_code == 302
    assert response["Location"] == f"/workspace/dossiers/{CODE}/ket-qua/"
    dossier = Dossier.objects.get()
    assert (dossier.code, dossier.status, dossier.channel) == (CODE, Status.ACCEPTED, "1")
    assert dossier.due_at == dt.datetime(2026, 3, 5, 9, 15, tzinfo=VN)
    assert dossier.receiving_center == world.center_a
    assert dossier.created_by == world.receptionist
    assert dossier.competent_unit == world.commune_a
    applicant = DossierParty.objects.get(dossier=dossier, role="applicant")
    assert (applicant.name, applicant.identity_number, applicant.phone) == (
        "Trần Văn Bình",
        "052090001234",
        "0912345678",
    )
    rows = SubmittedComponent.objects.filter(dossier=dossier).order_by("component__position")
    assert [(r.component, r.originals) for r in rows] == [
        (world.birth_form, 1),
        (world.birth_certificate, 1),
    ]
    assert [e.action for e in dossier.events.all()] == ["register", "accept"]
    assert verify_chain(dossier)

    page = html(lan.get(response["Location"]))
    assert f'data-testid="dossier-code">{CODE}<' in page
    assert "09:15 Thứ Năm, 05/03/2026" in page
    assert f'href="/workspace/print/{CODE}/01/"' in page
    assert f'href="/workspace/print/{CODE}/01.pdf"' in page
    assert 'href="/workspace/dossiers/tiep-nhan/"' in page  # "Tiếp nhận hồ sơ mới"


def test_unticked_rows_are_not_recorded_and_counts_are_kept(lan, world):
    data = intake(
        world,
        components={
            world.birth_form: {"originals": "2", "copies": "1"},
            world.birth_certificate: {"certified_copies": "1", "originals": "0"},
            world.authorisation: {"received": None},  # counts filled in, not ticked
        },
    )
    assert lan.post(COUNTER, data).status_code == 302
    rows = {
        r.component_id: (r.originals, r.certified_copies, r.copies)
        for r in SubmittedComponent.objects.all()
    }
    assert rows == {world.birth_form.pk: (2, 0, 1), world.birth_certificate.pk: (0, 1, 0)}


def test_requesting_completion_records_what_is_missing(lan, world):
    data = intake(
        world,
        components={
            world.birth_form: {},
            world.birth_certificate: {"received": None, "missing": "on"},
        },
        outcome="request_supplement",
        supplement_reason="Thiếu giấy chứng sinh",
        guidance="Xin giấy chứng sinh tại bệnh viện nơi sinh",
        other_missing="Sổ hộ khẩu bản sao",
    )
    response = lan.post(COUNTER, data)
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.status == Status.SUPPLEMENT_REQUESTED and dossier.due_at is None
    request = SupplementRequest.objects.get(dossier=dossier)
    assert request.reason == "Thiếu giấy chứng sinh"
    assert request.guidance == "Xin giấy chứng sinh tại bệnh viện nơi sinh"
    assert [(i["component"], i["name"]) for i in request.items] == [
        (world.birth_certificate.pk, "Giấy chứng sinh"),
        (None, "Sổ hộ khẩu bản sao"),
    ]
    page = html(lan.get(response["Location"]))
    assert "Đã yêu cầu bổ sung, hoàn thiện hồ sơ" in page
    assert f'href="/workspace/print/{CODE}/02/"' in page
    assert "/01/" not in page


def test_refusing_keeps_the_reason(lan, world):
    data = intake(world, outcome="refuse", refusal_reason="Trẻ đã được đăng ký khai sinh")
    response = lan.post(COUNTER, data)
    dossier = Dossier.objects.get()
    assert dossier.status == Status.NOT_ACCEPTED
    assert Refusal.objects.get(dossier=dossier).reason == "Trẻ đã được đăng ký khai sinh"
    page = html(lan.get(response["Location"]))
    assert "Đã từ chối tiếp nhận hồ sơ" in page
    assert f'href="/workspace/print/{CODE}/03/"' in page


def test_a_postal_dossier_counts_from_its_stamp(lan, world, at):
    at.set(dt.datetime(2026, 3, 4, 10, 0, tzinfo=VN))
    data = intake(world, channel="3", postal_stamp_date="2026-03-02")
    assert lan.post(COUNTER, data).status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.postal_stamp_date == dt.date(2026, 3, 2)
    assert dossier.due_at == dt.datetime(2026, 3, 4, 17, 0, tzinfo=VN)


def test_owner_and_representative_are_kept_apart(lan, world):
    data = intake(
        world,
        has_owner="on",
        has_representative="on",
        **{
            "owner-identity_number": "052126009876",
            "owner-name": "Trần Gia Hân",
            "representative-identity_number": "052080004321",
            "representative-name": "Lê Thị Cúc",
            "representative-authorization": "Giấy ủy quyền ngày 01/3/2026",
        },
    )
    assert lan.post(COUNTER, data).status_code == 302
    roles = dict(DossierParty.objects.values_list("role", "name"))
    assert roles == {
        "applicant": "Trần Văn Bình",
        "owner": "Trần Gia Hân",
        "representative": "Lê Thị Cúc",
    }


def test_a_provincial_center_receives_a_commune_procedure_for_the_chosen_locality(lan, world):
    data = intake(world, center=str(world.provincial_center.pk), locality=str(world.commune_b.pk))
    assert lan.post(COUNTER, data).status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.code.startswith("000.00.01.H21-260302-")
    assert dossier.competent_unit == world.commune_b
    assert Transfer.objects.get(dossier=dossier).to_unit == world.commune_b
    # The chosen center is remembered for the next dossier.
    page = html(lan.get(COUNTER, {"thu_tuc": "1.001193"}))
    assert re.search(rf'<option value="{world.provincial_center.pk}" selected', page)


# --- Errors: shown next to the fields, everything typed kept, nothing written -----------


def test_a_bad_identity_number_is_shown_next_to_it_with_everything_kept(lan, world):
    data = intake(world, **{"applicant-identity_number": "05209000123", "applicant-phone": "12345"})
    response = lan.post(COUNTER, data)
    assert response.status_code == 200
    page = html(response)
    assert "Hồ sơ chưa được lưu." in page
    assert "phải gồm đúng 12 chữ số" in errors_of(page, "id_applicant-identity_number")
    assert "Số điện thoại “12345” không hợp lệ" in errors_of(page, "id_applicant-phone")
    # Everything typed is still there, with the same idempotency key.
    assert 'value="05209000123"' in page and 'value="Trần Văn Bình"' in page
    assert 'value="12 Trần Phú, phường Quy Nhơn"' in page and 'value="binh@example.vn"' in page
    assert f'value="{data["client_key"]}"' in page
    assert re.search(rf'name="c{world.birth_form.pk}-received"[^>]*checked', page)
    assert nothing_written()


def test_a_missing_required_component_blocks_acceptance(lan, world):
    data = intake(world, components={world.birth_form: {}})
    page = html(lan.post(COUNTER, data))
    assert "Thiếu thành phần bắt buộc: Giấy chứng sinh" in page
    assert nothing_written()


def test_a_ticked_row_without_copies_asks_for_them(lan, world):
    data = intake(
        world, components={world.birth_form: {}, world.birth_certificate: {"originals": "0"}}
    )
    page = html(lan.post(COUNTER, data))
    assert "Hãy ghi số bản đã nhận" in page
    assert nothing_written()


@pytest.mark.parametrize(
    ("overrides", "field_id", "message"),
    [
        ({"outcome": "refuse"}, "id_refusal_reason", "Hãy ghi lý do từ chối."),
        (
            {"outcome": "request_supplement", "supplement_reason": "Thiếu"},
            None,
            "Hãy nêu ít nhất một nội dung cần bổ sung",
        ),
        (
            {"outcome": "request_supplement", "other_missing": "Giấy tờ cư trú"},
            "id_supplement_reason",
            "Hãy ghi lý do yêu cầu bổ sung.",
        ),
        ({"channel": "3"}, "id_postal_stamp_date", "phải có ngày dấu bưu điện"),
        ({"center": "provincial"}, "id_locality", "hãy chọn địa bàn"),
        ({"has_owner": "on"}, "id_owner-name", "Hãy nhập họ tên hoặc tên tổ chức (Chủ hồ sơ)"),
        (
            {
                "has_representative": "on",
                "representative-identity_number": "052080004321",
                "representative-name": "Lê Thị Cúc",
            },
            "id_representative-authorization",
            "phải có văn bản ủy quyền",
        ),
        ({"applicant-email": "binh@"}, "id_applicant-email", "không hợp lệ"),
        ({"outcome": "approve"}, None, "Hãy chọn Tiếp nhận, Yêu cầu bổ sung hoặc Từ chối."),
        ({"sets_count": "0"}, "id_sets_count", "Số bộ hồ sơ phải từ 1 trở lên."),
    ],
    ids=[
        "refuse-no-reason",
        "supplement-no-items",
        "supplement-no-reason",
        "postal-no-stamp",
        "no-locality",
        "owner-blank",
        "representative-no-authorization",
        "bad-email",
        "bad-outcome",
        "no-sets",
    ],
)
def test_errors_are_shown_where_they_belong(lan, world, overrides, field_id, message):
    if overrides.get("center") == "provincial":
        overrides["center"] = str(world.provincial_center.pk)
    page = html(lan.post(COUNTER, intake(world, **overrides)))
    if field_id:
        assert message in errors_of(page, field_id)
    else:
        assert message in page
    assert nothing_written()


def test_an_error_on_an_outcome_keeps_its_panel_open(lan, world):
    page = html(lan.post(COUNTER, intake(world, outcome="refuse")))
    assert re.search(r'id="refusal-panel" open', page)
    assert not re.search(r'id="supplement-panel" open', page)


# --- Idempotency ------------------------------------------------------------------------


def test_a_double_submit_makes_one_dossier(lan, world):
    data = intake(world)
    first = lan.post(COUNTER, data)
    second = lan.post(COUNTER, data)
    assert first["Location"] == second["Location"] == f"/workspace/dossiers/{CODE}/ket-qua/"
    assert Dossier.objects.count() == 1
    other = lan.post(COUNTER, intake(world))
    assert other["Location"].endswith("-0002/ket-qua/")


# --- Who may receive where --------------------------------------------------------------


def test_a_receptionist_cannot_pick_a_center_they_do_not_work_at(client, world, at):
    only_a = factories.staff(roles=[(Role.RECEPTIONIST, world.commune_a)])
    client.force_login(only_a)
    page = html(client.get(COUNTER, {"thu_tuc": "1.001193"}))
    assert world.provincial_center.name not in page
    data = intake(world, center=str(world.provincial_center.pk))
    page = html(client.post(COUNTER, data))
    assert "Bạn không tiếp nhận hồ sơ tại trung tâm này." in page
    assert nothing_written()
    assert client.post(COUNTER, intake(world)).status_code == 302


# --- Scans ------------------------------------------------------------------------------


def scan(name="giay-chung-sinh.pdf", content=None, content_type="application/pdf"):
    return SimpleUploadedFile(name, content or pdf_bytes(), content_type=content_type)


def test_scans_are_stored_signed_and_attached(lan, world):
    data = intake(world)
    data[f"c{world.birth_certificate.pk}-scans"] = [scan(), scan("trang-2.pdf", pdf_bytes("2"))]
    assert lan.post(COUNTER, data).status_code == 302
    row = SubmittedComponent.objects.get(component=world.birth_certificate)
    documents = list(row.documents.order_by("original_name"))
    assert [d.original_name for d in documents] == ["giay-chung-sinh.pdf", "trang-2.pdf"]
    assert row.digitised
    assert all(verify_document_signature(d) for d in documents)
    assert documents[0].owner == Party.objects.get()


def test_a_refused_file_is_shown_on_its_row_and_nothing_is_written(lan, world):
    data = intake(world)
    data[f"c{world.birth_form.pk}-scans"] = scan(
        "to-khai.gif", b"GIF89a\x01\x00\x01\x00;", "image/gif"
    )
    page = html(lan.post(COUNTER, data))
    assert "không phải loại được nhận" in page
    assert not Dossier.objects.exists()


def test_stored_scans_survive_a_second_attempt(lan, world):
    data = intake(world, **{"applicant-identity_number": "123"})
    data[f"c{world.birth_certificate.pk}-scans"] = scan()
    page = html(lan.post(COUNTER, data))
    assert not Dossier.objects.exists()
    assert Document.objects.count() == 1  # stored before the dossier, as it must be
    stored = re.search(rf'name="c{world.birth_certificate.pk}-stored" value="([^"]+)"', page)
    assert stored and "Đã lưu bản quét lần trước" in page
    data = intake(world, client_key=data["client_key"])
    data[f"c{world.birth_certificate.pk}-stored"] = stored.group(1)
    assert lan.post(COUNTER, data).status_code == 302
    row = SubmittedComponent.objects.get(component=world.birth_certificate)
    assert [d.original_name for d in row.documents.all()] == ["giay-chung-sinh.pdf"]
    # A forged value names nothing.
    forged = intake(world)
    forged[f"c{world.birth_certificate.pk}-stored"] = "[1]:forged"
    assert lan.post(COUNTER, forged).status_code == 302
    assert not SubmittedComponent.objects.filter(
        dossier__code__endswith="-0002", documents__isnull=False
    ).exists()


def test_a_document_held_for_the_applicant_is_reused(lan, world):
    lan.post(COUNTER, intake(world, **{f"c{world.birth_certificate.pk}-scans": scan()}))
    earlier = Document.objects.get()
    data = intake(
        world, components={world.birth_form: {}, world.birth_certificate: {"received": None}}
    )
    data[f"c{world.birth_certificate.pk}-reuse"] = str(earlier.pk)
    response = lan.post(COUNTER, data)
    assert response.status_code == 302
    row = SubmittedComponent.objects.get(
        dossier__code__endswith="-0002", component=world.birth_certificate
    )
    assert row.reused_from == earlier
    # Someone else cannot reuse it.
    data = intake(
        world,
        components={world.birth_form: {}, world.birth_certificate: {"received": None}},
        **{"applicant-identity_number": "052090009999", "applicant-name": "Người khác"},
    )
    data[f"c{world.birth_certificate.pk}-reuse"] = str(earlier.pk)
    page = html(lan.post(COUNTER, data))
    assert "Giấy tờ đã chọn không thuộc danh sách được tái sử dụng." in page
    assert Dossier.objects.count() == 2


# --- The electronic identity ------------------------------------------------------------


def test_the_identity_check_made_on_receipt_is_recorded(lan, world):
    LocalIdentityRecord.objects.create(
        identity_kind="citizen_id", identity_number="052090001234", name="Trần Văn Bình", level=2
    )
    lan.post(COUNTER, intake(world, identity_check="on"))
    dossier = Dossier.objects.get()
    assert dossier.identity_verified and dossier.identity_verification == "local:2"
    lan.post(
        COUNTER, intake(world, **{"applicant-identity_number": "052090007777"}, identity_check="on")
    )
    unknown = Dossier.objects.get(code__endswith="-0002")
    assert not unknown.identity_verified
    lan.post(COUNTER, intake(world))  # not asked
    assert not Dossier.objects.get(code__endswith="-0003").identity_verified
