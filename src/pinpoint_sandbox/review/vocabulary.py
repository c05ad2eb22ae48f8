"""Per-language review vocabulary: `vocab/<lang>.yaml`, compiled once per (kind, languages).

Patterns are written folded (no accents, lower case) and matched case-insensitively against
`text.fold`; `help` keywords are matched case-sensitively against `text.plain`, because "help"
is also an ordinary word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from pinpoint_sandbox.core.jsonvalue import JsonObject, json_list
from pinpoint_sandbox.review.language import SUPPORTED
from pinpoint_sandbox.review.text import fold, plain

KINDS = (
    "opt_out", "help", "consent", "negation", "prechecked", "bundled", "promotional",
    "frequency", "opt_out_timing", "who", "what", "why", "volume", "business",
)
CASE_SENSITIVE = frozenset({"help"})


@cache
def vocabulary(lang: str) -> JsonObject:
    from pinpoint_sandbox.core.yamlio import packaged_mapping

    return packaged_mapping("pinpoint_sandbox.review", "vocab", f"{lang}.yaml")


@cache
def _compiled(kind: str, langs: tuple[str, ...]) -> re.Pattern[str]:
    parts: list[str] = []
    for lang in langs:
        parts += [str(p) for p in json_list(vocabulary(lang).get(kind))]
    if not parts:
        return re.compile(r"(?!x)x")  # matches nothing
    flags = 0 if kind in CASE_SENSITIVE else re.IGNORECASE
    return re.compile("|".join(f"(?:{p})" for p in parts), flags)


def pattern(kind: str, langs: Iterable[str] = SUPPORTED) -> re.Pattern[str]:
    """One regex for `kind` in the given languages (default: all)."""
    return _compiled(kind, tuple(langs))


def view(text: str, kind: str) -> str:
    """The text as the kind's patterns expect it."""
    return plain(text) if kind in CASE_SENSITIVE else fold(text)


def mentions(text: str, kind: str, langs: Iterable[str] = SUPPORTED) -> bool:
    return pattern(kind, langs).search(view(text, kind)) is not None


def affirmed(text: str, kind: str, langs: Iterable[str] = SUPPORTED) -> bool:
    """`kind` occurs without a negation just before it ("is not pre-checked", "none
    pre-selected") or, in Japanese and Korean, just after it ("チェックされていない")."""
    folded = fold(text)
    negation = pattern("negation", langs)
    for match in pattern(kind, langs).finditer(folded):
        before = folded[max(0, match.start() - 30) : match.start()]
        after = folded[match.end() : match.end() + 8]
        if negation.search(before) or _negated_after(after):
            continue
        return True
    return False


_AFTER_NEGATION = re.compile(
    r"^(さ|され|し)?(てい)?(ない|ません|ず)|^(되지|하지) ?않|^(되어 있지) ?않"
)


def _negated_after(after: str) -> bool:
    return _AFTER_NEGATION.search(after) is not None


def opt_out_example(lang: str) -> str:
    return str(vocabulary(lang).get("opt_out_example") or "Reply STOP to opt out")


def language_name(lang: str) -> str:
    return str(vocabulary(lang).get("name") or lang)


def check_every_language_has_every_kind() -> list[str]:
    """Problems for the test: a kind missing in some language's file."""
    return [f"{lang}: {kind}" for lang in SUPPORTED for kind in KINDS
            if kind not in vocabulary(lang)]
