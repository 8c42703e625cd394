"""The English catalogue is complete, really English, compiled, and covers the code.

Vietnamese is the source language (the msgids); ``locale/en/LC_MESSAGES/django.po`` is the only
translation. Regenerating it needs GNU gettext (``make messages``), which CI may lack, so the
coverage check below scans the sources itself instead of running ``makemessages``.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import polib
import pytest
from django.utils import translation
from django.utils.translation import templatize

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "motcua"
PO_PATH = PACKAGE / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

# Proper names that stay as they are in an English text, each with the reason. Keep it short:
# anything else with Vietnamese letters is an untranslated or half-translated string.
VIETNAMESE_ALLOWED = {
    "Tiếng Việt": "a language is offered under its own name in the language switcher",
}

# Combining marks that, after NFD decomposition, make a letter Vietnamese: grave, acute, tilde,
# hook above and dot below (the tones), circumflex (â ê ô), breve (ă) and horn (ơ ư); đ has no
# decomposition and is listed on its own.
_VIETNAMESE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323", "\u0302", "\u0306", "\u031b"}
_PLACEHOLDER_RE = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")

# Translation functions as makemessages (xgettext) knows them: the msgid is the first argument,
# or the second after a context for the p- variants.
_PLAIN_FUNCTIONS = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy"}
_CONTEXT_FUNCTIONS = {"pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy"}
# What django.utils.translation.templatize makes of {% translate %}, {% blocktranslate %} and
# _("...") in a template: calls with Python string literals (repr()s, or the template's own
# quoted constant).
_LITERAL = r"""u?(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
_TEMPLATE_CALL_RE = re.compile(
    rf"\b(_|gettext|ngettext|pgettext|npgettext)\(\s*({_LITERAL})(?:\s*,\s*({_LITERAL}))?"
)


def _catalogue() -> polib.POFile:
    return polib.pofile(str(PO_PATH))


def _entries() -> list[polib.POEntry]:
    return [e for e in _catalogue() if not e.obsolete]


def _translations(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def vietnamese_letters(text: str) -> list[str]:
    """The letters of ``text`` that only Vietnamese (among Latin-script languages used here)
    writes: đ and any vowel with a tone mark, circumflex, breve or horn."""
    return [
        ch for ch in text if ch in "đĐ" or _VIETNAMESE_MARKS & set(unicodedata.normalize("NFD", ch))
    ]


def _load_compile_script():
    spec = importlib.util.spec_from_file_location(
        "compile_messages", ROOT / "scripts" / "compile_messages.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- the catalogue itself ----------------------------------------------------------------------


def test_every_entry_is_translated_and_none_is_fuzzy():
    entries = _entries()
    assert entries, f"{PO_PATH} has no entries"
    untranslated = [e.msgid for e in entries if not all(s.strip() for s in _translations(e))]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert not untranslated, "Untranslated entries:\n" + "\n".join(untranslated)
    assert not fuzzy, "Fuzzy entries (check the translation, then drop the flag):\n" + "\n".join(
        fuzzy
    )
    assert not _catalogue().metadata_is_fuzzy, "the header of the .po is still marked fuzzy"


def test_translations_keep_placeholders_and_surrounding_whitespace():
    problems = []
    for entry in _entries():
        sources = [entry.msgid, entry.msgid_plural or entry.msgid]
        for index, text in enumerate(_translations(entry)):
            source = sources[min(index, 1)]
            if sorted(_PLACEHOLDER_RE.findall(text)) != sorted(_PLACEHOLDER_RE.findall(source)):
                problems.append(f"placeholders differ: {source!r} -> {text!r}")
            for side, strip in (("leading", str.lstrip), ("trailing", str.rstrip)):
                if len(source) - len(strip(source)) != len(text) - len(strip(text)):
                    problems.append(f"{side} whitespace differs: {source!r} -> {text!r}")
    assert not problems, "\n".join(problems)


def test_translations_are_free_of_vietnamese_letters():
    offending = []
    for entry in _entries():
        for text in _translations(entry):
            checked = text
            for name in VIETNAMESE_ALLOWED:
                checked = checked.replace(name, "")
            letters = vietnamese_letters(checked)
            if letters:
                offending.append(f"{entry.msgid!r} -> {text!r} ({''.join(letters)})")
    assert not offending, "English translations with Vietnamese letters:\n" + "\n".join(offending)


def test_the_vietnamese_letter_detector():
    assert vietnamese_letters("Vai trò của tôi") == ["ò", "ủ", "ô"]
    assert vietnamese_letters("Đăng xuất") == ["Đ", "ă", "ấ"]
    assert vietnamese_letters("My roles “quoted” … 0 ≤ 1") == []


# -- the compiled catalogue --------------------------------------------------------------------


def test_committed_mo_matches_a_fresh_compile(tmp_path):
    assert MO_PATH.exists(), f"{MO_PATH} is missing: run python scripts/compile_messages.py"
    fresh_path = tmp_path / "django.mo"
    fresh_path.write_bytes(_load_compile_script().compile_bytes(PO_PATH))

    def content(path: Path) -> tuple[dict[tuple[str | None, str], object], dict[str, str]]:
        mo = polib.mofile(str(path))
        entries = {
            (e.msgctxt, e.msgid): (
                tuple(sorted(e.msgstr_plural.items())) if e.msgid_plural else e.msgstr
            )
            for e in mo
        }
        meta = {k: mo.metadata.get(k, "") for k in ("Content-Type", "Plural-Forms", "Language")}
        return entries, meta

    committed, fresh = content(MO_PATH), content(fresh_path)
    stale = sorted(
        str(key[1])
        for key in committed[0].keys() | fresh[0].keys()
        if committed[0].get(key) != fresh[0].get(key)
    )
    hint = "The .mo is out of date: run python scripts/compile_messages.py. Differing msgids:\n"
    assert not stale, hint + "\n".join(stale)
    assert committed[1] == fresh[1], "The .mo header is out of date: recompile it"


# -- the catalogue covers the code ---------------------------------------------------------------


def _source_files(suffixes: tuple[str, ...]) -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*")):
        parts = path.relative_to(PACKAGE).parts
        if path.suffix not in suffixes or not path.is_file():
            continue
        if any(p == "migrations" or p == "__pycache__" or p.startswith(".") for p in parts):
            continue
        yield path


def _python_msgids(path: Path) -> Iterator[tuple[str | None, str]]:
    """(context, msgid) of every translation call whose message is one string literal; f-strings
    and ``+`` concatenations are skipped (implicit concatenation is one literal for Python)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name in _PLAIN_FUNCTIONS:
            args, context = node.args[:1], None
        elif name in _CONTEXT_FUNCTIONS:
            args = node.args[1:2]
            first = node.args[0] if node.args else None
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                continue
            context = first.value
        else:
            continue
        if args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
            yield context, args[0].value


def _template_msgids(path: Path) -> Iterator[tuple[str | None, str]]:
    """Through Django's own ``templatize`` (what makemessages runs before xgettext), so the
    {% translate %}, {% blocktranslate %} (``{{ name }}`` → ``%(name)s``) and ``_("...")``
    forms come out exactly as makemessages writes them."""
    source = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    for match in _TEMPLATE_CALL_RE.finditer(source):
        function, first, second = match.groups()
        values = [ast.literal_eval(first), ast.literal_eval(second) if second else None]
        if function in ("pgettext", "npgettext"):
            if values[1] is not None:
                yield values[0], values[1]
        else:
            yield None, values[0]


def test_scanner_finds_what_makemessages_would():
    sample = (
        '{% load i18n %}{% translate "Một" %}{% trans \'Hai\' context "c" %}'
        "{% blocktranslate with n=x %}Ba {{ n }} 5%{% endblocktranslate %}"
        '{{ v|default:_("Bốn") }}'
    )
    source = templatize(sample)
    found = set()
    for match in _TEMPLATE_CALL_RE.finditer(source):
        function, first, second = match.groups()
        found.add((function, ast.literal_eval(first), second and ast.literal_eval(second)))
    assert {msgid for _f, *rest in found for msgid in rest if msgid} >= {
        "Một",
        "c",
        "Hai",
        "Ba %(n)s 5%%",
        "Bốn",
    }


def test_every_literal_message_in_the_code_is_in_the_catalogue():
    known = {(e.msgctxt, e.msgid) for e in _entries()}
    missing: dict[tuple[str | None, str], list[str]] = {}
    scanners = ((("py",), _python_msgids), (("html", "txt"), _template_msgids))
    for suffixes, scan in scanners:
        for path in _source_files(tuple(f".{s}" for s in suffixes)):
            for key in scan(path):
                if key not in known:
                    missing.setdefault(key, []).append(str(path.relative_to(PACKAGE)))
    lines = [
        f"{msgid!r}" + (f" (context {ctx!r})" if ctx else "") + f"  in {', '.join(sorted(set(f)))}"
        for (ctx, msgid), f in sorted(missing.items(), key=lambda kv: kv[0][1])
    ]
    assert not missing, (
        f"{len(missing)} message(s) of the code are not in {PO_PATH.relative_to(ROOT)}; run "
        "`make messages`, translate them, and recompile:\n" + "\n".join(lines)
    )


# -- Django serves the translation ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("vietnamese", "english"),
    [
        ("Vai trò của tôi", "My roles"),
        ("Lãnh đạo phê duyệt", "Approving leader"),
        ("Bàn làm việc", "Workspace"),
        ("Ngôn ngữ", "Language"),
        ("Đăng nhập", "Log in"),
        ("Đăng xuất", "Log out"),
        ("Tiếng Việt", "Tiếng Việt"),
        ("English", "English"),
    ],
)
def test_django_serves_the_english_catalogue(vietnamese, english):
    with translation.override("en"):
        assert translation.gettext(vietnamese) == english
    if vietnamese != "English":  # Django's own Vietnamese catalogue calls it "Tiếng Anh"
        with translation.override("vi"):
            assert translation.gettext(vietnamese) == vietnamese
