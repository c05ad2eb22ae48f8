"""`request sms` / `request voice`: questionnaire → checks → render → preview → confirm → file."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pinpoint_sandbox.cli.backend_choice import BackendChoice, BackendOpt
from pinpoint_sandbox.cli.options import (
    AnswerSources,
    AwsTarget,
    ChannelChoice,
    FilingFlags,
    LangOpt,
    OutputOptions,
    bundled,
)

if TYPE_CHECKING:
    from pinpoint_sandbox.aws.session import AwsAccount
    from pinpoint_sandbox.core.targets import Channel, Result
    from pinpoint_sandbox.filing.plan import RunOptions
    from pinpoint_sandbox.questionnaire.answers import Answers

SaveAnswersOpt = Annotated[
    Path | None,
    typer.Option("--save-answers", help="Also write the final answers to this file.",
                 metavar="FILE"),
]
SendTestCallOpt = Annotated[
    str | None,
    typer.Option(
        "--send-test-call",
        help="Voice only: first send one real voice message to this verified +E164 number.",
        metavar="+E164",
    ),
]


@dataclass(frozen=True)
class RequestCommand:
    """One `request`, as parsed: what the library is called with."""

    channel: Channel
    where: AwsTarget
    given: AnswerSources
    filing: FilingFlags
    out: OutputOptions
    backend: str = BackendChoice.auto.value
    save_answers: Path | None = None
    send_test_call: str | None = None


@dataclass(frozen=True)
class _Checked:
    """The file options, checked before any question or call."""

    waived: list[str]
    templates: Path | None
    ledger: Path | None
    save_to: Path | None


def run_request(command: RequestCommand) -> int:
    """Ask (or read) the answers, run the checks, then review and file: the exit code."""
    from pinpoint_sandbox.aws.regions import parse_regions
    from pinpoint_sandbox.cli import common

    checked = _checked(command)
    regions = parse_regions(command.where.region or []) or None
    can_prompt = common.interactive(command.filing.no_input)
    sets = list(command.given.set_ or [])
    if can_prompt:  # before the other questions: the checks that need no answers
        stop, regions, sets = _regions_then_checks(command, regions, sets, checked.ledger)
        if stop is not None:
            return stop
    answers = _final_answers(command, regions, sets, checked.save_to, can_prompt=can_prompt)
    common.start_simulator(command.where.simulate)
    account = common.account_for(command.where.profile, command.where.role_arn)
    if command.send_test_call:
        _send_test_call(account, list(answers.regions), command, checked.ledger,
                        can_prompt=can_prompt)
    return _file(command, account, answers, checked, can_prompt=can_prompt)


def _checked(command: RequestCommand) -> _Checked:
    from pinpoint_sandbox.cli import common

    return _Checked(
        waived=checked_ignores(command.given.ignore),
        templates=common.validate_templates_dir(command.given.templates_dir),
        ledger=common.validate_file_option(command.out.ledger, "--ledger"),
        save_to=common.validate_output_file(command.save_answers, "--save-answers"),
    )


def _final_answers(command: RequestCommand, regions: list[str] | None, sets: list[str],
                   save_to: Path | None, *, can_prompt: bool) -> Answers:
    """Every answer source merged; in a terminal, the missing ones asked for."""
    from pinpoint_sandbox.aws.regions import require_one_partition
    from pinpoint_sandbox.cli import common
    from pinpoint_sandbox.cli.prompts import ask_missing
    from pinpoint_sandbox.questionnaire.answers import resolve_answers

    say = _stderr_line()
    # Saved answers are used only as the prompts' prefill, or when asked for (`--answers last`).
    validated = resolve_answers(
        command.channel,
        answers_file=command.given.answers,
        sets=sets,
        regions=regions,
        ask=ask_missing if can_prompt else None,
        save_to=save_to,
        preselect_regions=regions or common.default_regions(command.where.profile),
        note=say,
    )
    require_one_partition(validated.regions, "regions: ")  # before any call, test call included
    if save_to is not None:
        say(f"Answers saved to {save_to}.")
    return validated


def _file(command: RequestCommand, account: AwsAccount, answers: Answers, checked: _Checked,
          *, can_prompt: bool) -> int:
    """The library's run (content review, preview, validation, confirmation, filing); then
    the results."""
    from pinpoint_sandbox.cli.output import RichReporter, print_results
    from pinpoint_sandbox.filing.plan import Request, run

    request = Request(command.channel, account, list(answers.regions), answers, command.backend)
    options = run_options(command.filing, checked.ledger, templates=checked.templates,
                          waived=checked.waived)
    report = run([request], options,
                 RichReporter(json_output=command.out.json, can_prompt=can_prompt))
    print_results(report.results, json_output=command.out.json)
    if options.dry_run and not command.out.json:
        dry_run_end(report.results)
    return report.exit_code


def run_options(filing: FilingFlags, ledger: Path | None, *, templates: Path | None,
                waived: list[str], destinations: bool = True) -> RunOptions:
    """The library's options of a filing run, from the command line's."""
    from pinpoint_sandbox.filing.plan import RunOptions

    return RunOptions(dry_run=filing.dry_run, yes=filing.yes, templates_dir=templates,
                      quota_code=filing.quota_code, ledger=ledger,
                      wait_for_case_limit=filing.wait, refile=filing.refile,
                      destinations=destinations, waived_rules=waived)


def _regions_then_checks(
    command: RequestCommand, regions: list[str] | None, sets: list[str], ledger: Path | None,
) -> tuple[int | None, list[str] | None, list[str]]:
    """In a terminal: the regions first (unless given), then `_check_first` on them.
    Returns (exit code to stop with, or None; the regions; the --set values)."""
    from pinpoint_sandbox.cli import common

    where = command.where
    if (not regions and command.given.answers is None
            and not any(s.startswith("regions=") for s in sets)):
        from pinpoint_sandbox.cli.prompts import ask_regions

        common.start_simulator(where.simulate)  # no call yet; it may set the default region
        regions = ask_regions(command.channel, common.default_regions(where.profile)) or None
    if not regions:
        return None, regions, sets
    common.start_simulator(where.simulate)
    account = common.account_for(where.profile, where.role_arn)
    stop, attested = _check_first(command, regions, account, ledger)
    return stop, regions, [*sets, *attested]


def _check_first(command: RequestCommand, regions: list[str], account: AwsAccount,
                 ledger: Path | None) -> tuple[int | None, list[str]]:
    """The answer-free checks, before the questionnaire: (exit code to stop with, or None to
    go on; --set values the user's answers here add). Settled regions are named first."""
    from pinpoint_sandbox.checks.early import describe, early_checks
    from pinpoint_sandbox.cli.output import print_results
    from pinpoint_sandbox.core.paths import ledger_path
    from pinpoint_sandbox.filing.plan import exit_code_for

    say = _stderr_line()
    early = early_checks(account, command.channel, regions, ledger or ledger_path())
    for plan in early.settled:
        say(describe(plan))
    attest = early.only_voice_evidence_missing
    if attest and not command.send_test_call:
        where = ", ".join(p.target.region for p in attest)
        if _confirm(f"Did you send a voice message from this account in {where} yourself "
                    "(AWS's records can lag)? Answer no to stop here"):
            return None, ["voice_message_sent=true"]
    elif attest:
        return None, []  # --send-test-call sends it after the questions
    if early.open_regions:
        if early.settled:
            say(f"The questions below are for: {', '.join(early.open_regions)}.")
        return None, []
    results = early.results()
    print_results(results, json_output=command.out.json)
    how = (" Send one first (`--send-test-call +E164` sends one for you), then rerun."
           if attest else "")
    say(f"Nothing to file in {', '.join(regions)}: no question asked, nothing filed.{how}")
    return int(exit_code_for(results)), []


def dry_run_end(results: Sequence[Result]) -> None:
    """A dry run ends by saying that nothing was filed, and how to file."""
    from pinpoint_sandbox.cli.output import stderr_console

    ready = sum(r.action == "previewed" for r in results)
    how = (f"to file {ready} request(s), run the same command without --dry-run (add --yes "
           "to skip the confirmation)." if ready else "no target would be filed either.")
    stderr_console().print(f"Dry run: nothing was filed; {how}", markup=False)


def checked_ignores(ignore: list[str] | None) -> list[str]:
    """--ignore rule ids, checked before any question or call (a typo is exit 2)."""
    from pinpoint_sandbox.review.lint import check_rule_ids

    return check_rule_ids(ignore or [])


def _send_test_call(account: AwsAccount, regions: list[str], command: RequestCommand,
                    ledger: Path | None, *, can_prompt: bool) -> None:
    """The CLI side of `--send-test-call`: the policy is `voice_call.ensure_voice_evidence`."""
    from pinpoint_sandbox.checks.voice_call import ensure_voice_evidence
    from pinpoint_sandbox.core.paths import ledger_path

    assert command.send_test_call is not None
    ensure_voice_evidence(
        account, regions, command.send_test_call, ledger=ledger or ledger_path(),
        confirm=_confirm if can_prompt else None, yes=command.filing.yes,
        dry_run=command.filing.dry_run, say=_stderr_line(),
    )


def _stderr_line() -> Callable[[str], None]:
    from pinpoint_sandbox.cli.output import RichReporter

    return RichReporter(json_output=True, can_prompt=False).message


def _confirm(question: str) -> bool:
    from pinpoint_sandbox.cli.prompts import confirm

    return confirm(question)


@bundled
def request(
    channel: Annotated[ChannelChoice, typer.Argument(help="sms or voice.")],
    *,
    where: AwsTarget,
    given: AnswerSources,
    backend: BackendOpt = BackendChoice.auto,
    filing: FilingFlags,
    out: OutputOptions,
    save_answers: SaveAnswersOpt = None,
    send_test_call: SendTestCallOpt = None,
    lang: LangOpt = None,
) -> None:
    """Request SMS/MMS or Voice production access: one case per region, never two."""
    from pinpoint_sandbox.core.errors import ExitCode, UsageError
    from pinpoint_sandbox.questionnaire.i18n import set_language

    set_language(lang)
    if send_test_call and channel != ChannelChoice.voice:
        raise UsageError("--send-test-call is for `request voice` only.")
    code = run_request(RequestCommand(
        channel.value, where, given, filing, out, backend=backend.value,
        save_answers=save_answers, send_test_call=send_test_call,
    ))
    if code != ExitCode.OK:
        raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("request")(request)
