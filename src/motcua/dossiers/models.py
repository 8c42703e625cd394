"""The dossier aggregate (hồ sơ): who submitted it for whom, under which procedure version and
case, through which channel, its code and appointment, the components handed over with their
scans, and its history of events (append-only, hash-chained)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from motcua.catalog.models import Channel, Component, ProcedureCase, ProcedureVersion
from motcua.organization.models import Center, Unit

from .status import EVENT_CHOICES, Status


class PartyKind(models.TextChoices):
    PERSON = "person", _("Cá nhân")
    ORGANIZATION = "organization", _("Tổ chức")


class IdentityKind(models.TextChoices):
    CITIZEN_ID = "citizen_id", _("Số định danh cá nhân (CCCD)")
    PASSPORT = "passport", _("Hộ chiếu")
    TAX_CODE = "tax_code", _("Mã số thuế, mã số doanh nghiệp")
    OTHER = "other", _("Giấy tờ khác")


class Party(models.Model):
    """A person or organisation the center has dealt with: a returning applicant is found by
    identity number and their earlier results and digitised papers can be reused."""

    kind = models.CharField(_("loại"), max_length=12, choices=PartyKind.choices)
    name = models.CharField(_("họ tên, tên tổ chức"), max_length=300)
    identity_kind = models.CharField(_("loại giấy tờ"), max_length=12, choices=IdentityKind.choices)
    identity_number = models.CharField(_("số giấy tờ"), max_length=30)
    birth_date = models.DateField(_("ngày sinh"), null=True, blank=True)
    address = models.CharField(_("địa chỉ"), max_length=500, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=20, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("công dân, tổ chức")
        verbose_name_plural = pgettext_lazy("plural", "công dân, tổ chức")
        constraints = [
            models.UniqueConstraint(
                fields=["identity_kind", "identity_number"], name="dossiers_party_identity"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.identity_number})"


class FormSet(models.TextChoices):
    """The set of forms a dossier's slips follow, fixed at reception."""

    TT01_2018 = "tt01_2018", _("Thông tư 01/2018/TT-VPCP")
    TT03_2025 = "tt03_2025", _("Thông tư 03/2025/TT-VPCP")


