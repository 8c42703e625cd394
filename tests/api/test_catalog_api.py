"""The procedure catalogue through /api/v1: what a kiosk, a portal adapter or a script sees."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from motcua.catalog import services
from tests import factories

from .conftest import days_ago

pytestmark = pytest.mark.django_db

LIST = "/api/v1/procedures"


def detail(code: str) -> str:
    return f"{LIST}/{code}"


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


@pytest.fixture
def catalogue(make_procedure, process_template):
    """A small catalogue in force today, plus a draft and a procedure not yet in force."""
    birth = make_procedure(
        "Đăng ký khai sinh",
        code="1.001193",
        offers_online=True,
        online_level="full",
        cases=[
            {
                "name": "Đăng ký khai sinh đúng hạn",
                "times": {"1": (Decimal(1), "working_days"), "2": (Decimal(1), "working_days")},
                "components": 3,
                "fees": [
                    {
                        "name": "Lệ phí đăng ký khai sinh đúng hạn",
                        "kind": "le_phi",
                        "amount": 0,
                        "exemptions": "Miễn lệ phí",
                    },
                    {"name": "Phí cấp bản sao", "kind": "phi", "amount": 8000, "paid_at": "return"},
                ],
                "template": process_template,
            },
            {
                "name": "Đăng ký khai sinh quá hạn",
                "times": {"1": (None, "same_day"), "2": (Decimal(3), "working_days")},
                "components": 2,
                "fees": [
                    {
                        "name": "Lệ phí đăng ký khai sinh không đúng hạn",
                        "amount": None,
                        "note": "Mức do HĐND cấp tỉnh quy định",
                    }
                ],
            },
        ],
        legal_basis="Luật Hộ tịch 2014\nNghị định 123/2015/NĐ-CP\n",
        subjects="Công dân Việt Nam",
        result="Giấy khai sinh",
    )
    marriage = make_procedure("Đăng ký kết hôn", code="1.000894")
    land = make_procedure(
        "Đăng ký biến động quyền sử dụng đất",
        code="1.013831",
        field="datdai",
        level_codes=("province",),
        offers_postal=True,
        online_level="partial",
        offers_online=True,
        cases=[
            {
                "times": {
                    "1": (Decimal(18), "working_days"),
                    "2": (Decimal(18), "working_days"),
                    "3": (Decimal(4), "working_days"),
                }
            }
        ],
    )
    draft = make_procedure("Đăng ký khai tử", code="1.000656", publish=False)
    future = make_procedure(
        "Đăng ký giám hộ", code="1.004837", effective_from=timezone_today() + dt.timedelta(days=30)
    )
    return {"birth": birth, "marriage": marriage, "land": land, "draft": draft, "future": future}


def timezone_today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()


# -- list --------------------------------------------------------------------------------------


def test_list_shows_procedures_in_force_by_name(client, catalogue):
    response = client.get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert (body["page"], body["page_size"]) == (1, 20)
    # by name: "biến động" first; how "khai" and "kết" compare depends on the database's
    # collation (byte order or Vietnamese), so their order is not checked
    codes = [r["code"] for r in body["results"]]
    assert codes[0] == "1.013831"
    assert sorted(codes[1:]) == ["1.000894", "1.001193"]
    land = body["results"][0]
    assert land == {
        "code": "1.013831",
        "name": "Đăng ký biến động quyền sử dụng đất",
        "field": {"code": "G09-TN01", "name": "Đất đai"},
        "levels": [{"code": "province", "name": "Cấp tỉnh"}],
        "online_level": {"code": "partial", "label": "Một phần"},
        "channels": [
            {"code": "1", "label": "Trực tiếp"},
            {"code": "2", "label": "Trực tuyến"},
            {"code": "3", "label": "Bưu chính công ích"},
        ],
        "time_limit_text": "18 ngày làm việc; 4 ngày làm việc",
        "url": "http://testserver/api/v1/procedures/1.013831",
    }


def test_list_time_limit_text_gathers_every_case(client, catalogue):
    rows = {r["code"]: r for r in client.get(LIST).json()["results"]}
    assert rows["1.001193"]["time_limit_text"] == "1 ngày làm việc; trong ngày; 3 ngày làm việc"
    assert rows["1.000894"]["time_limit_text"] == "3 ngày làm việc"


def test_row_url_opens_the_detail(client, catalogue):
    url = client.get(LIST, {"q": "ket hon"}).json()["results"][0]["url"]
    response = client.get(url.removeprefix("http://testserver"))
    assert response.status_code == 200
    assert response.json()["name"] == "Đăng ký kết hôn"


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("dang ky khai sinh", ["1.001193"]),
        ("Đăng ký khai sinh", ["1.001193"]),
        ("KHAI SINH", ["1.001193"]),
        ("khai  sinh ", ["1.001193"]),
        ("đăng ký", ["1.013831", "1.001193", "1.000894"]),
        ("dat dai", ["1.013831"]),  # the field's name is searched too
        ("1.000894", ["1.000894"]),
        ("ho tich ket", ["1.000894"]),  # every word must match, in any order
        ("khai tu", []),  # a draft is not published
        ("giam ho", []),  # not in force yet
        ("xyzzy", []),
    ],
)
def test_search_ignores_case_and_diacritics(client, catalogue, query, codes):
    body = client.get(LIST, {"q": query}).json()
    assert sorted(r["code"] for r in body["results"]) == sorted(codes)
    assert body["count"] == len(codes)


def test_filters(client, catalogue, fields):
    def codes(**params):
        response = client.get(LIST, params)
        assert response.status_code == 200, response.content
        return sorted(r["code"] for r in response.json()["results"])

    assert codes(field="G09-TN01") == ["1.013831"]
    assert codes(field="G09-TP01") == ["1.000894", "1.001193"]
    assert codes(field="G09-KH02") == []  # a known field with nothing in force
    assert codes(level="commune") == ["1.000894", "1.001193"]
    assert codes(level="province") == ["1.013831"]
    assert codes(online_level="full") == ["1.001193"]
    assert codes(online_level="none") == ["1.000894"]
    assert codes(online_level="") == ["1.000894", "1.001193", "1.013831"]
    assert codes(q="dang ky", field="G09-TP01", online_level="full") == ["1.001193"]


def test_unit_filter_covers_the_units_subtree(client, make_procedure):
    province = factories.unit("UBND tỉnh", code="000.00.00.H56")
    commune = factories.unit("UBND xã An Bình", parent=province, code="000.01.06.H56")
    other = factories.unit("UBND xã khác", parent=province, code="000.02.06.H56")
    make_procedure("Đăng ký khai sinh", units=[commune])
    make_procedure("Đăng ký kết hôn", units=[other])
    make_procedure("Cấp bản sao trích lục", units=[province])

    def names(unit):
        return sorted(r["name"] for r in client.get(LIST, {"unit": unit}).json()["results"])

    assert names("000.01.06.H56") == ["Đăng ký khai sinh"]
    assert names("000.00.00.H56") == sorted(
        ["Cấp bản sao trích lục", "Đăng ký khai sinh", "Đăng ký kết hôn"]
    )


def test_pagination(client, make_procedure):
    for i in range(5):
        make_procedure(f"Thủ tục {i}")
    first = client.get(LIST, {"page_size": 2}).json()
    assert (first["count"], first["page"], first["page_size"]) == (5, 1, 2)
    assert [r["name"] for r in first["results"]] == ["Thủ tục 0", "Thủ tục 1"]
    last = client.get(LIST, {"page_size": 2, "page": 3}).json()
    assert [r["name"] for r in last["results"]] == ["Thủ tục 4"]
    assert client.get(LIST, {"page_size": 100}).json()["count"] == 5


def test_pages_keep_the_order_when_names_repeat(client, make_procedure):
    """Rows of the same name are ordered by code, and no row is lost or repeated between
    pages (the page's keys are read first, then its rows)."""
    for code in ("1.000005", "1.000003", "1.000004", "1.000001", "1.000002"):
        make_procedure("Cấp giấy phép", code=code)
    make_procedure("Xác nhận", code="1.000009")
    seen = []
    for page in (1, 2, 3):
        body = client.get(LIST, {"page_size": 2, "page": page}).json()
        seen += [r["code"] for r in body["results"]]
    assert seen == ["1.000001", "1.000002", "1.000003", "1.000004", "1.000005", "1.000009"]


def test_an_empty_catalogue_has_one_empty_page(client, db):
    assert client.get(LIST).json() == {"count": 0, "page": 1, "page_size": 20, "results": []}
    assert client.get(LIST, {"q": "khai sinh"}).json()["results"] == []


# -- list: bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        ({"online_level": "xyz"}, "invalid_filter", "online_level"),
        ({"field": "KHONG-CO"}, "invalid_filter", "field"),
        ({"level": "huyen"}, "invalid_filter", "level"),
        ({"unit": "000.99.99.H99"}, "invalid_filter", "unit"),
        ({"q": "x" * 201}, "invalid_filter", "q"),
        ({"page": "0"}, "invalid_page", "page"),
        ({"page": "-1"}, "invalid_page", "page"),
        ({"page": "abc"}, "invalid_page", "page"),
        ({"page": "99"}, "invalid_page", "page"),
        ({"page_size": "101"}, "invalid_page", "page_size"),
        ({"page_size": "0"}, "invalid_page", "page_size"),
        ({"page_size": "1.5"}, "invalid_page", "page_size"),
    ],
)
def test_bad_list_parameters_are_400_with_a_code(client, catalogue, params, code, field):
    error = assert_error(client.get(LIST, params), 400, code)
    assert [d["field"] for d in error["details"]] == [field]
    assert error["details"][0]["location"] == "query"
    assert error["details"][0]["message"]


