"""The demo leaves work in the inboxes, so a fresh installation shows the processing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from motcua.dossiers.models import Dossier
from motcua.organization.models import User
from motcua.workflow import selectors

pytestmark = pytest.mark.django_db


def test_the_demo_leaves_dossiers_at_every_step():
    call_command("demo", stdout=io.StringIO())
    users = {u.username: u for u in User.objects.all()}
    assert selectors.inbox(users["lanhdao"]).count() == 2
    assert selectors.inbox(users["chuyenvien"]).count() == 2
    assert selectors.inbox(users["vanthu"]).count() == 1
    assert sorted(Dossier.objects.values_list("status", flat=True)) == [2, 2, 4, 4, 4, 9, 10]
    call_command("demo", stdout=io.StringIO())  # a second run adds nothing
    assert Dossier.objects.count() == 7
