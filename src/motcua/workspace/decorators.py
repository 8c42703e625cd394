from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from motcua.organization.permissions import has_capability


def capability_required(capability: str) -> Callable:
    """Log in first; then refuse (403) a user who does not hold ``capability`` anywhere."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_capability(request.user, capability):
                raise PermissionDenied(
                    _(
                        "Tài khoản của bạn chưa được phân công vai trò cho chức năng này. "
                        "Hãy liên hệ quản trị hệ thống."
                    )
                )
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
