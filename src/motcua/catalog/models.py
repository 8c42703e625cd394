"""The procedure catalogue (danh mục thủ tục hành chính): what a center publishes and what every
dossier is checked against.

``Procedure`` is the identity (the national code). Its content lives in numbered
``ProcedureVersion`` rows: a draft is edited freely; a published version is never edited again,
and a change to it is a new draft published with a later effective date. Dossiers keep the
version and the case they were received under.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Self

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from motcua.core.calendar import TimeUnit
from motcua.organization.models import Role, Unit

# National procedure codes: 1.001193, 2.000635, 3.000333; provisional codes made on import
# for a record that has none: TAM.xxxxxxxx.
PROCEDURE_CODE_PATTERN = r"^(\d\.\d{6}|TAM\.[0-9a-f]{8})$"
validate_procedure_code = RegexValidator(
    PROCEDURE_CODE_PATTERN,
    _("Mã thủ tục phải có dạng 1.001193 (mã trên Cơ sở dữ liệu quốc gia về thủ tục hành chính)."),
    code="invalid_procedure_code",
)


class Field(models.Model):
    """A field of administrative procedures (lĩnh vực), e.g. "Hộ tịch", "Đất đai"."""

    code = models.CharField(_("mã lĩnh vực"), max_length=50, unique=True)
    name = models.CharField(_("tên lĩnh vực"), max_length=300)

    class Meta:
        ordering = ["name"]
        verbose_name = _("lĩnh vực")
        verbose_name_plural = pgettext_lazy("plural", "lĩnh vực")

    def __str__(self) -> str:
        return self.name


class Level(models.Model):
    """A level that carries out procedures (cấp thực hiện): Cấp tỉnh, Cấp xã, Cấp bộ/ngành…"""

    code = models.SlugField(_("mã"), max_length=30, unique=True)
    name = models.CharField(_("tên"), max_length=100)
    rank = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        ordering = ["rank", "name"]
        verbose_name = _("cấp thực hiện")
        verbose_name_plural = pgettext_lazy("plural", "cấp thực hiện")

    def __str__(self) -> str:
        return self.name


class Channel(models.TextChoices):
    """How a dossier reaches the center; values are the national sync codes (KenhThucHien)."""

    COUNTER = "1", _("Trực tiếp")
    ONLINE = "2", _("Trực tuyến")
    POSTAL = "3", _("Bưu chính công ích")


class OnlineLevel(models.TextChoices):
    FULL = "full", _("Toàn trình")
    PARTIAL = "partial", _("Một phần")
    NONE = "none", _("Không cung cấp trực tuyến")


class Procedure(models.Model):
    """A procedure's identity across its versions, and where it applies."""

    code = models.CharField(
        _("mã thủ tục"), max_length=20, unique=True, validators=[validate_procedure_code]
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    units = models.ManyToManyField(
        Unit,
        through="ProcedureUnit",
        related_name="procedures",
        blank=True,
        verbose_name=_("đơn vị áp dụng"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = pgettext_lazy("plural", "thủ tục hành chính")

    def __str__(self) -> str:
        return self.code

    @property
    def is_provisional(self) -> bool:
        return self.code.startswith("TAM.")


class ProcedureUnit(models.Model):
    """A unit that applies a procedure (danh mục TTHC của đơn vị), from a date."""

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="applicability", verbose_name=_("thủ tục")
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, verbose_name=_("đơn vị"))
    is_competent = models.BooleanField(
        _("có thẩm quyền giải quyết"),
        default=True,
        help_text=_("Bỏ chọn nếu đơn vị chỉ tiếp nhận, không giải quyết."),
    )
    valid_from = models.DateField(_("áp dụng từ"), default=dt.date(2025, 7, 1))
    valid_to = models.DateField(_("áp dụng đến"), null=True, blank=True)

    class Meta:
        ordering = ["procedure", "unit"]
        verbose_name = _("đơn vị áp dụng thủ tục")
        verbose_name_plural = pgettext_lazy("plural", "đơn vị áp dụng thủ tục")
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "unit", "valid_from"], name="catalog_procedure_unit_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.procedure} @ {self.unit}"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    PUBLISHED = "published", _("Đã công bố")


class VersionQuerySet(models.QuerySet):
    def in_force_on(self, day: dt.date) -> Self:
        """Published versions whose effective period covers ``day`` (one per procedure)."""
        return self.filter(status=VersionStatus.PUBLISHED, effective_from__lte=day).filter(
            models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=day)
        )


