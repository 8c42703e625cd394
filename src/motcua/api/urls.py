"""URLs under ``/api/v1/``: an index, the API, then a JSON 404 for any other path below it.

ninja answers a method an endpoint lacks with a plain-text 405; :func:`json_405` turns it into
the API's error format (``method_not_allowed``) and keeps the ``Allow`` header.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, path, re_path
from django.utils.translation import gettext as _

from .errors import error_body
from .v1 import api


def root(request: HttpRequest) -> JsonResponse:
    """``/api/v1/``: where the document and the docs are (ninja's own root is an HTML 404)."""
    return JsonResponse(
        {
            "title": api.title,
            "version": api.version,
            "openapi": request.build_absolute_uri("openapi.json"),
            "docs": request.build_absolute_uri("docs"),
        }
    )


def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    return JsonResponse(error_body("not_found", _("Không tìm thấy.")), status=404)


def _as_json_405(response: HttpResponse, method: str | None) -> HttpResponse:
    if response.status_code != 405 or response.get("Content-Type", "").startswith(
        "application/json"
    ):
        return response
    allowed = response.get("Allow", "")
    answer = JsonResponse(
        error_body(
            "method_not_allowed",
            _("Phương thức %(method)s không dùng được ở địa chỉ này; dùng: %(allowed)s.")
            % {"method": method, "allowed": allowed},
        ),
        status=405,
    )
    answer["Allow"] = allowed
    return answer


def json_405(view: Callable[..., Any]) -> Callable[..., Any]:
    if iscoroutinefunction(view):

        @functools.wraps(view)
        async def async_wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            return _as_json_405(await view(request, *args, **kwargs), request.method)

        return async_wrapped

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        return _as_json_405(view(request, *args, **kwargs), request.method)

    return wrapped


def _api_urls() -> tuple[list[Any], str, str]:
    patterns, app_name, namespace = api.urls
    wrapped = [
        URLPattern(p.pattern, json_405(p.callback), p.default_args, p.name)
        if isinstance(p, URLPattern)
        else p
        for p in patterns
    ]
    return wrapped, app_name, namespace


urlpatterns = [
    # Before the API's own root (still there: ninja reverses it to build the document).
    path("", root, name="api-v1-root"),
    path("", _api_urls()),
    re_path(r"^(?P<rest>.*)$", not_found),
]
