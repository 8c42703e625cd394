"""Writes to the catalogue. Every function is keyword-only, atomic and permission-checked
(``actor=None`` is the system itself: an operator's import command, the demo loader).

Versioning rules:
- a draft is edited freely; a published version is never edited (:class:`VersionLocked`);
- :func:`start_draft` copies the newest version into a new draft (one draft per procedure);
- :func:`publish_version` checks the draft is complete and lawful, gives it its effective date
  and ends the previous version the day before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.calendar import TimeUnit, WorkingCalendar, calendar_for, describe_period
from motcua.core.text import fold
from motcua.organization.permissions import Capability, has_capability

from .models import (
    Channel,
    ComponentAttachment,
    Fee,
    ProcedureCase,
    ProcedureVersion,
    ProcessingTime,
    ProcessStep,
    ProcessTemplate,
    VersionStatus,
)
from .models import Procedure as ProcedureModel

# How far ahead the template check looks for the shortest working time a legal period can
# give (holidays make "10 days" shorter in some weeks than in others).
TEMPLATE_CHECK_HORIZON_DAYS = 366


class VersionLocked(ValidationError):
    """A published version was about to be edited."""

    def __init__(self, version: ProcedureVersion) -> None:
        super().__init__(
            _(
                "Phiên bản %(number)s của thủ tục %(code)s đã công bố nên không sửa được; "
                "hãy tạo phiên bản mới."
            )
            % {"number": version.number, "code": version.procedure.code},
            code="version_locked",
        )


def _require(actor: Any, capability: str = Capability.MANAGE_CATALOG) -> None:
    if actor is not None and not has_capability(actor, capability):
        raise PermissionDenied(_("Bạn không có quyền quản trị danh mục thủ tục."))


def refresh_search_text(version: ProcedureVersion) -> None:
    """Recompute the folded text the catalogue search matches against."""
    text = fold(f"{version.procedure.code} {version.name} {version.field.name}")
    if text != version.search_text:
        version.search_text = text
        ProcedureVersion.objects.filter(pk=version.pk).update(search_text=text)


def ensure_editable(version: ProcedureVersion) -> None:
    if version.status != VersionStatus.DRAFT:
        raise VersionLocked(version)


@transaction.atomic
def create_procedure(*, actor: Any, code: str, name: str, field: Any) -> ProcedureVersion:
    """A new procedure with its first draft version."""
    _require(actor)
    procedure = ProcedureModel(code=code)
    procedure.full_clean()
    procedure.save()
    version = ProcedureVersion(procedure=procedure, number=1, name=name, field=field)
    version.full_clean()
    version.save()
    refresh_search_text(version)
    return version


@transaction.atomic
def update_draft(*, actor: Any, version: ProcedureVersion, **changes: Any) -> ProcedureVersion:
    """Change fields of a draft version; a published one raises :class:`VersionLocked`."""
    _require(actor)
    version = ProcedureVersion.objects.select_for_update().get(pk=version.pk)
    ensure_editable(version)
    levels = changes.pop("levels", None)
    for name, value in changes.items():
        setattr(version, name, value)
    version.full_clean()
    version.save()
    if levels is not None:
        version.levels.set(levels)
    refresh_search_text(version)
    return version


@transaction.atomic
def start_draft(*, actor: Any, procedure: ProcedureModel) -> ProcedureVersion:
    """The procedure's draft: the existing one, or a copy of its newest version."""
    _require(actor)
    ProcedureModel.objects.select_for_update().get(pk=procedure.pk)
    draft = procedure.versions.filter(status=VersionStatus.DRAFT).first()
    if draft is not None:
        return draft
    source = procedure.versions.order_by("-number").first()
    if source is None:
        raise ValidationError(_("Thủ tục chưa có phiên bản nào."), code="no_version")
    return copy_version(source, number=source.number + 1)


def copy_version(source: ProcedureVersion, *, number: int) -> ProcedureVersion:
    """A draft with the content of ``source``: fields, levels, cases and everything in them."""
    levels = list(source.levels.all())
    cases = list(
        source.cases.prefetch_related(
            "processing_times", "fees", "components__attachments"
        ).order_by("position")
    )
    draft = ProcedureVersion.objects.get(pk=source.pk)
    draft.pk = None
    draft.number = number
    draft.status = VersionStatus.DRAFT
    draft.effective_from = None
    draft.effective_to = None
    draft.published_at = None
    draft.decision = ""
    draft.save()
    draft.levels.set(levels)
    for case in cases:
        _copy_case(case, draft)
    return draft


