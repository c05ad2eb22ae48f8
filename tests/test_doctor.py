"""`doctor`: a read-only self-check, over HTTP against the simulator (issue 18, item 7)."""

from __future__ import annotations

from typing import Any

import pytest

from helpers import account, cli, scenario

SECRETS = ("simulator-secret", "SecretAccessKey", "aws_secret_access_key", "AKIASIM")


def _doctor(*flags: str) -> Any:
    return cli("doctor", "-r", "us-east-1", "--output", "json", *flags)


@pytest.mark.parametrize("plan", ["business", "basic"])
def test_doctor_json_names_partition_plan_and_quota_codes(simulator: Any, plan: str) -> None:
    sim = simulator(scenario([account("111122223333", plan=plan)]))
    run = _doctor()
    assert run.exit_code == 0, run
    doc = run.json  # exactly one JSON document on stdout
    assert doc["partition"] == "aws"
    assert doc["support_plan"] == plan
    assert doc["quota_codes"] == ["L-5BD4E1A9", "L-8C1F2E07"]  # the simulator's listing
    [region] = doc["regions"]
    assert region["tier"] == "SANDBOX"
    assert {q["name"] for q in region["quotas"]} == {"SMS production access",
                                                    "Voice production access"}
    assert region["cloudwatch"] and region["cloudtrail"]
    assert sim.write_calls() == []
    for secret in SECRETS:
        assert secret not in run.stdout + run.stderr
    dry_runs = [r for r in sim.requests if r.operation == "CreateCase"]
    if plan == "business":
        assert doc["support"]["codes"]["sms"]["category_code"]
        assert doc["support"]["dry_run"]["accepted"] is True
        assert dry_runs and all(r.params.get("dryRun") is True for r in dry_runs)
    else:
        assert dry_runs == [] and "codes" not in doc["support"]
        assert any(c["check"] == "support plan" and c["status"] == "note"
                   for c in doc["checks"])


def test_doctor_names_every_access_denied_as_an_iam_action(simulator: Any) -> None:
    sim = simulator(scenario([account(
        "111122223333", plan="business",
        denied_actions=["cloudtrail:LookupEvents", "servicequotas:ListAWSDefaultServiceQuotas",
                        "support:DescribeServices"])]))
    run = _doctor()
    assert run.exit_code == 3, run
    actions = {d["action"] for d in run.json["access_denied"]}
    assert actions == {"cloudtrail:LookupEvents", "servicequotas:ListAWSDefaultServiceQuotas",
                       "support:DescribeServices"}
    fixes = [c for c in run.json["checks"] if c["status"] == "fix"]
    assert fixes and all("grant " in c["detail"] for c in fixes)
    assert run.json["regions"][0]["cloudwatch"] is True  # one denial does not stop the rest
    assert run.json["exit_code"] == 3
    assert sim.write_calls() == []


def test_doctor_redact_masks_account_ids(simulator: Any) -> None:
    simulator(scenario([account("111122223333", plan="business")]))
    run = _doctor("--redact")
    assert run.exit_code == 0, run
    assert "111122223333" not in run.stdout
    assert run.json["caller"]["account_id"] == "********3333"
    assert run.json["caller"]["arn"] == "arn:aws:iam::********3333:user/simulator"


def test_doctor_text_table_and_exit_code(simulator: Any) -> None:
    simulator(scenario([account("111122223333", plan="business",
                                denied_actions=["cloudwatch:ListMetrics"])]))
    run = cli("doctor", "-r", "us-east-1")
    assert run.exit_code == 3, run
    assert "Checks" in run.stdout and "Endpoints" in run.stdout
    assert "cloudwatch:ListMetrics" in run.stdout
    assert "1 thing(s) to fix" in run.stderr


def test_doctor_in_govcloud_signs_support_for_us_gov_west_1(simulator: Any) -> None:
    sim = simulator(scenario([account("111122223333", plan="business", partition="aws-us-gov")],
                             default_region="us-gov-west-1"))
    run = cli("doctor", "-r", "us-gov-west-1", "--output", "json")
    assert run.exit_code == 0, run
    assert run.json["partition"] == "aws-us-gov"
    support = [e for e in run.json["endpoints"] if e["service"] == "support"]
    assert [e["signing_region"] for e in support] == ["us-gov-west-1"]
    assert {r.region for r in sim.requests if r.service == "support"} == {"us-gov-west-1"}
    assert run.json["support"]["dry_run"]["accepted"] is True
    assert sim.write_calls() == []


def test_doctor_bad_input_is_exit_2_before_any_call(simulator: Any) -> None:
    sim = simulator("fresh-sandbox")
    run = cli("doctor", "-r", "us-gov-west-1", "--output", "json")
    assert run.exit_code == 2, run
    assert "partition aws-us-gov" in run.stderr
    assert run.json["error"]["exit_code"] == 2 and run.json["checks"] == []
    # Only STS at the commercial global endpoint confirmed the keys' partition.
    assert [(r.operation, r.region) for r in sim.requests] == [
        ("GetCallerIdentity", "us-east-1")]
    run = cli("doctor", "-r", "eu-west-9")
    assert run.exit_code == 2 and "eu-west-9" in run.stderr


def test_doctor_works_with_simulate() -> None:
    run = cli("doctor", "-r", "eu-west-1", "--simulate", "--output", "json")
    assert run.exit_code == 0, run
    assert run.json["support_plan"] in ("basic", "business")
    assert run.json["regions"][0]["region"] == "eu-west-1"


def test_doctor_notes_service_quotas_absent_without_failing(simulator: Any) -> None:
    sim = simulator(scenario([account("111122223333", plan="business")],
                             faults={"unsupported_operations": [
                                 "ListServices", "ListAWSDefaultServiceQuotas",
                                 "ListServiceQuotas"]}))
    run = _doctor()
    assert run.exit_code == 0, run
    notes = [c for c in run.json["checks"] if c["check"] == "quotas"]
    assert notes and notes[0]["status"] == "note", notes
    assert run.json["quota_codes"] == []
    assert sim.write_calls() == []
