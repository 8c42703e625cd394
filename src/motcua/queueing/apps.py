from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QueueingConfig(AppConfig):
    name = "motcua.queueing"
    verbose_name = _("Xếp hàng, gọi số")
