"""Destination readiness: which countries an account can reach after approval."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from helpers import SMS_ANSWERS, account, cli, scenario
from pinpoint_sandbox.aws.session import AwsAccount
from pinpoint_sandbox.checks.destinations import country_rules, destination_readiness


def _answers(tmp_path: Path, countries: list[str]) -> Path:
    data = yaml.safe_load(SMS_ANSWERS.read_text())
    data["destination_countries"] = countries
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _check(tmp_path: Path, countries: list[str], region: str = "eu-west-1") -> Any:
    run = cli("check", "sms", "-r", region, "-a", _answers(tmp_path, countries), "-o", "json")
    assert run.exit_code in (0, 3), run
    (row,) = run.json["checks"]
    return {d["country"]: d for d in row["destinations"]}


def test_us_without_identity_is_flagged_and_gb_is_not(simulator: Any, tmp_path: Path) -> None:
    simulator("fresh-sandbox")
    found = _check(tmp_path, ["US", "GB"])
    assert found["US"]["ready"] is False
    assert "toll-free" in found["US"]["next_step"]
    assert "console.aws.amazon.com/sms-voice" in found["US"]["next_step"]
    assert found["US"]["source"].startswith("https://docs.aws.amazon.com/")
    assert found["GB"]["ready"] is True


def _numbers(**spec: Any) -> dict[str, Any]:
    return {"phone_numbers": [{"number": "+18885550100", "capabilities": ["SMS"], **spec}]}


def test_active_toll_free_number_makes_the_us_ready(simulator: Any, tmp_path: Path) -> None:
    simulator(scenario([account(regions={"eu-west-1": _numbers(number_type="TOLL_FREE")})]))
    assert _check(tmp_path, ["US"])["US"]["ready"] is True


def test_simulator_and_voice_only_numbers_do_not_count(simulator: Any, tmp_path: Path) -> None:
    regions = {"eu-west-1": {"phone_numbers": [
        {"number": "+18885550100", "number_type": "SIMULATOR", "capabilities": ["SMS"]},
        {"number": "+18885550101", "number_type": "TOLL_FREE", "capabilities": ["VOICE"]},
        {"number": "+18885550102", "number_type": "TOLL_FREE", "status": "PENDING"},
    ]}}
    simulator(scenario([account(regions=regions)]))
    assert _check(tmp_path, ["US"])["US"]["ready"] is False


def test_registration_in_review_is_not_ready_until_complete(
    simulator: Any, tmp_path: Path
) -> None:
    def region(status: str) -> dict[str, Any]:
        return {**_numbers(number_type="TEN_DLC", registration_id="registration-1"),
                "registrations": [{"registration_id": "registration-1", "status": status,
                                   "registration_type": "US_TEN_DLC_CAMPAIGN_REGISTRATION"}]}

    simulator(scenario([account(regions={"eu-west-1": region("AWS_REVIEWING"),
                                         "us-west-2": region("COMPLETE")})]))
    reviewing = _check(tmp_path, ["US"])["US"]
    assert reviewing["ready"] is False
    assert "AWS_REVIEWING" in reviewing["reason"] and "wait" in reviewing["next_step"]
    assert _check(tmp_path, ["US"], "us-west-2")["US"]["ready"] is True


def test_india_needs_a_registered_sender_id(simulator: Any, tmp_path: Path) -> None:
    def sender(registered: bool) -> dict[str, Any]:
        return {"sender_ids": [{"sender_id": "EXAMPLECO", "iso_country_code": "IN",
                                "registered": registered}]}

    simulator(scenario([account(regions={"eu-west-1": sender(False), "us-west-2": sender(True)})]))
    unregistered = _check(tmp_path, ["IN"])["IN"]
    assert unregistered["ready"] is False and "template" in unregistered["next_step"]
    registered = _check(tmp_path, ["IN"], "us-west-2")["IN"]
    assert registered["ready"] is True and "EXAMPLECO" in registered["reason"]


def test_unreadable_identities_are_unknown_not_a_guess(simulator: Any) -> None:
    simulator(scenario([account()], faults={"error_rate": 1.0,
                                            "operations": ["DescribePhoneNumbers"]}))
    (us,) = destination_readiness(AwsAccount(), "eu-west-1", ["us"])
    assert us.ready is None and "DescribePhoneNumbers" in us.reason


def test_a_failed_read_the_rule_does_not_need_leaves_the_answer(simulator: Any) -> None:
    # An endpoint without DescribeSenderIds still answers for the US (numbers only).
    simulator(scenario([account()], faults={"unsupported_operations": ["DescribeSenderIds"]}))
    us, india = destination_readiness(AwsAccount(), "eu-west-1", ["US", "IN"])
    assert us.ready is False and "toll-free" in str(us.next_step)
    assert india.ready is None and "DescribeSenderIds" in india.reason


def test_preview_flags_countries_that_will_not_receive(simulator: Any, tmp_path: Path) -> None:
    simulator("fresh-sandbox")
    run = cli("request", "sms", "-r", "eu-west-1", "-a", _answers(tmp_path, ["US", "GB"]),
              "--dry-run", "--no-input")
    assert run.exit_code == 0, run
    assert "eu-west-1 → US not ready after approval" in run.stderr.replace("\n", " ")
    assert "→ GB" not in run.stderr


def test_every_shipped_rule_names_its_aws_source_page() -> None:
    rules = country_rules()
    assert {"US", "CA", "IN"} <= set(rules)
    for code, rule in rules.items():
        assert len(code) == 2 and code.isupper()
        assert rule.source.startswith("https://docs.aws.amazon.com/"), code
    assert "TOLL_FREE" in rules["US"].number_types and "TEN_DLC" in rules["US"].number_types


def test_check_reads_countries_from_a_partial_answers_file(
    simulator: Any, tmp_path: Path
) -> None:
    simulator("fresh-sandbox")
    partial = tmp_path / "partial.yaml"
    partial.write_text("destination_countries: [us, GB]\n")
    run = cli("check", "sms", "-r", "eu-west-1", "-a", partial, "-o", "json")
    assert run.exit_code == 0, run
    found = {d["country"]: d["ready"] for d in run.json["checks"][0]["destinations"]}
    assert found == {"US": False, "GB": True}


def test_check_without_answers_does_not_judge_the_example_countries(simulator: Any) -> None:
    sim = simulator("fresh-sandbox")
    run = cli("check", "sms", "-r", "eu-west-1", "-o", "json")
    assert run.exit_code == 0, run
    assert run.json["checks"][0]["destinations"] == []
    assert not any(r.operation == "DescribeSenderIds" for r in sim.requests)
