"""`batch` over several accounts (profiles and an assumed role) and `status` afterwards."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import SMS_ANSWERS, cli

PROD_EU, PROD_US, STAGING = "210987654321", "123456789012", "999988887777"


def write_batch(tmp_path: Path, requests: list[dict[str, Any]]) -> Path:
    path = tmp_path / "batch.yaml"
    path.write_text(yaml.safe_dump({
        "version": 1,
        "defaults": {"backend": "auto", "answers": {"company_name": "Example Corp"}},
        "requests": requests,
    }))
    return path


def org_batch(tmp_path: Path) -> Path:
    return write_batch(tmp_path, [
        {"channel": "sms", "profile": "prod-eu", "regions": ["eu-west-1", "eu-central-1"],
         "answers_file": str(SMS_ANSWERS), "answers": {"spend_limit_usd": 200}},
        {"channel": "sms", "profile": "prod-us", "regions": ["us-east-1", "us-west-2"],
         "answers_file": str(SMS_ANSWERS)},
        {"channel": "sms", "profile": "staging", "regions": ["eu-west-1"],
         "answers_file": str(SMS_ANSWERS)},
        # the same target again: filed once
        {"channel": "sms", "profile": "prod-eu", "regions": ["eu-west-1"],
         "answers_file": str(SMS_ANSWERS)},
    ])


def test_batch_files_each_target_once_across_accounts(simulator: Any, tmp_path: Path) -> None:
    sim = simulator("organization")
    batch = org_batch(tmp_path)
    preview = cli("batch", batch, "--dry-run", "--output", "json")
    assert preview.exit_code == 0, preview
    assert sim.write_calls() == []
    keyed = {(r["account_id"], r["region"]): r["action"] for r in preview.results}
    assert keyed == {
        (PROD_EU, "eu-west-1"): "previewed",
        (PROD_EU, "eu-central-1"): "skipped",  # a tagged case is already open
        (PROD_US, "us-east-1"): "skipped",  # already PRODUCTION
        (PROD_US, "us-west-2"): "previewed",
        (STAGING, "eu-west-1"): "previewed",
    }
    run = cli("batch", batch, "--yes", "--output", "json")
    assert run.exit_code == 0, run
    filed = {(r["account_id"], r["region"]) for r in run.results if r["action"] == "filed"}
    assert filed == {(PROD_EU, "eu-west-1"), (PROD_US, "us-west-2"), (STAGING, "eu-west-1")}
    writes = [w for w in sim.write_calls()
              if w.operation in ("RequestServiceQuotaIncrease", "CreateCase")]
    assert sorted((w.account_id, w.region) for w in writes) == sorted(filed)
    spend = next(r for r in run.results if r["account_id"] == PROD_EU
                 and r["region"] == "eu-west-1")
    assert "200" in spend["description"]

    again = cli("batch", batch, "--yes", "--output", "json")
    assert again.exit_code == 0, again
    assert {r["action"] for r in again.results} == {"skipped"}
    assert len([w for w in sim.write_calls()
                if w.operation in ("RequestServiceQuotaIncrease", "CreateCase")]) == 3


def test_batch_with_one_bad_request_sends_nothing(simulator: Any, tmp_path: Path) -> None:
    sim = simulator("organization")
    batch = write_batch(tmp_path, [
        {"channel": "sms", "profile": "prod-eu", "regions": ["eu-west-1"],
         "answers_file": str(SMS_ANSWERS)},
        {"channel": "sms", "profile": "prod-us", "regions": ["us-east-1"],
         "answers_file": str(SMS_ANSWERS), "answers": {"website_url": "http://x.example"}},
    ])
    run = cli("batch", batch, "--yes")
    assert run.exit_code == 2, run
    assert "requests[1]" in run.stderr and "website_url" in run.stderr
    assert sim.requests == []


def test_status_shows_tier_limits_and_what_was_filed(simulator: Any) -> None:
    simulator("fresh-sandbox")
    filed = cli("request", "sms", "--answers", SMS_ANSWERS, "-r", "eu-west-1", "--yes",
                "--output", "json")
    assert filed.exit_code == 0, filed
    run = cli("status", "-r", "eu-west-1", "-r", "us-east-1", "--output", "json")
    assert run.exit_code == 0, run
    rows = {row["region"]: row for row in run.json["regions"]}
    assert rows["eu-west-1"]["tier"] == "SANDBOX" and not rows["eu-west-1"]["in_production"]
    assert any("sms" in req for req in rows["eu-west-1"]["requests"])
    assert rows["us-east-1"]["requests"] == []
    assert rows["eu-west-1"]["verified_destinations_max"] == 10


def test_status_reads_each_region_fact_once(simulator: Any) -> None:
    """#13: one read per fact per region (the catalogue from AWS's defaults: no ListServices)."""
    from collections import Counter

    sim = simulator("fresh-sandbox")
    regions = ["eu-west-1", "us-east-1", "eu-central-1"]
    run = cli("status", *[a for r in regions for a in ("-r", r)], "--output", "json")
    assert run.exit_code == 0, run
    assert [row["region"] for row in run.json["regions"]] == regions
    per_region = Counter((r.operation, r.region) for r in sim.requests)
    for operation in ("DescribeAccountAttributes", "DescribeSpendLimits", "DescribeAccountLimits",
                      "ListAWSDefaultServiceQuotas", "ListRequestedServiceQuotaChangeHistory"):
        assert [per_region[(operation, r)] for r in regions] == [1, 1, 1], operation
    # No number was added (DescribeAccountLimits' "Used" is 0): none can be verified, and
    # the view needs no DescribeVerifiedDestinationNumbers to say so.
    assert [per_region[("DescribeVerifiedDestinationNumbers", r)] for r in regions] == [0, 0, 0]
    assert [row["verified_destinations"] for row in run.json["regions"]] == [0, 0, 0]
    regional = [r for r in sim.requests if r.service in ("pinpoint-sms-voice-v2", "service-quotas")]
    assert len(regional) == 5 * len(regions)  # five reads a region, nothing else
    assert not {"ListServices", "ListServiceQuotas"} & {r.operation for r in sim.requests}


