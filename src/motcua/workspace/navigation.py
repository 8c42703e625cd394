"""The workspace menu: each entry names the capability it needs, so a person sees only what
they may use. Later features add their entries here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from motcua.organization.permissions import Capability, can_use_admin, capabilities_of


@dataclass(frozen=True)
class NavItem:
    key: str
    label: Any
    url_name: str
    capability: str | None = None  # None: any staff member with a role
    # A count shown beside the label (e.g. dossiers waiting); keep it one cheap query.
    badge: Callable[[Any], int] | None = None
    # The pages the entry stands for when more than its own address (a section's prefix).
    section: str = ""


def _online_waiting(user: Any) -> int:
    from motcua.dossiers.selectors import online_waiting_count

    return online_waiting_count(user)


def _inbox_open(user: Any) -> int:
    from motcua.workflow.selectors import inbox

    return inbox(user).order_by().count()


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("home", _("Bàn làm việc"), "workspace:home", Capability.VIEW_WORKSPACE),
    NavItem("organization", _("Tổ chức"), "workspace:organization", Capability.VIEW_WORKSPACE),
    NavItem("calendar", _("Lịch làm việc"), "workspace:calendar", Capability.VIEW_WORKSPACE),
    NavItem("counter", _("Tiếp nhận hồ sơ"), "dossiers:counter", Capability.RECEIVE_DOSSIERS),
    NavItem("console", _("Gọi số tại quầy"), "floor:console", Capability.RECEIVE_DOSSIERS),
    NavItem(
        "waiting",
        _("Hồ sơ trực tuyến chờ tiếp nhận"),
        "dossiers:waiting",
        Capability.RECEIVE_DOSSIERS,
        badge=_online_waiting,
    ),
    NavItem(
        "inbox",
        _("Hồ sơ cần xử lý"),
        "workflow:inbox",
        Capability.VIEW_WORKSPACE,
        badge=_inbox_open,
    ),
    NavItem("dossiers", _("Tra cứu hồ sơ"), "dossiers:list", Capability.VIEW_WORKSPACE),
    NavItem(
        "floor",
        _("Điều hành sảnh"),
        "floor:live",
        Capability.MANAGE_CENTER,
        section="/workspace/san/",
    ),
)


def menu_for(user: Any, current_path: str = "") -> list[dict[str, Any]]:
    held = capabilities_of(user)
    items: list[dict[str, Any]] = []
    for item in NAV_ITEMS:
        if item.capability is None or item.capability in held:
            items.append(
                {
                    "key": item.key,
                    "label": item.label,
                    "url": reverse(item.url_name),
                    "section": item.section,
                    "badge": item.badge(user) if item.badge else 0,
                }
            )
    if can_use_admin(user) or getattr(user, "is_superuser", False):
        items.append(
            {"key": "admin", "label": _("Quản trị"), "url": reverse("admin:index"), "badge": 0}
        )

    # The entry whose address is the longest prefix of the page is the current one (the
    # workspace home and the dossier list are prefixes of many pages).
    def prefix(entry: dict[str, Any]) -> str:
        matched = [p for p in (entry["url"], entry.get("section", "")) if p]
        return max((p for p in matched if current_path.startswith(p)), key=len, default="")

    current = max(items, key=lambda i: len(prefix(i)), default=None)
    if current is not None and not prefix(current):
        current = None
    for entry in items:
        entry["active"] = entry is current
    return items
