"""The transfer slip (Phiếu chuyển xử lý, NĐ 118/2025 Art 20): a paper dossier settled by
several units goes from one to the next in the order the center set, each with its task and
deadline. Printed as ``PCXL`` next to forms 01–03, only when the dossier has such a slip."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from motcua.catalog import services as catalog_services
from motcua.catalog.models import ProcessTemplate
from motcua.dossiers import pdf, slips
from motcua.dossiers.models import Transfer
from motcua.organization.models import Role, UnitIdentity
from tests import factories

from .conftest import PASSWORD, VN, pdf_pages, pdf_text, receive
from .test_print_browser import log_in, printed, size_mm, squash
from .test_print_views import text_of

pytestmark = pytest.mark.django_db

PCXL = "PCXL"


def html_url(code: str) -> str:
    return reverse("dossier_print:slip", args=[code, PCXL])


def pdf_url(code: str) -> str:
    return reverse("dossier_print:slip_pdf", args=[code, PCXL])


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def linked_case(world):
    """The birth case with an internal process: the commune settles it, the justice department
    verifies the information, and the province's office files it."""
    archive = factories.unit("Văn phòng Đăng ký đất đai", parent=world.province)
    template = ProcessTemplate.objects.create(code="ks-lien-thong", name="Khai sinh liên thông")
    catalog_services.save_process_template(
        actor=None,
        template=template,
        steps=[
            {
                "name": "Tiếp nhận",
                "role": Role.RECEPTIONIST,
                "budget": Decimal(2),
                "budget_unit": "working_hours",
            },
            {
                "name": "Thẩm định",
                "role": Role.SPECIALIST,
                "budget": Decimal(4),
                "budget_unit": "working_hours",
            },
            {
                "name": "Xác minh thông tin",
                "role": Role.SPECIALIST,
                "budget": Decimal(1),
                "budget_unit": "working_days",
                "unit": world.justice,
            },
            {
                "name": "Cập nhật hồ sơ địa chính",
                "role": Role.SPECIALIST,
                "budget": Decimal(4),
                "budget_unit": "working_hours",
                "unit": archive,
            },
            {
                "name": "Phê duyệt",
                "role": Role.LEADER,
                "budget": Decimal(1),
                "budget_unit": "working_hours",
            },
        ],
    )
    world.birth_case.process_template = template
    world.birth_case.save()
    return archive


@pytest.fixture
def linked(world, linked_case):
    """Received on Monday 02/03/2026 at 9:15: three units take part, slip 1/PCXL."""
    return receive(world, at=dt.datetime(2026, 3, 2, 9, 15, tzinfo=VN))


# What the slip must say about each unit, in transfer order.
ROWS = [
    ("UBND phường Quy Nhơn", "Chủ trì giải quyết hồ sơ", "9 giờ 15 phút, ngày 05/03/2026"),
    ("Sở Tư pháp", "Xác minh thông tin", "16 giờ 45 phút, ngày 03/03/2026"),
    ("Văn phòng Đăng ký đất đai", "Cập nhật hồ sơ địa chính", "11 giờ 15 phút, ngày 04/03/2026"),
]


def test_the_dossier_has_one_numbered_slip_for_three_units(linked, world, linked_case):
    transfers = list(Transfer.objects.filter(dossier=linked).order_by("order"))
    assert [t.to_unit for t in transfers] == [world.commune_a, world.justice, linked_case]
    assert {t.slip_number for t in transfers} == {"1/PCXL"}
    assert [slips.spoken_moment(t.due_at) for t in transfers] == [r[2] for r in ROWS]


def test_transfer_slip_page_shows_each_unit_task_and_deadline_in_order(staff_client, linked):
    response = staff_client.get(html_url(linked.code))
    assert response.status_code == 200
    text = text_of(response)
    for expected in [
        "UBND PHƯỜNG QUY NHƠN",
        "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG PHƯỜNG QUY NHƠN",
        "Số: 1/PCXL",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Quy Nhơn, ngày 02 tháng 3 năm 2026",
        "PHIẾU CHUYỂN XỬ LÝ HỒ SƠ",
        f"Mã hồ sơ: {linked.code}",
        "Thủ tục hành chính: Đăng ký khai sinh (1.001193)",
        "Trường hợp: Trường hợp chung",
        "Tổ chức, cá nhân nộp hồ sơ: Trần Văn Bình",
        "Địa chỉ: 12 Trần Phú, phường Quy Nhơn",
        "Số điện thoại: 0912345678",
        "Thời gian nhận hồ sơ: 9 giờ 15 phút, ngày 02/03/2026",
        "Thời gian hẹn trả kết quả: 9 giờ 15 phút, ngày 05/03/2026",
        "Hạn chuyển hồ sơ giấy: 9 giờ 15 phút, ngày 03/03/2026",
        "STT Cơ quan, đơn vị Nhiệm vụ Thời hạn Ký nhận",
        "NGƯỜI TIẾP NHẬN HỒ SƠ (Ký và ghi rõ họ tên) Nguyễn Thị Lan",
        "Điều 20 - NĐ 118/2025/NĐ-CP",
        "Phiếu chuyển xử lý hồ sơ - Điều 20 Nghị định số 118/2025/NĐ-CP ngày 09/06/2025 "
        "của Chính phủ.",
    ]:
        assert expected in text, expected
    rows = " ".join(f"{i} {unit} {task} {due}" for i, (unit, task, due) in enumerate(ROWS, 1))
    assert rows in text
    # The signature column is empty and tall enough to sign in.
    body = response.content.decode()
    assert body.count('<tr class="row-tall" style="height: 11mm">') == 3
    assert re.search(r'<td class="align-C">\s*</td></tr>', body)
    assert "Mẫu số" not in text and "TT 03/2025" not in text


