"""The pieces of the lookup: reading a code, masking a name, the fixed-window rate limit."""

from __future__ import annotations

import pytest

from motcua.core import ratelimit
from motcua.dossiers.selectors import mask_name, parse_dossier_code


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("Trần Văn Bình", "T*** V** B***"),
        ("  Nguyễn   Thị  Lan ", "N***** T** L**"),
        ("Lê A", "L* A"),
        ("Công ty TNHH An Bình", "C*** t* T*** A* B***"),
        ("", ""),
    ],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_mask_name_counts_letters_not_code_points():
    decomposed = "Tra\u0300n"  # "Trần" typed with a combining accent
    assert mask_name(decomposed) == "T***"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("000.00.31.H21-260302-0001", "000.00.31.H21-260302-0001"),
        (" 000.00.31.h21-260302-0001\n", "000.00.31.H21-260302-0001"),
        ("G01.00.31.H21-240229-9999", "G01.00.31.H21-240229-9999"),
        ("000.00.31.H21-250229-0001", None),  # 2025 has no 29 February
        ("000.00.31.H21-260302-0000", None),
        ("000.00.31.H21 260302 0001", None),
        ("", None),
        ("x" * 100, None),
    ],
)
def test_parse_dossier_code(text, code):
    assert parse_dossier_code(text) == code


def test_fixed_window(settings):
    settings.MOTCUA_RATE_LIMITS = {"lookup": (2, 60)}
    start = 1_800_000_000.0 - (1_800_000_000 % 60)  # the start of a window
    assert ratelimit.hit("lookup", "1.2.3.4", now=start + 1).allowed
    second = ratelimit.hit("lookup", "1.2.3.4", now=start + 2)
    assert second.allowed and second.remaining == 0
    third = ratelimit.hit("lookup", "1.2.3.4", now=start + 50)
    assert not third.allowed
    assert third.retry_after == 10
    assert ratelimit.hit("lookup", "5.6.7.8", now=start + 50).allowed
    # the next window starts afresh
    assert ratelimit.hit("lookup", "1.2.3.4", now=start + 61).allowed


def test_defaults_and_switching_off(settings):
    assert ratelimit.limits()["lookup"] == (30, 60)
    settings.MOTCUA_RATE_LIMITS = {"lookup": (1, 60)}
    settings.MOTCUA_RATE_LIMIT_ENABLED = False
    for _ in range(5):
        assert ratelimit.hit("lookup", "1.2.3.4").allowed


def test_a_database_cache_works_too(settings, db):
    from django.core.management import call_command

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "shared": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "motcua_test_cache",
        },
    }
    settings.MOTCUA_RATE_LIMIT_CACHE = "shared"
    settings.MOTCUA_RATE_LIMITS = {"lookup": (2, 60)}
    call_command("createcachetable", verbosity=0)
    results = [ratelimit.hit("lookup", "9.9.9.9").allowed for _ in range(3)]
    assert results == [True, True, False]
