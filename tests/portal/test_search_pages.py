"""The public catalogue's front page and search: Vietnamese text with and without diacritics,
filters, pagination, bad input, a scanned code, and the number of queries."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.portal.conftest import many_procedures

pytestmark = pytest.mark.django_db

LIST = reverse("portal:procedure_list")


def names(response) -> list[str]:
    """The names on the page, sorted here: the order the database gives depends on its
    collation (C, en_US, vi_VN sort "Đ" and "kết" differently)."""
    return sorted(version.name for version in response.context["page"].object_list)


def search(client, **params):
    response = client.get(LIST, params)
    assert response.status_code == 200
    return response


def test_front_page_offers_search_filters_and_fields(client, catalogue):
    response = client.get(reverse("portal:home"))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'role="search"' in body and 'name="q"' in body
    for label in ("Lĩnh vực", "Cấp thực hiện", "Đơn vị áp dụng", "Dịch vụ công trực tuyến"):
        assert label in body
    assert "Cổng dịch vụ hành chính công" in body and "Tra cứu thủ tục" in body
    # Fields with procedures in force, each counted; Cư trú counts only what is in force.
    assert "Hộ tịch (2)" in body and "Chứng thực (1)" in body and "Cư trú (1)" in body
    assert "?linh_vuc=HT" in body


@pytest.mark.parametrize(
    "query",
    [
        "Đăng ký khai sinh",
        "dang ky khai sinh",
        "DANG KY KHAI SINH",
        "khai sinh",
        "Khai Sinh",
        "khai sinh đăng ký",  # any order
        "khai sin",  # a word still being typed
        "1.001193 khai",
    ],
)
def test_search_ignores_diacritics_case_and_order(client, catalogue, query):
    response = search(client, q=query)
    assert names(response) == ["Đăng ký khai sinh"]
    assert "Tìm thấy 1 thủ tục" in response.content.decode()


def test_search_by_partial_word_and_by_field_name(client, catalogue):
    assert names(search(client, q="dang ky")) == [
        "Đăng ký khai sinh",
        "Đăng ký kết hôn",
        "Đăng ký thường trú",
    ]
    assert names(search(client, q="ho tich")) == ["Đăng ký khai sinh", "Đăng ký kết hôn"]


def test_search_by_part_of_a_code_lists_matches(client, catalogue):
    assert names(search(client, q="1.00")) == [
        "Đăng ký khai sinh",
        "Đăng ký kết hôn",
        "Đăng ký thường trú",
    ]


def test_drafts_and_future_versions_are_not_listed(client, catalogue):
    everything = names(search(client))
    assert "Đăng ký tạm trú" not in everything  # a draft only
    assert "Khai báo tạm vắng" not in everything  # published from next month
    assert names(search(client, q="tam tru")) == []
    assert names(search(client, q="1.003677")) == []


def test_no_match_gives_helpful_advice(client, catalogue):
    response = search(client, q="cấp giấy phép bay")
    body = response.content.decode()
    assert names(response) == []
    assert "Không tìm thấy thủ tục nào phù hợp." in body
    assert "gõ ít từ hơn" in body and "1.001193" in body
    assert "tìm lại không kèm bộ lọc" not in body


def test_no_match_with_filters_offers_to_drop_them(client, catalogue):
    response = search(client, q="khai sinh", linh_vuc="CT")
    assert names(response) == []
    body = response.content.decode()
    assert "tìm lại không kèm bộ lọc" in body
    assert f'href="{LIST}?q=khai%20sinh"' in body


def test_filter_by_field(client, catalogue):
    assert names(search(client, linh_vuc="HT")) == ["Đăng ký khai sinh", "Đăng ký kết hôn"]
    assert names(search(client, linh_vuc="CT", q="chung thuc")) == [
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản"
    ]


def test_filter_by_level(client, catalogue):
    assert names(search(client, cap="province")) == [
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản"
    ]
    assert len(names(search(client, cap="commune"))) == 4


def test_filter_by_unit_includes_the_units_below_it(client, catalogue):
    commune = search(client, don_vi=catalogue.commune.pk)
    assert names(commune) == ["Đăng ký khai sinh", "Đăng ký kết hôn"]
    other = search(client, don_vi=catalogue.other_commune.pk)
    assert names(other) == ["Đăng ký thường trú"]
    assert len(names(search(client, don_vi=catalogue.province.pk))) == 4


def test_unit_options_are_the_units_that_apply_procedures(client, catalogue):
    from tests import factories

    factories.unit("UBND xã Không Có Thủ Tục", parent=catalogue.province)
    body = search(client).content.decode()
    assert "UBND xã Ia Grai" in body and "UBND tỉnh Gia Lai" in body
    assert "Không Có Thủ Tục" not in body


def test_filter_by_online_level(client, catalogue):
    assert names(search(client, truc_tuyen="full")) == ["Đăng ký khai sinh", "Đăng ký thường trú"]
    assert names(search(client, truc_tuyen="partial")) == ["Đăng ký kết hôn"]
    assert names(search(client, truc_tuyen="none")) == [
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản"
    ]


def test_filters_combine_and_stay_selected(client, catalogue):
    response = search(client, q="dang ky", linh_vuc="HT", truc_tuyen="partial")
    assert names(response) == ["Đăng ký kết hôn"]
    body = response.content.decode()
    assert '<option value="HT" selected>' in body
    assert '<option value="partial" selected>' in body
    assert 'value="dang ky"' in body
    assert "Bỏ các bộ lọc" in body


@pytest.mark.parametrize(
    ("params", "mentioned"),
    [
        ({"linh_vuc": "KHONG-CO"}, "KHONG-CO"),
        ({"cap": "cap-huyen"}, "cap-huyen"),
        ({"don_vi": "abc"}, "abc"),
        ({"don_vi": "999999"}, "999999"),
        ({"truc_tuyen": "muc-4"}, "muc-4"),
    ],
)
def test_bad_filter_values_are_reported_and_ignored(client, catalogue, params, mentioned):
    response = search(client, **params)
    body = response.content.decode()
    assert len(names(response)) == 4  # every procedure in force: the filter was dropped
    assert 'role="alert"' in body
    assert "bộ lọc này đã được bỏ qua" in body and mentioned in body


def test_overlong_query_is_cut_and_reported(client, catalogue):
    response = search(client, q="khai sinh " * 500)
    body = response.content.decode()
    assert "Từ khóa dài quá 200 ký tự" in body
    assert names(response) == ["Đăng ký khai sinh"]


@pytest.mark.parametrize(
    "query", ["khai\x00sinh", "<script>alert(1)</script>", "%_%", "' OR 1=1 --"]
)
def test_odd_queries_neither_fail_nor_inject(client, catalogue, query):
    response = search(client, q=query)
    body = response.content.decode()
    assert "<script>alert" not in body
    if query == "khai\x00sinh":
        assert names(response) == ["Đăng ký khai sinh"]
    else:
        assert names(response) == []


def test_pagination_20_per_page_keeps_the_query_string(client, catalogue):
    many_procedures(45, catalogue.hotich)
    first = search(client, q="thu tuc so", linh_vuc="HT")
    assert len(names(first)) == 20
    body = first.content.decode()
    assert "Tìm thấy 45 thủ tục" in body and "Trang 1/3" in body
    links = re.findall(r'href="(\?[^"]*trang=\d[^"]*)"', body)
    assert links and all("q=thu+tuc+so" in link and "linh_vuc=HT" in link for link in links)
    third = search(client, q="thu tuc so", linh_vuc="HT", trang=3)
    assert names(third) == [f"Thủ tục số {n:03d}" for n in range(140, 145)]
    assert 'start="41"' in third.content.decode()


@pytest.mark.parametrize(
    ("page", "first_name"),
    [
        ("abc", "Thủ tục số 100"),
        ("99", "Thủ tục số 120"),
        ("-1", "Thủ tục số 120"),
        ("9" * 5000, "Thủ tục số 100"),
    ],
)
def test_bad_page_numbers_fall_back_to_a_real_page(client, catalogue, page, first_name):
    many_procedures(25, catalogue.hotich)
    response = search(client, q="thu tuc so", trang=page)
    assert names(response)[0] == first_name


def test_each_row_shows_code_field_time_limit_and_online_badge(client, catalogue):
    body = search(client, q="dang ky").content.decode()
    row = body[body.index("Đăng ký kết hôn") :]
    row = row[: row.index("</li>")]
    assert "1.000894" in row and "Hộ tịch" in row
    # The first case's limits differ by channel.
    assert "Trực tiếp: 5 ngày làm việc; Trực tuyến: 3 ngày làm việc" in row
    assert "Trực tuyến một phần" in row
    body = search(client, q="khai sinh").content.decode()
    assert "1 ngày làm việc" in body and "Trực tuyến toàn trình" in body
    body = search(client, q="chung thuc").content.decode()
    assert "trong ngày" in body and "Không cung cấp trực tuyến" in body


def test_an_exact_code_opens_the_procedure(client, catalogue):
    response = client.get(LIST, {"q": " 1.001193 "})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:procedure_detail", args=["1.001193"])


def test_a_scanned_page_address_opens_the_procedure(client, catalogue):
    response = client.get(LIST, {"q": "https://cong.example.vn/thu-tuc/1.000894/"})
    assert response["Location"] == reverse("portal:procedure_detail", args=["1.000894"])


def test_a_code_not_in_force_is_searched_not_opened(client, catalogue):
    response = search(client, q="1.003677")
    assert names(response) == []
    assert search(client, q="9.999999").context["page"].paginator.count == 0


def test_list_page_query_count_does_not_grow_with_rows(
    client, catalogue, django_assert_max_num_queries
):
    many_procedures(30, catalogue.hotich, catalogue.commune_level)
    with django_assert_max_num_queries(7):
        response = search(client, q="thu tuc", linh_vuc="HT", cap="commune", truc_tuyen="none")
    assert len(names(response)) == 20
    with django_assert_max_num_queries(7):
        search(client, don_vi=catalogue.commune.pk, trang=1)


def test_front_page_query_count(client, catalogue, django_assert_max_num_queries):
    many_procedures(10, catalogue.hotich)
    with django_assert_max_num_queries(3):
        client.get(reverse("portal:home"))


def test_exact_code_redirect_costs_one_query(client, catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        client.get(LIST, {"q": "1.001193"})


def test_language_switch_turns_the_portal_english(client, catalogue):
    response = client.get(LIST)
    assert '<html lang="vi"' in response.content.decode()
    assert response["Content-Language"] == "vi"
    assert 'action="/i18n/setlang/"' in response.content.decode()
    switched = client.post("/i18n/setlang/", {"language": "en", "next": LIST})
    assert switched.status_code == 302 and switched["Location"] == LIST
    response = client.get(LIST)
    assert '<html lang="en"' in response.content.decode()
    assert response["Content-Language"] == "en"


def test_browser_language_does_not_switch_the_portal(client, catalogue):
    response = client.get(LIST, headers={"accept-language": "en-US,en;q=0.9"})
    assert response["Content-Language"] == "vi"
