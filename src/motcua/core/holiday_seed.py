"""What the ``holidays`` package says about a year, as rows for ``core.CalendarDay``.

Pure computation, no database: :mod:`motcua.core.services` writes the rows.

How the package is read (``holidays`` 0.109, ``holidays.VN``):

- the days it lists with ``observed=False`` are the statutory holidays of Bộ luật Lao động 2019,
  Điều 112 (kind ``holiday``), except the days off of a swap, see below;
- the extra days that ``observed=True`` adds are days off in lieu (kind ``compensatory``): a
  holiday falling on a weekend moves to the next working day (e.g. Giỗ Tổ on Sunday 26/04/2026 ⇒
  Monday 27/04/2026), and the Tết days falling on a weekend are replaced by weekdays around Tết
  (the package names them "29 Tết", "Mùng năm Tết Nguyên Đán", ...);
- ``VietnamStaticHolidays.special_public_holidays[year]`` lists the swaps the Prime Minister
  approved for civil servants: tuples ``(month, day, from_month, from_day[, from_year])``
  meaning "day off on day/month, worked instead on from_day/from_month (of from_year, by
  default the same year)". The day off becomes kind ``swapped_off``; the worked day (usually a
  Saturday) kind ``swapped_working``. The worked day may belong to another year (27/12/2014 for
  the day off 02/01/2015): seeding either year stores it.

The attribute is internal to the package; if it is missing or its shape changes, the swaps are
skipped with a logged warning and the statutory days are still seeded.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from .models import DayKind

logger = logging.getLogger(__name__)

LEGAL_BASIS_HOLIDAY = "Bộ luật Lao động 2019, Điều 112"
LEGAL_BASIS_COMPENSATORY = "Bộ luật Lao động 2019, Điều 111 khoản 3 và Điều 112"
LEGAL_BASIS_SWAP = "Hoán đổi ngày làm việc được Thủ tướng Chính phủ đồng ý (theo gói holidays)"
# The package adds 24/11 from 2026 on the strength of the Politburo's decision; the amendment of
# Điều 112 that makes it a paid holiday is what an administrator should cite once published.
LEGAL_BASIS_BY_NAME = {
    "Ngày Văn hóa Việt Nam": "Nghị quyết 80-NQ/TW (chủ trương nghỉ lễ ngày 24/11; "
    "đối chiếu văn bản sửa đổi Điều 112 Bộ luật Lao động)",
}


@dataclass(frozen=True)
class SeedDay:
    """One exceptional day as the package describes it."""

    date: dt.date
    kind: str
    name: str
    legal_basis: str


def package_version() -> str:
    import holidays

    return f"holidays {holidays.__version__}"


def _statutory_and_observed(year: int) -> tuple[dict[dt.date, str], dict[dt.date, str]]:
    import holidays

    statutory = holidays.VN(years=year, language="vi", observed=False)
    with_observed = holidays.VN(years=year, language="vi", observed=True)
    stat = {d: str(name) for d, name in statutory.items()}
    observed_only = {d: str(name) for d, name in with_observed.items() if d not in stat}
    return stat, observed_only


def _swap_entries(key_year: int) -> list[tuple[dt.date, dt.date]]:
    """(day off, worked day) pairs the package lists under ``key_year``; [] when unreadable."""
    try:
        from holidays.countries.vietnam import VietnamStaticHolidays

        table = VietnamStaticHolidays.special_public_holidays
    except (ImportError, AttributeError):
        logger.warning(
            "holidays.countries.vietnam.VietnamStaticHolidays.special_public_holidays is "
            "missing; swapped working days are not seeded."
        )
        return []
    if not isinstance(table, dict):
        logger.warning("special_public_holidays is not a dict; swapped days are not seeded.")
        return []
    raw = table.get(key_year)
    if raw is None:
        return []
    # One swap is a flat tuple of ints, several swaps a tuple of tuples.
    try:
        items: Iterable[object] = (raw,) if isinstance(raw[0], int) else tuple(raw)
    except (TypeError, IndexError, KeyError):
        logger.warning("Unreadable special_public_holidays[%s] = %r; skipped.", key_year, raw)
        return []
    pairs: list[tuple[dt.date, dt.date]] = []
    for item in items:
        try:
            if not isinstance(item, tuple) or len(item) not in (4, 5):
                raise TypeError(item)
            month, day, from_month, from_day, *rest = item
            from_year = rest[0] if rest else key_year
            pairs.append((dt.date(key_year, month, day), dt.date(from_year, from_month, from_day)))
        except (TypeError, ValueError):
            logger.warning(
                "Unreadable swap %r for %s in special_public_holidays; skipped.", item, key_year
            )
    return pairs


def seed_days(year: int) -> list[SeedDay]:
    """The exceptional days of ``year`` (plus a worked day of a swap in a neighbouring year that
    belongs to this year's swaps), in date order."""
    stat, observed_only = _statutory_and_observed(year)
    if not stat:
        logger.warning("The holidays package knows no Vietnamese holiday in %s.", year)
    rows: dict[dt.date, SeedDay] = {}
    for day, name in stat.items():
        rows[day] = SeedDay(
            day, DayKind.HOLIDAY, name, LEGAL_BASIS_BY_NAME.get(name, LEGAL_BASIS_HOLIDAY)
        )
    for day, name in observed_only.items():
        rows[day] = SeedDay(day, DayKind.COMPENSATORY, name, LEGAL_BASIS_COMPENSATORY)

    # Swaps listed under this year, and those of the neighbouring years whose worked day falls
    # in this year (the day off 02/01/2015 was worked on 27/12/2014).
    for key_year in (year - 1, year, year + 1):
        for day_off, worked in _swap_entries(key_year):
            if day_off.year == year:
                # The package lists the day off among the holidays ("Ngày nghỉ (thay cho ngày
                # 26/04/2025)"); keep its name, change its kind.
                name = (
                    stat.get(day_off)
                    or observed_only.get(day_off)
                    or (f"Ngày nghỉ (thay cho ngày {worked:%d/%m/%Y})")
                )
                rows[day_off] = SeedDay(day_off, DayKind.SWAPPED_OFF, name, LEGAL_BASIS_SWAP)
            if worked.year == year or key_year == year:
                rows[worked] = SeedDay(
                    worked,
                    DayKind.SWAPPED_WORKING,
                    f"Làm bù cho ngày {day_off:%d/%m/%Y}",
                    LEGAL_BASIS_SWAP,
                )
    return [rows[d] for d in sorted(rows)]
