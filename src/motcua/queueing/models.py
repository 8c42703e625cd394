"""The counter floor of a center: the services citizens queue for, the counters that serve
them, priority categories, queue tickets with their life (waiting → called → serving → done,
or no-show), the calls the display board shows, and who sits at which counter."""

from __future__ import annotations

from django.conf import settings
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
    called_at = models.DateTimeField(_("gọi lúc"), null=True, blank=True)
    call_count = models.PositiveSmallIntegerField(_("số lần gọi"), default=0)
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
                fields=["service", "issued_at"],
                condition=models.Q(state="waiting"),
                name="queueing_ticket_waiting",
            )
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
        indexes = [models.Index(fields=["center", "-id"], name="queueing_call_feed")]

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
