"""The one error format of the whole API, and the exception handlers that produce it.

Every answer that is not a success has this body, whatever raised it (a handler, ninja's own
parameter validation, authentication, a Django ``Http404`` or ``ValidationError``)::

    {"error": {"code": "invalid_filter",
               "message": "Giá trị lọc không hợp lệ.",
               "details": [{"location": "query", "field": "online_level",
                            "type": "enum", "message": "…"}]}}

``code`` is stable and machine-readable (clients branch on it); ``message`` is for people, in
the request's language (Vietnamese by default); ``details`` lists the individual problems, each
naming where it was (``query``, ``path``, ``header``, ``body``) and which parameter or field.

Statuses:

- 400 — a query-string, path or header parameter is malformed or names something unknown
  (``invalid_filter``, ``invalid_page``, ``invalid_date``, ``invalid_parameter``);
- 401 / 403 — ``not_authenticated`` / ``permission_denied`` (staff endpoints, later);
- 404 — ``not_found`` or a resource-specific code such as ``procedure_not_found``;
- 409 — the state does not allow the action (dossier actions, later): raise :class:`ApiError`
  with status 409 and put the current state in ``details``;
- 422 — a request body fails validation (``validation_error``, or the ``code`` of a Django
  ``ValidationError`` raised by a service);
- 429 — ``throttled``; 500 — ``server_error`` (logged and reported to Django's
  ``got_request_exception`` listeners).

Handlers raise :class:`ApiError` (or a subclass) for anything a client must see; they never
build error responses by hand.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core import signals
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import Field

logger = logging.getLogger("motcua.api")


class ErrorDetail(Schema):
    """One problem of a request."""

    location: str | None = Field(
        None, description="Where: `query`, `path`, `header`, `body` (none: the whole request)."
    )
    field: str | None = Field(None, description="The parameter or body field concerned.")
    type: str = Field(..., description="Machine-readable kind of problem (e.g. `int_parsing`).")
    message: str = Field(..., description="Human-readable explanation (Vietnamese by default).")


class ErrorBody(Schema):
    code: str = Field(..., description="Stable machine-readable error code.")
    message: str = Field(..., description="Human-readable message (Vietnamese by default).")
    details: list[ErrorDetail] = Field(default_factory=list)


class ErrorResponse(Schema):
    """The body of every error answer of the API."""

    error: ErrorBody


class ApiError(Exception):
    """An error a client must see, in the API's error format.

    ``details``: dicts with the keys of :class:`ErrorDetail` (``type`` and ``message``
    required)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(code, message)
        self.status = status
        self.code = code
        self.message = message
        self.details = [
            {
                "location": d.get("location"),
                "field": d.get("field"),
                "type": d["type"],
                "message": d["message"],
            }
            for d in details or []
        ]


def error_body(code: str, message: str, details: list[dict[str, Any]] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or []}}


def error_responses(*statuses: int) -> dict[int, type[ErrorResponse]]:
    """For an operation's ``response=``: ``{200: Out, **error_responses(400, 404)}`` puts the
    error body in the OpenAPI document for every error status the operation answers with."""
    return dict.fromkeys(statuses, ErrorResponse)


# ---------------------------------------------------------------------------------------------
# Parameter validation (ninja's ValidationError) → 400 or 422

# Codes of malformed query-string parameters, by parameter name: these names mean the same in
# every endpoint of the API. Any other query parameter is a filter.
QUERY_PARAMETER_CODES = {
    "page": "invalid_page",
    "page_size": "invalid_page",
    "on": "invalid_date",
}


