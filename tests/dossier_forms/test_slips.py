"""The rules of the forms, without HTTP: the form-set table, the Vietnamese administrative
wording of dates, moments and places, which forms apply to a dossier, and the PDF's handling
of decomposed Vietnamese and of forms longer than a page."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from motcua.catalog.models import Channel
from motcua.dossiers import pdf, rules, services, slips
from motcua.dossiers.models import FormSet
from motcua.dossiers.slips import FormKind
from motcua.organization.models import Role, Unit
from tests import factories
from tests.dossiers.conftest import applicant, full_components

from .conftest import VN, pdf_pages, pdf_text, receive

# ---------------------------------------------------------------------------------------------
# The table of form sets


def test_every_form_set_numbers_the_reception_forms_and_the_book():
    assert set(slips.FORM_SETS) == set(FormSet.values)
    numbers = {
        key: {form.kind: form.number for form in definitions.forms}
        for key, definitions in slips.FORM_SETS.items()
    }
    assert numbers[FormSet.TT01_2018] == {
        FormKind.RECEIPT: "01",
        FormKind.SUPPLEMENT: "02",
        FormKind.REFUSAL: "03",
        FormKind.APOLOGY: "04",
        FormKind.CONTROL: "05",
        FormKind.LEDGER: "06",
    }
    assert numbers[FormSet.TT03_2025] == {
        FormKind.RECEIPT: "01",
        FormKind.SUPPLEMENT: "02",
        FormKind.REFUSAL: "03",
        FormKind.APOLOGY: "04",
        FormKind.STOP: "05",
        FormKind.CONTROL: "06",
        FormKind.LEDGER: "07",
    }
    for definitions in slips.FORM_SETS.values():
        assert len({f.number for f in definitions.forms}) == len(definitions.forms)
        assert definitions.form(FormKind.LEDGER).paper == slips.Paper.A4_LANDSCAPE
        assert definitions.form(FormKind.RECEIPT).paper == slips.Paper.A5


def test_the_two_sets_share_the_titles_of_forms_01_to_03():
    old, new = slips.FORM_SETS[FormSet.TT01_2018], slips.FORM_SETS[FormSet.TT03_2025]
    for kind in slips.PRINTABLE:
        assert str(old.form(kind).title) == str(new.form(kind).title)
    assert str(new.form(FormKind.RECEIPT).title) == "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"


def test_references_name_the_circular_and_its_date():
    old, new = slips.FORM_SETS[FormSet.TT01_2018], slips.FORM_SETS[FormSet.TT03_2025]
    assert old.reference(old.form(FormKind.SUPPLEMENT)) == (
        "Mẫu số 02 ban hành kèm theo Thông tư số 01/2018/TT-VPCP ngày 23/11/2018 "
        "của Văn phòng Chính phủ"
    )
    assert new.short_reference(new.form(FormKind.LEDGER)) == "Mẫu số 07 - TT 03/2025/TT-VPCP"


@pytest.mark.parametrize(
    ("day", "form_set"),
    [
        (dt.date(2025, 8, 1), FormSet.TT01_2018),
        (dt.date(2025, 9, 14), FormSet.TT01_2018),
        (dt.date(2025, 9, 15), FormSet.TT03_2025),
        (dt.date(2026, 3, 2), FormSet.TT03_2025),
    ],
)
def test_form_set_by_reception_day(day, form_set):
    assert rules.form_set_on(day) == form_set


# ---------------------------------------------------------------------------------------------
# Wording


@pytest.mark.parametrize(
    ("day", "line"),
    [
        (dt.date(2026, 2, 13), "Quy Nhơn, ngày 13 tháng 02 năm 2026"),
        (dt.date(2026, 3, 2), "Quy Nhơn, ngày 02 tháng 3 năm 2026"),
        (dt.date(2026, 1, 5), "Quy Nhơn, ngày 05 tháng 01 năm 2026"),
        (dt.date(2025, 12, 31), "Quy Nhơn, ngày 31 tháng 12 năm 2025"),
    ],
)
def test_date_line_pads_days_below_ten_and_months_one_and_two(day, line):
    assert slips.date_line("Quy Nhơn", day) == line


def test_moments_are_written_in_hours_and_minutes_local_time():
    moment = dt.datetime(2026, 2, 25, 9, 30, tzinfo=dt.UTC)  # 16:30 in Vietnam
    assert slips.spoken_moment(moment) == "16 giờ 30 phút, ngày 25/02/2026"
    early = dt.datetime(2026, 3, 5, 7, 5, tzinfo=VN)
    assert slips.spoken_moment(early) == "7 giờ 05 phút, ngày 05/03/2026"


@pytest.mark.parametrize(
    ("names", "place"),
    [
        (["UBND phường Quy Nhơn", "UBND tỉnh Gia Lai"], "Quy Nhơn"),
        (["Sở Tư pháp", "UBND tỉnh Gia Lai"], "Gia Lai"),
        (["Văn phòng UBND tỉnh", "UBND tỉnh Gia Lai"], "Gia Lai"),
        (["Ủy ban nhân dân thành phố Hà Nội"], "Hà Nội"),
        (["UBND phường 1", "UBND tỉnh Vĩnh Long"], "Phường 1"),
        (["UBND đặc khu Phú Quốc"], "Phú Quốc"),
        (["Bộ Tư pháp"], "Bộ Tư pháp"),
    ],
)
def test_place_name_is_the_nearest_administrative_area(names, place):
    assert slips.place_name([Unit(name=name) for name in names]) == place


def test_money_is_grouped_with_dots():
    assert slips.format_vnd(1250000) == "1.250.000 đồng"


def test_public_lookup_url(settings):
    assert slips.public_lookup_url("000.00.31.H21-260302-0001") == (
        "http://127.0.0.1:8000/tra-cuu/000.00.31.H21-260302-0001/"
    )
    settings.MOTCUA_PUBLIC_BASE_URL = "https://dvc.example.vn/cong/"
    assert slips.public_lookup_url("A B") == "https://dvc.example.vn/cong/tra-cuu/A%20B/"


# ---------------------------------------------------------------------------------------------
# Which forms apply


@pytest.mark.django_db
def test_printable_forms_follow_what_happened(accepted, sent_back, refused, world):
    def numbers(dossier):
        return [f.number for f in slips.printable_forms(dossier)]

    # Once accepted, the control sheet (form 06 of TT 03/2025) travels with the file.
    assert numbers(accepted) == ["01", "06"]
    assert numbers(sent_back) == ["02"]
    assert numbers(refused) == ["03"]
    services.resubmit_dossier(
        actor=world.receptionist,
        dossier=sent_back,
        components=[services.ComponentInput(world.birth_certificate, originals=1)],
    )
    services.accept_dossier(actor=world.receptionist, dossier=sent_back)
    sent_back.refresh_from_db()
    assert numbers(sent_back) == ["01", "02", "06"]


@pytest.mark.django_db
def test_receipt_officer_is_who_accepted_an_online_dossier(world):
    dossier = services.register_dossier(
        actor=None,
        center=world.center_a,
        case=world.birth_case,
        channel=Channel.ONLINE,
        applicant=applicant(),
        components=full_components(world),
        submitted_at=dt.datetime(2026, 3, 6, 15, 0, tzinfo=VN),
    )
    officer = factories.staff(
        username="hoa",
        full_name="Đặng Thu Hòa",
        roles=[(Role.RECEPTIONIST, world.province)],
    )
    services.accept_dossier(
        actor=officer, dossier=dossier, at=dt.datetime(2026, 3, 9, 8, 0, tzinfo=VN)
    )
    slip = slips.build_slip(slips.load_dossier(dossier.code), "01")
    text = slip.all_text()
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ\n(Ký và ghi rõ họ tên)\nĐặng Thu Hòa" in text
    assert "4. Thời gian nhận hồ sơ: 8 giờ 00 phút, ngày 09/03/2026" in text
    assert "5. Thời gian trả kết quả giải quyết hồ sơ: 8 giờ 00 phút, ngày 12/03/2026" in text


# ---------------------------------------------------------------------------------------------
# The PDF


@pytest.mark.django_db
def test_decomposed_vietnamese_prints_composed(world):
    name = unicodedata.normalize("NFD", "Nguyễn Thị Ánh Tuyết")
    assert name != "Nguyễn Thị Ánh Tuyết"
    dossier = receive(
        world, applicant=services.PartyInput(name=name, identity_number="052090009999")
    )
    slip = slips.build_slip(slips.load_dossier(dossier.code), "01")
    text = pdf_text(pdf.render_slip(slip))
    assert "Nguyễn Thị Ánh Tuyết" in text


@pytest.mark.django_db
def test_a_long_form_flows_onto_a_second_a5_page(world):
    reason = " ".join(
        f"Điều kiện thứ {i}: giấy tờ kèm theo chưa đáp ứng quy định của pháp luật về hộ tịch."
        for i in range(1, 41)
    )
    dossier = receive(
        world,
        outcome=services.Outcome.REFUSE,
        reason=reason,
        at=dt.datetime(2026, 3, 3, 10, 0, tzinfo=VN),
    )
    content = pdf.render_slip(slips.build_slip(slips.load_dossier(dossier.code), "03"))
    pages = pdf_pages(content)
    assert len(pages) == 2
    for page in pages:
        assert "Mẫu số 03 ban hành kèm theo" in page.extract_text()
    last = pages[-1].extract_text()
    assert "Điều kiện thứ 40" in " ".join(pdf_text(content).split())
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in last and "Nguyễn Thị Lan" in last


@pytest.mark.django_db
def test_pdf_is_the_same_bytes_every_time(accepted):
    slip = slips.build_slip(slips.load_dossier(accepted.code), "01")
    assert pdf.render_slip(slip) == pdf.render_slip(slip)
