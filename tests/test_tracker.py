"""The tracker end to end, over HTTP against the simulator: file 2 accounts × 2 regions, let AWS
deny, ask and approve, then `status`, `--refile`, `reply` and `status --watch`."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import SMS_ANSWERS, cli
from pinpoint_sandbox.simulator.lifecycle import advance

HUB, SPOKE = "111111111111", "222222222222"
REGIONS = ["eu-west-1", "us-east-1"]
QUESTION = "Please share a screenshot of the opt-in form your users fill in."
FILING_OPS = ("RequestServiceQuotaIncrease", "CreateCase")


def two_business_accounts() -> dict[str, Any]:
    return {"name": "two", "default_account": HUB, "accounts": [
        {"account_id": HUB, "profile": "hub", "support_plan": "business"},
        {"account_id": SPOKE, "profile": "spoke", "support_plan": "business"},
    ]}


def batch_file(tmp_path: Path) -> Path:
    path = tmp_path / "batch.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "requests": [
        {"channel": "sms", "profile": name, "regions": REGIONS, "answers_file": str(SMS_ANSWERS)}
        for name in ("hub", "spoke")
    ]}))
    return path


def by_key(run: Any) -> dict[tuple[str, str], dict[str, Any]]:
    return {(t["account_id"], t["region"]): t for t in run.json["targets"]}


def filings(sim: Any) -> list[Any]:
    return [w for w in sim.write_calls() if w.operation in FILING_OPS]


@pytest.fixture
def filed(simulator: Any, tmp_path: Path) -> tuple[Any, Path]:
    sim = simulator(two_business_accounts())
    batch = batch_file(tmp_path)
    run = cli("batch", batch, "--yes", "--output", "json")
    assert run.exit_code == 0, run
    assert len(filings(sim)) == 4
    return sim, batch


def test_status_follows_each_target_from_open_to_aws_decisions(filed: tuple[Any, Path]) -> None:
    sim, batch = filed
    first = cli("status", "--batch", batch, "--output", "json")
    assert first.exit_code == 0, first
    rows = by_key(first)
    assert len(rows) == 4
    for row in rows.values():
        assert row["state"] == "open" and row["request_id"] and row["case_id"], row
        assert row["aws_status"] == "CASE_OPENED" and row["age_s"] is not None
        assert row["history"] and row["next_step"].startswith("nothing: wait")

    advance(sim.state, HUB, "eu-west-1", "sms", "deny")
    advance(sim.state, SPOKE, "eu-west-1", "sms", "ask", QUESTION)
    advance(sim.state, HUB, "us-east-1", "sms", "approve")
    after = cli("status", "--batch", batch, "--output", "json")
    assert after.exit_code == 3, after
    rows = by_key(after)
    assert rows[(HUB, "eu-west-1")]["state"] == "denied"
    assert "--refile" in rows[(HUB, "eu-west-1")]["next_step"]
    asked = rows[(SPOKE, "eu-west-1")]
    assert asked["state"] == "needs_reply" and asked["last_message"] == QUESTION
    assert f"reply {SPOKE}/eu-west-1/sms" in asked["next_step"]
    assert rows[(HUB, "us-east-1")]["state"] == "approved"
    assert rows[(HUB, "us-east-1")]["tier"] == "PRODUCTION"
    assert rows[(SPOKE, "us-east-1")]["state"] == "open"
    assert after.json["summary"] == {"approved": 1, "denied": 1, "needs_reply": 1, "open": 1}
    assert not [w for w in sim.write_calls() if w.operation not in FILING_OPS
                and w.operation != "AddCommunicationToCase"]


def test_text_status_is_one_table_with_a_summary(filed: tuple[Any, Path]) -> None:
    sim, batch = filed
    advance(sim.state, SPOKE, "us-east-1", "sms", "ask", QUESTION)
    run = cli("status", "--batch", batch)
    assert run.exit_code == 3, run
    assert "needs_reply" in run.stdout and "3 open" in run.stdout
    assert "Please share a screenshot" in run.stdout


def test_refile_files_only_for_the_denied_target_and_only_once(filed: tuple[Any, Path]) -> None:
    sim, batch = filed
    advance(sim.state, HUB, "eu-west-1", "sms", "deny")
    advance(sim.state, SPOKE, "eu-west-1", "sms", "ask", QUESTION)
    advance(sim.state, HUB, "us-east-1", "sms", "approve")
    assert cli("status", "--batch", batch).exit_code == 3  # caches "denied" in the ledger

    plain = cli("batch", batch, "--yes", "--output", "json")
    assert plain.exit_code == 0, plain
    assert {r["action"] for r in plain.results} == {"skipped"}
    denied = next(r for r in plain.results if (r["account_id"], r["region"]) == (HUB, "eu-west-1"))
    assert "--refile" in denied["reason"]

    run = cli("request", "sms", "--refile", "--profile", "hub", "-r", "eu-west-1,us-east-1",
              "--answers", SMS_ANSWERS, "--set", "company_name=Example Corp Ltd", "--yes",
              "--output", "json")
    assert run.exit_code == 0, run
    assert run.actions() == {"eu-west-1": "filed", "us-east-1": "skipped"}
    new = filings(sim)[4:]
    assert [(w.account_id, w.region) for w in new] == [(HUB, "eu-west-1")]
    refiled = next(r for r in run.results if r["region"] == "eu-west-1")
    assert "follows case" in refiled["description"]
    # The question's words, not the key (the reviewer never saw our keys).
    assert "Company or brand name that sends the messages: Example Corp Ltd" in \
        refiled["description"]
    assert "company_name:" not in refiled["description"]

    again = cli("batch", batch, "--refile", "--yes", "--output", "json")
    assert again.exit_code == 0, again
    assert {r["action"] for r in again.results} == {"skipped"}
    assert len(filings(sim)) == 5
    status = by_key(cli("status", "--batch", batch, "--output", "json"))
    assert status[(HUB, "eu-west-1")]["state"] == "open"
    assert len(status[(HUB, "eu-west-1")]["history"]) == 2


def test_reply_adds_one_communication_to_the_right_case(
    filed: tuple[Any, Path], tmp_path: Path
) -> None:
    sim, batch = filed
    advance(sim.state, SPOKE, "eu-west-1", "sms", "ask", QUESTION)
    case_id = by_key(cli("status", "--batch", batch, "--output", "json"))[
        (SPOKE, "eu-west-1")]["case_id"]
    shot = tmp_path / "opt-in.png"
    shot.write_bytes(b"\x89PNG fake screenshot")
    before = len(sim.write_calls())  # filing attached each description with one call
    text = "Users tick an unchecked box on https://example.com/signup; screenshot attached."
    run = cli("reply", f"{SPOKE}/eu-west-1/sms", "--message", text, "--attach", shot,
              "--profile", "spoke", "--output", "json")
    assert run.exit_code == 0, run
    writes = sim.write_calls()[before:]
    replies = [w for w in writes if w.operation == "AddCommunicationToCase"]
    assert len(replies) == 1 and replies[0].account_id == SPOKE
    assert replies[0].params["caseId"] == case_id
    assert replies[0].params["communicationBody"] == text
    assert replies[0].params["attachmentSetId"]
    assert [w.operation for w in writes] == ["AddAttachmentsToSet", "AddCommunicationToCase"]
    after = by_key(cli("status", "--batch", batch, "--output", "json"))
    assert after[(SPOKE, "eu-west-1")]["state"] == "open"
    assert after[(SPOKE, "eu-west-1")]["history"][-1]["replies"] == 1


def test_watch_exits_0_by_itself_once_everything_is_approved(filed: tuple[Any, Path]) -> None:
    sim, batch = filed

    def approve_all() -> None:
        for account in (HUB, SPOKE):
            for region in REGIONS:
                advance(sim.state, account, region, "sms", "approve")

    timer = threading.Timer(1.5, approve_all)
    timer.start()
    try:
        run = cli("status", "--batch", batch, "--watch", "1", "--output", "json")
    finally:
        timer.cancel()
    assert run.exit_code == 0, run
    assert {t["state"] for t in run.json["targets"]} == {"approved"}


def test_watch_exits_3_at_once_when_aws_asks(filed: tuple[Any, Path]) -> None:
    sim, batch = filed
    advance(sim.state, HUB, "us-east-1", "sms", "ask", QUESTION)
    run = cli("status", "--batch", batch, "--watch", "--output", "json")  # default 300 s
    assert run.exit_code == 3, run
    assert by_key(run)[(HUB, "us-east-1")]["state"] == "needs_reply"


@pytest.mark.parametrize("problem",
                         ["unknown", "too-big", "missing", "too-many", "other-account"])
def test_bad_reply_input_is_one_line_exit_2_and_no_write(
    filed: tuple[Any, Path], tmp_path: Path, problem: str
) -> None:
    sim, _ = filed
    before = len(sim.write_calls())
    target, attach = f"{HUB}/eu-west-1/sms", []
    if problem == "unknown":
        target = f"{HUB}/ap-south-1/sms"
    elif problem == "too-big":
        big = tmp_path / "big.log"
        with big.open("wb") as fh:
            fh.truncate(5 * 1024 * 1024 + 1)
        attach = [big]
    elif problem == "missing":
        attach = [tmp_path / "nope.pdf"]
    else:
        for i in range(4):
            (tmp_path / f"f{i}.txt").write_text("x")
        attach = [tmp_path / f"f{i}.txt" for i in range(4)]
    profile = "spoke" if problem == "other-account" else "hub"
    args = ["reply", target, "--message", "hello", "--profile", profile]
    for path in attach:
        args += ["--attach", str(path)]
    run = cli(*args, "--output", "json")
    assert run.exit_code == 2, run
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert run.json["error"]["exit_code"] == 2
    assert len(sim.write_calls()) == before


def test_reply_on_a_target_without_a_case_is_a_usage_error(simulator: Any) -> None:
    sim = simulator("fresh-sandbox")
    filed = cli("request", "sms", "--answers", SMS_ANSWERS, "-r", "eu-west-1", "--backend",
                "manual", "--yes", "--output", "json")
    assert filed.exit_code == 0, filed
    status = cli("status", "-r", "eu-west-1", "--output", "json")
    assert status.exit_code == 3
    [row] = [t for t in status.json["targets"] if t["channel"] == "sms"]
    assert row["state"] == "awaiting_you" and "record" in row["next_step"]
    run = cli("reply", "-r", "eu-west-1", "sms", "--message", "hello")
    assert run.exit_code == 2, run
    assert "no case yet" in run.stderr and len(run.stderr.strip().splitlines()) == 1
    assert sim.write_calls() == []


def test_record_lets_status_follow_a_case_opened_by_hand(simulator: Any) -> None:
    sim = simulator(two_business_accounts())
    assert cli("request", "sms", "--answers", SMS_ANSWERS, "-r", "eu-west-1", "--backend",
               "manual", "--yes").exit_code == 0
    case = sim.state.add_case(HUB, subject="SMS production access eu-west-1", body="by hand",
                              service_code="service-limit-increase",
                              category_code="service-code-pinpoint-sms", origin="console")
    bad = cli("record", f"{HUB}/eu-west-1/sms", "--case-id", "not a case")
    assert bad.exit_code == 2
    run = cli("record", f"{HUB}/eu-west-1/sms", "--case-id", case["caseId"])
    assert run.exit_code == 0, run
    advance(sim.state, HUB, "eu-west-1", "sms", "ask", QUESTION)
    status = cli("status", "-r", "eu-west-1", "--output", "json")
    [row] = [t for t in status.json["targets"] if t["channel"] == "sms"]
    assert (row["state"], row["case_id"], row["last_message"]) == (
        "needs_reply", case["caseId"], QUESTION)


def test_basic_plan_reply_prints_the_text_to_paste(simulator: Any) -> None:
    sim = simulator("fresh-sandbox")
    assert cli("request", "sms", "--answers", SMS_ANSWERS, "-r", "eu-west-1", "--yes",
               "--output", "json").exit_code == 0
    run = cli("reply", "111122223333/eu-west-1/sms", "--message", "Our opt-in form is online.")
    assert run.exit_code == 0, run
    assert "Our opt-in form is online." in run.stdout and "paste" in run.stderr
    assert [w.operation for w in sim.write_calls()] == ["RequestServiceQuotaIncrease"]


def test_watch_ctrl_c_exits_130(filed: tuple[Any, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    _, batch = filed

    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("pinpoint_sandbox.tracking.tracker.time.sleep", interrupted)
    run = cli("status", "--batch", batch, "--watch", "1")
    assert run.exit_code == 130, run
    assert "Stopped watching" in run.stderr


def test_poll_interval_has_jitter_and_keeps_under_aws_read_rates() -> None:
    import random

    from pinpoint_sandbox.core.targets import Target
    from pinpoint_sandbox.tracking.tracker import (
        READS_PER_SECOND,
        READS_PER_TARGET,
        TrackedTarget,
        poll_interval,
    )

    rows = [TrackedTarget(Target(HUB, f"r-{i}", "sms"), "open") for i in range(20)]
    rng = random.Random(7)
    waits = [poll_interval(1, rows, rng) for _ in range(50)]
    floor = 20 * READS_PER_TARGET / READS_PER_SECOND
    assert all(0.9 * floor <= w <= 1.1 * floor for w in waits)
    assert len(set(waits)) > 1  # jittered
    assert poll_interval(300, rows[:1], rng) >= 270
    done = [TrackedTarget(Target(HUB, "r", "sms"), "approved")]
    assert 0.9 <= poll_interval(1, done, rng) <= 1.1


def test_support_backend_cases_are_followed_and_refiled(simulator: Any) -> None:
    sim = simulator({"name": "support", "accounts": [
        {"account_id": HUB, "support_plan": "business", "production_access_quotas": False}]})
    args = ["--answers", SMS_ANSWERS, "-r", "eu-west-1", "--yes", "--output", "json"]
    first = cli("request", "sms", *args)
    assert first.exit_code == 0 and first.results[0]["backend"] == "support", first
    case_id = first.results[0]["case_id"]
    [row] = [t for t in cli("status", "-r", "eu-west-1", "-o", "json").json["targets"]
             if t["channel"] == "sms"]
    assert (row["state"], row["case_id"], row["aws_status"]) == ("open", case_id, "opened")
    advance(sim.state, HUB, "eu-west-1", "sms", "deny", "Not approved: no opt-in details.")
    status = cli("status", "-r", "eu-west-1", "-o", "json")
    assert status.exit_code == 3
    [row] = [t for t in status.json["targets"] if t["channel"] == "sms"]
    assert row["state"] == "denied" and row["last_message"] == "Not approved: no opt-in details."
    refiled = cli("request", "sms", "--refile", *args)
    assert refiled.actions() == {"eu-west-1": "filed"}, refiled
    assert refiled.results[0]["case_id"] != case_id
    assert f"follows case {case_id}" in refiled.results[0]["description"]
    assert [w.operation for w in sim.write_calls()].count("CreateCase") == 2


def test_status_follows_a_request_filed_outside_the_tool(simulator: Any) -> None:
    simulator("business-mixed")  # eu-west-1 has an SMS request open, filed in the console
    run = cli("status", "-r", "eu-west-1", "-o", "json")
    assert run.exit_code == 0, run
    [row] = [t for t in run.json["targets"] if t["channel"] == "sms"]
    assert row["state"] == "open" and row["request_id"] and row["history"] == []
    assert "record" in row["note"]


def test_an_unreachable_account_does_not_hide_the_others(
    filed: tuple[Any, Path], tmp_path: Path
) -> None:
    _, batch = filed
    spec = yaml.safe_load(batch.read_text())
    spec["requests"].append({"channel": "sms", "regions": ["eu-west-1"],
                             "role_arn": "arn:aws:iam::333333333333:role/Nope",
                             "answers_file": str(SMS_ANSWERS)})
    wider = tmp_path / "wider.yaml"
    wider.write_text(yaml.safe_dump(spec))
    run = cli("status", "--batch", wider, "--output", "json")
    assert run.exit_code == 0, run
    rows = by_key(run)
    assert len(rows) == 5
    assert "could not reach role" in rows[("333333333333", "eu-west-1")]["problem"]
    assert rows[(HUB, "eu-west-1")]["state"] == "open"


def test_scenario_cases_carry_status_and_aws_messages(simulator: Any) -> None:
    simulator({"name": "seeded", "accounts": [{
        "account_id": HUB, "support_plan": "business", "production_access_quotas": False,
        "support_cases": [{
            "subject": f"SMS access [pinpoint-sandbox sms eu-west-1 {HUB}]",
            "status": "pending-customer-action",
            "communications": [{"body": QUESTION, "by": "aws"}],
        }],
    }]})
    run = cli("status", "-r", "eu-west-1", "-o", "json")
    assert run.exit_code == 3, run
    [row] = [t for t in run.json["targets"] if t["channel"] == "sms"]
    assert (row["state"], row["last_message"]) == ("needs_reply", QUESTION)
    assert row["next_step"].startswith(f"`pinpoint-sandbox record {HUB}/eu-west-1/sms")
    assert cli("record", f"{HUB}/eu-west-1/sms", "--case-id", row["case_id"]).exit_code == 0
    reply = cli("reply", f"{HUB}/eu-west-1/sms", "--message", "Here is the form.")
    assert reply.exit_code == 0, reply


def test_scenario_timeline_lets_aws_answer_by_itself(simulator: Any) -> None:
    simulator({"name": "timeline", "accounts": [{"account_id": HUB, "support_plan": "business"}],
               "timeline": [
                   {"target": "us-east-1/sms", "action": "deny", "after_s": 0},
                   {"target": f"{HUB}/eu-west-1/sms", "action": "approve", "after_s": 3},
               ]})
    filed = cli("request", "sms", "--answers", SMS_ANSWERS, "-r", "eu-west-1,us-east-1", "--yes",
                "--output", "json")
    assert filed.exit_code == 0, filed
    first = cli("status", "-r", "eu-west-1,us-east-1", "-o", "json")
    states = {(t["region"], t["channel"]): t["state"] for t in first.json["targets"]}
    assert states[("us-east-1", "sms")] == "denied"
    assert states[("eu-west-1", "sms")] in ("open", "approved")  # approved 3 s after filing
    watched = cli("status", "-r", "eu-west-1", "--watch", "1", "-o", "json")
    assert watched.exit_code == 0, watched
    [row] = [t for t in watched.json["targets"] if t["channel"] == "sms"]
    assert row["state"] == "approved"


def test_a_bad_timeline_is_a_scenario_error(simulator: Any) -> None:
    from pinpoint_sandbox.simulator import ScenarioError

    with pytest.raises(ScenarioError, match="timeline"):
        simulator({"name": "bad", "accounts": [{"account_id": HUB}],
                   "timeline": [{"target": "eu-west-1", "action": "approve"}]})


@pytest.mark.parametrize("args", [
    ["--watch", "0"],
    ["--batch", "no-such-batch.yaml"],
    ["-r", "xx-nowhere-1"],
])
def test_bad_status_input_is_exit_2_before_any_call(simulator: Any, args: list[str]) -> None:
    sim = simulator("fresh-sandbox")
    run = cli("status", *args, "--output", "json")
    assert run.exit_code == 2, run
    assert run.json["regions"] == [] and run.json["error"]["exit_code"] == 2
    assert sim.requests == []


def test_basic_plan_next_step_is_to_paste_the_description_then_record(simulator: Any) -> None:
    simulator("fresh-sandbox")
    filed = cli("request", "sms", "--answers", SMS_ANSWERS, "-r", "eu-west-1", "--yes",
                "--output", "json")
    assert filed.results[0]["case_id"] is None  # AWS answers PENDING: no CaseId yet

    def sms_row() -> dict[str, Any]:
        run = cli("status", "-r", "eu-west-1", "-o", "json")
        assert run.exit_code == 0, run
        return next(t for t in run.json["targets"] if t["channel"] == "sms")

    row = sms_row()
    case_id = row["display_id"]  # the Support Center's number: all a Basic plan can see
    assert case_id and case_id.isdigit() and row["description"] == "to_paste"
    assert row["state"] == "open" and "Basic support plan" in row["note"]
    assert row["next_step"].startswith("paste the description saved in")
    assert f"record 111122223333/eu-west-1/sms --case-id {case_id}" in row["next_step"]
    assert cli("record", "111122223333/eu-west-1/sms", "--case-id", case_id).exit_code == 0
    assert sms_row()["next_step"].startswith("nothing: wait")


def test_simulator_advance_command_edits_the_saved_state(simulator: Any, tmp_path: Path) -> None:
    state = tmp_path / "world.json"
    sim = simulator(two_business_accounts(), state_file=state)
    assert cli("request", "sms", "--answers", SMS_ANSWERS, "-r", "eu-west-1", "--yes").exit_code \
        == 0
    sim.stop()
    asked = cli("simulator", "advance", "ask", "-r", "eu-west-1", "sms", "--message", QUESTION,
                "--state", state)
    assert asked.exit_code == 0, asked
    assert "asked a question" in asked.stderr
    unknown = cli("simulator", "advance", "deny", f"{HUB}/ap-south-1/sms", "--state", state)
    assert unknown.exit_code == 2 and "nothing was requested" in unknown.stderr
    simulator(state_file=state)  # the same world, served again
    run = cli("status", "-r", "eu-west-1", "-o", "json")
    [row] = [t for t in run.json["targets"] if t["channel"] == "sms"]
    assert (row["state"], row["last_message"]) == ("needs_reply", QUESTION)


@pytest.fixture
def restore_environ() -> Any:
    import os

    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def test_the_readme_walkthrough_with_simulate(restore_environ: None) -> None:
    base = ["--simulate=business-mixed"]
    filed = cli("request", "sms", "-a", SMS_ANSWERS, "-r", "eu-central-1", "--yes", *base)
    assert filed.exit_code == 0, filed
    assert cli("simulator", "advance", "ask", "-r", "eu-central-1", "sms", "--message",
               QUESTION).exit_code == 0
    asked = cli("status", "--simulate", "-o", "json")
    assert asked.exit_code == 3, asked
    rows = {(t["region"], t["channel"]): t for t in asked.json["targets"]}
    assert rows[("eu-central-1", "sms")]["last_message"] == QUESTION
    assert cli("reply", "-r", "eu-central-1", "sms", "--message", "On our site.",
               "--simulate").exit_code == 0
    assert cli("simulator", "advance", "approve", "-r", "eu-central-1", "sms").exit_code == 0
    watched = cli("status", "--simulate", "--watch", "5", "-o", "json")
    assert watched.exit_code == 0, watched


@pytest.mark.parametrize("order", ["oldest_first", "shuffled"])
def test_communications_in_any_order_and_small_pages(simulator: Any, order: str) -> None:
    # AWS documents neither the order nor the page size: every page is read, and the newest
    # by timeCreated is AWS's question, whatever its position.
    newest = "Second question: which countries will you send to?"
    sim = simulator({"name": "paged", "listings": {"communications_order": order,
                                                   "communications_page_size": 2},
                     "accounts": [{
        "account_id": HUB, "support_plan": "business", "production_access_quotas": False,
        "support_cases": [{
            "subject": f"SMS access [pinpoint-sandbox sms eu-west-1 {HUB}]",
            "status": "pending-customer-action", "days_ago": 5,
            "communications": [
                {"body": QUESTION, "by": "aws", "days_ago": 4},
                {"body": "Here is the form.", "by": "customer", "days_ago": 3},
                {"body": "Thanks, one more thing.", "by": "aws", "days_ago": 2},
                {"body": "Sure.", "by": "customer", "days_ago": 1.5},
                {"body": newest, "by": "aws", "days_ago": 1},
            ],
        }],
    }]})
    run = cli("status", "-r", "eu-west-1", "-o", "json")
    assert run.exit_code == 3, run
    [row] = [t for t in run.json["targets"] if t["channel"] == "sms"]
    assert (row["state"], row["last_message"]) == ("needs_reply", newest)
    pages = [r for r in sim.requests if r.operation == "DescribeCommunications"]
    assert len(pages) == 3  # six communications, two per page
    assert [bool(r.params.get("nextToken")) for r in pages] == [False, True, True]


def _answers_with_body(path: Path, target_chars: int) -> Path:
    """An answers file whose rendered SMS body for HUB/eu-west-1 is `target_chars` long."""
    from pinpoint_sandbox.core.targets import Target
    from pinpoint_sandbox.filing.render import render_case
    from pinpoint_sandbox.questionnaire.answer_model import validate_answers

    data = yaml.safe_load(SMS_ANSWERS.read_text())
    data.update(use_case_description="u" * 3000, regions=["eu-west-1"])
    data["message_templates"] = [*data["message_templates"], "Northwind: " + "t" * 1000]

    def size(opt_in: int) -> int:
        data["opt_in_process"] = "o" * opt_in
        path.write_text(yaml.safe_dump(data))
        answers = validate_answers("sms", data).model_dump(mode="json")
        return len(render_case(Target(HUB, "eu-west-1", "sms"), answers).description)

    base = size(1000)
    assert size(1000 + target_chars - base) == target_chars
    return path


@pytest.mark.parametrize("body_chars", [7_700, 7_820, 7_900, 7_990, 8_000])
def test_a_refile_near_the_limit_is_filed_within_it_or_refused_before_any_call(
    simulator: Any, tmp_path: Path, body_chars: int
) -> None:
    sim = simulator({"name": "near", "accounts": [
        {"account_id": HUB, "support_plan": "business", "production_access_quotas": False}]})
    args = ["-r", "eu-west-1", "--yes", "--output", "json"]
    assert cli("request", "sms", "--answers", SMS_ANSWERS, *args).exit_code == 0
    advance(sim.state, HUB, "eu-west-1", "sms", "deny", "Not approved.")
    assert cli("status", "-r", "eu-west-1").exit_code == 3
    before = len(sim.requests)
    answers = _answers_with_body(tmp_path / "long.yaml", body_chars)
    run = cli("request", "sms", "--refile", "--answers", answers, *args)
    bodies = [len(str(w.params["communicationBody"])) for w in sim.write_calls()]
    assert max(bodies) <= 8_000, bodies  # never a body AWS refuses
    if body_chars >= 7_990:  # no header fits: refused with the overflow named
        assert run.exit_code == 2, run
    elif body_chars <= 7_820:  # a header fits
        assert run.exit_code == 0, run
    if run.exit_code == 2:
        # Refused before any call but who-am-I (the target's account id).
        assert {r.operation for r in sim.requests[before:]} <= {"GetCallerIdentity"}
        assert "over the 8,000" in run.stdout and run.json["error"]["exit_code"] == 2
        assert body_chars > 7_800
    else:
        assert run.exit_code == 0, run
        assert run.actions() == {"eu-west-1": "filed"}
        assert len(bodies) == 2 and bodies[-1] > body_chars
        text = run.results[0]["description"]
        if body_chars <= 7_700:  # room for the changed answers' names, not their text
            # named by their questions' words: the reviewer never saw our keys
            assert ("Changed since then (new text below): Sample messages, exactly as "
                    "recipients will see them; ") in text
            assert "message_templates" not in text.split("\n\n", 1)[0]
        else:  # only for their count
            assert "3 answer(s) changed since then" in text
