"""Signing result PDFs with a PKCS#12 file and verifying them (motcua.workflow.pdfsign)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pytest_django.fixtures import Settings

from motcua.workflow.pdfsign import (
    SigningFailed,
    SigningUnavailable,
    UnreadablePdf,
    get_signer,
    verify_pdf,
)

from .conftest import PASSPHRASE_ENV, SIGNER_NAME, Pki

Sign = Callable[..., bytes]


def test_signature_is_valid_and_trusted_with_the_ca_as_trust_root(
    pki: Pki, sign_pdf: Sign, unsigned_pdf: bytes
) -> None:
    before = dt.datetime.now(dt.UTC)
    signed = sign_pdf(unsigned_pdf)

    assert signed.startswith(unsigned_pdf)  # an incremental update: the original is kept
    [report] = verify_pdf(signed, trust_roots=[pki.ca_cert])
    assert report.field_name == "Signature1"
    assert report.signer_name == SIGNER_NAME
    assert report.signing_time is not None and report.signing_time.tzinfo is not None
    assert before - dt.timedelta(seconds=5) <= report.signing_time <= dt.datetime.now(dt.UTC)
    assert (report.intact, report.valid, report.trusted) == (True, True, True)
    assert report.covers_whole_document and report.ok
    assert report.summary == f"Chữ ký hợp lệ của {SIGNER_NAME}."


def test_the_signature_is_pades_and_carries_reason_location_and_name(
    sign_pdf: Sign, unsigned_pdf: bytes
) -> None:
    reader = PdfFileReader(io.BytesIO(sign_pdf(unsigned_pdf)))
    [embedded] = reader.embedded_signatures
    sig = embedded.sig_object
    assert sig["/SubFilter"] == "/ETSI.CAdES.detached"
    assert sig["/Reason"] == "Phê duyệt kết quả giải quyết hồ sơ"
    assert sig["/Location"] == "UBND xã Thử Nghiệm"
    assert sig["/Name"] == SIGNER_NAME
    assert embedded.md_algorithm == "sha256"


def test_trust_roots_come_from_settings(
    pki: Pki, sign_pdf: Sign, unsigned_pdf: bytes, settings: Settings
) -> None:
    signed = sign_pdf(unsigned_pdf)
    settings.MOTCUA_RESULT_SIGNER_TRUST_ROOTS = [str(pki.ca_path)]
    [report] = verify_pdf(signed)
    assert report.trusted and report.ok
    # Trust roots given as a file path or as PEM bytes work too.
    settings.MOTCUA_RESULT_SIGNER_TRUST_ROOTS = []
    assert verify_pdf(signed, trust_roots=[pki.ca_path])[0].trusted
    assert verify_pdf(signed, trust_roots=[pki.ca_path.read_bytes()])[0].trusted


def test_a_missing_trust_root_file_is_a_configuration_error(
    sign_pdf: Sign, unsigned_pdf: bytes, settings: Settings, tmp_path: Path
) -> None:
    from django.core.exceptions import ImproperlyConfigured

    settings.MOTCUA_RESULT_SIGNER_TRUST_ROOTS = [str(tmp_path / "missing.pem")]
    with pytest.raises(ImproperlyConfigured, match=r"missing\.pem"):
        verify_pdf(sign_pdf(unsigned_pdf))


def test_without_the_ca_the_signature_is_intact_but_untrusted(
    sign_pdf: Sign, unsigned_pdf: bytes
) -> None:
    [report] = verify_pdf(sign_pdf(unsigned_pdf))
    assert report.intact and report.covers_whole_document
    assert not report.trusted and not report.valid and not report.ok
    assert report.signer_name == SIGNER_NAME
    assert "chứng thư chưa được tin cậy" in report.summary


def test_a_byte_changed_inside_the_signed_range_breaks_the_signature(
    pki: Pki, sign_pdf: Sign, unsigned_pdf: bytes
) -> None:
    signed = bytearray(sign_pdf(unsigned_pdf))
    # The creation date of the original revision: covered by the signature, and changing a
    # digit keeps the file readable.
    at = signed.index(b"/CreationDate (D:") + len(b"/CreationDate (D:")
    assert at < len(unsigned_pdf)
    signed[at] = ord("1") if signed[at] != ord("1") else ord("2")

    [report] = verify_pdf(bytes(signed), trust_roots=[pki.ca_cert])
    assert not report.intact and not report.valid and not report.ok
    assert "không còn nguyên vẹn" in report.summary


def test_an_incremental_update_after_signing_is_reported(
    pki: Pki, sign_pdf: Sign, unsigned_pdf: bytes
) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(sign_pdf(unsigned_pdf)))
    scribble = writer.add_object(generic.StreamObject(stream_data=b"1 0 0 rg 50 50 200 40 re f"))
    writer.add_stream_to_page(0, scribble)
    out = io.BytesIO()
    writer.write(out)

    [report] = verify_pdf(out.getvalue(), trust_roots=[pki.ca_cert])
    assert report.intact and report.valid and report.trusted  # what was signed is unchanged
    assert not report.covers_whole_document and not report.ok
    assert "Tài liệu đã bị sửa sau khi ký." in report.summary


def test_a_second_signature_is_a_harmless_later_change(
    pki: Pki, sign_pdf: Sign, unsigned_pdf: bytes
) -> None:
    twice = sign_pdf(sign_pdf(unsigned_pdf), field_name="Signature2")

    first, second = verify_pdf(twice, trust_roots=[pki.ca_cert])
    assert (first.field_name, second.field_name) == ("Signature1", "Signature2")
    assert first.valid and not first.covers_whole_document and first.ok
    assert "chỉ được thêm chữ ký số" in first.summary
    assert second.valid and second.covers_whole_document and second.ok


def test_an_unsigned_pdf_has_no_signatures(unsigned_pdf: bytes) -> None:
    assert verify_pdf(unsigned_pdf) == []


@pytest.mark.parametrize("data", [b"", b"not a pdf at all", b"%PDF-1.7\n%garbage\n"])
def test_garbage_is_an_unreadable_pdf(data: bytes) -> None:
    with pytest.raises(UnreadablePdf, match="không đọc được"):
        verify_pdf(data)


def test_a_truncated_signed_pdf_is_unreadable(sign_pdf: Sign, unsigned_pdf: bytes) -> None:
    with pytest.raises(UnreadablePdf):
        verify_pdf(sign_pdf(unsigned_pdf)[:200])


def test_signing_garbage_fails(pki: Pki) -> None:
    with pytest.raises(SigningFailed, match="PDF"):
        get_signer(pki.pkcs12_config()).sign(b"garbage", signer_name="A", reason="", location="")


def test_signing_a_field_that_is_already_signed_fails(sign_pdf: Sign, unsigned_pdf: bytes) -> None:
    with pytest.raises(SigningFailed, match="Không ký được"):
        sign_pdf(sign_pdf(unsigned_pdf))


def test_the_configured_signer_comes_from_settings(
    pki: Pki, settings: Settings, unsigned_pdf: bytes
) -> None:
    settings.MOTCUA_RESULT_SIGNER = pki.pkcs12_config()
    signer = get_signer()
    assert str(pki.p12_path) in signer.description
    signed = signer.sign(unsigned_pdf, signer_name=SIGNER_NAME, reason="r", location="l")
    assert verify_pdf(signed, trust_roots=[pki.ca_cert])[0].ok


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (None, "Chưa cấu hình chữ ký số"),
        ({}, "Chưa cấu hình chữ ký số"),
        ("pkcs12", "phải là một bảng cấu hình"),
        ({"kind": "smartcard"}, "không được hỗ trợ"),
        ({"kind": "pkcs12"}, "thiếu khóa “path”"),
        ({"kind": "pkcs12", "path": "/nonexistent/signer.p12"}, "Không tìm thấy tệp"),
        ({"kind": "pkcs12", "path": 12}, "phải là chuỗi"),
        ({"kind": "pkcs11"}, "thiếu khóa “module”"),
        ({"kind": "pkcs11", "module": "/nonexistent/libvendor.so", "key_label": "k"}, "PKCS#11"),
        ({"kind": "pkcs11", "module": "/bin/sh"}, "key_label"),
        ({"kind": "pkcs11", "module": "/bin/sh", "key_id": "zz"}, "hex"),
    ],
)
def test_misconfiguration_is_signing_unavailable_with_a_message(
    config: object, message: str, settings: Settings
) -> None:
    settings.MOTCUA_RESULT_SIGNER = config
    with pytest.raises(SigningUnavailable, match=message):
        get_signer()


def test_a_wrong_passphrase_is_signing_unavailable(
    pki: Pki, monkeypatch: pytest.MonkeyPatch, unsigned_pdf: bytes
) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, "sai")
    signer = get_signer(pki.pkcs12_config())
    with pytest.raises(SigningUnavailable, match=PASSPHRASE_ENV):
        signer.sign(unsigned_pdf, signer_name="A", reason="", location="")
    monkeypatch.delenv(PASSPHRASE_ENV)
    with pytest.raises(SigningUnavailable, match=PASSPHRASE_ENV):
        signer.sign(unsigned_pdf, signer_name="A", reason="", location="")


def test_an_expired_certificate_is_reported(pki: Pki, unsigned_pdf: bytes, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12

    from .conftest import issue

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    expired = issue(
        pki.ca_key,
        pki.ca_cert,
        key,
        SIGNER_NAME,
        valid=(now - dt.timedelta(days=10), now - dt.timedelta(days=1)),
    )
    p12 = tmp_path / "expired.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"x", key, expired, None, serialization.NoEncryption()
        )
    )
    signed = get_signer({"kind": "pkcs12", "path": str(p12)}).sign(
        unsigned_pdf, signer_name=SIGNER_NAME, reason="", location=""
    )
    [report] = verify_pdf(signed, trust_roots=[pki.ca_cert])
    assert report.intact and not report.trusted and not report.ok
    assert "đã hết hạn" in report.summary


def test_a_damaged_signature_is_reported_not_raised(
    pki: Pki, sign_pdf: Sign, unsigned_pdf: bytes
) -> None:
    signed = bytearray(sign_pdf(unsigned_pdf))
    start = signed.index(b"/Contents <", len(unsigned_pdf)) + len(b"/Contents <")
    signed[start : start + 64] = b"0" * 64

    [report] = verify_pdf(bytes(signed), trust_roots=[pki.ca_cert])
    assert report.field_name == "Signature1"
    assert not report.intact and not report.valid and not report.ok
    assert report.summary.startswith("Không kiểm tra được chữ ký “Signature1”")


def test_a_pkcs12_file_without_a_key_or_not_pkcs12_is_signing_unavailable(
    pki: Pki, tmp_path: Path, unsigned_pdf: bytes
) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    cert_only = tmp_path / "cert-only.p12"
    cert_only.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"x", None, pki.signer_cert, None, serialization.NoEncryption()
        )
    )
    garbage = tmp_path / "garbage.p12"
    garbage.write_bytes(b"not pkcs12")
    for path, message in ((cert_only, "không có khóa bí mật"), (garbage, "Không mở được")):
        signer = get_signer({"kind": "pkcs12", "path": str(path)})
        with pytest.raises(SigningUnavailable, match=message):
            signer.sign(unsigned_pdf, signer_name="A", reason="", location="")
