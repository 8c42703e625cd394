"""The procedure catalogue. For now only fields (lĩnh vực), which counters serve."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Field(models.Model):
    """A field of administrative procedures (lĩnh vực), e.g. "Hộ tịch", "Đất đai"."""

    code = models.CharField(_("mã lĩnh vực"), max_length=50, unique=True)
    name = models.CharField(_("tên lĩnh vực"), max_length=300)

    class Meta:
        ordering = ["name"]
        verbose_name = _("lĩnh vực")
        verbose_name_plural = pgettext_lazy("plural", "lĩnh vực")

    def __str__(self) -> str:
        return self.name
