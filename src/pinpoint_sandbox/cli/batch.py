"""`batch FILE`: every target of a YAML batch file, validated as a whole before the first call."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from pinpoint_sandbox.aws.regions import require_one_partition
from pinpoint_sandbox.cli import common
from pinpoint_sandbox.cli.output import RichReporter, print_results
from pinpoint_sandbox.cli.request import checked_ignores, review_answers


def batch(
    file: Annotated[Path, typer.Argument(help="Batch file (YAML, see README).")],
    dry_run: common.DryRunOpt = False,
    yes: common.YesOpt = False,
    no_input: common.NoInputOpt = False,
    output: common.OutputOpt = common.OutputFormat.text,
    simulate: common.SimulateOpt = None,
    templates_dir: common.TemplatesDirOpt = None,
    quota_code: common.QuotaCodeOpt = None,
    ledger: common.LedgerOpt = None,
    backend: Annotated[
        common.BackendChoice | None,
        typer.Option("--backend", help="Override the batch file's backend for every request."),
    ] = None,
    wait: common.WaitOpt = False,
    refile: common.RefileOpt = False,
    organization: common.OrganizationOpt = False,
    ou: common.OuOpt = None,
    exclude: common.ExcludeOpt = None,
    tag: common.TagOpt = None,
    role_name: common.RoleNameOpt = None,
    external_id: common.ExternalIdOpt = None,
    session_duration: common.SessionDurationOpt = None,
    max_concurrency: common.MaxConcurrencyOpt = None,
    destinations: common.DestinationsOpt = None,
    ignore: common.IgnoreOpt = None,
) -> None:
    """File every (account, region, channel) target of a batch file, once each."""
    from pinpoint_sandbox.filing.batchfile import load_batch, request_answers
    from pinpoint_sandbox.filing.plan import RunOptions, run

    flag_waivers = checked_ignores(ignore)
    templates = common.validate_templates_dir(templates_dir)
    ledger = common.validate_file_option(ledger, "--ledger")
    spec = load_batch(file)  # every request's answers are validated here, before any AWS call
    answers = [request_answers(spec, i) for i in range(len(spec.requests))]
    for index, item_answers in enumerate(answers):  # known from botocore: before any call
        require_one_partition(item_answers.regions, f"{file.name}: requests[{index}]: ")
    selection = common.organization_options(organization, ou, exclude, tag, role_name, external_id,
                                            session_duration, max_concurrency, spec.organization)
    common.start_simulator(simulate)
    requests, fan = _requests(spec, answers, backend, selection)
    json_output = output == common.OutputFormat.json
    reporter = RichReporter(json_output=json_output, can_prompt=common.interactive(no_input),
                            show_cases=len(requests) <= 3)
    if fan is not None:
        common.report_unused(fan.unused)
    for index, item in enumerate(spec.requests):
        review_answers(reporter, f"request {index + 1} ({item.channel})", item.channel,
                       answers[index].model_dump(mode="json"), flag_waivers)
    if destinations is None:
        # An organization run previews filings; each destination country's identity list is
        # one more call per account-region (DescribePhoneNumbers, DescribeSenderIds).
        destinations = fan is None
        if not destinations:
            reporter.message("Destination readiness is not read in an organization run: "
                             "`check --organization` shows it, `--destinations` reads it here.")
    report = run(
        requests,
        RunOptions(dry_run=dry_run, yes=yes, templates_dir=templates, quota_code=quota_code,
                   ledger=ledger, wait_for_case_limit=wait, refile=refile,
                   destinations=destinations),
        reporter,
    )
    print_results(report.results, json_output=json_output,
                  skipped_accounts=fan.unused if fan is not None else None)
    if dry_run and not json_output:
        from pinpoint_sandbox.cli.request import dry_run_end

        dry_run_end(report.results)
    code = common.organization_exit(report.exit_code, fan)
    if code:
        raise typer.Exit(code)


def _requests(
    spec: Any, answers: list[Any], backend: common.BackendChoice | None, selection: Any
) -> tuple[list[Any], Any]:
    """One Request per batch entry; with an organization selection, fanned out across its
    accounts (the FanOut is returned too, None without a selection)."""
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
