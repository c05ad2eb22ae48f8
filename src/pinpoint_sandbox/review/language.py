"""The language of a text, to apply that language's review vocabulary.

Scripts decide first (kana → Japanese, Hangul → Korean, Han without kana → Chinese, or Japanese
for a Japan-only destination). Latin-script text goes to py3langid, restricted to the languages
we have vocabulary for: a maintained fork of langid.py with a small bundled model (no download),
good on short texts, imported lazily (its model loads in under a second, once per process).
Without it, or on a text too short to judge, the destination countries' languages stand in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from pathlib import Path

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


class _Classifier(Protocol):
    def classify(self, text: str) -> tuple[str, float]: ...


@cache
def _identifier() -> _Classifier | None:
    """py3langid's classifier limited to SUPPORTED, or None when the package is missing."""
    try:
        from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier
    except ImportError:  # an install without it falls back on the destination countries
        return None
    try:
        return _slim_identifier(LanguageIdentifier, MODEL_DIR / MODEL_FILE)
    except (KeyError, ValueError, OSError):  # another model layout: the library's own loader
        fallback = LanguageIdentifier.from_model_file(MODEL_FILE)
        fallback.set_languages(list(SUPPORTED))
        identifier: _Classifier = fallback
        return identifier


def _slim_identifier(identifier_class: Callable[..., _Classifier], model: Path) -> _Classifier:
    """The classifier with only SUPPORTED's columns of the model, read member by member.

    py3langid's own loader keeps the full 142-language table (28 MB) beside the restricted
    one and copies the 39 MB state table into a Python array on the way: ~80 MB for the rest
    of the process, 110 MB at the peak. Read here, the state table stays the one NumPy array
    it is loaded as, and only our columns of the language table are kept (~42 MB in all).
    Same model, same numbers: the classification is the library's own.
    """
    import lzma
    import shutil
    import tempfile

    import numpy as np

    with tempfile.TemporaryFile(suffix=".npz") as unpacked:
        with lzma.open(model) as packed:
            shutil.copyfileobj(packed, unpacked, length=1 << 20)
        unpacked.seek(0)
        with np.load(unpacked, allow_pickle=False) as data:
            classes = [str(c) for c in data["classes"].tolist()]
            keep = [i for i, c in enumerate(classes) if c in SUPPORTED]
            return identifier_class(
                data["ptc"][:, keep].copy(), data["pc"][keep].copy(), [classes[i] for i in keep],
                data["nextmove"], data["out_feat"].tolist(), tk_row=data["nextmove_row"].tolist(),
            )


def release_model() -> None:
    """Let go of the model (~40 MB) once the reviews of a run are done: the filing that follows
    needs the memory, and a later review loads it again."""
    _identifier.cache_clear()


def languages_for(text: str, countries: Iterable[str]) -> list[str]:
    """The languages whose vocabulary applies to `text`: its own, the destination countries',
    and English (STOP and HELP are understood by carriers everywhere)."""
    codes = tuple(str(c).upper() for c in countries)
    langs = [lang for lang in (detect(text, codes),) if lang]
    for lang in (*country_languages(codes), "en"):
        if lang not in langs:
            langs.append(lang)
    return langs
