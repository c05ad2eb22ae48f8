"""The backend contract: every registered backend, plus a toy one this test registers, goes
through the same filing, reconciling and rate-limit cases, through the real CLI and plan, and
is then tracked (`status`), replied to (`reply`) and refiled (`request --refile`) over the CLI.

A new backend gets these tests by being registered: no test edit needed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from helpers import REPO, SMS_ANSWERS, Run, account, cli, scenario
from pinpoint_sandbox.aws import session as aws
from pinpoint_sandbox.aws.session import SUPPORT, SUPPORT_REGION, AwsAccount
from pinpoint_sandbox.aws.support_reads import FALLBACK_ISSUE_TYPE, case_codes, open_case_for
from pinpoint_sandbox.backends import registry
from pinpoint_sandbox.backends.base import (
    Backend,
    Existing,
    Filed,
    FilingContext,
    RateLimited,
    Throttled,
    classify_write_error,
)

# The CLI's `--backend` choices are fixed when it loads: load it before the toy is registered.
from pinpoint_sandbox.cli.backend_choice import BackendChoice
from pinpoint_sandbox.core.paths import ledger_path
from pinpoint_sandbox.core.targets import RenderedCase, Target
from pinpoint_sandbox.filing.plan import Request, RunOptions, RunReport, run
from pinpoint_sandbox.ledger.store import Ledger
from pinpoint_sandbox.questionnaire.answers import load_answers_file, validate_answers
from pinpoint_sandbox.simulator.lifecycle import advance

ACCOUNT = "111122223333"
REGION = "eu-west-1"
KEY = f"{ACCOUNT}/{REGION}/sms"


class ToyBackend(Backend):
    """Files a Support case its own way, built on the shared AWS reads; declares nothing but
    a name, `find_existing` and `file` (no `refresh`). What a new backend's module looks like."""

    name = "toy"
    summary = "a backend the contract test registers"
    chosen_because = "toy can file"

    def find_existing(self, ctx: FilingContext) -> Existing | None:
        found = open_case_for(ctx.account, ctx.target, refresh=ctx.fresh_reads)
        return Existing(self.name, case_id=found.get("caseId"),
                        status=found.get("status")) if found else None

    def file(self, ctx: FilingContext, case: RenderedCase) -> Filed:
        codes = case_codes(ctx.account, ctx.target.channel)
        client = ctx.account.write_client(SUPPORT, SUPPORT_REGION)
        try:
            answer = client.create_case(
                subject=case.subject, communicationBody=case.description,
                serviceCode=codes.service_code, categoryCode=codes.category_code,
                severityCode="low", issueType=FALLBACK_ISSUE_TYPE, language="en")
        except aws.AWS_ERRORS as exc:
            raise classify_write_error(exc, "CreateCase") from exc
        return Filed("filed", case_id=answer["caseId"])


@pytest.fixture(autouse=True)
def toy_registered() -> Iterator[None]:
    registry.register(ToyBackend())
    yield
    registry.unregister(ToyBackend.name)


BACKENDS = [*registry.names(), ToyBackend.name]


def writes(sim: Any) -> int:
    """Write calls that create something."""
    created = [w for w in sim.write_calls() if w.operation != "AddCommunicationToCase"
               and w.error_code is None]
    return len(created)


class Outcome:
    """A library run's report, read like the CLI's JSON."""

    def __init__(self, report: RunReport) -> None:
        self.exit_code = report.exit_code
        self.results = [r.to_json() for r in report.results]

    def actions(self) -> dict[str, str]:
        return {r["region"]: r["action"] for r in self.results}

    def __repr__(self) -> str:
        return f"Outcome({self.exit_code}, {self.results})"


def request(name: str, *regions: str) -> Outcome:
    """`request sms --backend NAME --yes` through the library (the CLI's choices are fixed when
    it loads; a backend registered later is reachable through the library)."""
    answers = validate_answers("sms", {**load_answers_file(SMS_ANSWERS), "regions": regions})
    return Outcome(run([Request("sms", AwsAccount(), list(regions), answers, name)],
                       RunOptions(yes=True)))


def start(simulator: Any) -> Any:
    return simulator(scenario([account(plan="business", quotas=True)]))


def replace(monkeypatch: pytest.MonkeyPatch, name: str, **methods: Any) -> None:
    """Swap in a subclass of the registered backend with some methods overridden."""
    original = registry.get(name)
    patched = type(f"Patched{type(original).__name__}", (type(original),), methods)()
    monkeypatch.setattr(registry, "_registered", {**registry._registered, name: patched})


