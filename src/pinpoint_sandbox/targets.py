"""The nouns every stage shares: a target, a rendered case, and the result of one target.

A *target* is (account id, region, channel). The whole tool exists to file at most one case
per target, so `Target.tag` is the stable marker written into every case subject and ledger line.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Channel = Literal["sms", "voice"]
CHANNELS: tuple[Channel, ...] = ("sms", "voice")

Action = Literal["previewed", "filed", "skipped", "blocked", "failed"]

# Backends as named on the command line; `auto` resolves to one of the other three per target.
BackendName = Literal["auto", "service-quotas", "support", "manual"]
BACKENDS: tuple[str, ...] = ("auto", "service-quotas", "support", "manual")


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
