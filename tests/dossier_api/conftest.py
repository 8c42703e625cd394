"""Fixtures of the dossier API tests: the ``world`` of tests/dossiers (a commune center, a
provincial one, a receptionist over the province, two published procedures), a staff token, a
client that sends it, and a valid intake body."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

from motcua.api.auth import create_token
from motcua.catalog.models import Channel
from motcua.dossiers import services
from motcua.dossiers.models import Dossier, DossierEvent, DossierParty, Party, SubmittedComponent
from motcua.dossiers.services import Outcome
from tests.dossiers.conftest import applicant, full_components, world  # noqa: F401

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DOSSIERS = "/api/v1/dossiers"
DOCUMENTS = "/api/v1/documents"


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """Rate-limit counters live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


class StaffClient:
    """Django's test client with a bearer token (and JSON bodies)."""

    def __init__(self, client: Any, token: str | None) -> None:
        self.client = client
        self.token = token

    def _headers(self, key: str | None, extra: dict[str, str] | None) -> dict[str, str]:
        headers = dict(extra or {})
        if self.token is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {self.token}"
        if key is not None:
            headers["HTTP_IDEMPOTENCY_KEY"] = key
        return headers

    def get(self, path: str, **extra: Any) -> Any:
        return self.client.get(path, **self._headers(None, extra))

    def post(self, path: str, body: Any = None, *, key: str | None = None, **extra: Any) -> Any:
        data = "" if body is None else json.dumps(body, default=str)
        return self.client.post(
            path, data=data, content_type="application/json", **self._headers(key, extra)
        )

    def upload(self, upload: Any, *, key: str | None = None) -> Any:
        return self.client.post(DOCUMENTS, {"file": upload}, **self._headers(key, None))


@pytest.fixture
def token(world) -> str:  # noqa: F811
    _row, text = create_token(user=world.receptionist, name="tests")
    return text


@pytest.fixture
def staff(client, token) -> StaffClient:
    return StaffClient(client, token)


def client_for(client: Any, user: Any) -> StaffClient:
    return StaffClient(client, create_token(user=user)[1])


def person(**overrides: Any) -> dict[str, Any]:
    values = {
        "name": "Trần Văn Bình",
        "identity_number": "052090001234",
        "address": "12 Trần Phú, phường Quy Nhơn",
        "phone": "0912345678",
        "email": "binh@example.vn",
    }
    values.update(overrides)
    return values


def intake_body(w, **overrides: Any) -> dict[str, Any]:
    """A complete counter dossier for a birth registration, accepted at once."""
    body: dict[str, Any] = {
        "center": w.center_a.code,
        "procedure": "1.001193",
        "case": 1,
        "channel": "1",
        "applicant": person(),
        "components": [
            {"component": w.birth_form.pk, "originals": 1},
            {"component": w.birth_certificate.pk, "originals": 1},
        ],
        "outcome": "accept",
    }
    body.update(overrides)
    return body


def receive(w, *, outcome: str = Outcome.ACCEPT, at: dt.datetime | None = None, **kw: Any):
    """A dossier received at the counter through the service (not the API)."""
    values: dict[str, Any] = {
        "actor": w.receptionist,
        "center": w.center_a,
        "case": w.birth_case,
        "channel": Channel.COUNTER,
        "applicant": applicant(),
        "components": full_components(w),
        "submitted_at": at or dt.datetime(2026, 3, 2, 9, 15, tzinfo=VN),
    }
    values.update(kw)
    if outcome == Outcome.REQUEST_SUPPLEMENT:
        values.setdefault(
            "supplement_items",
            [{"component": w.birth_certificate.pk, "name": "Giấy chứng sinh", "reason": ""}],
        )
    if outcome == "register":
        return services.register_dossier(**values)
    return services.receive_at_counter(outcome=outcome, reason="Thiếu giấy tờ", **values)


def counts() -> dict[str, int]:
    """Rows a failed intake must not leave behind."""
    return {
        "dossiers": Dossier.objects.count(),
        "events": DossierEvent.objects.count(),
        "parties": Party.objects.count(),
        "dossier_parties": DossierParty.objects.count(),
        "components": SubmittedComponent.objects.count(),
    }


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code, body
    assert body["error"]["message"]
    assert isinstance(body["error"]["details"], list)
    return body["error"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploaded files go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
