"""Who is who: units (a tree of any depth), one-stop centers and their counters, staff and the
roles they hold, secondments to centers and delegations.

Levels of units are data (``UnitLevel``), not an enum: the 2025 reform removed the district
level and merged provinces, and the next reform should not need a migration.
"""

from __future__ import annotations

import datetime as dt
from typing import Self

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# TT 10/2016/TT-BTTTT identifier of an agency, used as the prefix of dossier codes
# (TT 01/2018 Art 19): V1V2V3.Z1Z2.Y1Y2.MX1X2, e.g. 000.00.06.H56.
UNIT_CODE_PATTERN = r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9A-Z]{2}$"
validate_unit_code = RegexValidator(
    UNIT_CODE_PATTERN,
    _("Mã định danh phải có dạng V1V2V3.Z1Z2.Y1Y2.MX1X2, ví dụ 000.00.06.H56."),
    code="invalid_unit_code",
)


class UnitLevel(models.Model):
    """A level of the administration (Bộ, Tỉnh, Sở, Xã, …). ``rank`` orders levels from the top."""

    code = models.SlugField(_("mã"), max_length=30, unique=True)
    name = models.CharField(_("tên cấp"), max_length=100)
    rank = models.PositiveSmallIntegerField(_("thứ bậc"), default=0)

    class Meta:
        ordering = ["rank", "name"]
        verbose_name = _("cấp hành chính")
        verbose_name_plural = pgettext_lazy("plural", "cấp hành chính")

    def __str__(self) -> str:
        return self.name


class PeriodQuerySet(models.QuerySet):
    """Rows with a ``valid_from``/``valid_to`` period, both ends included."""

    def effective_on(self, day: dt.date) -> Self:
        return self.filter(valid_from__lte=day).filter(
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=day)
        )


class UnitQuerySet(PeriodQuerySet):
    def current(self) -> Self:
        return self.effective_on(timezone.localdate())

    def subtree_of(self, unit: Unit) -> Self:
        return self.filter(path__startswith=unit.path)


