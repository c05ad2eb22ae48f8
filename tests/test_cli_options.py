"""Options as data (cli/options.py) and a thin CLI: a bundle is one dataclass, expanded into
Typer options by one decorator; the library, not the CLI, runs the content review."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from helpers import SMS_ANSWERS, account, cli, scenario
from pinpoint_sandbox.cli.options import (
    AwsTarget,
    OrganizationOptions,
    OutputFormat,
    OutputOptions,
    bundled,
    flag_of,
)
from pinpoint_sandbox.core.errors import UsageError
from pinpoint_sandbox.filing.plan import SilentReporter


def _app(command: Any) -> typer.Typer:
    app = typer.Typer()
    app.command()(command)
    app.command("other")(lambda: None)  # two commands: the test names the one it runs
    return app


def test_a_bundle_arrives_as_one_dataclass_of_the_parsed_options() -> None:
    seen: list[tuple[str, OrganizationOptions, OutputOptions]] = []

    @bundled
    def show(name: str, *, org: OrganizationOptions, out: OutputOptions) -> None:
        seen.append((name, org, out))

    result = CliRunner().invoke(_app(show), [
        "show", "x", "--organization", "--ou", "ou-ab12-cdef3456", "--ou", "r-ab12",
        "--session-duration", "1800", "--max-concurrency", "8", "-o", "json",
    ])
    assert result.exit_code == 0, result.output
    [(name, org, out)] = seen
    assert name == "x"
    assert org == OrganizationOptions(organization=True, ou=["ou-ab12-cdef3456", "r-ab12"],
                                      session_duration=1800, max_concurrency=8)
    assert out == OutputOptions(output=OutputFormat.json) and out.json


def test_every_field_of_a_bundle_is_an_option_in_its_panel() -> None:
    @bundled
    def show(*, where: AwsTarget, org: OrganizationOptions) -> None:
        pass

    import typer.main

    command = typer.main.get_command(_app(show)).commands["show"]  # type: ignore[attr-defined]
    panels = {p.name: p.rich_help_panel for p in command.params}
    fields = [f.name for f in (*dataclasses.fields(AwsTarget),
                               *dataclasses.fields(OrganizationOptions))]
    assert list(panels) == fields  # the bundles' order, one parameter per field
    assert {panels[f.name] for f in dataclasses.fields(OrganizationOptions)} == {"Organization"}
    assert {panels[f.name] for f in dataclasses.fields(AwsTarget)} == {"Where (AWS)"}


def test_an_option_that_shadows_a_parameter_is_refused() -> None:
    def clash(region: str, *, where: AwsTarget) -> None:
        pass

    with pytest.raises(TypeError, match="shadows"):
        bundled(clash)


def test_narrowing_an_organization_needs_organization_and_names_the_flag() -> None:
    assert flag_of(OrganizationOptions, "session_duration") == "--session-duration"
    with pytest.raises(UsageError, match=r"^--session-duration only applies with --organiz"):
        OrganizationOptions(session_duration=900).selection()
    assert OrganizationOptions().selection() is None
    chosen = OrganizationOptions(organization=True, exclude=["111122223333"]).selection()
    assert chosen is not None and chosen.exclude == ("111122223333",)


# ------------------------------------------------------------------ the review, in the library


class Recording(SilentReporter):
    """A filing Reporter that keeps what the content review showed."""

    def __init__(self) -> None:
        self.reviews: list[tuple[str, list[str], list[str]]] = []

    def countdown(self, seconds: float, why: str) -> None:
        pass  # never waits

    def review(self, label: str, findings: Sequence[Any], waived: Sequence[str]) -> None:
        self.reviews.append((label, [f.rule for f in findings], list(waived)))


def _skeleton_answers(tmp_path: Path) -> Any:
    from pinpoint_sandbox.questionnaire.answers import load_answers_file, validate_answers

    skeleton = tmp_path / "skeleton.yaml"
    assert cli("init", "sms", skeleton).exit_code == 0
    return validate_answers("sms", {**load_answers_file(skeleton), "regions": ["eu-west-1"]})


def test_a_library_caller_files_reviewed_content(simulator: Any, tmp_path: Path) -> None:
    """`run` reviews each answers set once (a shared one once), with the waivers, before any
    call; the CLI only prints what the reporter is given."""
    from pinpoint_sandbox.aws.session import AwsAccount
    from pinpoint_sandbox.filing.plan import Request, RunOptions, run
    from pinpoint_sandbox.review.lint import lint_answers

    simulator(scenario([account(plan="business")]))
    answers = _skeleton_answers(tmp_path)
    expected = [f.rule for f in lint_answers("sms", answers.model_dump(mode="json"))]
    assert "error" in {f.level for f in lint_answers("sms", answers.model_dump(mode="json"))}
    shared = [Request("sms", AwsAccount(), ["eu-west-1"], answers),
              Request("sms", AwsAccount(), ["eu-west-2"], answers, review_label="again")]
    reporter = Recording()
    run(shared, RunOptions(dry_run=True), reporter)
    assert reporter.reviews == [("the sms answers", expected, [])]
    waived = Recording()
    run(shared[:1], RunOptions(dry_run=True, waived_rules=[expected[0]]), waived)
    [(_, rules, waivers)] = waived.reviews
    assert waivers == [expected[0]] and expected[0] not in rules


def test_an_unknown_waiver_stops_the_library_before_any_call(
    simulator: Any, tmp_path: Path
) -> None:
    from pinpoint_sandbox.aws.session import AwsAccount
    from pinpoint_sandbox.filing.plan import Request, RunOptions, run

    sim = simulator(scenario([account(plan="business")]))
    answers = _skeleton_answers(tmp_path)
    with pytest.raises(UsageError, match=r"review\.ignore"):
        run([Request("sms", AwsAccount(), ["eu-west-1"], answers)],
            RunOptions(dry_run=True, waived_rules=["no-such-rule"]))
    assert sim.requests == []  # not one AWS call, reads included


def test_the_cli_prints_the_librarys_review(simulator: Any) -> None:
    simulator("fresh-sandbox")
    run = cli("request", "sms", "--answers", SMS_ANSWERS, "-r", "eu-west-1", "--dry-run",
              "--ignore", "opt-in-help")
    assert run.exit_code == 0, run
    assert run.stderr.count("Content review of the sms answers:") == 1
    assert "opt-in-help" in run.stderr