def test_error_messages_are_vietnamese(client, catalogue):
    error = assert_error(client.get(LIST, {"online_level": "xyz"}), 400, "invalid_filter")
    assert error["message"] == "Giá trị lọc không hợp lệ."
    assert error["details"][0]["type"] == "enum"
    assert error["details"][0]["message"].startswith("Phải là một trong các giá trị:")
    assert "'full'" in error["details"][0]["message"]
    error = assert_error(client.get(LIST, {"page": "9"}), 400, "invalid_page")
    assert error["message"] == "Trang 9 không tồn tại; danh sách có 1 trang."
    error = assert_error(client.get(LIST, {"page_size": "500"}), 400, "invalid_page")
    assert error["details"][0]["message"] == "Phải nhỏ hơn hoặc bằng 100."


def test_several_unknown_filters_are_all_reported(client, catalogue):
    error = assert_error(
        client.get(LIST, {"field": "X", "level": "Y", "unit": "Z"}), 400, "invalid_filter"
    )
    assert [d["field"] for d in error["details"]] == ["field", "level", "unit"]
    assert error["details"][0]["message"] == "Không có lĩnh vực mã “X”."


def test_unit_is_found_by_the_code_it_carries_that_day(client, make_procedure):
    """A unit renamed from a later day keeps answering to its present code until then."""
    from motcua.organization import services as organization

    commune = organization.create_unit(
        actor=None,
        parent=None,
        level=factories.level(),
        code="000.01.06.H56",
        name="UBND xã An Bình",
        valid_from=dt.date(2025, 7, 1),
    )
    organization.rename_unit(
        actor=None,
        unit=commune,
        effective_on=timezone_today() + dt.timedelta(days=10),
        reason="Sắp xếp đơn vị hành chính",
        code="000.09.06.H56",
    )
    make_procedure("Đăng ký khai sinh", units=[commune])
    response = client.get(LIST, {"unit": "000.01.06.H56"})
    assert [r["name"] for r in response.json()["results"]] == ["Đăng ký khai sinh"]


