"""The one service that issues numbers: dossier codes, queue tickets, register numbers.

A series is ``(scope, key, period)``, e.g. ``("dossier", "000.00.06.H56", "260213")``. Numbers
are gapless and in order: :func:`next_number` locks the series row (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite serialises writers with ``BEGIN IMMEDIATE``) and must run inside the
transaction that stores what the number is for, so a rollback gives the number back.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .models import NumberSequence


class NumbersExhausted(Exception):
    """A series reached its limit (e.g. a unit's 9,999 dossier codes of one day)."""

    def __init__(self, scope: str, key: str, period: str, limit: int) -> None:
        self.scope, self.key, self.period, self.limit = scope, key, period, limit
        super().__init__(
            _("Đã hết số của dãy %(key)s kỳ %(period)s (tối đa %(limit)s).")
            % {"key": key, "period": period, "limit": limit}
        )


def next_number(*, scope: str, key: str, period: str, limit: int | None = None) -> int:
    """Issue the next number of a series (1, 2, 3, …). Raises :class:`NumbersExhausted`
    instead of issuing a number above ``limit``."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must run inside the transaction that uses the number.")
    series = _locked_series(scope, key, period)
    if limit is not None and series.last >= limit:
        raise NumbersExhausted(scope, key, period, limit)
    series.last += 1
    series.save(update_fields=["last"])
    return series.last


def _locked_series(scope: str, key: str, period: str) -> NumberSequence:
    rows = NumberSequence.objects.select_for_update()
    series = rows.filter(scope=scope, key=key, period=period).first()
    if series is not None:
        return series
    try:
        # The first number of a series: the new row stays locked by this transaction, and a
        # concurrent creator fails on the unique constraint, then waits on the lock below.
        with transaction.atomic():
            return NumberSequence.objects.create(scope=scope, key=key, period=period)
    except IntegrityError:
        return rows.get(scope=scope, key=key, period=period)


def last_number(*, scope: str, key: str, period: str) -> int:
    """The last number issued (0 if none), for display; never use it to issue one."""
    row = NumberSequence.objects.filter(scope=scope, key=key, period=period).first()
    return row.last if row else 0
