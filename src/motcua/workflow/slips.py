"""The forms of a dossier's processing, built from the workflow's records as
:class:`motcua.dossiers.slips.Slip` objects, which the print views and the PDF of ``dossiers``
render like forms 01–03:

- **Mẫu 04**, from the dossier's :class:`Apology`: "Phiếu xin lỗi và hẹn lại ngày trả kết quả"
  (TT 01/2018), "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết" (TT 03/2025);
- **the stop notice**, from its :class:`StopNotice`: Mẫu 05 of TT 03/2025, and the same notice
  without a form number for a TT 01/2018 dossier (``TBDGQ``);
- **the control sheet** (Phiếu kiểm soát quá trình giải quyết hồ sơ: Mẫu 05 of TT 01/2018,
  Mẫu 06 of TT 03/2025, on A4), read from the dossier's events in their order and from its
  tasks (who held the file, until when, early, on time or late): never typed.

``dossiers.slips.build_slip`` imports this module when it is asked for one of these forms (the
workflow app imports ``dossiers``, so not the other way round at import time). Builders run
under the forms' language (Vietnamese) whatever the screen's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.core.calendar import TimeUnit, describe_period
from motcua.dossiers.models import Dossier, DossierEvent, FormSet, PartyRole
from motcua.dossiers.slips import (
    UNNUMBERED_STOP_NOTICE,
    Block,
    Fields,
    FormDef,
    FormKind,
    FormSetDef,
    Header,
    Recipients,
    Signature,
    Slip,
    SlipNotAvailable,
    Table,
    Text,
    date_line,
    dossier_code_line,
    dossier_parties,
    nfc,
    officer_name,
    party_addressee,
    place_name,
    request_blocks,
    slip_header,
    spoken_moment,
    table_moment,
    time_limit_text,
    upper_vn,
)
from motcua.dossiers.status import Action, Activity, Status
from motcua.organization.models import Role, Unit
from motcua.organization.selectors import unit_identity_on

from . import rules, selectors
from .models import Apology, ClockAdjustment, ReturnMethod, StopNotice, Task, TaskKind, TaskState


def build_slip(dossier: Dossier, definitions: FormSetDef, form: FormDef) -> Slip:
    """The apology, stop notice or control sheet ``form`` of ``dossier``; raises
    :class:`SlipNotAvailable` (with the reason, in Vietnamese) when it does not apply."""
    if form.kind == FormKind.APOLOGY:
        return _apology(dossier, definitions, form)
    if form.kind == FormKind.STOP:
        return _stop_notice(dossier, definitions, form)
    if form.kind == FormKind.CONTROL:
        return _control_sheet(dossier, definitions, form)
    raise SlipNotAvailable(
        _("Mẫu số %(number)s (%(title)s) không được in từ hồ sơ này.")
        % {"number": form.number, "title": form.title}
    )


# ---------------------------------------------------------------------------------------------
# Shared pieces


def _missing(form: FormDef, reason: str) -> SlipNotAvailable:
    """Why the form does not apply: "Hồ sơ này không có … (mẫu số 04): …" (an unnumbered
    form is named by its title only)."""
    if form is UNNUMBERED_STOP_NOTICE:
        return SlipNotAvailable(
            _("Hồ sơ này không có %(title)s: %(reason)s")
            % {"title": str(form.title).lower(), "reason": reason}
        )
    return SlipNotAvailable(
        _("Hồ sơ này không có %(title)s (mẫu số %(number)s): %(reason)s")
        % {"title": str(form.title).lower(), "number": form.number, "reason": reason}
    )


def _references(definitions: FormSetDef, form: FormDef) -> tuple[str, str]:
    """(full reference for the foot of the page, corner mark) of a form of the set; a form
    the set does not number says so at its foot and has no corner mark."""
    if form is UNNUMBERED_STOP_NOTICE:
        return (
            _("không có mẫu ban hành kèm theo %(circular)s") % {"circular": definitions.circular},
            "",
        )
    return definitions.reference(form), definitions.short_reference(form)


def _unit_header(unit: Unit, day: dt.date, number_line: str) -> Header:
    """The header of a letter a unit issues (forms 04 and the stop notice): its governing body
    and its own name as they were on ``day``, its number, the place and the date."""
    chain = sorted(Unit.objects.filter(path__in=unit.ancestor_paths()), key=lambda u: -u.depth)
    _code, name = unit_identity_on(unit, day)
    if chain and chain[0].pk == unit.pk:
        chain[0].name = name
    parent = chain[1] if len(chain) > 1 and chain[0].pk == unit.pk else None
    governing = unit_identity_on(parent, day)[1] if parent is not None else ""
    return Header(
        governing_body=upper_vn(governing),
        office=upper_vn(name),
        number_line=number_line,
        national_name=_("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        motto=_("Độc lập - Tự do - Hạnh phúc"),
        date_line=date_line(place_name(chain), day),
    )


def _addressed_to(dossier: Dossier) -> Fields:
    applicant = dossier_parties(dossier)[PartyRole.APPLICANT]
    return Fields(
        ((_("Kính gửi:"), f"{party_addressee(applicant)} {nfc(applicant.name)}"),),
        strong=True,
    )


def _procedure(dossier: Dossier) -> str:
    version = dossier.procedure_version
    return f"{nfc(version.name)} ({version.procedure.code})"


def _receiving_place(dossier: Dossier) -> str:
    center = dossier.receiving_center
    return nfc(center.name) + (f", {nfc(center.address)}" if center.address else "")


def _head_of(name: str, position: str) -> Signature:
    """The signer of a unit's letter: their position (upper case) over their name."""
    return Signature(
        upper_vn(position) or _("THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ"),
        _("(Ký, ghi rõ họ tên và đóng dấu)"),
        nfc(name),
    )


