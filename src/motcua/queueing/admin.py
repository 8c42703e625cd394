"""Configuration of the floor in the admin: the services citizens queue for (and the counters
that serve them) and the priority categories; tickets and ratings to look at. A center manager
sees and changes only the centers they manage; priority categories, which every center shares,
are changed by administrators. Devices and bookings live on the center's floor pages, not here
(bookings hold citizens' identity numbers)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from motcua.organization.models import Center, Counter
from motcua.organization.permissions import Capability, has_capability, units_with_capability

from .models import PriorityCategory, QueueService, Rating, Ticket
from .stats import managed_centers


def _centers(request: HttpRequest) -> QuerySet[Center]:
    """The centers whose floor the user may see here: those they manage, and for auditors
    (read-only) those under the units they audit."""
    user = request.user
    audited = units_with_capability(user, Capability.VIEW_AUDIT)
    return Center.objects.filter(Q(pk__in=managed_centers(user).values("pk")) | Q(unit__in=audited))


class CenterScoped(admin.ModelAdmin):
    """Rows of the centers the user manages (``center_path`` leads from the row to its
    center)."""

    center_path = "center"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        rows = super().get_queryset(request)
        return rows.filter(**{f"{self.center_path}__in": _centers(request)})


class QueueServiceForm(forms.ModelForm):
    class Meta:
        model = QueueService
        fields = [
            "center",
            "name",
            "position",
            "fields",
            "counters",
            "is_active",
            "booking_capacity",
            "slot_minutes",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        center, counters = cleaned.get("center"), cleaned.get("counters")
        if center is not None and counters is not None:
            foreign = [c for c in counters if c.center_id != center.pk]
            if foreign:
                self.add_error(
                    "counters",
                    _("Quầy %(counters)s không thuộc trung tâm đã chọn.")
                    % {"counters": ", ".join(str(c.number) for c in foreign)},
                )
        return cleaned


@admin.register(QueueService)
class QueueServiceAdmin(CenterScoped):
    form = QueueServiceForm
    list_display = ["name", "center", "position", "booking_capacity", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    filter_horizontal = ["fields", "counters"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "center":
            kwargs["queryset"] = _centers(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "counters":
            kwargs["queryset"] = Counter.objects.filter(
                center__in=_centers(request)
            ).select_related("center")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(PriorityCategory)
class PriorityCategoryAdmin(admin.ModelAdmin):
    """Shared by every center: administrators change them, center managers look."""

    list_display = ["name", "code", "is_active"]

    def _may_change(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(
            getattr(user, "is_superuser", False)
            or has_capability(user, Capability.MANAGE_ORGANIZATION)
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may_change(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_change(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_change(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_change(request) or super().has_view_permission(request, obj)


class _ReadOnly(CenterScoped):
    """Records written by the floor's services only: visible, never edited or deleted by hand
    (statistics are computed from them)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(_ReadOnly):
    list_display = ["number", "day", "center", "service", "priority", "state", "counter"]
    list_filter = ["day", "state"]


@admin.register(Rating)
class RatingAdmin(_ReadOnly):
    center_path = "counter__center"
    list_display = ["ticket", "value", "counter", "officer", "dossier", "at"]
    list_filter = ["value"]
