"""A commune center receiving birth registrations, and a provincial procedure settled by a
department, as published catalogue data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from motcua.catalog import services as catalog_services
from motcua.catalog.models import (
    Channel,
    Component,
    Field,
    ProcedureCase,
    ProcedureUnit,
    Requirement,
)
from motcua.dossiers.services import ComponentInput, PartyInput
from motcua.organization.models import Center, CenterKind, Role, Unit, User
from tests import factories


@dataclass
class World:
    province: Unit
    commune_a: Unit
    commune_b: Unit
    justice: Unit
    center_a: Center
    provincial_center: Center
    receptionist: User
    birth_case: ProcedureCase
    birth_form: Component
    birth_certificate: Component
    authorisation: Component
    criminal_case: ProcedureCase


def _publish(field, code, name, *, quantity, unit, channels, components):
    version = catalog_services.create_procedure(actor=None, code=code, name=name, field=field)
    flags = {
        "offers_counter": Channel.COUNTER in channels,
        "offers_online": Channel.ONLINE in channels,
        "offers_postal": Channel.POSTAL in channels,
    }
    catalog_services.update_draft(actor=None, version=version, **flags)
    case = ProcedureCase.objects.create(version=version, position=1, name="Trường hợp chung")
    for channel in channels:
        catalog_services.set_processing_time(
            case=case,
            channel=channel,
            quantity=Decimal(quantity) if quantity else None,
            unit=unit,
        )
    rows = []
    for i, (component_name, requirement, condition) in enumerate(components, 1):
        rows.append(
            Component.objects.create(
                case=case,
                position=i,
                name=component_name,
                originals=1,
                requirement=requirement,
                condition=condition,
            )
        )
    catalog_services.publish_version(
        actor=None, version=version, effective_from=dt.date(2025, 7, 1)
    )
    return case, rows


@pytest.fixture
def world(db) -> World:
    province = factories.unit("UBND tỉnh Gia Lai", code="000.00.00.H21")
    office = factories.unit("Văn phòng UBND tỉnh", parent=province, code="000.00.01.H21")
    justice = factories.unit("Sở Tư pháp", parent=province, code="000.00.11.H21")
    commune_a = factories.unit("UBND phường Quy Nhơn", parent=province, code="000.00.31.H21")
    commune_b = factories.unit("UBND xã Ia Grai", parent=province, code="000.00.32.H21")
    center_a = factories.center(
        commune_a,
        code="ttpvhcc-quy-nhon",
        kind=CenterKind.COMMUNE,
        name="Trung tâm Phục vụ hành chính công phường Quy Nhơn",
    )
    provincial = factories.center(
        office, code="ttpvhcc-tinh", name="Trung tâm Phục vụ hành chính công tỉnh"
    )
    receptionist = factories.staff(
        username="lan", full_name="Nguyễn Thị Lan", roles=[(Role.RECEPTIONIST, province)]
    )
    field = Field.objects.create(code="ho-tich", name="Hộ tịch")
    birth_case, birth_rows = _publish(
        field,
        "1.001193",
        "Đăng ký khai sinh",
        quantity="3",
        unit="working_days",
        channels=[Channel.COUNTER, Channel.ONLINE, Channel.POSTAL],
        components=[
            ("Tờ khai đăng ký khai sinh", Requirement.REQUIRED, ""),
            ("Giấy chứng sinh", Requirement.REQUIRED, ""),
            ("Văn bản ủy quyền", Requirement.CONDITIONAL, "Khi ủy quyền nộp hồ sơ"),
        ],
    )
    criminal_case, _rows = _publish(
        Field.objects.create(code="ly-lich-tu-phap", name="Lý lịch tư pháp"),
        "3.000333",
        "Cấp Phiếu lý lịch tư pháp",
        quantity="10",
        unit="calendar_days",
        channels=[Channel.COUNTER],
        components=[("Tờ khai", Requirement.REQUIRED, "")],
    )
    for commune in (commune_a, commune_b):
        ProcedureUnit.objects.create(procedure=birth_case.version.procedure, unit=commune)
    ProcedureUnit.objects.create(procedure=criminal_case.version.procedure, unit=justice)
    return World(
        province,
        commune_a,
        commune_b,
        justice,
        center_a,
        provincial,
        receptionist,
        birth_case,
        birth_rows[0],
        birth_rows[1],
        birth_rows[2],
        criminal_case,
    )


def applicant(**overrides) -> PartyInput:
    values = {
        "name": "Trần Văn Bình",
        "identity_number": "052090001234",
        "address": "12 Trần Phú, phường Quy Nhơn",
        "phone": "0912345678",
        "email": "binh@example.vn",
    }
    values.update(overrides)
    return PartyInput(**values)


def full_components(world: World) -> list[ComponentInput]:
    return [
        ComponentInput(world.birth_form, originals=1),
        ComponentInput(world.birth_certificate, originals=1),
    ]
