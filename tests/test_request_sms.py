"""`request sms` end to end: real CLI, real botocore, the simulator over HTTP.

The invariant under test everywhere: one write call per sandboxed target, never two — across
reruns, dry runs, lost responses and interrupted runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from helpers import SMS_ANSWERS, account, cli, scenario
from pinpoint_sandbox.core.paths import ledger_path
from pinpoint_sandbox.core.targets import Target
from pinpoint_sandbox.ledger.store import Ledger

ACCOUNT = "111122223333"
REGIONS = ["-r", "us-east-1", "-r", "eu-west-1"]
JSON_KEYS = ["account_id", "region", "channel", "action", "backend", "reason", "request_id",
             "case_id", "subject", "description"]


def sms(*extra: str) -> Any:
    return cli("request", "sms", "--answers", SMS_ANSWERS, *REGIONS, "--output", "json", *extra)


def mixed(plan: str = "basic", quotas: bool = True, **top: Any) -> dict[str, Any]:
    """us-east-1 already in production, everything else sandbox."""
    return scenario(
        [account(plan=plan, quotas=quotas, regions={"us-east-1": {"tier": "PRODUCTION"}})], **top
    )


def test_files_once_per_sandbox_region_and_never_for_production(simulator: Any) -> None:
    sim = simulator(mixed())
    run = sms("--yes")
    assert run.exit_code == 0, run
    assert run.actions() == {"us-east-1": "skipped", "eu-west-1": "filed"}
    writes = sim.write_calls()
    assert [(w.operation, w.region) for w in writes] == [
        ("RequestServiceQuotaIncrease", "eu-west-1")
    ]
    filed = next(r for r in run.results if r["action"] == "filed")
    assert list(filed)[: len(JSON_KEYS)] == JSON_KEYS
    assert filed["backend"] == "service-quotas"
    # AWS's first answer is PENDING with no CaseId; the case opens later.
    assert filed["request_id"] and filed["case_id"] is None
    assert f"[pinpoint-sandbox sms eu-west-1 {ACCOUNT}]" in filed["subject"]
    skipped = next(r for r in run.results if r["action"] == "skipped")
    assert "PRODUCTION" in skipped["reason"]


def test_rerun_files_nothing_and_reports_earlier_ids(simulator: Any) -> None:
    sim = simulator("fresh-sandbox")
    first = sms("--yes")
    assert first.exit_code == 0, first
    assert set(first.actions().values()) == {"filed"}
    assert len(sim.write_calls()) == 2
    second = sms("--yes")
    assert second.exit_code == 0, second
    assert set(second.actions().values()) == {"skipped"}
    assert len(sim.write_calls()) == 2
    ids = {r["region"]: r["request_id"] for r in first.results}
    for r in second.results:
        assert r["request_id"] == ids[r["region"]]


def test_rerun_with_a_fresh_ledger_still_finds_the_request_at_aws(simulator: Any) -> None:
    sim = simulator("fresh-sandbox")
    assert sms("--yes").exit_code == 0
    ledger_path().unlink()  # a colleague's machine, or a lost state dir
    again = sms("--yes")
    assert again.exit_code == 0, again
    assert set(again.actions().values()) == {"skipped"}
    assert all("service-quotas" in r["reason"] for r in again.results)
    assert len(sim.write_calls()) == 2


def test_dry_run_makes_zero_write_calls(simulator: Any) -> None:
    sim = simulator("fresh-sandbox")
    run = sms("--dry-run")
    assert run.exit_code == 0, run
    assert set(run.actions().values()) == {"previewed"}
    assert sim.write_calls() == []
    assert all("SMS Production Access" in r["description"] for r in run.results)


def test_without_yes_and_without_terminal_nothing_is_filed(simulator: Any) -> None:
    sim = simulator("fresh-sandbox")
    run = sms()
    assert run.exit_code == 2, run
    assert "--yes" in run.stderr
    assert sim.write_calls() == []


@pytest.mark.parametrize(
    ("sets", "needle"),
    [
        (["--set", "website_url=http://example.com"], "https"),
        (["--set", "opt_in_process="], "opt_in_process"),
        (["--set", "message_type=marketing"], "message_type"),
        (["--set", "opt_in=yes"], "opt_in_process"),  # unknown key, with a hint
        (["--set", "destination_countries=[ZZ]"], "destination_countries"),
        (["--set", "message_templates=[]"], "message_templates"),
        (["-r", "mars-north-1"], "mars-north-1"),
        (["--ledger", "/tmp"], "is a directory"),
        (["--save-answers", "/no/such/dir/a.yaml"], "does not exist"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_no_call_at_all(
    simulator: Any, sets: list[str], needle: str
) -> None:
    sim = simulator("fresh-sandbox")
    run = cli("request", "sms", "--answers", SMS_ANSWERS, *REGIONS, "--yes", *sets)
    assert run.exit_code == 2, run
    lines = [x for x in run.stderr.splitlines() if x.strip()]
    assert lines and all(line.startswith("Error:") for line in lines)
    assert needle in run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    assert sim.write_calls() == []


def test_auto_uses_support_when_no_quota_and_the_plan_allows(simulator: Any) -> None:
    sim = simulator(scenario([account(plan="business", quotas=False)]))
    run = sms("--yes")
    assert run.exit_code == 0, run
    assert {r["backend"] for r in run.results} == {"support"}
    writes = sim.write_calls()
    assert [w.operation for w in writes] == ["CreateCase", "CreateCase"]
    assert all(w.region == "us-east-1" for w in writes)  # the global endpoint
    bodies = {w.params["subject"]: w.params["communicationBody"] for w in writes}
    for region in ("us-east-1", "eu-west-1"):
        subject = next(s for s in bodies if f"sms {region} {ACCOUNT}]" in s)
        assert region in bodies[subject]
    assert {w.params["categoryCode"] for w in writes} == {"service-code-pinpoint-sms"}


def test_auto_falls_back_to_manual_on_basic_plan_without_quota(simulator: Any) -> None:
    sim = simulator(scenario([account(plan="basic", quotas=False)]))
    run = sms("--yes")
    assert run.exit_code == 0, run
    assert {r["backend"] for r in run.results} == {"manual"}
    assert sim.write_calls() == []
    for r in run.results:
        path = Path(r["case_file"])
        assert path.read_text().startswith("Subject: [pinpoint-sandbox") or "pinpoint-sandbox" in (
            path.read_text().splitlines()[0]
        )
    again = sms("--yes")
    assert set(again.actions().values()) == {"skipped"}


def test_service_quotas_backend_attaches_description_on_business_plan(simulator: Any) -> None:
    sim = simulator(scenario([account(plan="business")]))
    run = sms("--yes", "--backend", "service-quotas")
    assert run.exit_code == 0, run
    ops = [w.operation for w in sim.write_calls()]
    assert ops.count("RequestServiceQuotaIncrease") == 2
    assert ops.count("AddCommunicationToCase") == 2


def test_lost_response_is_reconciled_not_refiled(simulator: Any) -> None:
    sim = simulator(
        scenario([account(plan="business", quotas=False)],
                 faults={"lose_response": {"CreateCase": 1}})
    )
    run = sms("--yes")
    assert run.exit_code == 0, run
    assert set(run.actions().values()) == {"filed"}
    creates = [w for w in sim.write_calls() if w.operation == "CreateCase"]
    assert len(creates) == 2  # one per region; the lost one was not retried
    assert len(sim.state.cases(ACCOUNT)) == 2


def test_interrupted_run_is_reconciled_before_filing_again(simulator: Any) -> None:
    sim = simulator(scenario([account(plan="business", quotas=False)]))
    assert sms("--yes").exit_code == 0
    # Simulate a crash after the write call: keep only the intent line of eu-west-1.
    target = Target(ACCOUNT, "eu-west-1", "sms")
    ledger = Ledger(ledger_path())
    lines = ledger.path.read_text().splitlines()
    keep = [x for x in lines if not ('"outcome"' in x and '"eu-west-1"' in x)]
    ledger.path.write_text("\n".join(keep) + "\n")
    assert ledger.entry(target) is not None and ledger.entry(target).needs_reconcile  # type: ignore[union-attr]
    before = len(sim.write_calls())
    again = sms("--yes")
    assert again.exit_code == 0, again
    assert set(again.actions().values()) == {"skipped"}
    assert len(sim.write_calls()) == before
    assert "interrupted" in again.stderr


def test_support_case_limit_stops_resumably(simulator: Any) -> None:
    regions = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2",
               "eu-west-3", "eu-central-1", "eu-north-1", "ap-south-1", "ap-southeast-1",
               "ap-southeast-2"]
    sim = simulator(scenario([account(plan="business", quotas=False)]))
    args = [a for r in regions for a in ("-r", r)]
    run = cli("request", "sms", "--answers", SMS_ANSWERS, *args, "--yes", "--output", "json")
    assert run.exit_code == 5, run
    actions = [r["action"] for r in run.results]
    assert actions.count("filed") == 10 and actions.count("failed") == 2
    assert len(sim.write_calls()) == 10
    failed = [r for r in run.results if r["action"] == "failed"]
    assert all("10 new cases per hour" in r["reason"] and "rerun after" in r["reason"]
               for r in failed)


def test_throttled_reads_are_retried_then_fail_cleanly(simulator: Any) -> None:
    sim = simulator(
        scenario([account()], faults={"throttle_rate": 1.0,
                                      "operations": ["DescribeAccountAttributes"]})
    )
    run = sms("--yes")
    assert run.exit_code == 4, run
    assert set(run.actions().values()) == {"failed"}
    assert all("Throttling" in r["reason"] for r in run.results)
    reads = [r for r in sim.requests if r.operation == "DescribeAccountAttributes"]
    assert len(reads) == 4  # two attempts per region (PINPOINT_SANDBOX_MAX_ATTEMPTS=2)
    assert sim.write_calls() == []


def test_user_template_with_undefined_variable_is_exit_2_and_nothing_filed(
    simulator: Any, tmp_path: Path
) -> None:
    sim = simulator("fresh-sandbox")
    (tmp_path / "sms_case.md.j2").write_text("Hello {{ no_such_answer }}\n")
    run = sms("--yes", "--templates-dir", str(tmp_path))
    assert run.exit_code == 2, run
    assert "no_such_answer" in run.stderr
    assert sim.write_calls() == []


def test_auto_falls_back_when_service_quotas_is_absent(simulator: Any) -> None:
    sim = simulator(
        scenario([account(plan="basic")],
                 faults={"unsupported_operations": ["ListAWSDefaultServiceQuotas", "ListServices"]})
    )
    run = sms("--yes")
    assert run.exit_code == 0, run
    assert {r["backend"] for r in run.results} == {"manual"}
    assert sim.write_calls() == []


@pytest.mark.parametrize("backend", ["auto", "support", "manual"])
def test_unreadable_service_quotas_never_files_through_another_backend(
    simulator: Any, backend: str
) -> None:
    """Failing to answer is not absence: an open quota request could hide behind it."""
    sim = simulator(scenario(
        [account(plan="business", regions={"eu-west-1": {"quota_requests": [{"quota": "sms"}]}})],
        # The catalogue: AWS's defaults (read first), then the full discovery.
        faults={"error_rate": 1.0, "operations": ["ListAWSDefaultServiceQuotas", "ListServices"]},
    ))
    run = sms("--yes", "--backend", backend)
    assert run.exit_code == 4, run
    assert set(run.actions().values()) == {"failed"}
    assert all("could not check Service Quotas" in r["reason"] for r in run.results)
    assert sim.write_calls() == []


def test_unreadable_quota_history_blocks_support_filing(simulator: Any) -> None:
    sim = simulator(scenario(
        [account(plan="business", regions={"eu-west-1": {"quota_requests": [{"quota": "sms"}]}})],
        faults={"error_rate": 1.0,
                "operations": ["ListRequestedServiceQuotaChangeHistoryByQuota",
                               "ListRequestedServiceQuotaChangeHistory"]},
    ))
    run = sms("--yes", "--backend", "support")
    assert run.exit_code == 4, run
    assert sim.write_calls() == []


def test_explicit_service_quotas_backend_fails_cleanly_when_it_cannot_be_read(
    simulator: Any,
) -> None:
    sim = simulator(
        scenario([account(plan="basic")],
                 faults={"error_rate": 1.0,
                         "operations": ["ListAWSDefaultServiceQuotas", "ListServices"]})
    )
    run = sms("--yes", "--backend", "service-quotas")
    assert run.exit_code == 4, run
    assert set(run.actions().values()) == {"failed"}
    assert all("Service Quotas" in r["reason"] for r in run.results)
    assert sim.write_calls() == []


def test_unreadable_quota_history_still_never_files_twice(simulator: Any) -> None:
    """Preflight cannot see the open request; Service Quotas' own guard is honoured."""
    sim = simulator(scenario(
        [account(regions={"eu-west-1": {"quota_requests": [{"quota": "sms"}]}})],
        faults={"error_rate": 1.0,
                "operations": ["ListRequestedServiceQuotaChangeHistoryByQuota",
                               "ListRequestedServiceQuotaChangeHistory"]},
    ))
    run = sms("--yes")
    assert run.exit_code == 0, run
    assert run.actions() == {"us-east-1": "filed", "eu-west-1": "skipped"}
    eu = [q for q in sim.state.quota_requests(ACCOUNT) if q["Region"] == "eu-west-1"]
    assert len(eu) == 1
    again = sms("--yes")
    assert set(again.actions().values()) == {"skipped"}
    assert len(sim.state.quota_requests(ACCOUNT)) == 2


