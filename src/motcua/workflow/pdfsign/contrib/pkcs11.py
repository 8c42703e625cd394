"""``pkcs11``: a key that never leaves a USB token, smart card or HSM (PKCS#11).

This is how Vietnamese CAs (VNPT-CA, Viettel-CA, BKAV-CA, FPT-CA, …) issue signing
certificates to officials: a token with the vendor's PKCS#11 module (a ``.so`` installed by the
vendor's driver package). SoftHSM2 plays the token in development and tests. Configuration::

    {"kind": "pkcs11",
     "module": "/usr/lib/softhsm/libsofthsm2.so",  # required: the vendor's PKCS#11 module
     "token_label": "motcua",                      # or "slot": 0 (index in the slot list)
     "pin_env": "MOTCUA_SIGNER_PIN",               # the variable holding the user PIN
     "key_label": "signer",                        # and/or "key_id": "01" (hex)
     "cert_label": "signer",                       # default: key_label / "cert_id" (hex)
     "chain_from_token": true,                     # embed the other certificates on the token
     "chain_files": ["/etc/motcua/ca-chain.pem"]}  # optional: more intermediate CAs to embed

A session is opened (and the user logged in) for each signature and closed after it, so an
unplugged and replugged token works again without a restart. The PIN never sits in the
settings: ``pin_env`` names the environment variable that holds it; without ``pin_env`` no
login is done (a token that asks for its PIN on its own pad).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pkcs11
from django.utils.translation import gettext as _
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

from ..base import PyHankoSigner, SigningUnavailable, config_chain, config_str
from ..registry import register

KIND = "pkcs11"


def _hex(config: dict[str, Any], key: str) -> bytes | None:
    text = config_str(config, key, kind=KIND)
    if not text:
        return None
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise SigningUnavailable(
            _("Cấu hình ký số “pkcs11”: “%(key)s” phải là chuỗi hex (ví dụ “01”).") % {"key": key}
        ) from None


@register(KIND)
class Pkcs11Signer(PyHankoSigner):
    failures = (SigningError, PdfError, ValueError, pkcs11.PKCS11Error)

    def __init__(self, config: dict[str, Any]) -> None:
        self.module = config_str(config, "module", kind=KIND, required=True)
        self.token_label = config_str(config, "token_label", kind=KIND)
        slot = config.get("slot")
        if slot is not None and (isinstance(slot, bool) or not isinstance(slot, int)):
            raise SigningUnavailable(_("Cấu hình ký số “pkcs11”: “slot” phải là số nguyên."))
        self.slot: int | None = slot
        self.pin_env = config_str(config, "pin_env", kind=KIND)
        self.key_label = config_str(config, "key_label", kind=KIND) or None
        self.cert_label = config_str(config, "cert_label", kind=KIND) or None
        self.key_id = _hex(config, "key_id")
        self.cert_id = _hex(config, "cert_id")
        self.chain_from_token = bool(config.get("chain_from_token", True))
        self.chain = config_chain(config, kind=KIND)
        if not (self.key_label or self.cert_label or self.key_id or self.cert_id):
            raise SigningUnavailable(
                _(
                    "Cấu hình ký số “pkcs11” cần “key_label”, “cert_label”, “key_id” hoặc "
                    "“cert_id” để chọn khóa ký trên token."
                )
            )
        if not Path(self.module).is_file():
            raise SigningUnavailable(
                _(
                    "Không tìm thấy thư viện PKCS#11 %(module)s; hãy cài trình điều khiển token "
                    "của nhà cung cấp chứng thư số."
                )
                % {"module": self.module}
            )

    @property
    def description(self) -> str:
        token = self.token_label or (
            _("khe %(slot)s") % {"slot": self.slot} if self.slot is not None else ""
        )
        return _("Token PKCS#11 “%(token)s” (%(module)s)") % {
            "token": token,
            "module": self.module,
        }

    def _pin(self) -> str | None:
        if not self.pin_env:
            return None
        pin = os.environ.get(self.pin_env)
        if not pin:
            raise SigningUnavailable(
                _("Chưa đặt mã PIN của token (biến môi trường %(env)s).") % {"env": self.pin_env}
            )
        return pin

    @contextmanager
    def open_signer(self) -> Iterator[signers.Signer]:
        pin = self._pin()
        try:
            session = open_pkcs11_session(
                self.module,
                slot_no=self.slot,
                token_criteria=TokenCriteria(label=self.token_label) if self.token_label else None,
                user_pin=pin,
            )
        except pkcs11.PinIncorrect as exc:
            raise SigningUnavailable(
                _("Mã PIN của token không đúng (biến môi trường %(env)s).") % {"env": self.pin_env}
            ) from exc
        except pkcs11.PKCS11Error as exc:
            raise SigningUnavailable(
                _("Không mở được token PKCS#11 (%(reason)s); token đã được cắm chưa?")
                % {"reason": str(exc) or type(exc).__name__}
            ) from exc
        try:
            signer = PKCS11Signer(
                session,
                cert_label=self.cert_label,
                key_label=self.key_label,
                key_id=self.key_id,
                cert_id=self.cert_id,
                ca_chain=self.chain,
                other_certs_to_pull=None if self.chain_from_token else (),
            )
            try:
                signer.signing_cert  # noqa: B018 - finds the key and certificate now
            except (SigningError, pkcs11.PKCS11Error) as exc:
                raise SigningUnavailable(
                    _("Không tìm thấy khóa ký hoặc chứng thư trên token (%(reason)s).")
                    % {"reason": str(exc) or type(exc).__name__}
                ) from exc
            yield signer
        finally:
            session.close()
