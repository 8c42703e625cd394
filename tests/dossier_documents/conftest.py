"""Files, signatures, reuse and identity checks on top of the dossiers ``world``."""

from __future__ import annotations

import datetime as dt
import mimetypes
import struct
import zlib
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.catalog.models import Channel
from motcua.dossiers import documents, services
from motcua.dossiers.models import DocumentKind
from motcua.dossiers.services import Outcome
from tests.dossiers.conftest import applicant, full_components, world  # noqa: F401

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def png_bytes(seed: int = 0) -> bytes:
    """A real 1×1 PNG (the colour varies with ``seed``)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    pixel = zlib.compress(bytes([0, seed % 256, 0x80, 0x40]))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", pixel)
        + chunk(b"IEND", b"")
    )


def pdf_bytes(text: str = "Giấy chứng sinh") -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n% " + text.encode() + b"\n%%EOF\n"
    )


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
TIFF = b"II*\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00"
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"


def upload(name: str = "giay-chung-sinh.pdf", content: bytes | None = None, content_type=None):
    content = pdf_bytes() if content is None else content
    content_type = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return SimpleUploadedFile(name, content, content_type=content_type)


def store(w, name="giay-chung-sinh.pdf", content=None, content_type=None, **extra):
    return documents.store_upload(
        uploaded_file=upload(name, content, content_type),
        kind=extra.pop("kind", DocumentKind.SCAN),
        actor=w.receptionist,
        **extra,
    )


def receive(w, *, outcome=Outcome.ACCEPT, at=None, **overrides):
    values = {
        "actor": w.receptionist,
        "center": w.center_a,
        "case": w.birth_case,
        "channel": Channel.COUNTER,
        "applicant": applicant(),
        "components": full_components(w),
        "submitted_at": at or dt.datetime(2026, 3, 2, 9, 15, tzinfo=VN),
    }
    values.update(overrides)
    return services.receive_at_counter(outcome=outcome, **values)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Each test stores files in its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
