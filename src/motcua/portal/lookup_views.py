"""Public dossier lookup on the web and on the kiosk (tra cứu hồ sơ).

- ``/tra-cuu/``: the form; ``?ma=CODE`` goes to the dossier's page, a text that cannot be a
  code is answered on the form itself (400).
- ``/tra-cuu/<code>/``: the dossier as the public may see it (status in words, procedure,
  center, appointment, the steps; of the people only the owner's masked name), print-friendly.
  The QR code on the receipt opens this page. 400 for a malformed code, 404 for a well-formed
  code no dossier has, 429 when the client looked up too much (``core.ratelimit``, scope
  ``lookup``, shared with the API).
- ``/kiosk/tra-cuu/`` and ``/kiosk/tra-cuu/<code>/``: the same in the kiosk's big type; a
  barcode scanner types the code and Enter into the box, which keeps the focus.

Reads go through ``dossiers.selectors``; this module only reads the input and picks a page.
"""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from motcua.core import ratelimit
from motcua.core.calendar import format_moment
from motcua.dossiers import selectors

PARAM_CODE = "ma"
MAX_INPUT = 300
# A scanned QR code types the receipt's whole lookup URL; the code is its last part.
_LOOKUP_URL = re.compile(r"/tra-cuu/([^/?#\s]+)/?(?:[?#].*)?$")


def code_from_input(text: str) -> str:
    """What a person typed or a scanner sent: a code, or the lookup URL of a QR code."""
    text = (text or "").strip()[:MAX_INPUT]
    match = _LOOKUP_URL.search(text)
    return match.group(1) if match else text


def _names(kiosk: bool) -> dict[str, str]:
    prefix = "portal:kiosk_" if kiosk else "portal:"
    return {"form": f"{prefix}lookup", "detail": f"{prefix}lookup_detail"}


def _template(kiosk: bool, name: str) -> str:
    return f"portal/kiosk/{name}" if kiosk else f"portal/{name}"


def _form(
    request: HttpRequest, kiosk: bool, *, value: str = "", problem: str = "", status: int = 200
) -> HttpResponse:
    context: dict[str, Any] = {
        "value": value,
        "problem": problem,
        "names": _names(kiosk),
        "param": PARAM_CODE,
        "example": "000.00.31.H21-260302-0001",
        "nav_current": "lookup",
    }
    return render(request, _template(kiosk, "lookup.html"), context, status=status)


def lookup(request: HttpRequest, kiosk: bool = False) -> HttpResponse:
    """The form; with ``?ma=``, the dossier's page (or the form saying what is wrong)."""
    if PARAM_CODE not in request.GET:
        return _form(request, kiosk)
    typed = request.GET.get(PARAM_CODE, "")
    text = code_from_input(typed)
    if not text:
        return _form(request, kiosk, problem="empty", status=400)
    code = selectors.parse_dossier_code(text)
    if code is None:
        return _form(request, kiosk, value=text, problem="malformed", status=400)
    return redirect(_names(kiosk)["detail"], code=code)


def _throttled(request: HttpRequest, kiosk: bool, code: str, wait: int) -> HttpResponse:
    context = {
        "value": code,
        "problem": "throttled",
        "wait": wait,
        "names": _names(kiosk),
        "param": PARAM_CODE,
        "example": "000.00.31.H21-260302-0001",
        "nav_current": "lookup",
    }
    response = render(request, _template(kiosk, "lookup.html"), context, status=429)
    response["Retry-After"] = str(wait)
    return response


def _timeline(found: selectors.PublicDossier) -> list[dict[str, Any]]:
    return [
        {
            "at": step.at,
            "at_text": format_moment(step.at),
            "action": step.action_label,
            "status": step.status_label,
            "status_code": step.status,
        }
        for step in found.timeline
    ]


def lookup_detail(request: HttpRequest, code: str, kiosk: bool = False) -> HttpResponse:
    """The public page of a dossier."""
    try:
        ratelimit.check("lookup", request)
    except ratelimit.RateLimited as exc:
        return _throttled(request, kiosk, code[:60], exc.retry_after)
    normalised = selectors.parse_dossier_code(code)
    if normalised is None:
        return _form(request, kiosk, value=code[:60], problem="malformed", status=400)
    found = selectors.public_lookup(normalised)
    if found is None:
        return _form(request, kiosk, value=normalised, problem="not_found", status=404)
    context = {
        "dossier": found,
        "timeline": _timeline(found),
        "due_text": format_moment(found.due_at) if found.due_at else "",
        "original_due_text": (
            format_moment(found.original_due_at)
            if found.original_due_at and found.original_due_at != found.due_at
            else ""
        ),
        "submitted_text": format_moment(found.submitted_at),
        "accepted_text": format_moment(found.accepted_at) if found.accepted_at else "",
        "looked_up_text": format_moment(timezone.now()),
        "names": _names(kiosk),
        "param": PARAM_CODE,
        "nav_current": "lookup",
    }
    response = render(request, _template(kiosk, "lookup_detail.html"), context)
    # The page changes as the dossier moves on; a shared cache must not keep it.
    response["Cache-Control"] = "no-store"
    return response
