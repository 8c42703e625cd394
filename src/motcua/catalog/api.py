"""The procedure catalogue in the API: ``GET /api/v1/procedures`` and ``/procedures/{code}``.

Public (no token): what a center publishes is public. Reads go through ``selectors.py``; the
handlers only turn query parameters into :class:`~motcua.catalog.selectors.CatalogFilters`,
refuse unknown filter values, and hand the rows to the schemas below.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.db.models import TextChoices
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.params.functions import Path as PathParam
from pydantic import Field, field_validator

from motcua.api.auth import PUBLIC
from motcua.api.errors import ApiError, error_responses
from motcua.api.pagination import Page, PageParams, paginate
from motcua.core.calendar import TimeUnit, describe_period

from . import selectors
from .models import (
    AttachmentKind,
    Channel,
    Component,
    ComponentAttachment,
    Fee,
    FeeKind,
    FeeMoment,
    OnlineLevel,
    ProcedureCase,
    ProcedureVersion,
    ProcessingTime,
    Requirement,
)

router = Router(tags=["catalog"], auth=PUBLIC)

# The name of the detail route inside the API's URL namespace (for the ``url`` of a row).
DETAIL_ROUTE = "procedure_detail"


# ---------------------------------------------------------------------------------------------
# Schemas


class CodeName(Schema):
    code: str
    name: str


class CodeLabel(Schema):
    """A coded value with its label in the request's language."""

    code: str
    label: str


def choice(choices: type[TextChoices], value: str) -> dict[str, str]:
    labels = dict(choices.choices)
    return {"code": value, "label": str(labels.get(value, value))}


def absolute_url(context: Any, path: str) -> str:
    request = (context or {}).get("request")
    return request.build_absolute_uri(path) if request is not None else path


def detail_url(context: Any, code: str) -> str:
    """The detail's URL in the API that answers this request (its URL namespace)."""
    match = getattr((context or {}).get("request"), "resolver_match", None)
    prefix = f"{match.namespace}:" if match and match.namespace else ""
    return absolute_url(context, reverse(prefix + DETAIL_ROUTE, kwargs={"code": code}))


def time_text(time: ProcessingTime) -> str:
    """The legal time in words ("15 ngày làm việc", "trong ngày"); the note when the time is
    set elsewhere and has no quantity."""
    if time.unit == TimeUnit.SAME_DAY or time.quantity is not None:
        return describe_period(time.quantity or 0, time.unit)
    return time.note


def time_limit_summary(version: ProcedureVersion) -> str:
    """Every distinct time limit of the version's cases and channels, in case order:
    "3 ngày làm việc" or "3 ngày làm việc; 15 ngày làm việc"."""
    texts: dict[str, None] = {}
    for case in version.cases.all():
        for time in case.processing_times.all():
            text = time_text(time)
            if text:
                texts.setdefault(text, None)
    return "; ".join(texts)


class ProcedureSummary(Schema):
    """A procedure in a list: enough for a kiosk's result row."""

    code: str = Field(..., description="National procedure code, e.g. `1.001193`.")
    name: str
    field: CodeName = Field(..., description="Field (lĩnh vực).")
    levels: list[CodeName] = Field(..., description="Levels that carry it out (cấp thực hiện).")
    online_level: CodeLabel = Field(
        ..., description="Online service level: `full` (toàn trình), `partial`, `none`."
    )
    channels: list[CodeLabel] = Field(
        ..., description="How dossiers may be submitted: `1` counter, `2` online, `3` postal."
    )
    time_limit_text: str = Field(
        ..., description="Time limit in words; distinct limits of its cases joined by `; `."
    )
    url: str = Field(..., description="Absolute URL of the procedure's detail in this API.")

    @staticmethod
    def resolve_code(obj: ProcedureVersion) -> str:
        return obj.procedure.code

    @staticmethod
    def resolve_online_level(obj: ProcedureVersion) -> dict[str, str]:
        return choice(OnlineLevel, obj.online_level)

    @staticmethod
    def resolve_channels(obj: ProcedureVersion) -> list[dict[str, str]]:
        return [choice(Channel, channel) for channel in obj.channels()]

    @staticmethod
    def resolve_time_limit_text(obj: ProcedureVersion) -> str:
        return time_limit_summary(obj)

    @staticmethod
    def resolve_url(obj: ProcedureVersion, context: Any) -> str:
        return detail_url(context, obj.procedure.code)


class ProcedurePage(Page[ProcedureSummary]):
    """One page of procedures in force."""


