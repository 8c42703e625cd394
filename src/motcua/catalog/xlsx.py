"""Spreadsheet (XLSX) import of the procedure catalogue, and the template workbook.

A workbook has three sheets (layout in ``docs/catalog-import.md``): "Thủ tục" (one row per
procedure), "Thành phần" (one row per component) and "Phí" (one row per fee), joined by the
procedure code. Each procedure row becomes a record of the full JSON shape and goes through the
same import engine as a JSON file; problems are reported with the sheet and row number.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from motcua.core.calendar import TimeUnit
from motcua.core.text import fold

from .importer import (
    _CHANNELS,
    _TIME_UNITS,
    DEFAULT_CASE_NAME,
    WHERE_KEY,
    ImportFileError,
    SourceRecord,
)

PROCEDURES_SHEET = "Thủ tục"
COMPONENTS_SHEET = "Thành phần"
FEES_SHEET = "Phí"
GUIDE_SHEET = "Hướng dẫn"
MAX_ROWS = 20000


@dataclass(frozen=True)
class Column:
    key: str  # key of the JSON record (or a key of this module: case, time_*)
    header: str  # header in the workbook (Vietnamese, stored content of the template)
    help: str
    choices: tuple[str, ...] = ()
    width: int = 18


# Headers and help are the workbook's content: plain Vietnamese, like the sheet names.
PROCEDURE_COLUMNS = (
    Column("code", "Mã thủ tục", "Mã trên CSDL quốc gia, ví dụ 1.001193. Để trống: cấp mã tạm."),
    Column("name", "Tên thủ tục", "Bắt buộc.", width=50),
    Column("field", "Lĩnh vực", "Tên lĩnh vực, ví dụ Hộ tịch. Chưa có thì được tạo mới."),
    Column("field_code", "Mã lĩnh vực", "Không bắt buộc; nếu ghi, chọn lĩnh vực theo mã."),
    Column(
        "level",
        "Cấp thực hiện",
        "Ví dụ: Cấp xã; Cấp xã, Cấp tỉnh; Cấp bộ/ngành. Phần trong ngoặc được giữ làm ghi chú.",
    ),
    Column(
        "online_level",
        "Mức độ DVC trực tuyến",
        "Toàn trình, Một phần hoặc Không.",
        ("Toàn trình", "Một phần", "Không"),
    ),
    Column(
        "channels",
        "Cách thức nộp",
        "Trực tiếp, Trực tuyến, Bưu chính (cách nhau bởi dấu phẩy).",
        width=30,
    ),
    Column(
        "time_quantity", "Thời hạn", "Số, ví dụ 3 hoặc 0,5. Để trống nếu giải quyết trong ngày."
    ),
    Column(
        "time_unit",
        "Đơn vị thời hạn",
        "Ngày làm việc, Giờ làm việc, Ngày, Tháng hoặc Trong ngày.",
        ("Ngày làm việc", "Giờ làm việc", "Ngày", "Tháng", "Trong ngày"),
    ),
    Column("time_note", "Ghi chú thời hạn", "Không bắt buộc.", width=30),
    Column("result", "Kết quả", "Kết quả thực hiện.", width=40),
    Column("result_code", "Mã kết quả", "Để trống: lấy mã KQ.… trong cột Kết quả nếu có."),
    Column("legal_basis", "Căn cứ pháp lý", "Mỗi văn bản một dòng (Alt+Enter).", width=40),
    Column("steps_for_applicant", "Trình tự thực hiện", "Không bắt buộc.", width=40),
    Column("subjects", "Đối tượng thực hiện", "Không bắt buộc.", width=30),
    Column("executing_agency", "Cơ quan thực hiện", "Không bắt buộc.", width=30),
    Column("competent_authority", "Cơ quan có thẩm quyền", "Không bắt buộc.", width=30),
    Column("conditions", "Yêu cầu, điều kiện", "Không bắt buộc.", width=30),
    Column("five_on_site", "5 tại chỗ", "Có hoặc Không.", ("Có", "Không")),
    Column("same_day", "Giải quyết trong ngày", "Có hoặc Không.", ("Có", "Không")),
    Column("units", "Đơn vị áp dụng", "Mã định danh các đơn vị, cách nhau bởi dấu phẩy.", width=30),
    Column("notes", "Ghi chú", "Không bắt buộc.", width=30),
)
COMPONENT_COLUMNS = (
    Column("code", "Mã thủ tục", "Mã ở sheet Thủ tục (thủ tục chưa có mã: ghi tên thủ tục)."),
    Column("case", "Trường hợp", f"Để trống: “{DEFAULT_CASE_NAME}”.", width=30),
    Column("name", "Tên giấy tờ", "Bắt buộc.", width=60),
    Column("originals", "Bản chính", "Số bản, mặc định 0.", width=12),
    Column("certified_copies", "Bản sao chứng thực", "Số bản, mặc định 0.", width=12),
    Column("copies", "Bản sao", "Số bản, mặc định 0.", width=12),
    Column(
        "requirement",
        "Yêu cầu",
        "Bắt buộc, Có điều kiện, Xuất trình hoặc Nếu có. Mặc định: Bắt buộc.",
        ("Bắt buộc", "Có điều kiện", "Xuất trình", "Nếu có"),
    ),
    Column("condition", "Điều kiện", "Bắt buộc khi Yêu cầu là Có điều kiện.", width=40),
    Column("note", "Ghi chú", "Không bắt buộc.", width=30),
)
FEE_COLUMNS = (
    Column("code", "Mã thủ tục", "Mã ở sheet Thủ tục (thủ tục chưa có mã: ghi tên thủ tục)."),
    Column("case", "Trường hợp", f"Để trống: “{DEFAULT_CASE_NAME}”.", width=30),
    Column("name", "Tên khoản thu", "Bắt buộc.", width=50),
    Column(
        "kind",
        "Loại",
        "Phí, Lệ phí hoặc Khác. Để trống: đoán theo tên (Lệ phí…, Phí…).",
        ("Phí", "Lệ phí", "Khác"),
    ),
    Column("amount", "Mức thu (đồng)", "Số đồng; để trống nếu mức thu do nơi khác quy định."),
    Column(
        "paid_at",
        "Thời điểm nộp",
        "Khi tiếp nhận hoặc Khi nhận kết quả. Mặc định: Khi tiếp nhận.",
        ("Khi tiếp nhận", "Khi nhận kết quả"),
    ),
    Column("exemptions", "Miễn, giảm", "Không bắt buộc.", width=30),
    Column("note", "Ghi chú", "Không bắt buộc.", width=30),
)
SHEETS = (
    (PROCEDURES_SHEET, PROCEDURE_COLUMNS),
    (COMPONENTS_SHEET, COMPONENT_COLUMNS),
    (FEES_SHEET, FEE_COLUMNS),
)


def _where(sheet: str, row: int) -> str:
    return _("sheet “%(sheet)s”, dòng %(row)s") % {"sheet": sheet, "row": row}


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _code(value: Any) -> str | None:
    """A procedure code cell: a number typed as 1.00089 is read back as 1.000890."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        return f"{value:.6f}"
    return str(value).strip() if value is not None else None


