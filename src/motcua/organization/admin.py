from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import services
from .models import (
    Center,
    Counter,
    Delegation,
    RoleAssignment,
    Secondment,
    Unit,
    UnitIdentity,
    UnitLevel,
    User,
)


@admin.register(UnitLevel)
class UnitLevelAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "rank"]


class UnitIdentityInline(admin.TabularInline):
    model = UnitIdentity
    extra = 0
    can_delete = False
    fields = ("code", "name", "valid_from", "valid_to", "reason")
    readonly_fields = fields

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["indented_name", "code", "level", "valid_from", "valid_to"]
    list_filter = ["level", ("valid_to", admin.EmptyFieldListFilter)]
    search_fields = ["code", "name", "short_name"]
    autocomplete_fields = ["parent", "successor"]
    inlines = [UnitIdentityInline]
    fields = [
        "parent",
        "level",
        "code",
        "name",
        "short_name",
        "address",
        "valid_from",
        "valid_to",
        "successor",
    ]

    @admin.display(description=_("tên"), ordering="path")
    def indented_name(self, obj: Unit) -> str:
        return format_html('<span style="padding-left:{}em">{}</span>', obj.depth * 1.5, obj.name)

    def save_model(self, request: Any, obj: Unit, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change or {"code", "name"} & set(form.changed_data):
            services.record_identity(
                unit=obj,
                reason=services.REASON_ADMIN_EDIT if change else services.REASON_FOUNDED,
            )


class CounterInline(admin.TabularInline):
    model = Counter
    extra = 0
    fields = ["number", "name", "is_priority", "is_active"]


@admin.register(Center)
class CenterAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "unit", "work_schedule", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["unit", "parent"]
    inlines = [CounterInline]


@admin.register(Counter)
class CounterAdmin(admin.ModelAdmin):
    list_display = ["__str__", "center", "is_priority", "is_active"]
    list_filter = ["center", "is_priority", "is_active"]
    search_fields = ["name", "center__name"]
    filter_horizontal = ["fields", "units"]


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["unit"]
    fields = ["role", "unit", "valid_from", "valid_to"]


class SecondmentInline(admin.TabularInline):
    model = Secondment
    extra = 0
    autocomplete_fields = ["center", "from_unit"]
    fields = ["center", "from_unit", "valid_from", "valid_to", "decision"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "full_name", "position", "home_unit", "is_active"]
    list_filter = ["is_active", "role_assignments__role", "home_unit"]
    search_fields = ["username", "full_name", "email", "phone"]
    ordering = ["username"]
    autocomplete_fields = ["home_unit"]
    inlines = [RoleAssignmentInline, SecondmentInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Thông tin cán bộ"),
            {"fields": ("full_name", "position", "home_unit", "email", "phone")},
        ),
        (_("Trạng thái"), {"fields": ("is_active", "is_superuser", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "full_name", "email", "home_unit", "password1", "password2"),
            },
        ),
    )
    readonly_fields = ["last_login", "date_joined"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "unit", "valid_from", "valid_to"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__full_name", "unit__name"]
    autocomplete_fields = ["user", "unit"]
    list_select_related = ["user", "unit"]


@admin.register(Secondment)
class SecondmentAdmin(admin.ModelAdmin):
    list_display = ["user", "center", "from_unit", "valid_from", "valid_to", "decision"]
    list_filter = ["center"]
    autocomplete_fields = ["user", "center", "from_unit"]
    list_select_related = ["user", "center", "from_unit"]


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ["delegator", "delegate", "role", "unit", "starts_at", "ends_at", "revoked_at"]
    list_filter = ["role"]
    autocomplete_fields = ["delegator", "delegate", "unit"]
    list_select_related = ["delegator", "delegate", "unit"]
    readonly_fields = ["created_at"]
