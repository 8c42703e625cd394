"""Import of the procedure catalogue: JSON files (and, through :mod:`catalog.xlsx`, workbooks).

The schema is documented in ``docs/catalog-import.md``. In short, a file is a list of procedure
records (or ``{"procedures": [...]}``) in one of two shapes:

- the *sample shape* of ``procedures-sample.json`` (``processing_time``, ``fees``,
  ``components`` at the top level, loose values such as ``"unit": "day"``,
  ``"online_level": "toan_trinh"``, ``"channels": ["truc_tiep"]``), turned into one case
  "Trường hợp chung";
- the *full shape* that :mod:`catalog.exporter` writes (``cases``, ``level_codes``, national
  channel codes, ...).

Both are first normalised into one canonical dict (the full shape with Python values), which is
also what the exporter produces from a version in the database; comparing the two says whether a
record is new, changed or unchanged, and guarantees that export → import is "unchanged".

Every record is imported in its own savepoint through the catalogue services
(``create_procedure``, ``start_draft``, ``update_draft``, ``set_processing_time``,
``publish_version``), so a refused record leaves nothing behind and publication rules apply.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from motcua.core.calendar import TimeUnit, describe_period
from motcua.core.text import fold
from motcua.organization.models import Unit
from motcua.organization.permissions import Capability, has_capability

from . import services
from .exporter import version_record
from .models import (
    PROCEDURE_CODE_PATTERN,
    Channel,
    Component,
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
    ProcessingTime,
    ProcessTemplate,
    Requirement,
    VersionStatus,
)

# ---------------------------------------------------------------------------------------------
# Constants. Texts written into the catalogue itself are stored content, not interface: they are
# the same whatever language the person importing uses, so they are plain Vietnamese constants.

DEFAULT_CASE_NAME = "Trường hợp chung"
# Used as the condition of a component marked "có điều kiện" whose condition cannot be read
# from its name or note.
CONDITION_IN_NAME = "Theo trường hợp nêu trong tên giấy tờ"
SOURCE_LABEL = "Nguồn"
SOURCE_RECORDS_LABEL = "Tài liệu nguồn"
CONFIDENCE_LABEL = "Độ tin cậy của dữ liệu nguồn"
CONFIDENCE_NAMES = {"high": "cao", "medium": "trung bình", "low": "thấp"}

# Levels the importer creates when it meets them (code, name, rank).
STANDARD_LEVELS: dict[str, tuple[str, int]] = {
    "ministry": ("Cấp bộ/ngành", 1),
    "province": ("Cấp tỉnh", 2),
    "commune": ("Cấp xã", 3),
    "other": ("Cơ quan khác", 9),
}
# Folded prefixes of a level text ("Cấp xã (Công an cấp xã)") and the level they mean.
_LEVEL_PREFIXES = (
    ("cap bo", "ministry"),
    ("cap nganh", "ministry"),
    ("cap trung uong", "ministry"),
    ("cap tinh", "province"),
    ("cap xa", "commune"),
    ("cap phuong", "commune"),
    ("co quan khac", "other"),
)

# Time units: TimeUnit values, the sample's loose names and the Vietnamese labels (folded).
_TIME_UNITS: dict[str, str] = {
    **{value: value for value in TimeUnit.values},
    "working_day": TimeUnit.WORKING_DAYS,
    "working day": TimeUnit.WORKING_DAYS,
    "working days": TimeUnit.WORKING_DAYS,
    "ngay lam viec": TimeUnit.WORKING_DAYS,
    "day": TimeUnit.CALENDAR_DAYS,
    "days": TimeUnit.CALENDAR_DAYS,
    "calendar_day": TimeUnit.CALENDAR_DAYS,
    "ngay": TimeUnit.CALENDAR_DAYS,
    "ngay lich": TimeUnit.CALENDAR_DAYS,
    "hour": TimeUnit.WORKING_HOURS,
    "hours": TimeUnit.WORKING_HOURS,
    "working_hour": TimeUnit.WORKING_HOURS,
    "gio": TimeUnit.WORKING_HOURS,
    "gio lam viec": TimeUnit.WORKING_HOURS,
    "month": TimeUnit.MONTHS,
    "thang": TimeUnit.MONTHS,
    "same day": TimeUnit.SAME_DAY,
    "trong ngay": TimeUnit.SAME_DAY,
}
_CHANNELS: dict[str, str] = {
    "1": Channel.COUNTER,
    "truc_tiep": Channel.COUNTER,
    "truc tiep": Channel.COUNTER,
    "counter": Channel.COUNTER,
    "2": Channel.ONLINE,
    "truc_tuyen": Channel.ONLINE,
    "truc tuyen": Channel.ONLINE,
    "online": Channel.ONLINE,
    "3": Channel.POSTAL,
    "buu_chinh": Channel.POSTAL,
    "buu chinh": Channel.POSTAL,
    "buu chinh cong ich": Channel.POSTAL,
    "postal": Channel.POSTAL,
}
_REQUIREMENTS: dict[str, str] = {
    **{value: value for value in Requirement.values},
    "bat buoc": Requirement.REQUIRED,
    "co dieu kien": Requirement.CONDITIONAL,
    "xuat trinh": Requirement.PRESENT_ONLY,
    "present_only": Requirement.PRESENT_ONLY,
    "neu co": Requirement.IF_ANY,
}
_FEE_KINDS: dict[str, str] = {
    **{value: value for value in FeeKind.values},
    "phi": FeeKind.FEE,
    "le phi": FeeKind.CHARGE,
    "khac": FeeKind.OTHER,
    "khoan thu khac": FeeKind.OTHER,
}
_FEE_MOMENTS: dict[str, str] = {
    **{value: value for value in FeeMoment.values},
    "khi tiep nhan": FeeMoment.AT_INTAKE,
    "tiep nhan": FeeMoment.AT_INTAKE,
    "nop khi tiep nhan ho so": FeeMoment.AT_INTAKE,
    "khi nhan ket qua": FeeMoment.ON_RETURN,
    "nhan ket qua": FeeMoment.ON_RETURN,
    "tra ket qua": FeeMoment.ON_RETURN,
    "nop khi nhan ket qua": FeeMoment.ON_RETURN,
}
_TRUE = {"true", "1", "co", "x", "yes", "dung"}
_FALSE = {"false", "0", "khong", "no", "sai", ""}

_RESULT_CODE = re.compile(r"\bKQ\.[A-Z0-9]+\.\d+")
_CODE = re.compile(PROCEDURE_CODE_PATTERN)
# Words that open a condition ("trường hợp ủy quyền", "nếu có", "khi chưa có ...").
_CONDITION_WORDS = ("truong hop", "neu ", "khi ", "chi khi", "doi voi", "tuy ")
# Parenthesised parts that are legal references, not conditions.
_LEGAL_REFERENCE_WORDS = (
    "khoan ",
    "diem ",
    "dieu ",
    "mau ",
    "theo ",
    "nd ",
    "tt ",
    "luat ",
    "nghi dinh",
    "thong tu",
    "quyet dinh",
)

# Keys of a record: the sample shape, the full shape, and keys the export writes for people to
# read that the importer ignores.
SAMPLE_KEYS = frozenset(
    {
        "code",
        "name",
        "field",
        "level",
        "processing_time",
        "fees",
        "components",
        "result",
        "online_level",
        "channels",
        "legal_basis",
        "source",
        "notes",
        "confidence",
    }
)
FULL_KEYS = frozenset(
    {
        "field_code",
        "level_codes",
        "level_note",
        "cases",
        "steps_for_applicant",
        "subjects",
        "executing_agency",
        "competent_authority",
        "result_code",
        "conditions",
        "five_on_site",
        "same_day",
        "units",
        "decision",
    }
)
INFORMATIONAL_KEYS = frozenset({"version", "effective_from"})
CASE_KEYS = frozenset(
    {"name", "description", "processing_times", "fees", "components", "process_template"}
)
TIME_KEYS = frozenset({"channel", "quantity", "unit", "note"})
FEE_KEYS = frozenset({"name", "kind", "amount", "amount_vnd", "paid_at", "exemptions", "note"})
COMPONENT_KEYS = frozenset(
    {
        "name",
        "originals",
        "original",
        "certified_copies",
        "copies",
        "copy",
        "requirement",
        "condition",
        "note",
    }
)
# Where the importer puts the location of an item read from a spreadsheet row.
WHERE_KEY = "_where"

# Content of a version, in the canonical record (everything but the code and the decision).
CONTENT_KEYS = (
    "name",
    "field_code",
    "field",
    "level_codes",
    "level_note",
    "online_level",
    "channels",
    "steps_for_applicant",
    "subjects",
    "executing_agency",
    "competent_authority",
    "result",
    "result_code",
    "legal_basis",
    "conditions",
    "five_on_site",
    "same_day",
    "notes",
    "cases",
)
TEXT_KEYS = (
    "steps_for_applicant",
    "subjects",
    "executing_agency",
    "competent_authority",
    "result",
    "conditions",
)
# A new procedure starts from these values for every key its record leaves out.
DEFAULTS: dict[str, Any] = {
    "name": "",
    "field_code": "",
    "field": "",
    "level_codes": [],
    "level_note": "",
    "online_level": OnlineLevel.NONE.value,
    "channels": [Channel.COUNTER.value],
    "steps_for_applicant": "",
    "subjects": "",
    "executing_agency": "",
    "competent_authority": "",
    "result": "",
    "result_code": "",
    "legal_basis": [],
    "conditions": "",
    "five_on_site": False,
    "same_day": False,
    "notes": "",
    "cases": [],
    "units": [],
}
# Keys of a case the record may leave out and that then come from the case of the same name in
# the version being replaced.
CASE_INHERITABLE = ("description", "process_template", "processing_times")

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class ImportFileError(ValueError):
    """The file as a whole cannot be read (broken JSON, wrong structure, bad workbook)."""


# ---------------------------------------------------------------------------------------------
# Reading JSON with the line where each record starts


@dataclass
class SourceRecord:
    """One record as read from a file, with where it starts (for the report)."""

    index: int  # 1-based position in the file
    location: str  # "dòng 12" for JSON, "sheet “Thủ tục”, dòng 5" for a workbook
    data: Any
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    code: str = ""  # the code a row refers to, for a row refused before it is a record


_WHITESPACE = re.compile(r"[ \t\n\r]*")


def _skip(text: str, pos: int) -> int:
    match = _WHITESPACE.match(text, pos)
    assert match is not None
    return match.end()


def _record_offsets(text: str, decoder: json.JSONDecoder) -> list[int]:
    """Offsets where the records start, in a text already known to be valid JSON."""
    pos = _skip(text, 0)
    if text[pos] == "{":
        pos += 1
        while True:
            pos = _skip(text, pos)
            key, pos = decoder.raw_decode(text, pos)
            pos = _skip(text, pos) + 1  # past ":"
            pos = _skip(text, pos)
            if key == "procedures":
                break
            _, pos = decoder.raw_decode(text, pos)
            pos = _skip(text, pos) + 1  # past ","
    offsets: list[int] = []
    pos = _skip(text, pos + 1)  # past "["
    if text[pos] == "]":
        return offsets
    while True:
        offsets.append(pos)
        _, pos = decoder.raw_decode(text, pos)
        pos = _skip(text, pos)
        if text[pos] != ",":
            return offsets
        pos = _skip(text, pos + 1)


def read_json(content: bytes | str) -> list[SourceRecord]:
    """The records of a JSON file, each with the line where it starts.

    Raises :class:`ImportFileError` (with the line and column) when the file is not JSON or
    not a list of records."""
    if isinstance(content, bytes):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                _("Tệp không phải văn bản UTF-8 (byte không đọc được ở vị trí %(pos)s).")
                % {"pos": exc.start}
            ) from exc
    else:
        text = content.removeprefix("\ufeff")
    decoder = json.JSONDecoder(parse_float=Decimal)
    try:
        document = decoder.decode(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            _("Tệp JSON không hợp lệ ở dòng %(line)s, cột %(column)s: %(reason)s.")
            % {"line": exc.lineno, "column": exc.colno, "reason": exc.msg}
        ) from exc
    if isinstance(document, dict) and isinstance(document.get("procedures"), list):
        items = document["procedures"]
    elif isinstance(document, list):
        items = document
    else:
        raise ImportFileError(
            _(
                "Tệp JSON phải là một danh sách thủ tục, hoặc một đối tượng có khóa "
                "“procedures” chứa danh sách đó."
            )
        )
    offsets = _record_offsets(text, decoder)
    records = []
    line, last = 1, 0
    for index, (item, offset) in enumerate(zip(items, offsets, strict=True), 1):
        line += text.count("\n", last, offset)
        last = offset
        records.append(SourceRecord(index, _("dòng %(line)s") % {"line": line}, item))
    return records


# ---------------------------------------------------------------------------------------------
# Normalising a record into the canonical form


class _Problems:
    """Problems and warnings of one record, each prefixed with where it was found."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.warnings: list[str] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}" if where else message)

    def warn(self, where: str, message: str) -> None:
        self.warnings.append(f"{where}: {message}" if where else message)

    def model(self, obj: models.Model, fields: Iterable[str], where: str) -> None:
        """Run the model's own field and row checks on ``fields`` of an unsaved ``obj``."""
        names = set(fields)
        exclude = [f.name for f in obj._meta.fields if f.name not in names]
        for check in (lambda: obj.clean_fields(exclude=exclude), obj.clean):
            try:
                check()
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    prefix = ""
                    if name != NON_FIELD_ERRORS:
                        prefix = f"{obj._meta.get_field(name).verbose_name}: "  # type: ignore[union-attr]
                    for message in messages:
                        self.problem(where, prefix + message)