def _recipients(dossier: Dossier, role: str) -> Recipients:
    return Recipients(
        _("Nơi nhận:"),
        (
            _("- Như trên;"),
            _("- %(center)s (%(role)s);")
            % {"center": nfc(dossier.receiving_center.name), "role": role},
            _("- Lưu: VT."),
        ),
    )


# ---------------------------------------------------------------------------------------------
# Mẫu 04: the apology and new appointment

# What the unit asks for, in the words of each set: a new appointment (TT 01/2018), an
# extension of the time to settle the dossier (TT 03/2025).
_EXTENSION: dict[str, Any] = {
    FormSet.TT01_2018: gettext_lazy("hẹn lại thời gian trả kết quả"),
    FormSet.TT03_2025: gettext_lazy("đề nghị gia hạn thời gian giải quyết hồ sơ"),
}


def _apology(dossier: Dossier, definitions: FormSetDef, form: FormDef) -> Slip:
    apology = Apology.objects.filter(dossier=dossier).select_related("unit").first()
    if apology is None:
        raise _missing(form, _("đơn vị giải quyết chưa xin lỗi, hẹn lại ngày trả kết quả."))
    at = timezone.localtime(apology.created_at)
    unit_name = nfc(unit_identity_on(apology.unit, at.date())[1])
    center = dossier.receiving_center
    received = dossier.accepted_at or dossier.submitted_at
    applicant = dossier_parties(dossier)[PartyRole.APPLICANT]
    addressee = party_addressee(applicant)
    reference, corner = _references(definitions, form)
    body: list[Block] = [
        _addressed_to(dossier),
        Text(
            _(
                "Ngày %(day)s, %(center)s tiếp nhận hồ sơ của %(addressee)s đề nghị giải quyết "
                "thủ tục hành chính sau:"
            )
            % {
                "day": timezone.localtime(received).strftime("%d/%m/%Y"),
                "center": nfc(center.name),
                "addressee": addressee,
            }
        ),
        Fields(((_("Thủ tục:"), _procedure(dossier)),)),
        Fields(((_("Thời gian tiếp nhận hồ sơ:"), spoken_moment(received)),)),
        Fields(((_("Thời gian hẹn trả kết quả:"), spoken_moment(apology.previous_due_at)),)),
        Text(
            _(
                "Đến nay, hồ sơ của %(addressee)s chưa được giải quyết xong theo thời gian hẹn "
                "trả kết quả. Lý do:"
            )
            % {"addressee": addressee}
        ),
        Text(nfc(apology.reason), "quote"),
        Fields(((_("Cơ quan, đơn vị chịu trách nhiệm:"), unit_name),)),
        Text(
            _(
                "Sự chậm trễ này đã gây phiền hà, mất thời gian của %(addressee)s. %(unit)s "
                "thành thật xin lỗi %(addressee)s và %(request)s như sau:"
            )
            % {
                "addressee": addressee,
                "unit": unit_name,
                "request": _EXTENSION.get(definitions.key, _EXTENSION[FormSet.TT03_2025]),
            }
        ),
        Fields(
            ((_("Thời gian hẹn trả kết quả mới:"), spoken_moment(apology.new_due_at)),),
            strong=True,
        ),
        Fields(((_("Địa điểm trả kết quả:"), _receiving_place(dossier)),)),
        Text(
            _("Thời gian trả kết quả chỉ được hẹn lại một lần (lần hẹn lại này là lần duy nhất)."),
            "note",
        ),
        Text(_("Rất mong nhận được sự thông cảm của %(addressee)s./.") % {"addressee": addressee}),
    ]
    return Slip(
        kind=FormKind.APOLOGY,
        form_set=definitions,
        form=form,
        dossier_code=dossier.code,
        day=at.date(),
        header=_unit_header(
            apology.unit, at.date(), _("Số: %(number)s") % {"number": apology.number}
        ),
        title=upper_vn(str(form.title)),
        subtitle=_(
            "Về việc xin lỗi đối với hồ sơ giải quyết quá hạn và hẹn lại thời gian trả kết quả"
        ),
        reference=reference,
        corner=corner,
        code_line=dossier_code_line(dossier),
        body=body,
        signatures=[_head_of(apology.signer_name, apology.signer_position)],
        recipients=_recipients(dossier, _("để theo dõi, trả kết quả")),
    )


