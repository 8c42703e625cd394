"""The admin page to upload a workbook: form, template download, report, permissions."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from motcua.catalog import admin_import, xlsx
from motcua.catalog.models import Procedure
from motcua.organization.models import Role
from tests import factories

from .test_xlsx_import import workbook_content

pytestmark = pytest.mark.django_db

PASSWORD = "Secret-pass-123"
URL_NAME = "admin:catalog_procedure_import_xlsx"


@pytest.fixture
def url() -> str:
    return reverse(URL_NAME)


@pytest.fixture
def province():
    return factories.unit("UBND tỉnh")


@pytest.fixture
def administrator(client, province):
    user = factories.staff(username="quantri", roles=[(Role.ADMINISTRATOR, province)])
    assert client.login(username=user.username, password=PASSWORD)
    return user


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_the_page_lives_in_the_procedure_admin(url):
    assert url == "/admin/catalog/procedure/import-xlsx/"


def test_administrator_sees_the_form_and_downloads_the_template(client, administrator, url):
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Nhập danh mục thủ tục từ bảng tính" in body
    assert 'type="file"' in body and "Chạy thử" in body

    response = client.get(url, {"template": "1"})

    assert response.status_code == 200
    assert response["Content-Type"] == admin_import.XLSX_CONTENT_TYPE
    assert "mau-nhap-danh-muc-thu-tuc.xlsx" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert xlsx.PROCEDURES_SHEET in workbook.sheetnames


def test_upload_imports_and_shows_the_report(client, administrator, url):
    response = client.post(
        url,
        {"file": upload("danh-muc.xlsx", workbook_content()), "effective_from": "2026-01-01"},
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "Tạo mới: 1" in body and "Bị từ chối: 3" in body
    assert "sheet “Thủ tục”, dòng 3" in body
    assert Procedure.objects.filter(code="9.300001").exists()
    version = Procedure.objects.get(code="9.300001").versions.get()
    assert str(version.effective_from) == "2026-01-01"


def test_dry_run_upload_writes_nothing(client, administrator, url):
    response = client.post(
        url,
        {
            "file": upload("danh-muc.xlsx", workbook_content()),
            "effective_from": "2026-01-01",
            "dry_run": "on",
        },
    )

    assert "Chạy thử" in response.content.decode()
    assert "Tạo mới: 1" in response.content.decode()
    assert not Procedure.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("danh-muc.xls", b"\xd0\xcf\x11\xe0", "Chỉ nhận tệp .xlsx hoặc .json"),
        ("danh-muc.xlsx", b"just text", "không phải bảng tính Excel .xlsx"),
        ("danh-muc.xlsx", b"PK\x03\x04broken", "không phải bảng tính Excel (.xlsx) hợp lệ"),
        ("danh-muc.json", b"[{]", "Tệp JSON không hợp lệ ở dòng 1, cột 3"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(
    client, administrator, url, name, content, message
):
    response = client.post(url, {"file": upload(name, content), "effective_from": "2026-01-01"})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["report"] is None


def test_files_over_5_mb_are_refused(client, administrator, url, monkeypatch):
    monkeypatch.setattr(admin_import, "MAX_UPLOAD_BYTES", 1024)
    content = b"PK\x03\x04" + b"0" * 2048

    response = client.post(
        url, {"file": upload("lon.xlsx", content), "effective_from": "2026-01-01"}
    )

    assert "vượt giới hạn 5 MB" in response.content.decode()


def test_receptionist_is_refused(client, province, url):
    user = factories.staff(roles=[(Role.RECEPTIONIST, province)])
    client.login(username=user.username, password=PASSWORD)

    # The admin site sends a user it does not open for to its login page, which refuses them.
    assert client.get(url, follow=True).status_code == 403
    response = client.post(
        url,
        {"file": upload("danh-muc.xlsx", workbook_content()), "effective_from": "2026-01-01"},
        follow=True,
    )
    assert response.status_code == 403
    assert not Procedure.objects.exists()


def test_auditor_who_may_open_the_admin_may_not_import(client, province, url):
    user = factories.staff(roles=[(Role.AUDITOR, province)])
    client.login(username=user.username, password=PASSWORD)

    assert client.get(url).status_code == 403


def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert "/login/" in response["Location"]
