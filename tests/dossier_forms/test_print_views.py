"""The forms of a dossier as a staff member prints them: the A5 page and the PDF, their text,
the barcode and QR code, the form set of the dossier's date, and who may print what."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from motcua.dossiers import services
from motcua.dossiers.services import ComponentInput
from motcua.organization.models import Role
from tests import factories

from .barcodes import decode_code128
from .conftest import PASSWORD, VN, pdf_pages, pdf_text, receive

pytestmark = pytest.mark.django_db


def html_url(code: str, number: str) -> str:
    return reverse("dossier_print:slip", args=[code, number])


def pdf_url(code: str, number: str) -> str:
    return reverse("dossier_print:slip_pdf", args=[code, number])


def text_of(response) -> str:
    """The page's visible words, one space between them."""
    body = response.content.decode()
    body = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body)))


# ---------------------------------------------------------------------------------------------
# Mẫu 01: the receipt


def test_receipt_page_shows_what_the_form_says(staff_client, accepted):
    response = staff_client.get(html_url(accepted.code, "01"))
    assert response.status_code == 200
    text = text_of(response)
    for expected in [
        "UBND PHƯỜNG QUY NHƠN",
        "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG PHƯỜNG QUY NHƠN",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Quy Nhơn, ngày 13 tháng 02 năm 2026",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        f"Mã hồ sơ: {accepted.code}",
        "Trung tâm Phục vụ hành chính công phường Quy Nhơn tiếp nhận hồ sơ của:",
        "Ông/Bà: Trần Văn Bình",
        "Số định danh cá nhân (CCCD): 052090001234",
        "Địa chỉ: 12 Trần Phú, phường Quy Nhơn",
        "Số điện thoại: 0912345678",
        "Thư điện tử: binh@example.vn",
        "Nội dung yêu cầu giải quyết: Đăng ký khai sinh",
        "Mã thủ tục: 1.001193",
        "Trường hợp: Trường hợp chung",
        "1. Thành phần hồ sơ nộp gồm:",
        "1 Tờ khai đăng ký khai sinh 01",
        "2 Giấy chứng sinh 01 02",
        "2. Số lượng hồ sơ: 01 bộ",
        "3. Thời gian giải quyết hồ sơ theo quy định: 3 ngày làm việc",
        "4. Thời gian nhận hồ sơ: 16 giờ 30 phút, ngày 13/02/2026",
        "5. Thời gian trả kết quả giải quyết hồ sơ: 16 giờ 30 phút, ngày 25/02/2026",
        "6. Đăng ký nhận kết quả tại: Trung tâm Phục vụ hành chính công phường Quy Nhơn",
        "7. Phí, lệ phí: Lệ phí đăng ký khai sinh: 8.000 đồng (nộp khi tiếp nhận hồ sơ)",
        "Vào Sổ theo dõi hồ sơ, Quyển số: 2026, Số thứ tự: 1",
        "NGƯỜI NỘP HỒ SƠ (Ký và ghi rõ họ tên) Trần Văn Bình",
        "NGƯỜI TIẾP NHẬN HỒ SƠ (Ký và ghi rõ họ tên) Nguyễn Thị Lan",
        "Giấy tiếp nhận hồ sơ và hẹn trả kết quả - Mẫu số 01 ban hành kèm theo Thông tư số "
        "03/2025/TT-VPCP ngày 15/09/2025 của Văn phòng Chính phủ",
    ]:
        assert expected in text, expected
    # The column heads of the components table.
    assert "TT Tên giấy tờ Bản chính Bản sao chứng thực Bản sao" in text


def test_receipt_page_is_an_a5_sheet_with_print_and_pdf_buttons(staff_client, accepted):
    response = staff_client.get(html_url(accepted.code, "01"))
    body = response.content.decode()
    assert 'href="/static/dossiers/print.css"' in body
    css = Path(finders.find("dossiers/print.css")).read_text(encoding="utf-8")
    assert "@page { size: A5;" in css
    assert "window.print()" in body
    assert f'href="{pdf_url(accepted.code, "01")}"' in body


