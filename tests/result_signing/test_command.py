"""``motcua pdfsign dev-cert`` and ``motcua pdfsign verify``; the default signer setting."""

from __future__ import annotations

from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.core.management import call_command
from django.core.management.base import CommandError

from motcua.workflow.pdfsign import SigningUnavailable, get_signer, verify_pdf

from .conftest import make_pdf

NAME = "Phạm Thị Hồng Nhung"


def _dev_cert(tmp_path: Path, *args: str) -> tuple[Path, Path]:
    out = tmp_path / "signing" / "dev-signer.p12"
    call_command("pdfsign", "dev-cert", "--name", NAME, "--out", str(out), *args)
    return out, out.with_name("dev-ca.pem")


def test_dev_cert_signs_and_verifies_against_the_written_ca(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("MOTCUA_SIGNER_PASSPHRASE", raising=False)
    p12, ca = _dev_cert(tmp_path)
    assert str(ca.resolve()) in capsys.readouterr().out  # says what to trust
    assert p12.stat().st_mode & 0o777 == 0o600

    signer = get_signer({"kind": "pkcs12", "path": str(p12)})
    signed = signer.sign(make_pdf(), signer_name=NAME, reason="Phê duyệt", location="Hà Nội")
    [report] = verify_pdf(signed, trust_roots=[ca])
    assert report.ok and report.trusted and report.signer_name == NAME
    assert not verify_pdf(signed)[0].trusted  # the dev CA is trusted only when configured


def test_dev_cert_keeps_vietnamese_names_as_utf8string(tmp_path: Path) -> None:
    p12, ca = _dev_cert(tmp_path)
    _key, cert, _others = pkcs12.load_key_and_certificates(p12.read_bytes(), None)
    assert cert is not None
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == NAME
    der_subject = asn1_x509.Name.load(cert.subject.public_bytes())
    [[common_name]] = [rdn for rdn in der_subject.chosen if rdn[0]["type"].native == "common_name"]
    assert common_name["value"].name == "utf8_string"
    ca_cert = x509.load_pem_x509_certificate(ca.read_bytes())
    assert cert.issuer == ca_cert.subject
    assert ca_cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_dev_cert_uses_the_passphrase_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOTCUA_SIGNER_PASSPHRASE", "bí mật")
    p12, _ca = _dev_cert(tmp_path)
    config = {"kind": "pkcs12", "path": str(p12), "passphrase_env": "MOTCUA_SIGNER_PASSPHRASE"}
    pdf = make_pdf()
    assert get_signer(config).sign(pdf, signer_name=NAME, reason="", location="")
    monkeypatch.delenv("MOTCUA_SIGNER_PASSPHRASE")
    with pytest.raises(SigningUnavailable, match="MOTCUA_SIGNER_PASSPHRASE"):
        get_signer(config).sign(pdf, signer_name=NAME, reason="", location="")


def test_dev_cert_does_not_overwrite_without_force(tmp_path: Path) -> None:
    p12, _ca = _dev_cert(tmp_path)
    before = p12.read_bytes()
    with pytest.raises(CommandError, match="--force"):
        _dev_cert(tmp_path)
    assert p12.read_bytes() == before
    _dev_cert(tmp_path, "--force")
    assert p12.read_bytes() != before


def test_verify_prints_each_signature(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p12, ca = _dev_cert(tmp_path)
    signed = tmp_path / "ket-qua.pdf"
    signed.write_bytes(
        get_signer({"kind": "pkcs12", "path": str(p12)}).sign(
            make_pdf(), signer_name=NAME, reason="", location=""
        )
    )
    capsys.readouterr()
    call_command("pdfsign", "verify", str(signed), "--trust-root", str(ca))
    out = capsys.readouterr().out
    assert f"[Signature1] Chữ ký hợp lệ của {NAME}." in out
    assert "Tin cậy: có" in out

    with pytest.raises(SystemExit) as untrusted:
        call_command("pdfsign", "verify", str(signed))
    assert untrusted.value.code == 1
    assert "Tin cậy: không" in capsys.readouterr().out


def test_verify_refuses_unsigned_and_unreadable_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unsigned = tmp_path / "chua-ky.pdf"
    unsigned.write_bytes(make_pdf())
    with pytest.raises(SystemExit):
        call_command("pdfsign", "verify", str(unsigned))
    assert "không có chữ ký số" in capsys.readouterr().out
    garbage = tmp_path / "hong.pdf"
    garbage.write_bytes(b"garbage")
    with pytest.raises(CommandError, match="không đọc được"):
        call_command("pdfsign", "verify", str(garbage))


def test_the_default_signer_is_the_dev_certificate_when_it_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from motcua.settings import base

    monkeypatch.setattr(base, "VAR_DIR", tmp_path)
    monkeypatch.delenv("MOTCUA_RESULT_SIGNER", raising=False)
    assert base._result_signer_config() is None
    p12, _ca = _dev_cert(tmp_path)
    assert base._result_signer_config() == {
        "kind": "pkcs12",
        "path": str(p12),
        "passphrase_env": "MOTCUA_SIGNER_PASSPHRASE",
    }
    monkeypatch.setenv("MOTCUA_RESULT_SIGNER", "none")
    assert base._result_signer_config() is None
    monkeypatch.setenv("MOTCUA_RESULT_SIGNER", '{"kind": "pkcs11", "module": "/x.so"}')
    assert base._result_signer_config() == {"kind": "pkcs11", "module": "/x.so"}
    monkeypatch.setenv("MOTCUA_RESULT_SIGNER", "{oops")
    with pytest.raises(ImproperlyConfigured, match="JSON"):
        base._result_signer_config()