def _rows(workbook: Any, sheet: str, columns: tuple[Column, ...]) -> Iterator[tuple[int, dict]]:
    """``(row number, {key: value})`` for each non-empty row, the headers read from row 1."""
    worksheet = workbook[sheet]
    rows = worksheet.iter_rows(values_only=True)
    header = next(rows, None) or ()
    by_header = {fold(c.header): c.key for c in columns} | {c.key: c.key for c in columns}
    keys = [by_header.get(fold(str(h))) if h is not None else None for h in header]
    if "code" not in keys:
        raise ImportFileError(
            _("Sheet “%(sheet)s” thiếu cột “Mã thủ tục” ở dòng 1.") % {"sheet": sheet}
        )
    for number, row in enumerate(rows, 2):
        if number > MAX_ROWS:
            raise ImportFileError(
                _("Sheet “%(sheet)s” có hơn %(max)s dòng; hãy chia thành nhiều tệp.")
                % {"sheet": sheet, "max": MAX_ROWS}
            )
        values = {k: _cell(v) for k, v in zip(keys, row, strict=False) if k is not None}
        if any(v is not None for v in values.values()):
            yield number, values


def _procedure_record(values: dict[str, Any], present: set[str]) -> tuple[str, dict[str, Any]]:
    """The JSON record of a "Thủ tục" row (cases are added from the other sheets); a column
    missing from the sheet is a key missing from the record (the current value is kept)."""
    code = _code(values.get("code"))
    record: dict[str, Any] = {"code": code}
    for key in present - {"code", "time_quantity", "time_unit", "time_note"}:
        value = values.get(key)
        if key == "result_code" and value is None:
            continue  # derived from the result text
        record[key] = value
    key = code or str(values.get("name") or "")
    return key, record


