"""The electronic result for the citizen: a signed, expiring link to the result file, sent in
the "result ready" message of an online dossier (NĐ 118/2025 Art 22.3). The link names the
result and the hash of its file, so a link to a file that was replaced no longer opens."""

from __future__ import annotations

from django.core import signing
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from motcua.dossiers.documents import DocumentIntegrityError, open_verified
from motcua.dossiers.slips import public_url

from .models import Result

SALT = "motcua.workflow.result-download"
# How long a download link stays valid (a technical limit, not a legal deadline).
LINK_MAX_AGE_SECONDS = 90 * 24 * 3600


def download_token(result: Result) -> str:
    assert result.document is not None
    return signing.dumps({"r": result.pk, "h": result.document.sha256[:16]}, salt=SALT)


def download_url(result: Result) -> str:
    return public_url(reverse("result_download", args=[download_token(result)]))


@require_GET
def download(request: HttpRequest, token: str) -> HttpResponse | FileResponse:
    try:
        data = signing.loads(token, salt=SALT, max_age=LINK_MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        return HttpResponse(
            _("Đường dẫn tải kết quả đã hết hạn; hãy liên hệ nơi tiếp nhận hồ sơ."),
            status=410,
            content_type="text/plain; charset=utf-8",
        )
    except signing.BadSignature:
        raise Http404 from None
    result = Result.objects.select_related("document").filter(pk=data.get("r")).first()
    if result is None or result.document is None or result.document.sha256[:16] != data.get("h"):
        raise Http404
    try:
        stream = open_verified(result.document)
    except DocumentIntegrityError as exc:
        return HttpResponse(
            " ".join(exc.messages), status=409, content_type="text/plain; charset=utf-8"
        )
    return FileResponse(
        stream, filename=result.document.original_name, content_type=result.document.content_type
    )
