"""The PKCS#11 signer against a real (software) token: SoftHSM2.

The token lives in a temporary folder (``SOFTHSM2_CONF`` points at a temporary configuration);
the key and certificate are generated with ``cryptography`` and imported with python-pkcs11,
as a CA's issuing software would put them on a USB token.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from motcua.workflow.pdfsign import SigningUnavailable, get_signer, verify_pdf

from .conftest import Pki, issue, make_pdf

SOFTHSM_MODULES = [
    os.environ.get("SOFTHSM2_MODULE", ""),
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
]
MODULE = next((path for path in SOFTHSM_MODULES if path and Path(path).is_file()), None)
TOKEN = "motcua-test"
PIN = "123456"
PIN_ENV = "MOTCUA_TEST_TOKEN_PIN"
NAME = "Lê Hoàng Long"

pytestmark = pytest.mark.skipif(
    MODULE is None or shutil.which("softhsm2-util") is None,
    reason="SoftHSM2 is not installed (apt-get install softhsm2; scripts/ensure-test-tools)",
)


@dataclass(frozen=True)
class Token:
    module: str
    ca_path: Path

    def config(self, **overrides: Any) -> dict[str, Any]:
        return {
            "kind": "pkcs11",
            "module": self.module,
            "token_label": TOKEN,
            "pin_env": PIN_ENV,
            "key_label": "signer",
            **overrides,
        }


@pytest.fixture(scope="module")
def token(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Token]:
    import pkcs11
    from pkcs11 import Attribute
    from pkcs11.util.rsa import decode_rsa_private_key
    from pkcs11.util.x509 import decode_x509_certificate

    assert MODULE is not None
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n"
        "log.level = ERROR\n"
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOFTHSM2_CONF", str(conf))
        subprocess.run(
            [
                *("softhsm2-util", "--init-token", "--free", "--label", TOKEN),
                *("--pin", PIN, "--so-pin", "12345678"),
            ],
            check=True,
            capture_output=True,
        )
        lib = pkcs11.lib(MODULE)
        lib.reinitialize()  # SoftHSM reads SOFTHSM2_CONF and its tokens when initialised

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = issue(pki.ca_key, pki.ca_cert, key, NAME)
        key_der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        with lib.get_token(token_label=TOKEN).open(rw=True, user_pin=PIN) as session:
            common = {Attribute.TOKEN: True, Attribute.LABEL: "signer", Attribute.ID: b"\x01"}
            session.create_object(
                {
                    **decode_rsa_private_key(key_der),
                    **common,
                    Attribute.PRIVATE: True,
                    Attribute.SENSITIVE: True,
                }
            )
            session.create_object(
                {**decode_x509_certificate(cert.public_bytes(serialization.Encoding.DER)), **common}
            )
            # The CA's certificate, as vendor tokens carry the chain.
            session.create_object(
                {
                    **decode_x509_certificate(pki.ca_cert.public_bytes(serialization.Encoding.DER)),
                    Attribute.TOKEN: True,
                    Attribute.LABEL: "ca",
                }
            )
        patch.setenv(PIN_ENV, PIN)
        yield Token(MODULE, pki.ca_path)
        lib.finalize()


def test_a_token_signs_and_the_signature_verifies(token: Token) -> None:
    signer = get_signer(token.config())
    assert TOKEN in signer.description
    signed = signer.sign(
        make_pdf(), signer_name=NAME, reason="Phê duyệt kết quả", location="UBND tỉnh"
    )
    [report] = verify_pdf(signed, trust_roots=[token.ca_path])
    assert report.ok and report.valid and report.trusted and report.covers_whole_document
    assert report.signer_name == NAME
    assert report.summary == f"Chữ ký hợp lệ của {NAME}."


def test_the_key_can_be_chosen_by_id(token: Token) -> None:
    signer = get_signer(token.config(key_label=None, key_id="01", chain_from_token=False))
    signed = signer.sign(make_pdf(), signer_name=NAME, reason="", location="")
    assert verify_pdf(signed, trust_roots=[token.ca_path])[0].ok


def test_a_wrong_pin_is_signing_unavailable(token: Token, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PIN_ENV, "000000")
    with pytest.raises(SigningUnavailable, match="PIN"):
        get_signer(token.config()).sign(make_pdf(), signer_name=NAME, reason="", location="")
    monkeypatch.delenv(PIN_ENV)
    with pytest.raises(SigningUnavailable, match=PIN_ENV):
        get_signer(token.config()).sign(make_pdf(), signer_name=NAME, reason="", location="")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"token_label": "khong-co"}, "Không mở được token"),
        ({"key_label": "khong-co"}, "Không tìm thấy khóa ký"),
    ],
)
def test_a_missing_token_or_key_is_signing_unavailable(
    token: Token, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(SigningUnavailable, match=message):
        get_signer(token.config(**overrides)).sign(
            make_pdf(), signer_name=NAME, reason="", location=""
        )
