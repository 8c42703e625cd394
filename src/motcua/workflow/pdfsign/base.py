"""Digital signatures on result PDFs: the signer interface and what every signer shares.

A signer is a plugin (architecture principle 6): an object with a ``description`` and
:meth:`PdfSigner.sign`, made from a configuration dict by a factory registered in
:mod:`motcua.workflow.pdfsign.registry`. The built-in ones (``contrib/pkcs12.py``,
``contrib/pkcs11.py``) are pyHanko signers and share :class:`PyHankoSigner`, which makes a
PAdES baseline-B signature (``ETSI.CAdES.detached``, SHA-256) as an incremental update, so
what was in the PDF before stays byte for byte.

Errors: :class:`SigningUnavailable` when the configuration cannot sign at all (nothing
configured, missing file or module, wrong passphrase or PIN, token not found): an operator has
to act. :class:`SigningFailed` when this PDF could not be signed (unreadable PDF, field already
signed, the token failed mid-way). Both carry a Vietnamese message for the screen.
"""

from __future__ import annotations

import io
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import SigningError

DEFAULT_FIELD_NAME = "Signature1"


class SigningUnavailable(Exception):
    """Signing cannot be done with the current configuration (an operator must fix it)."""


class SigningFailed(Exception):
    """This PDF could not be signed (the configuration itself may be fine)."""


class PdfSigner(Protocol):
    """Signs result PDFs."""

    @property
    def description(self) -> str:
        """What signs, in words for the screen (e.g. "Token PKCS#11 “VNPT-CA” …")."""
        ...

    def sign(
        self,
        pdf: bytes,
        *,
        signer_name: str,
        reason: str,
        location: str,
        field_name: str = DEFAULT_FIELD_NAME,
    ) -> bytes:
        """``pdf`` with one more signature in the field ``field_name`` (created, invisible,
        when the PDF does not have it; filled when it is an empty signature field).
        ``signer_name``, ``reason`` and ``location`` go into the signature dictionary
        (/Name, /Reason, /Location). Raises :class:`SigningUnavailable` or
        :class:`SigningFailed`."""
        ...


def read_certificates(path: str | Path) -> list[asn1_x509.Certificate]:
    """The certificates in a PEM file (one or several) or a DER file. Raises
    :class:`SigningUnavailable` when the file is missing or holds no certificate."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningUnavailable(
            _("Không đọc được tệp chứng thư %(path)s (%(reason)s).")
            % {"path": path, "reason": exc.strerror or exc}
        ) from exc
    try:
        return parse_certificates(data)
    except ValueError as exc:
        raise SigningUnavailable(
            _("Tệp %(path)s không chứa chứng thư số X.509 (PEM hoặc DER).") % {"path": path}
        ) from exc


def parse_certificates(data: bytes) -> list[asn1_x509.Certificate]:
    """The certificates in PEM (one or several) or DER bytes; ValueError when there is none."""
    try:
        if pem.detect(data):
            ders = [der for kind, _headers, der in pem.unarmor(data, multiple=True)]
            ders = [der for der in ders if der]
        else:
            ders = [data]
        certificates = [asn1_x509.Certificate.load(der) for der in ders]
        for certificate in certificates:
            certificate.native  # noqa: B018 - parse now, so a damaged file fails here
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(str(exc)) from exc
    if not certificates:
        raise ValueError("no certificate")
    return certificates


class PyHankoSigner:
    """Base of the built-in signers: subclasses provide :meth:`open_signer`, a context
    manager giving a pyHanko signer (key and certificate ready, or
    :class:`SigningUnavailable`), and may widen :attr:`failures`."""

    #: Exceptions raised while signing that mean "this signature failed".
    failures: tuple[type[BaseException], ...] = (SigningError, PdfError, ValueError)

    @property
    def description(self) -> str:
        raise NotImplementedError

    def open_signer(self) -> AbstractContextManager[signers.Signer]:
        raise NotImplementedError

    def sign(
        self,
        pdf: bytes,
        *,
        signer_name: str,
        reason: str,
        location: str,
        field_name: str = DEFAULT_FIELD_NAME,
    ) -> bytes:
        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
            raise SigningFailed(_("Tệp PDF không đọc được nên không ký được.")) from exc
        metadata = signers.PdfSignatureMetadata(
            field_name=field_name,
            name=signer_name or None,
            reason=reason or None,
            location=location or None,
            md_algorithm="sha256",
            subfilter=SigSeedSubFilter.PADES,
        )
        with self.open_signer() as signer:
            try:
                output = signers.sign_pdf(writer, metadata, signer=signer)
            except self.failures as exc:
                raise SigningFailed(
                    _("Không ký được tệp PDF: %(reason)s") % {"reason": exc}
                ) from exc
        return bytes(output.getvalue())


def config_str(config: dict[str, Any], key: str, *, kind: str, required: bool = False) -> str:
    """``config[key]`` as a non-empty string, or "" when absent and not required."""
    value = config.get(key)
    if value is None or value == "":
        if required:
            raise SigningUnavailable(
                _("Cấu hình ký số “%(kind)s” thiếu khóa “%(key)s”.") % {"kind": kind, "key": key}
            )
        return ""
    if not isinstance(value, str | Path):
        raise SigningUnavailable(
            _("Cấu hình ký số “%(kind)s”: “%(key)s” phải là chuỗi ký tự.")
            % {"kind": kind, "key": key}
        )
    return str(value)


def config_chain(config: dict[str, Any], *, kind: str) -> list[asn1_x509.Certificate]:
    """The certificates of ``config["chain_files"]`` (intermediate CAs to embed)."""
    files = config.get("chain_files") or []
    if isinstance(files, str | Path) or not isinstance(files, list | tuple):
        raise SigningUnavailable(
            _("Cấu hình ký số “%(kind)s”: “chain_files” phải là danh sách đường dẫn tệp.")
            % {"kind": kind}
        )
    return [certificate for path in files for certificate in read_certificates(path)]
