"""The API at ``/api/v1/``: one NinjaAPI, one router per app, one error format.

Mounted by ``motcua.urls`` through ``motcua.api.urls``. Each app keeps its endpoints in its own
``api.py`` with a ``router`` (the catalogue: ``motcua.catalog.api``); this module only puts the
routers under their prefixes. Errors: see :mod:`motcua.api.errors`; authentication: see
:mod:`motcua.api.auth`.
"""

from __future__ import annotations

from ninja import NinjaAPI

from motcua.catalog.api import router as catalog_router

from .auth import DEFAULT_AUTH
from .errors import install_error_handlers

DESCRIPTION = """\
**Giao diện lập trình (API) của motcua** — phần mềm Bộ phận Một cửa, Trung tâm Phục vụ hành
chính công. Danh mục thủ tục hành chính là công khai, không cần mã truy cập.

**The motcua API** — the back office of Vietnam's one-stop public administration centres.
The procedure catalogue is public (no token needed); staff endpoints (dossiers) will take a
bearer token and an `Idempotency-Key` header on every state-changing call.

Every error answers `{"error": {"code", "message", "details": [...]}}`: `code` is stable and
machine-readable, `message` is in Vietnamese. See `docs/api.md`.
"""

api = NinjaAPI(
    title="motcua API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=DEFAULT_AUTH,
)
install_error_handlers(api)

api.add_router("/procedures", catalog_router)
