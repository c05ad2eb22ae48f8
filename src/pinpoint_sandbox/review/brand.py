"""Is the brand named? Case-, accent-, space- and punctuation-insensitive, with the forms a
company really uses: without its legal suffix, each name of "한빛마트 (Hanbit Mart)", its
initials ("Cedar Valley Credit Union" → "CVCU", "Cedar Valley CU"; "Stichting Openbaar
Onderwijs Zuid" → "SOO Zuid"), its website's name, its first distinctive word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlparse

from pinpoint_sandbox.review.text import compact, words

LEGAL_SUFFIXES = re.compile(
    r"[,.]?\s*\b(inc|ltd|limited|llc|llp|plc|gmbh|ag|sa|sas|sarl|srl|s\.r\.l|spa|s\.p\.a|bv|nv|kk"
    r"|pty|co|corp|corporation|company|group|holdings?|s\.a|s\.l|sl|oy|ab|as|a/s|ltda|eireli"
    r"|me|epp|ug|kg|ohg|e\.v|ev)\b\.?\s*$",
    re.IGNORECASE,
)
CJK_LEGAL = re.compile(
    r"株式会社|有限会社|合同会社|\(株\)|（株）|股份有限公司|有限公司|集团|주식회사|\(주\)"
)
# Words too common to stand for a brand alone.
GENERIC = frozenset({
    "the", "bank", "clinic", "clinica", "dental", "group", "services", "service", "store",
    "shop", "online", "app", "health", "care", "medical", "pharmacy", "farmacia", "apotheke",
    "boulangerie", "credit", "union", "school", "district", "company", "home", "auto",
    "energy", "financial", "solutions", "direct", "supply", "labs", "family", "optical",
    "optique", "bakery", "garden", "centre", "center", "fitness", "hospital", "insurance",
    "motors", "travel", "realty", "market", "foods", "coffee", "cafe", "restaurant", "salon",
    "studio", "academy", "college", "university", "institute", "partners", "associates",
    "international", "global", "national", "systems", "technologies", "digital", "media",
    "maison", "praxis", "zahnarztpraxis", "cabinet", "centro", "grupo", "tienda", "loja",
})
LONG_TOKEN = 5  # a distinctive word this long stands for the brand wherever it is


def _names(company: str) -> list[str]:
    """The company name's forms: as given, each alternative, without legal suffixes."""
    forms = [company]
    parts = [p for p in re.split(r"[()（）/|]| - ", company) if p.strip()]
    forms += parts
    bare: list[str] = []
    for form in forms:
        stripped = CJK_LEGAL.sub("", form)
        for _ in range(2):  # "Foo Holdings Ltd"
            stripped = LEGAL_SUFFIXES.sub("", stripped.strip(" ,."))
        bare.append(stripped.strip(" ,."))
    return [f for f in dict.fromkeys([*forms, *bare]) if compact(f)]


def _abbreviations(name: str) -> list[str]:
    tokens = [w for w in words(name) if w]
    if len(tokens) < 2:
        return []
    initials = [t[0] for t in tokens]
    forms = ["".join(initials)]
    for k in range(1, len(tokens)):
        forms.append("".join(tokens[:k]) + "".join(initials[k:]))  # "Cedar Valley CU"
        forms.append("".join(initials[:k]) + "".join(tokens[k:]))  # "SOO Zuid"
    return forms


def brand_forms(company: str, website: str = "") -> tuple[list[str], list[str]]:
    """(compact forms found anywhere in a text, compact forms that must be a whole word)."""
    anywhere: list[str] = []
    whole: list[str] = []
    for name in _names(company):
        anywhere.append(compact(name))
        for abbreviation in _abbreviations(name):
            if len(abbreviation) >= 3:  # two letters ("NB") are too often something else
                (whole if len(abbreviation) <= 4 else anywhere).append(abbreviation)
        tokens = words(name)
        distinctive = [t for t in tokens if len(t) >= 4 and t not in GENERIC]
        # The first distinctive word, and any long one ("Dr. Anna Müller Zahnarztpraxis" is
        # "Praxis Dr. Müller" in its messages).
        whole += distinctive[:1] + [t for t in distinctive[1:] if len(t) >= LONG_TOKEN]
    host = (urlparse(website).hostname or "").removeprefix("www.")
    label = host.split(".")[0] if host else ""
    if len(label) >= 4:
        anywhere.append(compact(label))
    return [f for f in dict.fromkeys(anywhere) if len(f) >= 2], list(dict.fromkeys(whole))


def names_brand(text: str, company: str, website: str = "") -> bool:
    if not company.strip():
        return True  # nothing to compare with; placeholder rules speak for an empty name
    anywhere, whole = brand_forms(company, website)
    squeezed = compact(text)
    if any(form in squeezed for form in anywhere):
        return True
    tokens = words(text)
    joined = _adjacent_joins(tokens)
    return any(form in joined for form in whole)


def _adjacent_joins(tokens: list[str]) -> set[str]:
    """Every run of up to three adjacent words, joined ("cedar valley cu" → "cedarvalleycu")."""
    runs: set[str] = set()
    for i in range(len(tokens)):
        for n in (1, 2, 3):
            if i + n <= len(tokens):
                runs.add("".join(tokens[i : i + n]))
    return runs


def display(company: str) -> str:
    names: Iterable[str] = _names(company)
    return next(iter(names), company)
