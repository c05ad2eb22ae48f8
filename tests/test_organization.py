"""`--organization`: accounts from AWS Organizations (simulated), selection, suspended accounts,
roles that cannot be assumed, no writes in a dry run, and AWS calls per account-region."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from helpers import SMS_ANSWERS, VOICE_ANSWERS, cli

MANAGEMENT = "100000000000"
REGIONS = ["eu-west-1", "us-east-1"]
PARENT, CHILD = "ou-root-aaaaaaaa", "ou-root-bbbbbbbb"


def member(index: int, **kw: Any) -> dict[str, Any]:
    return {
        "account_id": str(int(MANAGEMENT) + index),
        "name": f"member-{index}",
        "support_plan": "business",
        "region_defaults": {"voice_messages_sent_days_ago": [3]},
        **kw,
    }


def org_scenario(*accounts: dict[str, Any], management: Any = None) -> dict[str, Any]:
    return {
        "name": "org-test",
        "accounts": [{**member(0), "name": "management", **(management or {})}, *accounts],
        "organization": {"ous": {PARENT: "r-sim0", CHILD: PARENT}},
    }


def batch(tmp_path: Path, countries: list[str] | None = None, **extra: Any) -> str:
    path = tmp_path / "batch.yaml"
    sms_answers = SMS_ANSWERS
    if countries is not None:  # the same answers, other destination countries
        answers = yaml.safe_load(SMS_ANSWERS.read_text())
        answers["destination_countries"] = countries
        sms_answers = tmp_path / "sms-answers.yaml"
        sms_answers.write_text(yaml.safe_dump(answers))
    path.write_text(yaml.safe_dump({
        "version": 1,
        "requests": [
            {"channel": "sms", "regions": REGIONS, "answers_file": str(sms_answers)},
            {"channel": "voice", "regions": REGIONS, "answers_file": str(VOICE_ANSWERS)},
        ],
        **extra,
    }))
    return str(path)


def accounts_of(results: list[dict[str, Any]]) -> set[str]:
    return {r["account_id"] for r in results}


def test_dry_run_previews_usable_accounts_and_reports_the_others(
    simulator: Any, tmp_path: Path
) -> None:
    roles = {"assumable_roles": ["Deployer"]}
    sim = simulator(org_scenario(
        member(1, **roles), member(2, state="SUSPENDED", **roles), member(3, role_missing=True),
        member(4, **roles), member(5, **roles),
        management={"assumable_roles": ["OrganizationAccountAccessRole"]},
    ))
    run = cli("batch", batch(tmp_path), "--organization", "--role-name", "Deployer",
              "--dry-run", "--output", "json")
    # The management account runs the tool: read with its own credentials, never a role.
    usable = {MANAGEMENT, *(str(int(MANAGEMENT) + i) for i in (1, 4, 5))}
    assert accounts_of(run.results) == usable, run
    assert len(run.results) == len(usable) * len(REGIONS) * 2
    assert {r["action"] for r in run.results} == {"previewed"}
    skipped = {s["account_id"]: s["status"] for s in run.json["skipped_accounts"]}
    assert skipped == {"100000000002": "suspended", "100000000003": "unreachable"}
    assert run.exit_code == 5  # accounts that could not be entered: a partial run
    assert "100000000003" in run.stderr and "AccessDenied" in run.stderr
    assert sim.write_calls() == []
    assumed = {r.params["RoleArn"] for r in sim.requests if r.operation == "AssumeRole"}
    assert all(arn.endswith(":role/Deployer") for arn in assumed)


def test_each_call_is_signed_as_its_own_account(simulator: Any, tmp_path: Path) -> None:
    """Clients are shared between accounts: every call must still carry its account's keys."""
    sim = simulator(org_scenario(member(1), member(2), member(3)))
    run = cli("batch", batch(tmp_path), "--organization", "--dry-run", "--output", "json")
    assert run.exit_code == 0, run
    tiers = Counter(
        (r.account_id, r.region) for r in sim.requests if r.operation == "DescribeAccountAttributes"
    )
    expected = {(a, region) for a in accounts_of(run.results) for region in REGIONS}
    assert set(tiers) == expected
    assert set(tiers.values()) == {1}  # the sms and voice targets share one tier read


PER_ACCOUNT = {"AssumeRole", "GetCallerIdentity", "DescribeSeverityLevels", "DescribeCases"}
ONCE = {"ListAccounts", "ListAWSDefaultServiceQuotas"}  # per run / per region


