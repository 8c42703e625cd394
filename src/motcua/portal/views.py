"""Public catalogue pages for citizens and the kiosk. Thin: reads go through
``catalog.selectors``; the query string is read by ``portal.search``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from motcua.catalog import selectors
from motcua.catalog.models import ProcedureVersion
from motcua.dossiers.selectors import parse_dossier_code

from . import display
from .search import PAGE_SIZE, PARAM_DAY, PARAM_PAGE, PARAM_QUERY, exact_code, parse_day
from .search import parse_search as parse_search_params


def _names(kiosk: bool) -> dict[str, str]:
    prefix = "portal:kiosk_" if kiosk else "portal:"
    return {
        "home": f"{prefix}home",
        "list": f"{prefix}procedure_list",
        "detail": f"{prefix}procedure_detail",
    }


def _online_levels() -> list[tuple[str, str]]:
    return [(str(level), str(label)) for level, label in display.ONLINE_BADGES.items()]


def _template(kiosk: bool, name: str) -> str:
    return f"portal/kiosk/{name}" if kiosk else f"portal/{name}"


def home(request: HttpRequest, kiosk: bool = False) -> HttpResponse:
    """The catalogue's front page: the search box, the filters, the fields to browse."""
    options = selectors.catalog_options()
    context = {
        "options": options,
        "search": parse_search_params({}, options),
        "names": _names(kiosk),
        "online_levels": _online_levels(),
    }
    return render(request, _template(kiosk, "home.html"), context)


def procedure_list(request: HttpRequest, kiosk: bool = False) -> HttpResponse:
    """Search results; a query that is exactly a procedure code in force (typed, or scanned
    from a barcode or QR code) opens that procedure straight away."""
    today = timezone.localdate()
    names = _names(kiosk)
    query = request.GET.get(PARAM_QUERY, "")
    code = exact_code(query)
    if code is not None and selectors.code_in_force(code, today):
        return redirect(names["detail"], code=code)
    # A dossier code scanned from a receipt into the catalogue search: the citizen wants the
    # dossier's status, not procedures.
    dossier_code = parse_dossier_code(query)
    if dossier_code is not None:
        target = "portal:kiosk_lookup_detail" if kiosk else "portal:lookup_detail"
        return redirect(target, code=dossier_code)
    options = selectors.catalog_options(today)
    search = parse_search_params(request.GET, options)
    versions = selectors.with_first_case_times(selectors.search_catalog(search.filters, today))
    page = Paginator(versions, PAGE_SIZE).get_page(request.GET.get(PARAM_PAGE))
    context = {
        "options": options,
        "search": search,
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2),
        "names": names,
        "online_levels": _online_levels(),
        "nav_current": "catalog",
    }
    return render(request, _template(kiosk, "list.html"), context)


def _not_found(request: HttpRequest, kiosk: bool, code: str, day: dt.date | None) -> HttpResponse:
    procedure = selectors.procedure_by_code(code) if len(code) <= 20 else None
    context = {
        "code": code,
        "day": day,
        "procedure_exists": procedure is not None,
        "names": _names(kiosk),
    }
    return render(request, _template(kiosk, "not_found.html"), context, status=404)


def _detail_context(version: ProcedureVersion, day: dt.date, today: dt.date) -> dict[str, Any]:
    assert version.effective_from is not None
    history = list(selectors.published_versions(version.procedure_id))
    later = [item for item in history if item.effective_from and item.effective_from > day]
    return {
        "version": version,
        "cases": list(version.cases.all()),
        "history": history,
        "next_version": min(later, key=lambda item: item.effective_from or dt.date.max)
        if later
        else None,
        "nav_current": "catalog",
        "units": list(selectors.units_applying(version.procedure_id, day)),
        "day": day,
        "today": today,
        "is_current": version.effective_from <= today
        and (version.effective_to is None or version.effective_to >= today),
    }


def procedure_detail(
    request: HttpRequest, code: str, kiosk: bool = False, printable: bool = False
) -> HttpResponse:
    """Every constituent part of the version in force today, or on ``?ngay=`` (for old
    dossiers); a bad date is reported and today's version shown."""
    today = timezone.localdate()
    asked, date_error = parse_day(request.GET.get(PARAM_DAY))
    day = asked or today
    version = selectors.version_in_force(code, day) if len(code) <= 20 else None
    if version is None:
        return _not_found(request, kiosk, code, asked)
    context = _detail_context(version, day, today)
    context.update(
        {
            "asked_day": asked,
            "date_error": date_error,
            "names": _names(kiosk),
            "printed_on": today,
            "detail_url": request.build_absolute_uri(
                reverse("portal:procedure_detail", kwargs={"code": version.procedure.code})
            ),
        }
    )
    if printable:
        return render(request, "portal/print.html", context)
    return render(request, _template(kiosk, "detail.html"), context)


def procedure_print(request: HttpRequest, code: str) -> HttpResponse:
    """The detail page laid out for an A4 sheet, with the date it was printed."""
    return procedure_detail(request, code, printable=True)


def kiosk_reset(request: HttpRequest) -> HttpResponse:
    """Where an idle kiosk returns: its front page, in Vietnamese again (the next citizen
    should not find the screen in the language the previous one chose)."""
    response = redirect("portal:kiosk_home")
    response.delete_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
    )
    return response


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A Vietnamese 404 page in the portal's layout, usable as the site's ``handler404``."""
    context = {"code": "", "day": None, "procedure_exists": False, "names": _names(False)}
    return render(request, "portal/not_found.html", context, status=404)