class Dossier(models.Model):
    code = models.CharField(_("mã hồ sơ"), max_length=40, unique=True)
    unit_code = models.CharField(
        _("mã định danh đơn vị tiếp nhận"),
        max_length=20,
        help_text=_("Mã định danh dùng trong mã hồ sơ, giữ nguyên khi đơn vị đổi mã."),
    )
    receiving_center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="dossiers", verbose_name=_("nơi tiếp nhận")
    )
    receiving_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị tiếp nhận")
    )
    competent_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="dossiers",
        verbose_name=_("cơ quan giải quyết"),
    )
    locality_unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("địa bàn (nơi cư trú hoặc nơi có tài sản)"),
    )
    procedure_version = models.ForeignKey(
        ProcedureVersion,
        on_delete=models.PROTECT,
        related_name="dossiers",
        verbose_name=_("thủ tục (phiên bản)"),
    )
    procedure_case = models.ForeignKey(
        ProcedureCase,
        on_delete=models.PROTECT,
        related_name="dossiers",
        verbose_name=_("trường hợp"),
    )
    channel = models.CharField(_("cách thức nộp"), max_length=1, choices=Channel.choices)
    status = models.PositiveSmallIntegerField(
        _("trạng thái"), choices=Status.choices, default=Status.REGISTERED
    )
    form_set = models.CharField(_("bộ biểu mẫu"), max_length=12, choices=FormSet.choices)
    sets_count = models.PositiveSmallIntegerField(_("số bộ hồ sơ"), default=1)
    request_summary = models.TextField(_("nội dung yêu cầu giải quyết"), blank=True)

    submitted_at = models.DateTimeField(
        _("thời điểm nộp"),
        help_text=_("Trực tiếp: lúc tiếp nhận; trực tuyến: lúc hệ thống nhận; bưu chính: lúc đến."),
    )
    postal_stamp_date = models.DateField(_("ngày dấu bưu điện"), null=True, blank=True)
    decision_due_at = models.DateTimeField(
        _("hạn tiếp nhận hồ sơ trực tuyến"),
        null=True,
        blank=True,
        help_text=_("8 giờ làm việc kể từ khi hệ thống nhận hồ sơ (NĐ 118/2025, Điều 17.2)."),
    )
    accepted_at = models.DateTimeField(_("thời điểm tiếp nhận"), null=True, blank=True)
    original_due_at = models.DateTimeField(_("ngày hẹn trả ban đầu"), null=True, blank=True)
    due_at = models.DateTimeField(_("ngày hẹn trả"), null=True, blank=True, db_index=True)

    identity_verified = models.BooleanField(
        _("đã xác thực tài khoản định danh điện tử"), default=False
    )
    identity_verification = models.CharField(_("cách xác thực"), max_length=100, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người tạo"),
    )
    client_key = models.CharField(
        _("khóa chống trùng"),
        max_length=100,
        null=True,
        blank=True,
        help_text=_("Idempotency-Key của yêu cầu đã tạo hồ sơ."),
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("hồ sơ")
        verbose_name_plural = pgettext_lazy("plural", "hồ sơ")
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "client_key"],
                condition=models.Q(client_key__isnull=False),
                name="dossiers_idempotency_key",
            )
        ]
        indexes = [
            models.Index(fields=["receiving_center", "status", "submitted_at"]),
            models.Index(fields=["competent_unit", "status"]),
            models.Index(fields=["status", "decision_due_at"]),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("Người nộp hồ sơ")
    OWNER = "owner", _("Chủ hồ sơ")
    REPRESENTATIVE = "representative", _("Người được ủy quyền")


class DossierParty(models.Model):
    """A person or organisation in a dossier, as declared at reception (a snapshot: later
    changes to the :class:`Party` do not rewrite what the slips said)."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="parties", verbose_name=_("hồ sơ")
    )
    role = models.CharField(_("vai trò"), max_length=16, choices=PartyRole.choices)
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="dossier_roles")
    kind = models.CharField(_("loại"), max_length=12, choices=PartyKind.choices)
    name = models.CharField(_("họ tên, tên tổ chức"), max_length=300)
    identity_kind = models.CharField(_("loại giấy tờ"), max_length=12, choices=IdentityKind.choices)
    identity_number = models.CharField(_("số giấy tờ"), max_length=30)
    address = models.CharField(_("địa chỉ"), max_length=500, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=20, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    authorization = models.CharField(
        _("văn bản ủy quyền"),
        max_length=300,
        blank=True,
        help_text=_("Số, ngày văn bản ủy quyền của người được ủy quyền."),
    )

    class Meta:
        ordering = ["dossier", "role"]
        verbose_name = _("người liên quan hồ sơ")
        verbose_name_plural = pgettext_lazy("plural", "người liên quan hồ sơ")
        constraints = [
            models.UniqueConstraint(fields=["dossier", "role"], name="dossiers_one_party_per_role")
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.name}"


def document_path(instance: Document, filename: str) -> str:
    # Content-addressed: the hash names the file, so a file is never overwritten by another.
    return f"documents/{instance.sha256[:2]}/{instance.sha256}"


class DocumentKind(models.TextChoices):
    SCAN = "scan", _("Bản quét thành phần hồ sơ")
    RESULT = "result", _("Kết quả giải quyết")
    SLIP = "slip", _("Phiếu, giấy tờ do cơ quan lập")
    OTHER = "other", _("Khác")


class Document(models.Model):
    """A stored file: a scanned component, a result, a slip. Checked by hash on every read."""

    kind = models.CharField(_("loại"), max_length=10, choices=DocumentKind.choices)
    file = models.FileField(_("tệp"), upload_to=document_path, max_length=200)
    original_name = models.CharField(_("tên tệp gốc"), max_length=255)
    content_type = models.CharField(_("kiểu tệp"), max_length=100)
    size = models.PositiveBigIntegerField(_("dung lượng"))
    sha256 = models.CharField(_("mã băm SHA-256"), max_length=64, db_index=True)
    owner = models.ForeignKey(
        Party,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
        verbose_name=_("thuộc về"),
    )
    component_name = models.CharField(_("tên giấy tờ"), max_length=1000, blank=True)
    signature = models.TextField(
        _("chữ ký số của người số hóa"),
        blank=True,
        help_text=_("Chữ ký (base64) của cán bộ tiếp nhận trên mã băm của bản quét."),
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người ký"),
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("tài liệu")
        verbose_name_plural = pgettext_lazy("plural", "tài liệu")

    def __str__(self) -> str:
        return self.original_name


class SubmittedComponent(models.Model):
    """A catalogue component as handed over for one dossier."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="components", verbose_name=_("hồ sơ")
    )
    component = models.ForeignKey(
        Component, on_delete=models.PROTECT, related_name="+", verbose_name=_("thành phần")
    )
    originals = models.PositiveSmallIntegerField(_("bản chính"), default=0)
    certified_copies = models.PositiveSmallIntegerField(_("bản sao chứng thực"), default=0)
    copies = models.PositiveSmallIntegerField(_("bản sao"), default=0)
    documents = models.ManyToManyField(Document, blank=True, verbose_name=_("tệp"))
    digitised = models.BooleanField(_("đã số hóa"), default=False)
    reused_from = models.ForeignKey(
        Document,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reuses",
        verbose_name=_("tái sử dụng từ"),
    )
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)

    class Meta:
        ordering = ["dossier", "component__position"]
        verbose_name = _("thành phần hồ sơ đã nộp")
        verbose_name_plural = pgettext_lazy("plural", "thành phần hồ sơ đã nộp")
        constraints = [
            models.UniqueConstraint(fields=["dossier", "component"], name="dossiers_component_once")
        ]

    def __str__(self) -> str:
        return str(self.component)

    @property
    def handed_over(self) -> bool:
        return bool(
            self.originals
            or self.certified_copies
            or self.copies
            or self.reused_from_id
            or self.digitised
        )


