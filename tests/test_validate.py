"""Proven before filing: AWS checks the exact case without it being filed (a CreateCase dry run,
GetServiceQuota), in `check`, in `request --dry-run`, and before every real write."""

from __future__ import annotations

from typing import Any

from helpers import SMS_ANSWERS, account, cli, scenario
from pinpoint_sandbox.questionnaire.answers import load_answers_file

ACCOUNT = "111122223333"


def creates(sim: Any) -> list[Any]:
    return [r for r in sim.requests if r.operation == "CreateCase"]


def test_check_sends_exactly_one_dry_run_and_reports_it(simulator: Any) -> None:
    sim = simulator(scenario([account(plan="business", quotas=False)]))
    run = cli("check", "sms", "-r", "us-east-1", "--output", "json")
    assert run.exit_code == 0, run
    [row] = run.json["checks"]
    assert row["backend"] == "support"
    assert row["validation"] == {"accepted": True,
                                 "detail": "AWS accepted a dry run of this case"}
    [dry] = creates(sim)
    assert dry.params["dryRun"] is True and dry.error_code == "DryRunOperationException"
    assert sim.write_calls() == [] and sim.state.cases(ACCOUNT) == []


def test_check_dry_runs_the_exact_case_from_the_answers_file(simulator: Any) -> None:
    sim = simulator(scenario([account(plan="business", quotas=False)]))
    run = cli("check", "sms", "-r", "eu-west-1", "-a", SMS_ANSWERS, "--output", "json")
    assert run.exit_code == 0, run
    [dry] = creates(sim)
    answers = load_answers_file(SMS_ANSWERS)
    assert f"[pinpoint-sandbox sms eu-west-1 {ACCOUNT}]" in dry.params["subject"]
    assert answers["company_name"] in dry.params["communicationBody"]
    assert dry.params["language"] == answers["contact_language"]
    assert dry.params["ccEmailAddresses"] == answers["contact_emails"]
    assert (dry.params["serviceCode"], dry.params["categoryCode"], dry.params["issueType"]) == (
        "service-limit-increase", "service-code-pinpoint-sms", "service-limit-increase")
    assert run.json["checks"][0]["case_note"] is None


def test_check_reports_why_aws_would_refuse(simulator: Any) -> None:
    sim = simulator(scenario([account(
        plan="business", quotas=False,
        support_refuses_issue_types=["service-limit-increase", "customer-service"])]))
    run = cli("check", "sms", "-r", "us-east-1", "--output", "json")
    assert run.exit_code == 4, run
    [row] = run.json["checks"]
    assert row["status"] == "failed" and row["validation"]["accepted"] is False
    assert "refused a dry run" in row["reason"] and "issueType" in row["reason"]
    assert sim.write_calls() == []


def test_refused_issue_type_files_once_with_customer_service(simulator: Any) -> None:
    sim = simulator(scenario([account(
        plan="business", quotas=False, support_refuses_issue_types=["service-limit-increase"])]))
    run = cli("request", "sms", "-a", SMS_ANSWERS, "-r", "eu-west-1", "--yes", "--output", "json")
    assert run.exit_code == 0, run
    assert run.actions() == {"eu-west-1": "filed"}
    [real] = [r for r in creates(sim) if not r.params.get("dryRun")]
    assert real.params["issueType"] == "customer-service" and real.error_code is None
    assert [c["issueType"] for c in sim.state.cases(ACCOUNT)] == ["customer-service"]


def test_request_dry_run_validates_and_creates_nothing(simulator: Any) -> None:
    sim = simulator(scenario([account(plan="business", quotas=False)]))
    run = cli("request", "sms", "-a", SMS_ANSWERS, "-r", "eu-west-1", "--dry-run",
              "--output", "json")
    assert run.exit_code == 0, run
    assert run.actions() == {"eu-west-1": "previewed"}
    assert [r.params.get("dryRun") for r in creates(sim)] == [True]
    assert sim.write_calls() == []


