"""Use-case substance: which of the elements reviewers look for a description gives.

AWS's production-access form asks who receives the messages, what they are, why they are sent,
how often, and how many. A description is judged by the elements present, in any of our
languages, not by its length: "We send messages to our customers about our services and other
things." is 70 characters and says only who.
"""

from __future__ import annotations

import re

from pinpoint_sandbox.review.text import fold
from pinpoint_sandbox.review.vocabulary import mentions

ELEMENTS = {
    "who": "who receives them",
    "what": "what the messages are",
    "why": "why they are sent (what triggers them)",
    "frequency": "how often",
    "volume": "how many (e.g. per month)",
    "business": "what the service or business is",
}
# The voice form asks volume and frequency in their own fields; its service description is
# judged on who is called, with what, why, and what the business does.
VOICE_ELEMENTS = {
    "who": ELEMENTS["who"],
    "what": ELEMENTS["what"],
    "why": ELEMENTS["why"],
    "business": "what the service or business is",
}
MIN_ELEMENTS = {"sms": 3, "voice": 2}  # of 6 (SMS) and 4 (voice) elements


def _table(channel: str) -> dict[str, str]:
    return ELEMENTS if channel == "sms" else VOICE_ELEMENTS


def elements(text: str, channel: str = "sms") -> dict[str, bool]:
    return {kind: mentions(text, kind) for kind in _table(channel)}


def missing(text: str, channel: str = "sms") -> list[str]:
    """The elements `text` lacks, as words for the finding."""
    table = _table(channel)
    return [table[kind] for kind, present in elements(text, channel).items() if not present]


def is_vague(text: str, channel: str = "sms") -> bool:
    return sum(elements(text, channel).values()) < MIN_ELEMENTS[channel]


_MONTHLY = re.compile(
    r"(\d[\d,. ]*\d|\d)\s*(k|thousand|million|m)?\s*(?:sms|messages?|msgs?|texts?)"
    r"\s*(?:a|per|each|/|every)\s*month"
)
_MULTIPLIER = {"k": 1_000, "thousand": 1_000, "million": 1_000_000, "m": 1_000_000}


def monthly_volume(text: str) -> int | None:
    """"about 300,000 messages a month" → 300000; None when no monthly figure is given."""
    match = _MONTHLY.search(fold(text))
    if not match:
        return None
    digits = re.sub(r"[,. ]", "", match.group(1))
    if not digits.isdigit():
        return None
    return int(digits) * _MULTIPLIER.get(match.group(2) or "", 1)
