"""Result files: the leader's digital signature on the draft PDF, and the check of every
signature whenever a result file is shown."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils.translation import gettext as _

from motcua.dossiers.documents import open_verified, store_upload
from motcua.dossiers.models import Document, DocumentKind, Dossier


def _read(document: Document) -> bytes:
    with open_verified(document) as handle:
        return bytes(handle.read())


def sign_draft(draft: Document, *, signer: Any, dossier: Dossier, at: dt.datetime) -> Document:
    """Sign the draft with the configured signer (PKCS#12 file or PKCS#11 token) and store
    the signed PDF as the result document; the draft stays as it was."""
    from .pdfsign.base import SigningFailed, SigningUnavailable
    from .pdfsign.registry import get_signer
    from .services import WorkflowError

    try:
        signed = get_signer().sign(
            _read(draft),
            signer_name=getattr(signer, "full_name", "") or str(signer),
            reason=_("Phê duyệt kết quả giải quyết hồ sơ %(code)s") % {"code": dossier.code},
            location=dossier.competent_unit.name,
        )
    except (SigningUnavailable, SigningFailed) as exc:
        raise WorkflowError(str(exc), code="signing_failed") from exc
    handle = io.BytesIO(signed)
    handle.name = f"{dossier.code}-ket-qua-da-ky.pdf"
    handle.content_type = "application/pdf"  # type: ignore[attr-defined]
    return store_upload(
        uploaded_file=handle,
        kind=DocumentKind.RESULT,
        actor=signer,
        component_name=_("Kết quả giải quyết (đã ký số)"),
    )


def signature_reports(document: Document) -> list[Any]:
    """The signatures on a result PDF, verified now (empty for a file without any)."""
    if document.content_type != "application/pdf":
        return []
    from .pdfsign.verify import verify_pdf

    return verify_pdf(_read(document))