def test_receipt_carries_a_code128_barcode_of_the_code_and_a_qr_code_of_the_lookup(
    staff_client, accepted
):
    body = staff_client.get(html_url(accepted.code, "01")).content.decode()
    svg = re.search(r'<svg[^>]*class="barcode".*?</svg>', body, re.S)
    assert svg is not None
    assert 'data-symbology="code128"' in svg.group(0)
    # Rebuild the module string from the rectangles and read it back.
    width = int(re.search(r'viewBox="0 0 (\d+) ', svg.group(0)).group(1))
    modules = ["0"] * width
    for x, w in re.findall(r'<rect x="(\d+)" y="0" width="(\d+)"', svg.group(0)):
        modules[int(x) : int(x) + int(w)] = ["1"] * int(w)
    assert decode_code128("".join(modules)) == accepted.code
    qr = re.search(r'<svg[^>]*class="qrcode"[^>]*>', body)
    assert qr is not None
    assert f'data-url="http://127.0.0.1:8000/tra-cuu/{accepted.code}/"' in qr.group(0)


def test_qr_code_follows_the_public_base_url_setting(staff_client, accepted, settings):
    settings.MOTCUA_PUBLIC_BASE_URL = "https://dichvucong.gialai.gov.vn/"
    body = staff_client.get(html_url(accepted.code, "01")).content.decode()
    assert f'data-url="https://dichvucong.gialai.gov.vn/tra-cuu/{accepted.code}/"' in body


