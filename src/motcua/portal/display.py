"""How the public pages word catalogue values: money, time limits, online levels.

Presentation only; the values themselves come from ``catalog.selectors``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import Channel, OnlineLevel, ProcessingTime
from motcua.core.calendar import describe_period

ONLINE_BADGES = {
    OnlineLevel.FULL: _("Trực tuyến toàn trình"),
    OnlineLevel.PARTIAL: _("Trực tuyến một phần"),
    OnlineLevel.NONE: _("Không cung cấp trực tuyến"),
}


def format_vnd(amount: int) -> str:
    """``8000`` → ``8.000 đồng`` (dots group the thousands, as Vietnamese money is written)."""
    grouped = f"{amount:,}".replace(",", ".")
    return gettext("%(amount)s đồng") % {"amount": grouped}


@dataclass(frozen=True)
class ChannelTime:
    channel: str
    text: str
    note: str


def time_text(time: ProcessingTime) -> str:
    """``3 ngày làm việc``, ``0,5 ngày làm việc``, ``trong ngày``."""
    return describe_period(time.quantity or 0, time.unit)


def channel_times(times: Iterable[ProcessingTime]) -> list[ChannelTime]:
    """The time limit of each channel, in channel order."""
    return [ChannelTime(str(Channel(t.channel).label), time_text(t), t.note) for t in times]


def time_summary(times: Iterable[ProcessingTime]) -> str:
    """One line for a list row: ``3 ngày làm việc`` when every channel has the same limit,
    else the channels sharing a limit grouped: ``Trực tiếp, Bưu chính công ích: 5 ngày làm
    việc; Trực tuyến: 3 ngày làm việc``. Empty when no time is recorded."""
    groups: dict[str, list[str]] = {}
    for item in channel_times(times):
        groups.setdefault(item.text, []).append(item.channel)
    if len(groups) == 1:
        return next(iter(groups))
    return "; ".join(f"{', '.join(channels)}: {text}" for text, channels in groups.items())
