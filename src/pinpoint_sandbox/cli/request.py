"""`request sms` / `request voice`: questionnaire → checks → render → preview → confirm → file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pinpoint_sandbox.aws.regions import require_one_partition
from pinpoint_sandbox.checks.voice_call import ensure_voice_evidence
from pinpoint_sandbox.cli import common
from pinpoint_sandbox.cli.output import RichReporter, print_results
from pinpoint_sandbox.core.errors import ExitCode
from pinpoint_sandbox.core.paths import ledger_path
from pinpoint_sandbox.core.targets import Channel
from pinpoint_sandbox.filing.plan import Request, RunOptions, run
from pinpoint_sandbox.questionnaire.answers import Answers
from pinpoint_sandbox.review.lint import check_rule_ids, lint_answers, waived_rules

if TYPE_CHECKING:
    from pinpoint_sandbox.aws.session import AwsAccount

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


def run_request(
    channel: Channel,
    *,
    region: list[str] | None,
    profile: str | None,
    answers: Path | None,
    role_arn: str | None = None,
    set_: list[str] | None,
    backend: common.BackendChoice,
    dry_run: bool,
    yes: bool,
    no_input: bool,
    output: common.OutputFormat,
    simulate: str | None,
    templates_dir: Path | None,
    quota_code: str | None,
    ledger: Path | None,
    save_answers: Path | None,
    wait: bool,
    send_test_call: str | None = None,
    refile: bool = False,
    ignore: list[str] | None = None,
) -> int:
    from pinpoint_sandbox.aws.regions import parse_regions
    from pinpoint_sandbox.cli.prompts import ask_missing
    from pinpoint_sandbox.questionnaire.answers import resolve_answers

    flag_waivers = checked_ignores(ignore)
    templates = common.validate_templates_dir(templates_dir)
    ledger = common.validate_file_option(ledger, "--ledger")
    save_answers = common.validate_output_file(save_answers, "--save-answers")
    regions = parse_regions(region or []) or None
    can_prompt = common.interactive(no_input)
    say = RichReporter(json_output=True, can_prompt=False).message  # stderr
    if can_prompt:  # before the other questions: the checks that need no answers
        stop, regions, set_ = _regions_then_checks(
            channel, regions, answers, set_ or [], profile, role_arn, simulate, ledger,
            send_test_call, output)
        if stop is not None:
            return stop
    # Saved answers are used only as the prompts' prefill, or when asked for (`--answers last`).
    validated = resolve_answers(
        channel,
        answers_file=answers,
        sets=set_ or [],
        regions=regions,
        ask=ask_missing if can_prompt else None,
        save_to=save_answers,
        preselect_regions=regions or common.default_regions(profile),
        note=say,
    )
    require_one_partition(validated.regions, "regions: ")  # before any call, test call included
    if save_answers is not None:
        say(f"Answers saved to {save_answers}.")
    common.start_simulator(simulate)
    account = common.account_for(profile, role_arn)
    if send_test_call:
        _send_test_call(account, list(validated.regions), send_test_call, yes=yes,
                        can_prompt=can_prompt, dry_run=dry_run, ledger=ledger)
    options = RunOptions(dry_run=dry_run, yes=yes, templates_dir=templates,
                         quota_code=quota_code, ledger=ledger, wait_for_case_limit=wait,
                         refile=refile)
    request = Request(channel, account, list(validated.regions), validated, backend.value)
    return _review_and_file(request, validated, options, flag_waivers,
                            json_output=output == common.OutputFormat.json, can_prompt=can_prompt)


def _regions_then_checks(
    channel: Channel, regions: list[str] | None, answers: Path | None, sets: list[str],
    profile: str | None, role_arn: str | None, simulate: str | None, ledger: Path | None,
    send_test_call: str | None, output: common.OutputFormat,
) -> tuple[int | None, list[str] | None, list[str]]:
    """In a terminal: the regions first (unless given), then `_check_first` on them.
    Returns (exit code to stop with, or None; the regions; the --set values)."""
    if not regions and answers is None and not any(s.startswith("regions=") for s in sets):
        from pinpoint_sandbox.cli.prompts import ask_regions

        common.start_simulator(simulate)  # no call yet; it may set the default region
        regions = ask_regions(channel, common.default_regions(profile)) or None
    if not regions:
        return None, regions, sets
    common.start_simulator(simulate)
    stop, attested = _check_first(channel, regions, common.account_for(profile, role_arn),
                                  ledger, send_test_call, output)
    return stop, regions, [*sets, *attested]


def _check_first(channel: Channel, regions: list[str], account: AwsAccount,
                 ledger: Path | None, send_test_call: str | None,
                 output: common.OutputFormat) -> tuple[int | None, list[str]]:
    """The answer-free checks, before the questionnaire: (exit code to stop with, or None to
    go on; --set values the user's answers here add). Settled regions are named first."""
    from pinpoint_sandbox.checks.early import describe, early_checks
    from pinpoint_sandbox.filing.plan import exit_code_for

    say = RichReporter(json_output=True, can_prompt=False).message  # stderr
    early = early_checks(account, channel, regions, ledger or ledger_path())
    for plan in early.settled:
        say(describe(plan))
    attest = early.only_voice_evidence_missing
    if attest and not send_test_call:
        where = ", ".join(p.target.region for p in attest)
        if _confirm(f"Did you send a voice message from this account in {where} yourself "
                    "(AWS's records can lag)? Answer no to stop here"):
            attest_sets = ["voice_message_sent=true"]
            return None, attest_sets
    elif attest:
        return None, []  # --send-test-call sends it after the questions
    if early.open_regions:
        if early.settled:
            say(f"The questions below are for: {', '.join(early.open_regions)}.")
        return None, []
    results = early.results()
    print_results(results, json_output=output == common.OutputFormat.json)
    how = (" Send one first (`--send-test-call +E164` sends one for you), then rerun."
           if attest else "")
    say(f"Nothing to file in {', '.join(regions)}: no question asked, nothing filed.{how}")
    return int(exit_code_for(results)), []


def _review_and_file(request: Request, answers: Answers, options: RunOptions,
                     flag_waivers: list[str], *, json_output: bool, can_prompt: bool) -> int:
    """The content review, then the plan (preview, validation, confirmation, filing)."""
    reporter = RichReporter(json_output=json_output, can_prompt=can_prompt)
    review_answers(reporter, f"the {request.channel} answers", request.channel,
                   answers.model_dump(mode="json"), flag_waivers)
    report = run([request], options, reporter)
    print_results(report.results, json_output=json_output)
    if options.dry_run and not json_output:
        dry_run_end(report.results)
    return report.exit_code


def dry_run_end(results: Sequence[Any]) -> None:
    """A dry run ends by saying that nothing was filed, and how to file."""
    from pinpoint_sandbox.cli.output import stderr_console

    ready = sum(r.action == "previewed" for r in results)
    how = (f"to file {ready} request(s), run the same command without --dry-run (add --yes "
           "to skip the confirmation)." if ready else "no target would be filed either.")
    stderr_console().print(f"Dry run: nothing was filed; {how}", markup=False)


def checked_ignores(ignore: list[str] | None) -> list[str]:
    """--ignore rule ids, checked before any question or call (a typo is exit 2)."""
    return check_rule_ids(ignore or [])


def review_answers(reporter: RichReporter, label: str, channel: str, data: dict[str, Any],
                   flag_waivers: list[str]) -> None:
    """The content review in the preview, with --ignore and the file's `review.ignore`."""
    waived = check_rule_ids([*flag_waivers, *waived_rules(data)], f"{label}: review.ignore")
    reporter.review(label, lint_answers(channel, data, ignore=waived), waived)


def _send_test_call(account: AwsAccount, regions: list[str], number: str, *, yes: bool,
                    can_prompt: bool, dry_run: bool, ledger: Path | None) -> None:
    """The CLI side of `--send-test-call`: the policy is `voice_call.ensure_voice_evidence`."""
    ensure_voice_evidence(
        account, regions, number, ledger=ledger or ledger_path(),
        confirm=_confirm if can_prompt else None, yes=yes, dry_run=dry_run,
        say=RichReporter(json_output=True, can_prompt=False).message,
    )


def _confirm(question: str) -> bool:
    from pinpoint_sandbox.cli.prompts import confirm

    return confirm(question)


def request(
    channel: Annotated[common.ChannelChoice, typer.Argument(help="sms or voice.")],
    region: common.RegionOpt = None,
    profile: common.ProfileOpt = None,
    role_arn: common.RoleArnOpt = None,
    answers: common.AnswersOpt = None,
    set_: common.SetOpt = None,
    backend: common.BackendOpt = common.BackendChoice.auto,
    dry_run: common.DryRunOpt = False,
    yes: common.YesOpt = False,
    no_input: common.NoInputOpt = False,
    output: common.OutputOpt = common.OutputFormat.text,
    simulate: common.SimulateOpt = None,
    templates_dir: common.TemplatesDirOpt = None,
    quota_code: common.QuotaCodeOpt = None,
    ledger: common.LedgerOpt = None,
    save_answers: SaveAnswersOpt = None,
    wait: common.WaitOpt = False,
    send_test_call: SendTestCallOpt = None,
    refile: common.RefileOpt = False,
    ignore: common.IgnoreOpt = None,
    lang: common.LangOpt = None,
) -> None:
    """Request SMS/MMS or Voice production access: one case per region, never two."""
    from pinpoint_sandbox.core.errors import UsageError
    from pinpoint_sandbox.questionnaire.i18n import set_language

    set_language(lang)
    if send_test_call and channel != common.ChannelChoice.voice:
        raise UsageError("--send-test-call is for `request voice` only.")
    code = run_request(
        channel.value, region=region, profile=profile, role_arn=role_arn, answers=answers,
        set_=set_,
        backend=backend, dry_run=dry_run, yes=yes, no_input=no_input, output=output,
        simulate=simulate, templates_dir=templates_dir, quota_code=quota_code, ledger=ledger,
        save_answers=save_answers, wait=wait, send_test_call=send_test_call, refile=refile,
        ignore=ignore,
    )
    if code != ExitCode.OK:
        raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("request")(request)
