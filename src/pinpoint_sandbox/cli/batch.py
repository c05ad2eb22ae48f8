"""`batch FILE`: every target of a YAML batch file, validated as a whole before the first call."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pinpoint_sandbox.cli.backend_choice import BackendChoice
from pinpoint_sandbox.cli.options import (
    DestinationsOpt,
    FilingFlags,
    IgnoreOpt,
    OrganizationOptions,
    OutputOptions,
    SimulateOpt,
    TemplatesDirOpt,
    bundled,
)

if TYPE_CHECKING:
    from pinpoint_sandbox.aws.organizations import Selection
    from pinpoint_sandbox.filing.batchfile import BatchFile
    from pinpoint_sandbox.filing.fan_out import FanOut
    from pinpoint_sandbox.filing.plan import Request
    from pinpoint_sandbox.questionnaire.answers import Answers


@bundled
def batch(
    file: Annotated[Path, typer.Argument(help="Batch file (YAML, see README).")],
    *,
    filing: FilingFlags,
    out: OutputOptions,
    simulate: SimulateOpt = None,
    templates_dir: TemplatesDirOpt = None,
    backend: Annotated[
        BackendChoice | None,
        typer.Option("--backend", help="Override the batch file's backend for every request."),
    ] = None,
    org: OrganizationOptions,
    destinations: DestinationsOpt = None,
    ignore: IgnoreOpt = None,
) -> None:
    """File every (account, region, channel) target of a batch file, once each."""
    from pinpoint_sandbox.cli import common
    from pinpoint_sandbox.cli.output import RichReporter, print_results
    from pinpoint_sandbox.cli.request import checked_ignores, dry_run_end, run_options
    from pinpoint_sandbox.filing.plan import run

    waived = checked_ignores(ignore)
    templates = common.validate_templates_dir(templates_dir)
    ledger = common.validate_file_option(out.ledger, "--ledger")
    spec, answers = _load(file)  # every request's answers are validated, before any AWS call
    selection = org.selection(spec.organization)
    common.start_simulator(simulate)
    requests, fan = _requests(spec, answers, backend, selection)
    reporter = RichReporter(json_output=out.json, can_prompt=common.interactive(filing.no_input),
                            show_cases=len(requests) <= 3)
    if fan is not None:
        common.report_unused(fan.unused)
    if destinations is None:
        # An organization run previews filings; each destination country's identity list is
        # one more call per account-region (DescribePhoneNumbers, DescribeSenderIds).
        destinations = fan is None
        if not destinations:
            reporter.message("Destination readiness is not read in an organization run: "
                             "`check --organization` shows it, `--destinations` reads it here.")
    options = run_options(filing, ledger, templates=templates, waived=waived,
                          destinations=destinations)
    report = run(requests, options, reporter)
    print_results(report.results, json_output=out.json,
                  skipped_accounts=fan.unused if fan is not None else None)
    if filing.dry_run and not out.json:
        dry_run_end(report.results)
    if code := common.organization_exit(report.exit_code, fan):
        raise typer.Exit(code)


def _load(file: Path) -> tuple[BatchFile, list[Answers]]:
    """The batch file and each request's answers, validated (partitions too: known from
    botocore's data, so before any call)."""
    from pinpoint_sandbox.aws.regions import require_one_partition
    from pinpoint_sandbox.filing.batchfile import load_batch, request_answers

    spec = load_batch(file)
    answers = [request_answers(spec, i) for i in range(len(spec.requests))]
    for index, item_answers in enumerate(answers):
        require_one_partition(item_answers.regions, f"{file.name}: requests[{index}]: ")
    return spec, answers


def _requests(
    spec: BatchFile, answers: list[Answers], backend: BackendChoice | None,
    selection: Selection | None,
) -> tuple[list[Request], FanOut | None]:
    """One Request per batch entry; with an organization selection, fanned out across its
    accounts (the FanOut is returned too, None without a selection)."""
    from pinpoint_sandbox.cli import common
    from pinpoint_sandbox.filing.plan import Request

    requests = []
    for index, item in enumerate(spec.requests):
        chosen = backend.value if backend else (item.backend or spec.defaults.backend or "auto")
        requests.append(
            Request(
                channel=item.channel,
                account=common.account_for(item.profile, item.role_arn),
                regions=list(answers[index].regions),
                answers=answers[index],
                backend=chosen,
                review_label=f"request {index + 1} ({item.channel})",
            )
        )
    if selection is None:
        return requests, None
    from pinpoint_sandbox.filing.fan_out import fan_out

    block = spec.organization
    fan = fan_out(requests, selection, channels=block.channels if block else (),
                  regions=block.regions if block else ())
    return fan.requests, fan


def register(app: typer.Typer) -> None:
    app.command("batch")(batch)
