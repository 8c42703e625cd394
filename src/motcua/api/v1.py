"""The API at ``/api/v1/``: one NinjaAPI, one router per app, one error format.

Mounted by ``motcua.urls`` through ``motcua.api.urls``. Each app keeps its endpoints in its own
``api.py`` with a ``router`` (the catalogue: ``motcua.catalog.api``); this module only puts the
routers under their prefixes. Errors: see :mod:`motcua.api.errors`; authentication: see
:mod:`motcua.api.auth`.
"""

from __future__ import annotations

from ninja import NinjaAPI

from motcua.catalog.api import router as catalog_router
from motcua.dossiers.api import documents_router, public_router
from motcua.dossiers.api import router as dossiers_router
from motcua.queueing.api import router as queue_router
from motcua.workflow.api import router as workflow_router

from .auth import DEFAULT_AUTH
from .errors import install_error_handlers

DESCRIPTION = """\
**Giao diện lập trình (API) của motcua** — phần mềm Bộ phận Một cửa, Trung tâm Phục vụ hành
chính công. Danh mục thủ tục hành chính và tra cứu hồ sơ là công khai, không cần mã truy cập.

**The motcua API** — the back office of Vietnam's one-stop public administration centres.
The procedure catalogue and the public dossier lookup are public (no token needed); staff
endpoints (dossiers, documents) take a bearer token (`Authorization: Bearer mc_…`, made with
`motcua token create USERNAME`) and honour an `Idempotency-Key` header on every
state-changing call.

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
api.add_router("/dossiers", dossiers_router)
api.add_router("/documents", documents_router)
api.add_router("/public/dossiers", public_router)
api.add_router("/processing", workflow_router)
api.add_router("/queue", queue_router)
