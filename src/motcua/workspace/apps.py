from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    default = True
    name = "motcua.workspace"
    label = "workspace"
    verbose_name = _("Không gian làm việc")


class MotcuaAdminConfig(admin_apps.AdminConfig):
    """Django's admin on motcua's site, which opens by capability rather than ``is_staff``."""

    default = False
    default_site = "motcua.workspace.admin_site.MotcuaAdminSite"