# ---------------------------------------------------------------------------------------------
# The stop notice


def _stage_at_stop(dossier: Dossier, notice: StopNotice, from_status: int | None) -> str:
    """The step the dossier had reached when it was stopped: the steps open then (cancelled
    by the stop), else the last one finished before it; "tiếp nhận" when none had begun."""
    steps = list(
        Task.objects.filter(
            dossier=dossier,
            kind=TaskKind.STEP,
            started_at__isnull=False,
            finished_at__lte=notice.created_at,
        )
        .exclude(role=Role.RECEPTIONIST)
        .select_related("unit")
        .order_by("-finished_at", "-pk")
    )
    open_then = [
        t for t in steps if t.state == TaskState.CANCELLED and t.finished_at == notice.created_at
    ]
    if open_then:
        stage = "; ".join(f"{nfc(t.name)} ({nfc(t.unit.name)})" for t in reversed(open_then))
    elif steps:
        stage = _("đã xong bước %(step)s (%(unit)s)") % {
            "step": nfc(steps[0].name),
            "unit": nfc(steps[0].unit.name),
        }
    else:
        stage = _("Tiếp nhận hồ sơ")
    if from_status in (Status.SUPPLEMENT_REQUESTED, Status.FINANCIAL_OBLIGATION):
        stage = f"{stage} - {Status(from_status).label}"
    return stage


def _stop_notice(dossier: Dossier, definitions: FormSetDef, form: FormDef) -> Slip:
    notice = StopNotice.objects.filter(dossier=dossier).select_related("unit", "created_by").first()
    if notice is None:
        raise _missing(form, _("hồ sơ không bị dừng giải quyết."))
    at = timezone.localtime(notice.created_at)
    unit_name = nfc(unit_identity_on(notice.unit, at.date())[1])
    stop = (
        DossierEvent.objects.filter(dossier=dossier, action=Action.STOP)
        .order_by("-sequence")
        .values_list("from_status", flat=True)
        .first()
    )
    applicant = dossier_parties(dossier)[PartyRole.APPLICANT]
    addressee = party_addressee(applicant)
    received = dossier.accepted_at or dossier.submitted_at
    reference, corner = _references(definitions, form)
    decided = (
        _("Việc dừng giải quyết hồ sơ được thực hiện theo đề nghị của %(addressee)s.")
        % {"addressee": addressee}
        if notice.requested_by_applicant
        else _("Việc dừng giải quyết hồ sơ do cơ quan giải quyết hồ sơ quyết định.")
    )
    body: list[Block] = [
        _addressed_to(dossier),
        Text(
            _("%(unit)s thông báo dừng giải quyết hồ sơ của %(addressee)s như sau:")
            % {"unit": unit_name, "addressee": addressee}
        ),
        Fields(((_("Thủ tục:"), _procedure(dossier)),)),
        Fields(((_("Thời gian tiếp nhận hồ sơ:"), spoken_moment(received)),)),
        Fields(
            (
                (
                    _("Thời gian hẹn trả kết quả:"),
                    spoken_moment(dossier.due_at) if dossier.due_at else "…",
                ),
            )
        ),
        Fields(((_("Hồ sơ đã được giải quyết đến:"), _stage_at_stop(dossier, notice, stop)),)),
        Text(_("Lý do dừng giải quyết hồ sơ:")),
        Text(nfc(notice.reason), "quote"),
        Text(decided),
        Text(
            _(
                "Việc hoàn trả giấy tờ, phí, lệ phí (nếu có) thực hiện theo quy định của pháp "
                "luật chuyên ngành."
            )
        ),
        Fields(((_("Nơi liên hệ:"), _receiving_place(dossier)),)),
        Text(
            _("%(unit)s thông báo để %(addressee)s được biết./.")
            % {"unit": unit_name, "addressee": addressee}
        ),
    ]
    return Slip(
        kind=FormKind.STOP,
        form_set=definitions,
        form=form,
        dossier_code=dossier.code,
        day=at.date(),
        header=_unit_header(
            notice.unit, at.date(), _("Số: %(number)s") % {"number": notice.number}
        ),
        title=upper_vn(str(form.title)),
        reference=reference,
        corner=corner,
        code_line=dossier_code_line(dossier),
        body=body,
        signatures=[
            _head_of(officer_name(notice.created_by), getattr(notice.created_by, "position", ""))
        ],
        recipients=_recipients(dossier, _("để thông báo, trả lại hồ sơ")),
    )