@pytest.mark.parametrize("name", BACKENDS)
def test_files_once_and_a_rerun_files_nothing(simulator: Any, name: str) -> None:
    sim = start(simulator)
    first = request(name, "eu-west-1")
    assert first.exit_code == 0, first
    assert first.actions() == {"eu-west-1": "filed"} and first.results[0]["backend"] == name
    entry = Ledger(ledger_path()).entry(Target(ACCOUNT, "eu-west-1", "sms"))
    assert entry is not None and entry.done and entry.backend == name
    assert entry.kind == registry.get(name).kind  # what the backend said it files
    count = writes(sim)
    assert count == (1 if registry.get(name).writes_to_aws else 0)
    again = request(name, "eu-west-1")
    assert again.exit_code == 0, again
    assert again.actions() == {"eu-west-1": "skipped"}
    assert writes(sim) == count


@pytest.mark.parametrize("name", BACKENDS)
def test_an_interrupted_write_is_reconciled_not_repeated(simulator: Any, name: str) -> None:
    sim = start(simulator)
    assert request(name, "eu-west-1").exit_code == 0
    target = Target(ACCOUNT, "eu-west-1", "sms")
    Ledger(ledger_path()).record_intent(target, name, "subject")  # the answer never came
    count = writes(sim)
    again = request(name, "eu-west-1")
    assert again.exit_code == 0, again
    assert writes(sim) == count  # found at AWS (or nothing reached AWS): no second write
    entry = Ledger(ledger_path()).entry(target)
    assert entry is not None and entry.done


@pytest.mark.parametrize("name", BACKENDS)
def test_a_crash_before_the_write_files_once_on_the_rerun(simulator: Any, name: str) -> None:
    sim = start(simulator)
    target = Target(ACCOUNT, "eu-west-1", "sms")
    Ledger(ledger_path()).record_intent(target, name, "subject")  # crashed before the call
    run = request(name, "eu-west-1")
    assert run.exit_code == 0, run
    assert run.actions() == {"eu-west-1": "filed"}
    assert writes(sim) == (1 if registry.get(name).writes_to_aws else 0)


