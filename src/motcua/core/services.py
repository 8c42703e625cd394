"""Writes of the working-time calendar: seeding a year from the ``holidays`` package and adding
an administrator's day. Reads and arithmetic are in :mod:`motcua.core.calendar`."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from . import holiday_seed
from .models import CalendarDay, CalendarYear, DayKind, DaySource

logger = logging.getLogger(__name__)

# Years the holidays package can compute (lunar calendar) and for which Asia/Ho_Chi_Minh is a
# fixed +07:00.
MIN_YEAR = 1976
MAX_YEAR = 2099


@dataclass(frozen=True)
class SeedReport:
    year: int
    year_created: bool
    created: int
    updated: int
    unchanged: int
    kept_admin: int
    source_version: str


def _check_perm(actor: Any, perm: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied


def seed_year(year: int, *, actor: Any = None) -> SeedReport:
    """Create or refresh the exceptional days of ``year`` from the ``holidays`` package.

    Idempotent: rows the package describes are created when missing and brought in line when
    they came from an earlier seeding; rows entered by an administrator (``source=admin``) are
    never touched, and nothing is deleted (a package that loses a swap must not erase it).
    """
    _check_perm(actor, "core.add_calendaryear")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"Year {year} is outside {MIN_YEAR}–{MAX_YEAR}.")
    rows = holiday_seed.seed_days(year)
    version = holiday_seed.package_version()
    updated = unchanged = kept_admin = 0
    with transaction.atomic():
        calendar_year, year_created = CalendarYear.objects.get_or_create(
            year=year, defaults={"source_version": version}
        )
        if not year_created and calendar_year.source_version != version:
            calendar_year.source_version = version
            calendar_year.save(update_fields=["source_version"])
        existing = {
            day.date: day for day in CalendarDay.objects.filter(date__in=[r.date for r in rows])
        }
        missing: list[CalendarDay] = []
        for row in rows:
            values = {
                "kind": row.kind,
                "name": row.name[:200],
                "closed_half": "",
                "legal_basis": row.legal_basis,
            }
            day = existing.get(row.date)
            if day is None:
                missing.append(CalendarDay(date=row.date, source=DaySource.SEEDED, **values))
                continue
            if day.source == DaySource.ADMIN:
                kept_admin += 1
                continue
            changed = [name for name, value in values.items() if getattr(day, name) != value]
            if changed:
                for name in changed:
                    setattr(day, name, values[name])
                day.save(update_fields=changed)
                updated += 1
            else:
                unchanged += 1
        # A concurrent seeding of a neighbouring year may insert the same worked day of a swap:
        # the unique date keeps one row, and both describe the same day.
        CalendarDay.objects.bulk_create(missing, ignore_conflicts=True)
        created = len(missing)
    logger.info(
        "Seeded calendar year %s from %s: %s created, %s updated, %s unchanged, %s admin rows "
        "kept.",
        year,
        version,
        created,
        updated,
        unchanged,
        kept_admin,
    )
    return SeedReport(year, year_created, created, updated, unchanged, kept_admin, version)


def ensure_year_seeded(year: int) -> bool:
    """Seed ``year`` unless a ``CalendarYear`` row says it already was. Safe when several
    processes race (the unique year and dates decide; the loser reads the winner's rows).
    Returns whether this call seeded it. Years outside the package's range are left empty."""
    if CalendarYear.objects.filter(year=year).exists():
        return False
    if not MIN_YEAR <= year <= MAX_YEAR:
        logger.warning("Calendar year %s is outside the seedable range; no holidays.", year)
        return False
    try:
        with transaction.atomic():
            report = seed_year(year)
    except IntegrityError:
        logger.info("Calendar year %s was seeded concurrently.", year)
        return False
    return report.year_created


def add_calendar_day(
    *,
    date: dt.date,
    kind: str,
    name: str,
    closed_half: str = "",
    legal_basis: str = "",
    actor: Any = None,
) -> CalendarDay:
    """Record an administrator's exceptional day (an extra day off, a half-day closure, a swap
    the package does not know). Replaces whatever row the date had; re-seeding keeps it."""
    _check_perm(actor, "core.add_calendarday")
    day = CalendarDay.objects.filter(date=date).first() or CalendarDay(date=date)
    day.kind = DayKind(kind)
    day.name = name
    day.closed_half = closed_half
    day.legal_basis = legal_basis
    day.source = DaySource.ADMIN
    day.full_clean()
    day.save()
    return day
