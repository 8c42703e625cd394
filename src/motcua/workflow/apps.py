from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "motcua.workflow"
    verbose_name = _("Giải quyết hồ sơ")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the signal receivers)
