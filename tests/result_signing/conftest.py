"""A throw-away PKI (CA + signer with a Vietnamese name) and PDFs made with fpdf2."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import ttf_opensans
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from fpdf import FPDF
from pytest_django.fixtures import Settings

SIGNER_NAME = "Nguyễn Văn A"
PASSPHRASE = "mật-khẩu-thử"
PASSPHRASE_ENV = "MOTCUA_TEST_SIGNER_PASSPHRASE"


@dataclass(frozen=True)
class Pki:
    ca_key: ec.EllipticCurvePrivateKey
    ca_cert: x509.Certificate
    ca_path: Path
    signer_key: rsa.RSAPrivateKey
    signer_cert: x509.Certificate
    p12_path: Path

    def pkcs12_config(self) -> dict[str, object]:
        return {"kind": "pkcs12", "path": str(self.p12_path), "passphrase_env": PASSPHRASE_ENV}


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "UBND xã Thử Nghiệm"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def issue(
    ca_key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
    key: rsa.RSAPrivateKey,
    name: str,
    *,
    valid: tuple[dt.datetime, dt.datetime] | None = None,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    not_before, not_after = valid or (now - dt.timedelta(hours=1), now + dt.timedelta(days=30))
    return (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )


def _ca() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    name = _name("CA kiểm thử")
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return key, cert


@pytest.fixture(scope="package")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("pki")
    ca_key, ca_cert = _ca()
    ca_path = folder / "ca.pem"
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    # RSA 2048, as on the tokens Vietnamese CAs issue.
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = issue(ca_key, ca_cert, key, SIGNER_NAME)
    p12_path = folder / "signer.p12"
    p12_path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"signer",
            key,
            cert,
            [ca_cert],
            serialization.BestAvailableEncryption(PASSPHRASE.encode()),
        )
    )
    return Pki(ca_key, ca_cert, ca_path, key, cert, p12_path)


@pytest.fixture(autouse=True)
def _signing_settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing from the developer's environment or var/ leaks into these tests."""
    settings.MOTCUA_RESULT_SIGNER = None
    settings.MOTCUA_RESULT_SIGNER_TRUST_ROOTS = []
    settings.MOTCUA_RESULT_SIGNER_CHECK_REVOCATION = False
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)


def make_pdf(title: str = "QUYẾT ĐỊNH") -> bytes:
    """A one-page result in Vietnamese, with Open Sans as src/motcua/dossiers/pdf.py uses."""
    pdf = FPDF(format="A4")
    pdf.add_font("OpenSans", "", ttf_opensans.OPENSANS_REGULAR.path)
    pdf.add_font("OpenSans", "B", ttf_opensans.OPENSANS_BOLD.path)
    pdf.add_page()
    pdf.set_font("OpenSans", "B", 14)
    pdf.cell(text=title, new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.set_font("OpenSans", "", 11)
    pdf.multi_cell(
        w=0,
        text=(
            "Về việc cấp Giấy chứng nhận đăng ký hộ kinh doanh cho ông Trần Văn Bình, "
            "thường trú tại thôn Đồng Tâm, xã Thử Nghiệm."
        ),
    )
    return bytes(pdf.output())


@pytest.fixture
def unsigned_pdf() -> bytes:
    return make_pdf()


@pytest.fixture
def sign_pdf(pki: Pki) -> Callable[..., bytes]:
    from motcua.workflow.pdfsign import get_signer

    def sign(pdf: bytes, *, field_name: str = "Signature1") -> bytes:
        return get_signer(pki.pkcs12_config()).sign(
            pdf,
            signer_name=SIGNER_NAME,
            reason="Phê duyệt kết quả giải quyết hồ sơ",
            location="UBND xã Thử Nghiệm",
            field_name=field_name,
        )

    return sign
