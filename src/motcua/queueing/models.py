"""The counter floor of a center: the services citizens queue for, the counters that serve
them, priority categories, queue tickets with their life (waiting → called → serving → done,
or no-show), the calls the display board shows, and who sits at which counter."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from motcua.organization.models import Center, Counter


class QueueService(models.Model):
    """What a citizen picks at the kiosk (a field, or a group of procedures)."""

    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="queue_services", verbose_name=_("trung tâm")
    )
    name = models.CharField(_("tên dịch vụ"), max_length=200)
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=1)
    fields = models.ManyToManyField(
        "catalog.Field", blank=True, related_name="queue_services", verbose_name=_("lĩnh vực")
    )
    counters = models.ManyToManyField(
        Counter, blank=True, related_name="queue_services", verbose_name=_("quầy phục vụ")
    )
    is_active = models.BooleanField(_("đang phục vụ"), default=True)
    booking_capacity = models.PositiveSmallIntegerField(
        _("số lượt đặt lịch mỗi khung giờ"),
        default=0,
        help_text=_("0: không nhận đặt lịch trực tuyến cho dịch vụ này."),
    )
    slot_minutes = models.PositiveSmallIntegerField(
        _("độ dài khung giờ đặt lịch (phút)"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
    )

    class Meta:
        ordering = ["center", "position", "pk"]
        verbose_name = _("dịch vụ xếp hàng")
        verbose_name_plural = pgettext_lazy("plural", "dịch vụ xếp hàng")

    def __str__(self) -> str:
        return self.name


class PriorityCategory(models.Model):
    """Who goes first: the elderly (75+), people with disabilities, pregnant women, and any
    other group an administrator adds."""

    code = models.SlugField(_("mã"), max_length=40, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    is_active = models.BooleanField(_("đang áp dụng"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("đối tượng ưu tiên")
        verbose_name_plural = pgettext_lazy("plural", "đối tượng ưu tiên")

    def __str__(self) -> str:
        return self.name


class TicketSource(models.TextChoices):
    KIOSK = "kiosk", _("Máy lấy số")
    BOOKING = "booking", _("Đặt lịch trực tuyến")
    COUNTER = "counter", _("Tại quầy")


class TicketState(models.TextChoices):
    WAITING = "waiting", _("Đang chờ")
    CALLED = "called", _("Đã gọi")
    SERVING = "serving", _("Đang phục vụ")
    DONE = "done", _("Đã phục vụ")
    NO_SHOW = "no_show", _("Vắng mặt")


class Ticket(models.Model):
    """A queue number: unique within a center's day whatever kiosk or process issued it."""

    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("trung tâm")
    )
    day = models.DateField(_("ngày"))
    number = models.PositiveIntegerField(_("số thứ tự"))
    service = models.ForeignKey(
        QueueService, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("dịch vụ")
    )
    priority = models.ForeignKey(
        PriorityCategory,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("ưu tiên"),
    )
    source = models.CharField(_("nguồn"), max_length=8, choices=TicketSource.choices)
    state = models.CharField(
        _("tình trạng"), max_length=8, choices=TicketState.choices, default=TicketState.WAITING
    )
    issued_at = models.DateTimeField(_("lấy số lúc"))
    # The moment that gives the ticket its place in the queue: when it was issued, or the start
    # of the booked slot for a booking checked in on arrival.
    queue_at = models.DateTimeField(_("xếp hàng từ"))
    called_at = models.DateTimeField(_("gọi lúc"), null=True, blank=True)
    call_count = models.PositiveSmallIntegerField(_("số lần gọi"), default=0)
    transfer_count = models.PositiveSmallIntegerField(_("số lần chuyển dịch vụ"), default=0)
    counter = models.ForeignKey(
        Counter,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("quầy"),
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("cán bộ"),
    )
    started_at = models.DateTimeField(_("bắt đầu phục vụ"), null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("hồ sơ"),
    )

    class Meta:
        ordering = ["center", "day", "number"]
        verbose_name = _("số thứ tự")
        verbose_name_plural = pgettext_lazy("plural", "số thứ tự")
        constraints = [
            models.UniqueConstraint(
                fields=["center", "day", "number"], name="queueing_ticket_number"
            )
        ]
        indexes = [
            models.Index(
                fields=["service", "queue_at"],
                condition=models.Q(state="waiting"),
                name="queueing_ticket_waiting",
            ),
            # The ticket a counter is calling or serving now (console, board, rating tablet).
            models.Index(
                fields=["counter"],
                condition=models.Q(state__in=["called", "serving"]),
                name="queueing_ticket_at_counter",
            ),
        ]

    def __str__(self) -> str:
        return str(self.number)


