"""The unattended devices of the floor (kiosks, display boards, rating tablets) reach their
pages by a secret link instead of a login: ``/xep-hang/<kind>/<key>/``. The key is random, shown
to the center's manager only, and dies with the device (deactivate it to revoke the link, or
issue a new key to replace a link that leaked)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.organization.models import Center, Counter
from motcua.organization.permissions import Capability, has_capability

from . import rules
from .models import Device, DeviceKind

KEY_BYTES = 24

# A device whose page has not called home for this long is shown as disconnected (its pages
# poll every few seconds; ``last_seen_at`` is written at most every DEVICE_SEEN_EVERY).
OFFLINE_AFTER = dt.timedelta(minutes=3)

# The public page of each kind (URL name in the "queue" namespace, path under /xep-hang/).
DEVICE_PAGES = {
    DeviceKind.KIOSK: ("queue:kiosk", "kiosk"),
    DeviceKind.BOARD: ("queue:board", "bang"),
    DeviceKind.RATING: ("queue:rating", "danh-gia"),
}


class DeviceStatus:
    ONLINE = "online"
    OFFLINE = "offline"
    NEVER = "never"
    INACTIVE = "inactive"


def new_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def _require_manager(actor: Any, center: Center) -> None:
    """``actor`` None is the system (demo data, commands); anyone else must manage the
    center."""
    if actor is not None and not has_capability(actor, Capability.MANAGE_CENTER, center.unit):
        raise PermissionDenied(
            _("Bạn không có quyền quản lý thiết bị của %(center)s.") % {"center": center.name}
        )


@transaction.atomic
def create_device(
    *,
    center: Center,
    kind: str,
    name: str,
    counter: Counter | None = None,
    actor: Any = None,
) -> Device:
    """A new device of ``center`` with a fresh secret link; a rating tablet belongs to one
    counter of the center."""
    _require_manager(actor, center)
    errors: dict[str, str] = {}
    if kind not in DeviceKind.values:
        errors["kind"] = _("Hãy chọn loại thiết bị.")
    elif kind == DeviceKind.RATING and counter is None:
        errors["counter"] = _("Thiết bị đánh giá phải gắn với một quầy: hãy chọn quầy.")
    if counter is not None and counter.center_id != center.pk:
        errors["counter"] = _("Quầy này không thuộc %(center)s.") % {"center": center.name}
    if errors:
        raise ValidationError(errors)
    device = Device(center=center, kind=kind, name=name.strip(), counter=counter, key=new_key())
    device.full_clean()
    device.save()
    return device


def _locked(device: Device) -> Device:
    # Only the device's row: locking its center would stall the center's kiosks meanwhile.
    return (
        Device.objects.select_for_update(of=("self",))
        .select_related("center__unit")
        .get(pk=device.pk)
    )


@transaction.atomic
def deactivate_device(*, actor: Any, device: Device) -> Device:
    """Stop the device: its link answers 404 from now on."""
    device = _locked(device)
    _require_manager(actor, device.center)
    if device.is_active:
        device.is_active = False
        device.save(update_fields=["is_active"])
    return device


@transaction.atomic
def rotate_key(*, actor: Any, device: Device) -> Device:
    """Give the device a new secret link (the old one stops working at once); a deactivated
    device comes back into use with the new link."""
    device = _locked(device)
    _require_manager(actor, device.center)
    device.key = new_key()
    device.is_active = True
    device.last_seen_at = None  # not seen yet with the new link
    device.save(update_fields=["key", "is_active", "last_seen_at"])
    return device


def device_for(key: str, kind: str, *, at: dt.datetime | None = None) -> Device:
    """The active device of ``kind`` with this key (404 otherwise); notes that it was seen, at
    most once every ``rules.DEVICE_SEEN_EVERY`` so a board's polling costs no writes."""
    device = (
        Device.objects.select_related("center", "counter")
        .filter(key=key, kind=kind, is_active=True)
        .first()
    )
    if device is None:
        raise Http404("device")
    at = at or timezone.now()
    if device.last_seen_at is None or at - device.last_seen_at >= rules.DEVICE_SEEN_EVERY:
        Device.objects.filter(pk=device.pk).update(last_seen_at=at)
        device.last_seen_at = at
    return device


def status(device: Device, at: dt.datetime) -> str:
    """Whether the device is connected at ``at`` (see ``DeviceStatus``)."""
    if not device.is_active:
        return DeviceStatus.INACTIVE
    if device.last_seen_at is None:
        return DeviceStatus.NEVER
    return DeviceStatus.OFFLINE if at - device.last_seen_at > OFFLINE_AFTER else DeviceStatus.ONLINE


def device_path(device: Device) -> str:
    """The device's page (site-relative). Reversed by name; built by hand while a page is not
    routed yet, so the manager can already hand out the link."""
    name, segment = DEVICE_PAGES[DeviceKind(device.kind)]
    try:
        return reverse(name, args=[device.key])
    except NoReverseMatch:
        # The public floor pages are mounted at /xep-hang/ (motcua.urls).
        return f"{get_script_prefix()}xep-hang/{segment}/{device.key}/"