def test_batch_role_arn_files_in_the_assumed_account(simulator: Any, tmp_path: Path) -> None:
    sim = simulator("organization")
    role = f"arn:aws:iam::{STAGING}:role/OrganizationAccountAccessRole"
    batch = write_batch(tmp_path, [
        {"channel": "sms", "role_arn": role, "regions": ["us-west-2"],
         "answers_file": str(SMS_ANSWERS)},
    ])
    run = cli("batch", batch, "--yes", "--output", "json")
    assert run.exit_code == 0, run
    [result] = run.results
    assert (result["account_id"], result["action"]) == (STAGING, "filed")
    assert [w.account_id for w in sim.write_calls()] == [STAGING]


@pytest.fixture
def restore_environ() -> Iterator[None]:
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def test_simulate_flag_state_persists_between_commands(restore_environ: None) -> None:
    filed = cli("request", "sms", "--simulate", "--answers", SMS_ANSWERS, "-r", "eu-west-1",
                "--yes", "--output", "json")
    assert filed.exit_code == 0, filed
    assert filed.actions() == {"eu-west-1": "filed"}
    request_id = filed.results[0]["request_id"]
    status = cli("status", "--simulate", "-r", "eu-west-1", "--output", "json")
    assert status.exit_code == 0, status
    [row] = status.json["regions"]
    assert any(request_id in line for line in row["requests"])
    again = cli("request", "sms", "--simulate", "--answers", SMS_ANSWERS, "-r", "eu-west-1",
                "--yes", "--output", "json")
    assert again.actions() == {"eu-west-1": "skipped"}
    assert again.results[0]["request_id"] == request_id


TWELVE = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2",
          "eu-west-3", "eu-central-1", "eu-north-1", "ap-south-1", "ap-southeast-1",
          "ap-southeast-2"]


def two_support_accounts() -> dict[str, Any]:
    return {"name": "two", "default_account": "111111111111", "accounts": [
        {"account_id": "111111111111", "profile": "hub", "support_plan": "business",
         "production_access_quotas": False},
        {"account_id": "222222222222", "profile": "spoke", "support_plan": "business",
         "production_access_quotas": False},
    ]}


def test_support_case_limit_is_per_account(simulator: Any, tmp_path: Path) -> None:
    sim = simulator(two_support_accounts())
    batch = write_batch(tmp_path, [
        {"channel": "sms", "profile": "hub", "regions": TWELVE, "answers_file": str(SMS_ANSWERS)},
        {"channel": "sms", "profile": "spoke", "regions": ["us-east-1"],
         "answers_file": str(SMS_ANSWERS)},
    ])
    run = cli("batch", batch, "--yes", "--output", "json")
    assert run.exit_code == 5, run
    by_account: dict[str, list[str]] = {}
    for r in run.results:
        by_account.setdefault(r["account_id"], []).append(r["action"])
    assert by_account["111111111111"].count("filed") == 10
    assert by_account["111111111111"].count("failed") == 2
    assert by_account["222222222222"] == ["filed"]
    assert len(sim.write_calls()) == 11


def test_aws_side_case_limit_stops_resumably_and_is_not_counted_as_filed(
    simulator: Any, tmp_path: Path
) -> None:
    """Cases this ledger never saw (another machine) still count at AWS."""
    from pinpoint_sandbox.ledger.store import Ledger

    simulator(two_support_accounts())
    first = write_batch(tmp_path, [
        {"channel": "sms", "profile": "hub", "regions": TWELVE[:10],
         "answers_file": str(SMS_ANSWERS)},
    ])
    assert cli("batch", first, "--yes", "--ledger", tmp_path / "a.jsonl").exit_code == 0
    second = tmp_path / "second.yaml"
    second.write_text(yaml.safe_dump({"version": 1, "requests": [
        {"channel": "sms", "profile": "hub", "regions": TWELVE[10:],
         "answers_file": str(SMS_ANSWERS)}]}))
    run = cli("batch", second, "--yes", "--ledger", tmp_path / "b.jsonl", "--output", "json")
    assert run.exit_code == 4, run
    assert {r["action"] for r in run.results} == {"failed"}
    assert all("rerun after" in r["reason"] for r in run.results)
    import datetime as dt

    since = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    assert Ledger(tmp_path / "b.jsonl").intent_times("111111111111", "support", since) == []
