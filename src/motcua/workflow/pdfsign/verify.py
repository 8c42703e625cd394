"""Verifying the signatures of a result PDF, for the screen that shows it.

:func:`verify_pdf` reads every signature field that holds a signature and validates it with
pyHanko (``validate_pdf_signature``): is the signed byte range unchanged (*intact*), does the
signer's certificate chain to a configured trust root (*trusted*), and what happened to the
file after the signature (*covers_whole_document*, from pyHanko's coverage and difference
analysis). Each signature gives a :class:`SignatureReport` with a Vietnamese ``summary``.

Trust roots come from ``settings.MOTCUA_RESULT_SIGNER_TRUST_ROOTS`` (PEM or DER files; in
production the national root CA of Vietnam's digital signature authority, NEAC) plus the ones
passed in. The operating system's TLS roots are never used. With
``MOTCUA_RESULT_SIGNER_CHECK_REVOCATION`` on, certificate status is fetched from the CAs'
OCSP responders / CRLs (soft-fail: an unreachable responder does not count against the
signature); otherwise revocation is not checked.

Validation runs its own event loop (pyHanko's synchronous entry point): call it from
synchronous code (a Django view, also under ASGI, runs in a worker thread).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

from asn1crypto import x509 as asn1_x509
from cryptography import x509 as pyca_x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from .base import SigningUnavailable, parse_certificates, read_certificates

logger = logging.getLogger(__name__)

TrustRoot: TypeAlias = str | Path | bytes | asn1_x509.Certificate | pyca_x509.Certificate

# Changes after a signature that do not touch what was signed: more signatures, document
# timestamps and validation data, filling form fields.
HARMLESS_CHANGES = (ModificationLevel.LTA_UPDATES, ModificationLevel.FORM_FILLING)
REVOKED = {"REVOKED", "REVOKED_NO_POE", "REVOKED_CA_NO_POE"}
OUT_OF_VALIDITY = {"EXPIRED", "NOT_YET_VALID", "OUT_OF_BOUNDS_NO_POE", "OUT_OF_BOUNDS_NOT_REVOKED"}


class UnreadablePdf(ValueError):
    """The bytes are not a PDF that can be read (damaged, truncated, not a PDF)."""


@dataclass(frozen=True)
class SignatureReport:
    """One signature of a PDF, as the screen shows it."""

    field_name: str
    #: The common name (CN) of the signer's certificate ("" when it cannot be read).
    signer_name: str
    #: When it was signed: the time-stamp token's time if there is one, else the time the
    #: signer declared (aware; None when the signature carries no time).
    signing_time: dt.datetime | None
    #: The signed bytes are unchanged (the hash matches).
    intact: bool
    #: Intact, cryptographically sound, and the certificate chain is trusted.
    valid: bool
    #: The signer's certificate chains to a trust root (and is not revoked or expired).
    trusted: bool
    #: Nothing was added to the file after this signature.
    covers_whole_document: bool
    #: The verdict to show as good: ``valid``, and anything added after the signature is only
    #: more signatures, time stamps or form filling (pyHanko's modification level).
    ok: bool
    #: Vietnamese sentence(s) for the screen.
    summary: str


def _as_certificates(root: TrustRoot) -> list[asn1_x509.Certificate]:
    if isinstance(root, asn1_x509.Certificate):
        return [root]
    if isinstance(root, pyca_x509.Certificate):
        return [asn1_x509.Certificate.load(root.public_bytes(Encoding.DER))]
    if isinstance(root, bytes):
        return parse_certificates(root)
    return read_certificates(root)


def trust_roots_from_settings() -> list[asn1_x509.Certificate]:
    """The certificates of ``MOTCUA_RESULT_SIGNER_TRUST_ROOTS``; ImproperlyConfigured when a
    file is missing or holds no certificate (an operator must fix it: otherwise every
    signature would silently show as untrusted)."""
    roots: list[asn1_x509.Certificate] = []
    for path in getattr(settings, "MOTCUA_RESULT_SIGNER_TRUST_ROOTS", None) or []:
        try:
            roots.extend(read_certificates(path))
        except SigningUnavailable as exc:
            raise ImproperlyConfigured(f"MOTCUA_RESULT_SIGNER_TRUST_ROOTS: {exc}") from exc
    return roots


def _validation_context(roots: list[asn1_x509.Certificate]) -> ValidationContext:
    if getattr(settings, "MOTCUA_RESULT_SIGNER_CHECK_REVOCATION", False):
        return ValidationContext(
            trust_roots=roots, allow_fetching=True, revocation_mode="soft-fail"
        )
    return ValidationContext(trust_roots=roots, allow_fetching=False)


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment


def _common_name(certificate: Any) -> str:
    try:
        subject = certificate.subject
        name = subject.native.get("common_name")
        if isinstance(name, list | tuple):
            name = ", ".join(str(part) for part in name)
        return str(name or subject.human_friendly)
    except Exception:  # a damaged certificate: the report says what it can
        return ""


def _summary(
    status: PdfSignatureStatus, name: str, covers_whole_document: bool, harmless: bool
) -> str:
    who = name or _("người ký không xác định")
    if not status.intact:
        return _("Chữ ký của %(name)s không còn nguyên vẹn: nội dung đã ký bị thay đổi.") % {
            "name": who
        }
    if not status.valid:
        return _("Chữ ký của %(name)s không hợp lệ (sai chữ ký số).") % {"name": who}
    problem = getattr(status.trust_problem_indic, "name", "")
    if status.trusted:
        sentences = [_("Chữ ký hợp lệ của %(name)s.") % {"name": who}]
    elif status.revoked or problem in REVOKED:
        sentences = [_("Chứng thư số của %(name)s đã bị thu hồi.") % {"name": who}]
    elif problem in OUT_OF_VALIDITY:
        sentences = [
            _("Chứng thư số của %(name)s đã hết hạn hoặc chưa có hiệu lực.") % {"name": who}
        ]
    else:
        sentences = [
            _("Chữ ký của %(name)s còn nguyên vẹn nhưng chứng thư chưa được tin cậy.")
            % {"name": who}
        ]
    if not covers_whole_document:
        if harmless:
            sentences.append(_("Sau khi ký, tài liệu chỉ được thêm chữ ký số hoặc điền biểu mẫu."))
        else:
            sentences.append(_("Tài liệu đã bị sửa sau khi ký."))
    return " ".join(sentences)


def _report(embedded: EmbeddedPdfSignature, roots: list[asn1_x509.Certificate]) -> SignatureReport:
    status = validate_pdf_signature(embedded, signer_validation_context=_validation_context(roots))
    name = _common_name(status.signing_cert)
    timestamp = status.timestamp_validity
    signing_time = _aware(timestamp.timestamp if timestamp is not None else None) or _aware(
        status.signer_reported_dt
    )
    covers = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    harmless = (
        not covers
        and status.modification_level in HARMLESS_CHANGES
        and status.docmdp_ok is not False
    )
    valid = bool(status.intact and status.valid and status.trusted)
    return SignatureReport(
        field_name=str(embedded.field_name),
        signer_name=name,
        signing_time=signing_time,
        intact=bool(status.intact),
        valid=valid,
        trusted=bool(status.trusted),
        covers_whole_document=covers,
        ok=valid and (covers or harmless),
        summary=_summary(status, name, covers, harmless),
    )


def _unverifiable(field_name: str) -> SignatureReport:
    return SignatureReport(
        field_name=field_name,
        signer_name="",
        signing_time=None,
        intact=False,
        valid=False,
        trusted=False,
        covers_whole_document=False,
        ok=False,
        summary=_(
            "Không kiểm tra được chữ ký “%(field)s”: chữ ký bị hỏng hoặc không đúng định dạng."
        )
        % {"field": field_name},
    )


def verify_pdf(
    pdf: bytes, *, trust_roots: Iterable[TrustRoot] | None = None
) -> list[SignatureReport]:
    """The signatures of ``pdf``, in signing order ([] for a PDF without signatures;
    document time stamps are not listed). ``trust_roots`` (files, PEM/DER bytes or
    certificates) are trusted on top of ``MOTCUA_RESULT_SIGNER_TRUST_ROOTS``.

    Raises :class:`UnreadablePdf` when ``pdf`` cannot be read as a PDF. A signature that cannot
    be parsed or validated is reported as not intact, never raised."""
    roots = trust_roots_from_settings()
    for root in trust_roots or []:
        try:
            roots.extend(_as_certificates(root))
        except (ValueError, SigningUnavailable) as exc:
            raise ValueError(f"unreadable trust root {root!r:.80}: {exc}") from exc
    try:
        reader = PdfFileReader(io.BytesIO(pdf))
        fields = list(enumerate_sig_fields(reader, filled_status=True))
    except Exception as exc:  # any parser error on these bytes means "not a readable PDF"
        raise UnreadablePdf(_("Tệp PDF bị hỏng hoặc không phải PDF; không đọc được.")) from exc

    found: list[tuple[int, SignatureReport]] = []
    for field_name, _sig_object, sig_field in fields:
        try:
            embedded = EmbeddedPdfSignature(reader, sig_field, field_name)
            if embedded.sig_object_type != "/Sig":
                continue  # a document time stamp, not somebody's signature
            revision = embedded.signed_revision
            report = _report(embedded, roots)
        except Exception:  # a damaged signature is a bad signature, not a crash
            logger.warning("Cannot validate signature %r", field_name, exc_info=True)
            revision, report = 1 << 30, _unverifiable(str(field_name))
        found.append((revision, report))
    return [report for _revision, report in sorted(found, key=lambda item: item[0])]
