"""The API shell: the OpenAPI document, the docs page, and the one error format for every kind
of failure (including those no catalogue endpoint produces yet: bodies, auth, conflicts)."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from ninja import NinjaAPI, Router, Schema
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer
from ninja.testing import TestClient
from pydantic import Field

from motcua.api.errors import ApiError, install_error_handlers

pytestmark = pytest.mark.django_db


# -- OpenAPI -----------------------------------------------------------------------------------


def test_openapi_document_describes_the_catalogue_and_the_error_format(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["info"]["title"] == "motcua API"
    assert doc["info"]["version"] == "1"
    assert "Danh mục thủ tục hành chính" in doc["info"]["description"]
    assert "procedure catalogue" in doc["info"]["description"]

    paths = doc["paths"]
    listing = paths["/api/v1/procedures"]["get"]
    detail = paths["/api/v1/procedures/{code}"]["get"]
    params = {p["name"] for p in listing["parameters"]}
    assert params == {"q", "field", "level", "unit", "online_level", "page", "page_size"}
    assert {p["name"] for p in detail["parameters"]} == {"code", "on"}

    def ref(operation, status):
        return operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]

    assert ref(listing, "200") == "#/components/schemas/ProcedurePage"
    assert ref(listing, "400") == "#/components/schemas/ErrorResponse"
    assert ref(detail, "200") == "#/components/schemas/ProcedureDetail"
    assert ref(detail, "404") == "#/components/schemas/ErrorResponse"
    assert ref(detail, "400") == "#/components/schemas/ErrorResponse"

    schemas = doc["components"]["schemas"]
    assert schemas["ErrorResponse"]["required"] == ["error"]
    assert set(schemas["ErrorBody"]["properties"]) == {"code", "message", "details"}
    assert set(schemas["ErrorDetail"]["properties"]) == {"location", "field", "type", "message"}
    assert schemas["OnlineLevel"]["enum"] == ["full", "partial", "none"]
    # the detail schema reaches down to attachments
    for name in ("CaseOut", "ProcessingTimeOut", "FeeOut", "ComponentOut", "AttachmentOut"):
        assert name in schemas
    assert "processing_times" in schemas["CaseOut"]["properties"]


def test_docs_page_is_served(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content


def test_catalogue_needs_no_token(client):
    doc = client.get("/api/v1/openapi.json").json()
    for operation in (
        doc["paths"]["/api/v1/procedures"]["get"],
        doc["paths"]["/api/v1/procedures/{code}"]["get"],
    ):
        assert "security" not in operation


# -- the error format for everything else ------------------------------------------------------


class Applicant(Schema):
    name: str = Field(..., min_length=1)
    identity_number: str = Field(..., pattern=r"^\d{12}$")
    copies: int = Field(1, ge=1)


class Token(HttpBearer):
    def authenticate(self, request, token):
        return token if token == "good" else None


@pytest.fixture
def shell() -> TestClient:
    """A throwaway API with the motcua error handlers and endpoints that fail in every way a
    later endpoint can (a body, a token, a service's ValidationError, a conflict, a bug)."""
    api = NinjaAPI(urls_namespace="error-shell")
    install_error_handlers(api)
    router = Router()

    @router.post("/dossiers")
    def receive(request, applicant: Applicant):
        return {"ok": True}

    @router.get("/private", auth=Token())
    def private(request):
        return {"ok": True}

    @router.get("/forbidden")
    def forbidden(request):
        raise PermissionDenied("Bạn không có quyền tiếp nhận hồ sơ.")

    @router.get("/service-error")
    def service_error(request):
        raise ValidationError(
            {"identity_number": ValidationError("Số định danh sai.", code="bad_identity")}
        )

    @router.get("/service-errors")
    def service_errors(request):
        raise ValidationError(["Thiếu tờ khai.", "Thiếu giấy chứng sinh."], code="incomplete")

    @router.post("/conflict")
    def conflict(request):
        raise ApiError(
            409,
            "transition_not_allowed",
            "Hồ sơ đang ở trạng thái “Đã trả kết quả”.",
            [{"type": "current_status", "field": "status", "message": "10"}],
        )

    @router.get("/bug")
    def bug(request):
        raise RuntimeError("boom")

    @router.get("/unauthenticated")
    def unauthenticated(request):
        raise AuthenticationError()

    api.add_router("", router)
    return TestClient(api)


def error_of(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert isinstance(body["error"]["details"], list)
    return body["error"]


def test_invalid_body_is_422_with_every_field(shell):
    error = error_of(
        shell.post("/dossiers", json={"name": "", "identity_number": "12"}),
        422,
        "validation_error",
    )
    assert error["message"] == "Dữ liệu gửi lên không hợp lệ."
    by_field = {d["field"]: d for d in error["details"]}
    assert set(by_field) == {"applicant.name", "applicant.identity_number"}
    assert all(d["location"] == "body" for d in error["details"])
    assert by_field["applicant.name"]["message"] == "Phải có ít nhất 1 ký tự."
    assert by_field["applicant.name"]["type"] == "string_too_short"


def test_missing_body_field_is_422(shell):
    error = error_of(shell.post("/dossiers", json={}), 422, "validation_error")
    assert {d["type"] for d in error["details"]} == {"missing"}
    assert error["details"][0]["message"] == "Thiếu giá trị bắt buộc."


def test_malformed_json_is_400(shell):
    response = shell.post("/dossiers", data=b"{not json", content_type="application/json")
    error = error_of(response, 400, "malformed_request")
    assert error["message"] == "Không đọc được nội dung yêu cầu (JSON không hợp lệ)."


def test_missing_or_bad_token_is_401(shell):
    error_of(shell.get("/private"), 401, "not_authenticated")
    error_of(
        shell.get("/private", headers={"Authorization": "Bearer bad"}), 401, "not_authenticated"
    )
    assert shell.get("/private", headers={"Authorization": "Bearer good"}).status_code == 200
    error_of(shell.get("/unauthenticated"), 401, "not_authenticated")


def test_permission_denied_is_403_with_its_message(shell):
    error = error_of(shell.get("/forbidden"), 403, "permission_denied")
    assert error["message"] == "Bạn không có quyền tiếp nhận hồ sơ."


def test_a_services_validation_error_is_422_with_its_code(shell):
    error = error_of(shell.get("/service-error"), 422, "bad_identity")
    assert error["message"] == "Số định danh sai."
    assert error["details"] == [
        {
            "location": "body",
            "field": "identity_number",
            "type": "bad_identity",
            "message": "Số định danh sai.",
        }
    ]
    # Django drops the code of a ValidationError built from a list of strings
    error = error_of(shell.get("/service-errors"), 422, "validation_error")
    assert error["message"] == "Dữ liệu gửi lên không hợp lệ."
    assert [d["message"] for d in error["details"]] == ["Thiếu tờ khai.", "Thiếu giấy chứng sinh."]


def test_conflict_keeps_its_code_and_details(shell):
    error = error_of(shell.post("/conflict"), 409, "transition_not_allowed")
    assert error["details"] == [
        {"location": None, "field": "status", "type": "current_status", "message": "10"}
    ]


def test_a_bug_is_a_500_in_the_error_format_and_is_reported(shell, caplog):
    from django.core.signals import got_request_exception

    seen = []

    def listener(sender, request, **kwargs):
        seen.append(request.path)

    got_request_exception.connect(listener)
    try:
        error = error_of(shell.get("/bug"), 500, "server_error")
    finally:
        got_request_exception.disconnect(listener)
    assert "lỗi" in error["message"]
    assert seen == ["/bug"]
    assert any("Unhandled error" in r.getMessage() for r in caplog.records)


def test_error_body_is_plain_json(client, db):
    response = client.get("/api/v1/procedures/9.999999")
    assert json.loads(response.content.decode()) == response.json()


def test_a_method_an_endpoint_lacks_is_405_in_the_error_format(client, db):
    response = client.post("/api/v1/procedures", {})
    error = error_of(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"
    assert "POST" in error["message"]
    assert client.delete("/api/v1/procedures/1.001193").status_code == 405


def test_the_api_root_points_to_the_document_and_the_docs(client, db):
    assert client.get("/api/v1/").json() == {
        "title": "motcua API",
        "version": "1",
        "openapi": "http://testserver/api/v1/openapi.json",
        "docs": "http://testserver/api/v1/docs",
    }


def test_unknown_paths_answer_in_the_error_format(client, db):
    for path in ("/api/v1/thu-tuc", "/api/v1/procedures/", "/api/v1/procedures/1.001193/cases"):
        error_of(client.get(path), 404, "not_found")
