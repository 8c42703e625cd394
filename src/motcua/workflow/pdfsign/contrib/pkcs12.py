"""``pkcs12``: a key and certificate in a PKCS#12 file (.p12 / .pfx).

For development (``motcua pdfsign dev-cert`` writes one) and for a unit whose CA issued the
signing certificate as a file. Configuration::

    {"kind": "pkcs12",
     "path": "/etc/motcua/signer.p12",           # required
     "passphrase_env": "MOTCUA_SIGNER_PASSPHRASE", # the variable holding the passphrase
     "chain_files": ["/etc/motcua/ca-chain.pem"]}  # optional: intermediate CAs to embed

The passphrase never sits in the settings: ``passphrase_env`` names the environment variable
that holds it. When that variable is unset, the file is read without a passphrase (a
development file may have none). The file is read again for every signature, so replacing it
takes effect without a restart.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.serialization import pkcs12
from django.utils.translation import gettext as _
from pyhanko.sign import signers

from ..base import PyHankoSigner, SigningUnavailable, config_chain, config_str
from ..registry import register

KIND = "pkcs12"


@register(KIND)
class Pkcs12Signer(PyHankoSigner):
    def __init__(self, config: dict[str, Any]) -> None:
        self.path = Path(config_str(config, "path", kind=KIND, required=True))
        self.passphrase_env = config_str(config, "passphrase_env", kind=KIND)
        self.chain = config_chain(config, kind=KIND)
        if not self.path.is_file():
            raise SigningUnavailable(
                _("Không tìm thấy tệp chứng thư số PKCS#12 %(path)s.") % {"path": self.path}
            )

    @property
    def description(self) -> str:
        return _("Chứng thư số trong tệp PKCS#12 %(path)s") % {"path": self.path}

    def _passphrase(self) -> bytes | None:
        value = os.environ.get(self.passphrase_env) if self.passphrase_env else None
        return value.encode() if value else None

    def load(self) -> signers.SimpleSigner:
        """The pyHanko signer (``SimpleSigner.load_pkcs12_data``: the in-memory form of
        ``load_pkcs12``, which raises instead of logging and returning None)."""
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise SigningUnavailable(
                _("Không đọc được tệp chứng thư số %(path)s (%(reason)s).")
                % {"path": self.path, "reason": exc.strerror or exc}
            ) from exc
        passphrase = self._passphrase()
        try:
            key, certificate, _others = pkcs12.load_key_and_certificates(data, passphrase)
        except (ValueError, TypeError) as exc:
            if self.passphrase_env:
                hint = _("sai mật khẩu hoặc chưa đặt biến môi trường %(env)s?") % {
                    "env": self.passphrase_env
                }
            else:
                hint = _("tệp có mật khẩu? khai báo “passphrase_env” trong cấu hình")
            raise SigningUnavailable(
                _("Không mở được tệp chứng thư số %(path)s (%(hint)s).")
                % {"path": self.path, "hint": hint}
            ) from exc
        if key is None or certificate is None:
            raise SigningUnavailable(
                _("Tệp %(path)s không có khóa bí mật và chứng thư của người ký.")
                % {"path": self.path}
            )
        try:
            signer = signers.SimpleSigner.load_pkcs12_data(
                data, other_certs=self.chain, passphrase=passphrase
            )
        except (ValueError, TypeError, AttributeError) as exc:  # e.g. an unsupported key type
            raise SigningUnavailable(
                _("Không dùng được khóa trong tệp %(path)s (%(reason)s).")
                % {"path": self.path, "reason": exc}
            ) from exc
        return signer

    @contextmanager
    def open_signer(self) -> Iterator[signers.Signer]:
        yield self.load()