class ProcessingTimeOut(Schema):
    channel: CodeLabel
    quantity: float | None = Field(..., description="Empty for `same_day`.")
    unit: CodeLabel = Field(
        ...,
        description="`working_hours`, `working_days`, `calendar_days`, `months`, `same_day`.",
    )
    text: str = Field(..., description="The time in words, e.g. `15 ngày làm việc`.")
    note: str

    @staticmethod
    def resolve_channel(obj: ProcessingTime) -> dict[str, str]:
        return choice(Channel, obj.channel)

    @staticmethod
    def resolve_quantity(obj: ProcessingTime) -> float | None:
        return float(obj.quantity) if obj.quantity is not None else None

    @staticmethod
    def resolve_unit(obj: ProcessingTime) -> dict[str, str]:
        return choice(TimeUnit, obj.unit)

    @staticmethod
    def resolve_text(obj: ProcessingTime) -> str:
        return time_text(obj)


class FeeOut(Schema):
    position: int
    name: str
    kind: CodeLabel = Field(..., description="`phi` (phí), `le_phi` (lệ phí), `other`.")
    amount: int | None = Field(..., description="In đồng (VND); empty when set elsewhere.")
    paid_at: CodeLabel = Field(..., description="`intake` or `return`.")
    exemptions: str
    note: str

    @staticmethod
    def resolve_kind(obj: Fee) -> dict[str, str]:
        return choice(FeeKind, obj.kind)

    @staticmethod
    def resolve_paid_at(obj: Fee) -> dict[str, str]:
        return choice(FeeMoment, obj.paid_at)


class AttachmentOut(Schema):
    kind: CodeLabel = Field(..., description="`form` (mẫu đơn, tờ khai) or `sample`.")
    title: str
    url: str = Field(..., description="Absolute URL of the file to download.")

    @staticmethod
    def resolve_kind(obj: ComponentAttachment) -> dict[str, str]:
        return choice(AttachmentKind, obj.kind)

    @staticmethod
    def resolve_url(obj: ComponentAttachment, context: Any) -> str:
        return absolute_url(context, obj.file.url)


class ComponentOut(Schema):
    position: int
    name: str
    originals: int = Field(..., description="Bản chính.")
    certified_copies: int = Field(..., description="Bản sao chứng thực.")
    copies: int = Field(..., description="Bản sao.")
    requirement: CodeLabel = Field(
        ..., description="`required`, `conditional` (see `condition`), `present`, `if_any`."
    )
    condition: str
    note: str
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_requirement(obj: Component) -> dict[str, str]:
        return choice(Requirement, obj.requirement)


class ProcessTemplateRef(Schema):
    code: str
    name: str


class CaseOut(Schema):
    position: int
    name: str
    description: str
    process_template: ProcessTemplateRef | None = Field(
        ..., description="Internal process (quy trình nội bộ) dossiers of this case follow."
    )
    processing_times: list[ProcessingTimeOut] = Field(..., description="One per channel.")
    fees: list[FeeOut]
    components: list[ComponentOut]

    @staticmethod
    def resolve_process_template(obj: ProcedureCase) -> dict[str, str] | None:
        template = obj.process_template
        return {"code": template.code, "name": template.name} if template else None


class ProcedureDetail(Schema):
    """Every constituent part of a procedure as published in one version."""

    code: str
    name: str
    version: int = Field(..., description="Version number.")
    effective_from: dt.date
    effective_to: dt.date | None = Field(..., description="Empty while no later version.")
    decision: str = Field(..., description="The publishing decision (quyết định công bố).")
    field: CodeName
    levels: list[CodeName]
    level_note: str
    online_level: CodeLabel
    channels: list[CodeLabel]
    steps_for_applicant: str = Field(..., description="Trình tự thực hiện.")
    subjects: str = Field(..., description="Đối tượng thực hiện.")
    executing_agency: str = Field(..., description="Cơ quan thực hiện.")
    competent_authority: str = Field(..., description="Cơ quan có thẩm quyền.")
    result: str = Field(..., description="Kết quả thực hiện.")
    result_code: str
    legal_basis: list[str] = Field(..., description="Căn cứ pháp lý, one document per item.")
    conditions: str = Field(..., description="Yêu cầu, điều kiện.")
    five_on_site: bool = Field(..., description="Carried out \u201c5 tại chỗ\u201d.")
    same_day: bool = Field(..., description="Settled within the day.")
    notes: str
    time_limit_text: str
    cases: list[CaseOut] = Field(..., description="Cases (trường hợp), in order.")
    url: str

    @staticmethod
    def resolve_code(obj: ProcedureVersion) -> str:
        return obj.procedure.code

    @staticmethod
    def resolve_version(obj: ProcedureVersion) -> int:
        return obj.number

    @staticmethod
    def resolve_online_level(obj: ProcedureVersion) -> dict[str, str]:
        return choice(OnlineLevel, obj.online_level)

    @staticmethod
    def resolve_channels(obj: ProcedureVersion) -> list[dict[str, str]]:
        return [choice(Channel, channel) for channel in obj.channels()]

    @staticmethod
    def resolve_legal_basis(obj: ProcedureVersion) -> list[str]:
        return obj.legal_basis_lines()

    @staticmethod
    def resolve_time_limit_text(obj: ProcedureVersion) -> str:
        return time_limit_summary(obj)

    @staticmethod
    def resolve_url(obj: ProcedureVersion, context: Any) -> str:
        return detail_url(context, obj.procedure.code)


