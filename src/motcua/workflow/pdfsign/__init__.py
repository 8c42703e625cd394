"""Digital signatures on result PDFs (decisions, certificates… that a leader signs).

Sign with the configured signer (``MOTCUA_RESULT_SIGNER``: a PKCS#12 file or a PKCS#11
token)::

    signed = get_signer().sign(pdf, signer_name="Nguyễn Văn A", reason="Phê duyệt kết quả",
                               location="UBND xã …")

and verify whenever the result is shown::

    for report in verify_pdf(signed):
        report.ok, report.summary

See docs/result-signing.md.
"""

from __future__ import annotations

from .base import PdfSigner, SigningFailed, SigningUnavailable
from .registry import get_signer
from .verify import SignatureReport, UnreadablePdf, verify_pdf

__all__ = [
    "PdfSigner",
    "SignatureReport",
    "SigningFailed",
    "SigningUnavailable",
    "UnreadablePdf",
    "get_signer",
    "verify_pdf",
]
