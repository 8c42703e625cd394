"""Dossiers received in the world of tests/dossiers: accepted, sent back for completion and
refused, with the staff who may and may not print their forms."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from motcua.catalog.models import Channel, Fee, FeeKind, FeeMoment
from motcua.dossiers import services
from motcua.dossiers.services import ComponentInput, Outcome
from motcua.organization.models import Role
from tests import factories
from tests.dossiers.conftest import applicant, full_components, world  # noqa: F401

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PASSWORD = "Secret-pass-123"


def receive(world, *, outcome=Outcome.ACCEPT, at=None, center=None, **overrides):  # noqa: F811
    values = {
        "actor": world.receptionist,
        "center": center or world.center_a,
        "case": world.birth_case,
        "channel": Channel.COUNTER,
        "applicant": applicant(),
        "components": full_components(world),
        "submitted_at": at or dt.datetime(2026, 2, 13, 16, 30, tzinfo=VN),
    }
    values.update(overrides)
    return services.receive_at_counter(outcome=outcome, **values)


@pytest.fixture
def birth_fee(world):  # noqa: F811
    return Fee.objects.create(
        case=world.birth_case,
        name="Lệ phí đăng ký khai sinh",
        kind=FeeKind.CHARGE,
        amount=8000,
        paid_at=FeeMoment.AT_INTAKE,
    )


@pytest.fixture
def accepted(world, birth_fee):  # noqa: F811
    """Received on Friday 13/02/2026 at 16:30, before Tết: due 25/02/2026 at 16:30."""
    return receive(
        world,
        components=[
            ComponentInput(world.birth_form, originals=1),
            ComponentInput(world.birth_certificate, originals=1, copies=2),
        ],
    )


@pytest.fixture
def sent_back(world):  # noqa: F811
    return receive(
        world,
        outcome=Outcome.REQUEST_SUPPLEMENT,
        at=dt.datetime(2026, 3, 2, 9, 15, tzinfo=VN),
        components=[ComponentInput(world.birth_form, originals=1)],
        reason="Hồ sơ thiếu giấy tờ chứng minh việc sinh",
        guidance="Đề nghị bổ sung Giấy chứng sinh bản chính do cơ sở y tế cấp.",
        supplement_items=[
            {
                "component": world.birth_certificate.pk,
                "name": "Giấy chứng sinh",
                "reason": "Chưa nộp bản chính",
            }
        ],
    )


@pytest.fixture
def refused(world):  # noqa: F811
    return receive(
        world,
        outcome=Outcome.REFUSE,
        at=dt.datetime(2026, 3, 3, 10, 5, tzinfo=VN),
        reason="Trẻ đã được đăng ký khai sinh tại UBND xã Ia Grai ngày 05/01/2026.",
    )


@pytest.fixture
def outsider(world):  # noqa: F811
    """A receptionist of another province: no role over these units or centers."""
    elsewhere = factories.unit("UBND tỉnh Khánh Hòa", code="000.00.00.H40")
    return factories.staff(username="other", roles=[(Role.RECEPTIONIST, elsewhere)])


@pytest.fixture
def specialist(world):  # noqa: F811
    """A specialist of the competent commune (a role over the competent unit)."""
    return factories.staff(
        username="chuyenvien",
        full_name="Phạm Minh Đức",
        roles=[(Role.SPECIALIST, world.commune_a)],
    )


@pytest.fixture
def staff_client(client, world):  # noqa: F811
    assert client.login(username=world.receptionist.username, password=PASSWORD)
    return client


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def pdf_pages(content: bytes) -> list:
    return list(PdfReader(io.BytesIO(content)).pages)