def _copy_case(case: ProcedureCase, version: ProcedureVersion) -> None:
    times, fees = list(case.processing_times.all()), list(case.fees.all())
    components = list(case.components.all())
    case.pk = None
    case.version = version
    case.save()
    for time in times:
        time.pk, time.case = None, case
    for fee in fees:
        fee.pk, fee.case = None, case
    ProcessingTime.objects.bulk_create(times)
    Fee.objects.bulk_create(fees)
    for component in components:
        attachments = list(component.attachments.all())
        component.pk = None
        component.case = case
        component.save()
        for attachment in attachments:
            attachment.pk = None
            attachment.component = component
        ComponentAttachment.objects.bulk_create(attachments)


@dataclass(frozen=True)
class TemplateProblem:
    case: ProcedureCase
    channel: str
    budget_hours: Decimal
    legal_hours: Decimal
    legal_text: str


def steps_hours(steps: Iterable[ProcessStep], hours_per_day: Decimal) -> Decimal:
    """Working hours a sequence of steps needs: steps in sequence add up; the steps of one
    parallel group (consultations sent at once) count as the slowest of them."""
    groups: dict[Any, Decimal] = {}
    for index, step in enumerate(steps):
        per = hours_per_day if step.budget_unit == TimeUnit.WORKING_DAYS else Decimal(1)
        hours = Decimal(step.budget) * per
        key = ("group", step.parallel_group) if step.parallel_group is not None else index
        groups[key] = max(groups.get(key, Decimal(0)), hours)
    return sum(groups.values(), Decimal(0))


def template_hours(template: ProcessTemplate, hours_per_day: Decimal) -> Decimal:
    return steps_hours(template.steps.all(), hours_per_day)


def shortest_legal_hours(
    calendar: WorkingCalendar, time: ProcessingTime, start: dt.date | None = None
) -> Decimal:
    """The fewest working hours the legal time can give, over reception moments in the coming
    year (each working day's opening, and its same-day cut-off for same-day procedures)."""
    day = start or timezone.localdate()
    last = day + dt.timedelta(days=TEMPLATE_CHECK_HORIZON_DAYS)
    quantity = time.quantity or 0
    fewest: dt.timedelta | None = None
    while day <= last:
        intervals = calendar.working_intervals(day)
        if intervals:
            starts = [intervals[0][0]]
            if time.unit == TimeUnit.SAME_DAY:
                cutoff = dt.datetime.combine(
                    day, calendar.schedule.same_day_cutoff, tzinfo=intervals[0][0].tzinfo
                )
                starts.append(cutoff)
            for moment in starts:
                span = calendar.working_time_between(
                    moment, calendar.add(moment, quantity, time.unit)
                )
                fewest = span if fewest is None else min(fewest, span)
        day += dt.timedelta(days=1)
    if fewest is None:
        return Decimal(0)
    return Decimal(fewest.total_seconds()) / Decimal(3600)


def template_problems(
    template: ProcessTemplate,
    cases: Iterable[ProcedureCase] | None = None,
    steps: Iterable[ProcessStep] | None = None,
) -> list[TemplateProblem]:
    """Cases whose legal time (on some channel) is shorter than the template's budgets;
    ``steps`` checks steps not yet saved (an edit being validated)."""
    calendar = calendar_for()
    steps = template.steps.all() if steps is None else steps
    needed = steps_hours(steps, calendar.schedule.working_day_hours)
    problems = []
    for case in cases if cases is not None else template.cases.all():
        for time in case.processing_times.all():
            legal = shortest_legal_hours(calendar, time)
            if needed > legal:
                text = describe_period(time.quantity or 0, time.unit)
                problems.append(TemplateProblem(case, time.channel, needed, legal, text))
    return problems


