"""Reads of dossiers shared by views, services and the API."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from motcua.catalog.models import ProcedureUnit, ProcedureVersion
from motcua.organization.models import Unit

from .models import Document, Dossier, Party


def competent_units(version: ProcedureVersion, day: dt.date) -> QuerySet[Unit]:
    """Units that settle ``version``'s procedure on ``day`` (per-unit applicability)."""
    applying = ProcedureUnit.objects.filter(
        procedure_id=version.procedure_id, is_competent=True, valid_from__lte=day
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
    return Unit.objects.filter(pk__in=applying.values("unit_id")).order_by("path")


def find_party(identity_kind: str, identity_number: str) -> Party | None:
    return Party.objects.filter(
        identity_kind=identity_kind, identity_number=identity_number
    ).first()


def reusable_documents(party: Party) -> QuerySet[Document]:
    """Results and digitised papers the system already holds for ``party`` (NĐ 118 Art 5.1.i:
    they are offered for reuse instead of being asked for again)."""
    return Document.objects.filter(owner=party, kind__in=["scan", "result"]).order_by("-created_at")


def dossier_for_staff(code: str) -> Dossier | None:
    return (
        Dossier.objects.select_related(
            "procedure_version__procedure",
            "procedure_case",
            "receiving_center",
            "competent_unit",
        )
        .prefetch_related("parties", "components__component", "events")
        .filter(code=code)
        .first()
    )