def test_support_case_falls_back_to_documented_issue_type_once(simulator: Any) -> None:
    sim = simulator(scenario([account(plan="business", quotas=False,
                                      support_issue_types=["technical", "customer-service"])]))
    run = sms("--yes")
    assert run.exit_code == 0, run
    assert set(run.actions().values()) == {"filed"}
    creates = [r for r in sim.requests if r.operation == "CreateCase"]
    # per region, dry runs only until one passes: the refused issue type never reaches a real
    # CreateCase; then one real CreateCase with the type AWS accepted
    dry = [(r.params["issueType"], r.error_code) for r in creates if r.params.get("dryRun")]
    assert sorted(dry) == sorted([("service-limit-increase", "InvalidParameterValue"),
                                  ("customer-service", "DryRunOperationException")] * 2)
    real = [(r.params["issueType"], r.error_code) for r in creates if not r.params.get("dryRun")]
    assert real == [("customer-service", None)] * 2
    assert [c["issueType"] for c in sim.state.cases(ACCOUNT)] == ["customer-service"] * 2


def test_interrupted_run_is_not_refiled_while_aws_cannot_be_asked(simulator: Any) -> None:
    sim = simulator(scenario([account(plan="business", quotas=False)],
                             faults={"error_rate": 1.0, "operations": ["DescribeCases"]}))
    target = Target(ACCOUNT, "eu-west-1", "sms")
    Ledger(ledger_path()).record_intent(target, "support", "subject")  # crashed mid-write
    run = sms("--yes")
    assert run.exit_code == 4, run  # every target failed: AWS could not be asked
    eu = next(r for r in run.results if r["region"] == "eu-west-1")
    assert eu["action"] == "failed" and "could not be asked" in eu["reason"]
    assert [w.region for w in sim.write_calls()] == []  # us-east-1 too: its lookup fails
    assert Ledger(ledger_path()).entry(target).needs_reconcile  # type: ignore[union-attr]