class Unit(models.Model):
    """An agency or office (cơ quan, đơn vị) with its national identifier code.

    ``path`` is a materialised path of zero-padded ids ("/00000001/00000007/") kept by
    :meth:`save`, so a
    whole subtree is one indexed ``startswith`` query on both databases.
    """

    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("đơn vị cấp trên"),
    )
    level = models.ForeignKey(UnitLevel, on_delete=models.PROTECT, verbose_name=_("cấp"))
    code = models.CharField(
        _("mã định danh"),
        max_length=20,
        validators=[validate_unit_code],
        help_text=_("Theo Thông tư 10/2016/TT-BTTTT, dùng làm tiền tố mã hồ sơ."),
    )
    name = models.CharField(_("tên"), max_length=300)
    short_name = models.CharField(_("tên viết tắt"), max_length=100, blank=True)
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    valid_from = models.DateField(_("hiệu lực từ"), default=dt.date(2025, 7, 1))
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
        verbose_name=_("đơn vị kế thừa"),
        help_text=_("Đơn vị tiếp nhận chức năng khi đơn vị này bị sáp nhập hoặc giải thể."),
    )
    path = models.CharField(max_length=500, editable=False, db_index=True, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("cơ quan, đơn vị")
        verbose_name_plural = pgettext_lazy("plural", "cơ quan, đơn vị")
        constraints = [
            # A code names one unit at a time; codes of ended units may be reused later.
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(valid_to__isnull=True),
                name="organization_unit_code_unique_while_open",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="organization_unit_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        """Save, then keep ``path``/``depth`` of this unit and its whole subtree consistent."""
        with transaction.atomic():
            super().save(*args, **kwargs)
            parent = self.parent
            new_path = f"{parent.path if parent else '/'}{self.pk:08d}/"
            new_depth = parent.depth + 1 if parent else 0
            if new_path == self.path and new_depth == self.depth:
                return
            old_path, old_depth = self.path, self.depth
            Unit.objects.filter(pk=self.pk).update(path=new_path, depth=new_depth)
            if old_path:
                Unit.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                    path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
                    depth=F("depth") + (new_depth - old_depth),
                )
            self.path, self.depth = new_path, new_depth

    def clean(self) -> None:
        if self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError(
                {"valid_to": _("Ngày hết hiệu lực không được trước ngày bắt đầu hiệu lực.")},
                code="invalid_range",
            )
        if self.parent_id and self.pk:
            ancestor: Unit | None = self.parent
            while ancestor is not None:
                if ancestor.pk == self.pk:
                    raise ValidationError(
                        {
                            "parent": _(
                                "Đơn vị không thể trực thuộc chính nó hoặc đơn vị cấp dưới của nó."
                            )
                        },
                        code="cycle",
                    )
                ancestor = ancestor.parent

    def is_effective_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def ancestor_paths(self) -> list[str]:
        """Paths of every ancestor and of this unit ("/1/", "/1/7/", "/1/7/42/")."""
        ids = [part for part in self.path.split("/") if part]
        return ["/" + "/".join(ids[: i + 1]) + "/" for i in range(len(ids))]

    def contains(self, other: Unit) -> bool:
        """Whether ``other`` is this unit or one of its descendants."""
        return bool(self.path) and other.path.startswith(self.path)


class UnitIdentity(models.Model):
    """The code and name a unit carried over a period, so that old dossiers, reports and
    addresses can be shown as they were (a rename or a new code closes one row, opens another)."""

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="identities", verbose_name=_("đơn vị")
    )
    code = models.CharField(_("mã định danh"), max_length=20, validators=[validate_unit_code])
    name = models.CharField(_("tên"), max_length=300)
    valid_from = models.DateField(_("từ ngày"))
    valid_to = models.DateField(_("đến ngày"), null=True, blank=True)
    reason = models.CharField(_("lý do"), max_length=300, blank=True)

    class Meta:
        ordering = ["unit", "valid_from"]
        verbose_name = _("lịch sử tên, mã đơn vị")
        verbose_name_plural = pgettext_lazy("plural", "lịch sử tên, mã đơn vị")
        indexes = [models.Index(fields=["code", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CenterKind(models.TextChoices):
    PROVINCIAL = "provincial", _("Trung tâm Phục vụ hành chính công cấp tỉnh")
    COMMUNE = "commune", _("Trung tâm Phục vụ hành chính công cấp xã")
    SINGLE_TIER = "single_tier", _("Trung tâm Phục vụ hành chính công một cấp")
    BRANCH = "branch", _("Chi nhánh Trung tâm")
    RECEIVING_POINT = "receiving_point", _("Điểm tiếp nhận và trả kết quả")
    MINISTRY = "ministry", _("Bộ phận Tiếp nhận và Trả kết quả cấp bộ")


class Center(models.Model):
    """A one-stop unit (Bộ phận Một cửa) where citizens hand in dossiers and collect results."""

    code = models.SlugField(_("mã"), max_length=50, unique=True)
    name = models.CharField(_("tên"), max_length=300)
    kind = models.CharField(_("loại"), max_length=20, choices=CenterKind.choices)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="centers",
        verbose_name=_("thuộc đơn vị"),
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="branches",
        verbose_name=_("trung tâm chủ quản"),
        help_text=_("Với chi nhánh hoặc điểm tiếp nhận."),
    )
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    work_schedule = models.ForeignKey(
        "core.WorkSchedule",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="centers",
        verbose_name=_("lịch làm việc"),
        help_text=_("Để trống để dùng lịch làm việc mặc định."),
    )
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("trung tâm, bộ phận một cửa")
        verbose_name_plural = pgettext_lazy("plural", "trung tâm, bộ phận một cửa")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        needs_parent = self.kind in {CenterKind.BRANCH, CenterKind.RECEIVING_POINT}
        if needs_parent and not self.parent_id:
            raise ValidationError(
                {"parent": _("Chi nhánh và điểm tiếp nhận phải thuộc một trung tâm.")},
                code="parent_required",
            )
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError(
                {"parent": _("Trung tâm không thể thuộc chính nó.")}, code="cycle"
            )


class Counter(models.Model):
    """A counter (quầy) of a center, serving a set of fields and units."""

    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="counters", verbose_name=_("trung tâm")
    )
    number = models.PositiveSmallIntegerField(_("số quầy"))
    name = models.CharField(_("tên quầy"), max_length=200)
    fields = models.ManyToManyField(
        "catalog.Field", blank=True, related_name="counters", verbose_name=_("lĩnh vực")
    )
    units = models.ManyToManyField(
        Unit, blank=True, related_name="counters", verbose_name=_("đơn vị phục vụ")
    )
    is_priority = models.BooleanField(
        _("quầy ưu tiên"),
        default=False,
        help_text=_("Dành cho người cao tuổi, người khuyết tật, phụ nữ mang thai."),
    )
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        ordering = ["center", "number"]
        verbose_name = _("quầy")
        verbose_name_plural = pgettext_lazy("plural", "quầy")
        constraints = [
            models.UniqueConstraint(fields=["center", "number"], name="organization_counter_number")
        ]

    def __str__(self) -> str:
        return _("Quầy số %(number)s: %(name)s") % {"number": self.number, "name": self.name}


class Role(models.TextChoices):
    RECEPTIONIST = "receptionist", _("Cán bộ tiếp nhận")
    SPECIALIST = "specialist", _("Chuyên viên xử lý")
    LEADER = "leader", _("Lãnh đạo phê duyệt")
    CLERK = "clerk", _("Văn thư")
    FINANCE = "finance", _("Kế toán, thu phí")
    CENTER_MANAGER = "center_manager", _("Quản lý trung tâm")
    ADMINISTRATOR = "administrator", _("Quản trị hệ thống")
    AUDITOR = "auditor", _("Thanh tra, giám sát")


class User(AbstractUser):
    """A staff account. Citizens do not log in here (they use VNeID on the public portal)."""

    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    full_name = models.CharField(_("họ và tên"), max_length=200)
    position = models.CharField(_("chức vụ"), max_length=200, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    home_unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name=_("đơn vị công tác"),
    )

    REQUIRED_FIELDS = ["email", "full_name"]

    class Meta:
        ordering = ["username"]
        verbose_name = _("cán bộ")
        verbose_name_plural = pgettext_lazy("plural", "cán bộ")

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.rsplit(" ", 1)[-1] if self.full_name else self.username


class DatedPeriod(models.Model):
    """A period of dates, both ends included; an open end means "until further notice"."""

    valid_from = models.DateField(_("từ ngày"))
    valid_to = models.DateField(_("đến ngày"), null=True, blank=True)

    class Meta:
        abstract = True

    def clean(self) -> None:
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError(
                {"valid_to": _("Ngày kết thúc không được trước ngày bắt đầu.")},
                code="invalid_range",
            )

    def is_effective_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class RoleAssignmentQuerySet(PeriodQuerySet):
    def covering(self, unit: Unit) -> Self:
        """Assignments whose scope includes ``unit`` (made in it or in one of its ancestors)."""
        return self.filter(unit__path__in=unit.ancestor_paths())


class RoleAssignment(DatedPeriod):
    """A role held in a unit; it covers the unit and all its descendants."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("cán bộ")
    )
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="role_assignments", verbose_name=_("đơn vị")
    )

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["user", "role", "unit"]
        verbose_name = _("phân công vai trò")
        verbose_name_plural = pgettext_lazy("plural", "phân công vai trò")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "unit", "valid_from"], name="organization_role_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_role_display()} ({self.unit})"


