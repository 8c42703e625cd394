"""The production profile passes Django's deployment checks and refuses to start half-set."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "motcua.settings.production",
    "SECRET_KEY": "k" * 20 + "9f8e7d6c5b4a3928170615243342516071829304",
    "DATABASE_URL": "postgres://motcua@db.internal:5432/motcua",
    "ALLOWED_HOSTS": "motcua.example.gov.vn",
}


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # The browser tests lift Django's async guard for their session; a deployment never does.
    dropped = {*PRODUCTION_ENV, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "-m", "motcua.cli", *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_profile_passes_check_deploy():
    result = run_cli("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS"])
def test_production_profile_refuses_to_start_without(missing):
    env = {**PRODUCTION_ENV, missing: ""}
    result = run_cli("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_motcua_command_exposes_django_management_commands():
    result = run_cli("help", env={"DJANGO_SETTINGS_MODULE": "motcua.settings.test"})
    assert result.returncode == 0
    for command in ("migrate", "createsuperuser", "demo", "calendar"):
        assert command in result.stdout
