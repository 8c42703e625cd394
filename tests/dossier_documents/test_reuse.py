"""Reuse (NĐ 118/2025 Art 5.1.i): what the system already holds for a person is offered instead
of being asked for again."""

from __future__ import annotations

import datetime as dt

import pytest

from motcua.catalog.models import Component, Requirement
from motcua.dossiers import documents, selectors
from motcua.dossiers.documents import DocumentIntegrityError, documents_offered_for_reuse
from motcua.dossiers.models import DocumentKind, Party
from motcua.dossiers.services import ComponentInput, IntakeError
from motcua.dossiers.signing import sign_document
from motcua.dossiers.status import Status

from .conftest import VN, applicant, pdf_bytes, png_bytes, receive, store

pytestmark = pytest.mark.django_db


def first_dossier_with_scan(world, *, sign=True, content=None):
    """The citizen's first dossier: the birth certificate scanned (and signed) at the counter."""
    scan = store(world, "giay-chung-sinh.pdf", content)
    if sign:
        sign_document(scan, officer=world.receptionist)
    receive(
        world,
        components=[
            ComponentInput(world.birth_form, originals=1),
            ComponentInput(world.birth_certificate, originals=1, documents=[scan]),
        ],
    )
    scan.refresh_from_db()
    return scan


def binh() -> Party:
    return Party.objects.get(identity_number=applicant().identity_number)


def test_the_first_dossiers_scan_is_offered_to_the_second_and_satisfies_the_component(world):
    scan = first_dossier_with_scan(world)
    party = selectors.find_party("citizen_id", applicant().identity_number)
    assert documents_offered_for_reuse(party=party, component=world.birth_certificate) == [scan]
    # Nothing fits the declaration form: it was handed over on paper only.
    assert documents_offered_for_reuse(party=party, component=world.birth_form) == []

    second = receive(
        world,
        at=dt.datetime(2026, 3, 9, 10, 0, tzinfo=VN),
        components=[
            ComponentInput(world.birth_form, originals=1),
            ComponentInput(
                world.birth_certificate,
                reuse=documents.check_reuse(
                    document=scan, party=party, component=world.birth_certificate
                ),
            ),
        ],
    )
    assert second.status == Status.ACCEPTED
    row = second.components.get(component=world.birth_certificate)
    assert row.reused_from == scan
    assert row.originals == row.copies == row.certified_copies == 0
    assert row.handed_over


def test_without_the_reuse_the_same_dossier_is_incomplete(world):
    first_dossier_with_scan(world)
    with pytest.raises(IntakeError) as excinfo:
        receive(world, components=[ComponentInput(world.birth_form, originals=1)])
    assert excinfo.value.code == "missing_required_component"


def test_a_new_person_has_nothing_to_reuse(world):
    first_dossier_with_scan(world)
    assert documents_offered_for_reuse(party=None, component=world.birth_certificate) == []
    stranger = Party.objects.create(
        kind="person", name="Lê Thị Hoa", identity_kind="citizen_id", identity_number="052090009999"
    )
    assert documents_offered_for_reuse(party=stranger, component=world.birth_certificate) == []


def test_an_unsigned_scan_is_not_offered(world):
    """A scan without the officer's signature has no legal value as a digitised copy."""
    first_dossier_with_scan(world, sign=False)
    assert documents_offered_for_reuse(party=binh(), component=world.birth_certificate) == []


def test_the_same_paper_asked_by_another_procedure_is_offered_by_its_name(world):
    scan = first_dossier_with_scan(world)
    elsewhere = Component.objects.create(
        case=world.criminal_case,
        position=2,
        name="GIAY CHUNG SINH ",  # same paper, typed without diacritics
        requirement=Requirement.REQUIRED,
    )
    other = Component.objects.create(
        case=world.criminal_case, position=3, name="Giấy chứng tử", requirement=Requirement.REQUIRED
    )
    assert documents_offered_for_reuse(party=binh(), component=elsewhere) == [scan]
    assert documents_offered_for_reuse(party=binh(), component=other) == []


def test_results_are_offered_and_the_newest_comes_first(world):
    old_scan = first_dossier_with_scan(world)
    party = binh()
    result = store(
        world,
        "ket-qua.png",
        png_bytes(7),
        kind=DocumentKind.RESULT,
        owner=party,
        component_name="Giấy chứng sinh",
    )
    newer_scan = store(world, "ban-quet-moi.png", png_bytes(8), owner=party)
    newer_scan.component_name = "giấy chứng sinh"
    newer_scan.save(update_fields=["component_name"])
    sign_document(newer_scan, officer=world.receptionist)
    offered = documents_offered_for_reuse(party=party, component=world.birth_certificate)
    assert offered == [newer_scan, result, old_scan]


def test_a_document_not_offered_cannot_be_reused(world):
    first_dossier_with_scan(world)
    someone_elses = store(world, "khac.png", png_bytes(3))
    with pytest.raises(IntakeError) as excinfo:
        documents.check_reuse(
            document=someone_elses, party=binh(), component=world.birth_certificate
        )
    assert excinfo.value.code == "reuse_not_offered"


def test_a_changed_file_cannot_be_reused(world, media):
    scan = first_dossier_with_scan(world)
    (media / scan.file.name).write_bytes(pdf_bytes("đã sửa"))
    with pytest.raises(DocumentIntegrityError) as excinfo:
        documents.check_reuse(document=scan, party=binh(), component=world.birth_certificate)
    assert excinfo.value.code == "file_changed"


def test_the_whole_checklist_is_offered_in_a_few_queries(world, django_assert_max_num_queries):
    scan = first_dossier_with_scan(world)
    party = binh()
    components = list(world.birth_case.components.all())
    with django_assert_max_num_queries(2):
        offers = documents.reuse_offers(party=party, components=components)
    assert offers == {
        world.birth_form.pk: [],
        world.birth_certificate.pk: [scan],
        world.authorisation.pk: [],
    }
