"""Staff screens of the processing: the inbox and the processing page of a dossier.

Thin: every action reads its form and calls one service; what is allowed, and why not, is
decided in ``services`` (its messages are shown as they are)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from motcua.core.calendar import format_moment_short
from motcua.dossiers import documents
from motcua.dossiers import selectors as dossier_selectors
from motcua.dossiers.models import Document, DocumentKind, Dossier
from motcua.dossiers.status import Status, TransitionRefused
from motcua.organization.models import Unit, User
from motcua.organization.permissions import Capability, has_capability, role_holders
from motcua.workspace.decorators import capability_required

from . import result_files, rules, selectors, services
from .models import ErrorReport, Result, ReturnMethod, SignatureMode, Task, TaskKind, TaskState

PAGE_SIZE = 25


# ---------------------------------------------------------------------------------------------
# Inbox


@capability_required(Capability.VIEW_WORKSPACE)
def inbox(request: HttpRequest) -> HttpResponse:
    unit_scope = request.GET.get("pham-vi") == "don-vi" and has_capability(
        request.user, Capability.ASSIGN_DOSSIERS
    )
    tasks = selectors.unit_inbox(request.user) if unit_scope else selectors.inbox(request.user)
    thresholds = selectors.Thresholds.at()
    counts = selectors.urgency_counts(tasks, thresholds)
    mark = request.GET.get("muc", "")
    query = request.GET.get("q", "")
    shown = selectors.search_tasks(
        selectors.filter_by_urgency(tasks, mark, thresholds), query=query
    )
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("trang"))
    for task in page.object_list:
        task.urgency = selectors.urgency(task, thresholds)  # type: ignore[attr-defined]
    context = {
        "page": page,
        "counts": counts,
        "mark": mark,
        "query": query,
        "unit_scope": unit_scope,
        "can_see_unit": has_capability(request.user, Capability.ASSIGN_DOSSIERS),
        "marks": rules.Urgency.choices,
        "workload": selectors.workload(request.user) if unit_scope else [],
        "to_return": list(selectors.results_to_return(request.user)[:PAGE_SIZE])
        if has_capability(request.user, Capability.RECEIVE_DOSSIERS)
        else [],
    }
    return render(request, "workflow/inbox.html", context)


# ---------------------------------------------------------------------------------------------
# The processing page


def _dossier(request: HttpRequest, code: str) -> Dossier:
    dossier = dossier_selectors.dossier_page(request.user, code)
    if dossier is None:
        raise Http404
    return dossier


def _panel(user: Any, task: Task) -> dict[str, Any]:
    """What ``user`` may do with one open task, for the template (decided in ``services``)."""
    holder = services.can_act_on(user, task)
    assigner = services.can_assign(user, task)
    following = services.next_step(task) if holder else None
    return {
        "task": task,
        "holder": holder,
        "can_assign": assigner,
        "assignable": role_holders(task.role, task.unit) if assigner else [],
        "next_candidates": role_holders(following.role, following.unit) if following else [],
        "can_approve": services.can_approve(user, task),
        "can_return": holder and services.has_previous_step(task),
        "is_consultation": task.kind == TaskKind.CONSULTATION,
        "can_answer": services.can_answer(user, task),
        "open_consultations": [c for c in task.consultations.all() if c.state == TaskState.ACTIVE],
    }


def _drafts(dossier: Dossier) -> list[Document]:
    return list(
        Document.objects.filter(
            kind=DocumentKind.RESULT, content_type="application/pdf", task__dossier=dossier
        )
        .distinct()
        .order_by("-created_at")
    )


def _results(dossier: Dossier, user: Any) -> list[dict[str, Any]]:
    rows = []
    for result in selectors.results(dossier):
        reports: list[Any] = []
        problem = ""
        if result.document is not None:
            try:
                reports = result_files.signature_reports(result.document)
            except (ValueError, documents.DocumentIntegrityError) as exc:
                problem = str(exc)
        rows.append(
            {
                "result": result,
                "signatures": reports,
                "problem": problem,
                "errors": list(result.error_reports.all()),
                "can_report": services.can_report_error(user, result),
                "can_correct": services.can_correct_result(user, result),
            }
        )
    return rows


@capability_required(Capability.VIEW_WORKSPACE)
def dossier(request: HttpRequest, code: str) -> HttpResponse:
    dossier = _dossier(request, code)
    route = selectors.route(dossier)
    open_tasks = [t for t in route if t.state == TaskState.ACTIVE]
    user = request.user
    context = {
        "dossier": dossier,
        "route": route,
        "panels": [_panel(user, t) for t in open_tasks],
        "held": selectors.held_time_by_unit(dossier, tasks=route),
        "adjustments": list(dossier.clock_adjustments.select_related("actor")),
        "results": _results(dossier, user),
        "drafts": _drafts(dossier),
        "timeliness": selectors.dossier_timeliness(dossier),
        "legal_due": selectors.legal_due_at(dossier),
        "units": Unit.objects.filter(valid_to__isnull=True).exclude(pk=dossier.competent_unit_id)
        if open_tasks
        else [],
        "can_issue": services.can_issue_result(user, dossier),
        "can_return": services.can_return_result(user, dossier),
        "can_receive_supplement": services.can_receive_supplement(user, dossier),
        "can_apologize": services.can_apologize(user, dossier),
        "can_stop": services.can_stop(user, dossier),
        "obligations": list(dossier.financial_obligations.filter(settled_at__isnull=True)),
        "return_methods": ReturnMethod.choices,
        "apology_deadline": services.apology_deadline_of(dossier),
    }
    return render(request, "workflow/dossier.html", context)


# ---------------------------------------------------------------------------------------------
# Actions: one POST each


def _task(dossier: Dossier, data: Any) -> Task:
    try:
        return Task.objects.select_related("unit", "dossier").get(
            pk=int(data.get("task", "")), dossier=dossier
        )
    except (ValueError, Task.DoesNotExist):
        raise ValidationError(_("Không tìm thấy bước xử lý."), code="task_unknown") from None


def _user(data: Any, key: str) -> User | None:
    value = data.get(key)
    if not value:
        return None
    try:
        return User.objects.get(pk=int(value), is_active=True)
    except (ValueError, User.DoesNotExist):
        raise ValidationError(_("Không tìm thấy cán bộ đã chọn."), code="user_unknown") from None


def _moment(value: str) -> dt.datetime:
    parsed = parse_datetime(value or "")
    if parsed is None:
        raise ValidationError(_("Thời điểm không hợp lệ."), code="moment_invalid")
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _draft_upload(request: HttpRequest) -> list[Document]:
    upload = request.FILES.get("draft")
    if not upload:
        return []
    return [
        documents.store_upload(
            uploaded_file=upload,
            kind=DocumentKind.RESULT,
            actor=request.user,
            component_name=_("Dự thảo kết quả"),
        )
    ]


def _forward(request: HttpRequest, dossier: Dossier) -> str:
    data = request.POST
    task = _task(dossier, data)
    opened = services.forward_task(
        actor=request.user,
        task=task,
        note=data.get("note", ""),
        next_assignee=_user(data, "next_assignee"),
        proceed_without_opinions=data.get("proceed") == "1",
        documents=_draft_upload(request),
    )
    if dossier_status(dossier) == Status.PROCESSED:
        return _("Đã hoàn thành xử lý: hồ sơ chờ trả kết quả.")
    names = ", ".join(f"{t.name} ({t.unit})" for t in opened)
    return _("Đã chuyển: %(next)s.") % {"next": names} if names else _("Đã chuyển.")


def dossier_status(dossier: Dossier) -> int:
    return int(Dossier.objects.values_list("status", flat=True).get(pk=dossier.pk))


def _assign(request: HttpRequest, dossier: Dossier) -> str:
    data = request.POST
    assignee = _user(data, "assignee")
    if assignee is None:
        raise ValidationError(_("Hãy chọn người xử lý."), code="assignee_required")
    services.assign_task(
        actor=request.user, task=_task(dossier, data), assignee=assignee, note=data.get("note", "")
    )
    return _("Đã giao cho %(name)s.") % {"name": assignee.full_name}


def _return(request: HttpRequest, dossier: Dossier) -> str:
    data = request.POST
    services.return_task(
        actor=request.user, task=_task(dossier, data), reason=data.get("reason", "")
    )
    return _("Đã trả lại bước trước.")


def _consult(request: HttpRequest, dossier: Dossier) -> str:
    data = request.POST
    try:
        days = Decimal(data.get("working_days") or "0")
    except InvalidOperation:
        raise ValidationError(
            _("Thời hạn trả lời không hợp lệ."), code="deadline_invalid"
        ) from None
    units = Unit.objects.filter(pk__in=[v for v in data.getlist("units") if v.isdigit()])
    requests = [services.OpinionRequest(unit=u, working_days=days) for u in units]
    services.ask_opinions(
        actor=request.user,
        task=_task(dossier, data),
        requests=requests,
        question=data.get("question", ""),
    )
    return _("Đã gửi xin ý kiến %(n)s đơn vị.") % {"n": len(requests)}


def _answer(request: HttpRequest, dossier: Dossier) -> str:
    data = request.POST
    services.answer_opinion(
        actor=request.user,
        task=_task(dossier, data),
        answer=data.get("answer", ""),
        documents=_draft_upload(request),
    )
    return _("Đã gửi ý kiến.")


def _approve(request: HttpRequest, dossier: Dossier) -> str:
    data = request.POST
    draft = None
    if data.get("draft_id"):
        draft = Document.objects.filter(pk=data["draft_id"]).first()
    mode = data.get("mode", SignatureMode.PAPER)
    services.approve_and_forward(
        actor=request.user,
        task=_task(dossier, data),
        mode=mode,
        draft=draft,
        note=data.get("note", ""),
    )
    return _("Đã phê duyệt (%(mode)s) và chuyển văn thư.") % {"mode": SignatureMode(mode).label}


def _issue(request: HttpRequest, dossier: Dossier) -> str:
    data = request.POST
    signed_on = parse_date(data.get("signed_on", "")) if data.get("signed_on") else None
    result = services.issue_and_finish(
        actor=request.user,
        dossier=dossier,
        title=data.get("title", ""),
        symbol=data.get("symbol", ""),
        signer_name=data.get("signer_name", ""),
        signed_on=signed_on,
    )
    return _("Đã vào sổ: số %(ref)s.") % {"ref": result.reference}


def _result_of(dossier: Dossier, data: Any) -> Result:
    result = Result.objects.filter(dossier=dossier, pk=data.get("result") or 0).first()
    if result is None:
        raise ValidationError(_("Không tìm thấy kết quả."), code="result_unknown")
    return result


def _report_error(request: HttpRequest, dossier: Dossier) -> str:
    report = services.report_result_error(
        actor=request.user,
        result=_result_of(dossier, request.POST),
        description=request.POST.get("description", ""),
    )
    return _("Đã ghi nhận sai sót; hạn đính chính: %(due)s.") % {
        "due": format_moment_short(report.due_at)
    }


def _correct(request: HttpRequest, dossier: Dossier) -> str:
    data = request.POST
    report = ErrorReport.objects.filter(result__dossier=dossier, pk=data.get("report") or 0).first()
    if report is None:
        raise ValidationError(_("Không tìm thấy sai sót cần đính chính."), code="report_unknown")
    signed_on = parse_date(data.get("signed_on", "")) or timezone.localdate()
    result = services.correct_result(
        actor=request.user,
        report=report,
        title=data.get("title", ""),
        symbol=data.get("symbol", ""),
        signer_name=data.get("signer_name", ""),
        signed_on=signed_on,
    )
    return _("Đã vào sổ kết quả đính chính: số %(ref)s.") % {"ref": result.reference}


def _supplement(request: HttpRequest, dossier: Dossier) -> str:
    data = request.POST
    names = [line.strip() for line in data.get("items", "").splitlines() if line.strip()]
    request_ = services.request_supplement(
        actor=request.user,
        task=_task(dossier, data),
        items=[{"name": name} for name in names],
        reason=data.get("reason", ""),
        guidance=data.get("guidance", ""),
    )
    return _("Đã lập phiếu yêu cầu bổ sung %(number)s.") % {"number": request_.number}


def _receive_supplement(request: HttpRequest, dossier: Dossier) -> str:
    services.receive_supplement(actor=request.user, dossier=dossier, components=[])
    return _("Đã nhận hồ sơ bổ sung; ngày hẹn trả đã được tính lại.")


def _payment(request: HttpRequest, dossier: Dossier) -> str:
    data = request.POST
    try:
        amount = Decimal(data["amount"]) if data.get("amount") else None
    except InvalidOperation:
        raise ValidationError(_("Số tiền không hợp lệ."), code="amount_invalid") from None
    services.request_financial_obligation(
        actor=request.user,
        task=_task(dossier, data),
        description=data.get("description", ""),
        amount=amount,
    )
    return _("Đã yêu cầu thực hiện nghĩa vụ tài chính.")


def _settle(request: HttpRequest, dossier: Dossier) -> str:
    data = request.POST
    obligation = dossier.financial_obligations.filter(pk=data.get("obligation") or 0).first()
    if obligation is None:
        raise ValidationError(_("Không tìm thấy nghĩa vụ tài chính."), code="obligation_unknown")
    services.settle_financial_obligation(
        actor=request.user, obligation=obligation, reference=data.get("reference", "")
    )
    return _("Đã xác nhận hoàn thành nghĩa vụ tài chính.")


def _refuse(request: HttpRequest, dossier: Dossier) -> str:
    data = request.POST
    services.refuse_after_appraisal(
        actor=request.user, task=_task(dossier, data), reason=data.get("reason", "")
    )
    return _("Đã từ chối giải quyết; bộ phận một cửa thông báo cho công dân.")


def _apologize(request: HttpRequest, dossier: Dossier) -> str:
    data = request.POST
    apology = services.apologize(
        actor=request.user,
        dossier=dossier,
        reason=data.get("reason", ""),
        new_due_at=_moment(data.get("new_due_at", "")),
    )
    return _("Đã lập văn bản xin lỗi %(number)s; ngày hẹn mới đã được cập nhật.") % {
        "number": apology.number
    }


def _stop(request: HttpRequest, dossier: Dossier) -> str:
    data = request.POST
    notice = services.stop_processing(
        actor=request.user,
        dossier=dossier,
        reason=data.get("reason", ""),
        requested_by_applicant=data.get("by_applicant") == "1",
    )
    return _("Đã dừng giải quyết: thông báo %(number)s.") % {"number": notice.number}


def _return_result(request: HttpRequest, dossier: Dossier) -> str:
    data = request.POST
    services.return_result(
        actor=request.user,
        dossier=dossier,
        method=data.get("method", ""),
        recipient_name=data.get("recipient_name", ""),
        recipient_identity=data.get("recipient_identity", ""),
        authorization=data.get("authorization", ""),
        originals_returned=data.get("originals_returned", ""),
        postal_tracking=data.get("postal_tracking", ""),
    )
    return _("Đã trả kết quả.")


ACTIONS: dict[str, Callable[[HttpRequest, Dossier], str]] = {
    "chuyen": _forward,
    "phan-cong": _assign,
    "tra-lai": _return,
    "xin-y-kien": _consult,
    "tra-loi": _answer,
    "phe-duyet": _approve,
    "vao-so": _issue,
    "yeu-cau-bo-sung": _supplement,
    "nhan-bo-sung": _receive_supplement,
    "nghia-vu-tai-chinh": _payment,
    "xac-nhan-nop-tien": _settle,
    "tu-choi": _refuse,
    "xin-loi": _apologize,
    "dung": _stop,
    "tra-ket-qua": _return_result,
    "bao-sai-sot": _report_error,
    "dinh-chinh": _correct,
}


@capability_required(Capability.VIEW_WORKSPACE)
@require_POST
def act(request: HttpRequest, code: str, action: str) -> HttpResponse:
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404
    dossier = _dossier(request, code)
    target = reverse("workflow:dossier", args=[dossier.code])
    try:
        messages.success(request, handler(request, dossier))
    except (ValidationError, TransitionRefused) as exc:
        for message in getattr(exc, "messages", [str(exc)]):
            messages.error(request, message)
        return redirect(target)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("Bạn không có quyền thực hiện thao tác này."))
        return redirect(target)
    # The step has left this officer's hands: back to the inbox for the next one.
    if action in ("chuyen", "phe-duyet", "tra-loi", "tra-lai"):
        return redirect("workflow:inbox")
    return redirect(target)