class DossierEvent(models.Model):
    """One step of a dossier's history. Never updated or deleted; each event's hash covers the
    previous one's, so an edit anywhere in the chain shows."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="events", verbose_name=_("hồ sơ")
    )
    sequence = models.PositiveIntegerField(_("thứ tự"))
    at = models.DateTimeField(_("thời điểm"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người thực hiện"),
    )
    action = models.CharField(_("thao tác"), max_length=30, choices=EVENT_CHOICES)
    from_status = models.PositiveSmallIntegerField(
        _("từ trạng thái"), choices=Status.choices, null=True, blank=True
    )
    to_status = models.PositiveSmallIntegerField(_("sang trạng thái"), choices=Status.choices)
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("đơn vị"),
    )
    note = models.TextField(_("ghi chú"), blank=True)
    data = models.JSONField(_("dữ liệu"), default=dict, blank=True)
    documents = models.ManyToManyField(Document, blank=True, verbose_name=_("tệp đính kèm"))
    previous_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["dossier", "sequence"]
        verbose_name = _("sự kiện hồ sơ")
        verbose_name_plural = pgettext_lazy("plural", "sự kiện hồ sơ")
        constraints = [
            models.UniqueConstraint(fields=["dossier", "sequence"], name="dossiers_event_sequence")
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}#{self.sequence} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValidationError(_("Sự kiện hồ sơ không được sửa."), code="event_immutable")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValidationError(_("Sự kiện hồ sơ không được xóa."), code="event_immutable")

    def payload(self) -> dict[str, Any]:
        """What the hash covers."""
        return {
            "dossier": self.dossier_id,
            "sequence": self.sequence,
            # In UTC, as the database gives it back, so the hash survives a round trip.
            "at": self.at.astimezone(dt.UTC).isoformat(),
            "actor": self.actor_id,
            "action": self.action,
            "from": self.from_status,
            "to": self.to_status,
            "unit": self.unit_id,
            "note": self.note,
            "data": self.data,
        }

    def compute_hash(self) -> str:
        canonical = json.dumps(
            self.payload(), sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
        )
        return hashlib.sha256((self.previous_hash + canonical).encode()).hexdigest()


class SupplementRequest(models.Model):
    """A request to complete a dossier (Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ, form 02). The
    law allows one per dossier: a second is kept, flagged as a breach."""

    dossier = models.ForeignKey(
        Dossier,
        on_delete=models.PROTECT,
        related_name="supplement_requests",
        verbose_name=_("hồ sơ"),
    )
    number = models.CharField(_("số phiếu"), max_length=40)
    at_reception = models.BooleanField(_("khi tiếp nhận"), default=True)
    items = models.JSONField(
        _("nội dung cần bổ sung"),
        help_text=_("Danh sách {component, name, reason}."),
    )
    reason = models.TextField(_("lý do"))
    guidance = models.TextField(_("hướng dẫn"), blank=True)
    is_repeat = models.BooleanField(
        _("yêu cầu lần thứ hai trở lên"),
        default=False,
        help_text=_("Pháp luật chỉ cho phép yêu cầu bổ sung một lần."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người hướng dẫn"),
    )
    created_at = models.DateTimeField(_("lập lúc"))
    completed_at = models.DateTimeField(_("bổ sung xong lúc"), null=True, blank=True)
    request_due_at = models.DateTimeField(
        _("hạn gửi yêu cầu"),
        null=True,
        blank=True,
        help_text=_(
            "Yêu cầu trong khi giải quyết: chậm nhất 3 ngày làm việc kể từ khi cơ quan nhận hồ sơ."
        ),
    )
    expires_at = models.DateTimeField(
        _("hạn công dân bổ sung"),
        null=True,
        blank=True,
        help_text=_("Quá hạn mà chưa bổ sung thì hồ sơ bị đóng."),
    )

    class Meta:
        ordering = ["dossier", "created_at"]
        verbose_name = _("phiếu yêu cầu bổ sung")
        verbose_name_plural = pgettext_lazy("plural", "phiếu yêu cầu bổ sung")
        indexes = [
            # The sweeper's lookup of requests whose completion period ran out.
            models.Index(
                fields=["expires_at"],
                condition=models.Q(completed_at__isnull=True, at_reception=False),
                name="dossiers_supplement_expiry",
            )
        ]

    def __str__(self) -> str:
        return self.number


class Refusal(models.Model):
    """A refusal (Phiếu từ chối tiếp nhận giải quyết hồ sơ, form 03)."""

    dossier = models.OneToOneField(
        Dossier, on_delete=models.PROTECT, related_name="refusal", verbose_name=_("hồ sơ")
    )
    reason = models.TextField(_("lý do"))
    at_reception = models.BooleanField(_("khi tiếp nhận"), default=True)
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
        verbose_name = _("phiếu từ chối")
        verbose_name_plural = pgettext_lazy("plural", "phiếu từ chối")

    def __str__(self) -> str:
        return f"{self.dossier}: {self.reason[:60]}"


class Transfer(models.Model):
    """The dossier forwarded from the receiving center to a unit that settles it (or takes
    part): electronic at once, the paper file within the deadline, with a transfer slip when
    several units take part (NĐ 118/2025 Art 20)."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("hồ sơ")
    )
    to_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("chuyển đến")
    )
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=1)
    is_lead = models.BooleanField(_("cơ quan chủ trì"), default=True)
    electronic_at = models.DateTimeField(_("chuyển hồ sơ điện tử lúc"))
    paper_due_at = models.DateTimeField(_("hạn chuyển hồ sơ giấy"), null=True, blank=True)
    paper_sent_at = models.DateTimeField(_("chuyển hồ sơ giấy lúc"), null=True, blank=True)
    slip_number = models.CharField(_("số phiếu chuyển"), max_length=40, blank=True)
    task = models.TextField(_("nhiệm vụ"), blank=True)
    due_at = models.DateTimeField(_("thời hạn xử lý"), null=True, blank=True)

    class Meta:
        ordering = ["dossier", "order"]
        verbose_name = _("chuyển hồ sơ")
        verbose_name_plural = pgettext_lazy("plural", "chuyển hồ sơ")

    def __str__(self) -> str:
        return f"{self.dossier} → {self.to_unit}"