def _dry_run_calls(simulator: Any, tmp_path: Path, countries: list[str],
                   *flags: str) -> Any:
    sim = simulator(org_scenario(member(1), member(2), member(3)))
    run = cli("batch", batch(tmp_path, countries), "--organization", "--dry-run",
              "--output", "json", *flags)
    assert run.exit_code == 0, run
    assert {r["action"] for r in run.results} == {"previewed"}
    assert sim.write_calls() == []
    sim.stderr = run.stderr
    return sim


def test_at_most_four_calls_per_account_region_and_one_per_account(
    simulator: Any, tmp_path: Path
) -> None:
    # The example answers' countries (US, GB, IE): an organization run reads no identities.
    sim = _dry_run_calls(simulator, tmp_path, ["US", "GB", "IE"])
    regional = Counter(
        (r.account_id, r.region) for r in sim.requests if r.operation not in PER_ACCOUNT | ONCE
    )
    assert len(regional) == 4 * len(REGIONS), regional  # every account-region was read
    # Tier, quota request history and one GetMetricData (a voice message was sent).
    assert max(regional.values()) <= 3, regional
    assert Counter(r.operation for r in sim.requests if r.service == "cloudwatch") == {
        "GetMetricData": 4 * len(REGIONS)}
    # The rest is per account (3) or per region and run: over 31 regions that stays under 4
    # per account-region in all (benchmarks/scale.py measures it).
    assert sum(regional.values()) == 3 * 4 * len(REGIONS), regional
    # Adjustability comes from the listed ServiceQuota items; no identity read is made.
    ops = {r.operation for r in sim.requests}
    assert not ops & {"GetServiceQuota", "DescribePhoneNumbers", "DescribeSenderIds",
                      "DescribeRegistrations", "ListMetrics"}, ops
    assert "Destination readiness is not read in an organization run" in sim.stderr
    account_ops = Counter((r.account_id, r.operation) for r in sim.requests
                          if r.operation in PER_ACCOUNT - {"AssumeRole", "GetCallerIdentity"})
    assert set(account_ops.values()) == {1}, account_ops  # no racing duplicate reads
    defaults = Counter(r.region for r in sim.requests
                       if r.operation == "ListAWSDefaultServiceQuotas")
    assert set(defaults.values()) == {1}  # AWS's catalogue: once per region, all accounts


def test_destinations_flag_adds_one_phone_number_read_per_account_region(
    simulator: Any, tmp_path: Path
) -> None:
    sim = _dry_run_calls(simulator, tmp_path, ["US", "GB"], "--destinations")
    numbers = Counter((r.account_id, r.region) for r in sim.requests
                      if r.operation == "DescribePhoneNumbers")
    # Only the pairs the answers imply: US from us-east-1 (numbers read once per account), GB
    # from eu-west-1 (no rule needs a read).
    assert {region for _, region in numbers} == {"us-east-1"}, numbers
    assert len(numbers) == 4 and set(numbers.values()) == {1}, numbers
    # No number names a registration and no country here has a sender-ID rule.
    ops = {r.operation for r in sim.requests}
    assert not ops & {"GetServiceQuota", "DescribeSenderIds", "DescribeRegistrations"}, ops
    regional = Counter(
        (r.account_id, r.region) for r in sim.requests if r.operation not in PER_ACCOUNT | ONCE
    )
    assert max(regional.values()) <= 4, regional
    assert "Destination readiness is not read" not in sim.stderr


def test_selection_by_ou_exclude_and_tag(simulator: Any) -> None:
    simulator(org_scenario(
        member(1, ou=PARENT), member(2, ou=CHILD, tags={"env": "prod"}),
        member(3, ou=CHILD, tags={"env": "dev"}), member(4, tags={"env": "prod"}),
    ))

    def chosen(*flags: str) -> set[str]:
        run = cli("check", "sms", "-r", "eu-west-1", "--organization", *flags, "-o", "json")
        assert run.exit_code == 0, run
        return {row["account_id"] for row in run.json["checks"]}

    # --ou reaches the accounts of child OUs too.
    assert chosen("--ou", PARENT) == {"100000000001", "100000000002", "100000000003"}
    assert chosen("--ou", PARENT, "--exclude", "100000000002") == {"100000000001",
                                                                   "100000000003"}
    assert chosen("--tag", "env=prod") == {"100000000002", "100000000004"}
    assert chosen("--ou", CHILD, "--tag", "env=prod") == {"100000000002"}


