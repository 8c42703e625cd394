"""The workflow follows the dossier's status: acceptance plans the route and tells the
citizen; an end (withdrawn, stopped, refused, returned) empties everyone's inbox of it."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from motcua.dossiers.signals import dossier_transitioned
from motcua.dossiers.status import FINAL, Action, Status

from . import notify, services


@receiver(dossier_transitioned, dispatch_uid="workflow.follow_status")
def follow_status(
    sender: Any, *, dossier: Any, action: Action, event: Any, actor: Any, **_: Any
) -> None:
    if action == Action.ACCEPT:
        services.start_workflow(dossier=dossier, actor=actor, at=event.at)
        notify.citizen(dossier, "received", sequence=event.sequence)
    elif Status(dossier.status) in FINAL:
        services.cancel_open_tasks(dossier, at=event.at)
