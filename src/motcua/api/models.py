"""Staff tokens and idempotency keys of the API.

- :class:`ApiToken`: a bearer token of one staff account (``motcua token create USERNAME``).
  Only the SHA-256 of the token is stored; the token itself is printed once. ``prefix`` is the
  public part shown in lists and used to revoke it (``motcua token revoke PREFIX``).
- :class:`IdempotencyRecord`: what a state-changing call with an ``Idempotency-Key`` header
  did, so that a retry answers with the same dossier instead of doing it twice, and the same
  key sent with a different request is refused (``idempotency_key_reused``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ApiToken(models.Model):
    """A staff member's token for ``Authorization: Bearer mc_<prefix>_<secret>``. Requests
    made with it act as its user, with that user's capabilities at that moment."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("cán bộ"),
    )
    name = models.CharField(_("tên gợi nhớ"), max_length=100, blank=True)
    prefix = models.CharField(
        _("tiền tố"),
        max_length=16,
        unique=True,
        help_text=_("Phần công khai của mã truy cập, dùng để nhận ra và thu hồi mã."),
    )
    key_hash = models.CharField(
        _("mã băm SHA-256"),
        max_length=64,
        help_text=_("Chỉ lưu mã băm; bản thân mã truy cập không được lưu."),
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)

    class Meta:
        ordering = ["user", "-created_at"]
        verbose_name = _("mã truy cập API")
        verbose_name_plural = pgettext_lazy("plural", "mã truy cập API")

    def __str__(self) -> str:
        return f"mc_{self.prefix}_… ({self.user}{', ' + self.name if self.name else ''})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyRecord(models.Model):
    """One ``Idempotency-Key`` of one user, with what its request did. Written in the same
    transaction as the change itself: a request that failed leaves no record, so the key can
    be used again with a corrected request."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("cán bộ"),
    )
    key = models.CharField(_("khóa chống trùng"), max_length=100)
    operation = models.CharField(_("thao tác"), max_length=40)
    fingerprint = models.CharField(
        _("dấu vân tay yêu cầu"),
        max_length=64,
        help_text=_("SHA-256 của thao tác, địa chỉ và nội dung yêu cầu."),
    )
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("hồ sơ"),
    )
    document = models.ForeignKey(
        "dossiers.Document",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("tài liệu"),
    )
    created_at = models.DateTimeField(_("lúc"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("khóa chống trùng API")
        verbose_name_plural = pgettext_lazy("plural", "khóa chống trùng API")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="api_idempotency_key_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key} {self.operation}"