@pytest.mark.parametrize("backend", ["support", "manual"])
def test_open_quota_request_blocks_every_backend(simulator: Any, backend: str) -> None:
    """A request open in Service Quotas (e.g. filed in the console) is found whatever --backend."""
    sim = simulator(scenario([account(
        plan="business", regions={"eu-west-1": {"quota_requests": [{"quota": "sms"}]}}
    )]))
    run = sms("--yes", "--backend", backend)
    assert run.exit_code == 0, run
    assert run.actions() == {"us-east-1": "filed", "eu-west-1": "skipped"}
    assert "service-quotas" in next(r for r in run.results if r["region"] == "eu-west-1")["reason"]
    assert all(w.region != "eu-west-1" or w.operation != "CreateCase" for w in sim.write_calls())


def test_failed_plan_probe_still_looks_for_our_tagged_cases(simulator: Any) -> None:
    tag = f"[pinpoint-sandbox sms eu-west-1 {ACCOUNT}]"
    sim = simulator(scenario(
        [account(plan="business", support_cases=[{"subject": f"Earlier {tag}"}])],
        faults={"error_rate": 1.0, "operations": ["DescribeSeverityLevels"]},
    ))
    run = sms("--yes")
    assert run.actions() == {"us-east-1": "filed", "eu-west-1": "skipped"}, run
    assert not [w for w in sim.write_calls() if w.region == "eu-west-1"]


