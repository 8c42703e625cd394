"""Uploads: checked by size, emptiness and content; stored by hash before the dossier commits;
re-hashed on every read."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from motcua.dossiers import documents, services
from motcua.dossiers.documents import DocumentIntegrityError
from motcua.dossiers.models import Document, DocumentKind, Dossier, Party
from motcua.dossiers.services import ComponentInput, IntakeError

from .conftest import GIF, JPEG, TIFF, applicant, pdf_bytes, png_bytes, receive, store

pytestmark = pytest.mark.django_db


def stored_files(media: Path) -> list[Path]:
    return sorted(p for p in media.rglob("*") if p.is_file())


def test_a_scan_is_stored_under_its_hash_with_what_was_checked(world, media):
    content = pdf_bytes()
    doc = store(world, "Giấy chứng sinh.pdf", content, component_name="Giấy chứng sinh")
    sha = hashlib.sha256(content).hexdigest()
    assert doc.sha256 == sha
    assert doc.size == len(content)
    assert doc.content_type == "application/pdf"
    assert doc.original_name == "Giấy chứng sinh.pdf"
    assert doc.kind == DocumentKind.SCAN
    assert doc.component_name == "Giấy chứng sinh"
    assert doc.file.name == f"documents/{sha[:2]}/{sha}"
    assert (media / doc.file.name).read_bytes() == content
    with documents.open_verified(doc) as f:
        assert f.read() == content


@pytest.mark.parametrize(
    ("name", "content", "content_type", "detected"),
    [
        ("scan.pdf", pdf_bytes(), "application/pdf", "application/pdf"),
        ("anh.JPG", JPEG, "image/jpeg", "image/jpeg"),
        ("anh.jpeg", JPEG, "image/pjpeg", "image/jpeg"),
        ("anh.png", png_bytes(), "image/png", "image/png"),
        ("quet.tif", TIFF, "image/tiff", "image/tiff"),
        ("quet.tiff", b"MM\x00*\x00\x00\x00\x08", "image/tiff", "image/tiff"),
        # A generic declared type and a name without extension say nothing against the content.
        ("scan", pdf_bytes(), "application/octet-stream", "application/pdf"),
    ],
    ids=["pdf", "jpg", "jpeg", "png", "tif-ii", "tiff-mm", "no-extension"],
)
def test_accepted_types_are_recognised_by_content(world, name, content, content_type, detected):
    doc = documents.store_upload(
        uploaded_file=SimpleUploadedFile(name, content, content_type=content_type),
        kind=DocumentKind.SCAN,
        actor=world.receptionist,
    )
    assert doc.content_type == detected


def test_a_nameless_stream_gets_a_name_from_its_hash(world):
    doc = documents.store_upload(
        uploaded_file=io.BytesIO(png_bytes()), kind=DocumentKind.SCAN, actor=None
    )
    assert doc.original_name == f"{doc.sha256[:12]}.png"


def test_a_plain_binary_stream_is_accepted(world):
    stream = io.BytesIO(png_bytes())
    stream.name = "the-scan.png"
    doc = documents.store_upload(uploaded_file=stream, kind=DocumentKind.SCAN, actor=None)
    assert doc.content_type == "image/png"
    assert doc.size == len(png_bytes())


def test_the_same_bytes_twice_share_one_stored_file(world, media):
    first = store(world, "a.pdf")
    second = store(world, "b.pdf")
    assert first.pk != second.pk
    assert first.file.name == second.file.name
    assert [d.original_name for d in Document.objects.order_by("pk")] == ["a.pdf", "b.pdf"]
    assert len(stored_files(media)) == 1
    assert documents.orphan_files() == []


def test_different_bytes_get_different_files(world, media):
    one = store(world, "1.png", png_bytes(1), "image/png")
    two = store(world, "2.png", png_bytes(2), "image/png")
    assert one.file.name != two.file.name
    assert len(stored_files(media)) == 2


# ---------------------------------------------------------------------------------------------
# Bad uploads: a clear message, a code, nothing stored


def refused(world, media, **kwargs) -> IntakeError:
    with pytest.raises(IntakeError) as excinfo:
        store(world, **kwargs)
    assert Document.objects.count() == 0
    assert stored_files(media) == []
    return excinfo.value


def test_an_oversize_file_is_refused(world, media, settings):
    settings.MOTCUA_MAX_UPLOAD_BYTES = 1024
    error = refused(world, media, content=pdf_bytes() + b"0" * 1024)
    assert error.code == "file_too_large"
    assert "vượt quá dung lượng cho phép" in error.messages[0]
    assert "giay-chung-sinh.pdf" in error.messages[0]


def test_a_file_exactly_at_the_limit_is_accepted(world, settings):
    content = pdf_bytes()
    settings.MOTCUA_MAX_UPLOAD_BYTES = len(content)
    assert store(world, content=content).size == len(content)


def test_the_size_limit_defaults_to_20_mb(settings):
    del settings.MOTCUA_MAX_UPLOAD_BYTES
    assert documents.max_upload_bytes() == 20 * 1024 * 1024


class LyingUpload(io.BytesIO):
    """Declares a small size but carries more."""

    name = "scan.pdf"
    content_type = "application/pdf"
    size = 10


def test_a_file_larger_than_it_declares_is_still_refused(world, media, settings):
    settings.MOTCUA_MAX_UPLOAD_BYTES = 2048
    with pytest.raises(IntakeError) as excinfo:
        documents.store_upload(
            uploaded_file=LyingUpload(pdf_bytes() + b"0" * 4096),
            kind=DocumentKind.SCAN,
            actor=None,
        )
    assert excinfo.value.code == "file_too_large"
    assert stored_files(media) == [] and Document.objects.count() == 0


def test_an_empty_file_is_refused(world, media):
    error = refused(world, media, content=b"")
    assert error.code == "file_empty"
    assert "rỗng" in error.messages[0]


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("anh.gif", GIF, "image/gif"),
        ("virus.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "application/octet-stream"),
        ("trang.html", b"<html><body>x</body></html>", "text/html"),
        ("ngan.pdf", b"%PD", "application/pdf"),  # shorter than any signature
    ],
    ids=["gif", "exe", "html", "too-short"],
)
def test_a_type_not_allowed_is_refused(world, media, name, content, content_type):
    error = refused(world, media, name=name, content=content, content_type=content_type)
    assert error.code == "file_type_not_allowed"
    assert "PDF, JPEG, PNG, TIFF" in error.messages[0]


def test_png_bytes_named_pdf_are_refused_as_disguised(world, media):
    error = refused(
        world, media, name="giay-to.pdf", content=png_bytes(), content_type="application/pdf"
    )
    assert error.code == "file_type_mismatch"
    assert "“.pdf”" in error.messages[0] and "PNG" in error.messages[0]


def test_a_declared_type_that_contradicts_the_content_is_refused(world, media):
    error = refused(world, media, name="anh.png", content=png_bytes(), content_type="image/jpeg")
    assert error.code == "file_type_mismatch"
    assert "image/jpeg" in error.messages[0]


def test_an_unknown_document_kind_is_refused(world):
    with pytest.raises(IntakeError) as excinfo:
        store(world, kind="selfie")
    assert excinfo.value.code == "invalid_document_kind"


# ---------------------------------------------------------------------------------------------
# Reading back


def test_a_changed_file_is_refused_on_read(world, media):
    doc = store(world)
    (media / doc.file.name).write_bytes(pdf_bytes("sửa đổi"))
    with pytest.raises(DocumentIntegrityError) as excinfo:
        documents.open_verified(doc)
    assert excinfo.value.code == "file_changed"
    assert "đã bị thay đổi" in excinfo.value.messages[0]
    assert documents.check_stored(doc) == "changed"


def test_a_truncated_file_is_refused_on_read(world, media):
    doc = store(world)
    path = media / doc.file.name
    path.write_bytes(path.read_bytes()[:-3])
    assert documents.check_stored(doc) == "changed"


def test_a_vanished_file_is_refused_on_read(world, media):
    doc = store(world)
    (media / doc.file.name).unlink()
    with pytest.raises(DocumentIntegrityError) as excinfo:
        documents.open_verified(doc)
    assert excinfo.value.code == "file_missing"
    assert documents.check_stored(doc) == "missing"


def test_uploading_the_same_bytes_again_repairs_a_damaged_stored_copy(world, media):
    first = store(world)
    (media / first.file.name).write_bytes(b"%PDF-garbage")
    second = store(world)
    assert second.file.name == first.file.name
    assert documents.check_stored(first) == "ok"


# ---------------------------------------------------------------------------------------------
# Nothing received is lost


def test_an_upload_survives_a_dossier_that_fails(world):
    scan = store(world)
    with pytest.raises(IntakeError) as excinfo:
        # The counter stored the scan first; the dossier then fails (a required paper missing).
        receive(world, components=[ComponentInput(world.birth_certificate, documents=[scan])])
    assert excinfo.value.code == "missing_required_component"
    assert not Dossier.objects.exists()
    scan.refresh_from_db()
    assert documents.check_stored(scan) == "ok"


def test_bytes_stored_in_a_rolled_back_transaction_are_listed_as_orphans(world, media):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        doc = store(world)
        name = doc.file.name
        raise Boom
    assert not Document.objects.exists()
    assert (media / name).read_bytes() == pdf_bytes()
    assert documents.orphan_files() == [name]


def test_no_orphans_when_nothing_is_stored(world):
    assert documents.orphan_files() == []


def test_registration_gives_uploaded_scans_their_owner_and_component(world):
    scan = store(world)
    dossier = receive(
        world,
        components=[
            ComponentInput(world.birth_form, originals=1),
            ComponentInput(world.birth_certificate, documents=[scan]),
        ],
    )
    scan.refresh_from_db()
    assert scan.owner == Party.objects.get(identity_number=applicant().identity_number)
    assert scan.component_name == world.birth_certificate.name
    row = dossier.components.get(component=world.birth_certificate)
    assert row.digitised and list(row.documents.all()) == [scan]
    assert services.missing_required(world.birth_case, services._inputs_of(dossier)) == []