def _problem_message(error: dict[str, Any]) -> str:
    """A Vietnamese explanation of one pydantic error (pydantic's own are English)."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("Thiếu giá trị bắt buộc.")
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return _("Phải là một số nguyên.")
    if kind in {"float_parsing", "float_type", "decimal_parsing"}:
        return _("Phải là một số.")
    if kind in {"greater_than_equal", "greater_than"}:
        limit = ctx.get("ge", ctx.get("gt"))
        return _("Phải lớn hơn hoặc bằng %(limit)s.") % {"limit": limit}
    if kind in {"less_than_equal", "less_than"}:
        limit = ctx.get("le", ctx.get("lt"))
        return _("Phải nhỏ hơn hoặc bằng %(limit)s.") % {"limit": limit}
    if kind in {"enum", "literal_error"}:
        return _("Phải là một trong các giá trị: %(values)s.") % {
            "values": str(ctx.get("expected", "")).replace(" or ", ", ")
        }
    if kind.startswith("date") or kind.startswith("datetime"):
        return _("Phải là một ngày có dạng YYYY-MM-DD, ví dụ 2025-07-01.")
    if kind == "string_too_long":
        return _("Dài quá %(max)s ký tự.") % {"max": ctx.get("max_length")}
    if kind == "string_too_short":
        return _("Phải có ít nhất %(min)s ký tự.") % {"min": ctx.get("min_length")}
    if kind in {"bool_parsing", "bool_type"}:
        return _("Phải là true hoặc false.")
    if kind in {"json_invalid", "model_attributes_type", "dict_type"}:
        return _("Nội dung gửi lên không phải JSON hợp lệ.")
    return _("Giá trị không hợp lệ.")


def _detail(error: dict[str, Any]) -> dict[str, Any]:
    loc = [str(part) for part in error.get("loc", ())]
    location = loc[0] if loc else None
    field = ".".join(loc[1:]) or None
    return {
        "location": location,
        "field": field,
        "type": error.get("type", "invalid"),
        "message": _problem_message(error),
    }


def validation_error_response(exc: NinjaValidationError) -> tuple[int, dict]:
    """Status and body for ninja's parameter validation errors: anything wrong in the body is
    422 ``validation_error``; otherwise 400 with the code of the (first) bad parameter."""
    details = [_detail(error) for error in exc.errors]
    if any(d["location"] in {"body", "form", "file"} for d in details):
        return 422, error_body("validation_error", _("Dữ liệu gửi lên không hợp lệ."), details)
    first = details[0] if details else {"location": None, "field": None}
    if first["location"] == "query":
        top = (first["field"] or "").split(".")[0]
        code = QUERY_PARAMETER_CODES.get(top, "invalid_filter")
    else:
        code = "invalid_parameter"
    messages = {
        "invalid_page": _("Tham số phân trang không hợp lệ."),
        "invalid_date": _("Ngày không hợp lệ."),
        "invalid_filter": _("Giá trị lọc không hợp lệ."),
        "invalid_parameter": _("Tham số không hợp lệ."),
    }
    return 400, error_body(code, messages[code], details)


# ---------------------------------------------------------------------------------------------
# Installing the handlers


def _django_validation_details(exc: DjangoValidationError) -> list[dict[str, Any]]:
    details = []
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                message = error.message % error.params if error.params else error.message
                details.append(
                    {
                        "location": "body",
                        "field": None if field == "__all__" else field,
                        "type": error.code or "invalid",
                        "message": str(message),
                    }
                )
    else:
        for error in exc.error_list:
            message = error.message % error.params if error.params else error.message
            details.append(
                {
                    "location": None,
                    "field": None,
                    "type": error.code or getattr(exc, "code", None) or "invalid",
                    "message": str(message),
                }
            )
    return details


def install_error_handlers(api: NinjaAPI) -> None:
    """Make every error ``api`` answers follow the format above."""

    def respond(request: HttpRequest, status: int, body: dict) -> HttpResponse:
        return api.create_response(request, body, status=status)

    def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return respond(request, exc.status, error_body(exc.code, exc.message, exc.details))

    def on_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return respond(request, *validation_error_response(exc))

    def on_django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        details = _django_validation_details(exc)
        codes = {d["type"] for d in details}
        code = codes.pop() if len(codes) == 1 and "invalid" not in codes else "validation_error"
        message = details[0]["message"] if len(details) == 1 else _("Dữ liệu gửi lên không hợp lệ.")
        return respond(request, 422, error_body(code, message, details))

    def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 404, error_body("not_found", _("Không tìm thấy.")))

    def on_authentication(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(
            request,
            401,
            error_body("not_authenticated", _("Cần đăng nhập (mã truy cập).")),
        )

    def on_forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
        message = str(exc) if isinstance(exc, PermissionDenied) and str(exc) else ""
        return respond(
            request,
            403,
            error_body("permission_denied", message or _("Bạn không có quyền thực hiện việc này.")),
        )

    def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        response = respond(
            request, 429, error_body("throttled", _("Quá nhiều yêu cầu; hãy thử lại sau."))
        )
        if exc.wait:
            response["Retry-After"] = str(int(exc.wait))
        return response

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # ninja raises HttpError itself for a few things (e.g. a malformed JSON body is 400).
        code = {400: "malformed_request", 404: "not_found"}.get(
            exc.status_code, f"http_{exc.status_code}"
        )
        message = (
            _("Không đọc được nội dung yêu cầu (JSON không hợp lệ).")
            if exc.status_code == 400
            else _("Yêu cầu không hợp lệ.")
        )
        return respond(request, exc.status_code, error_body(code, message))

    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("Unhandled error in %s %s", request.method, request.path)
        # Error reporting (mail to admins, Sentry…) listens to this signal; the test client
        # re-raises the exception from it, so a bug fails its test loudly.
        signals.got_request_exception.send(sender=None, request=request)
        return respond(
            request,
            500,
            error_body("server_error", _("Đã có lỗi của hệ thống; xin hãy thử lại sau.")),
        )

    # Most specific first is not needed: ninja looks each exception's classes up in MRO order.
    handlers: list[tuple[type[Exception], Callable[[HttpRequest, Any], HttpResponse]]] = [
        (ApiError, on_api_error),
        (NinjaValidationError, on_validation),
        (DjangoValidationError, on_django_validation),
        (Http404, on_not_found),
        (ObjectDoesNotExist, on_not_found),
        (AuthenticationError, on_authentication),
        (AuthorizationError, on_forbidden),
        (PermissionDenied, on_forbidden),
        (Throttled, on_throttled),
        (HttpError, on_http_error),
        (Exception, on_unexpected),
    ]
    for exception_class, handler in handlers:
        api.add_exception_handler(exception_class, handler)
