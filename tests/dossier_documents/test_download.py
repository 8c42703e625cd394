"""Staff open a dossier's files through a view that re-hashes them on the way out."""

from __future__ import annotations

import pytest
from django.urls import reverse

from motcua.dossiers.services import ComponentInput
from motcua.organization.models import Role
from tests import factories

from .conftest import pdf_bytes, receive, store

pytestmark = pytest.mark.django_db


@pytest.fixture
def scanned(world):
    scan = store(world, content=pdf_bytes("Giấy chứng sinh của bé An"))
    components = [
        ComponentInput(world.birth_form, originals=1),
        ComponentInput(world.birth_certificate, originals=1, documents=[scan]),
    ]
    return receive(world, components=components), scan


def test_the_scan_is_served_as_received(client, world, scanned):
    dossier, scan = scanned
    client.force_login(world.receptionist)
    page = client.get(reverse("dossiers:detail", args=[dossier.code]))
    url = reverse("dossiers:document", args=[dossier.code, scan.pk])
    assert url in page.content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes("Giấy chứng sinh của bé An")
    assert response["Content-Type"] == "application/pdf"


def test_a_file_changed_on_disk_is_refused(client, world, scanned):
    dossier, scan = scanned
    with open(scan.file.path, "ab") as stored:
        stored.write(b"tampered")
    client.force_login(world.receptionist)
    response = client.get(reverse("dossiers:document", args=[dossier.code, scan.pk]))
    assert response.status_code == 409


def test_files_are_only_for_staff_who_may_see_the_dossier(client, world, scanned):
    dossier, scan = scanned
    outsider = factories.staff(roles=[(Role.RECEPTIONIST, world.commune_b)])
    client.force_login(outsider)
    assert client.get(reverse("dossiers:document", args=[dossier.code, scan.pk])).status_code == 404
    # A file of another dossier cannot be fetched through this one's address.
    other = receive(world)
    client.force_login(world.receptionist)
    assert client.get(reverse("dossiers:document", args=[other.code, scan.pk])).status_code == 404