# ---------------------------------------------------------------------------------------------
# The control sheet

# Events of the processing that are not hand-overs but belong on the sheet, one row each.
_NOTED_EVENTS = {
    Action.REQUEST_SUPPLEMENT,
    Action.SUPPLEMENT_RECEIVED,
    Action.REQUEST_PAYMENT,
    Action.PAYMENT_DONE,
    Action.STOP,
    Action.REFUSE,
    Action.WITHDRAW,
    Activity.APOLOGIZE,
    Activity.REPORT_ERROR,
    Activity.CORRECT_RESULT,
}
# Of those, the ones the one-stop unit records (the others, the unit holding the file).
_AT_THE_CENTER = {Action.SUPPLEMENT_RECEIVED, Action.WITHDRAW, Activity.REPORT_ERROR}


@dataclass
class _Entry:
    """One hand-over of the file (or one event) on the sheet: its rows ("Giao: …",
    "Nhận: …", each with its moment) and, spanning them, the timeliness of the step just
    finished and a note."""

    rows: list[tuple[str, str]]
    result: str = ""
    note: str = ""


@dataclass
class _Walk:
    """What the walk through the events knows: the tasks (from ``selectors.route``, with
    their timeliness), which steps hold the file, and the people named along the way."""

    tasks: dict[int, Task]
    center: str
    opened_later: set[int] = field(default_factory=set)  # opened by a forward or a return
    assigned: set[int] = field(default_factory=set)  # given to a person by an assignment
    asked_by: dict[int, Any] = field(default_factory=dict)  # consultation → who asked
    users: dict[int, Any] = field(default_factory=dict)
    holders: list[Task] = field(default_factory=list)
    results: list[str] = field(default_factory=list)  # register numbers issued so far
    outcome: rules.Timeliness | None = None  # the dossier's, once settled
    lawful_due: dt.datetime | None = None  # the appointment it is judged against


def _who(unit: str, user: Any) -> str:
    name = officer_name(user)
    return f"{unit}, {name}" if name else unit


def _given(who: str) -> str:
    return _("Giao: %(who)s") % {"who": who}


def _received(who: str) -> str:
    return _("Nhận: %(who)s") % {"who": who}


def _timeliness(task: Task | None) -> str:
    value = getattr(task, "timeliness", None)
    return str(rules.Timeliness(value).label) if value else ""


def _receiver(walk: _Walk, task: Task, explicit: int | None = None) -> str:
    """The unit that received the file, with the person it was given to when it was given
    to one (the next assignee chosen on forwarding, the person a returned step goes back to);
    a step left to the unit's pool and assigned later names the unit only (the assignment has
    a row of its own)."""
    unit = nfc(task.unit.name)
    if explicit:
        return _who(unit, walk.users.get(explicit))
    if task.pk in walk.assigned:
        return unit
    return _who(unit, task.assignee)


def _task(walk: _Walk, pk: Any) -> Task | None:
    """The task an event's data names (None when it names none, or one of another dossier)."""
    return walk.tasks.get(pk) if isinstance(pk, int) else None


def _holding_unit(walk: _Walk) -> str:
    return "; ".join(dict.fromkeys(nfc(t.unit.name) for t in walk.holders)) or walk.center


