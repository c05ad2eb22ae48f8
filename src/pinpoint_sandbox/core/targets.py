"""The nouns every stage shares: a target, a rendered case, and the result of one target.

A *target* is (account id, region, channel). The whole tool exists to file at most one case
per target, so `Target.tag` is the stable marker written into every case subject and ledger line.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from pinpoint_sandbox.core.errors import UsageError
from pinpoint_sandbox.core.jsonvalue import JsonObject

Channel = Literal["sms", "voice"]
CHANNELS: tuple[Channel, ...] = ("sms", "voice")

Action = Literal["previewed", "filed", "skipped", "blocked", "failed"]



@dataclass(frozen=True, order=True, slots=True)  # one per target: no per-instance dict
class Target:
    account_id: str
    region: str
    channel: Channel

    @property
    def tag(self) -> str:
        """Written into every case subject so duplicates can be found with DescribeCases."""
        return f"[pinpoint-sandbox {self.channel} {self.region} {self.account_id}]"

    @property
    def key(self) -> str:
        return f"{self.account_id}/{self.region}/{self.channel}"


class RenderedCase:
    """A rendered case. The cases of one run differ only in their region and account lines,
    so a case is kept as the lines it changes in the first case of its length (the *base*,
    shared): thousands of targets cost a few pointers each, not a 6 KB text or a tuple of
    every line. A case that differs in more than a quarter of its lines keeps its own."""

    __slots__ = ("_base", "_changes", "subject")
    # Line count → the first case's lines of that length (each line interned).
    _bases: ClassVar[dict[int, tuple[str, ...]]] = {}

    def __init__(self, subject: str, description: str) -> None:
        self.subject = subject
        lines = description.split("\n")
        base = self._bases.get(len(lines))
        if base is None:
            base = self._bases.setdefault(len(lines), tuple(sys.intern(x) for x in lines))
        changes: list[int | str] = []
        for index, (line, shared) in enumerate(zip(lines, base, strict=True)):
            if line != shared:
                changes += (index, line)  # most are this target's own: not interned
        if len(changes) > len(lines) // 2:  # 2 items per changed line: over a quarter
            base, changes = tuple(sys.intern(line) for line in lines), []
        self._base = base
        self._changes = tuple(changes)  # (index, line, index, line, …)

    @property
    def lines(self) -> tuple[str, ...]:
        if not self._changes:
            return self._base
        lines = list(self._base)
        for at in range(0, len(self._changes), 2):
            index, line = self._changes[at], self._changes[at + 1]
            assert isinstance(index, int) and isinstance(line, str)
            lines[index] = line
        return tuple(lines)

    @property
    def description(self) -> str:
        return "\n".join(self.lines)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RenderedCase):
            return NotImplemented
        return (self.subject, self.lines) == (other.subject, other.lines)

    def __hash__(self) -> int:
        return hash((self.subject, self.lines))

    def __repr__(self) -> str:
        return f"RenderedCase(subject={self.subject!r}, description={self.description!r})"


@dataclass(slots=True)  # one per target, kept until output: no per-instance dict
class Result:
    """One line of the JSON output (DESIGN "Output"); field order is the documented one."""

    account_id: str
    region: str
    channel: Channel
    action: Action
    backend: str | None = None
    reason: str | None = None
    request_id: str | None = None
    case_id: str | None = None
    subject: str | None = None
    description: str | None = None
    extra: JsonObject = field(default_factory=dict)
    # The case the description comes from when `description` is None: its text is made only
    # when the result is written out (see RenderedCase), never kept per result.
    case: RenderedCase | None = field(default=None, repr=False, compare=False)

    @classmethod
    def for_target(
        cls, target: Target, action: Action, *, backend: str | None = None,
        reason: str | None = None, request_id: str | None = None, case_id: str | None = None,
        subject: str | None = None, description: str | None = None,
        extra: JsonObject | None = None, case: RenderedCase | None = None,
    ) -> Result:
        return cls(target.account_id, target.region, target.channel, action, backend, reason,
                   request_id, case_id, subject, description, extra or {}, case)

    @property
    def target(self) -> Target:
        return Target(self.account_id, self.region, self.channel)

    def to_json(self) -> JsonObject:
        description = self.description
        if description is None and self.case is not None:
            description = self.case.description  # same key, same place in the document
        data: JsonObject = {
            "account_id": self.account_id, "region": self.region, "channel": self.channel,
            "action": self.action, "backend": self.backend, "reason": self.reason,
            "request_id": self.request_id, "case_id": self.case_id, "subject": self.subject,
            "description": description,
        }
        data.update(self.extra)
        return data


def infer_channel(
    data: Mapping[str, object], sms_keys: Iterable[str], voice_keys: Iterable[str]
) -> Channel:
    """sms unless the answers use keys only voice answers have; both kinds → ask for --channel."""
    only_sms = set(sms_keys) - set(voice_keys)
    only_voice = set(voice_keys) - set(sms_keys)
    has_sms, has_voice = bool(only_sms & data.keys()), bool(only_voice & data.keys())
    if has_sms and has_voice:
        raise UsageError(
            "the answers file mixes SMS keys (e.g. "
            f"{sorted(only_sms & data.keys())[0]}) and voice keys (e.g. "
            f"{sorted(only_voice & data.keys())[0]}): pass --channel sms or --channel voice."
        )
    return "voice" if has_voice else "sms"


def channel_is_guessed(
    data: Mapping[str, object], sms_keys: Iterable[str], voice_keys: Iterable[str]
) -> bool:
    """True when no key belongs to one channel only, so `infer_channel` fell back to sms."""
    only_one = set(sms_keys) ^ set(voice_keys)
    return not (only_one & data.keys())
