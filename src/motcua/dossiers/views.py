"""Staff screens of reception (issue 4): the counter, the online dossiers waiting for a
decision, the dossier page and the dossier list.

Thin: the rules are in ``services`` (writes, validation) and ``selectors`` (reads with their
scoping, the appointment preview); files go through ``documents``, the electronic identity
check through ``identity``. A view parses the request, calls them, and puts their errors back
next to the fields with everything typed kept.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motcua.catalog import selectors as catalog_selectors
from motcua.catalog.models import (
    PROCEDURE_CODE_PATTERN,
    Channel,
    ProcedureCase,
    ProcedureVersion,
)
from motcua.core.calendar import CalendarConfigurationError, calendar_for, format_moment
from motcua.organization.models import Center
from motcua.organization.permissions import Capability, has_capability
from motcua.workspace.decorators import capability_required

from . import documents, selectors, services, slips
from .forms import (
    PARTY_ROLES,
    ComponentForm,
    CounterForm,
    DecisionForm,
    DossierSearchForm,
    MissingForm,
    PartyForm,
    document_label,
    error_target,
)
from .identity import IdentityCheckResult, check_identity, describe_verification
from .models import Document, Dossier, IdentityKind, Party, PartyRole
from .services import ComponentInput, IntakeError, Outcome, PartyInput
from .signing import SigningError, sign_document
from .status import Status, TransitionRefused
from .validators import normalise_identity

SESSION_CENTER = "dossiers.counter.center"
STORED_SALT = "motcua.dossiers.counter.stored-scans"
STORED_MAX_AGE = 12 * 60 * 60  # a counter session
SEARCH_LIMIT = 15
LIST_PAGE_SIZE = 25
OUTCOMES = (Outcome.ACCEPT, Outcome.REQUEST_SUPPLEMENT, Outcome.REFUSE)
_CODE = re.compile(PROCEDURE_CODE_PATTERN, re.IGNORECASE)


def now() -> dt.datetime:
    """The moment of reception (one place, so tests can fix it)."""
    return timezone.now()


# ---------------------------------------------------------------------------------------------
# Helpers


def _center_choice(
    request: HttpRequest, centers: list[Center], wanted: Any = None
) -> Center | None:
    """The center the officer works at now: asked for, else remembered, else the first."""
    by_key: dict[str, Center] = {}
    for center in centers:
        by_key[str(center.pk)] = center
        by_key[center.code] = center
    asked = wanted or request.GET.get("trung_tam")
    if asked and str(asked) in by_key:
        chosen = by_key[str(asked)]
        request.session[SESSION_CENTER] = chosen.pk
        return chosen
    remembered = request.session.get(SESSION_CENTER)
    if remembered is not None and str(remembered) in by_key:
        return by_key[str(remembered)]
    return centers[0] if centers else None


def _messages_of(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def print_links(dossier: Dossier) -> list[dict[str, Any]]:
    """Links to the forms of ``dossier`` that apply now (01 receipt, 02 request to complete,
    03 refusal): the A5 print view and the PDF of the ``dossier_print`` app."""
    return [
        {
            "number": form.number,
            "title": form.title,
            "kind": str(form.kind),
            "html": reverse("dossier_print:slip", args=[dossier.code, form.number]),
            "pdf": reverse("dossier_print:slip_pdf", args=[dossier.code, form.number]),
        }
        for form in slips.printable_forms(dossier)
    ]


def _refusal_of(dossier: Dossier) -> Any:
    try:
        return dossier.refusal
    except ObjectDoesNotExist:
        return None


def _party_input(form: PartyForm) -> PartyInput:
    data = form.cleaned_data
    return PartyInput(
        name=data.get("name") or "",
        identity_number=data.get("identity_number") or "",
        identity_kind=data.get("identity_kind") or IdentityKind.CITIZEN_ID,
        kind=data.get("kind") or "person",
        address=(data.get("address") or "").strip(),
        phone=(data.get("phone") or "").strip(),
        email=(data.get("email") or "").strip(),
        birth_date=data.get("birth_date"),
        authorization=(data.get("authorization") or "").strip(),
    )


def _party_from_data(data: Any, role: str) -> Party | None:
    """The returning person whose identity was typed in section ``role`` (raw form data)."""
    if data is None:
        return None
    kind = data.get(f"{role}-identity_kind") or IdentityKind.CITIZEN_ID
    number = normalise_identity(kind, data.get(f"{role}-identity_number", ""))
    return selectors.find_party(kind, number) if number else None


def _stored_documents(value: str) -> list[Document]:
    """Scans stored by an earlier attempt of the same form (signed ids, so a page cannot name
    someone else's documents)."""
    if not value:
        return []
    try:
        ids = signing.loads(value, salt=STORED_SALT, max_age=STORED_MAX_AGE)
    except signing.BadSignature:
        return []
    if not isinstance(ids, list):
        return []
    found = {
        d.pk: d for d in Document.objects.filter(pk__in=[i for i in ids if isinstance(i, int)])
    }
    return [found[i] for i in ids if i in found]


# ---------------------------------------------------------------------------------------------
# The counter: step 1, find the procedure


def _procedure_results(query: str, day: dt.date) -> list[ProcedureVersion]:
    filters = catalog_selectors.CatalogFilters(query=query)
    return list(catalog_selectors.search_catalog(filters, day)[:SEARCH_LIMIT])


def _exact_code(query: str, day: dt.date) -> str | None:
    """The procedure code in force that ``query`` is (typed or scanned), if it is one."""
    text = query.strip()
    if not _CODE.fullmatch(text):
        return None
    code = text if text[0].isdigit() else "TAM." + text[4:].lower()
    return code if catalog_selectors.code_in_force(code, day) else None


def _counter_url(**params: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    url = reverse("dossiers:counter")
    return f"{url}?{query}" if query else url


@capability_required(Capability.RECEIVE_DOSSIERS)
@require_http_methods(["GET", "POST"])
def counter(request: HttpRequest) -> HttpResponse:
    """The counter screen: find the procedure, then take the dossier in."""
    centers = list(selectors.reception_centers(request.user))
    day = timezone.localdate(now())
    source = request.POST if request.method == "POST" else request.GET
    code = (source.get("thu_tuc") or "").strip()
    version = catalog_selectors.version_in_force(code, day) if code else None
    if version is None or not centers:
        return _search_page(request, centers, day, unknown_code=code)
    center = _center_choice(request, centers, request.POST.get("center"))
    page = IntakePage(request, version, centers, center, day)
    if request.method == "POST":
        dossier = page.submit()
        if dossier is not None:
            return redirect("dossiers:result", code=dossier.code)
    return render(request, "dossiers/counter.html", page.context())


def _search_page(
    request: HttpRequest, centers: list[Center], day: dt.date, unknown_code: str = ""
) -> HttpResponse:
    query = (request.GET.get("q") or "").strip()
    exact = _exact_code(query, day)
    center = _center_choice(request, centers)
    if exact is not None and centers:
        return redirect(_counter_url(thu_tuc=exact))
    context = {
        "query": query,
        "results": _procedure_results(query, day) if query else [],
        "unknown_code": unknown_code,
        "centers": centers,
        "center": center,
        "waiting_count": selectors.online_waiting_count(request.user) if centers else 0,
    }
    return render(request, "dossiers/counter_search.html", context)


@capability_required(Capability.RECEIVE_DOSSIERS)
@require_GET
def procedure_search(request: HttpRequest) -> JsonResponse:
    """Live results for the procedure box: code, name, field; ``exact`` when the text is a
    procedure code in force (a scanner's Enter then opens it)."""
    day = timezone.localdate(now())
    query = (request.GET.get("q") or "").strip()
    exact = _exact_code(query, day)
    results = _procedure_results(query, day) if query else []
    return JsonResponse(
        {
            "exact": _counter_url(thu_tuc=exact) if exact else None,
            "results": [
                {
                    "code": v.procedure.code,
                    "name": v.name,
                    "field": v.field.name,
                    "url": _counter_url(thu_tuc=v.procedure.code),
                }
                for v in results
            ],
        }
    )


# ---------------------------------------------------------------------------------------------
# The counter: step 2, the dossier


class IntakePage:
    """The bound forms of the counter page for one procedure version."""

    def __init__(
        self,
        request: HttpRequest,
        version: ProcedureVersion,
        centers: list[Center],
        center: Center | None,
        day: dt.date,
    ) -> None:
        self.request = request
        self.version = version
        self.centers = centers
        self.center = center
        self.cases: list[ProcedureCase] = list(version.cases.all())
        localities = list(selectors.competent_units(version, day))
        # Asked only when several units settle the procedure (else the unit is known).
        self.localities = localities if len(localities) > 1 else []
        self.channels = [c for c in version.channels() if c in (Channel.COUNTER, Channel.POSTAL)]
        bound = request.method == "POST"
        self.data = request.POST.copy() if bound else None
        files = request.FILES if bound else None
        wanted_case = request.GET.get("truong_hop")
        case_ids = {str(c.pk) for c in self.cases}
        initial_case = (
            wanted_case
            if wanted_case in case_ids
            else (str(self.cases[0].pk) if self.cases else "")
        )
        self.form = CounterForm(
            self.data,
            centers=centers,
            cases=self.cases,
            localities=self.localities,
            channels=self.channels,
            initial={
                "client_key": uuid.uuid4(),
                "center": str(center.pk) if center else "",
                "case": initial_case,
                "channel": self.channels[0] if self.channels else "",
                "sets_count": 1,
                "identity_check": True,
            },
        )
        self.parties = {role: PartyForm(self.data, role=role) for role in PARTY_ROLES}
        self.uploads = True
        principal_role = "owner" if self.data and self.data.get("has_owner") else "applicant"
        self.principal = _party_from_data(self.data, principal_role)
        every_component = [c for case in self.cases for c in case.components.all()]
        offers = selectors.reuse_offers(self.principal, every_component) if bound else {}
        self.rows: dict[int, list[ComponentForm]] = {
            case.pk: [
                ComponentForm(
                    self.data,
                    files,
                    component=component,
                    offers=offers.get(component.pk, []),
                    uploads=self.uploads,
                )
                for component in case.components.all()
            ]
            for case in self.cases
        }
        self.section_errors: dict[str, list[str]] = defaultdict(list)
        self.outcome = (self.data.get("outcome") if self.data else "") or ""
        self.identity_result: IdentityCheckResult | None = None

    # -- state ---------------------------------------------------------------------------

    def chosen_case(self) -> ProcedureCase | None:
        value = self.form["case"].value()
        return next((c for c in self.cases if str(c.pk) == str(value)), None)

    def chosen_channel(self) -> str:
        value = str(self.form["channel"].value() or "")
        return value if value in self.channels else (self.channels[0] if self.channels else "")

    def chosen_stamp(self) -> dt.date | None:
        if self.form.is_bound and self.form.is_valid():
            stamp: dt.date | None = self.form.cleaned_data.get("postal_stamp_date")
            return stamp
        return None

    def preview(self) -> tuple[Any, str]:
        """(appointment preview, or None with the reason) for what the page shows now."""
        case = self.chosen_case()
        channel = self.chosen_channel()
        if case is None or self.center is None or not channel:
            return None, ""
        stamp = self.chosen_stamp()
        if channel == Channel.POSTAL and stamp is None:
            return None, _("Nhập ngày dấu bưu điện để tính ngày hẹn trả.")
        try:
            return selectors.preview_appointment(case, channel, now(), self.center, stamp), ""
        except IntakeError as exc:
            return None, " ".join(_messages_of(exc))
        except (ValueError, CalendarConfigurationError) as exc:
            return None, str(exc)

    # -- submission ----------------------------------------------------------------------

    def _valid(self) -> bool:
        form = self.form
        ok = form.is_valid()
        data = form.cleaned_data
        roles = ["applicant"]
        if data.get("has_owner"):
            roles.append("owner")
        if data.get("has_representative"):
            roles.append("representative")
        for role in roles:
            ok = self.parties[role].is_valid() and ok
        case = self.chosen_case()
        for row in self.rows.get(case.pk, []) if case else []:
            ok = row.is_valid() and ok
        if self.request.POST.get("outcome") not in OUTCOMES:
            form.add_error(None, _("Hãy chọn Tiếp nhận, Yêu cầu bổ sung hoặc Từ chối."))
            ok = False
        return ok

    def _components(self, case: ProcedureCase, party: Party | None) -> list[ComponentInput] | None:
        """What was handed over, with the scans stored (and signed by the officer) before the
        dossier is written; None when a file or a reuse choice was refused."""
        user = self.request.user
        inputs: list[ComponentInput] = []
        failed = False
        for row in self.rows[case.pk]:
            data = row.cleaned_data
            component = row.component
            stored = _stored_documents(data.get("stored", ""))
            for uploaded in data.get("scans") or []:
                try:
                    document = documents.store_upload(
                        uploaded_file=uploaded,
                        kind="scan",
                        actor=user,
                        component_name=component.name,
                    )
                except IntakeError as exc:
                    row.add_error("scans", _messages_of(exc))
                    failed = True
                    continue
                try:
                    sign_document(document, officer=user)
                except (SigningError, PermissionDenied) as exc:
                    messages.warning(
                        self.request,
                        _("Bản quét “%(name)s” đã lưu nhưng chưa ký số hóa: %(reason)s")
                        % {"name": document.original_name, "reason": exc},
                    )
                stored.append(document)
            if stored and self.data is not None:
                # Kept for a second attempt: a browser cannot put files back into the form.
                self.data[row.add_prefix("stored")] = signing.dumps(
                    [d.pk for d in stored], salt=STORED_SALT
                )
            reuse = None
            if data.get("reuse"):
                candidate = next((d for d in row.offers if str(d.pk) == data["reuse"]), None)
                try:
                    if candidate is None:
                        raise IntakeError(_("Giấy tờ chọn tái sử dụng không còn được đề nghị."))
                    reuse = documents.check_reuse(
                        document=candidate, party=party, component=component
                    )
                except IntakeError as exc:
                    row.add_error("reuse", _messages_of(exc))
                    failed = True
            received = bool(data.get("received"))
            if received or stored or reuse:
                inputs.append(
                    ComponentInput(
                        component=component,
                        originals=data["originals"] if received else 0,
                        certified_copies=data["certified_copies"] if received else 0,
                        copies=data["copies"] if received else 0,
                        documents=stored,
                        reuse=reuse,
                    )
                )
        return None if failed else inputs

    def _supplement_items(self, case: ProcedureCase) -> list[dict[str, Any]]:
        items = [
            {
                "component": row.component.pk,
                "name": row.component.name,
                "reason": row.cleaned_data.get("missing_reason", ""),
            }
            for row in self.rows[case.pk]
            if row.cleaned_data.get("missing")
        ]
        other = self.form.cleaned_data.get("other_missing", "").strip()
        if other:
            items.append({"component": None, "name": other, "reason": ""})
        return items

    def _verify_identity(self, principal: PartyInput) -> dict[str, Any]:
        if not self.form.cleaned_data.get("identity_check"):
            return {}
        try:
            self.identity_result = check_identity(party_input=replace(principal))
        except IntakeError:
            return {}  # a malformed number: the service says so next to the field
        return self.identity_result.dossier_fields()

    def submit(self) -> Dossier | None:
        if not self._valid():
            return None
        form = self.form
        data = form.cleaned_data
        case = self.chosen_case()
        center = next(c for c in self.centers if str(c.pk) == data["center"])
        assert case is not None  # a valid form has a case
        self.center = center
        outcome = self.request.POST["outcome"]
        applicant = _party_input(self.parties["applicant"])
        owner = _party_input(self.parties["owner"]) if data.get("has_owner") else None
        representative = (
            _party_input(self.parties["representative"]) if data.get("has_representative") else None
        )
        components = self._components(case, self.principal)
        if components is None:
            return None
        locality = next((u for u in self.localities if str(u.pk) == data.get("locality")), None)
        reason = data["supplement_reason"] if outcome == Outcome.REQUEST_SUPPLEMENT else ""
        if outcome == Outcome.REFUSE:
            reason = data["refusal_reason"]
        user = self.request.user
        try:
            dossier = services.receive_at_counter(
                outcome=outcome,
                reason=reason,
                supplement_items=(
                    self._supplement_items(case) if outcome == Outcome.REQUEST_SUPPLEMENT else []
                ),
                guidance=data["guidance"] if outcome == Outcome.REQUEST_SUPPLEMENT else "",
                actor=user,
                center=center,
                case=case,
                channel=data["channel"],
                applicant=applicant,
                owner=owner,
                representative=representative,
                components=components,
                submitted_at=now(),
                postal_stamp_date=(
                    data.get("postal_stamp_date") if data["channel"] == Channel.POSTAL else None
                ),
                locality=locality,
                client_key=str(data["client_key"]),
                sets_count=data["sets_count"],
                **self._verify_identity(owner or applicant),
            )
        except IntakeError as exc:
            self.attach(exc, outcome)
            return None
        except IntegrityError:
            # The same form sent twice at the same instant: the other request made it.
            existing = Dossier.objects.filter(
                created_by_id=getattr(user, "pk", None), client_key=str(data["client_key"])
            ).first()
            if existing is None:
                raise
            dossier = existing
        self.request.session[SESSION_CENTER] = center.pk
        return dossier

    def attach(self, exc: ValidationError, outcome: str = "") -> None:
        """Put the service's errors next to the fields they are about."""
        if hasattr(exc, "error_dict"):
            for key, errors in exc.message_dict.items():
                self._place(key, errors, outcome)
        else:
            self._place(getattr(exc, "code", None) or "", _messages_of(exc), outcome)

    def _place(self, key: str, errors: list[str], outcome: str) -> None:
        role, field = error_target(key)
        if field == "reason":
            field = "refusal_reason" if outcome == Outcome.REFUSE else "supplement_reason"
        party = self.parties.get(role)
        if party is not None and field in party.fields:
            party.add_error(field, errors)
        elif not role and field in self.form.fields:
            self.form.add_error(field, errors)
        elif field in ("components", "supplement_items"):
            self.section_errors[field].extend(errors)
        else:
            self.form.add_error(None, errors)

    # -- rendering -----------------------------------------------------------------------

    def context(self) -> dict[str, Any]:
        case = self.chosen_case()
        preview, preview_message = self.preview()
        bound = self.form.is_bound
        has_errors = bound and bool(
            self.form.errors
            or any(p.errors for p in self.parties.values())
            or any(r.errors for r in (self.rows.get(case.pk, []) if case else []))
            or self.section_errors
        )
        return {
            "version": self.version,
            "cases": self.cases,
            "case": case,
            "form": self.form,
            "parties": self.parties,
            "case_rows": [(c, self.rows[c.pk]) for c in self.cases],
            "section_errors": dict(self.section_errors),
            "has_errors": has_errors,
            "localities": self.localities,
            "channels": self.channels,
            "channel": self.chosen_channel(),
            "centers": self.centers,
            "center": self.center,
            "preview": preview,
            "preview_text": format_moment(preview.due_at) if preview else "",
            "preview_message": preview_message,
            "outcome": self.outcome,
            "uploads": self.uploads,
            "allowed_types": documents.allowed_types_label(),
            "max_upload_mb": documents.max_upload_bytes() // (1024 * 1024),
            "show_owner": bool(self.form["has_owner"].value()),
            "show_representative": bool(self.form["has_representative"].value()),
            "waiting_count": selectors.online_waiting_count(self.request.user),
        }


# ---------------------------------------------------------------------------------------------
# The counter's helpers (JSON for counter.js)


@capability_required(Capability.RECEIVE_DOSSIERS)
@require_POST
@never_cache
def party_lookup(request: HttpRequest) -> JsonResponse:
    """A returning applicant by identity number (POST: personal data stays out of URLs and
    logs): their declared details, and what the system holds for them to reuse for the
    components of ``case``."""
    kind = request.POST.get("identity_kind") or IdentityKind.CITIZEN_ID
    number = normalise_identity(kind, request.POST.get("identity_number", ""))
    party = selectors.find_party(kind, number) if number else None
    if party is None:
        return JsonResponse({"found": False})
    case = _case(request.POST.get("case"))
    components = list(case.components.all()) if case else []
    offers = selectors.reuse_offers(party, components)
    return JsonResponse(
        {
            "found": True,
            "party": {
                "kind": party.kind,
                "name": party.name,
                "birth_date": party.birth_date.isoformat() if party.birth_date else "",
                "address": party.address,
                "phone": party.phone,
                "email": party.email,
            },
            "reuse": {
                str(pk): [{"id": d.pk, "label": document_label(d)} for d in docs]
                for pk, docs in offers.items()
            },
        }
    )


@capability_required(Capability.RECEIVE_DOSSIERS)
@require_POST
@never_cache
def identity_check(request: HttpRequest) -> JsonResponse:
    """Ask the electronic identity checker about a person now (the officer's button); the
    dossier records the check made when it is received."""
    principal = PartyInput(
        name=request.POST.get("name", ""),
        identity_number=request.POST.get("identity_number", ""),
        identity_kind=request.POST.get("identity_kind") or IdentityKind.CITIZEN_ID,
    )
    try:
        result = check_identity(party_input=principal)
    except IntakeError as exc:
        return JsonResponse({"verified": False, "detail": " ".join(_messages_of(exc))})
    return JsonResponse(
        {
            "verified": result.verified,
            "detail": result.detail
            or describe_verification(str(result.dossier_fields()["identity_verification"])),
        }
    )


@capability_required(Capability.RECEIVE_DOSSIERS)
@require_GET
def appointment_preview(request: HttpRequest) -> JsonResponse:
    """The appointment the receipt will show if the dossier is accepted now."""
    centers = list(selectors.reception_centers(request.user))
    center = next((c for c in centers if str(c.pk) == request.GET.get("center")), None)
    case = _case(request.GET.get("case"))
    if center is None or case is None:
        return JsonResponse({"ok": False, "message": _("Chưa chọn thủ tục hoặc nơi tiếp nhận.")})
    channel = request.GET.get("channel") or Channel.COUNTER
    stamp = None
    if channel == Channel.POSTAL:
        try:
            stamp = dt.date.fromisoformat(request.GET.get("postal_stamp_date", ""))
        except ValueError:
            return JsonResponse(
                {"ok": False, "message": _("Nhập ngày dấu bưu điện để tính ngày hẹn trả.")}
            )
    try:
        preview = selectors.preview_appointment(case, channel, now(), center, stamp)
    except IntakeError as exc:
        return JsonResponse({"ok": False, "message": " ".join(_messages_of(exc))})
    except (ValueError, CalendarConfigurationError) as exc:
        return JsonResponse({"ok": False, "message": str(exc)})
    return JsonResponse(
        {
            "ok": True,
            "due_at": preview.due_at.isoformat(),
            "due_text": format_moment(preview.due_at),
            "counting_from_text": format_moment(preview.counting_from),
            "time_limit": preview.time_limit,
        }
    )


def _case(value: Any) -> ProcedureCase | None:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return ProcedureCase.objects.filter(pk=pk).first()


# ---------------------------------------------------------------------------------------------
# After a decision


@capability_required(Capability.VIEW_WORKSPACE)
def result(request: HttpRequest, code: str) -> HttpResponse:
    """The outcome just given: the code, big; the appointment; the form to print."""
    dossier = selectors.dossier_page(request.user, code)
    if dossier is None:
        raise Http404
    requests = list(dossier.supplement_requests.all())
    context = {
        "dossier": dossier,
        "applicant": next(
            (p for p in dossier.parties.all() if p.role == PartyRole.APPLICANT), None
        ),
        "print_links": print_links(dossier),
        "supplement": requests[-1] if requests else None,
        "refusal": _refusal_of(dossier),
        "verification": describe_verification(dossier.identity_verification),
        "from_online": dossier.channel == Channel.ONLINE,
        "due_text": format_moment(dossier.due_at) if dossier.due_at else "",
        "on_the_spot_task": _on_the_spot_task(request.user, dossier),
    }
    return render(request, "dossiers/result.html", context)


def _on_the_spot_task(user: Any, dossier: Dossier) -> Any:
    from motcua.workflow.selectors import on_the_spot_task

    return on_the_spot_task(user, dossier) if dossier.status == Status.ACCEPTED else None


# ---------------------------------------------------------------------------------------------
# Online dossiers waiting for acceptance


def duration_text(value: dt.timedelta | None) -> str:
    """A span of working time in words: ``3 giờ 20 phút`` (sign dropped)."""
    if value is None:
        return ""
    hours, minutes = divmod(abs(int(value.total_seconds())) // 60, 60)
    if hours and minutes:
        return _("%(hours)d giờ %(minutes)d phút") % {"hours": hours, "minutes": minutes}
    if hours:
        return _("%(hours)d giờ") % {"hours": hours}
    return _("%(minutes)d phút") % {"minutes": minutes}


@capability_required(Capability.RECEIVE_DOSSIERS)
def waiting(request: HttpRequest) -> HttpResponse:
    rows = [
        {
            "dossier": row.dossier,
            "urgency": row.urgency,
            "remaining_text": duration_text(row.remaining),
        }
        for row in selectors.online_waiting(request.user, now())
    ]
    return render(request, "dossiers/waiting.html", {"rows": rows})


def _missing_forms(dossier: Dossier, data: Any) -> list[MissingForm]:
    handed = {row.component_id: row.handed_over for row in dossier.components.all()}
    return [
        MissingForm(data, component=c, handed_over=handed.get(c.pk, False))
        for c in dossier.procedure_case.components.all()
    ]


@capability_required(Capability.RECEIVE_DOSSIERS)
@require_http_methods(["GET", "POST"])
def decide(request: HttpRequest, code: str) -> HttpResponse:
    """Accept, ask to complete or refuse a dossier waiting in status 1."""
    dossier = selectors.dossier_page(request.user, code)
    if dossier is None:
        raise Http404
    if not has_capability(request.user, Capability.RECEIVE_DOSSIERS, dossier.receiving_center.unit):
        raise PermissionDenied(_("Bạn không tiếp nhận hồ sơ tại nơi hồ sơ này được nộp."))
    if dossier.status != Status.REGISTERED:
        messages.info(
            request,
            _("Hồ sơ %(code)s đang ở trạng thái “%(status)s”; không còn chờ tiếp nhận.")
            % {"code": dossier.code, "status": dossier.status_label},
        )
        return redirect("dossiers:result", code=dossier.code)
    data = request.POST if request.method == "POST" else None
    form = DecisionForm(data)
    rows = _missing_forms(dossier, data)
    section_errors: dict[str, list[str]] = defaultdict(list)
    outcome = request.POST.get("outcome", "")
    if data is not None and form.is_valid() and all([r.is_valid() for r in rows]):
        try:
            _decide(request, dossier, outcome, form.cleaned_data, rows)
        except TransitionRefused as exc:
            messages.error(request, str(exc))
            return redirect("dossiers:detail", code=dossier.code)
        except IntakeError as exc:
            _place_decision_errors(form, section_errors, exc, outcome)
        else:
            return redirect("dossiers:result", code=dossier.code)
    remaining = None
    moment = now()
    if dossier.decision_due_at is not None:
        remaining = calendar_for(dossier.receiving_center).working_time_between(
            moment, dossier.decision_due_at
        )
    context = {
        "dossier": dossier,
        "form": form,
        "rows": rows,
        "section_errors": dict(section_errors),
        "outcome": outcome,
        "remaining_text": duration_text(remaining),
        "overdue": dossier.decision_due_at is not None and moment >= dossier.decision_due_at,
        "components": list(dossier.components.all()),
        "parties": list(dossier.parties.all()),
    }
    return render(request, "dossiers/decide.html", context)


def _decide(
    request: HttpRequest,
    dossier: Dossier,
    outcome: str,
    data: dict[str, Any],
    rows: Iterable[MissingForm],
) -> None:
    at = now()
    if outcome == Outcome.ACCEPT:
        services.accept_dossier(actor=request.user, dossier=dossier, at=at, note=data["note"])
    elif outcome == Outcome.REQUEST_SUPPLEMENT:
        items = [
            {
                "component": r.component.pk,
                "name": r.component.name,
                "reason": r.cleaned_data.get("missing_reason", ""),
            }
            for r in rows
            if r.cleaned_data.get("missing")
        ]
        if data["other_missing"].strip():
            items.append({"component": None, "name": data["other_missing"].strip(), "reason": ""})
        services.request_supplement(
            actor=request.user,
            dossier=dossier,
            items=items,
            reason=data["supplement_reason"],
            guidance=data["guidance"],
            at=at,
        )
    elif outcome == Outcome.REFUSE:
        services.refuse_dossier(
            actor=request.user, dossier=dossier, reason=data["refusal_reason"], at=at
        )
    else:
        raise IntakeError(_("Hãy chọn Tiếp nhận, Yêu cầu bổ sung hoặc Từ chối."))


def _place_decision_errors(
    form: DecisionForm, section_errors: dict[str, list[str]], exc: IntakeError, outcome: str
) -> None:
    _role, field = error_target(getattr(exc, "code", None) or "")
    if field == "reason":
        field = "refusal_reason" if outcome == Outcome.REFUSE else "supplement_reason"
    if field in form.fields:
        form.add_error(field, _messages_of(exc))
    elif field in ("components", "supplement_items"):
        section_errors[field].extend(_messages_of(exc))
    else:
        form.add_error(None, _messages_of(exc))


# ---------------------------------------------------------------------------------------------
# The dossier page and the list


@capability_required(Capability.VIEW_WORKSPACE)
def detail(request: HttpRequest, code: str) -> HttpResponse:
    dossier = selectors.dossier_page(request.user, code)
    if dossier is None:
        raise Http404
    parties = list(dossier.parties.all())
    roles = {p.role: p for p in parties}
    owner = roles.get(PartyRole.OWNER)
    applicant = roles.get(PartyRole.APPLICANT)
    same_owner = (
        owner is not None
        and applicant is not None
        and (owner.identity_kind, owner.identity_number)
        == (applicant.identity_kind, applicant.identity_number)
    )
    context = {
        "dossier": dossier,
        "parties": [p for p in parties if not (same_owner and p.role == PartyRole.OWNER)],
        "same_owner": same_owner,
        "components": list(dossier.components.all()),
        "events": list(dossier.events.all()),
        "transfers": list(dossier.transfers.all()),
        "supplement_requests": list(dossier.supplement_requests.all()),
        "refusal": _refusal_of(dossier),
        "chain_ok": services.verify_chain(dossier),
        "print_links": print_links(dossier),
        "verification": describe_verification(dossier.identity_verification),
        "can_decide": dossier.status == Status.REGISTERED
        and has_capability(
            request.user, Capability.RECEIVE_DOSSIERS, dossier.receiving_center.unit
        ),
        "due_text": format_moment(dossier.due_at) if dossier.due_at else "",
        "original_due_text": (
            format_moment(dossier.original_due_at) if dossier.original_due_at else ""
        ),
    }
    return render(request, "dossiers/detail.html", context)


@capability_required(Capability.VIEW_WORKSPACE)
def dossier_list(request: HttpRequest) -> HttpResponse:
    form = DossierSearchForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    query = filters.pop("q", "")
    dossiers = selectors.search_dossiers(request.user, query=query, **filters)
    page = Paginator(dossiers, LIST_PAGE_SIZE).get_page(request.GET.get("trang"))
    context = {
        "form": form,
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2),
        "searched": bool(filters or query),
    }
    return render(request, "dossiers/list.html", context)


@capability_required(Capability.VIEW_WORKSPACE)
@require_GET
def document(request: HttpRequest, code: str, document_id: int) -> HttpResponseBase:
    """A stored file of a dossier, re-hashed on the way out: a file that changed or vanished
    on disk is refused (409) instead of being handed over as if it were the one received."""
    from django.http import FileResponse

    doc = selectors.dossier_document(request.user, code, document_id)
    if doc is None:
        raise Http404
    try:
        stream = documents.open_verified(doc)
    except documents.DocumentIntegrityError as exc:
        return HttpResponse(
            " ".join(exc.messages), status=409, content_type="text/plain; charset=utf-8"
        )
    return FileResponse(stream, filename=doc.original_name, content_type=doc.content_type)
