"""What the benchmark scripts share: a throwaway PostgreSQL database and Django set up on it
(or on a SQLite file in a temporary folder). Scripts run as ``python benchmarks/<name>.py``,
so this module is importable as ``_support``."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def admin_url(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def db_name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if not name or not name.replace("_", "").isalnum():
        sys.exit(f"--postgres needs a plain database name in the URL, not {name!r}")
    return name


@contextmanager
def throwaway_postgres(url: str, keep: bool = False) -> Iterator[None]:
    """Create the database named in ``url`` (refusing an existing one, which would be
    dropped) and drop it at the end unless ``keep``."""
    import psycopg

    name = db_name(url)
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            sys.exit(f"database {name!r} already exists: pick another name (it would be dropped)")
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield
    finally:
        from django.db import connections

        connections.close_all()
        if not keep:
            with psycopg.connect(admin_url(url), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(var_dir: str, database_url: str | None) -> None:
    """Django on ``database_url`` (or SQLite under ``var_dir``) with the test settings; the
    caller migrates after any setting it needs to change."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "motcua.settings.test"
    os.environ["MOTCUA_VAR_DIR"] = var_dir
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    try:
        import motcua  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
