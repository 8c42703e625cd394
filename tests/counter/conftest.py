"""The counter screens: the dossier world of tests/dossiers, a logged-in receptionist, a fixed
moment of reception and the form a counter officer sends."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from motcua.catalog.models import Channel
from motcua.dossiers import services, views
from motcua.dossiers.services import ComponentInput, PartyInput
from tests.dossiers.conftest import applicant, full_components, world  # noqa: F401

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = dt.datetime(2026, 3, 2, 9, 15, tzinfo=VN)
COUNTER = "/workspace/dossiers/tiep-nhan/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Each test stores files in its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


class Clock:
    def __init__(self, moment: dt.datetime) -> None:
        self.moment = moment

    def set(self, moment: dt.datetime) -> None:
        self.moment = moment


@pytest.fixture
def at(monkeypatch):
    """The moment the screens take as "now" (Monday 2 March 2026, 09:15); ``at.set()``."""
    clock = Clock(MONDAY)
    monkeypatch.setattr(views, "now", lambda: clock.moment)
    return clock


@pytest.fixture
def lan(client, world, at):  # noqa: F811
    """The world's receptionist (a province-wide role: both centers), logged in."""
    client.force_login(world.receptionist)
    return client


def intake(w, *, components: dict | None = None, **overrides: Any) -> dict[str, str]:
    """What the counter form sends for a complete birth registration at the commune center;
    ``components`` maps a Component to its row's fields (None: the two required ones)."""
    data = {
        "thu_tuc": "1.001193",
        "client_key": str(uuid.uuid4()),
        "center": str(w.center_a.pk),
        "case": str(w.birth_case.pk),
        "channel": Channel.COUNTER.value,
        "sets_count": "1",
        "applicant-identity_kind": "citizen_id",
        "applicant-identity_number": "052090001234",
        "applicant-kind": "person",
        "applicant-name": "Trần Văn Bình",
        "applicant-address": "12 Trần Phú, phường Quy Nhơn",
        "applicant-phone": "0912345678",
        "applicant-email": "binh@example.vn",
        "outcome": "accept",
    }
    if components is None:
        components = {w.birth_form: {}, w.birth_certificate: {}}
    for component, fields in components.items():
        row = {"received": "on", "originals": "1", "certified_copies": "0", "copies": "0"}
        row.update(fields)
        for name, value in row.items():
            if value is not None:
                data[f"c{component.pk}-{name}"] = value
    data.update({k: v for k, v in overrides.items() if v is not None})
    for key in [k for k, v in overrides.items() if v is None]:
        data.pop(key, None)
    return data


def online_dossier(w, submitted_at: dt.datetime, *, center=None, name="Lê Thị Hoa", number=None):
    """An online dossier as the portal registers it (status 1, 8 working hours to decide);
    for someone living in the commune of the commune center."""
    return services.register_dossier(
        locality=w.commune_a,
        actor=None,
        center=center or w.center_a,
        case=w.birth_case,
        channel=Channel.ONLINE,
        applicant=PartyInput(
            name=name,
            identity_number=number or f"0521850{submitted_at:%d%H%M}"[:12],
            address="5 Lê Lợi",
        ),
        components=[
            ComponentInput(w.birth_form, originals=1),
            ComponentInput(w.birth_certificate, originals=1),
        ],
        submitted_at=submitted_at,
    )


def counter_dossier(w, *, at=MONDAY, outcome="accept", **overrides):
    values = {
        "actor": w.receptionist,
        "center": w.center_a,
        "case": w.birth_case,
        "channel": Channel.COUNTER,
        "applicant": applicant(),
        "components": full_components(w),
        "submitted_at": at,
    }
    values.update(overrides)
    return services.receive_at_counter(outcome=outcome, **values)
