"""Catalogue search ignores diacritics and case and matches every word."""

from __future__ import annotations

import datetime as dt

import pytest

from motcua.catalog import services
from motcua.catalog.models import Field, Level
from motcua.catalog.selectors import CatalogFilters, search_catalog
from motcua.core.text import fold, search_terms

from .conftest import build_draft


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Đăng ký khai sinh", "dang ky khai sinh"),
        ("ĐĂNG KÝ  KẾT HÔN", "dang ky ket hon"),
        ("Chứng thực bản sao", "chung thuc ban sao"),
        ("Giấy phép xây dựng", "giay phep xay dung"),
        ("  Lý lịch tư pháp\t", "ly lich tu phap"),
        ("1.001193", "1.001193"),
        # Composed and decomposed Unicode fold alike.
        ("Hộ tịch", "ho tich"),
        ("Ho\u0323 ti\u0323ch", "ho tich"),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


def test_search_terms_are_folded_and_unique():
    assert search_terms("Khai  sinh KHAI") == ["khai", "sinh"]
    assert search_terms("   ") == []


@pytest.fixture
def catalog(db):
    civil = Field.objects.create(code="HT", name="Hộ tịch")
    building = Field.objects.create(code="XD", name="Hoạt động xây dựng")
    commune = Level.objects.get(code="commune")  # seeded by a migration
    day = dt.date(2026, 1, 1)
    versions = {}
    for code, name, field in [
        ("1.001193", "Đăng ký khai sinh", civil),
        ("1.004884", "Đăng ký lại khai sinh", civil),
        ("1.000894", "Đăng ký kết hôn", civil),
        ("1.013225", "Cấp giấy phép xây dựng mới", building),
    ]:
        draft = build_draft(field, code=code, name=name)
        if field == civil:
            draft.levels.add(commune)
        versions[code] = services.publish_version(actor=None, version=draft, effective_from=day)
    build_draft(civil, code="1.001022", name="Đăng ký nhận cha, mẹ, con")  # a draft only
    return versions


def codes(query: str = "", **filters) -> list[str]:
    found = search_catalog(CatalogFilters(query=query, **filters), dt.date(2026, 6, 1))
    return [v.procedure.code for v in found]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("dang ky khai sinh", ["1.001193", "1.004884"]),
        ("Đăng ký khai sinh", ["1.001193", "1.004884"]),
        ("KHAI SINH", ["1.001193", "1.004884"]),
        ("khai sinh lai", ["1.004884"]),
        ("ket hon", ["1.000894"]),
        ("xay", ["1.013225"]),
        ("1.013225", ["1.013225"]),
        ("ho tich", ["1.000894", "1.001193", "1.004884"]),
        ("nhan cha me", []),
        ("khai tu", []),
    ],
)
def test_search_ignores_diacritics_and_case(catalog, query, expected):
    assert sorted(codes(query)) == expected


def test_filters(catalog):
    assert sorted(codes(field_code="XD")) == ["1.013225"]
    assert sorted(codes("dang ky", level_code="commune")) == ["1.000894", "1.001193", "1.004884"]
    assert codes(online_level="full") == []


def test_versions_not_yet_in_force_are_not_found(catalog):
    assert codes("khai sinh") != []
    found = search_catalog(CatalogFilters(query="khai sinh"), dt.date(2025, 12, 31))
    assert list(found) == []
