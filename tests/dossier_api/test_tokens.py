"""Staff tokens: ``motcua token create/revoke/list`` and ``Authorization: Bearer``."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from motcua.api.auth import hash_token, user_for_token
from motcua.api.models import ApiToken
from motcua.organization.models import Role
from tests import factories

from .conftest import DOSSIERS, StaffClient, assert_error, intake_body, receive

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r"^mc_[a-z0-9]{8}_[A-Za-z0-9_-]{40,}$")


def create(username: str, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("token", "create", username, *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_create_prints_the_token_once_and_stores_only_its_hash(world):
    token, note = create("lan", "--name", "kiosk tầng 1")
    assert TOKEN.match(token), token
    row = ApiToken.objects.get()
    assert row.user == world.receptionist
    assert row.name == "kiosk tầng 1"
    assert token.startswith(f"mc_{row.prefix}_")
    assert row.key_hash == hash_token(token)
    secret = token.split("_", 2)[2]
    stored = " ".join(str(v) for v in ApiToken.objects.values_list().get())
    assert secret not in stored
    assert row.prefix in note and "một lần" in note


def test_create_refuses_unknown_and_inactive_users(world):
    with pytest.raises(CommandError, match="nobody"):
        create("nobody")
    world.receptionist.is_active = False
    world.receptionist.save()
    with pytest.raises(CommandError, match="khóa"):
        create("lan")
    assert not ApiToken.objects.exists()


def test_a_token_acts_as_its_user(world, client):
    token, _ = create("lan")
    dossier = receive(world)
    response = StaffClient(client, token).get(f"{DOSSIERS}/{dossier.code}")
    assert response.status_code == 200, response.content
    assert user_for_token(token) == world.receptionist


def test_last_use_is_recorded_at_most_once_a_minute(world, client):
    token, _ = create("lan")
    dossier = receive(world)
    api = StaffClient(client, token)
    api.get(f"{DOSSIERS}/{dossier.code}")
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    api.get(f"{DOSSIERS}/{dossier.code}")
    assert ApiToken.objects.get().last_used_at == first
    ApiToken.objects.update(last_used_at=timezone.now() - dt.timedelta(minutes=2))
    api.get(f"{DOSSIERS}/{dossier.code}")
    assert ApiToken.objects.get().last_used_at > first


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Bearer ",
        "Token abc",
        "Bearer mc_abcdefgh_wrongsecretwrongsecretwrongsecretwrongsecret",
        "Bearer not-a-token",
        "Basic bGFuOnBhc3N3b3Jk",
    ],
)
def test_missing_or_bad_tokens_are_401(world, client, header):
    dossier = receive(world)
    create("lan")
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = client.get(f"{DOSSIERS}/{dossier.code}", **extra)
    assert_error(response, 401, "not_authenticated")


def test_a_token_with_a_changed_secret_is_401(world, client):
    token, _ = create("lan")
    response = StaffClient(client, token[:-1] + ("A" if token[-1] != "A" else "B")).post(
        DOSSIERS, intake_body(world)
    )
    assert_error(response, 401, "not_authenticated")


def test_a_revoked_token_is_401(world, client):
    token, _ = create("lan")
    prefix = ApiToken.objects.get().prefix
    out = io.StringIO()
    call_command("token", "revoke", prefix, stdout=out)
    assert prefix in out.getvalue()
    assert ApiToken.objects.get().revoked_at is not None
    response = StaffClient(client, token).post(DOSSIERS, intake_body(world))
    assert_error(response, 401, "not_authenticated")


def test_revoke_accepts_the_whole_token_and_refuses_unknown_prefixes(world):
    token, _ = create("lan")
    call_command("token", "revoke", token, stdout=io.StringIO())
    assert ApiToken.objects.get().revoked_at is not None
    with pytest.raises(CommandError):
        call_command("token", "revoke", "zzzzzzzz", stdout=io.StringIO())


def test_an_inactive_user_is_401(world, client):
    token, _ = create("lan")
    world.receptionist.is_active = False
    world.receptionist.save()
    response = StaffClient(client, token).post(DOSSIERS, intake_body(world))
    assert_error(response, 401, "not_authenticated")


def test_capabilities_are_those_of_the_user_now(world, client):
    clerk = factories.staff(username="tuan", roles=[(Role.CLERK, world.commune_a)])
    token, _ = create("tuan")
    api = StaffClient(client, token)
    assert_error(api.post(DOSSIERS, intake_body(world)), 403, "permission_denied")
    # given the role later, the same token may receive
    from motcua.organization.models import RoleAssignment

    RoleAssignment.objects.create(
        user=clerk, role=Role.RECEPTIONIST, unit=world.commune_a, valid_from=dt.date(2025, 7, 1)
    )
    assert api.post(DOSSIERS, intake_body(world)).status_code == 201


def test_list_shows_prefixes_never_tokens(world):
    token, _ = create("lan", "--name", "máy quét")
    out = io.StringIO()
    call_command("token", "list", stdout=out)
    text = out.getvalue()
    assert ApiToken.objects.get().prefix in text
    assert "máy quét" in text
    assert token not in text


def test_the_catalogue_and_the_public_lookup_stay_public(world, client):
    dossier = receive(world)
    assert client.get("/api/v1/procedures").status_code == 200
    assert client.get("/api/v1/procedures/1.001193").status_code == 200
    assert client.get(f"/api/v1/public/dossiers/{dossier.code}").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 200
