"""Configuration of the floor in the admin: the services citizens queue for (and the counters
that serve them) and the priority categories. Tickets are written by the services only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Booking, Device, PriorityCategory, QueueService, Rating, Ticket


@admin.register(QueueService)
class QueueServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "center", "position", "is_active"]
    list_filter = ["center", "is_active"]
    search_fields = ["name"]
    filter_horizontal = ["fields", "counters"]


@admin.register(PriorityCategory)
class PriorityCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_active"]


class _ReadOnly(admin.ModelAdmin):
    """Records written by the floor's services only: visible, never edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(_ReadOnly):
    list_display = ["number", "day", "center", "service", "priority", "state", "counter"]
    list_filter = ["center", "day", "state"]


@admin.register(Booking)
class BookingAdmin(_ReadOnly):
    list_display = ["code", "day", "slot_start", "service", "full_name", "state"]
    list_filter = ["center", "state", "day"]
    search_fields = ["code", "identity_number", "phone"]


@admin.register(Rating)
class RatingAdmin(_ReadOnly):
    list_display = ["ticket", "value", "counter", "officer", "dossier", "at"]
    list_filter = ["value", "counter__center"]


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    """Devices are added on the center's floor page (which shows their links); here they can
    be renamed or switched off."""

    list_display = ["name", "kind", "center", "counter", "is_active", "last_seen_at"]
    list_filter = ["center", "kind", "is_active"]
    fields = ["name", "counter", "is_active"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
