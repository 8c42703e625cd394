"""A small published catalogue for the public pages, built through the catalogue services
(create, edit the draft, publish, revise) with cases, components and fees added to drafts.

Dates are relative to today so the suite means the same thing on any day:
``Đăng ký khai sinh`` has version 1 (long ago), version 2 (in force, since 30 days ago),
version 3 (published, in force from 30 days ahead) and a draft version 4.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from motcua.catalog import services
from motcua.catalog.models import (
    AttachmentKind,
    Channel,
    Component,
    ComponentAttachment,
    Fee,
    FeeKind,
    FeeMoment,
    Field,
    Level,
    OnlineLevel,
    Procedure,
    ProcedureCase,
    ProcedureUnit,
    ProcedureVersion,
    Requirement,
)
from motcua.core.calendar import TimeUnit
from motcua.organization.models import Unit
from tests import factories

DAY = dt.timedelta(days=1)


def today() -> dt.date:
    return timezone.localdate()


def add_case(
    version: ProcedureVersion,
    *,
    name: str,
    times: dict[str, tuple[Any, str]],
    fees: Iterable[dict[str, Any]] = (),
    components: Iterable[dict[str, Any]] = (),
) -> ProcedureCase:
    """A case on a draft: its time per channel (through the service), fees and components."""
    position = version.cases.count() + 1
    case = ProcedureCase.objects.create(version=version, position=position, name=name)
    for channel, (quantity, unit) in times.items():
        services.set_processing_time(
            case=case,
            channel=channel,
            quantity=None if quantity is None else Decimal(str(quantity)),
            unit=unit,
        )
    for index, fee in enumerate(fees, 1):
        Fee.objects.create(case=case, position=index, **fee)
    for index, spec in enumerate(components, 1):
        spec = dict(spec)
        attachments = spec.pop("attachments", [])
        component = Component.objects.create(case=case, position=index, **spec)
        for kind, title, path in attachments:
            ComponentAttachment.objects.create(
                component=component, kind=kind, title=title, file=path
            )
    return case


def build_procedure(
    *,
    code: str,
    name: str,
    field: Field,
    cases: Iterable[dict[str, Any]],
    levels: Iterable[Level] = (),
    units: Iterable[Unit] = (),
    effective_from: dt.date | None = None,
    **attrs: Any,
) -> ProcedureVersion:
    """A procedure through the services; published from ``effective_from`` when given."""
    draft = services.create_procedure(actor=None, code=code, name=name, field=field)
    draft = services.update_draft(actor=None, version=draft, levels=list(levels), **attrs)
    for case in cases:
        add_case(draft, **case)
    for unit in units:
        ProcedureUnit.objects.create(
            procedure=draft.procedure, unit=unit, valid_from=today() - 1000 * DAY
        )
    if effective_from is not None:
        draft = services.publish_version(
            actor=None, version=draft, effective_from=effective_from, decision="QĐ 1/2025"
        )
    return draft


def revise(
    procedure: Procedure,
    change: Callable[[ProcedureVersion], None],
    effective_from: dt.date | None,
    decision: str = "",
) -> ProcedureVersion:
    """A new version: copy the newest into a draft, change it, publish it (or leave it a
    draft when ``effective_from`` is None)."""
    draft = services.start_draft(actor=None, procedure=procedure)
    change(draft)
    if effective_from is None:
        return draft
    return services.publish_version(
        actor=None, version=draft, effective_from=effective_from, decision=decision
    )


def set_fee(version: ProcedureVersion, fee_name: str, amount: int) -> None:
    Fee.objects.filter(case__version=version, name=fee_name).update(amount=amount)


BIRTH_FORM = "catalog/1.001193/to-khai-khai-sinh.docx"
BIRTH_SAMPLE = "catalog/1.001193/mau-da-dien.pdf"
COPY_FEE = "Phí cấp bản sao Giấy khai sinh"


@dataclass
class Catalogue:
    hotich: Field
    chungthuc: Field
    cutru: Field
    commune_level: Level
    province_level: Level
    province: Unit
    commune: Unit
    other_commune: Unit
    birth: Procedure
    marriage: Procedure
    certify: Procedure
    residence: Procedure
    draft_only: Procedure
    future_only: Procedure


def birth_case() -> dict[str, Any]:
    return {
        "name": "Đăng ký khai sinh",
        "times": {
            Channel.COUNTER: (1, TimeUnit.WORKING_DAYS),
            Channel.ONLINE: (1, TimeUnit.WORKING_DAYS),
            Channel.POSTAL: (1, TimeUnit.WORKING_DAYS),
        },
        "fees": [
            {
                "name": "Lệ phí đăng ký khai sinh đúng hạn",
                "kind": FeeKind.CHARGE,
                "amount": 0,
                "note": "Miễn theo Luật Hộ tịch",
            },
            {
                "name": COPY_FEE,
                "kind": FeeKind.FEE,
                "amount": 5000,
                "paid_at": FeeMoment.ON_RETURN,
            },
            {
                "name": "Lệ phí đăng ký khai sinh không đúng hạn",
                "kind": FeeKind.CHARGE,
                "amount": None,
                "note": "Mức do Hội đồng nhân dân cấp tỉnh quy định",
                "exemptions": "Miễn cho người thuộc hộ nghèo, người khuyết tật",
            },
        ],
        "components": [
            {
                "name": "Tờ khai đăng ký khai sinh theo mẫu",
                "originals": 1,
                "attachments": [
                    (AttachmentKind.FORM, "Mẫu tờ khai đăng ký khai sinh", BIRTH_FORM),
                    (AttachmentKind.SAMPLE, "Tờ khai mẫu đã điền", BIRTH_SAMPLE),
                ],
            },
            {"name": "Giấy chứng sinh", "originals": 1},
            {
                "name": "Văn bản ủy quyền",
                "certified_copies": 1,
                "requirement": Requirement.CONDITIONAL,
                "condition": "Trường hợp ủy quyền đăng ký khai sinh",
            },
            {
                "name": "Giấy tờ tùy thân của người đi đăng ký",
                "originals": 1,
                "requirement": Requirement.PRESENT_ONLY,
            },
        ],
    }


@pytest.fixture
def catalogue(db: None) -> Catalogue:
    return build_catalogue()


def build_catalogue() -> Catalogue:
    """The catalogue described at the top of this module (plain function, so tests elsewhere,
    e.g. the browser tests, can build it in their own fixtures)."""
    t = today()
    hotich = Field.objects.create(code="HT", name="Hộ tịch")
    chungthuc = Field.objects.create(code="CT", name="Chứng thực")
    cutru = Field.objects.create(code="CTRU", name="Cư trú")
    # The levels a migration seeds (made here too in case it ever stops doing so).
    commune_level = Level.objects.get_or_create(
        code="commune", defaults={"name": "Cấp xã", "rank": 3}
    )[0]
    province_level = Level.objects.get_or_create(
        code="province", defaults={"name": "Cấp tỉnh", "rank": 2}
    )[0]
    province = factories.unit("UBND tỉnh Gia Lai")
    commune = factories.unit("UBND xã Ia Grai", parent=province)
    other_commune = factories.unit("UBND xã Chư Păh", parent=province)

    birth = build_procedure(
        code="1.001193",
        name="Đăng ký khai sinh",
        field=hotich,
        levels=[commune_level],
        units=[commune],
        cases=[birth_case()],
        offers_online=True,
        offers_postal=True,
        online_level=OnlineLevel.FULL,
        five_on_site=True,
        steps_for_applicant="Bước 1: Nộp hồ sơ.\nBước 2: Nhận kết quả.",
        subjects="Công dân Việt Nam",
        executing_agency="Ủy ban nhân dân cấp xã",
        competent_authority="Chủ tịch Ủy ban nhân dân cấp xã",
        result="Giấy khai sinh",
        result_code="KQ.G15.000031",
        legal_basis=(
            "Luật Hộ tịch 60/2014/QH13\nNghị định 123/2015/NĐ-CP\n\nThông tư 04/2020/TT-BTP"
        ),
        conditions="Đăng ký trong 60 ngày kể từ ngày sinh.",
        effective_from=t - 400 * DAY,
    ).procedure
    revise(birth, lambda v: set_fee(v, COPY_FEE, 8000), t - 30 * DAY, "QĐ 163/QĐ-BTP")
    revise(birth, lambda v: set_fee(v, COPY_FEE, 10000), t + 30 * DAY, "QĐ 999/QĐ-BTP")
    revise(birth, lambda v: set_fee(v, COPY_FEE, 99000), None)

    marriage = build_procedure(
        code="1.000894",
        name="Đăng ký kết hôn",
        field=hotich,
        levels=[commune_level],
        units=[commune],
        offers_online=True,
        online_level=OnlineLevel.PARTIAL,
        cases=[
            {
                "name": "Kết hôn giữa hai công dân Việt Nam",
                "times": {
                    Channel.COUNTER: (5, TimeUnit.WORKING_DAYS),
                    Channel.ONLINE: (3, TimeUnit.WORKING_DAYS),
                },
                "components": [{"name": "Tờ khai đăng ký kết hôn", "originals": 1}],
            },
            {
                "name": "Kết hôn có yếu tố nước ngoài",
                "times": {
                    Channel.COUNTER: (15, TimeUnit.WORKING_DAYS),
                    Channel.ONLINE: (15, TimeUnit.WORKING_DAYS),
                },
                "fees": [{"name": "Lệ phí đăng ký kết hôn", "amount": 1500000}],
                "components": [{"name": "Hộ chiếu của người nước ngoài", "copies": 1}],
            },
        ],
        effective_from=t - 200 * DAY,
    ).procedure

    certify = build_procedure(
        code="2.000815",
        name="Chứng thực bản sao từ bản chính giấy tờ, văn bản",
        field=chungthuc,
        levels=[commune_level, province_level],
        units=[province],
        online_level=OnlineLevel.NONE,
        same_day=True,
        cases=[
            {
                "name": "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
                "times": {Channel.COUNTER: (None, TimeUnit.SAME_DAY)},
                "fees": [{"name": "Phí chứng thực bản sao", "kind": FeeKind.FEE, "amount": 2000}],
                "components": [{"name": "Bản chính giấy tờ cần chứng thực", "originals": 1}],
            }
        ],
        effective_from=t - 100 * DAY,
    ).procedure

    residence = build_procedure(
        code="1.004222",
        name="Đăng ký thường trú",
        field=cutru,
        levels=[commune_level],
        units=[other_commune],
        offers_online=True,
        online_level=OnlineLevel.FULL,
        cases=[
            {
                "name": "Đăng ký thường trú",
                "times": {
                    Channel.COUNTER: (7, TimeUnit.WORKING_DAYS),
                    Channel.ONLINE: (7, TimeUnit.WORKING_DAYS),
                },
                "components": [{"name": "Tờ khai thay đổi thông tin cư trú", "originals": 1}],
            }
        ],
        effective_from=t - 50 * DAY,
    ).procedure

    draft_only = build_procedure(
        code="1.004194",
        name="Đăng ký tạm trú",
        field=cutru,
        levels=[commune_level],
        cases=[],
    ).procedure
    future_only = build_procedure(
        code="1.003677",
        name="Khai báo tạm vắng",
        field=cutru,
        levels=[commune_level],
        cases=[
            {
                "name": "Khai báo tạm vắng",
                "times": {Channel.COUNTER: (1, TimeUnit.WORKING_DAYS)},
                "components": [{"name": "Tờ khai", "originals": 1}],
            }
        ],
        effective_from=t + 30 * DAY,
    ).procedure
    return Catalogue(
        hotich=hotich,
        chungthuc=chungthuc,
        cutru=cutru,
        commune_level=commune_level,
        province_level=province_level,
        province=province,
        commune=commune,
        other_commune=other_commune,
        birth=birth,
        marriage=marriage,
        certify=certify,
        residence=residence,
        draft_only=draft_only,
        future_only=future_only,
    )


def many_procedures(
    count: int, field: Field, level: Level | None = None, start: int = 100
) -> list[Procedure]:
    """``count`` simple published procedures named "Thủ tục số NNN" (codes 9.000NNN)."""
    made = []
    for n in range(start, start + count):
        made.append(
            build_procedure(
                code=f"9.{n:06d}",
                name=f"Thủ tục số {n:03d}",
                field=field,
                levels=[level] if level else [],
                cases=[
                    {
                        "name": f"Thủ tục số {n:03d}",
                        "times": {Channel.COUNTER: (n % 9 + 1, TimeUnit.WORKING_DAYS)},
                        "components": [{"name": "Đơn đề nghị", "originals": 1}],
                    }
                ],
                effective_from=today() - 10 * DAY,
            ).procedure
        )
    return made
