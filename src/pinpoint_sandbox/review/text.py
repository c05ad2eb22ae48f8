"""Text normalisation before any rule looks at it.

NFKC first (full-width "ＳＴＯＰ" and "１０％" become "STOP" and "10%", compatibility forms
are unified), then accents are folded on Latin, Greek and Cyrillic letters only ("Clínica" and
"Clinica" match; Japanese voiced kana and Hangul syllables are left whole, since decomposing
them changes the word), then case is folded. The standard library's `unicodedata` is the
maintained Unicode database here: no extra dependency is needed for this part.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Below U+2000: Latin, Greek, Cyrillic and the other alphabets whose accents are marks.
_FOLDABLE_BELOW = 0x2000
_PUNCT = re.compile(r"[\W_]+", re.UNICODE)


def _strip_marks(char: str) -> str:
    if ord(char) >= _FOLDABLE_BELOW:
        return char
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=4096)
def plain(text: str) -> str:
    """NFKC, accents folded, case kept (for case-sensitive keywords such as HELP)."""
    nfkc = unicodedata.normalize("NFKC", text)
    if nfkc.isascii():
        return nfkc
    return unicodedata.normalize("NFC", "".join(_strip_marks(c) for c in nfkc))


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """NFKC, accents folded, case folded: what every pattern is matched against."""
    return plain(text).casefold()


def compact(text: str) -> str:
    """Folded with every space and punctuation mark removed ("Dr. Müller-Lüdenscheid" →
    "drmullerludenscheid"): brand names compare equal whatever their punctuation."""
    return _PUNCT.sub("", fold(text))


def words(text: str) -> list[str]:
    """Folded words (letters and digits), in order."""
    return [w for w in _PUNCT.split(fold(text)) if w]
