from __future__ import annotations

from typing import Any

from django.contrib import admin

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made with ``motcua token create`` (the secret is shown once, there); here an
    administrator sees them and can revoke one by setting its revocation time."""

    list_display = ["prefix", "name", "user", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["prefix", "name", "user__username"]
    readonly_fields = ["user", "prefix", "name", "key_hash", "created_at", "last_used_at"]

    def has_add_permission(self, request: Any) -> bool:
        return False
