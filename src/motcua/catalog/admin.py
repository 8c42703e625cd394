"""Staff screens of the catalogue: procedures, versions, cases, components, fees, process
templates. Published versions (and everything in them) are read-only here; "Tạo bản nháp để
sửa" copies one into a draft, "Công bố" publishes a draft through the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import (
    Component,
    ComponentAttachment,
    Fee,
    Field,
    Level,
    Procedure,
    ProcedureCase,
    ProcedureUnit,
    ProcedureVersion,
    ProcessingTime,
    ProcessStep,
    ProcessTemplate,
    VersionStatus,
)


def _version_of(obj: Any) -> ProcedureVersion | None:
    """The version an object of the catalogue belongs to (None for a new object)."""
    if obj is None:
        return None
    if isinstance(obj, ProcedureVersion):
        return obj
    if isinstance(obj, ProcedureCase):
        return obj.version
    if isinstance(obj, Component):
        return obj.case.version
    return None


class DraftOnlyMixin:
    """Objects of a published version are shown read-only."""

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        version = _version_of(obj)
        if version is not None and version.status != VersionStatus.DRAFT:
            return False
        return super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        version = _version_of(obj)
        if version is not None and version.status != VersionStatus.DRAFT:
            return False
        return super().has_delete_permission(request, obj)  # type: ignore[misc]


class DraftOnlyInline(DraftOnlyMixin, admin.TabularInline):
    extra = 0

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        version = _version_of(obj)
        if version is not None and version.status != VersionStatus.DRAFT:
            return False
        return super().has_add_permission(request, obj)


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Level)
class LevelAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "rank"]


class ProcedureCreateForm(forms.ModelForm):
    name = forms.CharField(label=_("tên thủ tục"), max_length=1000)
    field = forms.ModelChoiceField(label=_("lĩnh vực"), queryset=Field.objects.all())

    class Meta:
        model = Procedure
        fields = ["code"]


class ProcedureUnitInline(admin.TabularInline):
    model = ProcedureUnit
    extra = 0
    autocomplete_fields = ["unit"]


class VersionInline(admin.TabularInline):
    model = ProcedureVersion
    extra = 0
    fields = ("link", "status", "effective_from", "effective_to")
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    @admin.display(description=_("phiên bản"))
    def link(self, obj: ProcedureVersion) -> str:
        url = reverse("admin:catalog_procedureversion_change", args=[obj.pk])
        return format_html('<a href="{}">{} {}</a>', url, obj.number, obj.name)

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ["code", "current_name", "created_at"]
    search_fields = ["code", "versions__search_text"]
    inlines = [ProcedureUnitInline, VersionInline]
    actions = ["make_drafts"]
    change_list_template = "admin/catalog/procedure/change_list.html"

    @admin.display(description=_("tên thủ tục"))
    def current_name(self, obj: Procedure) -> str:
        version = obj.versions.order_by("-number").first()
        return version.name if version else ""

    def get_form(self, request: Any, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = ProcedureCreateForm
        return super().get_form(request, obj, change, **kwargs)

    def get_inlines(self, request: Any, obj: Any = None) -> list[Any]:
        return [] if obj is None else list(self.inlines)

    def get_readonly_fields(self, request: Any, obj: Any = None) -> list[str]:
        return ["code"] if obj is not None else []

    def save_model(self, request: Any, obj: Procedure, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        version = services.create_procedure(
            actor=request.user,
            code=form.cleaned_data["code"],
            name=form.cleaned_data["name"],
            field=form.cleaned_data["field"],
        )
        obj.pk = version.procedure_id
        obj.refresh_from_db()

    def response_add(self, request: Any, obj: Procedure, post_url_continue: Any = None) -> Any:
        draft = obj.versions.get(number=1)
        self.message_user(request, _("Đã tạo thủ tục; hãy hoàn thiện bản nháp rồi công bố."))
        return HttpResponseRedirect(
            reverse("admin:catalog_procedureversion_change", args=[draft.pk])
        )

    @admin.action(description=_("Tạo bản nháp để sửa"))
    def make_drafts(self, request: Any, queryset: Any) -> None:
        for procedure in queryset:
            services.start_draft(actor=request.user, procedure=procedure)
        self.message_user(
            request,
            ngettext("Đã tạo %(count)d bản nháp.", "Đã tạo %(count)d bản nháp.", queryset.count())
            % {"count": queryset.count()},
        )

    def get_urls(self) -> list[Any]:
        custom = [
            path(
                "import-xlsx/",
                self.admin_site.admin_view(_import_xlsx),
                name="catalog_procedure_import_xlsx",
            )
        ]
        return custom + super().get_urls()


def _import_xlsx(request: Any) -> Any:
    from .admin_import import import_xlsx_view

    return import_xlsx_view(request)


class CaseInline(DraftOnlyInline):
    model = ProcedureCase
    fields = ["position", "name", "process_template"]
    show_change_link = True


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(DraftOnlyMixin, admin.ModelAdmin):
    list_display = [
        "procedure",
        "number",
        "name",
        "field",
        "status",
        "effective_from",
        "effective_to",
    ]
    list_filter = ["status", "field", "online_level", "levels"]
    search_fields = ["procedure__code", "search_text"]
    list_select_related = ["procedure", "field"]
    readonly_fields = ["procedure", "number", "status", "effective_to", "published_at"]
    filter_horizontal = ["levels"]
    inlines = [CaseInline]
    actions = ["publish", "new_draft"]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "procedure",
                    "number",
                    "status",
                    "effective_from",
                    "effective_to",
                    "published_at",
                    "decision",
                )
            },
        ),
        (
            _("Nội dung"),
            {
                "fields": (
                    "name",
                    "field",
                    "levels",
                    "level_note",
                    "steps_for_applicant",
                    ("offers_counter", "offers_postal", "offers_online"),
                    "subjects",
                    "executing_agency",
                    "competent_authority",
                    "result",
                    "result_code",
                    "legal_basis",
                    "conditions",
                    "online_level",
                    ("five_on_site", "same_day"),
                    "notes",
                )
            },
        ),
    )

    def has_add_permission(self, request: Any) -> bool:
        return False  # versions are made by creating a procedure or a draft

    def save_model(self, request: Any, obj: ProcedureVersion, form: Any, change: bool) -> None:
        services.ensure_editable(obj)
        super().save_model(request, obj, form, change)
        services.refresh_search_text(obj)

    @admin.action(description=_("Công bố (từ ngày hiệu lực đã nhập)"))
    def publish(self, request: Any, queryset: Any) -> None:
        for version in queryset:
            if version.effective_from is None:
                self.message_user(
                    request,
                    _("%(version)s: hãy nhập ngày hiệu lực trước khi công bố.")
                    % {"version": version},
                    messages.ERROR,
                )
                continue
            try:
                services.publish_version(
                    actor=request.user, version=version, effective_from=version.effective_from
                )
            except ValidationError as exc:
                for message in exc.messages:
                    self.message_user(request, f"{version}: {message}", messages.ERROR)
            else:
                self.message_user(request, _("Đã công bố %(version)s.") % {"version": version})

    @admin.action(description=_("Tạo bản nháp để sửa"))
    def new_draft(self, request: Any, queryset: Any) -> Any:
        drafts = [services.start_draft(actor=request.user, procedure=v.procedure) for v in queryset]
        if len(drafts) == 1:
            return HttpResponseRedirect(
                reverse("admin:catalog_procedureversion_change", args=[drafts[0].pk])
            )
        return None


class ProcessingTimeInline(DraftOnlyInline):
    model = ProcessingTime
    fields = ["channel", "quantity", "unit", "note"]


class FeeInline(DraftOnlyInline):
    model = Fee
    fields = ["position", "name", "kind", "amount", "paid_at", "exemptions", "note"]


class ComponentInline(DraftOnlyInline):
    model = Component
    fields = [
        "position",
        "name",
        "originals",
        "certified_copies",
        "copies",
        "requirement",
        "condition",
    ]
    show_change_link = True


@admin.register(ProcedureCase)
class ProcedureCaseAdmin(DraftOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "version", "position", "process_template"]
    list_select_related = ["version__procedure", "process_template"]
    search_fields = ["name", "version__procedure__code"]
    inlines = [ProcessingTimeInline, FeeInline, ComponentInline]

    def has_add_permission(self, request: Any) -> bool:
        return False  # add cases from their version's page

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        case = form.instance
        template = case.process_template
        if template is not None:
            problems = services.template_problems(template, [case])
            for problem in problems:
                self.message_user(
                    request,
                    _(
                        "Cảnh báo: quy trình “%(template)s” vượt thời hạn %(legal)s; thủ tục sẽ "
                        "không công bố được."
                    )
                    % {"template": template, "legal": problem.legal_text},
                    messages.WARNING,
                )


class AttachmentInline(DraftOnlyInline):
    model = ComponentAttachment
    fields = ["kind", "title", "file"]


@admin.register(Component)
class ComponentAdmin(DraftOnlyMixin, admin.ModelAdmin):
    list_display = ["__str__", "case", "requirement"]
    search_fields = ["name"]
    inlines = [AttachmentInline]

    def has_add_permission(self, request: Any) -> bool:
        return False


class StepFormSet(forms.BaseInlineFormSet):
    """Refuses steps whose budgets exceed the legal time of a case using the template."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        steps = [
            ProcessStep(**{k: v for k, v in f.cleaned_data.items() if k in STEP_FIELDS})
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        template = self.instance
        if template.pk is None:
            return
        cases = template.cases.prefetch_related("processing_times")
        services.check_template_fits(template, cases, steps)


STEP_FIELDS: tuple[str, ...] = (
    "position",
    "name",
    "role",
    "unit",
    "budget",
    "budget_unit",
    "parallel_group",
    "is_consultation",
)


class StepInline(admin.TabularInline):
    model = ProcessStep
    formset = StepFormSet
    extra = 0
    fields = STEP_FIELDS
    autocomplete_fields = ["unit"]


@admin.register(ProcessTemplate)
class ProcessTemplateAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "owner_unit", "on_the_spot"]
    list_filter = ["on_the_spot"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["owner_unit"]
    inlines = [StepInline]