class ProcedureVersion(models.Model):
    """The content of a procedure as published from a date (các bộ phận tạo thành của TTHC)."""

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="versions", verbose_name=_("thủ tục")
    )
    number = models.PositiveIntegerField(_("phiên bản"))
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    effective_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    effective_to = models.DateField(_("hiệu lực đến"), null=True, blank=True, editable=False)
    published_at = models.DateTimeField(_("công bố lúc"), null=True, blank=True, editable=False)
    decision = models.CharField(
        _("quyết định công bố"),
        max_length=300,
        blank=True,
        help_text=_("Số, ngày của quyết định công bố danh mục thủ tục."),
    )

    name = models.CharField(_("tên thủ tục"), max_length=1000)
    field = models.ForeignKey(
        Field, on_delete=models.PROTECT, related_name="versions", verbose_name=_("lĩnh vực")
    )
    levels = models.ManyToManyField(Level, blank=True, verbose_name=_("cấp thực hiện"))
    level_note = models.CharField(_("ghi chú cấp thực hiện"), max_length=500, blank=True)
    steps_for_applicant = models.TextField(_("trình tự thực hiện"), blank=True)
    offers_counter = models.BooleanField(_("nộp trực tiếp"), default=True)
    offers_postal = models.BooleanField(_("nộp qua bưu chính"), default=False)
    offers_online = models.BooleanField(_("nộp trực tuyến"), default=False)
    subjects = models.TextField(_("đối tượng thực hiện"), blank=True)
    executing_agency = models.TextField(_("cơ quan thực hiện"), blank=True)
    competent_authority = models.TextField(_("cơ quan có thẩm quyền"), blank=True)
    result = models.TextField(_("kết quả thực hiện"), blank=True)
    result_code = models.CharField(_("mã kết quả"), max_length=50, blank=True)
    legal_basis = models.TextField(
        _("căn cứ pháp lý"), blank=True, help_text=_("Mỗi văn bản một dòng.")
    )
    conditions = models.TextField(_("yêu cầu, điều kiện"), blank=True)
    online_level = models.CharField(
        _("mức độ dịch vụ công trực tuyến"),
        max_length=10,
        choices=OnlineLevel.choices,
        default=OnlineLevel.NONE,
    )
    five_on_site = models.BooleanField(
        _("thực hiện “5 tại chỗ”"),
        default=False,
        help_text=_("Tiếp nhận, thẩm định, phê duyệt, đóng dấu và trả kết quả tại Trung tâm."),
    )
    same_day = models.BooleanField(_("giải quyết trong ngày"), default=False)
    notes = models.TextField(_("ghi chú"), blank=True)
    # Folded code, name and field (lower case, no diacritics) for search. Written only by
    # services.refresh_search_text; an index-like copy, not an editable value.
    search_text = models.TextField(editable=False, default="")

    objects = VersionQuerySet.as_manager()

    class Meta:
        ordering = ["procedure", "-number"]
        verbose_name = _("phiên bản thủ tục")
        verbose_name_plural = pgettext_lazy("plural", "phiên bản thủ tục")
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="catalog_version_number"),
            # At most one draft per procedure: edits of a published version gather there.
            models.UniqueConstraint(
                fields=["procedure"],
                condition=models.Q(status="draft"),
                name="catalog_single_draft",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(effective_from__isnull=False),
                name="catalog_published_has_date",
            ),
        ]
        indexes = [models.Index(fields=["status", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.procedure.code} v{self.number}: {self.name}"

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED

    def channels(self) -> list[str]:
        offered = [
            (self.offers_counter, Channel.COUNTER),
            (self.offers_online, Channel.ONLINE),
            (self.offers_postal, Channel.POSTAL),
        ]
        return [channel for on, channel in offered if on]

    def legal_basis_lines(self) -> list[str]:
        return [line.strip() for line in self.legal_basis.splitlines() if line.strip()]


class ProcessTemplate(models.Model):
    """An internal process (quy trình nội bộ): the ordered steps a dossier goes through inside
    the units, each with its time budget. Cases of procedures point at one."""

    code = models.SlugField(_("mã quy trình"), max_length=80, unique=True)
    name = models.CharField(_("tên quy trình"), max_length=500)
    owner_unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="process_templates",
        verbose_name=_("đơn vị ban hành"),
    )
    decision = models.CharField(_("quyết định phê duyệt"), max_length=300, blank=True)
    on_the_spot = models.BooleanField(
        _("giải quyết “5 tại chỗ”"),
        default=False,
        help_text=_(
            "Tiếp nhận, thẩm định, phê duyệt, đóng dấu và trả kết quả ngay tại trung tâm do "
            "cán bộ được cử đến thực hiện."
        ),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("quy trình nội bộ")
        verbose_name_plural = pgettext_lazy("plural", "quy trình nội bộ")

    def __str__(self) -> str:
        return self.name


class BudgetUnit(models.TextChoices):
    WORKING_HOURS = TimeUnit.WORKING_HOURS.value, _("giờ làm việc")
    WORKING_DAYS = TimeUnit.WORKING_DAYS.value, _("ngày làm việc")


class ProcessStep(models.Model):
    """A step of an internal process. Steps sharing a ``parallel_group`` run at the same time
    (e.g. consulting several units at once); the slowest of them counts towards the total."""

    template = models.ForeignKey(
        ProcessTemplate, on_delete=models.CASCADE, related_name="steps", verbose_name=_("quy trình")
    )
    position = models.PositiveSmallIntegerField(_("thứ tự"))
    name = models.CharField(_("tên bước"), max_length=300)
    role = models.CharField(_("vai trò thực hiện"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("đơn vị thực hiện"),
        help_text=_("Để trống: đơn vị có thẩm quyền giải quyết hồ sơ."),
    )
    budget = models.DecimalField(
        _("thời gian"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25"))],
    )
    budget_unit = models.CharField(
        _("đơn vị thời gian"),
        max_length=20,
        choices=BudgetUnit.choices,
        default=BudgetUnit.WORKING_HOURS,
    )
    parallel_group = models.PositiveSmallIntegerField(
        _("nhóm song song"),
        null=True,
        blank=True,
        help_text=_("Các bước cùng số nhóm được thực hiện đồng thời (xin ý kiến)."),
    )
    is_consultation = models.BooleanField(_("xin ý kiến"), default=False)

    class Meta:
        ordering = ["template", "position"]
        verbose_name = _("bước xử lý")
        verbose_name_plural = pgettext_lazy("plural", "bước xử lý")
        constraints = [
            models.UniqueConstraint(fields=["template", "position"], name="catalog_step_position")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"


class ProcedureCase(models.Model):
    """A case of a procedure (trường hợp), with its own components, times, fees and process."""

    version = models.ForeignKey(
        ProcedureVersion,
        on_delete=models.CASCADE,
        related_name="cases",
        verbose_name=_("phiên bản thủ tục"),
    )
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=1)
    name = models.CharField(_("tên trường hợp"), max_length=1000)
    description = models.TextField(_("mô tả"), blank=True)
    process_template = models.ForeignKey(
        ProcessTemplate,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("quy trình nội bộ"),
    )

    class Meta:
        ordering = ["version", "position"]
        verbose_name = _("trường hợp thủ tục")
        verbose_name_plural = pgettext_lazy("plural", "trường hợp thủ tục")
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="catalog_case_position")
        ]

    def __str__(self) -> str:
        return self.name


class ProcessingTime(models.Model):
    """The legal time limit of a case for one channel."""

    case = models.ForeignKey(
        ProcedureCase,
        on_delete=models.CASCADE,
        related_name="processing_times",
        verbose_name=_("trường hợp"),
    )
    channel = models.CharField(_("cách thức nộp"), max_length=1, choices=Channel.choices)
    quantity = models.DecimalField(
        _("thời hạn"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    unit = models.CharField(_("đơn vị tính"), max_length=20, choices=TimeUnit.choices)
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        ordering = ["case", "channel"]
        verbose_name = _("thời hạn giải quyết")
        verbose_name_plural = pgettext_lazy("plural", "thời hạn giải quyết")
        constraints = [
            models.UniqueConstraint(fields=["case", "channel"], name="catalog_time_per_channel")
        ]

    def __str__(self) -> str:
        from motcua.core.calendar import describe_period

        return describe_period(self.quantity or 0, self.unit)

    def clean(self) -> None:
        if self.unit == TimeUnit.SAME_DAY:
            self.quantity = None  # "trong ngày" has no quantity
        elif not self.quantity:
            raise ValidationError(
                {"quantity": _("Hãy nhập thời hạn lớn hơn 0.")}, code="quantity_required"
            )
        whole_units = (TimeUnit.CALENDAR_DAYS, TimeUnit.MONTHS)
        if (
            self.unit in whole_units
            and self.quantity is not None
            and self.quantity != self.quantity.to_integral_value()
        ):
            raise ValidationError(
                {"quantity": _("Thời hạn tính bằng ngày hoặc tháng phải là số nguyên.")},
                code="whole_number",
            )


class FeeKind(models.TextChoices):
    FEE = "phi", _("Phí")
    CHARGE = "le_phi", _("Lệ phí")
    OTHER = "other", _("Khoản thu khác")


class FeeMoment(models.TextChoices):
    AT_INTAKE = "intake", _("Nộp khi tiếp nhận hồ sơ")
    ON_RETURN = "return", _("Nộp khi nhận kết quả")


class Fee(models.Model):
    """A fee or charge of a case (phí, lệ phí). ``amount`` empty: set elsewhere (e.g. by the
    provincial People's Council), explained in ``note``."""

    case = models.ForeignKey(
        ProcedureCase, on_delete=models.CASCADE, related_name="fees", verbose_name=_("trường hợp")
    )
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=1)
    name = models.CharField(_("tên khoản thu"), max_length=500)
    kind = models.CharField(
        _("loại"), max_length=10, choices=FeeKind.choices, default=FeeKind.CHARGE
    )
    amount = models.PositiveBigIntegerField(_("mức thu (đồng)"), null=True, blank=True)
    paid_at = models.CharField(
        _("thời điểm nộp"), max_length=10, choices=FeeMoment.choices, default=FeeMoment.AT_INTAKE
    )
    exemptions = models.TextField(_("miễn, giảm"), blank=True)
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        ordering = ["case", "position"]
        verbose_name = _("phí, lệ phí")
        verbose_name_plural = pgettext_lazy("plural", "phí, lệ phí")

    def __str__(self) -> str:
        return self.name


class Requirement(models.TextChoices):
    REQUIRED = "required", _("Bắt buộc")
    CONDITIONAL = "conditional", _("Có điều kiện")
    PRESENT_ONLY = "present", _("Xuất trình")
    IF_ANY = "if_any", _("Nếu có")


class Component(models.Model):
    """A component of the dossier (thành phần hồ sơ) for a case."""

    case = models.ForeignKey(
        ProcedureCase,
        on_delete=models.CASCADE,
        related_name="components",
        verbose_name=_("trường hợp"),
    )
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=1)
    name = models.TextField(_("tên giấy tờ"))
    originals = models.PositiveSmallIntegerField(_("bản chính"), default=0)
    certified_copies = models.PositiveSmallIntegerField(_("bản sao chứng thực"), default=0)
    copies = models.PositiveSmallIntegerField(_("bản sao"), default=0)
    requirement = models.CharField(
        _("yêu cầu"), max_length=12, choices=Requirement.choices, default=Requirement.REQUIRED
    )
    condition = models.TextField(_("điều kiện"), blank=True)
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        ordering = ["case", "position"]
        verbose_name = _("thành phần hồ sơ")
        verbose_name_plural = pgettext_lazy("plural", "thành phần hồ sơ")

    def __str__(self) -> str:
        return self.name[:100]

    def clean(self) -> None:
        if self.requirement == Requirement.CONDITIONAL and not self.condition.strip():
            raise ValidationError(
                {"condition": _("Thành phần có điều kiện phải ghi rõ điều kiện.")},
                code="condition_required",
            )


class AttachmentKind(models.TextChoices):
    FORM = "form", _("Mẫu đơn, tờ khai")
    SAMPLE = "sample", _("Mẫu hồ sơ đã điền")


def attachment_path(instance: ComponentAttachment, filename: str) -> str:
    return f"catalog/{instance.component.case.version.procedure.code}/{filename}"


class ComponentAttachment(models.Model):
    """A form template to download or a sample filled-in dossier for a component."""

    component = models.ForeignKey(
        Component,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("thành phần hồ sơ"),
    )
    kind = models.CharField(_("loại"), max_length=10, choices=AttachmentKind.choices)
    title = models.CharField(_("tên tệp"), max_length=300)
    file = models.FileField(_("tệp"), upload_to=attachment_path, max_length=300)

    class Meta:
        ordering = ["component", "kind", "title"]
        verbose_name = _("tệp mẫu")
        verbose_name_plural = pgettext_lazy("plural", "tệp mẫu")

    def __str__(self) -> str:
        return self.title