def _control_sheet(dossier: Dossier, definitions: FormSetDef, form: FormDef) -> Slip:
    if dossier.accepted_at is None:
        raise _missing(form, _("hồ sơ chưa được tiếp nhận."))
    now = timezone.now()
    events = list(
        DossierEvent.objects.filter(dossier=dossier)
        .select_related("actor", "unit")
        .order_by("sequence")
    )
    walk = _Walk(
        tasks={t.pk: t for t in selectors.route(dossier)},
        center=nfc(dossier.receiving_center.name),
    )
    if dossier.status in (Status.PROCESSED, Status.RETURNED):
        # Judged against the lawful appointment: an apology's new date does not count (QĐ 766).
        walk.lawful_due = selectors.legal_due_at(dossier)
        walk.outcome = rules.timeliness(selectors.finished_at(dossier), walk.lawful_due)
    entries = _entries(dossier, events, walk)
    open_tasks = [t for t in walk.tasks.values() if t.is_open]
    entries += [_open_entry(t) for t in sorted(open_tasks, key=lambda t: (t.started_at, t.pk))]
    accepted_at = timezone.localtime(dossier.accepted_at)
    reference, corner = _references(definitions, form)
    accept = next((e for e in events if e.action == Action.ACCEPT), None)
    body: list[Block] = [
        *_sheet_head(dossier, accept),
        Text(_("Quá trình giao, nhận và giải quyết hồ sơ:"), "heading"),
        _process_table(entries),
        *_held_time(dossier, walk, now, running=bool(open_tasks)),
    ]
    return Slip(
        kind=FormKind.CONTROL,
        form_set=definitions,
        form=form,
        dossier_code=dossier.code,
        day=accepted_at.date(),
        header=slip_header(dossier, accepted_at.date()),
        title=upper_vn(str(form.title)),
        reference=reference,
        corner=corner,
        code_line=dossier_code_line(dossier),
        body=body,
        signatures=[],
    )


def _sheet_head(dossier: Dossier, accept: DossierEvent | None) -> list[Block]:
    """Whose file this is, what it asks, when it was received, the legal time and the
    appointment: the first one and, when it moved, the current one with every adjustment."""
    applicant = dossier_parties(dossier)[PartyRole.APPLICANT]
    assert dossier.accepted_at is not None
    blocks: list[Block] = [
        Fields(
            ((_("Kèm theo hồ sơ của:"), f"{party_addressee(applicant)} {nfc(applicant.name)}"),),
            strong=True,
        ),
        Fields(((_("Địa chỉ:"), nfc(applicant.address) or "…"),)),
        Fields(
            (
                (_("Số điện thoại:"), applicant.phone or "…"),
                (_("Thư điện tử:"), applicant.email or "…"),
            )
        ),
        *request_blocks(dossier),
        Fields(((_("Cơ quan chủ trì giải quyết:"), nfc(dossier.competent_unit.name)),)),
        Fields(((_("Thời gian nhận hồ sơ:"), spoken_moment(dossier.accepted_at)),)),
        Fields(((_("Thời gian giải quyết theo quy định:"), time_limit_text(dossier, accept)),)),
    ]
    first_due = dossier.original_due_at or dossier.due_at
    first = spoken_moment(first_due) if first_due else "…"
    adjustments = list(ClockAdjustment.objects.filter(dossier=dossier).order_by("at", "pk"))
    if not adjustments or dossier.due_at is None:
        blocks.append(Fields(((_("Thời gian hẹn trả kết quả:"), first),), strong=True))
        return blocks
    return [
        *blocks,
        Fields(((_("Thời gian hẹn trả kết quả ban đầu:"), first),)),
        Fields(
            ((_("Thời gian hẹn trả kết quả hiện tại:"), spoken_moment(dossier.due_at)),),
            strong=True,
        ),
        Text(_("Các lần điều chỉnh thời gian hẹn trả kết quả:"), "heading"),
        Table(
            headers=(
                _("TT"),
                _("Thời điểm"),
                _("Điều chỉnh"),
                _("Hẹn trả trước đó"),
                _("Hẹn trả mới"),
                _("Lý do"),
            ),
            rows=tuple(
                (
                    str(i),
                    table_moment(a.at),
                    str(a.get_kind_display()),
                    table_moment(a.previous_due_at),
                    table_moment(a.new_due_at),
                    nfc(a.reason),
                )
                for i, a in enumerate(adjustments, 1)
            ),
            widths=(5, 16, 20, 16, 16, 27),
            align=("C", "C", "L", "C", "C", "L"),
        ),
    ]


