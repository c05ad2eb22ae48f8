"""The description reaches the case Service Quotas opens, exactly once, over HTTP against the
simulator: AWS answers PENDING with no CaseId first, then names the case by its display id."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from helpers import SMS_ANSWERS, account, cli, scenario
from pinpoint_sandbox.core.targets import Target
from pinpoint_sandbox.filing.render import render_case
from pinpoint_sandbox.ledger.store import Ledger
from pinpoint_sandbox.ledger.writes import normalized
from pinpoint_sandbox.simulator.lifecycle import advance

ACCOUNT, REGION = "111122223333", "eu-west-1"
TARGET = f"{ACCOUNT}/{REGION}/sms"
QUESTION = "Please share a screenshot of the opt-in form."


def _request(*extra: str) -> Any:
    return cli("request", "sms", "--answers", SMS_ANSWERS, "-r", REGION, "--yes",
               "--backend", "service-quotas", "--output", "json", *extra)


def _status() -> Any:
    return cli("status", "-r", REGION, "--output", "json")


def _row(run: Any) -> dict[str, Any]:
    return next(t for t in run.json["targets"]
                if (t["region"], t["channel"]) == (REGION, "sms"))


def _description() -> str:
    import yaml

    answers = {**yaml.safe_load(SMS_ANSWERS.read_text()), "regions": [REGION]}  # as filed
    from pinpoint_sandbox.questionnaire.answers import validate_answers

    data = validate_answers("sms", answers).model_dump(mode="json")
    return render_case(Target(ACCOUNT, REGION, "sms"), data).description


def _case(sim: Any) -> dict[str, Any]:
    [request] = sim.state.quota_requests(ACCOUNT)
    assert request["CaseId"].isdigit()  # the display id, as AWS shows it
    return next(c for c in sim.state.cases(ACCOUNT) if c["displayId"] == request["CaseId"])


def _copies(case: dict[str, Any], text: str) -> int:
    return sum(normalized(c["body"]) == normalized(text) for c in case["communications"])


def _refused(sim: Any) -> list[Any]:
    return [c for c in sim.requests if c.operation == "AddCommunicationToCase" and c.error_code]


@pytest.fixture
def slow_case(simulator: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Business plan; the case opens only after a few reads (the filing run waits too little)."""
    monkeypatch.setenv("PINPOINT_SANDBOX_CASE_WAIT", "0")
    return simulator(scenario([account(ACCOUNT, plan="business",
                                       quota_case_opens_after_reads=2)]))


def test_description_reaches_the_case_once_across_status_and_reruns(slow_case: Any) -> None:
    sim = slow_case
    filed = _request()
    assert filed.exit_code == 0, filed
    [result] = filed.results
    assert result["action"] == "filed" and result["case_id"] is None  # PENDING: no CaseId
    assert result["description_state"] == "waiting_for_case"

    first = _status()
    assert _row(first)["description"] in ("waiting_for_case", "delivered"), first
    second = _status()
    row = _row(second)
    assert row["description"] == "delivered" and row["description_delivered_at"], row
    case = _case(sim)
    assert row["display_id"] == case["displayId"] and row["case_id"] == case["caseId"]
    assert _copies(case, _description()) == 1

    for _ in range(2):
        again = _status()
        assert _row(again)["description"] == "delivered"
    rerun = _request()
    assert rerun.exit_code == 0, rerun
    assert rerun.results[0]["action"] == "skipped"
    assert _copies(_case(sim), _description()) == 1
    [added] = [c for c in sim.requests if c.operation == "AddCommunicationToCase"]
    assert added.params["caseId"] == case["caseId"]  # never the display id
    assert added.params.get("ccEmailAddresses") == ["messaging-team@northwind-outfitters.com"]
    assert not _refused(sim)
    entry = Ledger(Path(__import__("os").environ["PINPOINT_SANDBOX_STATE_DIR"])
                   / "ledger.jsonl").entry(Target(ACCOUNT, REGION, "sms"))
    assert entry is not None and entry.display_id == case["displayId"]
    assert entry.case_id == case["caseId"]


