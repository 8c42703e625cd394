"""What citizens and officers are told, and when. Messages go to the notification outbox in
the caller's transaction (a rolled-back change tells nobody) with a key that makes every
message at most once, even when the sweeper runs in several workers."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from motcua.core.calendar import format_moment_short
from motcua.dossiers.models import Dossier, PartyRole
from motcua.dossiers.slips import public_lookup_url


def _citizen_message(dossier: Dossier, kind: str, extra: dict[str, Any]) -> tuple[str, str]:
    procedure = dossier.procedure_version.name
    code = dossier.code
    if kind == "received":
        subject = _("Hồ sơ %(code)s đã được tiếp nhận") % {"code": code}
        body = _(
            "Hồ sơ %(code)s (%(procedure)s) đã được tiếp nhận. Ngày hẹn trả kết quả: %(due)s."
        ) % {"code": code, "procedure": procedure, "due": format_moment_short(dossier.due_at)}
    elif kind == "supplement_needed":
        request = extra["request"]
        subject = _("Hồ sơ %(code)s cần bổ sung") % {"code": code}
        body = _(
            "Hồ sơ %(code)s cần bổ sung, hoàn thiện: %(reason)s. Phiếu số %(number)s. "
            "Hạn bổ sung: %(expires)s."
        ) % {
            "code": code,
            "reason": request.reason,
            "number": request.number,
            "expires": format_moment_short(request.expires_at) or _("theo hướng dẫn"),
        }
    elif kind == "payment_needed":
        subject = _("Hồ sơ %(code)s: thực hiện nghĩa vụ tài chính") % {"code": code}
        body = _("Hồ sơ %(code)s chờ Ông/Bà thực hiện nghĩa vụ tài chính: %(what)s.") % {
            "code": code,
            "what": extra["obligation"].description,
        }
    elif kind == "result_ready":
        subject = _("Hồ sơ %(code)s đã có kết quả") % {"code": code}
        body = _(
            "Hồ sơ %(code)s (%(procedure)s) đã có kết quả. Mời Ông/Bà nhận kết quả tại %(place)s."
        ) % {"code": code, "procedure": procedure, "place": dossier.receiving_center.name}
        electronic = _electronic_result(dossier)
        if electronic:
            body += " " + _("Tải kết quả điện tử: %(url)s") % {"url": electronic}
    elif kind == "delayed":
        subject = _("Hồ sơ %(code)s có ngày hẹn trả mới") % {"code": code}
        apology = extra.get("apology")
        reason = (
            _("Cơ quan giải quyết xin lỗi vì chậm trễ: %(reason)s.") % {"reason": apology.reason}
            if apology
            else _("Thời hạn giải quyết được tính lại sau khi nhận đủ hồ sơ.")
        )
        body = _("%(reason)s Ngày hẹn trả mới của hồ sơ %(code)s: %(due)s.") % {
            "reason": reason,
            "code": code,
            "due": format_moment_short(dossier.due_at),
        }
    elif kind == "stopped":
        subject = _("Hồ sơ %(code)s dừng giải quyết") % {"code": code}
        body = _("Hồ sơ %(code)s dừng giải quyết: %(reason)s.") % {
            "code": code,
            "reason": extra["notice"].reason,
        }
    elif kind == "refused":
        subject = _("Hồ sơ %(code)s không được giải quyết") % {"code": code}
        body = _("Hồ sơ %(code)s không được giải quyết: %(reason)s.") % {
            "code": code,
            "reason": extra["refusal"].reason,
        }
    else:
        raise ValueError(f"Unknown citizen message: {kind}")
    body = f"{body} {_('Tra cứu')}: {public_lookup_url(dossier.code)}"
    return subject, body


def _electronic_result(dossier: Dossier) -> str:
    """The download link of the signed result, for a dossier submitted online."""
    from motcua.catalog.models import Channel

    from .models import Result
    from .public import download_url

    if dossier.channel != Channel.ONLINE:
        return ""
    result = (
        Result.objects.filter(dossier=dossier, document__isnull=False)
        .select_related("document")
        .order_by("-issued_at")
        .first()
    )
    return download_url(result) if result else ""


def citizen(dossier: Dossier, kind: str, *, sequence: int | None = None, **extra: Any) -> None:
    """Tell the applicant (by e-mail and SMS, where they gave them) about ``kind``. The key
    includes the dossier's event count (or the given event ``sequence``), so the same kind
    twice (two new dates) is two messages, while a retried transaction is one."""
    from motcua.notifications.services import enqueue

    applicant = dossier.parties.filter(role=PartyRole.APPLICANT).first()
    if applicant is None:
        return
    with translation.override("vi"):
        subject, body = _citizen_message(dossier, kind, extra)
    moment = sequence if sequence is not None else dossier.events.count()
    for channel, recipient in (("email", applicant.email), ("sms", applicant.phone)):
        enqueue(
            key=f"dossier:{dossier.pk}:{kind}:{moment}:{channel}",
            channel=channel,
            recipient=recipient,
            subject=subject,
            body=body,
            dossier=dossier,
        )


def officers(users: Any, *, key: str, subject: str, body: str, dossier: Dossier) -> int:
    """E-mail officers (warnings, escalations); one message per officer and key, all in one
    insert."""
    from motcua.notifications.services import enqueue_many

    return enqueue_many(
        messages=[
            {
                "key": f"{key}:user:{user.pk}",
                "channel": "email",
                "recipient": user.email,
                "subject": subject,
                "body": body,
                "user": user,
            }
            for user in users
        ],
        dossier=dossier,
    )