def _process_table(entries: list[_Entry]) -> Table:
    rows: list[tuple[str, ...]] = []
    for entry in entries:
        for i, (who, moment) in enumerate(entry.rows):
            first = i == 0
            rows.append((who, moment, entry.result if first else "", entry.note if first else ""))
    return Table(
        headers=(
            _("TÊN CƠ QUAN"),
            _("THỜI GIAN GIAO, NHẬN HỒ SƠ"),
            _("KẾT QUẢ GIẢI QUYẾT HỒ SƠ (Trước hạn/đúng hạn/quá hạn)"),
            _("GHI CHÚ"),
        ),
        rows=tuple(rows),
        widths=(33, 21, 17, 29),
        align=("L", "C", "C", "L"),
        groups=tuple(len(entry.rows) for entry in entries),
        merged=(2, 3),
    )


def _entries(dossier: Dossier, events: list[DossierEvent], walk: _Walk) -> list[_Entry]:
    """The hand-overs of the file and the events of its processing, in the events' order."""
    wanted: set[int] = set()
    for event in events:
        data = event.data or {}
        if event.action == Activity.FORWARD:
            walk.opened_later.update(data.get("to_tasks") or [])
            if data.get("to_assignee"):
                wanted.add(data["to_assignee"])
        elif event.action == Activity.RETURN_STEP and data.get("to_task"):
            walk.opened_later.add(data["to_task"])
        elif event.action == Activity.ASSIGN and data.get("task"):
            walk.assigned.add(data["task"])
    _load_users(walk, wanted)
    completed = {(e.data or {}).get("task") for e in events if e.action == Action.COMPLETE}

    entries: list[_Entry] = []
    for event in events:
        action, data = event.action, event.data or {}
        if action == Action.ACCEPT:
            entries.append(_reception(event, walk))
        elif action == Activity.FORWARD:
            entries += _forward(event, walk, completes=data.get("task") in completed)
        elif action == Activity.RETURN_STEP:
            entries.append(_return(event, walk))
        elif action == Activity.CONSULT:
            entries.append(_consultation(event, walk))
        elif action == Activity.ANSWER:
            entries.append(_answer(event, walk))
        elif action == Activity.ASSIGN:
            entries.append(_assignment(event, walk))
        elif action == Activity.ISSUE_RESULT and data.get("reference"):
            walk.results.append(str(data["reference"]))
        elif action == Action.RETURN_RESULT:
            entries.append(_result_return(dossier, event, walk))
        elif action in _NOTED_EVENTS and event.from_status not in (None, Status.REGISTERED):
            # (Reception's own outcomes are forms 02 and 03, not hand-overs.)
            entries.append(_noted(event, walk))
    return entries


def _load_users(walk: _Walk, wanted: set[int]) -> None:
    """The people forwards named as next holders (most are still the tasks' assignees)."""
    known = {t.assignee_id: t.assignee for t in walk.tasks.values() if t.assignee_id}
    walk.users = {pk: known[pk] for pk in wanted if pk in known}
    missing = wanted - set(walk.users)
    if missing:
        from django.contrib.auth import get_user_model

        walk.users.update(get_user_model().objects.in_bulk(missing))


def _hold(walk: _Walk, giver: Task | None, receivers: list[Task]) -> None:
    walk.holders = [t for t in walk.holders if giver is None or t.pk != giver.pk] + receivers


def _reception(event: DossierEvent, walk: _Walk) -> _Entry:
    """The one-stop unit hands the file to the first step(s) of the route: at acceptance, and
    received when the unit got it (a paper file after 15:00 arrives the next working
    morning). The route's leading reception steps are the acceptance itself."""
    reception = [
        t
        for t in walk.tasks.values()
        if t.kind == TaskKind.STEP and t.role == Role.RECEPTIONIST and t.finished_at == event.at
    ]
    first = sorted(
        (
            t
            for t in walk.tasks.values()
            if t.kind == TaskKind.STEP
            and t.started_at is not None
            and t not in reception
            and t.pk not in walk.opened_later
        ),
        key=lambda t: (t.started_at, t.pk),
    )
    rows = [(_given(_who(walk.center, event.actor)), table_moment(event.at))]
    for task in first:
        assert task.started_at is not None
        rows.append((_received(_receiver(walk, task)), table_moment(task.started_at)))
    _hold(walk, None, first)
    return _Entry(
        rows,
        _timeliness(reception[-1]) if reception else "",
        "; ".join(nfc(t.name) for t in reception) or _("Tiếp nhận hồ sơ"),
    )