# -- detail ------------------------------------------------------------------------------------


def test_detail_has_every_constituent_part(client, catalogue):
    response = client.get(detail("1.001193"))
    assert response.status_code == 200
    body = response.json()
    version = catalogue["birth"]
    assert body["code"] == "1.001193"
    assert body["name"] == "Đăng ký khai sinh"
    assert body["version"] == 1
    assert body["effective_from"] == version.effective_from.isoformat()
    assert body["effective_to"] is None
    assert body["decision"] == "Quyết định số 1/QĐ-UBND"
    assert body["field"] == {"code": "G09-TP01", "name": "Hộ tịch"}
    assert body["levels"] == [{"code": "commune", "name": "Cấp xã"}]
    assert body["online_level"] == {"code": "full", "label": "Toàn trình"}
    assert [c["code"] for c in body["channels"]] == ["1", "2"]
    assert body["legal_basis"] == ["Luật Hộ tịch 2014", "Nghị định 123/2015/NĐ-CP"]
    assert body["subjects"] == "Công dân Việt Nam"
    assert body["result"] == "Giấy khai sinh"
    assert body["five_on_site"] is False and body["same_day"] is False
    for key in (
        "steps_for_applicant",
        "executing_agency",
        "competent_authority",
        "result_code",
        "conditions",
        "notes",
        "level_note",
    ):
        assert key in body
    assert body["url"] == "http://testserver/api/v1/procedures/1.001193"

    first, second = body["cases"]
    assert (first["position"], first["name"]) == (1, "Đăng ký khai sinh đúng hạn")
    assert first["process_template"] == {"code": "qt-khai-sinh", "name": "Quy trình khai sinh"}
    assert second["process_template"] is None
    assert first["processing_times"] == [
        {
            "channel": {"code": "1", "label": "Trực tiếp"},
            "quantity": 1.0,
            "unit": {"code": "working_days", "label": "ngày làm việc"},
            "text": "1 ngày làm việc",
            "note": "",
        },
        {
            "channel": {"code": "2", "label": "Trực tuyến"},
            "quantity": 1.0,
            "unit": {"code": "working_days", "label": "ngày làm việc"},
            "text": "1 ngày làm việc",
            "note": "",
        },
    ]
    assert second["processing_times"][0]["quantity"] is None
    assert second["processing_times"][0]["unit"]["code"] == "same_day"
    assert second["processing_times"][0]["text"] == "trong ngày"

    assert first["fees"] == [
        {
            "position": 1,
            "name": "Lệ phí đăng ký khai sinh đúng hạn",
            "kind": {"code": "le_phi", "label": "Lệ phí"},
            "amount": 0,
            "paid_at": {"code": "intake", "label": "Nộp khi tiếp nhận hồ sơ"},
            "exemptions": "Miễn lệ phí",
            "note": "",
        },
        {
            "position": 2,
            "name": "Phí cấp bản sao",
            "kind": {"code": "phi", "label": "Phí"},
            "amount": 8000,
            "paid_at": {"code": "return", "label": "Nộp khi nhận kết quả"},
            "exemptions": "",
            "note": "",
        },
    ]
    assert second["fees"][0]["amount"] is None

    assert [c["position"] for c in first["components"]] == [1, 2, 3]
    component = first["components"][2]
    assert component["requirement"] == {"code": "conditional", "label": "Có điều kiện"}
    assert component["condition"] == "Nếu người yêu cầu ủy quyền"
    assert (component["originals"], component["certified_copies"], component["copies"]) == (
        1,
        0,
        1,
    )
    assert component["attachments"] == [
        {
            "kind": {"code": "form", "label": "Mẫu đơn, tờ khai"},
            "title": "Mẫu 3.1",
            "url": "http://testserver/media/catalog/1.001193/mau-3-1.docx",
        }
    ]
    assert body["time_limit_text"] == "1 ngày làm việc; trong ngày; 3 ngày làm việc"


