"""Effective-dated rules of reception, as data (ARCHITECTURE §2.4). Values marked (inferred)
in the shared reference are kept here, in one place, to be corrected when the text is read."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from .models import FormSet

# Which form set the slips of a dossier received on a day follow: TT 01/2018/TT-VPCP from its
# effective date; TT 03/2025/TT-VPCP from its issue date (inferred: the effective date of the
# circular has not been checked).
FORM_SETS: list[tuple[dt.date, str]] = [
    (dt.date(2019, 1, 6), FormSet.TT01_2018),
    (dt.date(2025, 9, 15), FormSet.TT03_2025),
]

# NĐ 118/2025 Art 17.2: an online dossier is accepted, refused or sent back for completion no
# later than 8 working hours after the system received it.
ONLINE_DECISION_WORKING_HOURS = Decimal(8)

# NĐ 118/2025 Art 20: the paper file goes to the settling unit within one working day.
PAPER_TRANSFER_WORKING_DAYS = 1

# TT 01/2018 Art 19: four digits of daily sequence per unit.
DAILY_CODE_LIMIT = 9999


def form_set_on(day: dt.date) -> str:
    chosen = FORM_SETS[0][1]
    for start, form_set in FORM_SETS:
        if day >= start:
            chosen = form_set
    return chosen
