"""The notification outbox: one row per message to send (an e-mail, an SMS).

A service writes the row with :func:`motcua.notifications.services.enqueue` inside its own
transaction, so a dossier change that rolls back sends nothing and one that commits cannot lose
its message. ``motcua worker`` then delivers due rows (``services.deliver_due``), retrying with
back-off; the row keeps the outcome for the operator (docs/notifications.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("Thư điện tử")
    SMS = "sms", _("Tin nhắn SMS")
    CONSOLE = "console", _("Nhật ký (phát triển)")


class NotificationState(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")
    SENDING = "sending", _("Đang gửi")
    SENT = "sent", _("Đã gửi")
    FAILED = "failed", _("Gửi không thành công")


class Notification(models.Model):
    """A message in the outbox. ``key`` makes enqueueing idempotent; ``state``,
    ``next_attempt_at`` and the lease (``claimed_until``, ``claimed_by``) let any number of
    workers share the outbox without sending a message twice."""

    key = models.CharField(
        _("khóa chống trùng"),
        max_length=200,
        unique=True,
        help_text=_("Do nơi tạo thông báo đặt, ví dụ “dossier:123:received:email”."),
    )
    channel = models.CharField(_("kênh"), max_length=16, choices=NotificationChannel.choices)
    recipient = models.CharField(
        _("người nhận"), max_length=254, help_text=_("Địa chỉ thư điện tử hoặc số điện thoại.")
    )
    subject = models.CharField(_("tiêu đề"), max_length=255, blank=True)
    body = models.TextField(_("nội dung"))
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notifications",
        verbose_name=_("hồ sơ"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        # The row keeps the address it was sent to; losing the link to a removed account
        # must not remove the record that a message went out.
        on_delete=models.SET_NULL,
        related_name="notifications",
        verbose_name=_("cán bộ nhận"),
    )
    state = models.CharField(
        _("trạng thái"),
        max_length=10,
        choices=NotificationState.choices,
        default=NotificationState.PENDING,
    )
    attempts = models.PositiveIntegerField(_("số lần đã thử"), default=0)
    next_attempt_at = models.DateTimeField(_("thử gửi lúc"), default=timezone.now)
    claimed_until = models.DateTimeField(
        _("giữ đến"),
        null=True,
        blank=True,
        help_text=_("Một tiến trình nền đang gửi thông báo này cho đến thời điểm này."),
    )
    claimed_by = models.CharField(_("tiến trình gửi"), max_length=200, blank=True)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("thông báo")
        verbose_name_plural = pgettext_lazy("plural", "thông báo")
        indexes = [
            # What deliver_due asks for on every pass: due pending rows, expired leases.
            models.Index(fields=["state", "next_attempt_at"], name="notif_state_due"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.recipient} ({self.key})"