def test_detail_follows_versions_and_the_on_parameter(client, make_procedure):
    v1 = make_procedure("Đăng ký khai sinh", code="1.001193", effective_from=days_ago(400))
    draft = services.start_draft(actor=None, procedure=v1.procedure)
    services.update_draft(actor=None, version=draft, name="Đăng ký khai sinh (sửa đổi)")
    services.publish_version(actor=None, version=draft, effective_from=days_ago(10))

    today = client.get(detail("1.001193")).json()
    assert (today["version"], today["name"]) == (2, "Đăng ký khai sinh (sửa đổi)")
    assert today["effective_to"] is None

    before = client.get(detail("1.001193"), {"on": days_ago(30).isoformat()}).json()
    assert (before["version"], before["name"]) == (1, "Đăng ký khai sinh")
    assert before["effective_to"] == days_ago(11).isoformat()
    # the copied cases came along with the new version
    assert [c["name"] for c in today["cases"]] == [c["name"] for c in before["cases"]]

    listed = client.get(LIST).json()["results"]
    assert [(r["code"], r["name"]) for r in listed] == [("1.001193", "Đăng ký khai sinh (sửa đổi)")]


def test_unknown_procedure_is_404(client, catalogue):
    error = assert_error(client.get(detail("9.999999")), 404, "procedure_not_found")
    assert error["message"] == "Không tìm thấy thủ tục mã “9.999999”."
    assert_error(client.get(detail("khong-phai-ma")), 404, "procedure_not_found")


