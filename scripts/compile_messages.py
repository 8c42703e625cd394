#!/usr/bin/env python3
"""Compile every ``src/motcua/locale/*/LC_MESSAGES/*.po`` into its ``.mo`` with polib.

Pure Python, so it works where GNU gettext (``msgfmt``, hence ``motcua compilemessages``) is
not installed. The ``.mo`` files are committed: a ``.mo`` is rewritten only when its content
changes, and the output is deterministic (entries sorted, fuzzy and obsolete ones left out, as
``msgfmt`` does), so recompiling an unchanged catalogue leaves the work tree clean.

    python scripts/compile_messages.py            # compile what changed
    python scripts/compile_messages.py --check    # exit 1 when a committed .mo is stale
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "src" / "motcua" / "locale"


def catalogues(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Every ``.po`` under ``locale_dir/<lang>/LC_MESSAGES/``, sorted."""
    return sorted(locale_dir.glob("*/LC_MESSAGES/*.po"))


def compile_bytes(po_path: Path) -> bytes:
    """The ``.mo`` content of one ``.po`` file."""
    po = polib.pofile(str(po_path))
    with tempfile.TemporaryDirectory() as tmp:
        mo_path = Path(tmp) / "messages.mo"
        po.save_as_mofile(str(mo_path))
        return mo_path.read_bytes()


def compile_file(po_path: Path, *, check: bool = False) -> bool:
    """Write ``po_path``'s ``.mo`` beside it (unless ``check``); True when it was stale."""
    mo_path = po_path.with_suffix(".mo")
    content = compile_bytes(po_path)
    if mo_path.exists() and mo_path.read_bytes() == content:
        return False
    if not check:
        mo_path.write_bytes(content)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 when a .mo is out of date"
    )
    args = parser.parse_args(argv)
    found = catalogues()
    if not found:
        print(f"No .po file under {LOCALE_DIR}.", file=sys.stderr)
        return 1
    stale = []
    for po_path in found:
        changed = compile_file(po_path, check=args.check)
        relative = po_path.with_suffix(".mo").relative_to(ROOT)
        if changed:
            stale.append(relative)
        state = ("out of date" if args.check else "compiled") if changed else "up to date"
        print(f"{relative}: {state}")
    if args.check and stale:
        print("Run: python scripts/compile_messages.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