@pytest.mark.parametrize("code", ["L-8C1F2E07", "L-2A0F4D19"])  # voice access; text spend
def test_pinned_quota_code_must_be_this_channels_production_access(
    simulator: Any, code: str
) -> None:
    sim = simulator("fresh-sandbox")
    run = sms("--yes", "--backend", "service-quotas", "--quota-code", code)
    assert run.exit_code == 2, run
    assert "not the sms production-access quota" in run.stderr
    assert sim.write_calls() == []


def test_an_answers_file_is_never_mixed_with_saved_answers(simulator: Any, tmp_path: Path) -> None:
    from pinpoint_sandbox.questionnaire.answers import save_answers

    simulator("fresh-sandbox")
    save_answers("sms", {"spend_limit_usd": 12, "contact_emails": ["old@other-brand.test"]})
    lines = [x for x in SMS_ANSWERS.read_text().splitlines()
             if not x.startswith(("spend_limit_usd", "contact_emails"))]
    trimmed = tmp_path / "no-spend.yaml"
    trimmed.write_text("\n".join(lines) + "\n")
    run = cli("request", "sms", "--answers", trimmed, "-r", "eu-west-1", "--dry-run",
              "--output", "json")
    assert run.exit_code == 0, run
    description = run.results[0]["description"]
    assert "old@other-brand.test" not in description
    assert "Spend Threshold" not in description