class Secondment(DatedPeriod):
    """A staff member sent from their home unit to work at a center (cử cán bộ đến Trung tâm)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="secondments", verbose_name=_("cán bộ")
    )
    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="secondments", verbose_name=_("trung tâm")
    )
    from_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="secondments", verbose_name=_("đơn vị cử")
    )
    decision = models.CharField(_("quyết định cử"), max_length=200, blank=True)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        ordering = ["center", "user", "valid_from"]
        verbose_name = _("cử cán bộ đến trung tâm")
        verbose_name_plural = pgettext_lazy("plural", "cử cán bộ đến trung tâm")

    def __str__(self) -> str:
        return f"{self.user} → {self.center}"


class Delegation(models.Model):
    """A role handed to another person for a period (ủy quyền), e.g. while a leader is away.

    It carries power only while the delegator still holds the role, and not after revocation.
    """

    delegator = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="delegations_given",
        verbose_name=_("người ủy quyền"),
    )
    delegate = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="delegations_received",
        verbose_name=_("người được ủy quyền"),
    )
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="delegations", verbose_name=_("đơn vị")
    )
    starts_at = models.DateTimeField(_("từ thời điểm"))
    ends_at = models.DateTimeField(_("đến thời điểm"))
    reason = models.CharField(_("lý do"), max_length=300)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("ủy quyền")
        verbose_name_plural = pgettext_lazy("plural", "ủy quyền")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="organization_delegation_range",
            ),
            models.CheckConstraint(
                condition=~models.Q(delegator=models.F("delegate")),
                name="organization_delegation_not_self",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.delegator} → {self.delegate}: {self.get_role_display()}"

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError(
                {"ends_at": _("Thời điểm kết thúc phải sau thời điểm bắt đầu.")},
                code="invalid_range",
            )
        if self.delegator_id and self.delegator_id == self.delegate_id:
            raise ValidationError(
                {"delegate": _("Không thể tự ủy quyền cho chính mình.")}, code="self_delegation"
            )
        if self.delegator_id and self.unit_id and self.role and self.starts_at:
            day = timezone.localtime(self.starts_at).date()
            held = (
                RoleAssignment.objects.effective_on(day)
                .filter(user_id=self.delegator_id, role=self.role)
                .covering(self.unit)
            )
            if not held.exists():
                raise ValidationError(
                    {
                        "role": _(
                            "Người ủy quyền không giữ vai trò này tại đơn vị đó vào thời điểm "
                            "bắt đầu ủy quyền."
                        )
                    },
                    code="role_not_held",
                )

    def is_active_at(self, moment: dt.datetime) -> bool:
        return self.revoked_at is None and self.starts_at <= moment < self.ends_at