def _where(item: Any, default: str) -> str:
    if isinstance(item, Mapping) and item.get(WHERE_KEY):
        return str(item[WHERE_KEY])
    return default


def _text(value: Any, problems: _Problems, where: str, label: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        problems.problem(where, _("%(label)s phải là văn bản.") % {"label": label})
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | Decimal | float):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(v.strip() for v in value if v.strip())
    problems.problem(where, _("%(label)s phải là văn bản.") % {"label": label})
    return ""


def _lines(value: Any, problems: _Problems, where: str, label: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [line.strip() for line in value.splitlines() if line.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [line.strip() for v in value for line in v.splitlines() if line.strip()]
    problems.problem(
        where, _("%(label)s phải là danh sách văn bản (mỗi dòng một mục).") % {"label": label}
    )
    return []


def _items(value: Any) -> list[str]:
    """A list of short values given as a JSON list or as "a, b; c" text (spreadsheet cells)."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in re.split(r"[,;\n]", str(value)) if part.strip()]


def _int(
    value: Any, problems: _Problems, where: str, label: str, *, default: int | None = 0
) -> int | None:
    """A whole number (JSON number, whole decimal or digits in text); ``None`` → ``default``."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    else:
        try:
            decimal = Decimal(str(value).strip().replace(",", "."))
        except InvalidOperation:
            decimal = None
        number = int(decimal) if decimal is not None and decimal == decimal.to_integral() else None
    if number is None:
        problems.problem(
            where,
            _("%(label)s phải là số nguyên, nhận được “%(value)s”.")
            % {"label": label, "value": value},
        )
        return default
    if number < 0:
        problems.problem(
            where,
            _("%(label)s không được âm, nhận được %(value)s.") % {"label": label, "value": number},
        )
        return default
    return number


def _decimal(value: Any, problems: _Problems, where: str, label: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if not isinstance(value, bool):
        try:
            return Decimal(str(value).strip().replace(",", "."))
        except InvalidOperation:
            pass
    problems.problem(
        where, _("%(label)s phải là số, nhận được “%(value)s”.") % {"label": label, "value": value}
    )
    return None


def _bool(value: Any, problems: _Problems, where: str, label: str) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    folded = fold(str(value))
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    problems.problem(
        where,
        _("%(label)s phải là có/không (true/false), nhận được “%(value)s”.")
        % {"label": label, "value": value},
    )
    return False


def _choice(
    value: Any,
    table: Mapping[str, str],
    problems: _Problems,
    where: str,
    label: str,
    allowed: Iterable[str],
) -> str | None:
    key = fold(str(value)) if value is not None else ""
    choice = table.get(key) or table.get(key.replace(" ", "_"))
    if choice is None:
        problems.problem(
            where,
            _("%(label)s “%(value)s” không hợp lệ; dùng một trong: %(allowed)s.")
            % {"label": label, "value": value, "allowed": ", ".join(allowed)},
        )
    return choice


def detect_levels(
    text: str, known: Mapping[str, str] | None = None
) -> tuple[list[str], list[str], str]:
    """Levels named at the start of a level text, by prefix: ``"Cấp xã, Cấp tỉnh (Công an)"``
    → ``(["commune", "province"], [], "Cấp xã, Cấp tỉnh (Công an)")``. Returns the level codes
    (sorted), the parts not recognised (filed under "other") and the note to keep: the whole
    text when it says more than the level names, else empty. ``known`` maps folded codes and
    names of existing levels to their codes."""
    table = {code: code for code in STANDARD_LEVELS} | dict(known or {})
    head = text.split("(", 1)[0]
    codes, unknown = set(), []
    for part in re.split(r"[,;]|\svà\s", head):
        folded = fold(part)
        if not folded:
            continue
        code = next((c for prefix, c in _LEVEL_PREFIXES if folded.startswith(prefix)), None)
        code = code or table.get(folded)
        if code is None:
            unknown.append(part.strip())
            code = "other"
        codes.add(code)
    says_more = "(" in text or bool(unknown)
    return sorted(codes), unknown, text if says_more else ""


def provisional_code(name: str) -> str:
    """``TAM.`` + 8 hex characters of the SHA-1 of the folded name: the same name always gives
    the same code, so importing the file again finds the procedure again."""
    return "TAM." + hashlib.sha1(fold(name).encode()).hexdigest()[:8]


def field_code_for(name: str) -> str:
    """A stable field code from a field name: ``"Hộ tịch"`` → ``"ho-tich"`` (long names are
    cut and keep a short hash so two long names do not collide)."""
    slug = slugify(fold(name)) or "linh-vuc"
    if len(slug) <= 50:
        return slug
    digest = hashlib.sha1(fold(name).encode()).hexdigest()[:8]
    return f"{slug[:41].rstrip('-')}-{digest}"


def guess_fee_kind(name: str) -> str:
    folded = fold(name)
    if folded.startswith("le phi"):
        return FeeKind.CHARGE
    if folded.startswith("phi"):
        return FeeKind.FEE
    return FeeKind.OTHER


def requirement_from_note(note: str) -> str:
    folded = fold(note)
    if "co dieu kien" in folded:
        return Requirement.CONDITIONAL
    if "xuat trinh" in folded:
        return Requirement.PRESENT_ONLY
    if "neu co" in folded:
        return Requirement.IF_ANY
    return Requirement.REQUIRED


def _parenthesised(text: str) -> list[str]:
    """Top-level parenthesised parts of ``text``."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            if depth == 0:
                start = i + 1
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
            if depth == 0:
                parts.append(text[start:i].strip())
    return [p for p in parts if p]


def condition_from(name: str, note: str) -> str:
    """The condition of a conditional component: a part of its name that states it ("(trường
    hợp mang thai hộ)", "– chỉ khi không khai thác được ..."), else what its note says besides
    "có điều kiện", else a remark that the name itself states the case."""
    parts = _parenthesised(name)
    segments = [s.strip() for s in re.split(r"\s[–-]\s", name)[1:] if s.strip()]
    clause = re.search(r"(?:,\s*|\s)((?:nếu|khi)\s.+)$", name)
    for candidate in parts + segments:
        if fold(candidate).startswith(_CONDITION_WORDS):
            return candidate
    if clause:
        return clause.group(1).strip()
    for candidate in parts:
        if not fold(candidate).startswith(_LEGAL_REFERENCE_WORDS):
            return candidate
    rest = re.sub(
        r"(?i)\b(có điều kiện|xuất trình|nếu có)\b[;,]?", "", note or "", flags=re.UNICODE
    ).strip(" ;,")
    return rest or CONDITION_IN_NAME


@dataclass
class ParsedRecord:
    """A record in canonical form: ``values`` holds only the keys the record gives (an existing
    procedure keeps its current value for the others); ``inherit`` says, per case, which keys
    come from the case of the same name in the version being replaced."""

    code: str
    name: str
    values: dict[str, Any]
    inherit: list[set[str]]
    decision: str = ""
    new_field_name: str = ""
    units: dict[str, Unit] = field(default_factory=dict)
    no_time: bool = False  # the sample record gives no processing time


class _Normaliser:
    """Turns one raw record (either shape) into a :class:`ParsedRecord`, collecting every
    problem instead of stopping at the first."""

    def __init__(self, effective_from: dt.date) -> None:
        self.day = effective_from
        self.level_codes = {
            fold(code): code for code in Level.objects.values_list("code", flat=True)
        }
        self.level_codes.update(
            {fold(name): code for code, name in Level.objects.values_list("code", "name")}
        )
        self.level_codes.update({code: code for code in STANDARD_LEVELS})
        self.templates = set(ProcessTemplate.objects.values_list("code", flat=True))

    def parse(self, raw: Any, p: _Problems) -> ParsedRecord | None:
        if not isinstance(raw, Mapping):
            p.problem("", _("Bản ghi phải là một đối tượng JSON (các cặp khóa: giá trị)."))
            return None
        unknown = sorted(
            str(k)
            for k in raw
            if k not in SAMPLE_KEYS | FULL_KEYS | INFORMATIONAL_KEYS and k != WHERE_KEY
        )
        if unknown:
            p.warn("", _("Bỏ qua các khóa không dùng: %(keys)s.") % {"keys": ", ".join(unknown)})
        values: dict[str, Any] = {}
        name = _text(raw.get("name"), p, "", _("Tên thủ tục (name)"))
        if "name" in raw:
            if not name:
                p.problem("", _("Thiếu tên thủ tục (name)."))
            values["name"] = name
        code = self._code(raw, name, p)
        parsed = ParsedRecord(code=code, name=name, values=values, inherit=[])
        self._field(raw, parsed, p)
        self._levels(raw, values, p)
        if "online_level" in raw:
            values["online_level"] = self._online_level(raw["online_level"], p)
        if "channels" in raw:
            values["channels"] = self._channels(raw["channels"], p)
        for key in TEXT_KEYS:
            if key in raw:
                values[key] = _text(raw[key], p, "", key)
        if "result_code" in raw and raw["result_code"] not in (None, ""):
            values["result_code"] = _text(raw["result_code"], p, "", "result_code")
        elif "result" in raw or "result_code" in raw:
            match = _RESULT_CODE.search(values.get("result", ""))
            values["result_code"] = match.group(0) if match else ""
        if "legal_basis" in raw:
            values["legal_basis"] = _lines(raw["legal_basis"], p, "", _("Căn cứ pháp lý"))
        for key in ("five_on_site", "same_day"):
            if key in raw:
                values[key] = _bool(raw[key], p, "", key)
        self._notes(raw, values, p)
        self._cases(raw, parsed, p)
        if "units" in raw:
            self._units(raw["units"], parsed, p)
        parsed.decision = _text(raw.get("decision"), p, "", "decision")
        check = ProcedureVersion(
            name=values.get("name") or "-",  # a missing name is reported above
            level_note=values.get("level_note", ""),
            result_code=values.get("result_code", ""),
            decision=parsed.decision,
        )
        p.model(check, ["name", "level_note", "result_code", "decision"], "")
        return parsed

    # -- top-level values -----------------------------------------------------------------

    def _code(self, raw: Mapping[str, Any], name: str, p: _Problems) -> str:
        value = raw.get("code")
        if value is None or (isinstance(value, str) and not value.strip()):
            if not name:
                p.problem("", _("Bản ghi không có mã thủ tục (code) cũng không có tên."))
                return ""
            code = provisional_code(name)
            p.warn(
                "",
                _(
                    "Bản ghi chưa có mã thủ tục: dùng mã tạm %(code)s (tính từ tên thủ tục; "
                    "nhập lại tệp sẽ ra cùng mã)."
                )
                % {"code": code},
            )
            return code
        code = str(value).strip()
        if not _CODE.match(code):
            p.problem(
                "",
                _(
                    "Mã thủ tục “%(code)s” không hợp lệ: phải có dạng 1.001193 (mã trên Cơ sở "
                    "dữ liệu quốc gia về thủ tục hành chính) hoặc TAM.xxxxxxxx."
                )
                % {"code": code},
            )
        return code

    def _field(self, raw: Mapping[str, Any], parsed: ParsedRecord, p: _Problems) -> None:
        if "field" not in raw and "field_code" not in raw:
            return
        name = _text(raw.get("field"), p, "", _("Lĩnh vực (field)"))
        code = _text(raw.get("field_code"), p, "", "field_code")
        existing: Field | None = None
        if code:
            existing = Field.objects.filter(code=code).first()
            if existing is None and not name:
                p.problem(
                    "",
                    _("Không có lĩnh vực mã “%(code)s”; hãy ghi cả tên lĩnh vực (field).")
                    % {"code": code},
                )
                return
            if existing is not None and name and fold(name) != fold(existing.name):
                p.warn(
                    "",
                    _(
                        "Lĩnh vực mã “%(code)s” có tên “%(current)s” trong hệ thống; "
                        "tên “%(name)s” trong tệp không được dùng."
                    )
                    % {"code": code, "current": existing.name, "name": name},
                )
        elif name:
            code = field_code_for(name)
            existing = (
                Field.objects.filter(name=name).first() or Field.objects.filter(code=code).first()
            )
        else:
            p.problem("", _("Thiếu lĩnh vực (field)."))
            return
        if existing is not None:
            parsed.values["field_code"], parsed.values["field"] = existing.code, existing.name
        else:
            p.model(Field(code=code, name=name), ["code", "name"], _("Lĩnh vực"))
            parsed.values["field_code"], parsed.values["field"] = code, name
            parsed.new_field_name = name

    def _levels(self, raw: Mapping[str, Any], values: dict[str, Any], p: _Problems) -> None:
        if "level_codes" in raw:
            codes = []
            for item in _items(raw["level_codes"]):
                code = self.level_codes.get(fold(item))
                if code is None:
                    p.problem(
                        "",
                        _("Không có cấp thực hiện mã “%(code)s” (level_codes).") % {"code": item},
                    )
                else:
                    codes.append(code)
            values["level_codes"] = sorted(set(codes))
            if "level_note" in raw:
                values["level_note"] = _text(raw["level_note"], p, "", "level_note")
            return
        if "level" not in raw:
            if "level_note" in raw:
                values["level_note"] = _text(raw["level_note"], p, "", "level_note")
            return
        text = _text(raw["level"], p, "", _("Cấp thực hiện (level)"))
        codes, unknown, note = detect_levels(text, self.level_codes)
        if unknown:
            p.warn(
                "",
                _("Không nhận ra cấp thực hiện “%(parts)s”: xếp vào “Cơ quan khác”.")
                % {"parts": ", ".join(unknown)},
            )
        values["level_codes"] = codes
        values["level_note"] = note or _text(raw.get("level_note"), p, "", "")

    def _online_level(self, value: Any, p: _Problems) -> str:
        if value is None:
            return OnlineLevel.NONE
        folded = fold(str(value)).replace("_", " ")
        for prefixes, level in (
            (("toan trinh", "full"), OnlineLevel.FULL),
            (("mot phan", "partial"), OnlineLevel.PARTIAL),
        ):
            if folded.startswith(prefixes):
                return level.value
        if folded in ("none", "khong", "", "khong cung cap truc tuyen"):
            return OnlineLevel.NONE
        p.problem(
            "",
            _(
                "Mức độ dịch vụ công trực tuyến “%(value)s” không hợp lệ; dùng full/toan_trinh, "
                "partial/mot_phan hoặc none."
            )
            % {"value": value},
        )
        return OnlineLevel.NONE

    def _channels(self, value: Any, p: _Problems) -> list[str]:
        channels = set()
        for item in _items(value):
            channel = _choice(
                item,
                _CHANNELS,
                p,
                "",
                _("Cách thức nộp"),
                ["1/truc_tiep", "2/truc_tuyen", "3/buu_chinh"],
            )
            if channel:
                channels.add(str(channel))
        if not channels and not p.problems:
            p.problem("", _("Chưa có cách thức nộp hồ sơ nào (channels)."))
        return sorted(channels)

    def _notes(self, raw: Mapping[str, Any], values: dict[str, Any], p: _Problems) -> None:
        if not {"notes", "source", "confidence"} & set(raw):
            return
        parts = [_text(raw.get("notes"), p, "", "notes")]
        source = raw.get("source")
        if isinstance(source, Mapping):
            url = _text(source.get("dvcqg_url"), p, "source", "dvcqg_url")
            if url:
                parts.append(f"{SOURCE_LABEL}: {url}")
            records = _lines(source.get("records"), p, "source", "records")
            if records:
                parts.append(f"{SOURCE_RECORDS_LABEL}:\n" + "\n".join(f"- {r}" for r in records))
        elif source is not None:
            text = _text(source, p, "", "source")
            if text:
                parts.append(f"{SOURCE_LABEL}: {text}")
        confidence = _text(raw.get("confidence"), p, "", "confidence")
        if confidence:
            name = CONFIDENCE_NAMES.get(confidence.lower(), confidence)
            parts.append(f"{CONFIDENCE_LABEL}: {name}")
            if confidence.lower() == "low":
                p.warn("", _("Dữ liệu nguồn có độ tin cậy thấp; hãy kiểm tra lại thủ tục."))
        values["notes"] = "\n".join(part for part in parts if part)

    def _units(self, value: Any, parsed: ParsedRecord, p: _Problems) -> None:
        codes = sorted(set(_items(value)))
        for code in codes:
            unit = Unit.objects.effective_on(self.day).filter(code=code).first()
            if unit is None:
                p.problem(
                    "",
                    _("Không có đơn vị mã định danh “%(code)s” vào ngày %(day)s (units).")
                    % {"code": code, "day": self.day.strftime("%d/%m/%Y")},
                )
            else:
                parsed.units[code] = unit
        parsed.values["units"] = codes

    # -- cases ----------------------------------------------------------------------------

    def _cases(self, raw: Mapping[str, Any], parsed: ParsedRecord, p: _Problems) -> None:
        sample_keys = {"processing_time", "fees", "components"} & set(raw)
        if "cases" in raw:
            if sample_keys:
                p.problem(
                    "",
                    _(
                        "Bản ghi có cả “cases” và “%(keys)s”: dùng một trong hai cách, không "
                        "dùng cả hai."
                    )
                    % {"keys": "/".join(sorted(sample_keys))},
                )
                return
            if not isinstance(raw["cases"], list):
                p.problem("", _("“cases” phải là một danh sách trường hợp."))
                return
            cases = []
            for i, item in enumerate(raw["cases"]):
                case, inherit = self._case(item, f"cases[{i}]", p)
                cases.append(case)
                parsed.inherit.append(inherit)
            parsed.values["cases"] = cases
            return
        if not sample_keys:
            return
        times, no_time, same_day = self._sample_time(raw.get("processing_time"), raw, p)
        parsed.no_time = no_time
        if "same_day" not in raw:
            parsed.values["same_day"] = same_day
        case = {
            "name": DEFAULT_CASE_NAME,
            "description": "",
            "processing_times": times,
            "fees": self._fees(raw.get("fees"), "fees", p),
            "components": self._components(raw.get("components"), "components", p),
            "process_template": None,
        }
        inherit = {"description", "process_template"}
        if no_time:
            inherit.add("processing_times")
        parsed.values["cases"] = [case]
        parsed.inherit.append(inherit)

    def _sample_time(
        self, value: Any, raw: Mapping[str, Any], p: _Problems
    ) -> tuple[list[dict[str, Any]], bool, bool]:
        """The sample's one ``processing_time`` as a time for every offered channel."""
        where = "processing_time"
        if value is not None and not isinstance(value, Mapping):
            p.problem(where, _("phải là một đối tượng {value, unit, text}."))
            return [], False, False
        value = value or {}
        text = _text(value.get("text"), p, where, "text")
        if value.get("unit") is None and value.get("value") is None:
            p.warn(
                where,
                _(
                    "Không có thời hạn giải quyết%(text)s: thủ tục chỉ được lưu bản nháp, chưa "
                    "công bố (hoặc giữ thời hạn đang có) cho đến khi có thời hạn."
                )
                % {"text": f" (“{text}”)" if text else ""},
            )
            return [], True, False
        unit = _choice(
            value.get("unit"),
            _TIME_UNITS,
            p,
            where,
            _("Đơn vị thời hạn"),
            ["working_day", "day", "same_day", "hour", "month", *TimeUnit.values],
        )
        quantity = _decimal(value.get("value"), p, where, _("Thời hạn (value)"))
        if unit is None:
            return [], False, False
        if unit == TimeUnit.SAME_DAY:
            quantity = None
        channels = self._channels(raw["channels"], _Problems()) if "channels" in raw else []
        with translation.override("vi"):  # stored content must not depend on the language
            plain = describe_period(quantity, unit) if quantity is not None else None
        note = "" if text == plain else text
        times = [
            self._time(
                {"channel": c, "quantity": quantity, "unit": unit, "note": note}, where, p, i == 0
            )
            for i, c in enumerate(channels or [Channel.COUNTER.value])
        ]
        return times, False, unit == TimeUnit.SAME_DAY

    def _case(self, item: Any, where: str, p: _Problems) -> tuple[dict[str, Any], set[str]]:
        where = _where(item, where)
        if not isinstance(item, Mapping):
            p.problem(where, _("Trường hợp phải là một đối tượng."))
            return {"name": "", "processing_times": [], "fees": [], "components": []}, set()
        self._unknown(item, CASE_KEYS, where, p)
        name = _text(item.get("name"), p, where, _("Tên trường hợp"))
        if not name:
            p.problem(where, _("Thiếu tên trường hợp (name)."))
        template = _text(item.get("process_template"), p, where, "process_template") or None
        if template is not None and template not in self.templates:
            p.problem(
                where,
                _("Không có quy trình nội bộ mã “%(code)s” (process_template).")
                % {"code": template},
            )
        times = []
        raw_times = item.get("processing_times") or []
        if not isinstance(raw_times, list):
            p.problem(where, _("“processing_times” phải là một danh sách."))
            raw_times = []
        seen: set[str] = set()
        for i, t in enumerate(raw_times):
            time = self._time(t, _where(t, f"{where}.processing_times[{i}]"), p, True)
            if time["channel"] in seen:
                p.problem(
                    f"{where}.processing_times[{i}]",
                    _("Kênh %(channel)s có hai thời hạn.") % {"channel": time["channel"]},
                )
            seen.add(time["channel"])
            times.append(time)
        case = {
            "name": name,
            "description": _text(item.get("description"), p, where, "description"),
            "processing_times": sorted(times, key=lambda t: t["channel"]),
            "fees": self._fees(item.get("fees"), f"{where}.fees", p),
            "components": self._components(item.get("components"), f"{where}.components", p),
            "process_template": template,
        }
        p.model(ProcedureCase(name=name or "-"), ["name"], where)
        inherit = {key for key in ("description", "process_template") if key not in item}
        return case, inherit

    def _time(self, item: Any, where: str, p: _Problems, check: bool) -> dict[str, Any]:
        if not isinstance(item, Mapping):
            p.problem(where, _("Thời hạn phải là một đối tượng {channel, quantity, unit}."))
            return {"channel": "", "quantity": None, "unit": "", "note": ""}
        self._unknown(item, TIME_KEYS, where, p)
        channel = _choice(
            item.get("channel"),
            _CHANNELS,
            p,
            where,
            _("Kênh (channel)"),
            ["1", "2", "3"],
        )
        unit = item.get("unit")
        unit = (
            _choice(unit, _TIME_UNITS, p, where, _("Đơn vị thời hạn"), TimeUnit.values)
            if unit not in TimeUnit.values
            else unit
        )
        quantity = _decimal(item.get("quantity"), p, where, _("Thời hạn (quantity)"))
        if unit == TimeUnit.SAME_DAY:
            if quantity not in (None, Decimal(0), Decimal(1)):
                p.problem(where, _("Thời hạn “trong ngày” không có số lượng."))
            quantity = None
        time = {
            "channel": str(channel or ""),
            "quantity": quantity,
            "unit": str(unit or ""),
            "note": _text(item.get("note"), p, where, "note"),
        }
        if not check:
            pass
        elif quantity is not None and quantity < 0:
            p.problem(
                where,
                _("Thời hạn không được âm, nhận được %(value)s.") % {"value": quantity},
            )
        elif unit is not None:
            obj = ProcessingTime(channel=channel or "1", quantity=quantity, unit=unit)
            p.model(obj, ["quantity", "unit"], where)
        return time

    def _fees(self, value: Any, where: str, p: _Problems) -> list[dict[str, Any]]:
        if value is None:
            return []
        if not isinstance(value, list):
            p.problem(where, _("Phí, lệ phí phải là một danh sách."))
            return []
        fees = []
        for i, item in enumerate(value):
            at = _where(item, f"{where}[{i}]")
            if not isinstance(item, Mapping):
                p.problem(at, _("Khoản phí phải là một đối tượng."))
                continue
            self._unknown(item, FEE_KEYS, at, p)
            name = _text(item.get("name"), p, at, _("Tên khoản thu"))
            if not name:
                p.problem(at, _("Thiếu tên khoản thu (name)."))
            kind = item.get("kind")
            kind = (
                _choice(kind, _FEE_KINDS, p, at, _("Loại khoản thu"), FeeKind.values)
                if kind not in (None, "")
                else guess_fee_kind(name)
            )
            paid_at = item.get("paid_at")
            paid_at = (
                _choice(paid_at, _FEE_MOMENTS, p, at, _("Thời điểm nộp"), FeeMoment.values)
                if paid_at not in (None, "")
                else FeeMoment.AT_INTAKE
            )
            amount_key = "amount" if "amount" in item else "amount_vnd"
            fee = {
                "name": name,
                "kind": str(kind or FeeKind.OTHER),
                "amount": _int(item.get(amount_key), p, at, _("Mức thu"), default=None),
                "paid_at": str(paid_at or FeeMoment.AT_INTAKE),
                "exemptions": _text(item.get("exemptions"), p, at, "exemptions"),
                "note": _text(item.get("note"), p, at, "note"),
            }
            p.model(Fee(name=name or "-", amount=fee["amount"]), ["name", "amount"], at)
            fees.append(fee)
        return fees

    def _components(self, value: Any, where: str, p: _Problems) -> list[dict[str, Any]]:
        if value is None:
            return []
        if not isinstance(value, list):
            p.problem(where, _("Thành phần hồ sơ phải là một danh sách."))
            return []
        components = []
        for i, item in enumerate(value):
            at = _where(item, f"{where}[{i}]")
            if not isinstance(item, Mapping):
                p.problem(at, _("Thành phần hồ sơ phải là một đối tượng."))
                continue
            self._unknown(item, COMPONENT_KEYS, at, p)
            name = _text(item.get("name"), p, at, _("Tên giấy tờ"))
            if not name:
                p.problem(at, _("Thiếu tên giấy tờ (name)."))
            note = _text(item.get("note"), p, at, "note")
            requirement = item.get("requirement")
            if requirement in (None, ""):
                requirement = requirement_from_note(note)
            else:
                requirement = _choice(
                    requirement, _REQUIREMENTS, p, at, _("Yêu cầu"), Requirement.values
                )
            if "condition" in item:
                condition = _text(item.get("condition"), p, at, "condition")
            elif requirement == Requirement.CONDITIONAL:
                condition = condition_from(name, note)
            else:
                condition = ""
            component = {
                "name": name,
                "originals": _int(
                    item.get("originals", item.get("original")), p, at, _("Số bản chính")
                ),
                "certified_copies": _int(
                    item.get("certified_copies"), p, at, _("Số bản sao chứng thực")
                ),
                "copies": _int(item.get("copies", item.get("copy")), p, at, _("Số bản sao")),
                "requirement": str(requirement or Requirement.REQUIRED),
                "condition": condition,
                "note": note,
            }
            check = Component(**{k: v for k, v in component.items()})
            p.model(check, [k for k in component if k != "name"], at)
            components.append(component)
        return components

    def _unknown(
        self, item: Mapping[str, Any], known: frozenset[str], where: str, p: _Problems
    ) -> None:
        unknown = sorted(str(k) for k in item if k not in known and k != WHERE_KEY)
        if unknown:
            p.warn(where, _("Bỏ qua các khóa không dùng: %(keys)s.") % {"keys": ", ".join(unknown)})


# ---------------------------------------------------------------------------------------------
# The report


class Status(StrEnum):
    CREATED = "created"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    REFUSED = "refused"


@dataclass
class RecordResult:
    index: int
    location: str
    code: str
    name: str
    status: Status
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    version_number: int | None = None
    published: bool = False
    detail: str = ""

    @property
    def status_text(self) -> str:
        return status_label(self.status)

    @property
    def outcome(self) -> str:
        """``thay đổi (cập nhật đơn vị áp dụng)``."""
        return f"{self.status_text} ({self.detail})" if self.detail else self.status_text

    def label(self) -> str:
        """``Bản ghi 3 (dòng 120), mã 1.001193``."""
        text = _("Bản ghi %(index)s (%(location)s)") % {
            "index": self.index,
            "location": self.location,
        }
        if self.code:
            text += _(", mã %(code)s") % {"code": self.code}
        return text


@dataclass
class ImportReport:
    source: str
    effective_from: dt.date
    dry_run: bool
    results: list[RecordResult] = field(default_factory=list)

    def of(self, status: Status) -> list[RecordResult]:
        return [r for r in self.results if r.status == status]

    @property
    def created(self) -> int:
        return len(self.of(Status.CREATED))

    @property
    def changed(self) -> int:
        return len(self.of(Status.CHANGED))

    @property
    def unchanged(self) -> int:
        return len(self.of(Status.UNCHANGED))

    @property
    def refused(self) -> int:
        return len(self.of(Status.REFUSED))

    @property
    def warning_count(self) -> int:
        return sum(len(r.warnings) for r in self.results)

    @property
    def refused_results(self) -> list[RecordResult]:
        return self.of(Status.REFUSED)

    def refusal_lines(self) -> list[str]:
        """One line per refused record, its problems separated by " | "."""
        return [
            f"{r.label()}: {' | '.join(_sentence(m) for m in r.problems)}"
            for r in self.of(Status.REFUSED)
        ]

    def warning_lines(self) -> list[str]:
        return [f"{r.label()}: {_sentence(w)}" for r in self.results for w in r.warnings]

    def summary_lines(self) -> list[str]:
        lines = [
            _("Nhập danh mục thủ tục từ %(source)s, hiệu lực từ %(day)s.")
            % {"source": self.source, "day": self.effective_from.strftime("%d/%m/%Y")}
        ]
        if self.dry_run:
            lines.append(_("Chạy thử: đã kiểm tra toàn bộ, không ghi gì vào cơ sở dữ liệu."))
        lines += [
            _("Tạo mới: %(n)s") % {"n": self.created},
            _("Thay đổi (phiên bản mới): %(n)s") % {"n": self.changed},
            _("Không đổi: %(n)s") % {"n": self.unchanged},
            _("Bị từ chối: %(n)s") % {"n": self.refused},
            _("Cảnh báo: %(n)s") % {"n": self.warning_count},
        ]
        return lines

    def lines(self, verbose: bool = False) -> list[str]:
        lines = self.summary_lines()
        if self.refused:
            lines.append(_("Bản ghi bị từ chối (không ghi gì của các bản ghi này):"))
            lines += [f"  - {line}" for line in self.refusal_lines()]
        warnings = self.warning_lines()
        if warnings:
            lines.append(_("Cảnh báo:"))
            lines += [f"  - {line}" for line in warnings]
        if verbose:
            lines.append(_("Từng bản ghi:"))
            for r in self.results:
                lines.append(f"  - {r.label()}: {r.outcome}")
        return lines


def status_label(status: Status) -> str:
    return {
        Status.CREATED: _("tạo mới"),
        Status.CHANGED: _("thay đổi"),
        Status.UNCHANGED: _("không đổi"),
        Status.REFUSED: _("từ chối"),
    }[status]


def _sentence(message: str) -> str:
    message = message.strip()
    return message if message.endswith((".", "!", "?", ")")) else message + "."


# ---------------------------------------------------------------------------------------------
# Writing


class _Refused(Exception):
    def __init__(self, messages: list[str]) -> None:
        super().__init__(messages)
        self.messages = messages


def _ensure_field(values: Mapping[str, Any]) -> Field:
    field_obj, _created = Field.objects.get_or_create(
        code=values["field_code"], defaults={"name": values["field"]}
    )
    return field_obj


def _ensure_level(code: str) -> Level:
    name, rank = STANDARD_LEVELS.get(code, (code, 9))
    level, _created = Level.objects.get_or_create(code=code, defaults={"name": name, "rank": rank})
    return level


def _merge(existing: Mapping[str, Any], parsed: ParsedRecord) -> dict[str, Any]:
    """The record's values over the existing ones; a case takes the keys it leaves out from
    the existing case of the same name."""
    merged = {**existing, **parsed.values}
    if "cases" in parsed.values:
        old = list(existing.get("cases") or [])
        cases = []
        for case, inherit in zip(parsed.values["cases"], parsed.inherit, strict=True):
            case = dict(case)
            match = next((c for c in old if c["name"] == case["name"]), None)
            if match is not None:
                old.remove(match)
            for key in inherit:
                case[key] = match[key] if match is not None else DEFAULT_CASE_VALUES[key]
            cases.append(case)
        merged["cases"] = cases
    return merged


DEFAULT_CASE_VALUES: dict[str, Any] = {
    "description": "",
    "process_template": None,
    "processing_times": [],
}


def _content(record: Mapping[str, Any]) -> dict[str, Any]:
    return {key: record.get(key) for key in CONTENT_KEYS}


def _publishable(parsed: ParsedRecord, record: Mapping[str, Any]) -> bool:
    """False only for a sample record without processing time whose procedure has none
    either: it is kept as a draft. Everything else goes through publication (and its checks)."""
    return not parsed.no_time or any(case["processing_times"] for case in record["cases"])


class _Writer:
    def __init__(self, *, actor: Any, effective_from: dt.date) -> None:
        self.actor = actor
        self.day = effective_from

    def apply(self, parsed: ParsedRecord) -> tuple[Status, ProcedureVersion | None, str]:
        procedure = Procedure.objects.filter(code=parsed.code).first()
        if procedure is None:
            return self._create(parsed)
        versions = procedure.versions
        published = (
            versions.filter(status=VersionStatus.PUBLISHED).order_by("-effective_from").first()
        )
        draft = versions.filter(status=VersionStatus.DRAFT).first()
        base = published or draft
        if base is None:  # a procedure without any version: treat it as new content
            return self._fill_new_version(procedure, parsed)
        units = self._units_in_force(procedure)
        existing = version_record(base, units=units)
        merged = _merge(existing, parsed)
        same_content = _content(merged) == _content(existing)
        units_change = merged["units"] != units
        if same_content:
            if units_change:
                self._sync_units(procedure, parsed, merged["units"])
                return Status.CHANGED, base, _("cập nhật đơn vị áp dụng")
            return Status.UNCHANGED, base, ""
        if published is not None:
            assert published.effective_from is not None
            if self.day <= published.effective_from:
                raise _Refused(
                    [
                        _(
                            "Nội dung khác phiên bản %(number)s đang áp dụng từ %(day)s; ngày "
                            "hiệu lực của lần nhập (%(new)s) phải sau ngày đó. Hãy chọn ngày "
                            "hiệu lực muộn hơn."
                        )
                        % {
                            "number": published.number,
                            "day": published.effective_from.strftime("%d/%m/%Y"),
                            "new": self.day.strftime("%d/%m/%Y"),
                        }
                    ]
                )
            if draft is not None:
                raise _Refused(
                    [
                        _(
                            "Thủ tục đang có bản nháp phiên bản %(number)s chưa công bố; hãy công "
                            "bố hoặc xóa bản nháp đó rồi nhập lại."
                        )
                        % {"number": draft.number}
                    ]
                )
            if not _publishable(parsed, merged):
                raise _Refused(
                    [_("Không có thời hạn giải quyết nên không công bố được phiên bản mới.")]
                )
            version = services.start_draft(actor=self.actor, procedure=procedure)
        else:
            assert draft is not None
            version = draft
        self._fill(version, merged)
        detail = ""
        if _publishable(parsed, merged):
            self._publish(version, parsed)
        else:
            detail = _("bản nháp, chưa công bố")
        if units_change:
            self._sync_units(procedure, parsed, merged["units"])
        return Status.CHANGED, version, detail

    def _create(self, parsed: ParsedRecord) -> tuple[Status, ProcedureVersion, str]:
        record = _merge(DEFAULTS, parsed)
        missing = []
        if not record["name"]:
            missing.append(_("Thiếu tên thủ tục (name)."))
        if not record["field_code"]:
            missing.append(_("Thiếu lĩnh vực (field)."))
        if missing:
            raise _Refused(missing)
        version = services.create_procedure(
            actor=self.actor,
            code=parsed.code,
            name=record["name"],
            field=_ensure_field(record),
        )
        return self._finish_new(version, parsed, record)

    def _fill_new_version(
        self, procedure: Procedure, parsed: ParsedRecord
    ) -> tuple[Status, ProcedureVersion, str]:
        record = _merge(DEFAULTS, parsed)
        if not record["name"] or not record["field_code"]:
            raise _Refused([_("Thiếu tên thủ tục hoặc lĩnh vực.")])
        version = ProcedureVersion.objects.create(
            procedure=procedure,
            number=services.next_version_number(procedure),
            name=record["name"],
            field=_ensure_field(record),
        )
        return self._finish_new(version, parsed, record)

    def _finish_new(
        self, version: ProcedureVersion, parsed: ParsedRecord, record: dict[str, Any]
    ) -> tuple[Status, ProcedureVersion, str]:
        self._fill(version, record)
        detail = ""
        if _publishable(parsed, record):
            self._publish(version, parsed)
        else:
            detail = _("bản nháp, chưa công bố")
        if record["units"]:
            self._sync_units(version.procedure, parsed, record["units"])
        return Status.CREATED, version, detail

    def _publish(self, version: ProcedureVersion, parsed: ParsedRecord) -> None:
        services.publish_version(
            actor=self.actor, version=version, effective_from=self.day, decision=parsed.decision
        )

    def _fill(self, version: ProcedureVersion, record: Mapping[str, Any]) -> None:
        channels = set(record["channels"])
        version = services.update_draft(
            actor=self.actor,
            version=version,
            name=record["name"],
            field=_ensure_field(record),
            levels=[_ensure_level(code) for code in record["level_codes"]],
            level_note=record["level_note"],
            steps_for_applicant=record["steps_for_applicant"],
            offers_counter=Channel.COUNTER in channels,
            offers_online=Channel.ONLINE in channels,
            offers_postal=Channel.POSTAL in channels,
            subjects=record["subjects"],
            executing_agency=record["executing_agency"],
            competent_authority=record["competent_authority"],
            result=record["result"],
            result_code=record["result_code"],
            legal_basis="\n".join(record["legal_basis"]),
            conditions=record["conditions"],
            online_level=record["online_level"],
            five_on_site=record["five_on_site"],
            same_day=record["same_day"],
            notes=record["notes"],
        )
        self._replace_cases(version, record["cases"])

    def _replace_cases(self, version: ProcedureVersion, cases: list[dict[str, Any]]) -> None:
        """Write the cases of a draft. A component with the name of one of the draft's (copied
        from the previous version), in the case of the same name if there is one, is kept with
        its attachments (form templates, samples); everything else is rewritten."""
        services.ensure_editable(version)
        old_cases = list(version.cases.prefetch_related("components"))
        reusable = [(old.name, c) for old in old_cases for c in old.components.all()]

        def reuse(case_name: str, name: str) -> Component:
            for exact in (True, False):
                for i, (old_case, component) in enumerate(reusable):
                    if component.name == name and (old_case == case_name or not exact):
                        del reusable[i]
                        return component
            return Component()

        version.cases.update(position=F("position") + 10000)
        templates = {t.code: t for t in ProcessTemplate.objects.all()} if cases else {}
        for position, data in enumerate(cases, 1):
            case = ProcedureCase(
                version=version,
                position=position,
                name=data["name"],
                description=data["description"],
                process_template=templates.get(data["process_template"] or ""),
            )
            case.full_clean(exclude=["version"])
            case.save()
            for time in data["processing_times"]:
                services.set_processing_time(
                    case=case,
                    channel=time["channel"],
                    quantity=time["quantity"],
                    unit=time["unit"],
                    note=time["note"],
                )
            fees = [Fee(case=case, position=i, **fee) for i, fee in enumerate(data["fees"], 1)]
            for fee in fees:
                fee.full_clean(exclude=["case"])
            Fee.objects.bulk_create(fees)
            for i, values in enumerate(data["components"], 1):
                component = reuse(data["name"], values["name"])
                for key, value in values.items():
                    setattr(component, key, value)
                component.case, component.position = case, i
                component.full_clean(exclude=["case"])
                component.save()
        ProcedureCase.objects.filter(pk__in=[c.pk for c in old_cases]).delete()

    # -- applicability --------------------------------------------------------------------

    def _in_force(self, procedure: Procedure) -> models.QuerySet[ProcedureUnit]:
        return procedure.applicability.filter(valid_from__lte=self.day).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=self.day)
        )

    def _units_in_force(self, procedure: Procedure) -> list[str]:
        return sorted(set(self._in_force(procedure).values_list("unit__code", flat=True)))

    def _sync_units(self, procedure: Procedure, parsed: ParsedRecord, codes: list[str]) -> None:
        """Make the units applying the procedure on the effective date be ``codes``: new ones
        apply from that date, the others stop the day before (or are removed if they only
        started that day)."""
        wanted = set(codes)
        rows = list(self._in_force(procedure).select_related("unit"))
        have = {row.unit.code for row in rows}
        for row in rows:
            if row.unit.code not in wanted:
                if row.valid_from >= self.day:
                    row.delete()
                else:
                    row.valid_to = self.day - dt.timedelta(days=1)
                    row.save(update_fields=["valid_to"])
        for code in sorted(wanted - have):
            ProcedureUnit.objects.create(
                procedure=procedure, unit=parsed.units[code], valid_from=self.day
            )


# ---------------------------------------------------------------------------------------------
# The engine


def import_records(
    records: list[SourceRecord],
    *,
    actor: Any,
    effective_from: dt.date | None = None,
    dry_run: bool = False,
    source: str = "",
) -> ImportReport:
    """Import ``records``; each is atomic (a refused record writes nothing), good records are
    imported even when others are refused. ``dry_run`` checks everything (publication rules
    included) inside a transaction that is rolled back."""
    if actor is not None and not has_capability(actor, Capability.MANAGE_CATALOG):
        raise PermissionDenied(_("Bạn không có quyền quản trị danh mục thủ tục."))
    day = effective_from or timezone.localdate()
    report = ImportReport(source=source, effective_from=day, dry_run=dry_run)
    if dry_run:
        with transaction.atomic():
            _run(records, report, actor=actor, day=day)
            transaction.set_rollback(True)
    else:
        _run(records, report, actor=actor, day=day)
    return report


def _run(records: list[SourceRecord], report: ImportReport, *, actor: Any, day: dt.date) -> None:
    normaliser = _Normaliser(day)
    writer = _Writer(actor=actor, effective_from=day)
    seen: dict[str, SourceRecord] = {}
    for source in records:
        problems = _Problems()
        problems.problems += source.problems
        problems.warnings += source.warnings
        parsed = normaliser.parse(source.data, problems) if source.data is not None else None
        code = parsed.code if parsed else source.code
        name = parsed.name if parsed else ""
        result = RecordResult(source.index, source.location, code, name, Status.REFUSED)
        result.warnings = problems.warnings
        if parsed and code and code in seen:
            first = seen[code]
            problems.problem(
                "",
                _("Mã %(code)s đã có ở bản ghi %(index)s (%(location)s) của cùng tệp.")
                % {"code": code, "index": first.index, "location": first.location},
            )
        if parsed is None or problems.problems:
            result.problems = problems.problems
            report.results.append(result)
            continue
        seen[code] = source
        try:
            with transaction.atomic():
                status, version, detail = writer.apply(parsed)
        except _Refused as exc:
            result.problems = exc.messages
        except ValidationError as exc:
            result.problems = list(exc.messages)
        except IntegrityError as exc:  # another import or an editor wrote the same rows meanwhile
            result.problems = [
                _("Xung đột với dữ liệu vừa được ghi đồng thời (%(error)s); hãy nhập lại.")
                % {"error": exc}
            ]
        else:
            result.status, result.detail = status, detail
            if version is not None:
                result.version_number = version.number
                result.published = version.status == VersionStatus.PUBLISHED
            # A new normaliser sees fields, levels and templates this record created.
            if status != Status.UNCHANGED:
                normaliser = _Normaliser(day)
        report.results.append(result)


def import_file(
    path: str | Path,
    *,
    actor: Any,
    effective_from: dt.date | None = None,
    dry_run: bool = False,
    file_format: str | None = None,
) -> ImportReport:
    """Import a JSON or XLSX file (format from the extension unless given)."""
    path = Path(path)
    content = path.read_bytes()
    return import_content(
        content,
        name=path.name,
        actor=actor,
        effective_from=effective_from,
        dry_run=dry_run,
        file_format=file_format,
    )


def detect_format(name: str) -> str | None:
    suffix = Path(name).suffix.lower()
    return {".json": "json", ".xlsx": "xlsx"}.get(suffix)


def import_content(
    content: bytes,
    *,
    name: str,
    actor: Any,
    effective_from: dt.date | None = None,
    dry_run: bool = False,
    file_format: str | None = None,
) -> ImportReport:
    """Import the bytes of a JSON or XLSX file. Raises :class:`ImportFileError` when the file
    cannot be read at all (nothing is written then)."""
    file_format = file_format or detect_format(name)
    if file_format == "json":
        records = read_json(content)
    elif file_format == "xlsx":
        from .xlsx import read_workbook

        records = read_workbook(content)
    else:
        raise ImportFileError(
            _("Không rõ định dạng của tệp “%(name)s”: hãy dùng tệp .json hoặc .xlsx.")
            % {"name": name}
        )
    return import_records(
        records, actor=actor, effective_from=effective_from, dry_run=dry_run, source=name
    )