def test_filing_run_delivers_when_the_case_opens_within_the_wait(
    simulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PINPOINT_SANDBOX_CASE_WAIT", "3")
    sim = simulator(scenario([account(ACCOUNT, plan="business",
                                      quota_case_opens_after_reads=1)]))
    filed = _request()
    assert filed.exit_code == 0, filed
    assert filed.results[0]["description_state"] == "delivered"
    assert _copies(_case(sim), _description()) == 1
    assert _row(_status())["description"] == "delivered"
    assert _copies(_case(sim), _description()) == 1
    assert not _refused(sim)


def test_basic_plan_says_to_paste_and_writes_nothing(simulator: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PINPOINT_SANDBOX_CASE_WAIT", "0")
    sim = simulator(scenario([account(ACCOUNT, plan="basic")]))
    filed = _request()
    assert filed.exit_code == 0, filed
    assert filed.results[0]["description_state"] == "to_paste"
    row = _row(_status())
    assert row["description"] == "to_paste"
    assert "paste the description saved in" in row["next_step"]
    assert not [c for c in sim.requests if c.operation == "AddCommunicationToCase"]


def test_reply_after_a_question_lands_on_the_right_case(slow_case: Any) -> None:
    sim = slow_case
    assert _request().exit_code == 0
    for _ in range(2):
        _status()
    advance(sim.state, ACCOUNT, REGION, "sms", "ask", QUESTION)
    asked = _status()
    assert asked.exit_code == 3 and _row(asked)["state"] == "needs_reply", asked
    before = len(_case(sim)["communications"])
    sent = cli("reply", TARGET, "--message", "Opt-in form: https://example.com/optin",
               "--output", "json")
    assert sent.exit_code == 0, sent
    case = _case(sim)
    assert len(case["communications"]) == before + 1
    assert case["communications"][-1]["body"] == "Opt-in form: https://example.com/optin"
    assert not _refused(sim)
    # The same text again is not sent twice; the display id names the target too.
    again = cli("reply", case["displayId"], "--message", "Opt-in form: https://example.com/optin",
                "--output", "json")
    assert again.exit_code == 0, again
    assert again.results[0]["outcome"] == "already"
    assert len(_case(sim)["communications"]) == before + 1


def test_add_communication_with_a_display_id_is_refused_as_aws_does(slow_case: Any) -> None:
    import boto3

    sim = slow_case
    assert _request().exit_code == 0
    _status(), _status()
    case = _case(sim)
    client = boto3.client("support", region_name="us-east-1")
    with pytest.raises(client.exceptions.CaseIdNotFound):
        client.add_communication_to_case(caseId=case["displayId"], communicationBody="x")
    found = client.describe_cases(displayId=case["displayId"], includeResolvedCases=True)
    assert [c["caseId"] for c in found["cases"]] == [case["caseId"]]


def test_concurrent_status_runs_deliver_once(slow_case: Any) -> None:
    import json
    import os
    import subprocess
    import sys

    sim = slow_case
    assert _request().exit_code == 0
    script = Path(sys.executable).with_name("pinpoint-sandbox")
    command = [str(script), "status", "-r", REGION, "--output", "json"]
    for _ in range(2):  # the case opens after two reads: the third run finds it
        subprocess.run(command, env=dict(os.environ), capture_output=True, timeout=60)
    procs = [subprocess.Popen(command, env=dict(os.environ), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outs = [p.communicate(timeout=60) for p in procs]
    states = [_row_of(json.loads(out))["description"] for out, _ in outs]
    assert "delivered" in states, outs
    assert _copies(_case(sim), _description()) == 1
    assert len([c for c in sim.requests if c.operation == "AddCommunicationToCase"]) == 1


def _row_of(doc: dict[str, Any]) -> dict[str, Any]:
    return next(t for t in doc["targets"] if (t["region"], t["channel"]) == (REGION, "sms"))


def test_reply_to_a_resolved_case_needs_reopen(slow_case: Any) -> None:
    sim = slow_case
    assert _request().exit_code == 0
    _status(), _status()
    case = _case(sim)
    advance(sim.state, ACCOUNT, REGION, "sms", "deny")
    before = len(_case(sim)["communications"])
    refused = cli("reply", TARGET, "--message", "But we fixed the opt-in.", "-o", "json")
    assert refused.exit_code == 2, refused
    assert "resolved" in refused.json["error"]["message"]
    assert "--refile" in refused.json["error"]["message"]
    assert len(_case(sim)["communications"]) == before
    reopened = cli("reply", TARGET, "--message", "But we fixed the opt-in.", "--reopen")
    assert reopened.exit_code == 0, reopened
    assert _case(sim)["communications"][-1]["body"] == "But we fixed the opt-in."
    assert case["caseId"] == _case(sim)["caseId"]


def test_reply_role_arn_that_is_not_an_arn_is_one_error_line(slow_case: Any) -> None:
    run = cli("reply", TARGET, "--message", "hi", "--role-arn", "not-an-arn")
    assert run.exit_code == 2, run
    assert run.stderr.count("Error:") == 1 and "--role-arn" in run.stderr
    as_json = cli("reply", TARGET, "--message", "hi", "--role-arn", "not-an-arn", "-o", "json")
    assert as_json.exit_code == 2 and "--role-arn" in as_json.json["error"]["message"]
    assert not slow_case.write_calls()


def test_basic_plan_reply_prints_text_and_link_and_writes_nothing(
    simulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PINPOINT_SANDBOX_CASE_WAIT", "0")
    sim = simulator(scenario([account(ACCOUNT, plan="basic")]))
    assert _request().exit_code == 0
    shown = _row(_status())["display_id"]
    run = cli("reply", TARGET, "--message", "Our opt-in form is online.")
    assert run.exit_code == 0, run
    assert "Our opt-in form is online." in run.stdout
    assert f"displayId={shown}" in run.stderr
    assert not [c for c in sim.requests if c.operation == "AddCommunicationToCase"]


def test_record_takes_a_display_id_and_reply_resolves_it(
    simulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = simulator(scenario([account(ACCOUNT, plan="business")]))
    assert cli("request", "sms", "--answers", SMS_ANSWERS, "-r", REGION, "--backend", "manual",
               "--yes").exit_code == 0
    case = sim.state.add_case(ACCOUNT, subject=f"SMS production access {REGION}", body="by hand",
                              service_code="service-limit-increase",
                              category_code="service-code-pinpoint-sms", origin="console")
    assert cli("record", TARGET, "--case-id", case["displayId"]).exit_code == 0
    sent = cli("reply", TARGET, "--message", "More detail on opt-in.", "-o", "json")
    assert sent.exit_code == 0, sent
    assert sent.results[0]["case_id"] == case["caseId"]
    on_aws = next(c for c in sim.state.cases(ACCOUNT) if c["caseId"] == case["caseId"])
    assert on_aws["communications"][-1]["body"] == "More detail on opt-in."
    row = _row(_status())
    assert row["case_id"] == case["caseId"] and row["display_id"] == case["displayId"]


def test_support_and_manual_filings_say_where_the_description_is(
    simulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    simulator(scenario([account(ACCOUNT, plan="business", quotas=False)]))
    support = cli("request", "sms", "--answers", SMS_ANSWERS, "-r", REGION, "--yes",
                  "--backend", "support", "-o", "json")
    assert support.exit_code == 0, support
    row = _row(_status())
    assert row["description"] == "delivered" and row["description_delivered_at"]
    manual = cli("request", "sms", "--answers", SMS_ANSWERS, "-r", "us-west-2", "--yes",
                 "--backend", "manual", "-o", "json")
    assert manual.exit_code == 0, manual
    rows = cli("status", "-r", "us-west-2", "-o", "json").json["targets"]
    [pasted] = [t for t in rows if (t["region"], t["channel"]) == ("us-west-2", "sms")]
    assert pasted["description"] == "to_paste" and pasted["description_delivered_at"] is None


def test_status_watch_delivers_while_it_polls(slow_case: Any) -> None:
    from pinpoint_sandbox.aws.session import AwsAccount
    from pinpoint_sandbox.tracking.tracker import Scope, select, watch

    sim = slow_case
    assert _request().exit_code == 0
    ledger_file = Path(__import__("os").environ["PINPOINT_SANDBOX_STATE_DIR"]) / "ledger.jsonl"
    targets = select([Scope(AwsAccount(), pairs=[(REGION, "sms")])],
                     Ledger(ledger_file).histories(), include_ledger=False)
    seen: list[str | None] = []

    def sleep(_seconds: float) -> None:
        if len(seen) >= 3:  # AWS approves once the description had a few polls to land
            advance(sim.state, ACCOUNT, REGION, "sms", "approve")

    code, rows = watch(targets, seconds=0, ledger_file=ledger_file, sleep=sleep,
                       on_update=lambda rows: seen.append(rows[0].description))
    assert code == 0 and rows[0].state == "approved"
    assert "delivered" in seen, seen
    assert _copies(_case(sim), _description()) == 1


def test_our_text_is_found_on_any_page_of_the_case(simulator: Any) -> None:
    from pinpoint_sandbox.aws.session import AwsAccount
    from pinpoint_sandbox.ledger.writes import digest
    from pinpoint_sandbox.tracking.delivery import find_on_case

    ours = "Opt-in form: https://example.com/optin\r\n"  # AWS may store other line ends
    later = [{"body": f"AWS note {i}", "days_ago": 1 - i / 1000} for i in range(230)]
    sim = simulator(scenario([account(ACCOUNT, plan="business", support_cases=[{
        "subject": f"[pinpoint-sandbox sms {REGION} {ACCOUNT}]",
        "communications": [{"body": ours, "by": "customer", "days_ago": 2}, *later]}])]))
    [case] = sim.state.cases(ACCOUNT)
    found = find_on_case(AwsAccount(), REGION, case["caseId"], digest(ours.strip()))
    assert found is not None  # the oldest of 232: read past the first pages
    assert find_on_case(AwsAccount(), REGION, case["caseId"], digest("never sent")) is None
    pages = [r for r in sim.requests if r.operation == "DescribeCommunications"]
    assert len(pages) >= 3


def test_status_keeps_working_when_the_ledger_cannot_be_locked(slow_case: Any,
                                                               isolated_env: Path) -> None:
    sim = slow_case
    assert _request().exit_code == 0
    (isolated_env / "ledger.jsonl.lock").unlink()
    (isolated_env / "ledger.jsonl.lock").mkdir()  # cannot be opened: no lock, no write
    rows = [_status(), _status(), _status()]
    assert all(r.exit_code == 0 for r in rows), rows
    row = _row(rows[-1])
    assert row["description"] == "pending" and "cannot write the ledger" in row["problem"]
    assert not [c for c in sim.requests if c.operation == "AddCommunicationToCase"]
    (isolated_env / "ledger.jsonl.lock").rmdir()
    assert _row(_status())["description"] == "delivered"
    assert _copies(_case(sim), _description()) == 1


def test_the_same_text_answers_a_new_question_but_is_not_repeated_otherwise(
    slow_case: Any,
) -> None:
    sim = slow_case
    assert _request().exit_code == 0
    _status(), _status()
    text = "Screenshot: https://example.com/optin.png"
    advance(sim.state, ACCOUNT, REGION, "sms", "ask", QUESTION)
    assert cli("reply", TARGET, "-m", text).exit_code == 0
    again = cli("reply", TARGET, "-m", text, "-o", "json")
    assert again.exit_code == 0 and again.results[0]["outcome"] == "already"
    assert _copies(_case(sim), text) == 1
    advance(sim.state, ACCOUNT, REGION, "sms", "ask", "We could not open it, please resend.")
    resent = cli("reply", TARGET, "-m", text, "-o", "json")
    assert resent.exit_code == 0 and resent.results[0]["outcome"] == "sent", resent
    assert _copies(_case(sim), text) == 2
