"""Processing of a dossier after reception: the steps (tasks) through the units, consultations,
the legal clock's adjustments, results with their register numbers, corrections, the return of
the result, and the records of the exceptional paths (apology, stop, financial obligation).

Nothing here is a typed-in verdict: whether a step or a dossier was early, on time or late is
derived from these rows and the dossier's events (``timeliness.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from motcua.catalog.models import ProcessStep
from motcua.dossiers.models import Document, Dossier
from motcua.organization.models import Role, Unit


class TaskKind(models.TextChoices):
    STEP = "step", _("Bước xử lý")
    CONSULTATION = "consultation", _("Xin ý kiến")


class TaskState(models.TextChoices):
    PENDING = "pending", _("Chưa đến lượt")
    ACTIVE = "active", _("Đang xử lý")
    DONE = "done", _("Đã chuyển")
    RETURNED = "returned", _("Đã trả lại bước trước")
    CANCELLED = "cancelled", _("Đã hủy")


OPEN_STATES = (TaskState.ACTIVE,)


class Task(models.Model):
    """One step of one dossier, held by a unit (and a person once assigned). A step sent back
    is not reopened: the previous step gets a new task, so the history of who held the file
    when is the list of tasks in order."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("hồ sơ")
    )
    kind = models.CharField(_("loại"), max_length=14, choices=TaskKind.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consultations",
        verbose_name=_("bước xin ý kiến"),
    )
    step = models.ForeignKey(
        ProcessStep,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("bước của quy trình"),
    )
    position = models.PositiveSmallIntegerField(_("thứ tự bước"))
    parallel_group = models.PositiveSmallIntegerField(_("nhóm song song"), null=True, blank=True)
    name = models.CharField(_("tên bước"), max_length=300)
    role = models.CharField(_("vai trò thực hiện"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("đơn vị")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
        verbose_name=_("người xử lý"),
    )
    # Held by a unit other than the competent one (liên thông, consultation): such units see
    # the dossier too, and this flag keeps that lookup to a small partial index.
    is_external = models.BooleanField(_("đơn vị phối hợp"), default=False, db_default=False)
    state = models.CharField(
        _("tình trạng"), max_length=10, choices=TaskState.choices, default=TaskState.ACTIVE
    )
    budget_hours = models.DecimalField(
        _("thời gian được giao (giờ làm việc)"), max_digits=8, decimal_places=2
    )
    started_at = models.DateTimeField(_("nhận lúc"), null=True, blank=True)
    due_at = models.DateTimeField(_("hạn xử lý"), null=True, blank=True)
    finished_at = models.DateTimeField(_("xong lúc"), null=True, blank=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người chuyển"),
    )
    request = models.TextField(_("nội dung giao, xin ý kiến"), blank=True)
    response = models.TextField(_("ý kiến, kết quả xử lý"), blank=True)
    documents = models.ManyToManyField(Document, blank=True, verbose_name=_("tệp"))
    # The sweeper's index (healthchecks' ``alert_after``): when this task must next be looked
    # at (a warning, then escalation); null once there is nothing left to do for it.
    next_check_at = models.DateTimeField(null=True, blank=True, editable=False)
    warned_at = models.DateTimeField(_("đã nhắc lúc"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("đã báo quá hạn lúc"), null=True, blank=True)
    paused_at = models.DateTimeField(
        _("tạm dừng lúc"),
        null=True,
        blank=True,
        help_text=_("Chờ công dân bổ sung hoặc thực hiện nghĩa vụ tài chính."),
    )

    class Meta:
        ordering = ["dossier", "pk"]
        verbose_name = _("bước xử lý hồ sơ")
        verbose_name_plural = pgettext_lazy("plural", "bước xử lý hồ sơ")
        indexes = [
            models.Index(
                fields=["assignee", "due_at"],
                condition=models.Q(state="active"),
                name="workflow_task_inbox_person",
            ),
            models.Index(
                fields=["unit", "role", "due_at"],
                condition=models.Q(state="active"),
                name="workflow_task_inbox_unit",
            ),
            models.Index(
                fields=["next_check_at"],
                condition=models.Q(next_check_at__isnull=False),
                name="workflow_task_sweep",
            ),
            models.Index(
                fields=["unit", "dossier"],
                condition=models.Q(is_external=True),
                name="workflow_task_external",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.name}"

    @property
    def is_open(self) -> bool:
        return self.state == TaskState.ACTIVE


class AdjustmentKind(models.TextChoices):
    SUPPLEMENT_RESTART = "supplement_restart", _("Tính lại thời hạn sau khi bổ sung")
    SUPPLEMENT_PAUSE = "supplement_pause", _("Lùi hẹn theo thời gian chờ bổ sung")
    FINANCIAL_PAUSE = "financial_pause", _("Lùi hẹn theo thời gian thực hiện nghĩa vụ tài chính")
    APOLOGY = "apology", _("Xin lỗi, hẹn lại ngày trả kết quả")


class ClockAdjustment(models.Model):
    """One change of a dossier's appointment, with its reason: the ledger behind ``due_at``."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="clock_adjustments", verbose_name=_("hồ sơ")
    )
    kind = models.CharField(_("loại điều chỉnh"), max_length=20, choices=AdjustmentKind.choices)
    rule = models.CharField(_("căn cứ"), max_length=60, blank=True)
    previous_due_at = models.DateTimeField(_("hẹn trả trước đó"))
    new_due_at = models.DateTimeField(_("hẹn trả mới"))
    reason = models.TextField(_("lý do"))
    at = models.DateTimeField(_("thời điểm"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người thực hiện"),
    )

    class Meta:
        ordering = ["dossier", "at", "pk"]
        verbose_name = _("điều chỉnh thời hạn")
        verbose_name_plural = pgettext_lazy("plural", "điều chỉnh thời hạn")

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.get_kind_display()}"


class Apology(models.Model):
    """Form 04 (Phiếu xin lỗi và hẹn lại ngày trả kết quả; under TT 03/2025 "Văn bản xin lỗi
    và đề nghị gia hạn thời gian giải quyết"): once per dossier, by the unit that caused the
    delay, before the appointment has passed."""

    dossier = models.OneToOneField(
        Dossier, on_delete=models.PROTECT, related_name="apology", verbose_name=_("hồ sơ")
    )
    number = models.CharField(_("số văn bản"), max_length=40)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị gây chậm")
    )
    reason = models.TextField(_("lý do chậm"))
    previous_due_at = models.DateTimeField(_("hẹn trả trước đó"))
    new_due_at = models.DateTimeField(_("hẹn trả mới"))
    signer_name = models.CharField(_("người ký"), max_length=200)
    signer_position = models.CharField(_("chức vụ người ký"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người lập"),
    )
    created_at = models.DateTimeField(_("lập lúc"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("phiếu xin lỗi, hẹn lại")
        verbose_name_plural = pgettext_lazy("plural", "phiếu xin lỗi, hẹn lại")

    def __str__(self) -> str:
        return self.number


class StopNotice(models.Model):
    """A stop of processing (status 8) with its notice (Thông báo dừng giải quyết hồ sơ)."""

    dossier = models.OneToOneField(
        Dossier, on_delete=models.PROTECT, related_name="stop_notice", verbose_name=_("hồ sơ")
    )
    number = models.CharField(_("số thông báo"), max_length=40)
    reason = models.TextField(_("lý do dừng"))
    requested_by_applicant = models.BooleanField(_("theo đề nghị của công dân"), default=False)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("lập lúc"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("thông báo dừng giải quyết")
        verbose_name_plural = pgettext_lazy("plural", "thông báo dừng giải quyết")

    def __str__(self) -> str:
        return self.number


class FinancialObligation(models.Model):
    """A request that the applicant fulfil a financial obligation (status 6), e.g. land-use
    tax notified by the tax office, and its settlement."""

    dossier = models.ForeignKey(
        Dossier,
        on_delete=models.PROTECT,
        related_name="financial_obligations",
        verbose_name=_("hồ sơ"),
    )
    description = models.TextField(_("nội dung nghĩa vụ"))
    amount = models.DecimalField(
        _("số tiền (đồng)"), max_digits=15, decimal_places=0, null=True, blank=True
    )
    requested_at = models.DateTimeField(_("yêu cầu lúc"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    settled_at = models.DateTimeField(_("hoàn thành lúc"), null=True, blank=True)
    settlement_reference = models.CharField(_("chứng từ"), max_length=200, blank=True)

    class Meta:
        ordering = ["dossier", "requested_at"]
        verbose_name = _("nghĩa vụ tài chính")
        verbose_name_plural = pgettext_lazy("plural", "nghĩa vụ tài chính")

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.description[:50]}"


class SignatureMode(models.TextChoices):
    PAPER = "paper", _("Ký trên giấy")
    DIGITAL = "digital", _("Ký số")


class Approval(models.Model):
    """A leader's approval of the draft result: a signature on paper (recorded) or a digital
    signature on the result PDF."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="approvals", verbose_name=_("hồ sơ")
    )
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(_("hình thức ký"), max_length=8, choices=SignatureMode.choices)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người ký"),
    )
    draft = models.ForeignKey(
        Document,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("dự thảo"),
    )
    signed_document = models.ForeignKey(
        Document,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("tệp đã ký số"),
    )
    signed_at = models.DateTimeField(_("ký lúc"))

    class Meta:
        ordering = ["dossier", "signed_at"]
        verbose_name = _("phê duyệt, ký")
        verbose_name_plural = pgettext_lazy("plural", "phê duyệt, ký")

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.get_mode_display()}"


class Result(models.Model):
    """An issued result with its register number (số, ký hiệu), gapless per unit per year. An
    error is corrected by a new result that ``corrects`` this one; this one is never edited."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="results", verbose_name=_("hồ sơ")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("cơ quan ban hành")
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    number = models.PositiveIntegerField(_("số"))
    symbol = models.CharField(_("ký hiệu"), max_length=60)
    title = models.CharField(_("trích yếu, tên giấy tờ"), max_length=500)
    signer_name = models.CharField(_("người ký"), max_length=200)
    signed_on = models.DateField(_("ngày ký"))
    approval = models.ForeignKey(
        Approval, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    document = models.ForeignKey(
        Document,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("tệp kết quả"),
    )
    corrects = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        verbose_name=_("đính chính cho"),
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("văn thư"),
    )
    issued_at = models.DateTimeField(_("vào sổ lúc"))

    class Meta:
        ordering = ["dossier", "issued_at"]
        verbose_name = _("kết quả giải quyết")
        verbose_name_plural = pgettext_lazy("plural", "kết quả giải quyết")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "number"], name="workflow_result_register_number"
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"{self.number}/{self.symbol}"


class ErrorReport(models.Model):
    """An error found in an issued result, to be corrected within 3 working days (NĐ 118/2025
    Art 23.1) by a new result."""

    result = models.ForeignKey(
        Result, on_delete=models.PROTECT, related_name="error_reports", verbose_name=_("kết quả")
    )
    description = models.TextField(_("sai sót"))
    reported_at = models.DateTimeField(_("phát hiện lúc"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    due_at = models.DateTimeField(_("hạn đính chính"))
    correction = models.OneToOneField(
        Result,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fixes",
        verbose_name=_("kết quả đính chính"),
    )

    class Meta:
        ordering = ["-reported_at"]
        verbose_name = _("sai sót trong kết quả")
        verbose_name_plural = pgettext_lazy("plural", "sai sót trong kết quả")

    def __str__(self) -> str:
        return f"{self.result}: {self.description[:50]}"


class ReturnMethod(models.TextChoices):
    COUNTER = "counter", _("Tại bộ phận một cửa")
    POSTAL = "postal", _("Qua dịch vụ bưu chính công ích")
    ONLINE = "online", _("Trực tuyến (tệp kết quả điện tử)")


class ResultReturn(models.Model):
    """The hand-over of the result to the applicant (status 10)."""

    dossier = models.OneToOneField(
        Dossier, on_delete=models.PROTECT, related_name="result_return", verbose_name=_("hồ sơ")
    )
    method = models.CharField(_("hình thức trả"), max_length=8, choices=ReturnMethod.choices)
    recipient_name = models.CharField(_("người nhận"), max_length=300, blank=True)
    recipient_identity = models.CharField(_("số giấy tờ người nhận"), max_length=30, blank=True)
    authorization = models.CharField(_("giấy ủy quyền nhận kết quả"), max_length=300, blank=True)
    originals_returned = models.TextField(_("bản chính đã trả lại"), blank=True)
    postal_tracking = models.CharField(_("số hiệu bưu gửi"), max_length=60, blank=True)
    returned_at = models.DateTimeField(_("trả lúc"))
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-returned_at"]
        verbose_name = _("trả kết quả")
        verbose_name_plural = pgettext_lazy("plural", "trả kết quả")

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.get_method_display()}"


class SupplementRegime(models.Model):
    """The rule for a supplement requested during processing, effective-dated by the day the
    dossier was received (NĐ 61/2018 paused the clock; NĐ 118/2025 Art 19.5 restarts it)."""

    class Mode(models.TextChoices):
        PAUSE = "pause", _("Tạm dừng, lùi hẹn theo thời gian chờ")
        RESTART = "restart", _("Tính lại thời hạn từ đầu khi nhận đủ hồ sơ")

    code = models.CharField(_("mã"), max_length=40, unique=True)
    name = models.CharField(_("căn cứ pháp lý"), max_length=300)
    effective_from = models.DateField(_("áp dụng cho hồ sơ tiếp nhận từ ngày"))
    mode = models.CharField(_("cách tính thời hạn"), max_length=8, choices=Mode.choices)
    request_within_working_days = models.PositiveSmallIntegerField(
        _("hạn gửi yêu cầu bổ sung (ngày làm việc kể từ khi cơ quan nhận hồ sơ)"),
        null=True,
        blank=True,
    )
    completion_days = models.PositiveSmallIntegerField(
        _("hạn công dân bổ sung (ngày)"),
        null=True,
        blank=True,
        help_text=_("Quá hạn này mà chưa bổ sung thì đóng hồ sơ. Để trống: không tự đóng."),
    )

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("quy định bổ sung hồ sơ")
        verbose_name_plural = pgettext_lazy("plural", "quy định bổ sung hồ sơ")

    def __str__(self) -> str:
        return self.name
