"""The dossier status machine on the national status list (TrangThaiHoSo, vn-spec §10.5).

Every change of status is an *action* with an explicit set of statuses it may start from. A
refused action raises :class:`TransitionRefused`, which names the current status; the API turns
it into a 409. The table is data: adding a path is one line here, tested by the table-driven
tests of every allowed and every refused pair.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class Status(models.IntegerChoices):
    REGISTERED = 1, gettext_lazy("Mới đăng ký")
    ACCEPTED = 2, gettext_lazy("Được tiếp nhận")
    NOT_ACCEPTED = 3, gettext_lazy("Không được tiếp nhận")
    PROCESSING = 4, gettext_lazy("Đang xử lý")
    SUPPLEMENT_REQUESTED = 5, gettext_lazy("Yêu cầu bổ sung giấy tờ")
    FINANCIAL_OBLIGATION = 6, gettext_lazy("Yêu cầu thực hiện nghĩa vụ tài chính")
    WITHDRAWN = 7, gettext_lazy("Công dân yêu cầu rút hồ sơ")
    STOPPED = 8, gettext_lazy("Dừng xử lý")
    PROCESSED = 9, gettext_lazy("Đã xử lý xong")
    RETURNED = 10, gettext_lazy("Đã trả kết quả")


# The strings the national portal uses for each status (DVCQG sync).
NATIONAL_STRINGS = {
    Status.REGISTERED: "receiving",
    Status.ACCEPTED: "new",
    Status.NOT_ACCEPTED: "denied",
    Status.PROCESSING: "processing",
    Status.SUPPLEMENT_REQUESTED: "waiting",
    Status.FINANCIAL_OBLIGATION: "paying",
    Status.WITHDRAWN: "cancelled",
    Status.STOPPED: "unresolved",
    Status.PROCESSED: "releasing",
    Status.RETURNED: "done",
}

FINAL = frozenset({Status.NOT_ACCEPTED, Status.WITHDRAWN, Status.STOPPED, Status.RETURNED})


class Action(models.TextChoices):
    REGISTER = "register", gettext_lazy("Đăng ký hồ sơ")
    ACCEPT = "accept", gettext_lazy("Tiếp nhận")
    REQUEST_SUPPLEMENT = "request_supplement", gettext_lazy("Yêu cầu bổ sung, hoàn thiện")
    RESUBMIT = "resubmit", gettext_lazy("Nộp lại hồ sơ đã bổ sung")
    REFUSE = "refuse", gettext_lazy("Từ chối")
    START_PROCESSING = "start_processing", gettext_lazy("Chuyển xử lý")
    SUPPLEMENT_RECEIVED = "supplement_received", gettext_lazy("Nhận hồ sơ bổ sung")
    REQUEST_PAYMENT = "request_payment", gettext_lazy("Yêu cầu thực hiện nghĩa vụ tài chính")
    PAYMENT_DONE = "payment_done", gettext_lazy("Đã thực hiện nghĩa vụ tài chính")
    WITHDRAW = "withdraw", gettext_lazy("Rút hồ sơ")
    STOP = "stop", gettext_lazy("Dừng giải quyết")
    COMPLETE = "complete", gettext_lazy("Hoàn thành xử lý")
    RETURN_RESULT = "return_result", gettext_lazy("Trả kết quả")


class Activity(models.TextChoices):
    """Events of the processing that do not change the dossier's status (they are still links
    of its hash chain, and the control sheet is read from them)."""

    ASSIGN = "assign", gettext_lazy("Phân công xử lý")
    FORWARD = "forward", gettext_lazy("Chuyển bước xử lý")
    RETURN_STEP = "return_step", gettext_lazy("Trả lại bước trước")
    CONSULT = "consult", gettext_lazy("Xin ý kiến")
    ANSWER = "answer", gettext_lazy("Trả lời xin ý kiến")
    APPROVE = "approve", gettext_lazy("Phê duyệt, ký")
    ISSUE_RESULT = "issue_result", gettext_lazy("Vào sổ, ban hành kết quả")
    APOLOGIZE = "apologize", gettext_lazy("Xin lỗi, hẹn lại ngày trả kết quả")
    REPORT_ERROR = "report_error", gettext_lazy("Phát hiện sai sót trong kết quả")
    CORRECT_RESULT = "correct_result", gettext_lazy("Đính chính kết quả")


EVENT_CHOICES = Action.choices + Activity.choices


def event_label(code: str) -> str:
    for value, label in EVENT_CHOICES:
        if value == code:
            return str(label)
    return code


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[Status]
    target: Status


def _t(action: Action, sources: set[Status], target: Status) -> Transition:
    return Transition(action, frozenset(sources), target)


S = Status
TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in [
        _t(Action.ACCEPT, {S.REGISTERED}, S.ACCEPTED),
        # Incomplete at reception (counter or online) or during processing (NĐ 118 Art 19.5).
        _t(Action.REQUEST_SUPPLEMENT, {S.REGISTERED, S.PROCESSING}, S.SUPPLEMENT_REQUESTED),
        # The applicant completes a dossier that was incomplete at reception.
        _t(Action.RESUBMIT, {S.SUPPLEMENT_REQUESTED}, S.REGISTERED),
        # The applicant completes a dossier asked for more during processing.
        _t(Action.SUPPLEMENT_RECEIVED, {S.SUPPLEMENT_REQUESTED}, S.PROCESSING),
        # Refused at reception, or after appraisal (through the center).
        _t(Action.REFUSE, {S.REGISTERED, S.PROCESSING}, S.NOT_ACCEPTED),
        _t(Action.START_PROCESSING, {S.ACCEPTED}, S.PROCESSING),
        _t(Action.REQUEST_PAYMENT, {S.PROCESSING}, S.FINANCIAL_OBLIGATION),
        _t(Action.PAYMENT_DONE, {S.FINANCIAL_OBLIGATION}, S.PROCESSING),
        _t(
            Action.WITHDRAW,
            {
                S.REGISTERED,
                S.ACCEPTED,
                S.PROCESSING,
                S.SUPPLEMENT_REQUESTED,
                S.FINANCIAL_OBLIGATION,
            },
            S.WITHDRAWN,
        ),
        _t(Action.STOP, {S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.FINANCIAL_OBLIGATION}, S.STOPPED),
        _t(Action.COMPLETE, {S.PROCESSING, S.FINANCIAL_OBLIGATION}, S.PROCESSED),
        _t(Action.RETURN_RESULT, {S.PROCESSED}, S.RETURNED),
    ]
}


class TransitionRefused(Exception):
    """An action that the dossier's current status does not allow."""

    code = "transition_not_allowed"

    def __init__(self, action: Action | str, current: Status | int) -> None:
        self.action = Action(action)
        self.current = Status(current)
        super().__init__(
            _("Không thể “%(action)s” hồ sơ đang ở trạng thái “%(status)s” (%(code)s).")
            % {"action": self.action.label, "status": self.current.label, "code": int(self.current)}
        )


def target_of(action: Action | str, current: Status | int) -> Status:
    """The status ``action`` leads to from ``current``; raises :class:`TransitionRefused`."""
    transition = TRANSITIONS.get(Action(action))
    if transition is None or Status(current) not in transition.sources:
        raise TransitionRefused(action, current)
    return transition.target


def allowed_actions(current: Status | int) -> list[Action]:
    return [a for a, t in TRANSITIONS.items() if Status(current) in t.sources]
