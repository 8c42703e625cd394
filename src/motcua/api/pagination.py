"""Page-number pagination shared by every list endpoint.

A list answers ``{"count", "page", "page_size", "results"}``. ``page`` starts at 1;
``page_size`` is at most :data:`MAX_PAGE_SIZE`. A page past the last one is a 400
``invalid_page`` (not an empty list), so a client that lost its place hears about it; an empty
list has exactly one (empty) page.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field

from .errors import ApiError

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

T = TypeVar("T")


class PageParams(Schema):
    page: int = Field(1, ge=1, description="Page number, from 1.")
    page_size: int = Field(
        DEFAULT_PAGE_SIZE,
        ge=1,
        le=MAX_PAGE_SIZE,
        description=f"Items per page (1–{MAX_PAGE_SIZE}).",
    )


class Page(Schema, Generic[T]):
    count: int = Field(..., description="Number of items over all pages.")
    page: int
    page_size: int
    results: list[T]


def paginate(queryset: QuerySet[Any], *, page: int, page_size: int) -> dict[str, Any]:
    """One page of ``queryset``, keys first: the count and the page's primary keys are read
    through ``values("pk")`` (narrow rows, so a ``DISTINCT`` or a sort over thousands of
    matches never drags every column along), then only that page's rows are loaded, with the
    queryset's ``prefetch_related``. Three queries plus the prefetches; one when empty."""
    count = queryset.values("pk").count()
    last = max(1, -(-count // page_size))
    if page > last:
        raise ApiError(
            400,
            "invalid_page",
            _("Trang %(page)s không tồn tại; danh sách có %(last)s trang.")
            % {"page": page, "last": last},
            [
                {
                    "location": "query",
                    "field": "page",
                    "type": "out_of_range",
                    "message": _("Trang cuối là %(last)s.") % {"last": last},
                }
            ],
        )
    start = (page - 1) * page_size
    results: list[Any] = []
    if count:
        keys = list(queryset.values_list("pk", flat=True)[start : start + page_size])
        rows = {row.pk: row for row in queryset.filter(pk__in=keys).order_by()}
        results = [rows[key] for key in keys]
    return {"count": count, "page": page, "page_size": page_size, "results": results}