def test_batch_file_organization_block(simulator: Any, tmp_path: Path) -> None:
    sim = simulator(org_scenario(member(1), member(2)))
    path = batch(tmp_path, organization={"exclude": [MANAGEMENT], "channels": ["sms"],
                                         "regions": ["eu-west-1"]})
    run = cli("batch", path, "--dry-run", "--output", "json")
    assert run.exit_code == 0, run
    fanned = {(r["account_id"], r["region"], r["channel"]) for r in run.results
              if r["channel"] == "sms"}
    assert fanned == {("100000000001", "eu-west-1", "sms"), ("100000000002", "eu-west-1", "sms")}
    # The voice request is not fanned out: it stays with the calling account.
    assert {(r["account_id"], r["channel"]) for r in run.results
            if r["channel"] == "voice"} == {(MANAGEMENT, "voice")}
    assert sim.write_calls() == []


def test_status_over_an_organization(simulator: Any) -> None:
    simulator(org_scenario(member(1), member(2, state="SUSPENDED")))
    run = cli("status", "--organization", "-r", "eu-west-1", "--output", "json")
    assert run.exit_code == 0, run
    assert {row["account_id"] for row in run.json["regions"]} == {MANAGEMENT, "100000000001"}
    assert run.json["skipped_accounts"][0]["status"] == "suspended"


def test_bad_organization_options_are_usage_errors(simulator: Any, tmp_path: Path) -> None:
    sim = simulator(org_scenario(member(1)))
    path = batch(tmp_path)
    for flags, word in (
        (["--ou", PARENT], "--organization"),
        (["--organization", "--ou", "nope"], "--ou"),
        (["--organization", "--exclude", "12"], "--exclude"),
        (["--organization", "--tag", "env"], "KEY=VALUE"),
        (["--organization", "--session-duration", "60"], "--session-duration"),
        (["--organization", "--max-concurrency", "0"], "--max-concurrency"),
    ):
        run = cli("batch", path, "--dry-run", *flags)
        assert run.exit_code == 2, (flags, run)
        assert word in run.stderr, (flags, run)
    assert sim.requests == []


def test_not_an_organization_is_one_clear_line(simulator: Any, tmp_path: Path) -> None:
    simulator({"name": "plain", "accounts": [{"account_id": MANAGEMENT}]})
    run = cli("batch", batch(tmp_path), "--organization", "--dry-run")
    assert run.exit_code == 4, run
    assert "not in an organization" in run.stderr


def test_support_slot_index_sees_new_filings(tmp_path: Path) -> None:
    from pinpoint_sandbox.core.targets import Target
    from pinpoint_sandbox.ledger.store import Ledger

    ledger = Ledger(tmp_path / "ledger.jsonl")
    hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    target = Target(MANAGEMENT, "eu-west-1", "sms")
    assert ledger.intent_times(MANAGEMENT, "support", hour_ago) == []
    ledger.record_intent(target, "support", "s")
    refused = ledger.record_intent(target, "support", "s")
    ledger.record_outcome(refused, target, "support", "refused")
    assert len(ledger.intent_times(MANAGEMENT, "support", hour_ago)) == 1
    ledger.record_intent(target, "support", "s")
    assert len(ledger.intent_times(MANAGEMENT, "support", hour_ago)) == 2


def test_iam_policy_covers_the_organization_calls(simulator: Any, tmp_path: Path) -> None:
    from pinpoint_sandbox.filing.iam_policy import BOTOCORE_SERVICE, build_policy, policy_actions

    sim = simulator(org_scenario(member(1, tags={"env": "prod"}, ou=CHILD)))
    run = cli("batch", batch(tmp_path), "--organization", "--ou", PARENT, "--tag", "env=prod",
              "--dry-run", "--output", "json")
    assert run.exit_code == 0, run
    granted = set(policy_actions(build_policy("auto", True, organization_role="R")))
    prefix_for = {svc: prefix for prefix, svc in BOTOCORE_SERVICE.items()}
    used = {f"{prefix_for[r.service]}:{r.operation}" for r in sim.requests}
    assert {"organizations:ListAccountsForParent", "organizations:ListChildren",
            "organizations:ListTagsForResource", "sts:AssumeRole"} <= used
    assert used <= granted, sorted(used - granted)
    cli_run = cli("iam-policy", "--organization", "--role-name", "Deployer")
    assert "arn:aws:iam::*:role/Deployer" in cli_run.stdout
    assert cli("iam-policy", "--role-name", "Deployer").exit_code == 2