def test_region_names_are_case_insensitive(simulator: Any) -> None:
    simulator("fresh-sandbox")
    run = cli("request", "sms", "--answers", SMS_ANSWERS, "-r", "EU-WEST-1", "--dry-run",
              "--output", "json")
    assert run.exit_code == 0, run
    assert run.actions() == {"eu-west-1": "previewed"}


def test_json_output_stays_one_document_when_the_run_fails_early(simulator: Any) -> None:
    simulator("fresh-sandbox")
    run = sms("--yes", "--set", "website_url=http://example.org")
    assert run.exit_code == 2
    assert run.json == {"results": [], "error": {"message": run.json["error"]["message"],
                                                 "exit_code": 2}}
    assert "website_url" in run.json["error"]["message"]


def test_a_production_access_case_opened_elsewhere_is_recognised(simulator: Any) -> None:
    subject = ("Service Quotas: AWS End User Messaging SMS and Voice SMS production access "
               "(eu-west-1)")
    sim = simulator(scenario([account(plan="business", quotas=False,
                                      support_cases=[{"subject": subject}])]))
    run = sms("--yes")
    assert run.actions() == {"us-east-1": "filed", "eu-west-1": "skipped"}, run
    assert [w.region for w in sim.write_calls()] == ["us-east-1"]
    assert sim.write_calls()[0].operation == "CreateCase"


def test_a_case_filed_by_another_run_meanwhile_is_not_filed_again(simulator: Any) -> None:
    """Another machine files between our preflight and our write: the last look catches it."""
    import boto3

    from pinpoint_sandbox.aws.session import AwsAccount
    from pinpoint_sandbox.filing.plan import Request, RunOptions, SilentReporter, run
    from pinpoint_sandbox.questionnaire.answers import load_answers_file, validate_answers

    sim = simulator(scenario([account(plan="business", quotas=False)]))

    class OtherRunFilesFirst(SilentReporter):
        def confirm(self, count: int) -> bool:
            boto3.client("support", region_name="us-east-1").create_case(
                subject=f"Other run [pinpoint-sandbox sms eu-west-1 {ACCOUNT}]",
                communicationBody="filed elsewhere", serviceCode="service-limit-increase",
                categoryCode="service-code-pinpoint-sms", issueType="service-limit-increase",
            )
            return True

    answers = validate_answers("sms", {**load_answers_file(SMS_ANSWERS), "regions": ["eu-west-1"]})
    report = run([Request("sms", AwsAccount(), ["eu-west-1"], answers)], RunOptions(),
                 OtherRunFilesFirst())
    assert [r.action for r in report.results] == ["skipped"]
    assert len(sim.state.cases(ACCOUNT)) == 1


def test_the_content_review_is_shown_before_filing(simulator: Any, tmp_path: Path) -> None:
    simulator("fresh-sandbox")
    skeleton = tmp_path / "skeleton.yaml"
    assert cli("init", "sms", skeleton).exit_code == 0
    run = cli("request", "sms", "--answers", skeleton, "-r", "eu-west-1", "--dry-run")
    assert run.exit_code == 0, run
    assert "Content review of the sms answers:" in run.stderr
    assert "still the example" in run.stderr
    clean = cli("request", "sms", "--answers", SMS_ANSWERS, "-r", "eu-west-1", "--dry-run")
    assert "0 error(s)" in clean.stderr
