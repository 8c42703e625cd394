"""The small rules that read the sample's loose values, table by table."""

from __future__ import annotations

import hashlib

import pytest

from motcua.catalog.importer import (
    CONDITION_IN_NAME,
    condition_from,
    detect_levels,
    field_code_for,
    guess_fee_kind,
    provisional_code,
    requirement_from_note,
)


@pytest.mark.parametrize(
    ("text", "codes", "unknown", "note"),
    [
        ("Cấp xã", ["commune"], [], ""),
        ("Cấp tỉnh", ["province"], [], ""),
        ("Cấp xã (Công an cấp xã)", ["commune"], [], "Cấp xã (Công an cấp xã)"),
        ("Cấp xã, Cấp tỉnh", ["commune", "province"], [], ""),
        (
            "Cấp xã, Cấp tỉnh (Thuế cơ sở, Thuế tỉnh)",
            ["commune", "province"],
            [],
            "Cấp xã, Cấp tỉnh (Thuế cơ sở, Thuế tỉnh)",
        ),
        (
            "Cấp bộ/ngành (Công an: Cục CSGT, Công an tỉnh, Công an cấp xã)",
            ["ministry"],
            [],
            "Cấp bộ/ngành (Công an: Cục CSGT, Công an tỉnh, Công an cấp xã)",
        ),
        ("cap xa", ["commune"], [], ""),
        ("Cấp huyện", ["other"], ["Cấp huyện"], "Cấp huyện"),
        ("", [], [], ""),
    ],
)
def test_levels_are_detected_by_prefix(text, codes, unknown, note):
    assert detect_levels(text) == (codes, unknown, note)


def test_levels_may_be_named_by_existing_codes():
    assert detect_levels("commune, dac-khu", {"dac-khu": "dac-khu"})[0] == ["commune", "dac-khu"]


@pytest.mark.parametrize(
    ("note", "requirement"),
    [
        (None, "required"),
        ("", "required"),
        ("có điều kiện", "conditional"),
        ("xuất trình, có điều kiện", "conditional"),
        ("xuất trình", "present"),
        ("Xuất trình (NĐ 23/2015 Điều 24.1.a)", "present"),
        ("nếu có", "if_any"),
        ("thay thế", "required"),
    ],
)
def test_requirement_from_note(note, requirement):
    assert requirement_from_note(note or "") == requirement


@pytest.mark.parametrize(
    ("name", "note", "condition"),
    [
        (
            "Biên bản về việc trẻ bị bỏ rơi (trường hợp trẻ bị bỏ rơi)",
            "có điều kiện",
            "trường hợp trẻ bị bỏ rơi",
        ),
        (
            "Giấy tờ chứng minh thông tin về cư trú – chỉ khi không khai thác được từ CSDLQG về "
            "dân cư (khoản 2 Điều 14 NĐ 104/2022/NĐ-CP)",
            "xuất trình, có điều kiện",
            "chỉ khi không khai thác được từ CSDLQG về dân cư (khoản 2 Điều 14 NĐ 104/2022/NĐ-CP)",
        ),
        (
            "Bản vẽ tách thửa, hợp thửa (Mẫu số 22 NĐ 151/2025/NĐ-CP) nếu phải tách/hợp thửa",
            "có điều kiện",
            "nếu phải tách/hợp thửa",
        ),
        (
            "Giấy tờ, chứng cứ chứng minh sự kiện chết (người chết đã lâu, không có Giấy báo tử)",
            "có điều kiện",
            "người chết đã lâu, không có Giấy báo tử",
        ),
        (
            "Bản sao văn bản ủy quyền của thành viên hộ gia đình (nếu các thành viên cùng đăng ký)",
            "có điều kiện; nguồn khác nhau",
            "nếu các thành viên cùng đăng ký",
        ),
        ("Văn bản thỏa thuận", "có điều kiện; khi có nhiều người", "khi có nhiều người"),
        ("Văn bản xác định các thành viên có chung quyền", "có điều kiện", CONDITION_IN_NAME),
        (
            "Đề nghị khai báo (điểm a, b khoản 1 Điều 31 Luật Cư trú)",
            "có điều kiện",
            CONDITION_IN_NAME,
        ),
    ],
)
def test_condition_of_a_conditional_component(name, note, condition):
    assert condition_from(name, note) == condition


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Lệ phí đăng ký khai sinh", "le_phi"),
        ("lệ phí cấp hộ chiếu", "le_phi"),
        ("Phí cấp bản sao", "phi"),
        ("Miễn phí", "other"),
        ("Tiền sử dụng đất", "other"),
    ],
)
def test_fee_kind_is_guessed_from_the_name(name, kind):
    assert guess_fee_kind(name) == kind


def test_field_codes_are_stable_and_short():
    assert field_code_for("Hộ tịch") == "ho-tich"
    assert field_code_for("Đăng ký, quản lý cư trú") == "dang-ky-quan-ly-cu-tru"
    long_name = "Hộ tịch (liên thông Tư pháp – Công an – BHXH) " * 3
    code = field_code_for(long_name)
    assert len(code) <= 50 and code == field_code_for(long_name)
    assert code != field_code_for(long_name + "khác")


def test_provisional_code_is_the_hash_of_the_folded_name():
    name = "Đăng ký thành lập hộ kinh doanh"
    expected = "TAM." + hashlib.sha1(b"dang ky thanh lap ho kinh doanh").hexdigest()[:8]
    assert provisional_code(name) == expected
    assert provisional_code("ĐĂNG KÝ  thành lập hộ kinh doanh") == expected
