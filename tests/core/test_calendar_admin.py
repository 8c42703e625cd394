"""The calendar in Django's admin: rows entered there belong to the administrator, and a year
can be (re)seeded from the holidays package."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from motcua.core import services
from motcua.core.calendar import calendar_for
from motcua.core.models import CalendarDay, CalendarYear, DayKind, DaySource, WorkSchedule
from motcua.organization.models import User

from .conftest import at, day


@pytest.fixture
def admin_client(db: None) -> Client:
    user = User.objects.create_superuser(
        username="quantri", email="quantri@example.test", password="x", full_name="Quản trị"
    )
    client = Client()
    client.force_login(user)
    return client


def test_day_added_in_the_admin_is_an_admin_row_and_is_honoured(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:core_calendarday_add"),
        {
            "date": "2026-03-10",
            "kind": DayKind.EXTRA_OFF,
            "closed_half": "",
            "name": "Nghỉ theo quyết định của UBND tỉnh",
            "legal_basis": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row = CalendarDay.objects.get(date=day("2026-03-10"))
    assert row.source == DaySource.ADMIN
    assert calendar_for().add_working_days(at("2026-03-09 10:00"), 1) == at("2026-03-11 10:00")


def test_seeded_day_corrected_in_the_admin_survives_reseeding(admin_client: Client) -> None:
    services.seed_year(2026)
    row = CalendarDay.objects.get(date=day("2026-11-24"))
    response = admin_client.post(
        reverse("admin:core_calendarday_change", args=[row.pk]),
        {
            "date": "2026-11-24",
            "kind": DayKind.HOLIDAY,
            "closed_half": "",
            "name": "Ngày Văn hóa Việt Nam",
            "legal_basis": "Bộ luật Lao động (sửa đổi), Điều 112",
        },
    )
    assert response.status_code == 302
    services.seed_year(2026)
    row.refresh_from_db()
    assert (row.source, row.legal_basis) == (
        DaySource.ADMIN,
        "Bộ luật Lao động (sửa đổi), Điều 112",
    )


def test_half_day_closure_without_half_is_refused_in_vietnamese(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:core_calendarday_add"),
        {
            "date": "2026-03-13",
            "kind": DayKind.HALF_DAY_CLOSURE,
            "closed_half": "",
            "name": "Nghỉ nửa ngày",
            "legal_basis": "",
        },
    )
    assert response.status_code == 200
    assert "Hãy chọn buổi nghỉ cho ngày nghỉ nửa ngày." in response.content.decode()
    assert not CalendarDay.objects.exists()


def test_day_list_filters_by_kind_source_and_year(admin_client: Client) -> None:
    services.seed_year(2025)
    services.seed_year(2026)
    url = reverse("admin:core_calendarday_changelist")
    response = admin_client.get(url, {"kind": DayKind.SWAPPED_WORKING, "year": "2026"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Làm bù cho ngày 31/08/2026" in html
    assert "Làm bù cho ngày 02/05/2025" not in html
    response = admin_client.get(url, {"q": "Giỗ Tổ", "source": DaySource.SEEDED})
    assert [row.date for row in response.context["cl"].result_list] == [
        day("2025-04-07"),
        day("2026-04-26"),
        day("2026-04-27"),
    ]


def test_adding_a_year_in_the_admin_seeds_it(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:core_calendaryear_add"), {"year": "2027", "note": ""}
    )
    assert response.status_code == 302
    assert CalendarDay.objects.filter(date__year=2027).count() == 15


def test_seed_action_refreshes_selected_years(admin_client: Client) -> None:
    services.seed_year(2026)
    CalendarDay.objects.filter(date=day("2026-04-27")).delete()
    response = admin_client.post(
        reverse("admin:core_calendaryear_changelist"),
        {
            "action": "seed_from_holidays",
            "_selected_action": [CalendarYear.objects.get(year=2026).pk],
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "Năm 2026: thêm 1 ngày" in response.content.decode()
    assert CalendarDay.objects.filter(date=day("2026-04-27")).exists()


def test_work_schedule_with_seasonal_periods_in_the_admin(admin_client: Client) -> None:
    url = reverse(
        "admin:core_workschedule_change", args=[WorkSchedule.objects.get(is_default=True).pk]
    )
    response = admin_client.get(url)
    assert response.status_code == 200
    assert "Giờ hành chính" in response.content.decode()