def test_refused_dry_run_fails_the_target_before_confirmation(simulator: Any) -> None:
    sim = simulator(scenario([account(
        plan="business", quotas=False,
        support_refuses_issue_types=["service-limit-increase", "customer-service"])]))
    run = cli("request", "sms", "-a", SMS_ANSWERS, "-r", "eu-west-1", "--no-input",
              "--output", "json")
    assert run.exit_code == 4, run  # no confirmation was needed: nothing was ready to file
    assert run.actions() == {"eu-west-1": "failed"}
    assert sim.write_calls() == []


def test_service_quotas_validation_needs_an_adjustable_quota(simulator: Any) -> None:
    sim = simulator(scenario([account(production_access_adjustable=False)]))
    run = cli("check", "sms", "-r", "eu-west-1", "--backend", "service-quotas",
              "--output", "json")
    assert run.exit_code == 3, run
    [row] = run.json["checks"]
    assert (row["backend"], row["status"]) == ("service-quotas", "blocked")
    assert "not adjustable" in row["reason"]
    # AWS said so: the listing's ServiceQuota items carry `Adjustable` (no GetServiceQuota needed)
    asked = {"GetServiceQuota", "ListServiceQuotas", "ListAWSDefaultServiceQuotas"}
    assert any(r.operation in asked for r in sim.requests)
    ok = cli("check", "sms", "-r", "us-west-2", "--backend", "manual", "--output", "json")
    assert ok.exit_code == 0, ok


def test_auto_falls_back_when_the_listed_quota_is_not_adjustable(simulator: Any) -> None:
    sim = simulator(scenario([account(plan="basic", production_access_adjustable=False)]))
    run = cli("check", "sms", "-r", "eu-west-1", "--output", "json")
    assert run.exit_code == 0, run
    [row] = run.json["checks"]
    assert row["backend"] == "manual"
    assert "not service-quotas" in row["backend_reason"]
    assert "not adjustable" in row["backend_reason"]  # the preview says why
    assert sim.write_calls() == []


def test_auto_files_one_support_case_when_the_quota_is_not_adjustable(simulator: Any) -> None:
    sim = simulator(scenario([account(plan="business", production_access_adjustable=False)]))
    preview = cli("request", "sms", "-a", SMS_ANSWERS, "-r", "eu-west-1", "--dry-run")
    assert preview.exit_code == 0, preview
    assert "not adjustable" in preview.stdout + preview.stderr
    run = cli("request", "sms", "-a", SMS_ANSWERS, "-r", "eu-west-1", "--backend", "auto",
              "--yes", "--output", "json")
    assert run.exit_code == 0, run
    writes = [w.operation for w in sim.write_calls()]
    assert writes.count("CreateCase") == 1
    assert "RequestServiceQuotaIncrease" not in writes
    assert run.results[0]["backend"] == "support"


def test_adjustability_falls_back_to_get_service_quota(simulator: Any) -> None:
    # Listings without the adjustability fields: GetServiceQuota is asked, once per quota.
    sim = simulator(scenario([account(production_access_adjustable=False,
                                      quota_listings_omit_adjustability=True)]))
    run = cli("check", "sms", "-r", "eu-west-1", "--output", "json")
    assert run.exit_code == 0, run
    assert "not adjustable" in run.json["checks"][0]["backend_reason"]
    asked = [r.params.get("QuotaCode") for r in sim.requests if r.operation == "GetServiceQuota"]
    assert len(asked) == 1, asked


def test_service_quotas_validation_passes_on_a_fresh_account(simulator: Any) -> None:
    simulator("fresh-sandbox")
    run = cli("check", "sms", "-r", "eu-west-1", "--output", "json")
    assert run.exit_code == 0, run
    [row] = run.json["checks"]
    assert row["validation"]["accepted"] is True
    assert "adjustable for this account" in row["validation"]["detail"]
    assert row["case_note"] and "example answers" in row["case_note"]