class SigningKey(models.Model):
    """An officer's key for signing digitised scans (NĐ 118/2025 Art 17.1.c) with the
    ``local-ed25519`` signer. The private key is kept encrypted with a key derived from
    ``SECRET_KEY``; the public key stays in clear so signatures verify even after the key is
    retired. A CA-issued certificate on a token replaces this in production (docs/documents.md).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="signing_keys",
        verbose_name=_("cán bộ"),
    )
    algorithm = models.CharField(_("thuật toán"), max_length=20, default="ed25519")
    public_key = models.TextField(_("khóa công khai (PEM)"))
    private_key = models.TextField(
        _("khóa bí mật (đã mã hóa)"),
        help_text=_("Mã hóa bằng khóa dẫn xuất từ SECRET_KEY (HKDF + Fernet)."),
    )
    created_at = models.DateTimeField(_("tạo lúc"))
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    compromised = models.BooleanField(
        _("bị lộ"),
        default=False,
        help_text=_(
            "Khóa bị lộ: mọi chữ ký bằng khóa này đều không còn được công nhận. Khóa thu hồi vì "
            "lý do khác (thôi việc, thay khóa) vẫn công nhận chữ ký ký trước lúc thu hồi."
        ),
    )
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người thu hồi"),
    )

    class Meta:
        ordering = ["user", "-created_at"]
        verbose_name = _("khóa ký số hóa")
        verbose_name_plural = pgettext_lazy("plural", "khóa ký số hóa")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(revoked_at__isnull=True),
                name="dossiers_one_active_signing_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.algorithm}, {self.created_at:%d/%m/%Y})"


class LocalIdentityRecord(models.Model):
    """An electronic identity account (VNeID) known to the ``local`` identity checker: the
    development stand-in for the national e-identification system (NĐ 69/2024). The checker
    answers only from these rows; a person who is not here is not verified."""

    identity_kind = models.CharField(_("loại giấy tờ"), max_length=12, choices=IdentityKind.choices)
    identity_number = models.CharField(_("số giấy tờ"), max_length=30)
    name = models.CharField(_("họ tên, tên tổ chức"), max_length=300)
    birth_date = models.DateField(_("ngày sinh"), null=True, blank=True)
    level = models.PositiveSmallIntegerField(
        _("mức độ tài khoản"), choices=[(1, _("Mức 1")), (2, _("Mức 2"))], default=2
    )
    is_active = models.BooleanField(
        _("đang hoạt động"), default=True, help_text=_("Tài khoản bị khóa thì không xác thực.")
    )
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        ordering = ["identity_kind", "identity_number"]
        verbose_name = _("tài khoản định danh (thử nghiệm)")
        verbose_name_plural = pgettext_lazy("plural", "tài khoản định danh (thử nghiệm)")
        constraints = [
            models.UniqueConstraint(
                fields=["identity_kind", "identity_number"],
                name="dossiers_local_identity_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.identity_number}, {self.get_level_display()})"
