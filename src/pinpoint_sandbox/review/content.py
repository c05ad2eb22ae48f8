"""Prohibited and restricted content (`content.yaml`): which category an answer falls in.

A category is found when one of its `strong` terms appears, or two different `weak` terms
(ordinary words that are also product words: "flower" and "pre-rolls" are cannabis, "flower"
alone is a florist), each not negated ("we never sell vapes").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from pinpoint_sandbox.review.text import fold
from pinpoint_sandbox.review.vocabulary import pattern


@dataclass(frozen=True)
class Group:
    name: str
    strong: re.Pattern[str] | None
    weak: re.Pattern[str] | None


@dataclass(frozen=True)
class Category:
    rule: str
    reason: str
    source: str
    groups: tuple[Group, ...]


def _union(patterns: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


@cache
def categories() -> tuple[Category, ...]:
    from importlib.resources import files

    import yaml

    data = yaml.safe_load(
        (files("pinpoint_sandbox.review") / "content.yaml").read_text(encoding="utf-8")
    )
    result = []
    for entry in data["categories"]:
        groups = tuple(
            Group(name, _union(list(g.get("strong") or [])), _union(list(g.get("weak") or [])))
            for name, g in entry["groups"].items()
        )
        result.append(Category(entry["rule"], entry["reason"], entry["source"], groups))
    return tuple(result)


def _unnegated(folded: str, regex: re.Pattern[str]) -> list[str]:
    negation = pattern("negation")
    return [
        m.group(0) for m in regex.finditer(folded)
        if not negation.search(folded[max(0, m.start() - 25) : m.start()])
    ]


def find(text: str, category: Category) -> str | None:
    """The words that put `text` in `category`, or None."""
    folded = fold(text)
    for group in category.groups:
        strong = _unnegated(folded, group.strong) if group.strong else []
        if strong:
            return strong[0]
        weak = sorted(set(_unnegated(folded, group.weak))) if group.weak else []
        if len(weak) >= 2:
            return " + ".join(weak[:2])
    return None