def _forward(event: DossierEvent, walk: _Walk, *, completes: bool) -> list[_Entry]:
    """A step done: the file goes to the next step(s), or back to the one-stop unit with the
    result when it was the last. Consultations the step stopped waiting for come first."""
    data = event.data or {}
    giver = _task(walk, data.get("task"))
    if giver is None:
        return []
    entries = [
        _Entry(
            [(_who(nfc(c.unit.name), c.assignee), table_moment(event.at))],
            "",
            nfc(c.response) or _("Không chờ ý kiến."),
        )
        for c in walk.tasks.values()
        if c.parent_id == giver.pk and c.state == TaskState.CANCELLED and c.finished_at == event.at
    ]
    receivers = [walk.tasks[pk] for pk in data.get("to_tasks") or [] if pk in walk.tasks]
    rows = [(_given(_who(nfc(giver.unit.name), event.actor)), table_moment(event.at))]
    rows += [
        (_received(_receiver(walk, t, data.get("to_assignee"))), table_moment(event.at))
        for t in receivers
    ]
    note = nfc(giver.name)
    if completes:
        rows.append((_received(walk.center), table_moment(event.at)))
        note = _("%(step)s; hoàn thành giải quyết, chuyển kết quả về %(center)s") % {
            "step": note,
            "center": walk.center,
        }
        if walk.results:
            note += _(" (kết quả số %(numbers)s)") % {"numbers": ", ".join(walk.results)}
    if event.note:
        note = f"{note}. {nfc(event.note)}"
    entries.append(_Entry(rows, _timeliness(giver), note))
    _hold(walk, giver, receivers)
    return entries


def _return(event: DossierEvent, walk: _Walk) -> _Entry:
    """A step sends the file back to the previous one, with its reason."""
    data = event.data or {}
    giver, back = _task(walk, data.get("task")), _task(walk, data.get("to_task"))
    unit = nfc(giver.unit.name) if giver else _holding_unit(walk)
    rows = [(_given(_who(unit, event.actor)), table_moment(event.at))]
    if back is not None:
        rows.append((_received(_receiver(walk, back)), table_moment(event.at)))
    _hold(walk, giver, [back] if back else [])
    return _Entry(
        rows,
        _timeliness(giver),
        _("%(step)s: trả lại bước “%(back)s”. Lý do: %(reason)s")
        % {
            "step": nfc(giver.name) if giver else "",
            "back": nfc(back.name) if back else "",
            "reason": nfc(event.note),
        },
    )


def _consultation(event: DossierEvent, walk: _Walk) -> _Entry:
    """A step asks other units for their opinion: the file (a copy) goes to each."""
    data = event.data or {}
    asking = _task(walk, data.get("task"))
    pks = [c.get("task") for c in data.get("consultations") or []]
    asked = [walk.tasks[pk] for pk in pks if pk in walk.tasks]
    for task in asked:
        walk.asked_by[task.pk] = event.actor
    unit = nfc(asking.unit.name) if asking else _holding_unit(walk)
    rows = [(_given(_who(unit, event.actor)), table_moment(event.at))]
    rows += [(_received(_receiver(walk, t)), table_moment(event.at)) for t in asked]
    return _Entry(rows, "", _("Xin ý kiến: %(question)s") % {"question": nfc(event.note)})


def _answer(event: DossierEvent, walk: _Walk) -> _Entry:
    """A consulted unit answers: the opinion goes back to whoever asked."""
    data = event.data or {}
    consulted = _task(walk, data.get("task"))
    asking = _task(walk, data.get("asking_task"))
    unit = nfc(consulted.unit.name) if consulted else ""
    rows = [(_given(_who(unit, event.actor)), table_moment(event.at))]
    if asking is not None:
        asker = walk.asked_by.get(consulted.pk) if consulted else None
        rows.append((_received(_who(nfc(asking.unit.name), asker)), table_moment(event.at)))
    return _Entry(rows, _timeliness(consulted), _("Trả lời xin ý kiến"))


