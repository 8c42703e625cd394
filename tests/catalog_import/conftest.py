"""Fixtures of the catalogue import tests: the sample file, records, and running an import."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from motcua.catalog import importer
from motcua.catalog.importer import ImportReport

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
REPO_ROOT = HERE.parents[1]
SAMPLE = REPO_ROOT.parent / "shared" / "data" / "procedures-sample.json"

DAY = dt.date(2026, 1, 1)
LATER = dt.date(2026, 3, 1)


@pytest.fixture
def sample_path() -> Path:
    if not SAMPLE.is_file():
        pytest.skip(f"the sample file {SAMPLE} is not present (it is never copied into the repo)")
    return SAMPLE


FULL_RECORD: dict[str, Any] = {
    "code": "9.100001",
    "name": "Cấp giấy phép kinh doanh thử",
    "field_code": "thu-nghiem",
    "field": "Thử nghiệm",
    "level_codes": ["commune"],
    "level_note": "",
    "online_level": "partial",
    "channels": ["1", "2"],
    "steps_for_applicant": "Bước 1: nộp hồ sơ.\nBước 2: nhận kết quả.",
    "subjects": "Công dân Việt Nam",
    "executing_agency": "UBND xã",
    "competent_authority": "Chủ tịch UBND xã",
    "result": "Giấy phép (KQ.G99.000001)",
    "result_code": "KQ.G99.000001",
    "legal_basis": ["Luật thử nghiệm 1/2026/QH15", "Nghị định 2/2026/NĐ-CP"],
    "conditions": "",
    "five_on_site": False,
    "same_day": False,
    "notes": "",
    "units": [],
    "cases": [
        {
            "name": "Cấp mới",
            "description": "Lần đầu",
            "processing_times": [
                {"channel": "1", "quantity": 5, "unit": "working_days", "note": ""},
                {"channel": "2", "quantity": 4.5, "unit": "working_days", "note": "trực tuyến"},
            ],
            "fees": [
                {
                    "name": "Lệ phí cấp giấy phép",
                    "kind": "le_phi",
                    "amount": 100000,
                    "paid_at": "return",
                    "exemptions": "Hộ nghèo",
                    "note": "",
                }
            ],
            "components": [
                {
                    "name": "Đơn đề nghị (mẫu 01)",
                    "originals": 1,
                    "certified_copies": 0,
                    "copies": 0,
                    "requirement": "required",
                    "condition": "",
                    "note": "",
                },
                {
                    "name": "Giấy ủy quyền",
                    "originals": 1,
                    "certified_copies": 0,
                    "copies": 0,
                    "requirement": "conditional",
                    "condition": "Khi ủy quyền nộp thay",
                    "note": "",
                },
            ],
            "process_template": None,
        },
        {
            "name": "Cấp lại",
            "description": "",
            "processing_times": [
                {"channel": "1", "quantity": 1, "unit": "working_days", "note": ""},
                {"channel": "2", "quantity": 1, "unit": "working_days", "note": ""},
            ],
            "fees": [],
            "components": [
                {
                    "name": "Giấy phép cũ",
                    "originals": 0,
                    "certified_copies": 1,
                    "copies": 0,
                    "requirement": "present",
                    "condition": "",
                    "note": "",
                }
            ],
            "process_template": None,
        },
    ],
}


@pytest.fixture
def full_record() -> Callable[..., dict[str, Any]]:
    """A fresh full-shape record; keyword arguments replace top-level keys."""

    def make(**changes: Any) -> dict[str, Any]:
        record = copy.deepcopy(FULL_RECORD)
        record.update(changes)
        return record

    return make


def to_json(records: Any) -> bytes:
    return json.dumps(records, ensure_ascii=False, indent=2).encode()


@pytest.fixture
def run_json(db: None) -> Callable[..., ImportReport]:
    """Import records (a list, a dict or JSON text) as the system would from the command."""

    def run(records: Any, **options: Any) -> ImportReport:
        content = records if isinstance(records, bytes | str) else to_json(records)
        if isinstance(content, str):
            content = content.encode()
        options.setdefault("effective_from", DAY)
        options.setdefault("actor", None)
        return importer.import_content(content, name="test.json", **options)

    return run
