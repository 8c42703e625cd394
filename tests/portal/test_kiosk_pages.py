"""The kiosk: the same search and detail in a touch layout that returns to its front page."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

HOME = reverse("portal:kiosk_home")
LIST = reverse("portal:kiosk_procedure_list")


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_kiosk_front_page(client, catalogue):
    response = client.get(HOME)
    body = text(response)
    assert response.status_code == 200
    assert 'class="kiosk"' in body and "kiosk.css" in body and "kiosk.js" in body
    assert "Về trang đầu" in body
    assert 'data-idle-seconds="120"' in body
    assert f'data-reset-url="{reverse("portal:kiosk_reset")}"' in body
    assert "autofocus data-kiosk-input" in body  # a scanner types into the search box
    assert f'action="{LIST}"' in body
    assert "data-osk" in body  # on-screen keyboard
    assert f'href="{LIST}?linh_vuc=HT"' in body and "Hộ tịch" in body
    assert "site-footer" not in body  # no links out of the kiosk


def test_kiosk_search_without_diacritics(client, catalogue):
    response = client.get(LIST, {"q": "dang ky khai sinh"})
    body = text(response)
    assert [v.name for v in response.context["page"].object_list] == ["Đăng ký khai sinh"]
    assert f'href="{reverse("portal:kiosk_procedure_detail", args=["1.001193"])}"' in body
    assert "1 ngày làm việc" in body and "Trực tuyến toàn trình" in body
    assert "Về trang đầu" in body


def test_kiosk_field_filter_and_empty_result(client, catalogue):
    response = client.get(LIST, {"linh_vuc": "HT"})
    assert len(response.context["page"].object_list) == 2
    assert "Lĩnh vực: Hộ tịch" in text(response) and "Bỏ lọc" in text(response)
    empty = text(client.get(LIST, {"q": "khong co thu tuc nay"}))
    assert "Không tìm thấy thủ tục nào phù hợp." in empty


def test_kiosk_scanned_code_opens_the_kiosk_detail(client, catalogue):
    response = client.get(LIST, {"q": "1.001193"})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:kiosk_procedure_detail", args=["1.001193"])


def test_kiosk_detail(client, catalogue):
    response = client.get(reverse("portal:kiosk_procedure_detail", args=["1.001193"]))
    body = text(response)
    assert response.status_code == 200
    assert "Đăng ký khai sinh" in body and "8.000 đồng" in body
    assert "Văn bản ủy quyền" in body and "Có điều kiện" in body
    assert "Mẫu tờ khai đăng ký khai sinh" in body
    assert 'href="/media/' not in body  # nothing to download at a kiosk
    assert body.count("Về trang đầu") >= 2
    assert "kiosk.js" in body


def test_kiosk_unknown_code_is_a_vietnamese_404(client, catalogue):
    response = client.get(reverse("portal:kiosk_procedure_detail", args=["9.999999"]))
    body = text(response)
    assert response.status_code == 404
    assert "Không tìm thấy thủ tục" in body and "Về trang đầu" in body
    assert 'class="kiosk"' in body


def test_kiosk_pagination_keeps_the_query(client, catalogue):
    from tests.portal.conftest import many_procedures

    many_procedures(25, catalogue.hotich)
    body = text(client.get(LIST, {"q": "thu tuc so"}))
    assert "Trang 1/2" in body
    assert 'href="?q=thu+tuc+so&trang=2"' in body.replace("&amp;", "&")


def test_kiosk_reset_returns_home_in_vietnamese(client, catalogue):
    client.post("/i18n/setlang/", {"language": "en", "next": HOME})
    assert client.get(HOME)["Content-Language"] == "en"
    response = client.get(reverse("portal:kiosk_reset"))
    assert response.status_code == 302 and response["Location"] == HOME
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""
    home = client.get(HOME)
    assert home["Content-Language"] == "vi"
    assert '<html lang="vi"' in home.content.decode()


def test_kiosk_stylesheet_has_big_targets(client):
    from django.contrib.staticfiles import finders

    css = Path(finders.find("portal/kiosk.css")).read_text(encoding="utf-8")
    assert "--target: 64px" in css
    assert "min-height: 72px" in css  # the on-screen keyboard's keys


def test_kiosk_query_counts(client, catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        client.get(HOME)
    with django_assert_max_num_queries(7):
        client.get(LIST, {"q": "dang ky"})