def _hours(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")).normalize(), "f").replace(".", ",")


def check_template_fits(
    template: ProcessTemplate,
    cases: Iterable[ProcedureCase] | None = None,
    steps: Iterable[ProcessStep] | None = None,
) -> None:
    """Refuse a process template whose time budgets exceed the legal time of a case using it."""
    problems = template_problems(template, cases, steps)
    if problems:
        messages = [
            _(
                "Quy trình “%(template)s” cần %(budget)s giờ làm việc, vượt thời hạn giải quyết "
                "%(legal)s (chỉ bảo đảm %(hours)s giờ làm việc) của trường hợp “%(case)s”, "
                "kênh %(channel)s."
            )
            % {
                "template": template.name,
                "budget": _hours(p.budget_hours),
                "legal": p.legal_text,
                "hours": _hours(p.legal_hours),
                "case": p.case.name,
                "channel": Channel(p.channel).label,
            }
            for p in problems
        ]
        raise ValidationError(messages, code="template_exceeds_legal_time")


def publication_problems(version: ProcedureVersion) -> list[str]:
    """What keeps a draft from being published (empty when it may be)."""
    problems = []
    cases = list(
        version.cases.prefetch_related("processing_times", "components").select_related(
            "process_template"
        )
    )
    if not version.channels():
        problems.append(_("Chưa chọn cách thức nộp hồ sơ nào."))
    if not cases:
        problems.append(_("Thủ tục chưa có trường hợp nào."))
    for case in cases:
        have = {t.channel for t in case.processing_times.all()}
        for channel in version.channels():
            if channel not in have:
                problems.append(
                    _("Trường hợp “%(case)s” chưa có thời hạn giải quyết cho kênh %(channel)s.")
                    % {"case": case.name, "channel": Channel(channel).label}
                )
        if not case.components.all():
            problems.append(
                _("Trường hợp “%(case)s” chưa có thành phần hồ sơ.") % {"case": case.name}
            )
        if case.process_template is not None:
            try:
                check_template_fits(case.process_template, [case])
            except ValidationError as exc:
                problems.extend(exc.messages)
    return problems


@transaction.atomic
def publish_version(
    *, actor: Any, version: ProcedureVersion, effective_from: dt.date, decision: str = ""
) -> ProcedureVersion:
    """Publish a complete draft from ``effective_from``; the version in force before it ends
    the day before. A version cannot start before (or on) the start of the one it follows."""
    _require(actor)
    version = ProcedureVersion.objects.select_for_update().get(pk=version.pk)
    ensure_editable(version)
    problems = publication_problems(version)
    if problems:
        raise ValidationError(problems, code="incomplete_version")
    previous = (
        ProcedureVersion.objects.select_for_update()
        .filter(procedure_id=version.procedure_id, status=VersionStatus.PUBLISHED)
        .order_by("-effective_from")
        .first()
    )
    if previous is not None:
        assert previous.effective_from is not None
        if effective_from <= previous.effective_from:
            raise ValidationError(
                _("Ngày hiệu lực phải sau ngày hiệu lực của phiên bản đang áp dụng (%(day)s).")
                % {"day": previous.effective_from.strftime("%d/%m/%Y")},
                code="effective_too_early",
            )
        previous.effective_to = effective_from - dt.timedelta(days=1)
        previous.save(update_fields=["effective_to"])
    version.status = VersionStatus.PUBLISHED
    version.effective_from = effective_from
    version.published_at = timezone.now()
    version.decision = decision or version.decision
    version.save(update_fields=["status", "effective_from", "published_at", "decision"])
    return version


@transaction.atomic
def save_process_template(
    *, actor: Any, template: ProcessTemplate, steps: list[dict[str, Any]]
) -> ProcessTemplate:
    """Replace a template's steps, refusing budgets that exceed the legal time of any case
    that uses it. ``steps``: dicts of ProcessStep fields, in order."""
    _require(actor)
    template.full_clean()
    template.save()
    template.steps.all().delete()
    rows = [ProcessStep(template=template, position=i, **data) for i, data in enumerate(steps, 1)]
    for row in rows:
        row.full_clean(exclude=["template"])
    ProcessStep.objects.bulk_create(rows)
    cases = list(template.cases.prefetch_related("processing_times"))
    check_template_fits(template, cases)
    return template


def next_version_number(procedure: ProcedureModel) -> int:
    return (procedure.versions.aggregate(n=Max("number"))["n"] or 0) + 1


def set_processing_time(
    *, case: ProcedureCase, channel: str, quantity: Decimal | None, unit: str, note: str = ""
) -> ProcessingTime:
    """Set the legal time of a draft's case for one channel."""
    ensure_editable(case.version)
    time = ProcessingTime.objects.filter(case=case, channel=channel).first()
    time = time or ProcessingTime(case=case, channel=channel)
    time.quantity, time.unit, time.note = quantity, unit, note
    time.full_clean()
    time.save()
    return time
