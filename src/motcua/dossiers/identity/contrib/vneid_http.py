"""``vneid-http``: asks an identity gateway over HTTP with JSON.

The national e-identification system is reached through the Ministry of Public Security's data
coordination and sharing platform (NĐ 118/2025 Art 35.2), whose interface is not public. This
checker speaks a small documented protocol of our own to a gateway (the province's integration
platform, or an adapter) that talks to it (docs/documents.md, "Identity check"):

``POST MOTCUA_VNEID_URL`` with ``Content-Type: application/json``, ``Authorization: Bearer
MOTCUA_VNEID_TOKEN`` (when set) and ``X-Request-ID``; body::

    {"identity_kind": "citizen_id", "identity_number": "052090001234",
     "name": "Trần Văn Bình", "birth_date": "1990-05-01"}        # birth_date may be null

Answer ``200`` with::

    {"identity_number": "052090001234", "verified": true, "level": 2, "detail": "…"}

``identity_number`` must echo the request; ``level`` is 1, 2 or null. Any other status, a
timeout, a connection error or an answer that does not follow this shape gives
``verified=False`` with a detail saying why: the check never raises.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.error
import urllib.request
import uuid
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from ..base import IdentityCheckResult
from ..registry import register

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 5.0
MAX_RESPONSE_BYTES = 64 * 1024


@register("vneid-http")
class VneidHttpChecker:
    name = "vneid-http"

    def __init__(
        self, url: str | None = None, token: str | None = None, timeout: float | None = None
    ) -> None:
        self.url: str = url or str(getattr(settings, "MOTCUA_VNEID_URL", "") or "")
        if urlsplit(self.url).scheme not in ("http", "https"):
            raise ImproperlyConfigured(
                "MOTCUA_VNEID_URL must be the http(s) address of the identity gateway"
            )
        self.token: str = (
            token if token is not None else str(getattr(settings, "MOTCUA_VNEID_TOKEN", "") or "")
        )
        self.timeout = float(
            timeout if timeout is not None else getattr(settings, "MOTCUA_VNEID_TIMEOUT", 5.0)
        )

    def _refuse(self, detail: str) -> IdentityCheckResult:
        return IdentityCheckResult(verified=False, level=None, method=self.name, detail=detail)

    def check(
        self,
        *,
        identity_kind: str,
        identity_number: str,
        name: str,
        birth_date: dt.date | None = None,
    ) -> IdentityCheckResult:
        body = json.dumps(
            {
                "identity_kind": identity_kind,
                "identity_number": identity_number,
                "name": name,
                "birth_date": birth_date.isoformat() if birth_date else None,
            },
            ensure_ascii=False,
        ).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "X-Request-ID": str(uuid.uuid4()),
        }
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        unavailable = _("Không kết nối được hệ thống định danh điện tử (%(reason)s).")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            logger.warning("Identity gateway answered HTTP %s", exc.code)
            return self._refuse(
                _("Hệ thống định danh điện tử trả lỗi HTTP %(status)s.") % {"status": exc.code}
            )
        except (TimeoutError, urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            logger.warning("Identity gateway unreachable: %s", reason)
            if isinstance(reason, TimeoutError) or isinstance(exc, TimeoutError):
                return self._refuse(unavailable % {"reason": _("quá thời gian chờ")})
            return self._refuse(unavailable % {"reason": str(reason)})
        return self._read(raw, identity_number)

    def _read(self, raw: bytes, identity_number: str) -> IdentityCheckResult:
        malformed = self._refuse(_("Hệ thống định danh điện tử trả lời không đúng định dạng."))
        if len(raw) > MAX_RESPONSE_BYTES:
            return malformed
        try:
            data: Any = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return malformed
        if not isinstance(data, dict) or not isinstance(data.get("verified"), bool):
            return malformed
        if data.get("identity_number") != identity_number:
            return self._refuse(
                _("Hệ thống định danh điện tử trả lời cho một số giấy tờ khác; bỏ qua kết quả.")
            )
        level = data.get("level")
        if level is not None and (isinstance(level, bool) or level not in (1, 2)):
            return malformed
        detail = str(data.get("detail") or "")[:500]
        if not data["verified"]:
            return self._refuse(detail or _("Không xác thực được tài khoản định danh điện tử."))
        return IdentityCheckResult(
            verified=True,
            level=level,
            method=self.name,
            detail=detail
            or _("Tài khoản định danh điện tử mức %(level)s.") % {"level": level or "?"},
        )
