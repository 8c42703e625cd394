"""Fixtures of the API tests: procedures built through the catalogue services (create, edit the
draft, set times, publish), with cases, components, fees and attachments added as rows on the
draft before it is published."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from motcua.catalog import services
from motcua.catalog.models import (
    Component,
    ComponentAttachment,
    Fee,
    Field,
    Level,
    ProcedureCase,
    ProcedureUnit,
    ProcedureVersion,
    ProcessStep,
    ProcessTemplate,
    Requirement,
)
from motcua.organization.models import Role, Unit

_codes = itertools.count(1)


def next_code() -> str:
    return f"1.{900000 + next(_codes):06d}"


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


@pytest.fixture
def fields(db: None) -> dict[str, Field]:
    return {
        "hotich": Field.objects.create(code="G09-TP01", name="Hộ tịch"),
        "datdai": Field.objects.create(code="G09-TN01", name="Đất đai"),
        "kinhdoanh": Field.objects.create(
            code="G09-KH02", name="Thành lập và hoạt động doanh nghiệp"
        ),
    }


@pytest.fixture
def levels(db: None) -> dict[str, Level]:
    """The levels the catalogue migration seeds (ministry, province, commune, other)."""
    return {level.code: level for level in Level.objects.all()}


def add_case(
    version: ProcedureVersion,
    *,
    position: int = 1,
    name: str = "",
    times: dict[str, tuple[Decimal | None, str]] | None = None,
    components: int = 2,
    fees: Sequence[dict[str, Any]] = (),
    attachments_per_component: int = 1,
    template: ProcessTemplate | None = None,
) -> ProcedureCase:
    """A case on a draft with its processing times (through the service), components (each
    with attachments) and fees."""
    case = ProcedureCase.objects.create(
        version=version,
        position=position,
        name=name or f"Trường hợp {position}",
        description="",
        process_template=template,
    )
    channels = version.channels()
    times = times or {channel: (Decimal(3), "working_days") for channel in channels}
    for channel, (quantity, unit) in times.items():
        services.set_processing_time(case=case, channel=channel, quantity=quantity, unit=unit)
    for i in range(1, components + 1):
        component = Component.objects.create(
            case=case,
            position=i,
            name=f"Giấy tờ số {i}" if i > 1 else "Tờ khai theo mẫu",
            originals=1,
            copies=1 if i > 1 else 0,
            requirement=Requirement.CONDITIONAL if i == 3 else Requirement.REQUIRED,
            condition="Nếu người yêu cầu ủy quyền" if i == 3 else "",
        )
        for j in range(1, attachments_per_component + 1):
            ComponentAttachment.objects.create(
                component=component,
                kind="form" if j == 1 else "sample",
                title=f"Mẫu {i}.{j}",
                file=f"catalog/{version.procedure.code}/mau-{i}-{j}.docx",
            )
    for i, fee in enumerate(fees, 1):
        Fee.objects.create(case=case, position=i, **fee)
    return case


@pytest.fixture
def make_procedure(db: None, fields: dict[str, Field], levels: dict[str, Level]) -> Callable:
    """Build and publish a procedure; returns its published version.

    ``cases``: a list of keyword dicts for :func:`add_case` (one default case if omitted)."""

    def make(
        name: str,
        *,
        code: str | None = None,
        field: str = "hotich",
        level_codes: Sequence[str] = ("commune",),
        online_level: str = "none",
        offers_online: bool = False,
        offers_postal: bool = False,
        cases: list[dict[str, Any]] | None = None,
        effective_from: dt.date | None = None,
        units: Sequence[Unit] = (),
        publish: bool = True,
        **changes: Any,
    ) -> ProcedureVersion:
        version = services.create_procedure(
            actor=None, code=code or next_code(), name=name, field=fields[field]
        )
        version = services.update_draft(
            actor=None,
            version=version,
            levels=[levels[c] for c in level_codes],
            online_level=online_level,
            offers_online=offers_online,
            offers_postal=offers_postal,
            **changes,
        )
        for position, spec in enumerate(cases or [{}], 1):
            add_case(version, position=position, **spec)
        for unit in units:
            ProcedureUnit.objects.create(
                procedure=version.procedure, unit=unit, valid_from=dt.date(2020, 1, 1)
            )
        if not publish:
            return version
        return services.publish_version(
            actor=None,
            version=version,
            effective_from=effective_from or days_ago(400),
            decision="Quyết định số 1/QĐ-UBND",
        )

    return make


@pytest.fixture
def process_template(db: None) -> ProcessTemplate:
    template = ProcessTemplate.objects.create(code="qt-khai-sinh", name="Quy trình khai sinh")
    ProcessStep.objects.create(
        template=template,
        position=1,
        name="Tiếp nhận",
        role=Role.RECEPTIONIST,
        budget=Decimal(1),
        budget_unit="working_hours",
    )
    return template
