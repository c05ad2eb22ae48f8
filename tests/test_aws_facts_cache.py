"""One AWS access layer: each fact is read once per account through `AwsAccount.read`,
declares its IAM actions (the policy is built from them), and `aws.session` stays light."""

from __future__ import annotations

import subprocess
import sys
import threading
from typing import Any

import pytest

from pinpoint_sandbox.aws import pool
from pinpoint_sandbox.aws.facts import TIER, VERIFIED_COUNT, read_region_facts, read_tier
from pinpoint_sandbox.aws.session import DECLARED, AwsAccount, Fact
from pinpoint_sandbox.backends import registry
from pinpoint_sandbox.filing.iam_policy import build_policy, declared_facts, policy_actions

SCENARIO = {
    "name": "facts-cache",
    "accounts": [{"account_id": "111122223333", "region_defaults": {"tier": "SANDBOX"},
                  "regions": {"eu-west-1": {"tier": "PRODUCTION"}}}],
}


def _calls(sim: Any, operation: str) -> int:
    return sum(1 for r in sim.requests if r.operation == operation)


def test_a_fact_is_read_once_per_account_and_region_whoever_asks(simulator: Any) -> None:
    sim = simulator(SCENARIO)
    account = AwsAccount()
    asked = pool.map_all(lambda _: account.read(TIER, "eu-west-1"), range(16))
    assert asked == [("PRODUCTION", True)] * 16
    # The filing pipeline's reader and `status`'s facts share the same entry.
    assert read_tier(account, "eu-west-1") == ("PRODUCTION", True)
    assert read_region_facts(account, "eu-west-1", phone_numbers=False).tier == "PRODUCTION"
    assert _calls(sim, "DescribeAccountAttributes") == 1
    assert account.read(TIER, "us-east-1") == ("SANDBOX", False)
    assert _calls(sim, "DescribeAccountAttributes") == 2
    # Another account (another run) reads for itself.
    assert AwsAccount().read(TIER, "eu-west-1") == ("PRODUCTION", True)
    assert _calls(sim, "DescribeAccountAttributes") == 3


def test_reread_and_forget_ask_aws_again(simulator: Any) -> None:
    sim = simulator(SCENARIO)
    account = AwsAccount()
    account.read(TIER, "eu-west-1")
    account.read(VERIFIED_COUNT, "eu-west-1")
    account.reread(TIER, "eu-west-1")
    assert _calls(sim, "DescribeAccountAttributes") == 2
    account.forget(TIER)  # every region of that fact, no other fact
    account.read(TIER, "eu-west-1")
    account.read(VERIFIED_COUNT, "eu-west-1")
    assert _calls(sim, "DescribeAccountAttributes") == 3
    assert _calls(sim, "DescribeVerifiedDestinationNumbers") == 1


def _counting_fact(name: str, *, aws_wide: bool = False,
                   fail_first: bool = False) -> tuple[Fact[[str], str], list[str]]:
    seen: list[str] = []
    lock = threading.Lock()

    def read(account: AwsAccount, region: str) -> str:
        with lock:
            seen.append(region)
            if fail_first and len(seen) == 1:
                raise RuntimeError("refused")
        return f"{name}:{region}"

    fact = Fact(name, read, actions=(), aws_wide=aws_wide)
    DECLARED.remove(fact)  # a test's fact: kept out of the declarations the policy reads
    return fact, seen


def test_a_failed_read_is_not_kept_and_prefetch_never_raises() -> None:
    fact, seen = _counting_fact("test-flaky", fail_first=True)
    account = AwsAccount()
    account.prefetch(fact, "r1")  # fails, quietly: the reader meets the failure itself
    assert account.read(fact, "r1") == "test-flaky:r1"
    assert account.read(fact, "r1") == "test-flaky:r1"
    assert seen == ["r1", "r1"]


def test_aws_wide_facts_are_shared_by_the_accounts_entered_from_one_base() -> None:
    mine, mine_reads = _counting_fact("test-account-fact")
    aws_wide, aws_reads = _counting_fact("test-aws-fact", aws_wide=True)
    base = AwsAccount()
    members = [AwsAccount(role_arn=f"arn:aws:iam::11112222333{i}:role/R", base=base)
               for i in range(3)]
    for account in (base, *members):
        account.read(mine, "r1")
        account.read(aws_wide, "r1")
    assert len(mine_reads) == 4  # the account's own fact: once per account
    assert aws_reads == ["r1"]  # AWS's fact: once for the whole organization run
    AwsAccount().read(aws_wide, "r1")  # an unrelated account has its own
    assert aws_reads == ["r1", "r1"]


def test_the_read_statement_is_built_from_the_declared_facts() -> None:
    facts = declared_facts()
    names = [fact.name for fact in facts]
    assert len(names) == len(set(names)), "one key per fact"
    assert {"tier", "spend-limits", "verified-limit", "verified-count", "voice-numbers",
            "origination-identities"} <= set(names)
    for fact in facts:
        assert fact.actions, fact
        if fact.every_run:  # every run reads it: every policy grants it
            for backend in ("manual", "support", "service-quotas"):
                assert set(fact.actions) <= set(policy_actions(build_policy(backend, False)))
        else:  # read only to file: the filing backend's statements grant it
            filing = [name for name in registry.names()
                      if set(fact.actions) <= set(policy_actions(build_policy(name, False)))]
            assert filing, fact
            assert not set(fact.actions) <= set(policy_actions(build_policy("manual", False)))


@pytest.mark.parametrize("module", ["pinpoint_sandbox.aws.session",
                                    "pinpoint_sandbox.aws.facts"])
def test_the_aws_layer_imports_without_boto3(module: str) -> None:
    code = (f"import sys, {module}; "
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('boto3', 'botocore', 'types_boto3_support')); print(heavy); sys.exit(bool(heavy))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(("package", "budget"), [("aws", 20), ("ledger", 8)])
def test_the_aws_layer_and_the_ledger_stay_typed(package: str, budget: int) -> None:
    """`Any` only at true boundaries (issue 20): counted as the architecture test counts it."""
    import io
    import tokenize
    from pathlib import Path

    import pinpoint_sandbox

    root = Path(pinpoint_sandbox.__file__).parent / package
    counts = {p.name: sum(1 for t in tokenize.tokenize(io.BytesIO(p.read_bytes()).readline)
                          if t.type == tokenize.NAME and t.string == "Any")
              for p in root.rglob("*.py")}
    assert sum(counts.values()) <= budget, counts
