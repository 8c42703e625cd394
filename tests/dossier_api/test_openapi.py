"""The OpenAPI document describes every dossier endpoint: bodies, answers, errors, security."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

STAFF = {
    ("/api/v1/dossiers", "post"): ({"201", "200", "400", "401", "403", "409", "422"}, "DossierIn"),
    ("/api/v1/dossiers/{code}", "get"): ({"200", "400", "401", "404"}, None),
    ("/api/v1/dossiers/{code}/actions/accept", "post"): (
        {"200", "400", "401", "403", "404", "409", "422"},
        "NoteIn",
    ),
    ("/api/v1/dossiers/{code}/actions/request_supplement", "post"): (
        {"200", "400", "401", "403", "404", "409", "422"},
        "SupplementIn",
    ),
    ("/api/v1/dossiers/{code}/actions/refuse", "post"): (
        {"200", "400", "401", "403", "404", "409", "422"},
        "ReasonIn",
    ),
    ("/api/v1/dossiers/{code}/actions/resubmit", "post"): (
        {"200", "400", "401", "403", "404", "409", "422"},
        "ResubmitIn",
    ),
    ("/api/v1/dossiers/{code}/actions/withdraw", "post"): (
        {"200", "400", "401", "403", "404", "409", "422"},
        "ReasonIn",
    ),
}


@pytest.fixture
def doc(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def schema_ref(operation, status):
    return operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]


def body_ref(operation) -> str:
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    if "anyOf" in schema:
        schema = next(s for s in schema["anyOf"] if "$ref" in s)
    return schema["$ref"].rsplit("/", 1)[1]


@pytest.mark.parametrize(("path", "method"), list(STAFF))
def test_staff_operations(doc, path, method):
    statuses, body = STAFF[(path, method)]
    operation = doc["paths"][path][method]
    assert set(operation["responses"]) == statuses
    for status in statuses:
        expected = "DossierDetail" if status in {"200", "201"} else "DossierErrorResponse"
        assert schema_ref(operation, status) == f"#/components/schemas/{expected}"
    assert operation["security"] == [{"StaffToken": []}]
    assert operation["summary"] and operation["description"]
    if body is not None:
        assert body_ref(operation) == body
    if method == "post":
        header = next(p for p in operation["parameters"] if p["in"] == "header")
        assert header["name"] == "Idempotency-Key"
        assert header["required"] is False


def test_the_upload(doc):
    operation = doc["paths"]["/api/v1/documents"]["post"]
    assert set(operation["responses"]) == {"201", "200", "400", "401", "403", "413", "415", "422"}
    assert schema_ref(operation, "201") == "#/components/schemas/DocumentStored"
    form = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["required"] == ["file"]
    assert operation["security"] == [{"StaffToken": []}]


def test_the_public_lookup_needs_no_token(doc):
    operation = doc["paths"]["/api/v1/public/dossiers/{code}"]["get"]
    assert "security" not in operation
    assert set(operation["responses"]) == {"200", "400", "404", "429"}
    assert schema_ref(operation, "200") == "#/components/schemas/PublicDossierOut"
    assert schema_ref(operation, "429") == "#/components/schemas/ErrorResponse"


def test_the_schemas(doc):
    schemas = doc["components"]["schemas"]
    assert doc["components"]["securitySchemes"]["StaffToken"] == {
        "type": "http",
        "scheme": "bearer",
    }
    intake = schemas["DossierIn"]
    assert set(intake["required"]) == {"center", "procedure", "channel", "applicant"}
    for name in ("outcome", "components", "submitted_at", "postal_stamp_date", "locality"):
        assert name in intake["properties"]
    detail = schemas["DossierDetail"]["properties"]
    for name in ("parties", "components", "appointment", "transfers", "events", "allowed_actions"):
        assert name in detail
    assert "hash" in schemas["EventOut"]["properties"]
    extra = schemas["DossierErrorDetail"]["properties"]
    assert {"component", "current_status", "current_status_label"} <= set(extra)
    public = schemas["PublicDossierOut"]["properties"]
    assert "owner_name_masked" in public and "timeline" in public
    assert "parties" not in public and "events" not in public
    assert schemas["PartyKind"]["enum"] == ["person", "organization"]


def test_the_unknown_action_route_is_not_documented(doc):
    assert "/api/v1/dossiers/{code}/actions/{action}" not in doc["paths"]
