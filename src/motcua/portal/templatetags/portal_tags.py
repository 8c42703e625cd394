"""Filters of the public catalogue pages."""

from __future__ import annotations

from typing import Any

from django import template

from motcua.catalog.models import ProcedureVersion

from .. import display

register = template.Library()


@register.filter
def vnd(amount: int | None) -> str:
    """``8000|vnd`` → ``8.000 đồng``."""
    return "" if amount is None else display.format_vnd(amount)


@register.filter
def channel_times(case: Any) -> list[display.ChannelTime]:
    """The time limit of each channel of a case (its times prefetched)."""
    return display.channel_times(case.processing_times.all())


@register.filter
def time_summary(version: ProcedureVersion) -> str:
    """The time limit of a version's first case in one line (cases and times prefetched)."""
    cases = list(version.cases.all())
    return display.time_summary(cases[0].processing_times.all()) if cases else ""


@register.filter
def online_badge(level: str) -> str:
    return str(display.ONLINE_BADGES.get(level, ""))  # type: ignore[call-overload]
