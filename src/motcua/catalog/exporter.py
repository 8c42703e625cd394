"""Export of the procedure catalogue in the full shape of ``docs/catalog-import.md``.

:func:`version_record` is also the importer's view of what is in the database: an imported
record is "unchanged" exactly when its canonical form equals the ``version_record`` of the
version it would replace, so export → import is "unchanged" by construction.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from motcua.core.calendar import TimeUnit

from .models import (
    Component,
    Fee,
    ProcedureCase,
    ProcedureUnit,
    ProcedureVersion,
    ProcessingTime,
)
from .selectors import versions_in_force

FORMAT_NAME = "motcua-catalog"
FORMAT_VERSION = 1


def detail_queryset() -> QuerySet[ProcedureVersion]:
    """Versions with everything a record holds, in a fixed number of queries."""
    cases = (
        ProcedureCase.objects.order_by("position")
        .select_related("process_template")
        .prefetch_related(
            Prefetch("processing_times", queryset=ProcessingTime.objects.order_by("channel")),
            Prefetch("fees", queryset=Fee.objects.order_by("position")),
            Prefetch("components", queryset=Component.objects.order_by("position")),
        )
    )
    return ProcedureVersion.objects.select_related("procedure", "field").prefetch_related(
        "levels", Prefetch("cases", queryset=cases)
    )


def _time(time: ProcessingTime) -> dict[str, Any]:
    same_day = time.unit == TimeUnit.SAME_DAY
    return {
        "channel": str(time.channel),
        "quantity": None if same_day or time.quantity is None else Decimal(time.quantity),
        "unit": str(time.unit),
        "note": time.note,
    }


def _case(case: ProcedureCase) -> dict[str, Any]:
    return {
        "name": case.name,
        "description": case.description,
        "processing_times": [_time(t) for t in case.processing_times.all()],
        "fees": [
            {
                "name": fee.name,
                "kind": str(fee.kind),
                "amount": fee.amount,
                "paid_at": str(fee.paid_at),
                "exemptions": fee.exemptions,
                "note": fee.note,
            }
            for fee in case.fees.all()
        ],
        "components": [
            {
                "name": c.name,
                "originals": c.originals,
                "certified_copies": c.certified_copies,
                "copies": c.copies,
                "requirement": str(c.requirement),
                "condition": c.condition,
                "note": c.note,
            }
            for c in case.components.all()
        ],
        "process_template": case.process_template.code if case.process_template else None,
    }


def version_record(version: ProcedureVersion, *, units: list[str]) -> dict[str, Any]:
    """The canonical record of ``version`` (the full shape, with Python values);
    ``units``: codes of the units applying the procedure."""
    if not hasattr(version, "_prefetched_objects_cache") or "cases" not in getattr(
        version, "_prefetched_objects_cache", {}
    ):
        version = detail_queryset().get(pk=version.pk)
    return {
        "code": version.procedure.code,
        "name": version.name,
        "field_code": version.field.code,
        "field": version.field.name,
        "level_codes": sorted(level.code for level in version.levels.all()),
        "level_note": version.level_note,
        "online_level": str(version.online_level),
        "channels": sorted(str(c) for c in version.channels()),
        "steps_for_applicant": version.steps_for_applicant,
        "subjects": version.subjects,
        "executing_agency": version.executing_agency,
        "competent_authority": version.competent_authority,
        "result": version.result,
        "result_code": version.result_code,
        "legal_basis": version.legal_basis_lines(),
        "conditions": version.conditions,
        "five_on_site": version.five_on_site,
        "same_day": version.same_day,
        "notes": version.notes,
        "units": sorted(units),
        "cases": [_case(case) for case in version.cases.all()],
        "decision": version.decision,
        "version": version.number,
        "effective_from": version.effective_from.isoformat() if version.effective_from else None,
    }


def units_applying(procedure_ids: list[int], day: dt.date) -> dict[int, list[str]]:
    """Codes of the units applying each procedure on ``day``."""
    rows = (
        ProcedureUnit.objects.filter(procedure_id__in=procedure_ids, valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .values_list("procedure_id", "unit__code")
    )
    found: dict[int, set[str]] = {}
    for procedure_id, code in rows:
        found.setdefault(procedure_id, set()).add(code)
    return {pid: sorted(codes) for pid, codes in found.items()}


def export_records(
    *, codes: list[str] | None = None, day: dt.date | None = None
) -> tuple[list[dict[str, Any]], list[str]]:
    """Records of the versions in force on ``day`` (default today), by code; with ``codes``,
    only those, plus the list of requested codes that have no version in force."""
    day = day or timezone.localdate()
    ids = versions_in_force(day)
    if codes:
        ids = ids.filter(procedure__code__in=codes)
    versions = list(detail_queryset().filter(pk__in=ids.values("pk")).order_by("procedure__code"))
    units = units_applying([v.procedure_id for v in versions], day)
    records = [version_record(v, units=units.get(v.procedure_id, [])) for v in versions]
    found = {r["code"] for r in records}
    missing = [code for code in codes or [] if code not in found]
    return records, missing


def export_document(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "exported_at": timezone.localtime().isoformat(timespec="seconds"),
        "procedures": records,
    }


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(document: Any) -> str:
    """UTF-8 JSON text (Vietnamese letters as they are), indented by 2."""
    return json.dumps(document, ensure_ascii=False, indent=2, default=_json_default) + "\n"
