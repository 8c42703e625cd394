"""The unattended devices of the floor (kiosks, display boards, rating tablets) reach their
pages by a secret link instead of a login: ``/xep-hang/<kind>/<key>/``. The key is random, shown
to the center's manager only, and dies with the device (deactivate it to revoke the link)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.http import Http404
from django.utils import timezone

from motcua.organization.models import Center, Counter

from . import rules
from .models import Device

KEY_BYTES = 24


def new_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def create_device(
    *, center: Center, kind: str, name: str, counter: Counter | None = None
) -> Device:
    device = Device(center=center, kind=kind, name=name, counter=counter, key=new_key())
    device.full_clean()
    device.save()
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