def test_receipt_pdf_is_a5_with_vietnamese_text_intact(staff_client, accepted):
    response = staff_client.get(pdf_url(accepted.code, "01"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{accepted.code}-mau-01.pdf"' in response["Content-Disposition"]
    pages = pdf_pages(response.content)
    assert len(pages) == 1
    box = pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (148, 210)
    text = pdf_text(response.content)
    for expected in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
        f"Mã hồ sơ: {accepted.code}",
        "Trần Văn Bình",
        "Nguyễn Thị Lan",
        "Thời gian nhận hồ sơ: 16 giờ 30 phút, ngày 13/02/2026",
        "Thời gian trả kết quả giải quyết hồ sơ: 16 giờ 30 phút, ngày 25/02/2026",
        "Lệ phí đăng ký khai sinh: 8.000 đồng",
        "Quy Nhơn, ngày 13 tháng 02 năm 2026",
    ]:
        assert expected in text, expected


@pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg")),
    reason="needs Debian's poppler-utils and zbar-tools",
)
def test_receipt_pdf_codes_scan_back(staff_client, accepted, tmp_path):
    """Rasterise the PDF as a printer would (300 dpi) and scan it like a counter scanner."""
    pdf_file = tmp_path / "receipt.pdf"
    pdf_file.write_bytes(staff_client.get(pdf_url(accepted.code, "01")).content)
    subprocess.run(["pdftoppm", "-r", "300", "-png", pdf_file, tmp_path / "page"], check=True)
    scanned = subprocess.run(
        ["zbarimg", "--quiet", *sorted(str(p) for p in tmp_path.glob("page*.png"))],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert f"CODE-128:{accepted.code}" in scanned
    assert f"QR-Code:http://127.0.0.1:8000/tra-cuu/{accepted.code}/" in scanned


def test_owner_and_representative_appear_when_someone_submits_for_another(staff_client, world):
    dossier = receive(
        world,
        owner=services.PartyInput(
            name="Trần Gia Hân",
            identity_number="052126009876",
            address="45 Lê Lợi, phường Quy Nhơn",
        ),
        representative=services.PartyInput(
            name="Lê Thị Cúc",
            identity_number="052080004321",
            authorization="Giấy ủy quyền số 12/UQ ngày 10/02/2026",
        ),
    )
    text = text_of(staff_client.get(html_url(dossier.code, "01")))
    assert "Chủ hồ sơ: Trần Gia Hân" in text
    assert "Địa chỉ chủ hồ sơ: 45 Lê Lợi, phường Quy Nhơn" in text
    assert "Người được ủy quyền: Lê Thị Cúc" in text
    assert "Văn bản ủy quyền: Giấy ủy quyền số 12/UQ ngày 10/02/2026" in text


def test_receipt_says_so_when_the_case_has_no_fee(staff_client, world):
    dossier = receive(world)
    assert "7. Phí, lệ phí: không thu phí, lệ phí" in text_of(
        staff_client.get(html_url(dossier.code, "01"))
    )


def test_reused_documents_are_noted_in_the_components_table(staff_client, world, accepted):
    document = services.Document.objects.create(
        kind="result",
        file="documents/aa/aa",
        original_name="giay-chung-sinh.pdf",
        content_type="application/pdf",
        size=10,
        sha256="a" * 64,
    )
    dossier = receive(
        world,
        components=[
            ComponentInput(world.birth_form, originals=1),
            ComponentInput(world.birth_certificate, reuse=document),
        ],
    )
    text = text_of(staff_client.get(html_url(dossier.code, "01")))
    assert "Giấy chứng sinh (tái sử dụng giấy tờ đã có)" in text


# ---------------------------------------------------------------------------------------------
# The form set follows the dossier's date


def test_dossier_of_august_2025_prints_tt01_2018_forms(staff_client, world):
    dossier = receive(world, at=dt.datetime(2025, 8, 1, 9, 0, tzinfo=VN))
    assert dossier.form_set == "tt01_2018"
    page = text_of(staff_client.get(html_url(dossier.code, "01")))
    assert "Mẫu số 01 - TT 01/2018/TT-VPCP" in page
    assert (
        "Mẫu số 01 ban hành kèm theo Thông tư số 01/2018/TT-VPCP ngày 23/11/2018 "
        "của Văn phòng Chính phủ" in page
    )
    assert "03/2025" not in page
    text = pdf_text(staff_client.get(pdf_url(dossier.code, "01")).content)
    assert "Thông tư số 01/2018/TT-VPCP" in text
    assert "ngày 01 tháng 8 năm 2025" in text


def test_dossier_of_2026_prints_tt03_2025_forms(staff_client, accepted):
    page = text_of(staff_client.get(html_url(accepted.code, "01")))
    assert "Mẫu số 01 - TT 03/2025/TT-VPCP" in page
    assert "01/2018" not in page
    assert "Thông tư số 03/2025/TT-VPCP" in pdf_text(
        staff_client.get(pdf_url(accepted.code, "01")).content
    )


# ---------------------------------------------------------------------------------------------
# Mẫu 02 and 03


def test_supplement_request_form(staff_client, sent_back):
    response = staff_client.get(html_url(sent_back.code, "02"))
    assert response.status_code == 200
    text = text_of(response)
    for expected in [
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        "Số: 1/HDHS",
        "Quy Nhơn, ngày 02 tháng 3 năm 2026",
        f"Mã hồ sơ: {sent_back.code}",
        "Ông/Bà: Trần Văn Bình",
        "Yêu cầu Ông/Bà hoàn thiện hồ sơ gồm những nội dung như sau:",
        "TT Giấy tờ, nội dung cần bổ sung, hoàn thiện Lý do",
        "1 Giấy chứng sinh Chưa nộp bản chính",
        "Lý do: Hồ sơ thiếu giấy tờ chứng minh việc sinh",
        "Hướng dẫn: Đề nghị bổ sung Giấy chứng sinh bản chính do cơ sở y tế cấp.",
        "Thông tin thủ tục: http://127.0.0.1:8000/thu-tuc/1.001193/",
        "NGƯỜI HƯỚNG DẪN (Ký và ghi rõ họ tên) Nguyễn Thị Lan",
        "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ - Mẫu số 02",
    ]:
        assert expected in text, expected
    assert 'data-testid="staff-warning"' not in response.content.decode()
    pdf = pdf_text(staff_client.get(pdf_url(sent_back.code, "02")).content)
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in pdf
    assert "Số: 1/HDHS" in pdf
    assert "Chưa nộp bản chính" in pdf


def test_second_supplement_request_is_flagged_for_staff_only(staff_client, world, sent_back):
    services.resubmit_dossier(actor=world.receptionist, dossier=sent_back, components=[])
    services.request_supplement(
        actor=world.receptionist,
        dossier=sent_back,
        items=[{"name": "Tờ khai đăng ký khai sinh", "reason": "Ký sai tên"}],
        reason="Tờ khai chưa hợp lệ",
        at=dt.datetime(2026, 3, 4, 8, 0, tzinfo=VN),
    )
    response = staff_client.get(html_url(sent_back.code, "02"))
    body = response.content.decode()
    warning = re.search(r'data-testid="staff-warning">(.*?)</p>', body, re.S).group(1)
    assert "lần yêu cầu bổ sung thứ 2" in warning
    assert "chỉ cho phép yêu cầu bổ sung, hoàn thiện hồ sơ một lần" in warning
    assert 'class="staff-warning no-print"' in body
    assert "Số: 2/HDHS" in text_of(response)
    assert "Lần 1" in text_of(response) and "Lần 2" in text_of(response)
    # The citizen's copy is the same form as any other.
    pdf = pdf_text(staff_client.get(pdf_url(sent_back.code, "02")).content)
    assert "Số: 2/HDHS" in pdf and "Ký sai tên" in pdf
    assert "thứ 2" not in pdf and "vi phạm" not in pdf
    # The first request can still be printed as it was.
    first = staff_client.get(html_url(sent_back.code, "02") + "?lan=1")
    assert "Số: 1/HDHS" in text_of(first)
    assert 'data-testid="staff-warning"' not in first.content.decode()
    missing = staff_client.get(html_url(sent_back.code, "02") + "?lan=3")
    assert missing.status_code == 404
    assert "hồ sơ chỉ có 2 phiếu yêu cầu bổ sung, hoàn thiện" in text_of(missing)


def test_refusal_form(staff_client, refused):
    response = staff_client.get(html_url(refused.code, "03"))
    assert response.status_code == 200
    text = text_of(response)
    for expected in [
        "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
        "Quy Nhơn, ngày 03 tháng 3 năm 2026",
        f"Mã hồ sơ: {refused.code}",
        "Ông/Bà: Trần Văn Bình",
        "Nội dung yêu cầu giải quyết: Đăng ký khai sinh",
        "thông báo không tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:",
        "Trẻ đã được đăng ký khai sinh tại UBND xã Ia Grai ngày 05/01/2026.",
        "NGƯỜI NỘP HỒ SƠ (Ký và ghi rõ họ tên) Trần Văn Bình",
        "NGƯỜI TIẾP NHẬN HỒ SƠ (Ký và ghi rõ họ tên) Nguyễn Thị Lan",
    ]:
        assert expected in text, expected
    pdf = pdf_text(staff_client.get(pdf_url(refused.code, "03")).content)
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in pdf
    assert "Trẻ đã được đăng ký khai sinh tại UBND xã Ia Grai ngày 05/01/2026." in pdf


# ---------------------------------------------------------------------------------------------
# What cannot be printed, and for whom


@pytest.mark.parametrize(
    ("fixture", "number", "message"),
    [
        (
            "refused",
            "01",
            "Hồ sơ này không có giấy tiếp nhận hồ sơ và hẹn trả kết quả (mẫu số 01): "
            "hồ sơ chưa được tiếp nhận.",
        ),
        (
            "sent_back",
            "01",
            "Hồ sơ này không có giấy tiếp nhận hồ sơ và hẹn trả kết quả (mẫu số 01)",
        ),
        ("accepted", "02", "hồ sơ chưa có yêu cầu bổ sung, hoàn thiện nào."),
        ("accepted", "03", "hồ sơ không bị từ chối."),
        (
            "accepted",
            "04",
            "(mẫu số 04): đơn vị giải quyết chưa xin lỗi, hẹn lại ngày trả kết quả.",
        ),
        ("accepted", "07", "Mẫu số 07 (Sổ theo dõi hồ sơ) không được in từ hồ sơ này."),
        ("accepted", "09", "Thông tư số 03/2025/TT-VPCP không có mẫu số 09."),
    ],
)
def test_a_form_that_does_not_apply_is_a_404_that_says_why(
    staff_client, request, fixture, number, message
):
    dossier = request.getfixturevalue(fixture)
    for url in (html_url(dossier.code, number), pdf_url(dossier.code, number)):
        response = staff_client.get(url)
        assert response.status_code == 404
        assert message in text_of(response)


def test_unknown_code_is_a_404(staff_client, world):
    response = staff_client.get(html_url("000.00.31.H21-260302-9999", "01"))
    assert response.status_code == 404
    assert "Không tìm thấy hồ sơ có mã 000.00.31.H21-260302-9999." in text_of(response)
    assert staff_client.get(pdf_url("khong-co", "01")).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, accepted):
    response = client.get(pdf_url(accepted.code, "01"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_staff_without_a_role_there_get_a_403(client, accepted, outsider):
    assert client.login(username=outsider.username, password=PASSWORD)
    for url in (html_url(accepted.code, "01"), pdf_url(accepted.code, "01")):
        response = client.get(url)
        assert response.status_code == 403
        assert "Bạn không có quyền in biểu mẫu của hồ sơ" in text_of(response)


def test_a_role_over_the_competent_unit_is_enough(client, world, accepted, specialist):
    assert client.login(username=specialist.username, password=PASSWORD)
    assert client.get(html_url(accepted.code, "01")).status_code == 200


def test_a_role_in_another_commune_is_not(client, world, accepted):
    neighbour = factories.staff(username="xa-b", roles=[(Role.SPECIALIST, world.commune_b)])
    assert client.login(username=neighbour.username, password=PASSWORD)
    assert client.get(html_url(accepted.code, "01")).status_code == 403


def test_staff_working_at_the_receiving_center_may_print(client, world):
    """The provincial center's receptionist prints the justice department's dossier, and so
    does the department's specialist."""
    dossier = receive(
        world,
        center=world.provincial_center,
        case=world.criminal_case,
        components=[ComponentInput(world.criminal_case.components.get(), originals=1)],
    )
    specialist = factories.staff(username="tuphap", roles=[(Role.SPECIALIST, world.justice)])
    assert client.login(username=specialist.username, password=PASSWORD)
    assert client.get(html_url(dossier.code, "01")).status_code == 200
    text = text_of(client.get(html_url(dossier.code, "01")))
    # The provincial center sits under the provincial office; the place is the province.
    assert "VĂN PHÒNG UBND TỈNH" in text
    assert "Gia Lai, ngày 13 tháng 02 năm 2026" in text
    assert "3. Thời gian giải quyết hồ sơ theo quy định: 10 ngày" in text


def test_forms_stay_vietnamese_when_the_screen_is_in_english(staff_client, accepted):
    staff_client.post(reverse("set_language"), {"language": "en", "next": "/workspace/"})
    response = staff_client.get(html_url(accepted.code, "01"))
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text_of(response)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text_of(response)


# ---------------------------------------------------------------------------------------------
# Queries


def test_print_views_use_a_fixed_number_of_queries(
    staff_client, world, accepted, django_assert_num_queries
):
    big = receive(
        world,
        components=[
            ComponentInput(world.birth_form, originals=2, copies=1),
            ComponentInput(world.birth_certificate, originals=1),
            ComponentInput(world.authorisation, certified_copies=1),
        ],
        sets_count=2,
    )
    # Session, user, dossier, parties, grants (2), accept event, components, book position,
    # fees, the center's unit name that day and its ancestors (the place name); the HTML page
    # also counts the online dossiers waiting and the inbox for the menu's badges.
    for dossier in (accepted, big):
        for url, queries in ((html_url(dossier.code, "01"), 15), (pdf_url(dossier.code, "01"), 12)):
            with django_assert_num_queries(queries):
                assert staff_client.get(url).status_code == 200


def test_supplement_and_refusal_views_are_as_lean(
    staff_client, sent_back, refused, django_assert_num_queries
):
    # Session, user, dossier, parties, grants (2), the request or refusal, unit name, ancestors
    # (and the menu's two badges on the HTML page).
    for url, queries in ((html_url(sent_back.code, "02"), 12), (pdf_url(refused.code, "03"), 9)):
        with django_assert_num_queries(queries):
            assert staff_client.get(url).status_code == 200
