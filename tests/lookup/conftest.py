"""Public lookup: the dossiers ``world``, dossiers received through the services, and rate-limit
counters cleared around every test."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from tests.dossier_api.conftest import VN, receive  # noqa: F401
from tests.dossiers.conftest import applicant, full_components, world  # noqa: F401

API = "/api/v1/public/dossiers"


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    cache.clear()
    yield
    cache.clear()
