"""The language of a text, to apply that language's review vocabulary.

Scripts decide first (kana → Japanese, Hangul → Korean, Han without kana → Chinese, or Japanese
for a Japan-only destination). Latin-script text goes to py3langid, restricted to the languages
we have vocabulary for: a maintained fork of langid.py with a small bundled model (no download),
good on short texts, imported lazily (its model loads in under a second, once per process).
Without it, or on a text too short to judge, the destination countries' languages stand in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import Any

SUPPORTED = ("en", "fr", "es", "pt", "de", "it", "nl", "ja", "zh", "ko")

# Main languages of destination countries (ISO 3166-1 → our vocabulary's codes).
COUNTRY_LANGUAGES: dict[str, tuple[str, ...]] = {
    "US": ("en", "es"), "CA": ("en", "fr"), "GB": ("en",), "IE": ("en",), "AU": ("en",),
    "NZ": ("en",), "IN": ("en",), "SG": ("en", "zh"), "ZA": ("en",), "PH": ("en",),
    "FR": ("fr",), "BE": ("fr", "nl"), "CH": ("de", "fr", "it"), "LU": ("fr", "de"),
    "MC": ("fr",), "ES": ("es",), "MX": ("es",), "AR": ("es",), "CO": ("es",), "CL": ("es",),
    "PE": ("es",), "UY": ("es",), "EC": ("es",), "BR": ("pt",), "PT": ("pt",), "AO": ("pt",),
    "DE": ("de",), "AT": ("de",), "LI": ("de",), "IT": ("it",), "SM": ("it",), "NL": ("nl",),
    "JP": ("ja",), "CN": ("zh",), "TW": ("zh",), "HK": ("zh", "en"), "MO": ("zh",),
    "KR": ("ko",),
}
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-zÀ-ɏ]{2,}")
_PLACEHOLDER = re.compile(r"\{[^}]*\}|\[[^\]]*\]|<[^>]*>|https?://\S+|\S+@\S+")
MIN_LATIN_WORDS = 3  # fewer words than this say little about the language


def country_languages(countries: Iterable[str]) -> list[str]:
    langs: list[str] = []
    for country in countries:
        for lang in COUNTRY_LANGUAGES.get(str(country).upper(), ()):
            if lang not in langs:
                langs.append(lang)
    return langs


@lru_cache(maxsize=2048)
def detect(text: str, countries: tuple[str, ...] = ()) -> str | None:
    """The text's language among SUPPORTED, or None when it cannot tell."""
    if _KANA.search(text):
        return "ja"
    if _HANGUL.search(text):
        return "ko"
    if _HAN.search(text):
        return "ja" if tuple(c.upper() for c in countries) == ("JP",) else "zh"
    cleaned = _PLACEHOLDER.sub(" ", text)
    if len(_LATIN_WORD.findall(cleaned)) < MIN_LATIN_WORDS:
        return None
    identifier = _identifier()
    if identifier is None:
        return None
    lang = str(identifier.classify(cleaned)[0])
    return lang if lang in SUPPORTED else None


@cache
def _identifier() -> Any:
    """py3langid's classifier limited to SUPPORTED, or None when the package is missing."""
    try:
        import py3langid
    except ImportError:  # an install without it falls back on the destination countries
        return None
    py3langid.set_languages(list(SUPPORTED))
    return py3langid


def languages_for(text: str, countries: Iterable[str]) -> list[str]:
    """The languages whose vocabulary applies to `text`: its own, the destination countries',
    and English (STOP and HELP are understood by carriers everywhere)."""
    codes = tuple(str(c).upper() for c in countries)
    langs = [lang for lang in (detect(text, codes),) if lang]
    for lang in (*country_languages(codes), "en"):
        if lang not in langs:
            langs.append(lang)
    return langs
