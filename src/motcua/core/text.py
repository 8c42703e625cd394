"""Vietnamese text helpers: folding for search that ignores diacritics and case."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Letters that Unicode decomposition does not turn into a base letter plus marks.
_SPECIAL = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    """Lower-case ``text`` without diacritics and with single spaces.

    ``fold("Đăng ký khai sinh")`` and ``fold("dang ky  KHAI sinh")`` are both
    ``"dang ky khai sinh"``, so a citizen typing without Vietnamese input finds what they seek.
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_SPECIAL))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.lower()).strip()


def search_terms(query: str) -> list[str]:
    """The folded words of a search query, without duplicates, in order."""
    seen: dict[str, None] = {}
    for word in fold(query).split(" "):
        if word:
            seen.setdefault(word, None)
    return list(seen)
