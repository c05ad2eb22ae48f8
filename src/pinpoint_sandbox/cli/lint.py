"""`lint FILE`: review an answers file against AWS's published review criteria.

Exit 0 when there is no error (warnings are fine), 2 when there is any error: the answers would
likely be rejected, so nothing should be filed with them yet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pinpoint_sandbox.cli import options
from pinpoint_sandbox.core.errors import ExitCode, UsageError
from pinpoint_sandbox.core.targets import channel_is_guessed, infer_channel

if TYPE_CHECKING:
    from pinpoint_sandbox.review.lint import Finding


def not_answers_problem(name: str, data: Mapping[str, object]) -> str | None:
    """One line when the file is plainly a batch or simulator scenario file."""
    if "requests" in data or "version" in data:
        return (
            f"{name} is a batch file, not an answers file: lint the answers files it names "
            f"(answers_file), or check it with `pinpoint-sandbox batch {name} --dry-run`."
        )
    if "accounts" in data:
        return (
            f"{name} is a simulator scenario file, not an answers file: pass it to "
            "--simulate=FILE; lint takes an answers file (`pinpoint-sandbox init sms FILE`)."
        )
    return None


def lint(
    file: Annotated[
        Path, typer.Argument(help="Answers file (YAML) to review.", show_default=False)
    ],
    channel: Annotated[
        options.ChannelChoice | None,
        typer.Option("--channel", help="sms or voice (default: guessed from the keys)."),
    ] = None,
    output: options.OutputOpt = options.OutputFormat.text,
    ignore: options.IgnoreOpt = None,
    lang: options.LangOpt = None,
) -> None:
    """Review an answers file against AWS's review criteria; exit 2 on any error."""
    from pinpoint_sandbox.questionnaire.answers import load_answers_file, to_data, validate_answers
    from pinpoint_sandbox.questionnaire.i18n import set_language
    from pinpoint_sandbox.review.lint import (
        check_rule_ids,
        count_levels,
        lint_answers,
        waived_rules,
    )

    set_language(lang)
    flag_waivers = check_rule_ids(ignore or [])
    data = load_answers_file(file)
    if not data:
        raise UsageError(
            f"{file.name} is empty: write a skeleton with `pinpoint-sandbox init sms {file}` "
            "(or voice), fill it in, then lint it."
        )
    problem = not_answers_problem(file.name, data)
    if problem:
        raise UsageError(problem)
    chosen = _channel_for(file, data, channel)

    def missing_text(key: str) -> str:
        # lint takes no --set: the fix is always the file.
        return f"missing answer for {key!r} — add `{key}:` to {file.name}"

    answers = to_data(validate_answers(chosen, data, file.name, missing_text))
    waived = check_rule_ids(
        [*flag_waivers, *waived_rules(answers)], f"{file.name}: review.ignore"
    )
    findings = lint_answers(chosen, answers, ignore=waived)
    errors, warnings = count_levels(findings)
    summary = _summary(file, chosen, errors, warnings)
    if waived:
        summary += f" Waived: {', '.join(waived)}."

    _report(file, chosen, findings, waived, summary, output,
            str(answers.get("company_name") or ""))
    if errors:
        raise typer.Exit(int(ExitCode.USAGE))


def _report(file: Path, channel: str, findings: Sequence[Finding], waived: list[str],
            summary: str, output: options.OutputFormat, brand: str = "") -> None:
    if output is not options.OutputFormat.json:
        _print_table(findings, summary, brand)
        return
    # JSON stays in English whatever the interface language: it is for programs.
    from pinpoint_sandbox.cli.output import print_json, stderr_console

    errors, warnings = count_levels_of(findings)
    print_json({"file": str(file), "channel": channel,
                "findings": [f.to_json() for f in findings], "errors": errors,
                "warnings": warnings, "waived": waived})
    stderr_console().print(summary, markup=False)


def count_levels_of(findings: Sequence[Finding]) -> tuple[int, int]:
    from pinpoint_sandbox.review.lint import count_levels

    return count_levels(findings)


def _channel_for(
    file: Path, data: Mapping[str, object], channel: options.ChannelChoice | None
) -> str:
    """--channel when given (and the file agrees), else guessed from the keys, with a note."""
    from pinpoint_sandbox.questionnaire.answers import (
        answer_keys,
        channel_mismatch,
        channel_mismatch_problem,
    )

    if channel is not None:
        other = channel_mismatch(channel.value, data)
        if other is not None:
            raise UsageError(channel_mismatch_problem(
                file.name, channel.value, other, f"--channel is {channel.value}"
            ))
        return channel.value
    sms_keys, voice_keys = answer_keys("sms"), answer_keys("voice")
    chosen = infer_channel(data, sms_keys, voice_keys)
    if channel_is_guessed(data, sms_keys, voice_keys):
        typer.echo(
            f"note: channel guessed as {chosen} (no voice-only keys); pass --channel "
            "sms or --channel voice",
            err=True,
        )
    return chosen


def _summary(file: Path, channel: str, errors: int, warnings: int) -> str:
    from pinpoint_sandbox.questionnaire.i18n import language, message

    if language() != "en":
        key = "lint_clean" if not errors and not warnings else (
            "lint_errors" if errors else "lint_warnings")
        return message(key, file=file.name, channel=channel, errors=errors, warnings=warnings)
    if not errors and not warnings:
        return f"{file.name}: no problems found ({channel})."
    verdict = "fix the errors before filing" if errors else "ready to file"
    return (
        f"{file.name}: {errors} error{'s' * (errors != 1)}, "
        f"{warnings} warning{'s' * (warnings != 1)} ({channel}) — {verdict}."
    )


def _print_table(findings: Sequence[Finding], summary: str, brand: str = "") -> None:
    from rich.table import Table
    from rich.text import Text

    from pinpoint_sandbox.cli.inert import console as inert_console
    from pinpoint_sandbox.questionnaire.i18n import finding_texts, level, message

    console = inert_console(soft_wrap=False)
    if findings:
        table = Table(show_lines=False)
        table.add_column(message("col_level"))
        table.add_column(message("col_key"))
        table.add_column(message("col_problem"), overflow="fold")
        table.add_column(message("col_rule"))
        styles = {"error": "red", "warning": "yellow", "note": "dim"}
        for finding in findings:
            style = styles.get(finding.level, "")
            text, fix = finding_texts(finding, brand)  # in the interface language
            # Text, not markup: keys like message_templates[0] must print as written.
            table.add_row(
                Text(level(finding.level), style=style),
                Text(finding.key),
                Text(f"{text}{message('fix', fix=fix)}" if fix else text),
                Text(finding.rule),
            )
        console.print(table)
    console.print(summary, markup=False)


def register(app: typer.Typer) -> None:
    app.command("lint")(lint)