def test_transfer_slip_pdf_has_the_same_content(staff_client, linked):
    response = staff_client.get(pdf_url(linked.code))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{linked.code}-phieu-chuyen-xu-ly.pdf"' in response["Content-Disposition"]
    pages = pdf_pages(response.content)
    assert len(pages) == 1
    box = pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (148, 210)
    text = flat(pdf_text(response.content))
    for expected in [
        "PHIẾU CHUYỂN XỬ LÝ HỒ SƠ",
        "Số: 1/PCXL",
        f"Mã hồ sơ: {linked.code}",
        "Trần Văn Bình",
        "Thời gian hẹn trả kết quả: 9 giờ 15 phút, ngày 05/03/2026",
        "Hạn chuyển hồ sơ giấy: 9 giờ 15 phút, ngày 03/03/2026",
        "Nguyễn Thị Lan",
    ]:
        assert expected in text, expected
    # Each unit with its task and deadline, in order (cells wrap, so compare without spaces).
    squeezed = text.replace(" ", "")
    positions = []
    for unit, task, due in ROWS:
        for part in (unit, task, due):
            assert part.replace(" ", "") in squeezed, part
        positions.append(squeezed.index(unit.replace(" ", "")))
    assert positions == sorted(positions)


def test_the_lead_is_marked_even_with_its_own_task(linked, world):
    Transfer.objects.filter(dossier=linked, is_lead=True).update(task="Thẩm định, phê duyệt")
    Transfer.objects.filter(dossier=linked, to_unit=world.justice).update(task="")
    slip = slips.build_slip(slips.load_dossier(linked.code), PCXL)
    table = next(b for b in slip.body if isinstance(b, slips.Table))
    assert [row[2] for row in table.rows] == [
        "Chủ trì: Thẩm định, phê duyệt",
        "Phối hợp giải quyết hồ sơ",
        "Cập nhật hồ sơ địa chính",
    ]
    assert [row[0] for row in table.rows] == ["1", "2", "3"]
    assert all(row[4] == "" for row in table.rows)


def test_units_are_named_as_they_were_on_the_day(linked, world):
    UnitIdentity.objects.create(
        unit=world.justice,
        code=world.justice.code,
        name="Sở Tư pháp tỉnh Gia Lai",
        valid_from=dt.date(2025, 7, 1),
        valid_to=dt.date(2026, 6, 30),
    )
    world.justice.name = "Sở Tư pháp và Nội vụ"
    world.justice.save()
    slip = slips.build_slip(slips.load_dossier(linked.code), PCXL)
    assert "2 Sở Tư pháp tỉnh Gia Lai Xác minh thông tin" in slip.all_text()
    assert "Sở Tư pháp và Nội vụ" not in slip.all_text()


def test_printable_forms_add_the_transfer_slip_after_the_numbered_forms(linked):
    assert [f.number for f in slips.printable_forms(linked)] == ["01", "06", PCXL]
    assert slips.printable_forms(linked)[-1] is slips.TRANSFER_SLIP.form


def test_printable_forms_is_one_query(linked, django_assert_num_queries):
    with django_assert_num_queries(1):
        slips.printable_forms(linked)


def test_the_result_and_dossier_pages_link_to_the_slip(staff_client, linked):
    for page in (
        f"/workspace/dossiers/{linked.code}/ket-qua/",
        f"/workspace/dossiers/{linked.code}/",
    ):
        body = staff_client.get(page).content.decode()
        assert f'href="{html_url(linked.code)}"' in body, page
        assert f'href="{pdf_url(linked.code)}"' in body, page
        assert 'data-print="PCXL"' in body


