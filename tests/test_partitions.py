"""Partitions and opt-in regions, driven over HTTP through the simulator (issue #9)."""

from __future__ import annotations

from typing import Any

import pytest

from helpers import SMS_ANSWERS, account, cli, scenario
from pinpoint_sandbox.aws.regions import (
    caller_regions,
    choice_regions,
    is_opt_in,
    partition_of,
    partition_problem,
    partition_regions,
)


def test_partition_data_comes_from_botocore() -> None:
    assert partition_of("us-gov-west-1") == "aws-us-gov"
    assert partition_of("eusc-de-east-1") == "aws-eusc"
    assert partition_of("cn-north-1") == "aws-cn"
    assert partition_of("eu-west-1") == "aws"
    commercial = partition_regions("aws")
    assert "us-east-1" in commercial
    assert not [r for r in commercial if r.startswith(("us-gov", "cn-", "eusc-"))]
    assert partition_problem(["us-east-1", "eu-west-1"]) is None
    assert "aws-us-gov" in str(partition_problem(["us-east-1", "us-gov-west-1"]))


def test_prompt_offers_only_the_default_partition(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "us-gov-west-1" not in choice_regions()
    assert "eusc-de-east-1" not in choice_regions()
    monkeypatch.setenv("AWS_REGION", "us-gov-west-1")
    assert choice_regions() == ["us-gov-east-1", "us-gov-west-1"]


def test_opt_in_table() -> None:
    assert is_opt_in("af-south-1") and is_opt_in("il-central-1")
    assert not is_opt_in("us-east-1") and not is_opt_in("eu-west-1")
    assert not is_opt_in("us-gov-west-1")


@pytest.mark.parametrize("regions", [["us-east-1,us-gov-west-1"], ["eu-west-1", "eusc-de-east-1"]])
def test_mixed_partitions_are_bad_input_before_any_call(simulator: Any,
                                                        regions: list[str]) -> None:
    sim = simulator("fresh-sandbox")
    flags = [x for r in regions for x in ("-r", r)]
    run = cli("request", "sms", "--answers", SMS_ANSWERS, *flags, "--yes", "--output", "json")
    assert run.exit_code == 2, run
    assert "partitions" in run.stderr and run.stderr.count("\n") == 1
    assert run.json["error"]["exit_code"] == 2
    assert sim.requests == []


def test_mixed_partitions_in_the_answers_file(simulator: Any, tmp_path: Any) -> None:
    import yaml

    sim = simulator("fresh-sandbox")
    data = yaml.safe_load(SMS_ANSWERS.read_text())
    data["regions"] = ["eu-west-1", "us-gov-west-1"]
    path = tmp_path / "a.yaml"
    path.write_text(yaml.safe_dump(data))
    run = cli("request", "sms", "--answers", path, "--yes", "--no-input")
    assert run.exit_code == 2, run
    assert "partitions" in run.stderr
    assert sim.requests == []


def test_commercial_credentials_see_no_govcloud_rows(simulator: Any) -> None:
    simulator("fresh-sandbox")
    run = cli("status", "--all-regions", "--output", "json")
    assert run.exit_code == 0, run
    regions = [row["region"] for row in run.json["regions"]]
    assert regions == list(partition_regions("aws"))


def test_govcloud_caller_gets_its_partition_and_refuses_commercial(simulator: Any) -> None:
    gov = scenario([account("111122223333", partition="aws-us-gov")],
                   default_region="us-gov-west-1")
    sim = simulator(gov)
    run = cli("status", "--all-regions", "--output", "json")
    assert run.exit_code == 0, run
    assert [row["region"] for row in run.json["regions"]] == ["us-gov-east-1", "us-gov-west-1"]
    # A caller the endpoint does not refuse (as a test server may): its ARN says aws-us-gov.
    from pinpoint_sandbox.aws.session import AwsAccount

    acct = AwsAccount()
    with pytest.raises(Exception, match="partition aws-us-gov"):
        acct.caller_arn = None
        caller_regions(acct, ["us-gov-west-1"])  # fine
        acct.caller_arn = "arn:aws-us-gov:iam::111122223333:user/x"
        caller_regions(acct, ["eu-west-1"])
    assert not sim.write_calls()


def test_request_in_the_wrong_partition_never_writes(simulator: Any) -> None:
    gov = scenario([account("111122223333", partition="aws-us-gov")],
                   default_region="us-gov-west-1")
    sim = simulator(gov)
    run = cli("request", "sms", "--answers", SMS_ANSWERS, "-r", "eu-west-1", "--yes",
              "--output", "json")
    assert run.exit_code != 0, run
    assert "security token" in run.stderr or "partition" in run.stderr
    assert len(run.json.get("results", [])) <= 1
    assert not sim.write_calls()


def test_opt_in_region_not_enabled_fails_that_target_only(simulator: Any) -> None:
    sim = simulator(scenario([account("111122223333", disabled_regions=["af-south-1"])]))
    run = cli("request", "sms", "--answers", SMS_ANSWERS, "-r", "af-south-1,eu-west-1",
              "--yes", "--output", "json")
    assert run.exit_code == 5, run
    by_region = {r["region"]: r for r in run.results}
    assert by_region["eu-west-1"]["action"] == "filed"
    assert by_region["af-south-1"]["action"] == "failed"
    assert by_region["af-south-1"]["reason"].startswith(
        "region af-south-1 is an opt-in region not enabled for account 111122223333: "
        "enable it in the console (Account > AWS Regions) or drop it")
    assert [w.region for w in sim.write_calls()] == ["eu-west-1"]


def test_status_names_the_disabled_opt_in_region(simulator: Any) -> None:
    simulator(scenario([account("111122223333", disabled_regions=["me-central-1"])]))
    run = cli("status", "-r", "me-central-1", "--output", "json")
    assert len(run.json["regions"]) == 1, run
    [row] = run.json["regions"]
    assert row["problems"][0].startswith("region me-central-1 is an opt-in region not enabled")


def test_simulator_answers_a_disabled_region_as_aws_does(simulator: Any) -> None:
    import boto3
    from botocore.exceptions import ClientError

    simulator(scenario([account("111122223333", disabled_regions=["af-south-1"])]))
    sms = boto3.client("pinpoint-sms-voice-v2", region_name="af-south-1")
    with pytest.raises(ClientError) as info:
        sms.describe_account_attributes()
    assert info.value.response["Error"]["Code"] == "UnrecognizedClientException"
    sts = boto3.client("sts", region_name="af-south-1")
    with pytest.raises(ClientError) as info:
        sts.get_caller_identity()
    assert info.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_scenario_cannot_disable_a_default_region() -> None:
    from pinpoint_sandbox.simulator import ScenarioError, load_scenario

    with pytest.raises(ScenarioError, match="not an opt-in region"):
        load_scenario(scenario([account("111122223333", disabled_regions=["us-east-1"])]))


# ------------------------------------------------- issue 18: partitions from botocore's data


@pytest.mark.parametrize(("partition", "support", "organizations", "iam", "sts"), [
    ("aws", "us-east-1", "us-east-1", "us-east-1", "us-east-1"),
    ("aws-us-gov", "us-gov-west-1", "us-gov-west-1", "us-gov-west-1", "us-gov-west-1"),
    ("aws-cn", "cn-north-1", "cn-northwest-1", "cn-north-1", "cn-northwest-1"),
    ("aws-eusc", "eusc-de-east-1", "eusc-de-east-1", "eusc-de-east-1", "eusc-de-east-1"),
])
def test_global_services_sign_for_their_partition(partition: str, support: str,
                                                  organizations: str, iam: str,
                                                  sts: str) -> None:
    from pinpoint_sandbox.aws.regions import global_region

    assert global_region("support", partition) == support
    assert global_region("organizations", partition) == organizations
    assert global_region("iam", partition) == iam
    assert global_region("sts", partition) == sts


def test_console_hosts_per_partition() -> None:
    from pinpoint_sandbox.ledger.case_files import create_case_url
    from pinpoint_sandbox.tracking.tracker import case_link

    assert create_case_url("us-gov-west-1").startswith("https://console.amazonaws-us-gov.com/")
    assert create_case_url("cn-north-1").startswith("https://console.amazonaws.cn/")
    assert create_case_url("eu-west-1").startswith("https://console.aws.amazon.com/support/")
    assert case_link("6780195351", "us-gov-west-1") == (
        "https://console.amazonaws-us-gov.com/support/home#/case/?displayId=6780195351")


def _gov(plan: str = "business") -> dict[str, Any]:
    return scenario([account("111122223333", plan=plan, partition="aws-us-gov",
                             production_access_quotas=False)],
                    default_region="us-gov-west-1")


def test_govcloud_business_files_one_support_case_signed_in_govcloud(simulator: Any) -> None:
    sim = simulator(_gov())
    run = cli("request", "sms", "--answers", SMS_ANSWERS, "-r", "us-gov-west-1",
              "--backend", "support", "--yes", "--output", "json")
    assert run.exit_code == 0, run
    [result] = run.results
    assert result["action"] == "filed" and result["backend"] == "support", run
    writes = sim.write_calls()
    assert [w.operation for w in writes] == ["CreateCase"]
    support_calls = [r for r in sim.requests if r.service == "support"]
    assert len(support_calls) >= 2  # the dry run, the case, the duplicate search...
    assert {r.region for r in support_calls} == {"us-gov-west-1"}
    assert not [r for r in sim.requests
                if r.error_code and r.error_code != "DryRunOperationException"]
    assert "deprecated" not in run.stderr
    # Rerun: the case is found, nothing is filed twice.
    again = cli("request", "sms", "--answers", SMS_ANSWERS, "-r", "us-gov-west-1",
                "--backend", "support", "--yes", "--output", "json")
    assert again.exit_code == 0, again
    assert again.results[0]["action"] == "skipped"
    assert len(sim.write_calls()) == 1


def test_govcloud_manual_backend_links_the_govcloud_console(simulator: Any) -> None:
    sim = simulator(_gov("basic"))
    run = cli("request", "sms", "--answers", SMS_ANSWERS, "-r", "us-gov-west-1",
              "--backend", "manual", "--yes", "--output", "json")
    assert run.exit_code == 0, run
    [result] = run.results
    assert result["console_url"].startswith("https://console.amazonaws-us-gov.com/support/"), run
    assert "console.aws.amazon.com" not in run.stdout + run.stderr
    assert not sim.write_calls()


def test_simulator_refuses_a_global_call_signed_for_another_region(simulator: Any) -> None:
    import boto3
    from botocore.exceptions import ClientError

    simulator(_gov())
    with pytest.raises(ClientError) as info:  # a GovCloud key at the commercial endpoint
        boto3.client("support", region_name="us-east-1").describe_severity_levels()
    assert info.value.response["Error"]["Code"] == "UnrecognizedClientException"
    with pytest.raises(ClientError) as info:  # right partition, wrong credential scope
        boto3.client("support", region_name="us-gov-east-1").describe_severity_levels()
    assert info.value.response["Error"]["Code"] == "InvalidSignatureException"
    levels = boto3.client("support", region_name="us-gov-west-1").describe_severity_levels()
    assert levels["severityLevels"]


def test_govcloud_region_with_commercial_credentials_is_exit_2_before_any_call(
        simulator: Any) -> None:
    sim = simulator("fresh-sandbox")  # commercial keys, default region us-east-1
    run = cli("request", "sms", "--answers", SMS_ANSWERS, "-r", "us-gov-west-1", "--yes",
              "--output", "json")
    assert run.exit_code == 2, run
    [error] = [line for line in run.stderr.splitlines() if line.startswith("Error")]
    assert error.startswith(
        "Error: us-gov-west-1 is in partition aws-us-gov, but these credentials are for "
        "partition aws (read from the caller's ARN)"), error
    # The default region's partition was confirmed in us-east-1, never asked in GovCloud.
    assert [(r.operation, r.region) for r in sim.requests] == [
        ("GetCallerIdentity", "us-east-1")]
    assert run.json["error"]["exit_code"] == 2
    assert not [r for r in sim.requests if r.region == "us-gov-west-1"]
    assert not sim.write_calls()


def test_keys_refused_in_govcloud_name_their_partition(simulator: Any,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # The default region says GovCloud, the keys are commercial: AWS refuses them there.
    sim = simulator(scenario([account("111122223333")]))
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-gov-west-1")
    monkeypatch.delenv("AWS_CONFIG_FILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    run = cli("request", "sms", "--answers", SMS_ANSWERS, "-r", "us-gov-west-1", "--yes",
              "--output", "json")
    assert run.exit_code == 2, run
    assert ("is in partition aws-us-gov, but these credentials are for partition aws (AWS "
            "refused them in aws-us-gov, accepted them in aws)") in run.stderr, run
    assert not sim.write_calls()


def test_a_misleading_default_region_does_not_block_govcloud_keys(
        simulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # GovCloud keys, default region us-east-1: AWS refuses them there, so the hint is wrong.
    sim = simulator(_gov())
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    run = cli("request", "sms", "--answers", SMS_ANSWERS, "-r", "us-gov-west-1",
              "--backend", "support", "--yes", "--output", "json")
    assert run.exit_code == 0, run
    assert [w.operation for w in sim.write_calls()] == ["CreateCase"]
    assert {r.region for r in sim.requests if r.service == "support"} == {"us-gov-west-1"}


def test_builtin_govcloud_scenario_files_in_govcloud() -> None:
    run = cli("request", "sms", "--answers", SMS_ANSWERS, "-r", "us-gov-west-1", "--yes",
              "--simulate=govcloud", "--output", "json")
    assert run.exit_code == 0, run
    [result] = run.results
    assert (result["account_id"], result["action"], result["backend"]) == (
        "222233334444", "filed", "support")
    wrong = cli("status", "-r", "eu-west-1", "--simulate=govcloud", "--output", "json")
    assert wrong.exit_code == 2 and "partition aws-us-gov" in wrong.stderr, wrong


def test_iam_policy_names_the_partition_of_the_default_region(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def role_resources() -> list[str]:
        run = cli("iam-policy", "--organization")
        assert run.exit_code == 0, run
        import json

        policy = json.loads(run.stdout)
        return [r for s in policy["Statement"] if s["Action"] == ["sts:AssumeRole"]
                for r in s["Resource"]]

    assert role_resources() == ["arn:aws:iam::*:role/OrganizationAccountAccessRole"]
    monkeypatch.setenv("AWS_REGION", "us-gov-west-1")
    assert role_resources() == ["arn:aws-us-gov:iam::*:role/OrganizationAccountAccessRole"]
