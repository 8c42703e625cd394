"""The workspace menu: each entry names the capability it needs, so a person sees only what
they may use. Later features add their entries here."""

from __future__ import annotations

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


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("home", _("Bàn làm việc"), "workspace:home", Capability.VIEW_WORKSPACE),
    NavItem("organization", _("Tổ chức"), "workspace:organization", Capability.VIEW_WORKSPACE),
    NavItem("calendar", _("Lịch làm việc"), "workspace:calendar", Capability.VIEW_WORKSPACE),
)


def menu_for(user: Any, current_path: str = "") -> list[dict[str, Any]]:
    held = capabilities_of(user)
    items = []
    for item in NAV_ITEMS:
        if item.capability is None or item.capability in held:
            url = reverse(item.url_name)
            # Home is the prefix of every workspace page, so it is active only on itself.
            active = current_path == url if item.key == "home" else current_path.startswith(url)
            items.append({"key": item.key, "label": item.label, "url": url, "active": active})
    if can_use_admin(user) or getattr(user, "is_superuser", False):
        url = reverse("admin:index")
        items.append(
            {
                "key": "admin",
                "label": _("Quản trị"),
                "url": url,
                "active": current_path.startswith(url),
            }
        )
    return items
