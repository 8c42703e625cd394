"""Configuration of the floor in the admin: the services citizens queue for (and the counters
that serve them) and the priority categories. Tickets are written by the services only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import PriorityCategory, QueueService, Ticket


@admin.register(QueueService)
class QueueServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "center", "position", "is_active"]
    list_filter = ["center", "is_active"]
    search_fields = ["name"]
    filter_horizontal = ["fields", "counters"]


@admin.register(PriorityCategory)
class PriorityCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_active"]


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["number", "day", "center", "service", "priority", "state", "counter"]
    list_filter = ["center", "day", "state"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