def test_progress_counts_failures_and_accounts_done() -> None:
    from pinpoint_sandbox.checks.preflight import TargetPlan
    from pinpoint_sandbox.cli.output import _ProgressCounts
    from pinpoint_sandbox.core.targets import Target

    def plan(account: str, failed: bool = False) -> TargetPlan:
        p = TargetPlan(Target(account, "eu-west-1", "sms"), None, None, "auto")  # type: ignore[arg-type]
        if failed:
            p.settle("failed", "x")
        return p

    counts = _ProgressCounts(3, {"a": 2, "b": 1})
    assert counts.add(plan("a")) == "0/2 accounts"
    assert counts.add(plan("b", failed=True)) == "1/2 accounts"
    assert counts.add(plan("a")) == "2/2 accounts"
    assert counts.failed == 1


# ------------------------------------------- issue 18: Organizations as AWS builds them


def _use_profile(monkeypatch: Any, name: str) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):  # they beat the profile
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_PROFILE", name)


def _assumed(sim: Any) -> list[str]:
    return [str(r.params["RoleArn"]).split(":")[4] for r in sim.requests
            if r.operation == "AssumeRole"]


def test_management_account_is_read_with_its_own_credentials(
    simulator: Any, tmp_path: Path
) -> None:
    # As AWS builds it: the role exists in members only, never in the management account.
    sim = simulator(org_scenario(member(1), member(2)))
    run = cli("batch", batch(tmp_path), "--organization", "--dry-run", "--output", "json")
    assert run.exit_code == 0, run
    assert accounts_of(run.results) == {MANAGEMENT, "100000000001", "100000000002"}
    mine = [r for r in run.results if r["account_id"] == MANAGEMENT]
    assert len(mine) == len(REGIONS) * 2 and {r["action"] for r in mine} == {"previewed"}
    assert sorted(_assumed(sim)) == ["100000000001", "100000000002"]
    assert run.json.get("skipped_accounts", []) == []
    assert sim.write_calls() == []


def test_simulator_refuses_the_management_accounts_member_role(simulator: Any) -> None:
    import boto3
    from botocore.exceptions import ClientError

    simulator(org_scenario(member(1)))
    sts = boto3.client("sts", region_name="us-east-1")
    for account_id, ok in ((MANAGEMENT, False), ("100000000001", True)):
        arn = f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole"
        if ok:
            assert sts.assume_role(RoleArn=arn, RoleSessionName="tt")["Credentials"]
            continue
        try:
            sts.assume_role(RoleArn=arn, RoleSessionName="tt")
        except ClientError as exc:
            assert exc.response["Error"]["Code"] == "AccessDenied"
        else:
            raise AssertionError("AssumeRole into the management account succeeded")


