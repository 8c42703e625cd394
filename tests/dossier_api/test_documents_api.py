"""``POST /api/v1/documents``: scans uploaded, checked by content, stored by hash, then filed
under a dossier's component by id."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.dossiers.models import Document, SubmittedComponent
from motcua.organization.models import Role
from tests import factories
from tests.dossier_documents.conftest import GIF, pdf_bytes, png_bytes

from .conftest import DOSSIERS, assert_error, client_for, counts, intake_body

pytestmark = pytest.mark.django_db


def pdf(name: str = "giay-chung-sinh.pdf", content: bytes | None = None, content_type=None):
    return SimpleUploadedFile(
        name, pdf_bytes() if content is None else content, content_type or "application/pdf"
    )


def test_an_upload_is_stored_and_described(world, staff, media):
    content = pdf_bytes("Giấy chứng sinh của bé An")
    response = staff.upload(pdf(content=content))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["size"] == len(content)
    assert body["content_type"] == "application/pdf"
    assert body["name"] == "giay-chung-sinh.pdf"
    document = Document.objects.get(pk=body["id"])
    assert document.kind == "scan"
    assert (media / document.file.name).read_bytes() == content


def test_uploaded_files_are_filed_under_the_dossier(world, staff):
    first = staff.upload(pdf()).json()["id"]
    second = staff.upload(pdf("anh.png", png_bytes(), "image/png")).json()["id"]
    body = intake_body(
        world,
        components=[
            {"component": world.birth_form.pk, "originals": 1, "documents": [first]},
            {"component": world.birth_certificate.pk, "documents": [second]},
        ],
    )
    response = staff.post(DOSSIERS, body)
    assert response.status_code == 201, response.content
    components = response.json()["components"]
    assert [d["id"] for d in components[0]["documents"]] == [first]
    assert components[1]["digitised"] is True
    assert components[1]["documents"][0]["content_type"] == "image/png"
    assert Document.objects.get(pk=first).owner is not None


def test_a_file_filed_under_one_dossier_cannot_be_filed_under_another(world, staff):
    document = staff.upload(pdf()).json()["id"]
    components = [
        {"component": world.birth_form.pk, "originals": 1, "documents": [document]},
        {"component": world.birth_certificate.pk, "originals": 1},
    ]
    assert staff.post(DOSSIERS, intake_body(world, components=components)).status_code == 201
    before = counts()
    error = assert_error(
        staff.post(DOSSIERS, intake_body(world, components=components)),
        422,
        "document_not_available",
    )
    assert error["details"][0]["field"] == "dossier.components.0.documents.0"
    assert counts() == before
    assert SubmittedComponent.documents.through.objects.count() == 1


def test_an_oversize_upload_is_413(world, staff, settings):
    settings.MOTCUA_MAX_UPLOAD_BYTES = 100
    error = assert_error(staff.upload(pdf(content=pdf_bytes("x" * 200))), 413, "file_too_large")
    assert error["details"][0]["location"] == "file"
    assert error["details"][0]["field"] == "file"
    assert not Document.objects.exists()


def test_a_type_not_accepted_is_415(world, staff):
    gif = SimpleUploadedFile("anh.gif", GIF, "image/gif")
    assert_error(staff.upload(gif), 415, "file_type_not_allowed")
    assert not Document.objects.exists()


def test_a_name_that_lies_about_the_content_is_415(world, staff):
    assert_error(staff.upload(pdf("anh.png")), 415, "file_type_mismatch")
    assert not Document.objects.exists()


def test_an_empty_file_is_422(world, staff):
    assert_error(staff.upload(pdf(content=b"")), 422, "file_empty")


def test_no_file_is_422(world, staff):
    response = staff.client.post(
        "/api/v1/documents", {}, HTTP_AUTHORIZATION=f"Bearer {staff.token}"
    )
    error = assert_error(response, 422, "validation_error")
    assert error["details"][0]["field"] == "file"


def test_uploading_needs_reception_rights(world, client):
    clerk = factories.staff(username="tuan", roles=[(Role.CLERK, world.province)])
    assert_error(client_for(client, clerk).upload(pdf()), 403, "permission_denied")
    assert_error(client.post("/api/v1/documents", {"file": pdf()}), 401, "not_authenticated")
    assert not Document.objects.exists()


def test_a_retried_upload_with_its_key_is_the_same_document(world, staff):
    first = staff.upload(pdf(), key="up-1")
    again = staff.upload(pdf(), key="up-1")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json() == again.json()
    assert Document.objects.count() == 1
    other = staff.upload(pdf(content=pdf_bytes("khác")), key="up-1")
    assert_error(other, 422, "idempotency_key_reused")
