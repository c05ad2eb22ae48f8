"""Spend readiness and `raise-spend`, against the simulator over HTTP."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import botocore

from helpers import account, cli, scenario
from pinpoint_sandbox.aws.session import AwsAccount
from pinpoint_sandbox.checks.spend import read_spend, setter_operation

APPROVED = {
    "tier": "PRODUCTION",
    "spend_limits": {"text": 1000, "voice": 500, "media": 1000, "notify": 100, "rcs": 50},
    "spend_overrides": {"text": 5},
}


def _approved(sim_factory: Any, **region: Any) -> Any:
    return sim_factory(scenario([account(regions={"us-east-1": {**APPROVED, **region}})]))


def _sets(sim: Any) -> list[Any]:
    return [r for r in sim.requests if r.operation.startswith("Set")]


def _enforced(name: str, region: str = "us-east-1") -> dict[str, Any]:
    client = AwsAccount().client("pinpoint-sms-voice-v2", region)
    return {x["Name"]: x for x in client.describe_spend_limits()["SpendLimits"]}[name]


def test_raise_spend_yes_makes_one_set_call_up_to_the_maximum(simulator: Any) -> None:
    sim = _approved(simulator)
    run = cli("raise-spend", "-r", "us-east-1", "--channel", "sms", "--yes", "-o", "json")
    assert run.exit_code == 0, run
    calls = _sets(sim)
    assert [c.operation for c in calls] == ["SetTextMessageSpendLimitOverride"]
    assert calls[0].params["MonthlyLimit"] == 1000
    (row,) = run.results
    assert row["action"] == "raised" and row["enforced_before"] == 5
    assert row["enforced_after"] == 1000
    limit = _enforced("TEXT_MESSAGE_MONTHLY_SPEND_LIMIT")
    assert limit["EnforcedLimit"] == 1000 and limit["Overridden"] is True


def test_dry_run_makes_no_write(simulator: Any) -> None:
    sim = _approved(simulator)
    run = cli("raise-spend", "-r", "us-east-1", "--channel", "sms", "--dry-run", "-o", "json")
    assert run.exit_code == 0, run
    assert _sets(sim) == []
    assert run.results[0]["action"] == "previewed" and run.results[0]["target"] == 1000
    assert _enforced("TEXT_MESSAGE_MONTHLY_SPEND_LIMIT")["EnforcedLimit"] == 5


def test_to_above_the_maximum_is_bad_input(simulator: Any) -> None:
    sim = _approved(simulator)
    run = cli("raise-spend", "-r", "us-east-1", "--channel", "sms", "--to", "5000", "--yes",
              "-o", "json")
    assert run.exit_code == 2, run
    assert "above the maximum $1000" in run.json["error"]["message"]
    assert _sets(sim) == []


def test_to_sets_the_given_value(simulator: Any) -> None:
    sim = _approved(simulator)
    run = cli("raise-spend", "-r", "us-east-1", "--channel", "sms", "--to", "200", "--yes")
    assert run.exit_code == 0, run
    assert [c.params["MonthlyLimit"] for c in _sets(sim)] == [200]


def test_no_input_without_yes_is_bad_input_before_any_call(simulator: Any) -> None:
    sim = _approved(simulator)
    run = cli("raise-spend", "-r", "us-east-1", "--channel", "sms", "--no-input")
    assert run.exit_code == 2
    assert "--yes" in run.stderr
    assert sim.requests == []


def test_unknown_channel_is_bad_input(simulator: Any) -> None:
    sim = _approved(simulator)
    run = cli("raise-spend", "-r", "us-east-1", "--channel", "email", "--yes", "-o", "json")
    assert run.exit_code == 2
    assert run.json["error"]["exit_code"] == 2
    assert sim.requests == []


def test_already_at_the_maximum_changes_nothing(simulator: Any) -> None:
    sim = _approved(simulator)
    run = cli("raise-spend", "-r", "us-east-1", "--channel", "voice", "--yes", "-o", "json")
    assert run.exit_code == 0, run
    assert run.results[0]["action"] == "unchanged"
    assert _sets(sim) == []


def test_a_limit_name_aws_adds_just_works(simulator: Any) -> None:
    # RCS is returned only because the scenario sets it: nothing in the tool names it.
    sim = _approved(simulator, spend_overrides={"rcs": 10})
    spend = read_spend(AwsAccount(), "us-east-1")
    rcs = spend.limit("RCS_MESSAGE_MONTHLY_SPEND_LIMIT")
    assert rcs is not None and rcs.setter == "SetRcsMessageSpendLimitOverride"
    assert rcs.state == "raise" and "--channel rcs" in rcs.next_steps[0]
    run = cli("raise-spend", "-r", "us-east-1", "--channel", "RCS_MESSAGE_MONTHLY_SPEND_LIMIT",
              "--yes")
    assert run.exit_code == 0, run
    assert [(c.operation, c.params["MonthlyLimit"]) for c in _sets(sim)] == [
        ("SetRcsMessageSpendLimitOverride", 50)]


def _model_operations() -> list[str]:
    path = (Path(botocore.__file__).parent / "data" / "pinpoint-sms-voice-v2" / "2022-03-31"
            / "service-2.json.gz")
    return list(json.loads(gzip.decompress(path.read_bytes()))["operations"])


def test_setters_derive_from_names_and_unknown_ones_are_read_only() -> None:
    ops = _model_operations()
    assert setter_operation("TEXT_MESSAGE_MONTHLY_SPEND_LIMIT", ops) == \
        "SetTextMessageSpendLimitOverride"
    assert setter_operation("MEDIA_MESSAGE_MONTHLY_SPEND_LIMIT", ops) == \
        "SetMediaMessageSpendLimitOverride"
    assert setter_operation("VOICE_MESSAGE_MONTHLY_SPEND_LIMIT", ops) == \
        "SetVoiceMessageSpendLimitOverride"
    assert setter_operation("RCS_MESSAGE_MONTHLY_SPEND_LIMIT", ops) == \
        "SetRcsMessageSpendLimitOverride"
    assert setter_operation("FAX_MESSAGE_MONTHLY_SPEND_LIMIT", ops) is None


def test_sandbox_maximum_offers_the_spend_quota(simulator: Any) -> None:
    simulator(scenario([account()]))
    spend = read_spend(AwsAccount(), "eu-west-1", wanted={"sms": 300})
    text = spend.limit("TEXT_MESSAGE_MONTHLY_SPEND_LIMIT")
    assert text is not None and text.state == "quota"
    assert text.quota_code  # discovered by name (TextMessageMonthlySpend)
    assert "sandbox default" in text.next_steps[0] and "$300" in text.next_steps[0]


def test_maximum_below_the_answers_spend_is_flagged(simulator: Any) -> None:
    _approved(simulator)
    spend = read_spend(AwsAccount(), "us-east-1", wanted={"sms": 5000})
    text = spend.limit("TEXT_MESSAGE_MONTHLY_SPEND_LIMIT")
    assert text is not None
    assert any("below spend_limit_usd $5000" in step for step in text.next_steps)
    voice = spend.limit("VOICE_MESSAGE_MONTHLY_SPEND_LIMIT")
    assert voice is not None and voice.state == "ok" and voice.next_steps == []


def test_request_quota_files_once_and_never_twice(simulator: Any) -> None:
    sim = simulator(scenario([account()]))
    args = ("raise-spend", "-r", "eu-west-1", "--channel", "sms", "--request-quota", "300",
            "--yes", "-o", "json")
    first = cli(*args)
    assert first.exit_code == 0, first
    assert first.results[0]["action"] == "requested" and first.results[0]["request_id"]
    second = cli(*args)
    assert second.exit_code == 0, second
    assert second.results[0]["action"] == "skipped"
    assert second.results[0]["request_id"] == first.results[0]["request_id"]
    requests = [r for r in sim.requests if r.operation == "RequestServiceQuotaIncrease"]
    assert len(requests) == 1 and requests[0].params["DesiredValue"] == 300


def test_unreadable_limits_fail_each_region_alone_and_write_nothing(simulator: Any) -> None:
    regions = {"us-east-1": APPROVED, "us-west-2": APPROVED}
    sim = simulator(scenario([account(regions=regions)],
                             faults={"error_rate": 1.0, "operations": ["DescribeSpendLimits"]}))
    run = cli("raise-spend", "-r", "us-east-1,us-west-2", "--channel", "sms", "--yes",
              "-o", "json")
    assert run.exit_code == 4, run
    assert [r["region"] for r in run.results] == ["us-east-1", "us-west-2"]
    assert {r["action"] for r in run.results} == {"failed"}
    assert _sets(sim) == []
