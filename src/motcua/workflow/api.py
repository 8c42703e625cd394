"""The processing over the API: the inbox, a dossier's route, and one POST per step action.

Every action takes an ``Idempotency-Key`` (a retry answers with the state after the first
delivery) and answers with the dossier's processing view. Refusals keep the services' codes:
409 when the state does not allow the action (``task_not_active``, ``dossier_paused``,
``opinions_pending``, ``result_required``, ``not_approved``, ``transition_not_allowed``…),
422 for a bad body, 403 when the caller does not hold the step."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from motcua.api import idempotency
from motcua.api.errors import ApiError, error_responses
from motcua.api.pagination import Page, PageParams, paginate
from motcua.dossiers import selectors as dossier_selectors
from motcua.dossiers.api import IdempotencyKey
from motcua.dossiers.models import Document, Dossier
from motcua.dossiers.status import TransitionRefused
from motcua.organization.models import Unit, User

from . import rules, selectors, services
from .models import ReturnMethod, SignatureMode, Task

router = Router(tags=["processing"])

ERRORS = error_responses(400, 401, 403, 404, 409, 422)


class UnitOut(Schema):
    code: str
    name: str


class TaskOut(Schema):
    id: int
    dossier: str
    kind: str
    position: int
    name: str
    role: str
    unit: UnitOut
    assignee: str | None = Field(None, description="Username of the person holding it.")
    state: str
    started_at: dt.datetime | None
    due_at: dt.datetime | None
    finished_at: dt.datetime | None
    urgency: str | None = Field(
        None, description="Open steps: on_track, due_soon, overdue, paused."
    )
    timeliness: str | None = Field(None, description="Finished steps: early, on_time, late.")
    response: str = ""


class ResultOut(Schema):
    reference: str
    number: int
    year: int
    title: str
    signer_name: str
    signed_on: dt.date
    corrects: str | None


class ProcessingOut(Schema):
    code: str
    status: int
    original_due_at: dt.datetime | None
    due_at: dt.datetime | None
    legal_due_at: dt.datetime | None
    timeliness: str | None
    tasks: list[TaskOut]
    results: list[ResultOut]


def _task_out(task: Task, thresholds: selectors.Thresholds | None = None) -> dict[str, Any]:
    open_ = task.state == "active"
    return {
        "id": task.pk,
        "dossier": task.dossier.code,
        "kind": task.kind,
        "position": task.position,
        "name": task.name,
        "role": task.role,
        "unit": {"code": task.unit.code, "name": task.unit.name},
        "assignee": task.assignee.username if task.assignee else None,
        "state": task.state,
        "started_at": task.started_at,
        "due_at": task.due_at,
        "finished_at": task.finished_at,
        "urgency": selectors.urgency(task, thresholds) if open_ and thresholds else None,
        "timeliness": rules.timeliness(task.finished_at, task.due_at),
        "response": task.response,
    }


def _processing(dossier: Dossier) -> dict[str, Any]:
    thresholds = selectors.Thresholds.at()
    return {
        "code": dossier.code,
        "status": dossier.status,
        "original_due_at": dossier.original_due_at,
        "due_at": dossier.due_at,
        "legal_due_at": selectors.legal_due_at(dossier),
        "timeliness": selectors.dossier_timeliness(dossier),
        "tasks": [_task_out(t, thresholds) for t in selectors.route(dossier)],
        "results": [
            {
                "reference": r.reference,
                "number": r.number,
                "year": r.year,
                "title": r.title,
                "signer_name": r.signer_name,
                "signed_on": r.signed_on,
                "corrects": r.corrects.reference if r.corrects else None,
            }
            for r in selectors.results(dossier)
        ],
    }


class InboxFilters(Schema):
    scope: str = Field("mine", pattern="^(mine|unit)$", description="`unit`: a leader's units.")
    mark: str = Field("", pattern="^(|on_track|due_soon|overdue|paused)$")


@router.get(
    "/inbox",
    response={200: Page[TaskOut], **error_responses(400, 401)},
    url_name="inbox",
    operation_id="inbox",
    summary="Open steps waiting for the caller, soonest due first",
)
def inbox(
    request: HttpRequest, filters: Query[InboxFilters], paging: Query[PageParams]
) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    tasks = selectors.unit_inbox(user) if filters.scope == "unit" else selectors.inbox(user)
    thresholds = selectors.Thresholds.at()
    tasks = selectors.filter_by_urgency(tasks, filters.mark, thresholds)
    page = paginate(tasks, page=paging.page, page_size=paging.page_size)
    page["results"] = [_task_out(t, thresholds) for t in page["results"]]
    return page


def _dossier(user: Any, code: str) -> Dossier:
    dossier = dossier_selectors.visible_dossiers(user).filter(code=code).first()
    if dossier is None:
        raise ApiError(
            404, "dossier_not_found", _("Không tìm thấy hồ sơ %(code)s.") % {"code": code}
        )
    return dossier


@router.get(
    "/dossiers/{code}",
    response={200: ProcessingOut, **error_responses(401, 404)},
    url_name="processing",
    operation_id="processing",
    summary="A dossier's route, appointment and results",
)
def processing(request: HttpRequest, code: str) -> dict[str, Any]:
    return _processing(_dossier(request.auth, code))  # type: ignore[attr-defined]


def _refusal(exc: ValidationError) -> ApiError:
    code = getattr(exc, "code", None) or "validation_error"
    status = 409 if getattr(exc, "is_state_conflict", False) else 422
    return ApiError(status, code, " ".join(exc.messages))


def _run(
    request: HttpRequest,
    *,
    operation: str,
    target: str,
    key: str | None,
    payload: Schema | None,
    locate: Callable[[Any], Dossier],
    perform: Callable[[Any, Dossier], Any],
) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    fingerprint = idempotency.fingerprint(
        operation, target, payload.model_dump(mode="json") if payload is not None else None
    )

    def action() -> Dossier:
        dossier = locate(user)
        try:
            perform(user, dossier)
        except TransitionRefused as exc:
            raise ApiError(409, exc.code, str(exc)) from None
        except ValidationError as exc:
            raise _refusal(exc) from None
        return dossier

    dossier, _first = idempotency.once(
        user=user,
        key=idempotency.clean_key(key),
        operation=operation,
        fingerprint=fingerprint,
        action=action,
        result_field="dossier",
    )
    return _processing(Dossier.objects.get(pk=dossier.pk))


def _task(user: Any, task_id: int) -> Task:
    task = Task.objects.select_related("dossier", "unit").filter(pk=task_id).first()
    if (
        task is None
        or not dossier_selectors.visible_dossiers(user).filter(pk=task.dossier_id).exists()
    ):
        raise ApiError(
            404, "task_not_found", _("Không tìm thấy bước xử lý %(id)s.") % {"id": task_id}
        )
    return task


def _user(username: str | None, field: str) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ApiError(
            422,
            "user_not_found",
            _("Không tìm thấy cán bộ %(name)s.") % {"name": username},
            [{"location": "body", "field": field, "type": "user_not_found", "message": username}],
        )
    return user


def _task_action(
    request: HttpRequest,
    task_id: int,
    name: str,
    key: str | None,
    payload: Schema | None,
    perform: Callable[[Any, Task], Any],
) -> dict[str, Any]:
    holder: dict[str, Task] = {}

    def locate(user: Any) -> Dossier:
        holder["task"] = _task(user, task_id)
        return holder["task"].dossier

    return _run(
        request,
        operation=f"task.{name}",
        target=str(task_id),
        key=key,
        payload=payload,
        locate=locate,
        perform=lambda user, _dossier: perform(user, holder["task"]),
    )


class ForwardIn(Schema):
    note: str = ""
    next_assignee: str | None = Field(None, description="Username for the next step.")
    proceed_without_opinions: bool = False


class ReasonIn(Schema):
    reason: str


class AssignIn(Schema):
    assignee: str
    note: str = ""


class OpinionIn(Schema):
    unit: str = Field(..., description="The consulted unit's identifier code (mã định danh).")
    working_days: Decimal = Field(..., gt=0)


class ConsultIn(Schema):
    question: str
    units: list[OpinionIn]


class AnswerIn(Schema):
    answer: str


class ApproveIn(Schema):
    mode: SignatureMode = SignatureMode.PAPER
    draft_document: int | None = Field(None, description="A PDF draft, for a digital signature.")
    note: str = ""


@router.post(
    "/tasks/{task_id}/forward",
    response={200: ProcessingOut, **ERRORS},
    url_name="task_forward",
    operation_id="forwardTask",
    summary="Finish a step and hand over to the next",
)
def forward(
    request: HttpRequest, task_id: int, body: ForwardIn, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    def perform(user: Any, task: Task) -> None:
        services.forward_task(
            actor=user,
            task=task,
            note=body.note,
            next_assignee=_user(body.next_assignee, "next_assignee"),
            proceed_without_opinions=body.proceed_without_opinions,
        )

    return _task_action(request, task_id, "forward", idempotency_key, body, perform)


@router.post(
    "/tasks/{task_id}/return",
    response={200: ProcessingOut, **ERRORS},
    url_name="task_return",
    operation_id="returnTask",
    summary="Send the file back to the previous step",
)
def return_step(
    request: HttpRequest, task_id: int, body: ReasonIn, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    return _task_action(
        request,
        task_id,
        "return",
        idempotency_key,
        body,
        lambda user, task: services.return_task(actor=user, task=task, reason=body.reason),
    )


@router.post(
    "/tasks/{task_id}/assign",
    response={200: ProcessingOut, **ERRORS},
    url_name="task_assign",
    operation_id="assignTask",
    summary="Give an open step to a person (leader)",
)
def assign(
    request: HttpRequest, task_id: int, body: AssignIn, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    def perform(user: Any, task: Task) -> None:
        assignee = _user(body.assignee, "assignee")
        services.assign_task(actor=user, task=task, assignee=assignee, note=body.note)

    return _task_action(request, task_id, "assign", idempotency_key, body, perform)


@router.post(
    "/tasks/{task_id}/opinions",
    response={200: ProcessingOut, **ERRORS},
    url_name="task_consult",
    operation_id="askOpinions",
    summary="Ask other units for their opinion (xin ý kiến)",
)
def consult(
    request: HttpRequest, task_id: int, body: ConsultIn, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    def perform(user: Any, task: Task) -> None:
        requests = []
        for index, item in enumerate(body.units):
            unit = Unit.objects.filter(code=item.unit).order_by("-valid_from").first()
            if unit is None:
                raise ApiError(
                    422,
                    "unit_not_found",
                    _("Không tìm thấy đơn vị %(code)s.") % {"code": item.unit},
                    [
                        {
                            "location": "body",
                            "field": f"units.{index}.unit",
                            "type": "unit_not_found",
                            "message": item.unit,
                        }
                    ],
                )
            requests.append(services.OpinionRequest(unit=unit, working_days=item.working_days))
        services.ask_opinions(actor=user, task=task, requests=requests, question=body.question)

    return _task_action(request, task_id, "consult", idempotency_key, body, perform)


@router.post(
    "/tasks/{task_id}/answer",
    response={200: ProcessingOut, **ERRORS},
    url_name="task_answer",
    operation_id="answerOpinion",
    summary="Answer a consultation",
)
def answer(
    request: HttpRequest, task_id: int, body: AnswerIn, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    return _task_action(
        request,
        task_id,
        "answer",
        idempotency_key,
        body,
        lambda user, task: services.answer_opinion(actor=user, task=task, answer=body.answer),
    )


@router.post(
    "/tasks/{task_id}/approve",
    response={200: ProcessingOut, **ERRORS},
    url_name="task_approve",
    operation_id="approveTask",
    summary="Approve the draft result and hand it to the clerk",
)
def approve(
    request: HttpRequest, task_id: int, body: ApproveIn, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    def perform(user: Any, task: Task) -> None:
        draft = (
            Document.objects.filter(pk=body.draft_document).first() if body.draft_document else None
        )
        services.approve_and_forward(
            actor=user, task=task, mode=body.mode, draft=draft, note=body.note
        )

    return _task_action(request, task_id, "approve", idempotency_key, body, perform)


class ResultIn(Schema):
    title: str
    symbol: str
    signer_name: str = ""


class ReturnIn(Schema):
    method: ReturnMethod
    recipient_name: str = ""
    recipient_identity: str = ""
    authorization: str = ""
    originals_returned: str = ""
    postal_tracking: str = ""


@router.post(
    "/dossiers/{code}/results",
    response={200: ProcessingOut, **ERRORS},
    url_name="issue_result",
    operation_id="issueResult",
    summary="Register and issue the result (clerk), finishing the clerk's step",
)
def issue(
    request: HttpRequest, code: str, body: ResultIn, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    def perform(user: Any, dossier: Dossier) -> None:
        services.issue_and_finish(
            actor=user,
            dossier=dossier,
            title=body.title,
            symbol=body.symbol,
            signer_name=body.signer_name,
        )

    return _run(
        request,
        operation="dossier.issue_result",
        target=code,
        key=idempotency_key,
        payload=body,
        locate=lambda user: _dossier(user, code),
        perform=perform,
    )


@router.post(
    "/dossiers/{code}/return",
    response={200: ProcessingOut, **ERRORS},
    url_name="return_result",
    operation_id="returnResult",
    summary="Hand the result over (status 10)",
)
def return_result(
    request: HttpRequest, code: str, body: ReturnIn, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    return _run(
        request,
        operation="dossier.return_result",
        target=code,
        key=idempotency_key,
        payload=body,
        locate=lambda user: _dossier(user, code),
        perform=lambda user, dossier: services.return_result(
            actor=user, dossier=dossier, **body.model_dump()
        ),
    )
