"""`motcua worker --once` runs the sweeper and the outbox with the default job list: an overdue
step is escalated and every queued message (citizen's and officers') goes out, once."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from motcua.notifications.models import Notification

from .conftest import at, receive

pytestmark = pytest.mark.django_db


def test_one_pass_of_the_worker_escalates_and_sends(desk, settings):
    settings.MOTCUA_NOTIFICATION_CHANNELS = {"email": "console", "sms": "console"}
    dossier = receive(desk.world, at("2026-03-02", "09:15"))  # its first step is long overdue
    call_command("worker", "--once", stdout=io.StringIO(), stderr=io.StringIO())
    keys = set(Notification.objects.values_list("key", flat=True))
    assert any(k.startswith(f"dossier:{dossier.pk}:received:") for k in keys)
    escalations = [k for k in keys if ":escalate:" in k]
    assert escalations and all(k.endswith(f":user:{desk.leader.pk}") for k in escalations)
    assert set(Notification.objects.values_list("state", flat=True)) == {"sent"}
    sent = Notification.objects.count()
    call_command("worker", "--once", stdout=io.StringIO(), stderr=io.StringIO())
    assert Notification.objects.count() == sent  # nothing new, nothing twice
