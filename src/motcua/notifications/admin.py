"""The outbox seen by an operator: read-only, with "Gửi lại" for messages that failed."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Rows are written by the services and the worker only; an operator reads them and sends
    a failed one again (a fresh count of attempts, see ``services.retry``)."""

    list_display = [
        "created_at",
        "channel",
        "recipient",
        "subject",
        "state",
        "attempts",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = ["state", "channel"]
    search_fields = ["key", "recipient", "subject", "dossier__code"]
    date_hierarchy = "created_at"
    list_select_related = ["dossier"]
    raw_id_fields = ["dossier", "user"]
    actions = ["retry_notifications"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_retry_permission(self, request: HttpRequest) -> bool:
        """Sending again changes a row: the "change" permission of the app, which the admin
        otherwise does not use here."""
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    @admin.action(description=_("Gửi lại"), permissions=["retry"])
    def retry_notifications(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        requeued = sum(services.retry(notification) for notification in queryset)
        skipped = len(queryset) - requeued
        if requeued:
            self.message_user(
                request,
                ngettext(
                    "Đã đưa %(count)d thông báo vào hàng chờ gửi lại.",
                    "Đã đưa %(count)d thông báo vào hàng chờ gửi lại.",
                    requeued,
                )
                % {"count": requeued},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "Bỏ qua %(count)d thông báo đã gửi hoặc đang gửi.",
                    "Bỏ qua %(count)d thông báo đã gửi hoặc đang gửi.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