def test_delegated_administrator_reads_itself_and_never_assumes_the_management(
    simulator: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    admin = member(1, profile="delegated")
    scen = org_scenario(admin, member(2))
    scen["organization"]["delegated_administrators"] = ["100000000001"]
    sim = simulator(scen)
    _use_profile(monkeypatch, "delegated")
    run = cli("batch", batch(tmp_path), "--organization", "--dry-run", "--output", "json")
    assert accounts_of(run.results) == {"100000000001", "100000000002"}, run
    assert _assumed(sim) == ["100000000002"]
    [skipped] = run.json["skipped_accounts"]
    assert skipped["account_id"] == MANAGEMENT and "management account" in skipped["reason"]
    assert run.exit_code == 5  # the management account is not covered: partial, said why
    assert sim.write_calls() == []


def test_session_duration_over_an_hour_with_a_role_session_is_exit_2(
    simulator: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    base = member(9, profile="base")
    sim = simulator(org_scenario(
        member(1), base,
        management={"profile": "admin", "source_profile": "base", "role_name": "Admin"},
    ))
    _use_profile(monkeypatch, "admin")
    run = cli("batch", batch(tmp_path), "--organization", "--session-duration", "7200",
              "--dry-run", "--output", "json")
    assert run.exit_code == 2, run
    [error] = [line for line in run.stderr.splitlines() if line.startswith("Error")]
    assert "role chaining to 1 hour (3600 s)" in error and "--session-duration 7200" in error
    assert run.json["error"]["exit_code"] == 2
    # Only the profile's own role (botocore) was assumed: no member was tried.
    assert _assumed(sim) == [MANAGEMENT]
    ok = cli("batch", batch(tmp_path), "--organization", "--session-duration", "3600",
             "--dry-run", "--output", "json")
    assert ok.exit_code == 0, ok


def test_simulator_refuses_role_chaining_over_an_hour(simulator: Any) -> None:
    import boto3
    from botocore.exceptions import ClientError

    simulator(org_scenario(member(1)))
    sts = boto3.client("sts", region_name="us-east-1")
    creds = sts.assume_role(RoleArn="arn:aws:iam::100000000001:role/Admin",
                            RoleSessionName="aa")["Credentials"]
    chained = boto3.client("sts", region_name="us-east-1",
                           aws_access_key_id=creds["AccessKeyId"],
                           aws_secret_access_key=creds["SecretAccessKey"],
                           aws_session_token=creds["SessionToken"])
    target = "arn:aws:iam::100000000001:role/Other"
    try:
        chained.assume_role(RoleArn=target, RoleSessionName="bb", DurationSeconds=7200)
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "ValidationError"
        assert "role chaining" in exc.response["Error"]["Message"]
    else:
        raise AssertionError("a chained 2-hour session was granted")
    assert chained.assume_role(RoleArn=target, RoleSessionName="bb", DurationSeconds=3600)


def test_sessions_are_refreshed_before_expiry_not_on_every_call(
    simulator: Any, monkeypatch: Any
) -> None:  # botocore's default would refresh a 900 s session on every call
    import datetime as _dt

    import botocore.credentials

    from pinpoint_sandbox.aws.session import SMS_VOICE, AwsAccount

    sim = simulator(org_scenario(member(1)))
    account = AwsAccount(role_arn="arn:aws:iam::100000000001:role/OrganizationAccountAccessRole",
                         duration_seconds=900)
    client = account.client(SMS_VOICE, "eu-west-1")
    for _ in range(5):
        client.describe_account_attributes()
    assert len(_assumed(sim)) == 1  # a 15-minute session is not assumed again per call
    real_now = botocore.credentials._local_now
    monkeypatch.setattr(account.credentials(), "_time_fetcher",
                        lambda: real_now() + _dt.timedelta(seconds=800))
    client.describe_account_attributes()  # 100 s left: refreshed before it expires
    assert len(_assumed(sim)) == 2
    monkeypatch.setattr(account.credentials(), "_time_fetcher", real_now)
    client.describe_account_attributes()  # the new session is fresh: no third AssumeRole
    assert len(_assumed(sim)) == 2


def test_govcloud_organization_is_listed_and_entered_in_govcloud(
    simulator: Any, tmp_path: Path
) -> None:
    gov = {"partition": "aws-us-gov"}
    scen = org_scenario(member(1, **gov), management=gov)
    scen["default_region"] = "us-gov-west-1"
    sim = simulator(scen)
    path = tmp_path / "gov.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "requests": [
        {"channel": "sms", "regions": ["us-gov-west-1"], "answers_file": str(SMS_ANSWERS)}]}))
    run = cli("batch", str(path), "--organization", "--dry-run", "--output", "json")
    assert run.exit_code == 0, run
    assert accounts_of(run.results) == {MANAGEMENT, "100000000001"}
    assert {r.region for r in sim.requests if r.service == "organizations"} == {"us-gov-west-1"}
    roles = [str(r.params["RoleArn"]) for r in sim.requests if r.operation == "AssumeRole"]
    assert roles == ["arn:aws-us-gov:iam::100000000001:role/OrganizationAccountAccessRole"]
    assert sim.write_calls() == []


def test_management_account_known_without_account_arns() -> None:
    from pinpoint_sandbox.aws.organizations import Member, _management_id

    class Caller:
        def global_region(self, service: str) -> str:
            return "us-east-1"

        def client(self, service: str, region: str) -> Any:
            class Client:
                @staticmethod
                def describe_organization() -> dict[str, Any]:
                    return {"Organization": {"MasterAccountId": MANAGEMENT}}
            return Client()

    with_arn = Member("100000000001", "m", "ACTIVE",
                      f"arn:aws:organizations::{MANAGEMENT}:account/o-x/100000000001")
    assert _management_id(Caller(), [with_arn]) == MANAGEMENT  # type: ignore[arg-type]
    bare = Member("100000000001", "m", "ACTIVE")
    assert _management_id(Caller(), [bare]) == MANAGEMENT  # type: ignore[arg-type]


def test_a_short_session_is_assumed_once_per_account_in_a_run(
    simulator: Any, tmp_path: Path
) -> None:
    sim = simulator(org_scenario(member(1), member(2)))
    run = cli("batch", batch(tmp_path), "--organization", "--session-duration", "900",
              "--dry-run", "--output", "json")
    assert run.exit_code == 0, run
    assert Counter(_assumed(sim)) == {"100000000001": 1, "100000000002": 1}
    durations = {r.params.get("DurationSeconds") for r in sim.requests
                 if r.operation == "AssumeRole"}
    assert durations == {"900"}  # query protocol: parameters arrive as text
