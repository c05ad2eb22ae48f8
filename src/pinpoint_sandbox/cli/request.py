"""`request sms` / `request voice`: questionnaire → checks → render → preview → confirm → file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pinpoint_sandbox.cli import common
from pinpoint_sandbox.cli.output import RichReporter, print_results
from pinpoint_sandbox.errors import ExitCode
from pinpoint_sandbox.targets import Channel

if TYPE_CHECKING:
    from pinpoint_sandbox.aws import AwsAccount

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
    ignore: list[str] | None = None,
) -> int:
    from pinpoint_sandbox.answers import resolve_answers
    from pinpoint_sandbox.plan import Request, RunOptions, run
    from pinpoint_sandbox.questions.engine import ask_missing
    from pinpoint_sandbox.regions import parse_regions

    flag_waivers = checked_ignores(ignore)
    templates = common.validate_templates_dir(templates_dir)
    ledger = common.validate_file_option(ledger, "--ledger")
    save_answers = common.validate_file_option(save_answers, "--save-answers")
    regions = parse_regions(region or []) or None
    can_prompt = common.interactive(no_input)
    say = RichReporter(json_output=True, can_prompt=False).message  # stderr
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
    if save_answers is not None:
        say(f"Answers saved to {save_answers}.")
    common.start_simulator(simulate)
    account = common.account_for(profile)
    if send_test_call:
        _send_test_call(account, list(validated.regions), send_test_call, yes=yes,
                        can_prompt=can_prompt, dry_run=dry_run, ledger=ledger)
    json_output = output == common.OutputFormat.json
    reporter = RichReporter(json_output=json_output, can_prompt=can_prompt)
    review_answers(reporter, f"the {channel} answers", channel,
                   validated.model_dump(mode="json"), flag_waivers)
    report = run(
        [Request(channel, account, list(validated.regions), validated, backend.value)],
        RunOptions(dry_run=dry_run, yes=yes, templates_dir=templates, quota_code=quota_code,
                   ledger=ledger, wait_for_case_limit=wait),
        reporter,
    )
    print_results(report.results, json_output=json_output)
    return report.exit_code


def checked_ignores(ignore: list[str] | None) -> list[str]:
    """--ignore rule ids, checked before any question or call (a typo is exit 2)."""
    from pinpoint_sandbox.lint import check_rule_ids

    return check_rule_ids(ignore or [])


def review_answers(reporter: RichReporter, label: str, channel: str, data: dict[str, Any],
                   flag_waivers: list[str]) -> None:
    """The content review in the preview, with --ignore and the file's `review.ignore`."""
    from pinpoint_sandbox.lint import check_rule_ids, lint_answers, waived_rules

    waived = check_rule_ids([*flag_waivers, *waived_rules(data)], f"{label}: review.ignore")
    reporter.review(label, lint_answers(channel, data, ignore=waived), waived)


def _send_test_call(account: AwsAccount, regions: list[str], number: str, *, yes: bool,
                    can_prompt: bool, dry_run: bool, ledger: Path | None) -> None:
    """One real voice message, only when it is needed and the user agreed to it."""
    from pinpoint_sandbox.errors import Interrupted, NoTerminalError, UsageError
    from pinpoint_sandbox.ledger import Ledger
    from pinpoint_sandbox.paths import ledger_path
    from pinpoint_sandbox.targets import Target
    from pinpoint_sandbox.voice_call import send_test_call, validate_e164
    from pinpoint_sandbox.voice_evidence import voice_evidence

    destination = validate_e164(number)
    if len(regions) != 1:
        raise UsageError("--send-test-call sends from one region: pass exactly one --region.")
    region = regions[0]
    say = RichReporter(json_output=True, can_prompt=False).message
    account.prepare(regions)
    if dry_run:
        # Read-only checks of what a real run would do; the call itself is not made.
        from pinpoint_sandbox.voice_call import check_destination_verified, pick_origination

        origination = pick_origination(account, region, destination=destination)
        check_destination_verified(account, region, destination)
        say(f"--dry-run: no test call was sent; a real run would call {destination} "
            f"from {origination} in {region}.")
        return
    target = Target(account.account_id(region), region, "voice")
    entry = Ledger(ledger or ledger_path()).entry(target)
    if entry is not None and entry.done:
        say(f"{target.key} is already requested: no test call needed.")
        return
    evidence = voice_evidence(account, region)
    if evidence.found:
        say(f"A voice message was already sent in {region} ({evidence.source}): "
            "no test call needed.")
        return
    if not yes:
        if not can_prompt:
            raise NoTerminalError("--send-test-call needs a confirmation: add --yes.")
        from pinpoint_sandbox.questions.engine import confirm

        if not confirm(f"Send one real voice message to {destination} from {region}?"):
            raise Interrupted("No test call was sent; nothing was filed.")
    message_id = send_test_call(account, region, destination)
    say(f"Test voice message sent to {destination} from {region} (message id {message_id}).")


def request(
    channel: Annotated[common.ChannelChoice, typer.Argument(help="sms or voice.")],
    region: common.RegionOpt = None,
    profile: common.ProfileOpt = None,
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
    ignore: common.IgnoreOpt = None,
) -> None:
    """Request SMS/MMS or Voice production access: one case per region, never two."""
    from pinpoint_sandbox.errors import UsageError

    if send_test_call and channel != common.ChannelChoice.voice:
        raise UsageError("--send-test-call is for `request voice` only.")
    code = run_request(
        channel.value, region=region, profile=profile, answers=answers, set_=set_,
        backend=backend, dry_run=dry_run, yes=yes, no_input=no_input, output=output,
        simulate=simulate, templates_dir=templates_dir, quota_code=quota_code, ledger=ledger,
        save_answers=save_answers, wait=wait, send_test_call=send_test_call, ignore=ignore,
    )
    if code != ExitCode.OK:
        raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("request")(request)
