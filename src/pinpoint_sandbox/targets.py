"""The nouns every stage shares: a target, a rendered case, and the result of one target.

A *target* is (account id, region, channel). The whole tool exists to file at most one case
per target, so `Target.tag` is the stable marker written into every case subject and ledger line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from pinpoint_sandbox.errors import UsageError

Channel = Literal["sms", "voice"]
CHANNELS: tuple[Channel, ...] = ("sms", "voice")

Action = Literal["previewed", "filed", "skipped", "blocked", "failed"]



@dataclass(frozen=True, order=True)
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


@dataclass(frozen=True)
class RenderedCase:
    subject: str
    description: str


@dataclass
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
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def for_target(cls, target: Target, action: Action, **kwargs: Any) -> Result:
        return cls(target.account_id, target.region, target.channel, action, **kwargs)

    @property
    def target(self) -> Target:
        return Target(self.account_id, self.region, self.channel)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        extra = data.pop("extra")
        data.update(extra)
        return data


def infer_channel(
    data: Mapping[str, Any], sms_keys: Iterable[str], voice_keys: Iterable[str]
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
    data: Mapping[str, Any], sms_keys: Iterable[str], voice_keys: Iterable[str]
) -> bool:
    """True when no key belongs to one channel only, so `infer_channel` fell back to sms."""
    only_one = set(sms_keys) ^ set(voice_keys)
    return not (only_one & data.keys())
