"""Importing a workbook made from the template: three sheets, row numbers in the report."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from motcua.catalog import importer, xlsx
from motcua.catalog.importer import ImportFileError, Status
from motcua.catalog.models import Procedure
from motcua.catalog.selectors import version_in_force

from .conftest import DAY, LATER

pytestmark = pytest.mark.django_db

PROCEDURES = [
    {
        "Mã thủ tục": "9.300001",
        "Tên thủ tục": "Cấp phép thử bằng bảng tính",
        "Lĩnh vực": "Bảng tính",
        "Cấp thực hiện": "Cấp tỉnh (Sở thử nghiệm)",
        "Mức độ DVC trực tuyến": "Toàn trình",
        "Cách thức nộp": "Trực tiếp, Trực tuyến",
        "Thời hạn": 0.5,
        "Đơn vị thời hạn": "Ngày làm việc",
        "Kết quả": "Giấy phép (mã kết quả KQ.G77.000001)",
        "Căn cứ pháp lý": "Luật A\nNghị định B",
        "5 tại chỗ": "Có",
        "Giải quyết trong ngày": "Không",
    },
    {  # refused: a code of the wrong form, and an unknown time unit
        "Mã thủ tục": "93.1",
        "Tên thủ tục": "Dòng lỗi",
        "Lĩnh vực": "Bảng tính",
        "Cách thức nộp": "Trực tiếp",
        "Thời hạn": 2,
        "Đơn vị thời hạn": "tuần",
    },
    {
        "Mã thủ tục": "9.300003",
        "Tên thủ tục": "Xác nhận thử trong ngày",
        "Lĩnh vực": "Bảng tính",
        "Cấp thực hiện": "Cấp xã",
        "Mức độ DVC trực tuyến": "Không",
        "Cách thức nộp": "Trực tiếp",
        "Đơn vị thời hạn": "Trong ngày",
        "Giải quyết trong ngày": "Có",
    },
]
COMPONENTS = [
    {"Mã thủ tục": "9.300001", "Tên giấy tờ": "Đơn đề nghị", "Bản chính": 1},
    {
        "Mã thủ tục": "9.300001",
        "Tên giấy tờ": "Giấy ủy quyền",
        "Bản sao chứng thực": 1,
        "Yêu cầu": "Có điều kiện",
        "Điều kiện": "Khi nộp thay",
    },
    {"Mã thủ tục": "93.1", "Tên giấy tờ": "Đơn", "Bản chính": 1},
    {"Mã thủ tục": "9.300003", "Tên giấy tờ": "Tờ khai", "Bản chính": "một"},
    {"Mã thủ tục": "9.999999", "Tên giấy tờ": "Mồ côi", "Bản chính": 1},
]
FEES = [
    {"Mã thủ tục": "9.300001", "Tên khoản thu": "Lệ phí cấp phép", "Mức thu (đồng)": 50000},
    {
        "Mã thủ tục": "9.300001",
        "Tên khoản thu": "Phí thẩm định",
        "Mức thu (đồng)": 20000,
        "Thời điểm nộp": "Khi nhận kết quả",
    },
]


def fill(rows_by_sheet: dict[str, list[dict[str, Any]]], drop: tuple[str, ...] = ()) -> bytes:
    """The template workbook with ``rows`` written under the headers (``drop``: headers of
    columns to remove first)."""
    workbook = load_workbook(io.BytesIO(xlsx.template_workbook()))
    for sheet, rows in rows_by_sheet.items():
        worksheet = workbook[sheet]
        for header in drop:
            names = [cell.value for cell in worksheet[1]]
            if header in names:
                worksheet.delete_cols(names.index(header) + 1)
        headers = [cell.value for cell in worksheet[1]]
        for row in rows:
            worksheet.append([row.get(h) for h in headers])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


@pytest.fixture
def run_xlsx(db: None) -> Callable[..., importer.ImportReport]:
    def run(content: bytes, **options: Any) -> importer.ImportReport:
        options.setdefault("effective_from", DAY)
        return importer.import_content(content, name="danh-muc.xlsx", actor=None, **options)

    return run


def workbook_content() -> bytes:
    return fill(
        {
            xlsx.PROCEDURES_SHEET: PROCEDURES,
            xlsx.COMPONENTS_SHEET: COMPONENTS,
            xlsx.FEES_SHEET: FEES,
        }
    )


def test_template_has_the_documented_sheets_and_headers():
    workbook = load_workbook(io.BytesIO(xlsx.template_workbook()))

    assert workbook.sheetnames == ["Hướng dẫn", "Thủ tục", "Thành phần", "Phí"]
    headers = [c.value for c in workbook["Thủ tục"][1]]
    assert headers[:3] == ["Mã thủ tục", "Tên thủ tục", "Lĩnh vực"]
    assert [c.value for c in workbook["Thành phần"][1]][:3] == [
        "Mã thủ tục",
        "Trường hợp",
        "Tên giấy tờ",
    ]
    assert workbook["Phí"].max_row == 1  # no example rows that could be imported by mistake
    assert workbook["Thủ tục"].data_validations.dataValidation


def test_workbook_imports_good_rows_and_refuses_bad_ones_by_row(run_xlsx):
    report = run_xlsx(workbook_content())

    assert (report.created, report.refused) == (1, 3)
    version = version_in_force("9.300001", DAY)
    assert version is not None
    assert version.field.name == "Bảng tính" and version.level_note == "Cấp tỉnh (Sở thử nghiệm)"
    assert [lv.code for lv in version.levels.all()] == ["province"]
    assert version.online_level == "full" and version.channels() == ["1", "2"]
    assert version.five_on_site and not version.same_day
    assert version.result_code == "KQ.G77.000001"
    assert version.legal_basis_lines() == ["Luật A", "Nghị định B"]
    case = version.cases.get()
    assert {(t.channel, t.quantity, t.unit) for t in case.processing_times.all()} == {
        ("1", Decimal("0.5"), "working_days"),
        ("2", Decimal("0.5"), "working_days"),
    }
    proxy = case.components.get(name="Giấy ủy quyền")
    assert (proxy.certified_copies, proxy.requirement, proxy.condition) == (
        1,
        "conditional",
        "Khi nộp thay",
    )
    fees = [(f.kind, f.amount, f.paid_at) for f in case.fees.all()]
    assert fees == [("le_phi", 50000, "intake"), ("phi", 20000, "return")]

    refused = {r.location: " ".join(r.problems) for r in report.of(Status.REFUSED)}
    assert "Mã thủ tục “93.1” không hợp lệ" in refused["sheet “Thủ tục”, dòng 3"]
    assert "Đơn vị thời hạn “tuần” không hợp lệ" in refused["sheet “Thủ tục”, dòng 3"]
    assert (
        "sheet “Thành phần”, dòng 5: Số bản chính phải là số nguyên"
        in refused["sheet “Thủ tục”, dòng 4"]
    )
    assert "“9.999999” không có ở sheet “Thủ tục”" in refused["sheet “Thành phần”, dòng 6"]
    assert report.results[-1].code == "9.999999"
    assert not Procedure.objects.filter(code__in=["9.300003", "9.999999"]).exists()


def test_the_same_workbook_again_is_unchanged(run_xlsx):
    run_xlsx(workbook_content())

    report = run_xlsx(workbook_content(), effective_from=LATER)

    assert report.unchanged == 1 and report.created == 0 and report.changed == 0


def test_a_fixed_row_is_imported_on_the_next_run(run_xlsx):
    run_xlsx(workbook_content())
    components = [dict(c) for c in COMPONENTS if c["Mã thủ tục"] != "9.999999"]
    components[3]["Bản chính"] = 1
    content = fill(
        {
            xlsx.PROCEDURES_SHEET: PROCEDURES,
            xlsx.COMPONENTS_SHEET: components,
            xlsx.FEES_SHEET: FEES,
        }
    )

    report = run_xlsx(content)

    assert (report.created, report.unchanged, report.refused) == (1, 1, 1)
    same_day = version_in_force("9.300003", DAY)
    assert same_day is not None and same_day.same_day
    assert same_day.cases.get().processing_times.get().unit == "same_day"


def test_code_typed_as_a_number_is_read_back_with_six_digits(run_xlsx):
    content = fill(
        {
            xlsx.PROCEDURES_SHEET: [dict(PROCEDURES[0], **{"Mã thủ tục": 9.30001})],
            xlsx.COMPONENTS_SHEET: [dict(COMPONENTS[0], **{"Mã thủ tục": 9.30001})],
        }
    )

    report = run_xlsx(content)

    assert report.created == 1 and report.results[0].code == "9.300010"


def test_without_the_same_day_column_the_time_unit_decides(run_xlsx):
    components = [dict(c, **{"Bản chính": 1}) for c in COMPONENTS[:4]]
    content = fill(
        {xlsx.PROCEDURES_SHEET: PROCEDURES, xlsx.COMPONENTS_SHEET: components},
        drop=("Giải quyết trong ngày",),
    )

    run_xlsx(content)

    assert version_in_force("9.300003", DAY).same_day
    assert not version_in_force("9.300001", DAY).same_day


def test_dry_run_of_a_workbook_writes_nothing(run_xlsx):
    report = run_xlsx(workbook_content(), dry_run=True)

    assert report.created == 1 and not Procedure.objects.exists()


def test_not_a_workbook_or_wrong_layout_is_refused_as_a_whole(run_xlsx):
    with pytest.raises(ImportFileError, match="không phải bảng tính Excel"):
        run_xlsx(b"PK\x03\x04 not really a zip")
    other = Workbook()
    other.active.title = "Sheet1"
    output = io.BytesIO()
    other.save(output)
    with pytest.raises(ImportFileError, match="thiếu sheet “Thủ tục”"):
        run_xlsx(output.getvalue())
    assert not Procedure.objects.exists()
