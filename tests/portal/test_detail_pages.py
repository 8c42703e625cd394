"""A procedure's public page: every constituent part of the version in force, history by
date, the print view, and what an unknown code or a bad date gives."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import pytest
from django.urls import reverse

from motcua.catalog.models import Channel, Requirement
from motcua.core.calendar import TimeUnit
from tests.portal.conftest import BIRTH_FORM, BIRTH_SAMPLE, DAY, add_case, revise, today

pytestmark = pytest.mark.django_db


def detail(client, code: str, **params):
    return client.get(reverse("portal:procedure_detail", args=[code]), params)


def text(response) -> str:
    return html.unescape(response.content.decode())


def section(body: str, start: str, end: str) -> str:
    part = body[body.index(start) :]
    return part[: part.index(end)]


def test_detail_shows_every_constituent_part(client, catalogue):
    response = detail(client, "1.001193")
    assert response.status_code == 200
    body = text(response)
    for expected in (
        '<h1 id="page-title">Đăng ký khai sinh</h1>',
        "1.001193",
        "Hộ tịch",
        "Cấp xã",
        "Trực tiếp; Trực tuyến; Bưu chính công ích",
        "Công dân Việt Nam",
        "Ủy ban nhân dân cấp xã",
        "Chủ tịch Ủy ban nhân dân cấp xã",
        "UBND xã Ia Grai",
        "Giấy khai sinh",
        "KQ.G15.000031",
        "Trực tuyến toàn trình",
        "5 tại chỗ",
        "Bước 1: Nộp hồ sơ.<br>Bước 2: Nhận kết quả.",
        "Đăng ký trong 60 ngày kể từ ngày sinh.",
    ):
        assert expected in body, expected
    assert "Giải quyết trong ngày</dt><dd>Không" in body
    legal = section(body, 'data-testid="legal-basis"', "</ol>")
    assert legal.count("<li>") == 3  # one per line, blank lines skipped
    assert "<li>Nghị định 123/2015/NĐ-CP</li>" in legal


def test_detail_shows_version_number_and_effective_dates(client, catalogue):
    body = text(detail(client, "1.001193"))
    start = (today() - 30 * DAY).strftime("%d/%m/%Y")
    end = (today() + 29 * DAY).strftime("%d/%m/%Y")
    assert f"Phiên bản 2, hiệu lực từ {start} đến {end}" in body
    assert "QĐ 163/QĐ-BTP" in body
    # The next version is announced, not shown.
    upcoming = section(body, 'data-testid="upcoming-notice"', "</div>")
    assert "phiên bản 3" in upcoming


def test_time_limits_in_words_per_channel(client, catalogue):
    body = text(detail(client, "1.001193"))
    times = section(body, 'data-testid="times"', "</ul>")
    for channel in ("Trực tiếp", "Trực tuyến", "Bưu chính công ích"):
        assert f"{channel}:</span> <strong>1 ngày làm việc</strong>" in times
    body = text(detail(client, "2.000815"))
    assert "Trực tiếp:</span> <strong>trong ngày</strong>" in body
    assert "Giải quyết trong ngày</dt><dd>Có" in body


def test_fees_amounts_notes_kinds_moments_and_exemptions(client, catalogue):
    body = text(detail(client, "1.001193"))
    fees = section(body, 'data-testid="fees"', "</table>")
    assert "8.000 đồng" in fees  # version 2's amount
    assert "5.000 đồng" not in fees and "10.000 đồng" not in fees and "99.000 đồng" not in fees
    assert "Miễn thu" in fees and "Miễn theo Luật Hộ tịch" in fees
    assert "Mức do Hội đồng nhân dân cấp tỉnh quy định" in fees
    assert "Miễn cho người thuộc hộ nghèo, người khuyết tật" in fees
    assert ">Phí<" in fees and ">Lệ phí<" in fees
    assert "Nộp khi nhận kết quả" in fees and "Nộp khi tiếp nhận hồ sơ" in fees


def test_components_with_numbers_requirements_and_forms(client, catalogue):
    body = text(detail(client, "1.001193"))
    components = section(body, 'data-testid="components"', "</table>")
    assert components.count("<tr>") == 5  # header + 4 components
    assert "Tờ khai đăng ký khai sinh theo mẫu" in components
    authorisation = section(components, "Văn bản ủy quyền", "</tr>")
    assert 'data-label="Bản chính">0<' in authorisation
    assert 'data-label="Bản sao chứng thực">1<' in authorisation
    assert "Có điều kiện" in authorisation
    assert "Trường hợp ủy quyền đăng ký khai sinh" in authorisation
    assert "Xuất trình" in section(components, "Giấy tờ tùy thân", "</tr>")
    assert f'href="/media/{BIRTH_FORM}" download' in components
    assert f'href="/media/{BIRTH_SAMPLE}" download' in components
    assert "Mẫu đơn, tờ khai: Mẫu tờ khai đăng ký khai sinh" in components
    assert "Mẫu hồ sơ đã điền: Tờ khai mẫu đã điền" in components


def test_each_case_has_its_own_times_fees_and_components(client, catalogue):
    body = text(detail(client, "1.000894"))
    assert "Trường hợp 1: Kết hôn giữa hai công dân Việt Nam" in body
    assert "Trường hợp 2: Kết hôn có yếu tố nước ngoài" in body
    first = section(body, "Trường hợp 1:", "Trường hợp 2:")
    second = body[body.index("Trường hợp 2:") :]
    assert "<strong>5 ngày làm việc</strong>" in first
    assert "<strong>3 ngày làm việc</strong>" in first
    assert "Không thu phí, lệ phí." in first
    assert "Tờ khai đăng ký kết hôn" in first and "Hộ chiếu" not in first
    assert "<strong>15 ngày làm việc</strong>" in second
    assert "1.500.000 đồng" in second and "Hộ chiếu của người nước ngoài" in second


def test_a_draft_is_not_public(client, catalogue):
    response = detail(client, "1.004194")
    assert response.status_code == 404
    assert "Đăng ký tạm trú" not in text(response)


def test_a_future_version_is_not_shown_before_its_day(client, catalogue):
    response = detail(client, "1.003677")
    assert response.status_code == 404
    assert "Khai báo tạm vắng" not in text(response)
    ahead = detail(client, "1.003677", ngay=(today() + 31 * DAY).isoformat())
    assert ahead.status_code == 200
    assert "Khai báo tạm vắng" in text(ahead)


def test_the_day_shows_the_version_in_force_then(client, catalogue):
    old_day = today() - 100 * DAY
    response = detail(client, "1.001193", ngay=old_day.strftime("%d/%m/%Y"))
    body = text(response)
    assert response.status_code == 200
    assert "Phiên bản 1, hiệu lực từ" in body
    assert "5.000 đồng" in body and "8.000 đồng" not in body
    notice = section(body, 'data-testid="history-notice"', "</div>")
    assert old_day.strftime("%d/%m/%Y") in notice and "không phải phiên bản đang áp dụng" in notice
    assert 'data-testid="upcoming-notice"' not in body
    future = text(detail(client, "1.001193", ngay=(today() + 40 * DAY).isoformat()))
    assert "Phiên bản 3" in future and "10.000 đồng" in future
    # The draft's 99.000 đồng is never public, whatever the day.
    assert "99.000" not in future


def test_the_version_list_links_to_each_version(client, catalogue):
    body = text(detail(client, "1.001193"))
    versions = section(body, 'data-testid="versions"', "</table>")
    assert versions.count("<tr") == 4  # header + 3 published versions, no draft
    assert f'href="?ngay={(today() - 400 * DAY).isoformat()}"' in versions
    assert "(đang xem)" in versions


def test_a_day_before_any_version_is_a_vietnamese_404(client, catalogue):
    response = detail(client, "1.001193", ngay="2001-01-01")
    body = text(response)
    assert response.status_code == 404
    assert "không có phiên bản nào áp dụng vào ngày 01/01/2001" in body
    assert "Xem phiên bản đang áp dụng" in body


@pytest.mark.parametrize("bad", ["2026-02-30", "hôm qua", "01/13/2025", "9" * 300])
def test_a_bad_date_is_reported_and_todays_version_shown(client, catalogue, bad):
    response = detail(client, "1.001193", ngay=bad)
    body = text(response)
    assert response.status_code == 200
    assert 'role="alert"' in body and "không hợp lệ" in body
    assert "Phiên bản 2, hiệu lực từ" in body


@pytest.mark.parametrize("code", ["9.999999", "khai-sinh", "1.001193x", "x" * 500])
def test_unknown_code_is_a_vietnamese_404(client, catalogue, code):
    response = detail(client, code)
    body = text(response)
    assert response.status_code == 404
    assert '<html lang="vi"' in body
    assert "Không tìm thấy thủ tục" in body
    assert "Không có thủ tục nào mang mã" in body
    assert 'role="search"' in body  # a way on
    assert "x" * 100 not in section(body, "<main", "</main>")  # a long code is cut short


def test_site_wide_404_handler_is_vietnamese(rf, catalogue):
    from motcua.portal.views import page_not_found

    response = page_not_found(rf.get("/khong-co/"), None)
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()


def test_detail_page_has_a_print_button(client, catalogue):
    body = text(detail(client, "1.001193"))
    assert f'href="{reverse("portal:procedure_print", args=["1.001193"])}"' in body
    old = text(detail(client, "1.001193", ngay=(today() - 100 * DAY).isoformat()))
    assert f'/in/?ngay={(today() - 100 * DAY).isoformat()}"' in old


def test_print_view_is_clean_and_dated(client, catalogue):
    response = client.get(reverse("portal:procedure_print", args=["1.001193"]))
    body = text(response)
    assert response.status_code == 200
    assert 'class="print-view"' in body
    assert "site-header" not in body and "site-footer" not in body and "lang-switch" not in body
    assert f"Ngày in: {today():%d/%m/%Y}" in body
    assert "8.000 đồng" in body and "Tờ khai đăng ký khai sinh theo mẫu" in body
    assert '<a href="/media/' not in body  # form titles, not links, on paper
    assert "http://testserver/thu-tuc/1.001193/" in body
    assert "data-print" in body and "portal.js" in body


def test_print_view_of_an_old_version(client, catalogue):
    old_day = today() - 100 * DAY
    url = reverse("portal:procedure_print", args=["1.001193"])
    body = text(client.get(url, {"ngay": old_day.isoformat()}))
    assert "Phiên bản 1" in body and "5.000 đồng" in body
    assert f"Phiên bản áp dụng ngày {old_day:%d/%m/%Y}" in body


def test_print_of_unknown_code_is_404(client, catalogue):
    assert client.get(reverse("portal:procedure_print", args=["9.999999"])).status_code == 404


def test_print_stylesheet_is_made_for_a4(client):
    from django.contrib.staticfiles import finders

    css = Path(finders.find("portal/portal.css")).read_text(encoding="utf-8")
    assert "@page { size: A4;" in css and "@media print" in css


def add_big_case(version, n: int) -> None:
    add_case(
        version,
        name=f"Trường hợp thêm {n}",
        times={
            Channel.COUNTER: (n, TimeUnit.WORKING_DAYS),
            Channel.ONLINE: (n, TimeUnit.WORKING_DAYS),
        },
        fees=[{"name": f"Lệ phí {n}.{k}", "amount": 1000 * k} for k in range(1, 4)],
        components=[
            {
                "name": f"Giấy tờ {n}.{k}",
                "originals": 1,
                "requirement": Requirement.CONDITIONAL,
                "condition": "Nếu có",
                "attachments": [("form", f"Mẫu {n}.{k}", f"catalog/x/{n}-{k}.docx")],
            }
            for k in range(1, 6)
        ],
    )


@pytest.mark.parametrize("extra_cases", [0, 8])
def test_detail_query_count_does_not_grow_with_cases_and_components(
    client, catalogue, django_assert_max_num_queries, extra_cases
):
    def grow(draft):
        for n in range(extra_cases):
            add_big_case(draft, n + 1)

    revise(catalogue.marriage, grow, today() - 5 * DAY)
    with django_assert_max_num_queries(10):
        response = detail(client, "1.000894")
    assert len(response.context["cases"]) == 2 + extra_cases
    with django_assert_max_num_queries(10):
        client.get(reverse("portal:procedure_print", args=["1.000894"]))
    with django_assert_max_num_queries(10):
        client.get(reverse("portal:kiosk_procedure_detail", args=["1.000894"]))


def test_unknown_code_costs_two_queries(client, catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        detail(client, "9.999999")


def test_old_dates_far_back_are_fine(client, catalogue):
    assert detail(client, "1.001193", ngay="0001-01-01").status_code == 404
    assert detail(client, "1.001193", ngay=dt.date.max.isoformat()).status_code == 200
