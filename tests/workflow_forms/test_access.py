"""Who may print the forms of the processing (the same rule as forms 01–03, plus staff of a
unit that held one of the dossier's steps or consultations), and where they are linked."""

from __future__ import annotations

import pytest
from django.urls import reverse

from motcua.organization.models import Role
from tests import factories
from tests.dossier_forms.test_print_views import text_of

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

FORMS = [("apologised", "04"), ("stopped", "05"), ("returned", "06")]


def urls(code: str, number: str) -> list[str]:
    return [
        reverse("dossier_print:slip", args=[code, number]),
        reverse("dossier_print:slip_pdf", args=[code, number]),
    ]


@pytest.mark.parametrize(("fixture", "number"), FORMS)
def test_staff_without_a_role_over_the_dossier_get_a_403(
    client, request, outsider, fixture, number
):
    dossier = request.getfixturevalue(fixture)
    assert client.login(username=outsider.username, password=PASSWORD)
    for url in urls(dossier.code, number):
        response = client.get(url)
        assert response.status_code == 403
        assert "Bạn không có quyền in biểu mẫu của hồ sơ" in text_of(response)


@pytest.mark.parametrize(("fixture", "number"), FORMS)
def test_anonymous_visitors_are_sent_to_log_in(client, request, fixture, number):
    dossier = request.getfixturevalue(fixture)
    response = client.get(urls(dossier.code, number)[1])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_staff_of_a_consulted_unit_may_print(client, team, returned):
    """The justice department gave its opinion: its staff print the sheet they appear on."""
    assert client.login(username=team.justice.username, password=PASSWORD)
    for url in urls(returned.code, "06"):
        assert client.get(url).status_code == 200


def test_a_role_in_another_commune_is_not_enough(client, world, returned):
    neighbour = factories.staff(username="xa-b", roles=[(Role.LEADER, world.commune_b)])
    assert client.login(username=neighbour.username, password=PASSWORD)
    assert client.get(urls(returned.code, "06")[0]).status_code == 403


def test_the_dossier_page_links_to_them(staff_client, apologised, stopped):
    for dossier, numbers in ((apologised, ["01", "04", "06"]), (stopped, ["01", "05", "06"])):
        body = staff_client.get(f"/workspace/dossiers/{dossier.code}/").content.decode()
        for number in numbers:
            html, pdf = urls(dossier.code, number)
            assert f'data-print="{number}"' in body, number
            assert f'href="{html}"' in body and f'href="{pdf}"' in body, number
