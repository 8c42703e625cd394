"""Authentication by password (Django's model backend) with permissions derived from motcua
capabilities only: ``user.has_perm("core.change_calendarday")`` and the admin follow
:mod:`motcua.organization.permissions`; Django's groups and per-user permissions are not used."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from . import permissions


class CapabilityBackend(ModelBackend):
    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        app_label, _, codename = perm.partition(".")
        action = codename.split("_", 1)[0]
        if action not in {"view", "add", "change", "delete"}:
            return False
        return permissions.has_admin_permission(user_obj, app_label, action)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return permissions.has_admin_permission(user_obj, app_label, "view")