# ---------------------------------------------------------------------------------------------
# Parameters


class ProcedureListParams(PageParams):
    q: str = Field(
        "",
        max_length=200,
        description="Words to find in the code, name or field; case and diacritics are "
        "ignored (`dang ky khai sinh` finds `Đăng ký khai sinh`).",
    )
    field: str = Field("", max_length=50, description="Field code (mã lĩnh vực).")
    level: str = Field(
        "",
        max_length=30,
        description="Level code (cấp thực hiện): `ministry`, `province`, `commune`, `other`.",
    )
    unit: str = Field(
        "",
        max_length=20,
        description="Identifier code of a unit (mã định danh, e.g. `000.00.06.H56`): "
        "procedures applied by it or by a unit under it.",
    )
    online_level: OnlineLevel | None = Field(None, description="Online service level.")

    @field_validator("online_level", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value


class DetailParams(Schema):
    on: dt.date | None = Field(
        None, description="The version in force on this day (YYYY-MM-DD); today by default."
    )


def _unknown(field: str, message: str) -> dict[str, str]:
    return {"location": "query", "field": field, "type": "not_found", "message": message}


def catalog_filters(params: ProcedureListParams, day: dt.date) -> selectors.CatalogFilters:
    """The selector's filters; a code that names nothing is a 400 ``invalid_filter``."""
    problems = []
    field_code, level_code = params.field.strip(), params.level.strip()
    unit_code = params.unit.strip()
    if field_code and not selectors.field_exists(field_code):
        problems.append(
            _unknown("field", _("Không có lĩnh vực mã “%(code)s”.") % {"code": field_code})
        )
    if level_code and not selectors.level_exists(level_code):
        problems.append(
            _unknown("level", _("Không có cấp thực hiện mã “%(code)s”.") % {"code": level_code})
        )
    unit = selectors.unit_by_code(unit_code, day) if unit_code else None
    if unit_code and unit is None:
        problems.append(
            _unknown(
                "unit", _("Không có cơ quan, đơn vị mã định danh “%(code)s”.") % {"code": unit_code}
            )
        )
    if problems:
        raise ApiError(400, "invalid_filter", _("Giá trị lọc không hợp lệ."), problems)
    return selectors.CatalogFilters(
        query=params.q,
        field_code=field_code,
        level_code=level_code,
        unit=unit,
        online_level=params.online_level.value if params.online_level else "",
    )


# ---------------------------------------------------------------------------------------------
# Operations


@router.get(
    "",
    response={200: ProcedurePage, **error_responses(400)},
    url_name="procedure_list",
    operation_id="listProcedures",
    summary="List procedures in force (danh sách thủ tục)",
)
def list_procedures(request: HttpRequest, params: Query[ProcedureListParams]) -> dict[str, Any]:
    """Procedures in force today, by name, filtered and searched. An unknown field, level or
    unit code, an online level outside the list, or a page past the last is a 400."""
    today = timezone.localdate()
    filters = catalog_filters(params, today)
    versions = selectors.with_summary(selectors.search_catalog(filters, today))
    return paginate(versions, page=params.page, page_size=params.page_size)


@router.get(
    "/{code}",
    response={200: ProcedureDetail, **error_responses(400, 404)},
    url_name=DETAIL_ROUTE,
    operation_id="getProcedure",
    summary="A procedure in full (chi tiết thủ tục)",
)
def get_procedure(
    request: HttpRequest,
    code: Annotated[str, PathParam(description="National procedure code, e.g. `1.001193`.")],
    params: Query[DetailParams],
) -> ProcedureVersion:
    """The version in force today (or on `on`) with every constituent part. 404
    `procedure_not_found` for an unknown code (drafts are not public), 404
    `procedure_not_in_force` for a published procedure with no version in force that day."""
    day = params.on or timezone.localdate()
    version = selectors.version_in_force(code, day)
    if version is not None:
        return version
    if selectors.has_published_version(code):
        raise ApiError(
            404,
            "procedure_not_in_force",
            _("Thủ tục %(code)s không có phiên bản hiệu lực ngày %(day)s.")
            % {"code": code, "day": day.strftime("%d/%m/%Y")},
        )
    raise ApiError(
        404, "procedure_not_found", _("Không tìm thấy thủ tục mã “%(code)s”.") % {"code": code}
    )
