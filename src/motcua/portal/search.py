"""The public catalogue's query string: what a citizen asked for, checked against the options
on offer. A bad value never fails the page; it is dropped and reported."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from motcua.catalog.models import PROCEDURE_CODE_PATTERN, OnlineLevel
from motcua.catalog.selectors import CatalogFilters, CatalogOptions

PARAM_QUERY = "q"
PARAM_FIELD = "linh_vuc"
PARAM_LEVEL = "cap"
PARAM_UNIT = "don_vi"
PARAM_ONLINE = "truc_tuyen"
PARAM_PAGE = "trang"
PARAM_DAY = "ngay"

QUERY_MAX_LENGTH = 200
PAGE_SIZE = 20
# How much of a bad value a notice repeats back.
ECHO_LENGTH = 40

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CODE = re.compile(PROCEDURE_CODE_PATTERN)
# A scanned QR code may carry the address of a procedure page instead of the bare code.
_CODE_IN_URL = re.compile(r"/thu-tuc/(\d\.\d{6}|TAM\.[0-9A-Fa-f]{8})/?(?:[?#].*)?$")


def _echo(value: str) -> str:
    return value if len(value) <= ECHO_LENGTH else value[: ECHO_LENGTH - 1] + "…"


@dataclass
class SearchRequest:
    query: str = ""
    field_code: str = ""
    level_code: str = ""
    unit_id: str = ""
    online_level: str = ""
    filters: CatalogFilters = field(default_factory=CatalogFilters)
    notices: list[str] = field(default_factory=list)

    @property
    def has_filters(self) -> bool:
        return bool(self.field_code or self.level_code or self.unit_id or self.online_level)

    @property
    def is_search(self) -> bool:
        return bool(self.query) or self.has_filters


def clean_query(raw: str) -> str:
    """Control characters (a scanner's stray bytes, NUL that PostgreSQL refuses) become
    spaces; runs of spaces collapse."""
    return " ".join(_CONTROL.sub(" ", raw).split())


def exact_code(raw: str) -> str | None:
    """The procedure code ``raw`` is, if it is exactly one (``1.001193``, ``tam.0a1b2c3d``,
    or the address of a procedure page read from a QR code), else None."""
    text = clean_query(raw)
    match = _CODE_IN_URL.search(text)
    if match and ("://" in text or text.startswith("/")):
        text = match.group(1)
    if text[:4].upper() == "TAM.":
        text = "TAM." + text[4:].lower()
    return text if _CODE.fullmatch(text) else None


def parse_search(params: Mapping[str, str], options: CatalogOptions) -> SearchRequest:
    """The search a query string asks for; unknown filter values are dropped with a notice,
    an overlong query is cut with a notice."""
    search = SearchRequest()
    query = clean_query(params.get(PARAM_QUERY, ""))
    if len(query) > QUERY_MAX_LENGTH:
        search.notices.append(
            _("Từ khóa dài quá %(max)s ký tự nên chỉ %(max)s ký tự đầu được dùng để tìm.")
            % {"max": QUERY_MAX_LENGTH}
        )
        query = query[:QUERY_MAX_LENGTH].strip()
    search.query = query

    def choose(param: str, allowed: Mapping[str, object], what: str) -> str:
        value = clean_query(params.get(param, ""))
        if not value or value in allowed:
            return value
        search.notices.append(
            _("Không có %(what)s “%(value)s” trong danh mục nên bộ lọc này đã được bỏ qua.")
            % {"what": what, "value": _echo(value)}
        )
        return ""

    fields = {f.code: f for f in options.fields}
    levels = {level.code: level for level in options.levels}
    units = {str(unit.pk): unit for unit in options.units}
    search.field_code = choose(PARAM_FIELD, fields, _("lĩnh vực"))
    search.level_code = choose(PARAM_LEVEL, levels, _("cấp thực hiện"))
    search.unit_id = choose(PARAM_UNIT, units, _("đơn vị"))
    search.online_level = choose(
        PARAM_ONLINE, dict.fromkeys(OnlineLevel.values), _("mức độ trực tuyến")
    )
    search.filters = CatalogFilters(
        query=search.query,
        field_code=search.field_code,
        level_code=search.level_code,
        unit=units.get(search.unit_id),
        online_level=search.online_level,
    )
    return search


def parse_day(raw: str | None) -> tuple[dt.date | None, str]:
    """The day of ``?ngay=`` (``2025-07-01`` as a date input sends it, or ``01/07/2025``)
    and an error message, empty when the value is fine or absent."""
    text = clean_query(raw or "")
    if not text:
        return None, ""
    if len(text) <= 10:
        for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
            try:
                return dt.datetime.strptime(text, pattern).date(), ""
            except ValueError:
                continue
    return None, _(
        "Ngày “%(value)s” không hợp lệ; hãy nhập theo dạng ngày/tháng/năm, ví dụ 01/07/2025. "
        "Trang đang hiển thị phiên bản đang áp dụng."
    ) % {"value": _echo(text)}