def test_a_draft_is_invisible(client, catalogue):
    assert_error(client.get(detail("1.000656")), 404, "procedure_not_found")


def test_not_in_force_that_day_is_its_own_404(client, catalogue):
    assert_error(client.get(detail("1.004837")), 404, "procedure_not_in_force")
    future = (timezone_today() + dt.timedelta(days=31)).isoformat()
    assert client.get(detail("1.004837"), {"on": future}).status_code == 200
    error = assert_error(
        client.get(detail("1.001193"), {"on": "2001-01-01"}), 404, "procedure_not_in_force"
    )
    assert "01/01/2001" in error["message"]


@pytest.mark.parametrize("bad", ["yesterday", "2025-13-01", "2025-02-30", "01/07/2025"])
def test_bad_date_is_400(client, catalogue, bad):
    error = assert_error(client.get(detail("1.001193"), {"on": bad}), 400, "invalid_date")
    assert error["details"][0]["field"] == "on"
    assert error["details"][0]["message"] == (
        "Phải là một ngày có dạng YYYY-MM-DD, ví dụ 2025-07-01."
    )


def test_english_is_available_for_messages(client, catalogue):
    """Messages follow the active language; codes never change."""
    from django.utils import translation

    with translation.override("en"):
        error = assert_error(client.get(detail("9.999999")), 404, "procedure_not_found")
    assert error["message"]


# -- query counts ------------------------------------------------------------------------------


def _many(make_procedure, n: int = 6, units=()) -> None:
    for i in range(n):
        make_procedure(
            f"Thủ tục số {i}",
            units=units,
            level_codes=("commune", "province"),
            offers_online=True,
            online_level="partial",
            cases=[
                {"components": 3, "fees": [{"name": "Lệ phí", "amount": 10000}]},
                {"components": 2, "fees": [{"name": "Phí", "amount": 5000}]},
                {"components": 1},
            ],
        )


def test_list_query_count_does_not_grow_with_rows(
    client, make_procedure, django_assert_max_num_queries
):
    _many(make_procedure)
    # count, the page's keys, its rows, levels, cases, processing times
    with django_assert_max_num_queries(6):
        body = client.get(LIST).json()
    assert body["count"] == 6
    assert all(len(r["levels"]) == 2 for r in body["results"])
    assert all(r["time_limit_text"] == "3 ngày làm việc" for r in body["results"])


def test_filtered_list_query_count(client, make_procedure, django_assert_max_num_queries):
    unit = factories.unit("UBND xã", code="000.01.06.H56")
    _many(make_procedure, units=[unit])
    # the same six + one look-up for each of field, level and unit (two for a unit: its
    # identity history, then its current code)
    with django_assert_max_num_queries(10):
        response = client.get(
            LIST,
            {
                "q": "thu tuc",
                "field": "G09-TP01",
                "level": "commune",
                "unit": unit.code,
                "online_level": "partial",
            },
        )
    assert response.json()["count"] == 6


def test_detail_query_count_does_not_grow_with_parts(
    client, make_procedure, django_assert_max_num_queries
):
    _many(make_procedure, n=1)
    code = client.get(LIST).json()["results"][0]["code"]
    # the version's id, the version (+procedure, field), levels, cases (+template),
    # processing times, fees, components, attachments
    with django_assert_max_num_queries(8):
        body = client.get(detail(code)).json()
    assert [len(c["components"]) for c in body["cases"]] == [3, 2, 1]
    assert sum(len(c["attachments"]) for case in body["cases"] for c in case["components"]) == 6
