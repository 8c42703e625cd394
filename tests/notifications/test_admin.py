"""The outbox in the admin: read-only, "Gửi lại" for failed messages, open to center managers;
and a notification tied to its dossier."""

from __future__ import annotations

import pytest
from django.db.models import ProtectedError
from django.test import Client
from django.urls import reverse

from motcua.notifications.models import Notification, NotificationState
from motcua.notifications.services import enqueue
from motcua.organization.models import Role, User
from tests import factories
from tests.dossier_documents.conftest import receive
from tests.dossiers.conftest import world  # noqa: F401

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:notifications_notification_changelist")


def make(key: str, state: str) -> Notification:
    notification = enqueue(key=key, channel="sms", recipient="0912345678", body="Kết quả")
    assert notification is not None
    Notification.objects.filter(pk=notification.pk).update(
        state=state, attempts=8, last_error="SMS gateway HTTP 503"
    )
    notification.refresh_from_db()
    return notification


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def superuser() -> Client:
    return signed_in(
        User.objects.create_superuser(
            username="quantri", email="quantri@example.test", password="x", full_name="Quản trị"
        )
    )


def test_the_outbox_is_listed_and_read_only(superuser: Client):
    failed = make("a", NotificationState.FAILED)
    response = superuser.get(CHANGELIST)
    assert response.status_code == 200
    assert "0912345678" in response.text and "Gửi lại" in response.text
    detail = superuser.get(reverse("admin:notifications_notification_change", args=[failed.pk]))
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.text  # nothing to save
    assert superuser.get(reverse("admin:notifications_notification_add")).status_code == 403


def test_retry_puts_failed_notifications_back_in_the_queue(superuser: Client):
    failed = make("a", NotificationState.FAILED)
    sent = make("b", NotificationState.SENT)
    response = superuser.post(
        CHANGELIST,
        {"action": "retry_notifications", "_selected_action": [failed.pk, sent.pk]},
        follow=True,
    )
    assert response.status_code == 200
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.state, failed.attempts) == (NotificationState.PENDING, 0)
    assert sent.state == NotificationState.SENT
    text = response.text
    assert "Đã đưa 1 thông báo vào hàng chờ gửi lại." in text
    assert "Bỏ qua 1 thông báo đã gửi hoặc đang gửi." in text


def test_a_center_manager_may_retry_and_a_receptionist_may_not_see(world):  # noqa: F811
    make("a", NotificationState.FAILED)
    root = factories.unit("UBND tỉnh")
    manager = factories.staff(roles=[(Role.CENTER_MANAGER, root)])
    response = signed_in(manager).get(CHANGELIST)
    assert response.status_code == 200 and "retry_notifications" in response.text
    assert signed_in(world.receptionist).get(CHANGELIST).status_code in (302, 403)


def test_a_notification_belongs_to_its_dossier(world):  # noqa: F811
    dossier = receive(world)
    notification = enqueue(
        key=f"dossier:{dossier.pk}:received:email",
        channel="email",
        recipient="binh@example.vn",
        subject="Đã tiếp nhận hồ sơ",
        body="…",
        dossier=dossier,
        user=world.receptionist,
    )
    assert notification in dossier.notifications.all()
    assert list(world.receptionist.notifications.all()) == [notification]
    with pytest.raises(ProtectedError):
        dossier.delete()