@pytest.mark.parametrize("name", BACKENDS)
def test_its_own_rate_limit_stops_resumably_without_a_write(
    simulator: Any, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    sim = start(simulator)
    replace(monkeypatch, name, slot_wait=lambda self, ctx, ledger: 3600.0)
    run = request(name, "eu-west-1", "us-west-2")
    assert run.exit_code == 4, run
    assert {r["action"] for r in run.results} == {"failed"}
    assert all("rerun after" in r["reason"] for r in run.results)
    assert writes(sim) == 0
    assert Ledger(ledger_path()).lines() == []


@pytest.mark.parametrize("name", BACKENDS)
def test_rate_limited_by_aws_stops_that_account_resumably(
    simulator: Any, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    calls: list[Target] = []

    def limited(self: Backend, ctx: FilingContext, case: RenderedCase) -> Filed:
        calls.append(ctx.target)
        raise RateLimited("limit reached", retry_after=600.0)

    start(simulator)
    replace(monkeypatch, name, file=limited)
    run = request(name, "eu-west-1", "us-west-2")
    assert run.exit_code == 4, run
    assert len(calls) == 1  # the second target is not tried against a known limit
    assert all("rerun after" in r["reason"] for r in run.results)
    outcomes = [x["status"] for x in Ledger(ledger_path()).lines() if x["type"] == "outcome"]
    assert outcomes == ["refused"]


@pytest.mark.parametrize("name", BACKENDS)
def test_a_throttled_write_is_retried_then_filed(
    simulator: Any, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    original = type(registry.get(name))
    attempts: list[int] = []

    def throttled_once(self: Backend, ctx: FilingContext, case: RenderedCase) -> Filed:
        attempts.append(1)
        if len(attempts) == 1:
            raise Throttled("slow down", retry_after=0.01)
        return original.file(self, ctx, case)

    start(simulator)
    replace(monkeypatch, name, file=throttled_once)
    run = request(name, "eu-west-1")
    assert run.exit_code == 0, run
    assert run.actions() == {"eu-west-1": "filed"} and len(attempts) == 2
    outcomes = [x["status"] for x in Ledger(ledger_path()).lines() if x["type"] == "outcome"]
    assert outcomes[0] == "refused" and outcomes[1] in ("filed", "awaiting_user")


def test_the_registry_feeds_the_cli_batch_and_iam_policy() -> None:
    from pinpoint_sandbox.filing.batchfile import BatchRequest
    from pinpoint_sandbox.filing.iam_policy import build_policy

    assert BatchRequest.model_validate({"channel": "sms", "backend": "support"}).backend
    assert build_policy("toy", False)["Statement"][0]["Sid"] == "PinpointSandboxPreflight"
    assert registry.choices()[0] == "auto" and "toy" in registry.choices()


def test_every_builtin_backend_is_a_cli_choice() -> None:
    builtin = [name for name in registry.names() if name != ToyBackend.name]
    assert [c.value for c in BackendChoice] == [registry.AUTO, *builtin]


def test_the_readme_lists_every_registered_backend() -> None:
    readme = (REPO / "README.md").read_text()
    [section] = re.findall(r"\nBackends:\n(.*?)\n\n", readme, re.S)
    listed = re.findall(r"^- `([a-z-]+)`", section, re.M)
    builtin = [name for name in registry.names() if name != ToyBackend.name]
    assert sorted(listed) == sorted([registry.AUTO, *builtin])


def test_existing_for_needs_only_the_account_and_target(simulator: Any) -> None:
    from pinpoint_sandbox.checks.existing import existing_for

    tag = f"[pinpoint-sandbox sms us-west-2 {ACCOUNT}]"
    simulator(scenario([account(
        plan="business", support_cases=[{"subject": f"Earlier {tag}"}],
        regions={"eu-west-1": {"quota_requests": [{"quota": "sms"}]}},
    )]))
    quota = existing_for(AwsAccount(), Target(ACCOUNT, "eu-west-1", "sms"))
    assert quota is not None and quota.source == "service-quotas" and quota.request_id
    case = existing_for(AwsAccount(), Target(ACCOUNT, "us-west-2", "sms"))
    assert case is not None and case.source == "support" and case.case_id
    assert existing_for(AwsAccount(), Target(ACCOUNT, "us-east-1", "sms")) is None


def file_over_the_cli(name: str, *extra: str) -> Run:
    """`request sms` for REGION with backend `name`. A backend registered after the CLI
    loaded is not among `--backend`'s choices: it is put first, and `auto` picks it."""
    if name in [choice.value for choice in BackendChoice]:
        chosen = ["--backend", name]
    else:
        if registry.names()[0] != name:
            registry.register(registry.get(name), before=registry.names()[0])
        chosen = []
    return cli("request", "sms", "--answers", str(SMS_ANSWERS), "-r", REGION, *chosen, *extra,
               "--yes", "--output", "json")


def tracked(sim: Any) -> tuple[int, dict[str, Any]]:
    """`status` for REGION: its exit code and the SMS target's row."""
    run = cli("status", "-r", REGION, "--output", "json")
    assert run.exit_code in (0, 3), run  # exits normally: nothing to do, or the user's turn
    [row] = [t for t in run.json["targets"] if t["channel"] == "sms"]
    return run.exit_code, row


def filed_by_hand(sim: Any, name: str) -> None:
    """A backend without an AWS write leaves the case to the user: file it in the "console"
    and `record` it, as its next step says."""
    if registry.get(name).writes_to_aws:
        return
    case = sim.state.add_case(ACCOUNT, subject=f"SMS production access {REGION}", body="by hand",
                              service_code="service-limit-increase",
                              category_code="service-code-pinpoint-sms", origin="console")
    recorded = cli("record", KEY, "--case-id", case["caseId"])
    assert recorded.exit_code == 0, recorded


@pytest.mark.parametrize("name", BACKENDS)
def test_files_then_status_tracks_it_reply_answers_and_refile_files_anew(
    simulator: Any, name: str
) -> None:
    sim = start(simulator)
    first = file_over_the_cli(name)
    assert first.exit_code == 0, first
    assert first.actions() == {REGION: "filed"} and first.results[0]["backend"] == name
    filed_by_hand(sim, name)

    code, row = tracked(sim)  # TRACKS
    assert (code, row["state"], row["backend"]) == (0, "open", name), row
    assert row["case_id"] or row["request_id"] or row["display_id"]

    advance(sim.state, ACCOUNT, REGION, "sms", "ask", "Where is your opt-in form?")
    code, row = tracked(sim)
    assert (code, row["state"]) == (3, "needs_reply"), row
    assert row["last_message"] == "Where is your opt-in form?"
    before = len(sim.write_calls())
    replied = cli("reply", KEY, "--message", "On our website.")  # REPLIES
    assert replied.exit_code == 0, replied
    sent = sim.write_calls()[before:]
    assert [w.operation for w in sent] == ["AddCommunicationToCase"], sent
    assert sent[0].params["communicationBody"] == "On our website."

    advance(sim.state, ACCOUNT, REGION, "sms", "deny", "Not approved: no opt-in details.")
    code, row = tracked(sim)
    assert (code, row["state"]) == (3, "denied"), row
    refiled = file_over_the_cli(name, "--refile")  # REFILES
    assert refiled.exit_code == 0, refiled
    assert refiled.actions() == {REGION: "filed"}, refiled
    assert refiled.results[0]["backend"] == name
    assert "follows case" in refiled.results[0]["description"]
    again = file_over_the_cli(name, "--refile")  # never a second open request
    assert again.actions() == {REGION: "skipped"}, again