def _assignment(event: DossierEvent, walk: _Walk) -> _Entry:
    """A leader gives an open step to one person of the unit (or moves it to another)."""
    data = event.data or {}
    task = _task(walk, data.get("task"))
    unit = nfc(task.unit.name) if task else _holding_unit(walk)
    to = nfc(data.get("to_name") or "")
    note = _("Phân công xử lý bước “%(step)s”") % {"step": nfc(task.name) if task else ""}
    return _Entry(
        [
            (_given(_who(unit, event.actor)), table_moment(event.at)),
            (_received(f"{unit}, {to}" if to else unit), table_moment(event.at)),
        ],
        "",
        f"{note}. {nfc(event.note)}" if event.note else note,
    )


def _result_return(dossier: Dossier, event: DossierEvent, walk: _Walk) -> _Entry:
    """The one-stop unit hands the result to the applicant (or the post): the end of the
    sheet, with the dossier's own timeliness (against its lawful appointment, QĐ 766)."""
    data = event.data or {}
    method = data.get("method") or ReturnMethod.COUNTER
    if method == ReturnMethod.POSTAL:
        recipient = _("Dịch vụ bưu chính công ích")
    else:
        applicant = dossier_parties(dossier)[PartyRole.APPLICANT]
        recipient = _("Ông/Bà %(name)s") % {
            "name": nfc(data.get("recipient") or "") or nfc(applicant.name)
        }
    return _Entry(
        [
            (_given(_who(walk.center, event.actor)), table_moment(event.at)),
            (_received(recipient), table_moment(event.at)),
        ],
        str(walk.outcome.label) if walk.outcome else "",
        _("Trả kết quả cho tổ chức, cá nhân: %(method)s")
        % {"method": str(ReturnMethod(method).label).lower()},
    )


def _noted(event: DossierEvent, walk: _Walk) -> _Entry:
    """An event of the processing that is not a hand-over (a supplement asked or received, a
    financial obligation, an apology, a stop, a refusal, …): one row."""
    unit = walk.center if event.action in _AT_THE_CENTER else _holding_unit(walk)
    label = event.get_action_display()
    number = (event.data or {}).get("apology") or (event.data or {}).get("notice")
    if number:
        label = _("%(label)s (số %(number)s)") % {"label": label, "number": number}
    note = f"{label}: {nfc(event.note)}" if event.note else str(label)
    return _Entry([(_who(unit, event.actor), table_moment(event.at))], "", note)


def _open_entry(task: Task) -> _Entry:
    """A step or consultation still open: who holds it, and until when."""
    if task.paused_at is not None:
        state = _("Tạm dừng từ %(moment)s") % {"moment": table_moment(task.paused_at)}
    else:
        due = table_moment(task.due_at) if task.due_at else "…"
        state = _("Đang xử lý (hạn %(due)s)") % {"due": due}
    return _Entry([(_who(nfc(task.unit.name), task.assignee), "")], state, nfc(task.name))


def _hours(hours: Decimal) -> str:
    return describe_period(hours, TimeUnit.WORKING_HOURS)


def _held_time(dossier: Dossier, walk: _Walk, now: dt.datetime, *, running: bool) -> list[Block]:
    """How long each unit held the file, and the dossier's result against its appointment."""
    held = selectors.held_time_by_unit(dossier, now=now, tasks=list(walk.tasks.values()))
    blocks: list[Block] = [
        Text(_("Thời gian giữ hồ sơ của từng cơ quan, đơn vị:"), "heading"),
        Table(
            headers=(_("TT"), _("Cơ quan, đơn vị"), _("Thời gian giữ hồ sơ")),
            rows=tuple(
                (str(i), nfc(row["unit"].name), _hours(row["hours"]))
                for i, row in enumerate(held, 1)
            ),
            widths=(6, 64, 30),
            align=("C", "L", "C"),
        ),
        Text(
            _(
                "Tính bằng giờ làm việc theo lịch làm việc của nơi tiếp nhận, cộng các bước xử "
                "lý của mỗi đơn vị (không gồm thời gian cho ý kiến)%(until)s."
            )
            % {
                "until": _("; bước đang xử lý tính đến %(moment)s") % {"moment": spoken_moment(now)}
                if running
                else ""
            },
            "note",
        ),
    ]
    # Only once settled: a running dossier has no result yet, a stopped one none to judge.
    if walk.outcome is not None and walk.lawful_due is not None:
        result = _("%(outcome)s (hạn %(due)s)") % {
            "outcome": walk.outcome.label,
            "due": spoken_moment(walk.lawful_due),
        }
        blocks.append(Fields(((_("Kết quả giải quyết hồ sơ:"), result),), strong=True))
    return blocks
