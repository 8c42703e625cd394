"""Data of the working-time calendar: work schedules (opening hours with seasonal variants and
weekly rest days) and, per year, the days that depart from the weekly pattern.

The arithmetic lives in :mod:`motcua.core.calendar`; these rows are what an administrator edits.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

WEEKDAY_CHOICES = [
    (0, _("Thứ Hai")),
    (1, _("Thứ Ba")),
    (2, _("Thứ Tư")),
    (3, _("Thứ Năm")),
    (4, _("Thứ Sáu")),
    (5, _("Thứ Bảy")),
    (6, _("Chủ nhật")),
]


def default_rest_weekdays() -> list[int]:
    return [5, 6]


def validate_rest_weekdays(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(d, int) and 0 <= d <= 6 for d in value):
        raise ValidationError(
            _("Ngày nghỉ hằng tuần phải là danh sách số từ 0 (Thứ Hai) đến 6 (Chủ nhật)."),
            code="invalid_rest_weekdays",
        )
    if len(set(value)) >= 7:
        raise ValidationError(_("Phải có ít nhất một ngày làm việc trong tuần."), code="no_workday")


class WorkSchedule(models.Model):
    """Opening hours of an office: weekly rest days, the same-day cut-off, the length of a
    working day, and one or more seasonal periods with morning and afternoon sessions."""

    code = models.SlugField(_("mã"), max_length=50, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    rest_weekdays = models.JSONField(
        _("ngày nghỉ hằng tuần"),
        default=default_rest_weekdays,
        validators=[validate_rest_weekdays],
        help_text=_("Số thứ tự ngày trong tuần: 0 = Thứ Hai … 6 = Chủ nhật."),
    )
    same_day_cutoff = models.TimeField(
        _("giờ chốt trong ngày"),
        default=dt.time(15, 0),
        help_text=_(
            "Hồ sơ giải quyết trong ngày nhận sau giờ này được tính từ ngày làm việc tiếp theo."
        ),
    )
    working_day_hours = models.DecimalField(
        _("số giờ của một ngày làm việc"),
        max_digits=4,
        decimal_places=2,
        default=8,
        # Zero or a negative length would make every deadline in working days collapse onto
        # the reception moment.
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("24"))],
        help_text=_("Thời hạn tính bằng ngày làm việc được quy đổi ra giờ làm việc theo số này."),
    )
    is_default = models.BooleanField(
        _("mặc định"),
        default=False,
        help_text=_("Dùng cho nơi chưa khai báo giờ làm việc riêng."),
    )

    class Meta:
        ordering = ["-is_default", "code"]
        verbose_name = _("lịch làm việc")
        verbose_name_plural = pgettext_lazy("plural", "lịch làm việc")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="core_single_default_schedule",
            )
        ]

    def __str__(self) -> str:
        return self.name


class WorkSchedulePeriod(models.Model):
    """Opening hours in force from a month and day of each year until the next period starts
    (e.g. summer hours from 15 April, winter hours from 15 October)."""

    schedule = models.ForeignKey(
        WorkSchedule, on_delete=models.CASCADE, related_name="periods", verbose_name=_("lịch")
    )
    name = models.CharField(_("tên"), max_length=100, blank=True)
    starts_month = models.PositiveSmallIntegerField(_("từ tháng"), default=1)
    starts_day = models.PositiveSmallIntegerField(
        pgettext_lazy("day of month", "từ ngày"), default=1
    )
    morning_start = models.TimeField(_("sáng bắt đầu"), default=dt.time(7, 30))
    morning_end = models.TimeField(_("sáng kết thúc"), default=dt.time(11, 30))
    afternoon_start = models.TimeField(_("chiều bắt đầu"), default=dt.time(13, 0))
    afternoon_end = models.TimeField(_("chiều kết thúc"), default=dt.time(17, 0))

    class Meta:
        ordering = ["schedule", "starts_month", "starts_day"]
        verbose_name = _("khung giờ theo mùa")
        verbose_name_plural = pgettext_lazy("plural", "khung giờ theo mùa")
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "starts_month", "starts_day"], name="core_period_start_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.schedule}: {self.starts_day:02d}/{self.starts_month:02d}"

    def clean(self) -> None:
        try:
            dt.date(2024, self.starts_month, self.starts_day)  # 2024 is a leap year
        except ValueError as exc:
            raise ValidationError(
                _("Ngày bắt đầu khung giờ không hợp lệ."), code="invalid_period_start"
            ) from exc
        if not (self.morning_start < self.morning_end <= self.afternoon_start < self.afternoon_end):
            raise ValidationError(
                _(
                    "Giờ làm việc phải theo thứ tự: sáng bắt đầu < sáng kết thúc ≤ chiều bắt đầu "
                    "< chiều kết thúc."
                ),
                code="invalid_hours_order",
            )


class CalendarYear(models.Model):
    """A year whose exceptional days have been seeded (from the ``holidays`` package) and may
    since have been edited by an administrator."""

    year = models.PositiveSmallIntegerField(_("năm"), unique=True)
    seeded_at = models.DateTimeField(_("thời điểm khởi tạo"), auto_now_add=True)
    source_version = models.CharField(_("nguồn dữ liệu"), max_length=100, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("năm lịch")
        verbose_name_plural = pgettext_lazy("plural", "năm lịch")

    def __str__(self) -> str:
        return str(self.year)


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Ngày lễ, Tết")
    COMPENSATORY = "compensatory", _("Ngày nghỉ bù")
    SWAPPED_OFF = "swapped_off", _("Ngày nghỉ do hoán đổi")
    SWAPPED_WORKING = "swapped_working", _("Ngày làm bù (hoán đổi)")
    HALF_DAY_CLOSURE = "half_day_closure", _("Nghỉ nửa ngày")
    EXTRA_OFF = "extra_off", _("Ngày nghỉ bổ sung")


# Kinds that close the office for the whole day.
OFF_KINDS = (DayKind.HOLIDAY, DayKind.COMPENSATORY, DayKind.SWAPPED_OFF, DayKind.EXTRA_OFF)


class DayHalf(models.TextChoices):
    MORNING = "morning", _("Buổi sáng")
    AFTERNOON = "afternoon", _("Buổi chiều")


class DaySource(models.TextChoices):
    SEEDED = "seeded", _("Khởi tạo từ lịch nhà nước")
    ADMIN = "admin", _("Quản trị viên bổ sung")


class CalendarDay(models.Model):
    """A date that departs from the weekly pattern: a day off on a working weekday, a working
    rest day (a swapped Saturday) or a half-day closure. Applies to every schedule."""

    date = models.DateField(pgettext_lazy("calendar date", "ngày"), unique=True)
    kind = models.CharField(_("loại"), max_length=20, choices=DayKind.choices)
    name = models.CharField(_("tên"), max_length=200)
    closed_half = models.CharField(
        _("buổi nghỉ"),
        max_length=10,
        choices=DayHalf.choices,
        blank=True,
        help_text=_("Chỉ dùng cho ngày nghỉ nửa ngày."),
    )
    source = models.CharField(
        _("nguồn"), max_length=10, choices=DaySource.choices, default=DaySource.ADMIN
    )
    legal_basis = models.CharField(_("căn cứ"), max_length=300, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("ngày đặc biệt")
        verbose_name_plural = pgettext_lazy("plural", "ngày đặc biệt")
        indexes = [models.Index(fields=["kind", "date"])]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.name}"

    @property
    def year(self) -> int:
        return self.date.year

    def clean(self) -> None:
        if self.kind == DayKind.HALF_DAY_CLOSURE and not self.closed_half:
            raise ValidationError(
                {"closed_half": _("Hãy chọn buổi nghỉ cho ngày nghỉ nửa ngày.")},
                code="half_required",
            )
        if self.kind != DayKind.HALF_DAY_CLOSURE and self.closed_half:
            raise ValidationError(
                {"closed_half": _("Chỉ ngày nghỉ nửa ngày mới có buổi nghỉ.")},
                code="half_not_allowed",
            )


class NumberSequence(models.Model):
    """The last number issued in a numbering series (dossier codes per unit and day, tickets
    per center and day, register numbers per register and year). Only
    :mod:`motcua.core.numbering` writes it."""

    scope = models.CharField(_("loại số"), max_length=40)
    key = models.CharField(_("đơn vị cấp số"), max_length=100)
    period = models.CharField(_("kỳ"), max_length=20)
    last = models.PositiveIntegerField(_("số cuối đã cấp"), default=0)

    class Meta:
        ordering = ["scope", "key", "period"]
        verbose_name = _("dãy số")
        verbose_name_plural = pgettext_lazy("plural", "dãy số")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key", "period"], name="core_number_series")
        ]

    def __str__(self) -> str:
        return f"{self.scope}/{self.key}/{self.period}: {self.last}"
