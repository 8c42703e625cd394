"""The public token of a ticket: the QR code printed on it opens ``/xep-hang/so/<token>/`` on
the citizen's phone. Signed, so numbers of other people's tickets cannot be walked through."""

from __future__ import annotations

from django.core import signing

from .models import Ticket

SALT = "motcua.queueing.ticket"


def token_for(ticket: Ticket) -> str:
    return signing.Signer(salt=SALT).sign(str(ticket.pk))


def ticket_for(token: str) -> Ticket | None:
    try:
        pk = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return None
    return (
        Ticket.objects.select_related("center", "service", "priority", "counter")
        .filter(pk=int(pk))
        .first()
    )
