from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.core.calendar import TimeUnit
from motcua.organization.models import Center


class DueDateForm(forms.Form):
    """The operator's question: if a dossier is received then, with this time limit, when is
    it due?"""

    received_at = forms.DateTimeField(
        label=_("Thời điểm tiếp nhận"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": _("Thời điểm không hợp lệ; hãy nhập dạng 13/02/2026 16:30.")},
    )
    quantity = forms.DecimalField(
        label=_("Thời hạn"),
        min_value=0,
        max_value=3650,
        decimal_places=2,
        initial=3,
        required=False,
    )
    unit = forms.ChoiceField(
        label=_("Đơn vị"), choices=TimeUnit.choices, initial=TimeUnit.WORKING_DAYS
    )
    center = forms.ModelChoiceField(
        label=_("Trung tâm"),
        queryset=Center.objects.filter(is_active=True),
        required=False,
        empty_label=_("Giờ làm việc mặc định"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("unit") != TimeUnit.SAME_DAY and data.get("quantity") is None:
            self.add_error("quantity", _("Hãy nhập thời hạn."))
        return data
