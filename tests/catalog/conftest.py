from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from motcua.catalog import services
from motcua.catalog.models import Channel, Component, Field, ProcedureCase, ProcedureVersion


@pytest.fixture
def field(db) -> Field:
    return Field.objects.create(code="HT", name="Hộ tịch")


def build_draft(
    field: Field,
    code: str = "1.001193",
    name: str = "Đăng ký khai sinh",
    quantity: str = "3",
    unit: str = "working_days",
) -> ProcedureVersion:
    version = services.create_procedure(actor=None, code=code, name=name, field=field)
    version = services.update_draft(
        actor=None, version=version, offers_counter=True, offers_online=True
    )
    case = ProcedureCase.objects.create(version=version, position=1, name="Trường hợp chung")
    for channel in (Channel.COUNTER, Channel.ONLINE):
        services.set_processing_time(
            case=case, channel=channel, quantity=Decimal(quantity), unit=unit
        )
    Component.objects.create(case=case, position=1, name="Tờ khai đăng ký khai sinh", originals=1)
    return version


@pytest.fixture
def published(field) -> ProcedureVersion:
    draft = build_draft(field)
    return services.publish_version(actor=None, version=draft, effective_from=dt.date(2025, 7, 1))