def test_transfer_slip_stays_vietnamese_on_an_english_screen(staff_client, linked):
    staff_client.post(reverse("set_language"), {"language": "en", "next": "/workspace/"})
    text = text_of(staff_client.get(html_url(linked.code)))
    assert "PHIẾU CHUYỂN XỬ LÝ HỒ SƠ" in text
    assert "STT Cơ quan, đơn vị Nhiệm vụ Thời hạn Ký nhận" in text


def test_transfer_slip_is_deterministic(linked):
    slip = slips.build_slip(slips.load_dossier(linked.code), PCXL)
    assert pdf.render_slip(slip) == pdf.render_slip(slip)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_transfer_slip_prints_on_one_a5_sheet_in_a_browser(page, live_server, world, linked):
    log_in(page, live_server, world.receptionist.username)
    page.goto(f"{live_server.url}{html_url(linked.code)}")
    page.get_by_role("heading", name="PHIẾU CHUYỂN XỬ LÝ HỒ SƠ").wait_for()
    pdf_file = printed(page)
    assert len(pdf_file.pages) == 1
    assert size_mm(pdf_file.pages[0]) == (148, 210)
    text = squash(pdf_file.pages[0].extract_text())
    assert squash("Số: 1/PCXL") in text
    for unit, task, due in ROWS:
        assert squash(f"{unit}") in text and squash(task) in text and squash(due) in text
    assert squash("In phiếu") not in text


# ---------------------------------------------------------------------------------------------
# When there is none, and who may print it


@pytest.mark.parametrize("fixture", ["accepted", "refused", "sent_back"])
def test_no_slip_is_a_404_that_says_why(staff_client, request, fixture):
    dossier = request.getfixturevalue(fixture)
    assert PCXL not in [f.number for f in slips.printable_forms(dossier)]
    for url in (html_url(dossier.code), pdf_url(dossier.code)):
        response = staff_client.get(url)
        assert response.status_code == 404
        assert (
            "Hồ sơ này không có phiếu chuyển xử lý hồ sơ: phiếu chỉ được lập khi hồ sơ giấy "
            "được chuyển đến nhiều cơ quan, đơn vị cùng giải quyết." in text_of(response)
        )
        assert 'data-testid="unavailable"' in response.content.decode()


def test_a_transfer_to_a_single_unit_has_no_slip(staff_client, world):
    """Settled by another unit than the receiving center's, alone: forwarded, no slip."""
    dossier = receive(world, center=world.provincial_center, locality=world.commune_b)
    assert Transfer.objects.filter(dossier=dossier, slip_number="").count() == 1
    assert staff_client.get(html_url(dossier.code)).status_code == 404


def test_unknown_numbers_and_spellings_are_not_the_slip(staff_client, linked):
    base = f"/workspace/print/{linked.code}/"
    for path in ("pcxl/", "PCX/", "PCXL1/", "pcxl.pdf"):
        assert staff_client.get(base + path).status_code == 404, path


def test_anonymous_visitors_are_sent_to_log_in(client, linked):
    response = client.get(pdf_url(linked.code))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_staff_without_a_role_there_get_a_403(client, linked, outsider):
    assert client.login(username=outsider.username, password=PASSWORD)
    for url in (html_url(linked.code), pdf_url(linked.code)):
        response = client.get(url)
        assert response.status_code == 403
        assert "Bạn không có quyền in biểu mẫu của hồ sơ" in text_of(response)


def test_a_role_over_the_competent_unit_may_print(client, linked, specialist):
    assert client.login(username=specialist.username, password=PASSWORD)
    assert client.get(html_url(linked.code)).status_code == 200
    assert client.get(pdf_url(linked.code)).status_code == 200


def test_a_role_over_a_unit_taking_part_only_is_not_enough(client, world, linked):
    """As for the other forms: the receiving center and the competent unit decide."""
    justice = factories.staff(username="tuphap", roles=[(Role.SPECIALIST, world.justice)])
    assert client.login(username=justice.username, password=PASSWORD)
    assert client.get(html_url(linked.code)).status_code == 403


# ---------------------------------------------------------------------------------------------
# Queries


def test_transfer_slip_views_use_a_fixed_number_of_queries(
    staff_client, world, linked, django_assert_num_queries
):
    # A second dossier with the same three units: the count does not grow with the rows.
    other = receive(world, at=dt.datetime(2026, 3, 2, 10, 0, tzinfo=VN))
    assert Transfer.objects.filter(dossier=other).exclude(slip_number="").count() == 3
    # Session, user, dossier, parties, grants (2), transfers (with their units and the names
    # they carried that day), accept event, the center's unit name that day, its ancestors;
    # the HTML page also counts the online dossiers waiting and the inbox for the menu's badges.
    for dossier in (linked, other):
        for url, queries in ((html_url(dossier.code), 13), (pdf_url(dossier.code), 10)):
            with django_assert_num_queries(queries):
                assert staff_client.get(url).status_code == 200
