"""``motcua catalog import`` and ``motcua catalog export``."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from motcua.catalog.models import Procedure, ProcedureVersion

from .conftest import DATA, to_json

pytestmark = pytest.mark.django_db


def catalog(*args: str) -> str:
    out = io.StringIO()
    call_command("catalog", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_import_prints_the_report_and_exits_1_when_a_record_is_refused():
    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command(
            "catalog",
            "import",
            str(DATA / "refused-middle.json"),
            "--effective-from",
            "2026-01-01",
            stdout=out,
        )

    assert exc.value.returncode == 1
    assert "1 bản ghi bị từ chối" in str(exc.value)
    report = out.getvalue()
    assert "Tạo mới: 2" in report and "Bị từ chối: 1" in report
    assert "Bản ghi 2 (dòng 15), mã 9.00002:" in report
    assert Procedure.objects.count() == 2


def test_import_then_again_says_unchanged(tmp_path, full_record):
    path = tmp_path / "one.json"
    path.write_bytes(to_json([full_record()]))

    first = catalog("import", str(path), "--effective-from", "2026-01-01")
    second = catalog("import", str(path), "--effective-from", "2026-02-01", "--details")

    assert "Tạo mới: 1" in first
    assert "Không đổi: 1" in second
    assert "Bản ghi 1 (dòng 2), mã 9.100001: không đổi" in second
    assert ProcedureVersion.objects.count() == 1


def test_dry_run_writes_nothing(tmp_path, full_record):
    path = tmp_path / "one.json"
    path.write_bytes(to_json([full_record()]))

    out = catalog("import", str(path), "--dry-run")

    assert "Chạy thử" in out and "Tạo mới: 1" in out
    assert not Procedure.objects.exists()


def test_format_option_overrides_the_extension(tmp_path, full_record):
    path = tmp_path / "catalogue.txt"
    path.write_bytes(to_json([full_record()]))

    with pytest.raises(CommandError, match="Không rõ định dạng"):
        catalog("import", str(path))
    assert "Tạo mới: 1" in catalog("import", str(path), "--format", "json")


def test_broken_json_is_a_command_error_with_line_and_column(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[\n  {"code": "1.000001",}\n]', encoding="utf-8")

    with pytest.raises(CommandError, match=r"dòng 2, cột 23"):
        catalog("import", str(path))
    assert not Procedure.objects.exists()


def test_missing_file_and_bad_date_are_refused(tmp_path):
    with pytest.raises(CommandError, match="Không tìm thấy tệp"):
        catalog("import", str(tmp_path / "none.json"))
    with pytest.raises(CommandError, match="Ngày không hợp lệ"):
        catalog("import", str(DATA / "refused-middle.json"), "--effective-from", "01/01/2026")


def test_export_to_stdout_and_to_a_file(tmp_path, full_record):
    path = tmp_path / "one.json"
    path.write_bytes(to_json([full_record(), full_record(code="9.100002")]))
    catalog("import", str(path), "--effective-from", "2026-01-01")

    text = catalog("export", "--code", "9.100002")
    target = tmp_path / "export.json"
    catalog("export", str(target))

    document = json.loads(text)
    assert [p["code"] for p in document["procedures"]] == ["9.100002"]
    assert "Cấp giấy phép kinh doanh thử" in text  # UTF-8, not \u escapes
    assert text.startswith('{\n  "format": "motcua-catalog"')
    exported = json.loads(target.read_text(encoding="utf-8"))
    assert [p["code"] for p in exported["procedures"]] == ["9.100001", "9.100002"]
    assert "Không đổi: 2" in catalog("import", str(target))


def test_export_of_an_unknown_code_is_an_error():
    with pytest.raises(CommandError, match=r"1\.999999"):
        catalog("export", "--code", "1.999999")
