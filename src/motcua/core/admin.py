"""Administration of the working-time calendar: work schedules, seeded years, exceptional days."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import services
from .calendar import format_date
from .models import CalendarDay, CalendarYear, DaySource, WorkSchedule, WorkSchedulePeriod


class WorkSchedulePeriodInline(admin.TabularInline):
    model = WorkSchedulePeriod
    extra = 0
    min_num = 1
    fields = [
        "name",
        "starts_day",
        "starts_month",
        "morning_start",
        "morning_end",
        "afternoon_start",
        "afternoon_end",
    ]


@admin.register(WorkSchedule)
class WorkScheduleAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "rest_days",
        "same_day_cutoff",
        "working_day_hours",
        "is_default",
    ]
    list_filter = ["is_default"]
    search_fields = ["code", "name"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [WorkSchedulePeriodInline]

    @admin.display(description=_("ngày nghỉ hằng tuần"))
    def rest_days(self, obj: WorkSchedule) -> str:
        from .models import WEEKDAY_CHOICES

        names = dict(WEEKDAY_CHOICES)
        return ", ".join(str(names[d]) for d in sorted(obj.rest_weekdays or []) if d in names)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "seeded_at", "source_version", "note"]
    readonly_fields = ["seeded_at", "source_version"]
    fields = ["year", "note", "seeded_at", "source_version"]
    actions = ["seed_from_holidays"]

    def save_model(self, request: HttpRequest, obj: CalendarYear, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            # A year row means "seeded": a year added here gets its days at once.
            report = services.seed_year(obj.year, actor=request.user)
            self._report(request, report)

    def _report(self, request: HttpRequest, report: services.SeedReport) -> None:
        self.message_user(
            request,
            _(
                "Năm %(year)s: thêm %(created)s ngày, cập nhật %(updated)s, giữ nguyên "
                "%(unchanged)s, giữ %(kept)s ngày do quản trị viên khai báo (%(source)s)."
            )
            % {
                "year": report.year,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "kept": report.kept_admin,
                "source": report.source_version,
            },
            messages.SUCCESS,
        )

    @admin.action(
        description=_("Khởi tạo ngày lễ, ngày nghỉ từ gói holidays"),
        permissions=["add"],
    )
    def seed_from_holidays(self, request: HttpRequest, queryset: QuerySet[CalendarYear]) -> None:
        for calendar_year in queryset:
            try:
                report = services.seed_year(calendar_year.year, actor=request.user)
            except ValueError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                continue
            self._report(request, report)


class YearListFilter(admin.SimpleListFilter):
    title = _("năm")
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        years = CalendarDay.objects.dates("date", "year", order="DESC")
        return [(str(d.year), str(d.year)) for d in years]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "kind", "name", "closed_half", "source"]
    list_filter = ["kind", "source", YearListFilter]
    date_hierarchy = "date"
    search_fields = ["name", "legal_basis"]
    ordering = ["date"]
    readonly_fields = ["source"]
    fields = ["date", "kind", "closed_half", "name", "legal_basis", "source"]

    @admin.display(description=_("thứ"), ordering="date")
    def weekday(self, obj: CalendarDay) -> str:
        return format_date(obj.date).split(",")[0]

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        # A day created or corrected here belongs to the administrator: re-seeding from the
        # holidays package never overwrites it.
        obj.source = DaySource.ADMIN
        super().save_model(request, obj, form, change)
