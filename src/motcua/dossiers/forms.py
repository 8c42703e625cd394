"""Forms of the staff screens for dossiers. They only parse what was typed (numbers, dates,
choices); every rule of reception is checked by ``services`` and its errors are put back next
to the fields here (:func:`attach_intake_errors`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import Channel, Component, ProcedureCase
from motcua.organization.models import Center, Unit

from .models import IdentityKind, PartyKind
from .status import Status

COUNTS = ("originals", "certified_copies", "copies")
PARTY_ROLES = ("applicant", "owner", "representative")

# Which field an IntakeError without a field (only a ``code``) belongs to.
CODE_FIELDS = {
    "postal_stamp_required": "postal_stamp_date",
    "invalid_postal_stamp": "postal_stamp_date",
    "locality_required": "locality",
    "no_competent_unit": "locality",
    "invalid_channel": "channel",
    "channel_not_offered": "channel",
    "no_processing_time": "channel",
    "invalid_sets_count": "sets_count",
    "missing_required_component": "components",
    "invalid_components": "components",
    "items_required": "supplement_items",
    "reason_required": "reason",
}


def _count_field(label: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=99,
        required=False,
        widget=forms.NumberInput(
            attrs={"class": "count", "min": 0, "max": 99, "inputmode": "numeric"}
        ),
        error_messages={
            "invalid": _("Số bản phải là số nguyên."),
            "min_value": _("Số bản không được âm."),
            "max_value": _("Số bản quá lớn."),
        },
    )


def _choice(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several scans of one component in one input."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class CounterForm(forms.Form):
    """The dossier handed over at the counter or arriving by post, and the outcome."""

    client_key = forms.UUIDField(widget=forms.HiddenInput)
    center = forms.ChoiceField(
        label=_("Nơi tiếp nhận"),
        error_messages={
            "invalid_choice": _("Bạn không tiếp nhận hồ sơ tại trung tâm này."),
            "required": _("Hãy chọn nơi tiếp nhận."),
        },
    )
    case = forms.ChoiceField(
        label=_("Trường hợp"),
        error_messages={
            "invalid_choice": _("Trường hợp không thuộc thủ tục đã chọn."),
            "required": _("Hãy chọn trường hợp."),
        },
    )
    channel = forms.ChoiceField(
        label=_("Cách thức nộp"),
        initial=Channel.COUNTER,
        widget=forms.RadioSelect,
    )
    postal_stamp_date = forms.DateField(
        label=_("Ngày dấu bưu điện nơi đến"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Ngày không hợp lệ; hãy nhập dạng 02/03/2026.")},
    )
    locality = forms.ChoiceField(
        label=_("Địa bàn (nơi cư trú hoặc nơi có tài sản)"), required=False
    )
    sets_count = forms.IntegerField(
        label=_("Số bộ hồ sơ"),
        min_value=1,
        max_value=99,
        initial=1,
        widget=forms.NumberInput(attrs={"class": "count", "min": 1, "max": 99}),
        error_messages={"min_value": _("Số bộ hồ sơ phải từ 1 trở lên.")},
    )
    identity_check = forms.BooleanField(
        label=_("Xác thực tài khoản định danh điện tử (VNeID) khi tiếp nhận"),
        required=False,
        initial=True,
    )
    has_owner = forms.BooleanField(label=_("Chủ hồ sơ khác người nộp"), required=False)
    has_representative = forms.BooleanField(
        label=_("Nộp thay theo ủy quyền (có người được ủy quyền)"), required=False
    )
    supplement_reason = forms.CharField(
        label=_("Lý do yêu cầu bổ sung"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    guidance = forms.CharField(
        label=_("Hướng dẫn bổ sung, hoàn thiện"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    other_missing = forms.CharField(
        label=_("Giấy tờ khác cần bổ sung (không có trong danh mục)"),
        required=False,
        max_length=500,
    )
    refusal_reason = forms.CharField(
        label=_("Lý do từ chối"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self,
        *args: Any,
        centers: Sequence[Center],
        cases: Sequence[ProcedureCase],
        localities: Sequence[Unit],
        channels: Iterable[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "center").choices = [(str(c.pk), c.name) for c in centers]
        _choice(self, "case").choices = [(str(c.pk), c.name) for c in cases]
        _choice(self, "locality").choices = [("", _("— Theo nơi tiếp nhận —"))] + [
            (str(u.pk), u.name) for u in localities
        ]
        offered = set(channels)
        _choice(self, "channel").choices = [
            (value, label)
            for value, label in Channel.choices
            if value in offered and value != Channel.ONLINE
        ]


class PartyForm(forms.Form):
    """A person or organisation of the dossier: applicant, owner or representative."""

    kind = forms.ChoiceField(
        label=_("Đối tượng"), choices=PartyKind.choices, initial=PartyKind.PERSON, required=False
    )
    identity_kind = forms.ChoiceField(
        label=_("Loại giấy tờ"),
        choices=IdentityKind.choices,
        initial=IdentityKind.CITIZEN_ID,
        required=False,
    )
    identity_number = forms.CharField(
        label=_("Số giấy tờ"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    name = forms.CharField(
        label=_("Họ tên, tên tổ chức"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    birth_date = forms.DateField(
        label=_("Ngày sinh"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Ngày sinh không hợp lệ; hãy nhập dạng 02/03/1990.")},
    )
    address = forms.CharField(
        label=_("Địa chỉ"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Điện thoại"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    email = forms.CharField(
        label=_("Thư điện tử"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    authorization = forms.CharField(
        label=_("Văn bản ủy quyền (số, ngày)"), max_length=300, required=False
    )

    def __init__(self, *args: Any, role: str, **kwargs: Any) -> None:
        kwargs["prefix"] = role
        super().__init__(*args, **kwargs)
        self.role = role
        if role != "representative":
            del self.fields["authorization"]
        number = self.fields["identity_number"].widget.attrs
        number["data-lookup"] = role
        if role == "applicant":
            number["data-shortcut"] = "n"
            number["aria-keyshortcuts"] = "Alt+N"

    def clean_kind(self) -> str:
        return self.cleaned_data.get("kind") or PartyKind.PERSON

    def clean_identity_kind(self) -> str:
        return self.cleaned_data.get("identity_kind") or IdentityKind.CITIZEN_ID

    def is_blank(self) -> bool:
        """Nothing typed (an optional section left empty)."""
        keys = ("identity_number", "name", "address", "phone", "email", "authorization")
        return not any((self.data.get(self.add_prefix(k)) or "").strip() for k in keys)


class ComponentForm(forms.Form):
    """One row of the checklist: handed over (with counts), missing, scans, reuse."""

    received = forms.BooleanField(label=_("Đã nhận"), required=False)
    originals = _count_field(_("Bản chính"))
    certified_copies = _count_field(_("Bản sao chứng thực"))
    copies = _count_field(_("Bản sao"))
    reuse = forms.ChoiceField(
        label=_("Tái sử dụng"),
        required=False,
        error_messages={
            "invalid_choice": _("Giấy tờ đã chọn không thuộc danh sách được tái sử dụng.")
        },
    )
    scans = MultipleFileField(label=_("Bản quét"), required=False)
    stored = forms.CharField(required=False, widget=forms.HiddenInput)
    missing = forms.BooleanField(label=_("Cần bổ sung"), required=False)
    missing_reason = forms.CharField(label=_("Ghi chú"), max_length=300, required=False)

    def __init__(
        self,
        *args: Any,
        component: Component,
        offers: Sequence[Any] = (),
        uploads: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs["prefix"] = f"c{component.pk}"
        super().__init__(*args, **kwargs)
        self.component = component
        self.offers = list(offers)
        _choice(self, "reuse").choices = [("", _("— Không —"))] + [
            (str(d.pk), document_label(d)) for d in self.offers
        ]
        if not uploads:
            del self.fields["scans"]
            del self.fields["stored"]
        if not self.is_bound:
            # The catalogue's numbers are the usual ones; one original when it says none.
            counts = [component.originals, component.certified_copies, component.copies]
            if not any(counts):
                counts[0] = 1
            for name, value in zip(COUNTS, counts, strict=True):
                self.fields[name].initial = value

    @property
    def requirement_label(self) -> str:
        return str(self.component.get_requirement_display())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in COUNTS:
            if data.get(name) is None:
                data[name] = 0
        if (
            data.get("received")
            and not any(data.get(n) for n in COUNTS)
            and not data.get("reuse")
            and not data.get("scans")
            and not data.get("stored")
        ):
            self.add_error(
                "received",
                ValidationError(
                    _("Hãy ghi số bản đã nhận, tải bản quét hoặc chọn giấy tờ tái sử dụng.")
                ),
            )
        return data


def document_label(document: Any) -> str:
    name = document.component_name or document.original_name
    when = getattr(document, "created_at", None)
    day = when.strftime("%d/%m/%Y") if isinstance(when, dt.datetime) else ""
    return f"{name[:80]} ({day})" if day else name[:80]


class DecisionForm(forms.Form):
    """The decision on a dossier waiting in status 1 (online, or completed after a request)."""

    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=1000)
    supplement_reason = CounterForm.base_fields["supplement_reason"]
    guidance = CounterForm.base_fields["guidance"]
    other_missing = CounterForm.base_fields["other_missing"]
    refusal_reason = CounterForm.base_fields["refusal_reason"]


class MissingForm(forms.Form):
    """A component ticked as missing on the decision page."""

    missing = forms.BooleanField(label=_("Cần bổ sung"), required=False)
    missing_reason = forms.CharField(label=_("Ghi chú"), max_length=300, required=False)

    def __init__(self, *args: Any, component: Component, handed_over: bool, **kwargs: Any) -> None:
        kwargs["prefix"] = f"c{component.pk}"
        super().__init__(*args, **kwargs)
        self.component = component
        self.handed_over = handed_over


class DossierSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Mã hồ sơ, họ tên hoặc số giấy tờ"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    status = forms.TypedChoiceField(
        label=_("Trạng thái"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Tất cả"))] + [(s.value, s.label) for s in Status],
    )
    received_from = forms.DateField(
        label=_("Nhận từ ngày"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    received_to = forms.DateField(
        label=_("Đến ngày"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def error_target(key: str) -> tuple[str, str]:
    """``"applicant.identity_number"`` → ``("applicant", "identity_number")``; a bare code's
    field → ``("", field)``."""
    if "." in key:
        role, field = key.split(".", 1)
        return role, field
    return "", CODE_FIELDS.get(key, key)
