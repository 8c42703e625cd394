from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from motcua.organization.permissions import can_use_admin


class MotcuaAdminSite(admin.AdminSite):
    site_header = _("motcua: Quản trị hệ thống")
    site_title = _("Quản trị motcua")
    index_title = _("Cấu hình")
    site_url = "/workspace/"

    def has_permission(self, request: Any) -> bool:
        user = request.user
        return bool(user.is_active and (user.is_superuser or can_use_admin(user)))

    def login(self, request: Any, extra_context: Any = None) -> Any:
        """One login page for the whole workspace; a signed-in user without the right is
        refused instead of being asked to log in again."""
        from django.contrib.auth.views import redirect_to_login
        from django.core.exceptions import PermissionDenied

        if request.user.is_authenticated:
            raise PermissionDenied
        return redirect_to_login(request.GET.get("next", self.site_url))