class Call(models.Model):
    """One call of a ticket to a counter (the board's feed; a recall is a new call)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="calls")
    counter = models.ForeignKey(Counter, on_delete=models.PROTECT, related_name="+")
    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("lúc"))

    class Meta:
        ordering = ["center", "-at", "-pk"]
        verbose_name = _("lượt gọi số")
        verbose_name_plural = pgettext_lazy("plural", "lượt gọi số")
        # The board's last calls of the day (a range of ``at``, newest first).
        indexes = [models.Index(fields=["center", "-at"], name="queueing_call_day")]

    def __str__(self) -> str:
        return f"{self.ticket} → {self.counter_id}"


class CounterSession(models.Model):
    """An officer logged in at a counter (one open session per counter and per officer)."""

    counter = models.ForeignKey(Counter, on_delete=models.PROTECT, related_name="sessions")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="counter_sessions"
    )
    started_at = models.DateTimeField(_("bắt đầu"))
    ended_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("phiên làm việc tại quầy")
        verbose_name_plural = pgettext_lazy("plural", "phiên làm việc tại quầy")
        constraints = [
            models.UniqueConstraint(
                fields=["counter"],
                condition=models.Q(ended_at__isnull=True),
                name="queueing_one_session_per_counter",
            ),
            models.UniqueConstraint(
                fields=["officer"],
                condition=models.Q(ended_at__isnull=True),
                name="queueing_one_session_per_officer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.counter} · {self.officer}"


class FloorClock(models.Model):
    """A counter bumped by every change of a center's floor in the same transaction: boards
    and consoles poll this one row to know whether anything changed."""

    center = models.OneToOneField(
        Center, on_delete=models.CASCADE, primary_key=True, related_name="floor_clock"
    )
    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("phiên bản sàn giao dịch")
        verbose_name_plural = pgettext_lazy("plural", "phiên bản sàn giao dịch")

    def __str__(self) -> str:
        return f"{self.center_id}: {self.version}"


class DeviceKind(models.TextChoices):
    KIOSK = "kiosk", _("Máy lấy số")
    BOARD = "board", _("Màn hình hiển thị")
    RATING = "rating", _("Thiết bị đánh giá tại quầy")


class Device(models.Model):
    """An unattended device of the floor, reached by a secret link (no login): a kiosk, a
    display board, or the rating tablet of one counter. Deactivating it revokes the link."""

    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="queue_devices", verbose_name=_("trung tâm")
    )
    kind = models.CharField(_("loại thiết bị"), max_length=8, choices=DeviceKind.choices)
    counter = models.ForeignKey(
        Counter,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="devices",
        verbose_name=_("quầy"),
        help_text=_("Bắt buộc với thiết bị đánh giá."),
    )
    name = models.CharField(_("tên"), max_length=200)
    key = models.CharField(_("khóa truy cập"), max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("đang dùng"), default=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("hoạt động gần nhất"), null=True, blank=True)

    class Meta:
        ordering = ["center", "kind", "name"]
        verbose_name = _("thiết bị tại sảnh")
        verbose_name_plural = pgettext_lazy("plural", "thiết bị tại sảnh")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="rating") | models.Q(counter__isnull=False),
                name="queueing_rating_device_has_counter",
            )
        ]

    def __str__(self) -> str:
        return self.name


class BookingState(models.TextChoices):
    BOOKED = "booked", _("Đã đặt")
    CHECKED_IN = "checked_in", _("Đã đến")
    CANCELLED = "cancelled", _("Đã hủy")
    NO_SHOW = "no_show", _("Không đến")


class Booking(models.Model):
    """A time slot booked online (today or the next days); checked in on arrival it becomes a
    ticket whose place in the queue is the slot's start."""

    code = models.CharField(_("mã đặt lịch"), max_length=12, unique=True)
    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("trung tâm")
    )
    service = models.ForeignKey(
        QueueService, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("dịch vụ")
    )
    day = models.DateField(_("ngày hẹn"))
    slot_start = models.DateTimeField(_("từ"))
    slot_end = models.DateTimeField(_("đến"))
    full_name = models.CharField(_("họ và tên"), max_length=200)
    identity_number = models.CharField(_("số định danh cá nhân"), max_length=12)
    phone = models.CharField(_("số điện thoại"), max_length=15)
    state = models.CharField(
        _("tình trạng"), max_length=10, choices=BookingState.choices, default=BookingState.BOOKED
    )
    created_at = models.DateTimeField(_("đặt lúc"))
    checked_in_at = models.DateTimeField(_("đến lúc"), null=True, blank=True)
    closed_at = models.DateTimeField(_("hủy / giải phóng lúc"), null=True, blank=True)
    ticket = models.OneToOneField(
        Ticket,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="booking",
        verbose_name=_("số thứ tự"),
    )

    class Meta:
        ordering = ["slot_start", "pk"]
        verbose_name = _("lịch hẹn")
        verbose_name_plural = pgettext_lazy("plural", "lịch hẹn")
        indexes = [
            models.Index(fields=["service", "slot_start"], name="queueing_booking_slot"),
            models.Index(fields=["identity_number", "day"], name="queueing_booking_person"),
            models.Index(
                fields=["slot_start"],
                condition=models.Q(state="booked"),
                name="queueing_booking_open",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class RatingValue(models.IntegerChoices):
    VERY_SATISFIED = 3, _("Rất hài lòng")
    SATISFIED = 2, _("Hài lòng")
    UNSATISFIED = 1, _("Không hài lòng")


class Rating(models.Model):
    """One tap on the counter's rating tablet after service, for the ticket, its officer and
    the dossier received."""

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, related_name="rating", verbose_name=_("số thứ tự")
    )
    counter = models.ForeignKey(
        Counter, on_delete=models.PROTECT, related_name="+", verbose_name=_("quầy")
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("cán bộ"),
    )
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="counter_ratings",
        verbose_name=_("hồ sơ"),
    )
    value = models.PositiveSmallIntegerField(_("mức đánh giá"), choices=RatingValue.choices)
    at = models.DateTimeField(_("lúc"))

    class Meta:
        ordering = ["-at"]
        verbose_name = _("đánh giá tại quầy")
        verbose_name_plural = pgettext_lazy("plural", "đánh giá tại quầy")

    def __str__(self) -> str:
        return f"{self.ticket} · {self.get_value_display()}"
