"""The staff workspace: login, navigation per role, language, calendar page, admin access."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from motcua.organization.models import Role
from tests import factories
from tests.dossiers.conftest import world  # noqa: F401

pytestmark = pytest.mark.django_db

PASSWORD = "Secret-pass-123"


@pytest.fixture
def province():
    return factories.unit("UBND tỉnh")


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def nav_keys(response) -> list[str]:
    return [item["key"] for item in response.context["nav_items"]]


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("workspace:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_with_wrong_password_says_so_in_vietnamese(client, province):
    factories.staff(username="lan", roles=[(Role.RECEPTIONIST, province)])
    response = client.post(reverse("login"), {"username": "lan", "password": "sai"})
    assert response.status_code == 200
    assert "mật khẩu chính xác" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def test_login_then_workspace_shows_roles_and_logout_works(client, province):
    user = factories.staff(
        username="lan", full_name="Nguyễn Thị Lan", roles=[(Role.RECEPTIONIST, province)]
    )
    response = client.post(reverse("login"), {"username": "lan", "password": PASSWORD}, follow=True)
    body = response.content.decode()
    assert "Xin chào, Nguyễn Thị Lan" in body
    assert "Cán bộ tiếp nhận" in body and "UBND tỉnh" in body
    assert "Tiếp nhận hồ sơ" in body
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("workspace:home")).status_code == 302
    assert user.is_authenticated  # the account itself is untouched


@pytest.mark.parametrize(
    ("role", "sees_admin"),
    [
        (Role.RECEPTIONIST, False),
        (Role.SPECIALIST, False),
        (Role.LEADER, False),
        (Role.CLERK, False),
        (Role.FINANCE, False),
        # The center manager looks after the notification outbox (retries) in the admin.
        (Role.CENTER_MANAGER, True),
        (Role.ADMINISTRATOR, True),
        (Role.AUDITOR, True),
    ],
    ids=lambda v: str(v),
)
def test_navigation_shows_each_role_what_it_may_use(client, province, role, sees_admin):
    user = factories.staff(roles=[(role, province)])
    login(client, user)
    response = client.get(reverse("workspace:home"))
    keys = nav_keys(response)
    assert keys[:3] == ["home", "organization", "calendar"]
    assert ("admin" in keys) is sees_admin
    admin_page = client.get(reverse("admin:index"), follow=True)
    assert admin_page.status_code == (200 if sees_admin else 403)


def test_user_without_any_role_is_refused_with_an_explanation(client):
    user = factories.staff()
    login(client, user)
    response = client.get(reverse("workspace:home"))
    assert response.status_code == 403


def test_auditor_reads_the_configuration_but_cannot_change_it(client, province):
    auditor = factories.staff(roles=[(Role.AUDITOR, province)])
    login(client, auditor)
    unit_url = reverse("admin:organization_unit_change", args=[province.pk])
    assert client.get(reverse("admin:organization_unit_changelist")).status_code == 200
    response = client.post(unit_url, {"name": "Đổi tên"})
    assert response.status_code == 403
    province.refresh_from_db()
    assert province.name == "UBND tỉnh"


def test_administrator_edits_a_unit_and_its_history_is_kept(client, province):
    from motcua.organization.models import UnitIdentity

    admin = factories.staff(roles=[(Role.ADMINISTRATOR, province)])
    login(client, admin)
    response = client.post(
        reverse("admin:organization_unit_add"),
        {
            "level": province.level_id,
            "code": "000.00.11.H21",
            "name": "Sở Tư pháp",
            "parent": province.pk,
            "valid_from": "2025-07-01",
            "identities-TOTAL_FORMS": "0",
            "identities-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    identity = UnitIdentity.objects.get(code="000.00.11.H21")
    assert identity.name == "Sở Tư pháp"


def test_admin_login_url_redirects_to_the_workspace_login(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_vietnamese_by_default_even_for_an_english_browser(client, province):
    login(client, factories.staff(roles=[(Role.LEADER, province)]))
    response = client.get(reverse("workspace:home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "vi"
    assert "Bàn làm việc" in response.content.decode()


def test_language_switch_gives_english(client, province):
    login(client, factories.staff(roles=[(Role.LEADER, province)]))
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    response = client.get(reverse("workspace:home"))
    body = response.content.decode()
    assert response["Content-Language"] == "en"
    assert "My roles" in body and "Vai trò của tôi" not in body
    assert "Approving leader" in body


def test_calendar_page_answers_the_due_date_question(client, province):
    login(client, factories.staff(roles=[(Role.RECEPTIONIST, province)]))
    response = client.get(
        reverse("workspace:calendar"),
        {
            "year": "2026",
            "received_at": "2026-02-13T16:30",
            "quantity": "3",
            "unit": "working_days",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "16:30" in body and "25/02/2026" in body
    assert "Tết Nguyên Đán" in body
    assert "22/08/2026" in body  # the swapped working Saturday is listed


def test_calendar_page_reports_bad_input(client, province):
    login(client, factories.staff(roles=[(Role.RECEPTIONIST, province)]))
    response = client.get(
        reverse("workspace:calendar"),
        {
            "received_at": "30/02/2026 25:00",
            "quantity": "",
            "unit": "working_days",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Thời điểm không hợp lệ" in body
    assert "Hãy nhập thời hạn" in body
    assert 'data-testid="due"' not in body


def test_pages_run_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    """Pinned so that a page does not grow a query per unit, center or counter."""
    from django.core.management import call_command

    call_command("demo", stdout=io.StringIO())
    client.login(username="quantri", password="Motcua@2026")
    client.get(reverse("workspace:calendar"))  # seeds the current year once
    # Each page also counts the inbox for the menu's badge (the pool's units, the count).
    with django_assert_max_num_queries(10):
        assert client.get(reverse("workspace:home")).status_code == 200
    with django_assert_max_num_queries(11):
        assert client.get(reverse("workspace:organization")).status_code == 200
    with django_assert_max_num_queries(9):
        assert client.get(reverse("workspace:calendar"), {"year": "2026"}).status_code == 200
    with django_assert_max_num_queries(13):
        response = client.get(
            reverse("workspace:calendar"),
            {
                "year": "2026",
                "received_at": "2026-02-13T16:30",
                "quantity": "3",
                "unit": "working_days",
                "center": "",
            },
        )
        assert response.status_code == 200


def test_calendar_page_refuses_a_fractional_number_of_calendar_days(client, province):
    login(client, factories.staff(roles=[(Role.RECEPTIONIST, province)]))
    response = client.get(
        reverse("workspace:calendar"),
        {
            "received_at": "2026-02-13T16:30",
            "quantity": "2.5",
            "unit": "calendar_days",
        },
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert 'data-testid="due"' not in response.content.decode()


def test_receptionists_are_alerted_to_online_dossiers_waiting(client, world):  # noqa: F811
    import datetime as dt

    from motcua.catalog.models import Channel
    from motcua.dossiers import services
    from tests.dossiers.conftest import applicant, full_components

    client.force_login(world.receptionist)
    response = client.get(reverse("workspace:home"))
    assert response.context["online_waiting"] == 0
    services.register_dossier(
        actor=None,
        center=world.center_a,
        case=world.birth_case,
        channel=Channel.ONLINE,
        applicant=applicant(),
        components=full_components(world),
        submitted_at=dt.datetime(2026, 3, 6, 15, 0, tzinfo=dt.UTC),
    )
    response = client.get(reverse("workspace:home"))
    assert response.context["online_waiting"] == 1
    waiting = next(i for i in response.context["nav_items"] if i["key"] == "waiting")
    assert waiting["badge"] == 1
    assert 'class="nav-badge"' in response.content.decode()
