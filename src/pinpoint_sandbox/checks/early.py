"""The checks that need no answers (ledger, tier, open requests, voice evidence), run as soon
as the regions are known: a region already requested, already in production or blocked is
named before the questionnaire asks anything else, and a run where no region can be filed
asks nothing at all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pinpoint_sandbox.aws.session import AwsAccount
from pinpoint_sandbox.checks.preflight import TargetPlan, run_preflight
from pinpoint_sandbox.core.targets import Channel, Result, Target


@dataclass
class EarlyCheck:
    """What the answer-free checks settled before any question."""

    plans: list[TargetPlan] = field(default_factory=list)

    @property
    def settled(self) -> list[TargetPlan]:
        return [p for p in self.plans if not p.ready]

    @property
    def open_regions(self) -> list[str]:
        return [p.target.region for p in self.plans if p.ready]

    @property
    def only_voice_evidence_missing(self) -> list[TargetPlan]:
        """Regions blocked only because no voice message was found: the user may attest."""
        return [p for p in self.settled if no_voice_message(p)]

    def results(self) -> list[Result]:
        return [Result.for_target(p.target, p.decided or "skipped", reason=p.reason)
                for p in self.settled]


def no_voice_message(plan: TargetPlan) -> bool:
    evidence = plan.evidence
    return (plan.decided == "blocked" and evidence is not None and not evidence.found
            and not evidence.unreadable)


def early_checks(account: AwsAccount, channel: Channel, regions: Sequence[str],
                 ledger_file: Path) -> EarlyCheck:
    """Preflight without answers for each region (reads only, no validation)."""
    from pinpoint_sandbox.aws.pool import map_all
    from pinpoint_sandbox.ledger.store import Ledger

    entries = Ledger(ledger_file).entries()  # as the plan reads it
    account_id = account.account_id(regions[0])

    def one(region: str) -> TargetPlan:
        target = Target(account_id, region, channel)
        plan = TargetPlan(target, account, None, "auto")
        return run_preflight(plan, ledger_entry=entries.get(target), validate=False)

    return EarlyCheck(map_all(one, regions))


def describe(plan: TargetPlan) -> str:
    """One line per settled region, in the words the user needs."""
    region = plan.target.region
    if no_voice_message(plan) and plan.evidence is not None:
        return (f"{region}: blocked: no voice message was sent from account "
                f"{plan.target.account_id} in {region} yet, and AWS reviews voice production "
                "access only after one ({detail}).").format(detail=plan.evidence.detail)
    return f"{region}: {plan.decided}: {plan.reason}"