def _times(values: dict[str, Any], where: str) -> list[dict[str, Any]]:
    quantity, unit = values.get("time_quantity"), values.get("time_unit")
    if quantity is None and unit is None:
        return []
    channels = []
    raw = values.get("channels") or ""
    for part in str(raw).replace(";", ",").split(","):
        channel = _CHANNELS.get(fold(part)) or _CHANNELS.get(fold(part).replace(" ", "_"))
        if channel and channel not in channels:
            channels.append(channel)
    unit_value = _TIME_UNITS.get(fold(str(unit))) if unit is not None else None
    return [
        {
            WHERE_KEY: where,
            "channel": channel,
            "quantity": quantity,
            "unit": unit_value or unit,
            "note": values.get("time_note"),
        }
        for channel in channels or ["1"]
    ]


def read_workbook(content: bytes) -> list[SourceRecord]:
    """The records of a workbook: one per row of "Thủ tục", with its components and fees.
    Rows of "Thành phần"/"Phí" whose code is not in "Thủ tục" are refused records of their own.

    Raises :class:`ImportFileError` when the file is not a readable workbook of this layout."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportFileError(
            _("Tệp không phải bảng tính Excel (.xlsx) hợp lệ: %(reason)s") % {"reason": exc}
        ) from exc
    try:
        if PROCEDURES_SHEET not in workbook.sheetnames:
            raise ImportFileError(
                _("Bảng tính thiếu sheet “%(sheet)s” (có: %(found)s).")
                % {"sheet": PROCEDURES_SHEET, "found": ", ".join(workbook.sheetnames)}
            )
        return _read(workbook)
    finally:
        workbook.close()


def _read(workbook: Any) -> list[SourceRecord]:
    records: list[SourceRecord] = []
    by_key: dict[str, list[tuple[SourceRecord, dict[str, Any]]]] = {}
    header = next(workbook[PROCEDURES_SHEET].iter_rows(max_row=1, values_only=True), ())
    known = {fold(c.header) for c in PROCEDURE_COLUMNS} | {c.key for c in PROCEDURE_COLUMNS}
    by_header = {fold(c.header): c.key for c in PROCEDURE_COLUMNS} | {
        c.key: c.key for c in PROCEDURE_COLUMNS
    }
    present = {by_header[fold(str(h))] for h in header if h is not None and fold(str(h)) in known}
    unknown = [str(h) for h in header if h is not None and fold(str(h)) not in known]
    row_values: dict[int, dict[str, Any]] = {}
    for number, values in _rows(workbook, PROCEDURES_SHEET, PROCEDURE_COLUMNS):
        where = _where(PROCEDURES_SHEET, number)
        key, record = _procedure_record(values, present)
        source = SourceRecord(len(records) + 1, where, record)
        row_values[source.index] = values
        if unknown and not records:
            source.warnings.append(
                _("Bỏ qua các cột không dùng của sheet “%(sheet)s”: %(columns)s.")
                % {"sheet": PROCEDURES_SHEET, "columns": ", ".join(unknown)}
            )
        records.append(source)
        by_key.setdefault(key, []).append((source, values))
    cases: dict[int, dict[str, dict[str, Any]]] = {}

    def case_of(source: SourceRecord, values: dict[str, Any], name: str) -> dict[str, Any]:
        own = cases.setdefault(source.index, {})
        if name not in own:
            own[name] = {
                WHERE_KEY: f"{source.location} ({_('trường hợp')} “{name}”)",
                "name": name,
                "processing_times": _times(values, source.location),
                "fees": [],
                "components": [],
            }
        return own[name]

    for sheet, columns, target in (
        (COMPONENTS_SHEET, COMPONENT_COLUMNS, "components"),
        (FEES_SHEET, FEE_COLUMNS, "fees"),
    ):
        if sheet not in workbook.sheetnames:
            continue
        for number, values in _rows(workbook, sheet, columns):
            where = _where(sheet, number)
            key = _code(values.pop("code", None)) or ""
            case_name = str(values.pop("case", None) or DEFAULT_CASE_NAME)
            owners = by_key.get(key)
            if not owners:
                orphan = SourceRecord(len(records) + 1, where, None, code=key)
                orphan.problems.append(
                    _("Mã thủ tục “%(code)s” không có ở sheet “%(sheet)s”; dòng này bị bỏ qua.")
                    % {"code": key, "sheet": PROCEDURES_SHEET}
                    if key
                    else _("Thiếu mã thủ tục.")
                )
                records.append(orphan)
                continue
            item = {WHERE_KEY: where, **values}
            for source, procedure_values in owners:
                case_of(source, procedure_values, case_name)[target].append(item)
    for source in records:
        if source.data is None:
            continue
        own = cases.get(source.index)
        if own:
            source.data["cases"] = list(own.values())
        elif {"time_quantity", "time_unit"} & present:
            times = _times(row_values[source.index], source.location)
            if times:
                source.data["cases"] = [
                    {
                        WHERE_KEY: source.location,
                        "name": DEFAULT_CASE_NAME,
                        "processing_times": times,
                        "fees": [],
                        "components": [],
                    }
                ]
        times = _times(row_values[source.index], source.location)
        if "same_day" not in present and times:
            # Without the column, a time "Trong ngày" is what makes a same-day procedure.
            source.data["same_day"] = times[0]["unit"] == TimeUnit.SAME_DAY
    return records


def template_workbook() -> bytes:
    """An empty workbook of the import layout: the three sheets with their headers, lists to
    pick values from, and a "Hướng dẫn" sheet describing every column."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    guide = workbook.active
    guide.title = GUIDE_SHEET
    guide.append(["Mẫu nhập danh mục thủ tục hành chính (motcua)"])
    guide["A1"].font = Font(bold=True, size=14)
    guide.append(
        [
            "Mỗi dòng của sheet “Thủ tục” là một thủ tục; thành phần hồ sơ và phí, lệ phí ghi ở "
            "sheet “Thành phần” và “Phí”, nối với thủ tục bằng cột “Mã thủ tục”. Nhập lại cùng "
            "tệp không tạo trùng: thủ tục có nội dung khác được công bố phiên bản mới."
        ]
    )
    guide.append([])
    guide.append(["Sheet", "Cột", "Cách ghi"])
    for cell in guide[4]:
        cell.font = Font(bold=True)
    bold = Font(bold=True, color="FFFFFF")
    fill = PatternFill("solid", fgColor="1F4E79")
    for title, columns in SHEETS:
        sheet = workbook.create_sheet(title)
        sheet.append([c.header for c in columns])
        sheet.freeze_panes = "A2"
        for index, column in enumerate(columns, 1):
            cell = sheet.cell(row=1, column=index)
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.comment = Comment(column.help, "motcua")
            letter = cell.column_letter
            sheet.column_dimensions[letter].width = column.width
            if column.key == "code":  # text, so that 1.000890 keeps its last zero
                sheet.column_dimensions[letter].number_format = "@"
            if column.choices:
                validation = DataValidation(
                    type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True
                )
                validation.add(f"{letter}2:{letter}1000")
                sheet.add_data_validation(validation)
            guide.append([title, column.header, column.help])
    guide.column_dimensions["A"].width = 14
    guide.column_dimensions["B"].width = 26
    guide.column_dimensions["C"].width = 100
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
