"""A receipt's code scanned into the catalogue search opens the dossier lookup."""

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize(("prefix", "target"), [("", "/tra-cuu/"), ("/kiosk", "/kiosk/tra-cuu/")])
def test_a_dossier_code_typed_in_the_catalogue_search_opens_the_dossier_lookup(
    client, prefix, target
):
    response = client.get(f"{prefix}/thu-tuc/", {"q": " 000.00.31.h21-260302-0001 "})
    assert response.status_code == 302
    assert response["Location"] == f"{target}000.00.31.H21-260302-0001/"
