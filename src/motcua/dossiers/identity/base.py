"""The electronic identity check at intake (NĐ 118/2025 Art 17.1.a; NĐ 69/2024): does this
person (or organisation) hold an electronic identity account (VNeID), and at which level?

A checker is a plugin: any object with ``name`` and :meth:`IdentityChecker.check`, registered
in :mod:`motcua.dossiers.identity.registry`. A checker never raises for a negative or failed
check: it answers ``verified=False`` with a ``detail`` the officer can read, so a failed
integration never blocks or rolls back a dossier (architecture principle 7).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class IdentityCheckResult:
    verified: bool
    level: int | None
    method: str
    detail: str

    def dossier_fields(self) -> dict[str, object]:
        """What the counter stores on the dossier (``register_dossier`` keyword arguments):
        ``identity_verification`` is ``"<method>:<level>"`` (e.g. ``"local:2"``) when
        verified, and empty otherwise; :func:`describe_verification` words it."""
        if not self.verified:
            return {"identity_verified": False, "identity_verification": ""}
        value = f"{self.method}:{self.level}" if self.level else self.method
        return {"identity_verified": True, "identity_verification": value[:100]}


class IdentityChecker(Protocol):
    name: str

    def check(
        self,
        *,
        identity_kind: str,
        identity_number: str,
        name: str,
        birth_date: dt.date | None = None,
    ) -> IdentityCheckResult: ...
