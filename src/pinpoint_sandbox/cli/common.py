"""Options shared by several commands (AWS CLI conventions) and the pieces that act on them.

Declared once as Annotated aliases so every command spells them the same way.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from pinpoint_sandbox.errors import UsageError


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


class BackendChoice(StrEnum):
    auto = "auto"
    service_quotas = "service-quotas"
    support = "support"
    manual = "manual"


class ChannelChoice(StrEnum):
    sms = "sms"
    voice = "voice"


RegionOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--region", "-r", help="AWS region; repeat it or give a comma list.", show_default=False,
        metavar="REGION"
    ),
]
ProfileOpt = Annotated[
    str | None, typer.Option("--profile", help="AWS profile (default: boto3's credential chain).",
                       metavar="NAME")
]
OutputOpt = Annotated[
    OutputFormat, typer.Option("--output", "-o", help="text, or one JSON document on stdout.")
]
SimulateOpt = Annotated[
    str | None,
    typer.Option(
        "--simulate",
        help="Use the built-in AWS simulator: --simulate or --simulate=SCENARIO (name or file).",
        envvar="PINPOINT_SANDBOX_SIMULATE",
        show_default=False,
        metavar="[=SCENARIO]",
    ),
]
DryRunOpt = Annotated[
    bool,
    typer.Option("--dry-run", help="Preview only: no write call is made.", metavar=""),
]
YesOpt = Annotated[
    bool, typer.Option("--yes", "-y", help="File without asking to confirm.", metavar="")
]
NoInputOpt = Annotated[
    bool,
    typer.Option("--no-input", help="Never prompt (implied when stdin is not a terminal).",
                 metavar=""),
]
AnswersOpt = Annotated[
    Path | None, typer.Option("--answers", "-a", show_default=False,
                 help="Answers file (YAML); `last`: the answers you last typed in a terminal.",
                 metavar="FILE")
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="KEY=VALUE answer; beats the answers file. Repeatable.",
                 show_default=False, metavar="KEY=VALUE"),
]
BackendOpt = Annotated[
    BackendChoice,
    typer.Option(
        "--backend",
        help="How to file: auto (picks per region), service-quotas, support or manual.",
        metavar="BACKEND",
    ),
]
TemplatesDirOpt = Annotated[
    Path | None,
    typer.Option("--templates-dir", help="Directory whose same-named templates override ours.",
                 metavar="DIR"),
]
QuotaCodeOpt = Annotated[
    str | None,
    typer.Option("--quota-code", help="Pin the Service Quotas production-access quota code.",
                 metavar="CODE"),
]
LedgerOpt = Annotated[
    Path | None,
    typer.Option("--ledger", help="Ledger file (default: state dir; env PINPOINT_SANDBOX_LEDGER).",
                 metavar="FILE"),
]
IgnoreOpt = Annotated[
    list[str] | None,
    typer.Option("--ignore", help="Waive a content-review rule (its id, e.g. opt-in-help). "
                 "Repeatable.", show_default=False, metavar="RULE"),
]
WaitOpt = Annotated[
    bool,
    typer.Option(
        "--wait", help="At the Support API's 10 cases/hour limit, wait instead of stopping.",
        metavar=""
    ),
]


def start_simulator(simulate: str | None) -> None:
    """Start the in-process simulator when --simulate was given; it sets boto3's env vars."""
    if simulate is None:
        return
    from pinpoint_sandbox.simulator import start_in_process

    scenario = None if simulate in ("", "default", "1", "true") else simulate
    start_in_process(scenario)


def interactive(no_input: bool) -> bool:
    return not no_input and sys.stdin is not None and sys.stdin.isatty()


def validate_file_option(path: Path | None, flag: str) -> Path | None:
    """A file the tool will write (--ledger, --save-answers): checked before any AWS call."""
    if path is None:
        return None
    if path.is_dir():
        raise UsageError(f"{flag} {path} is a directory; give a file path.")
    if not path.parent.is_dir():
        raise UsageError(f"{flag} {path}: the directory {path.parent} does not exist.")
    if path.exists() and not os.access(path, os.W_OK):
        raise UsageError(f"{flag} {path} is not writable.")
    return path


def validate_templates_dir(path: Path | None) -> Path | None:
    if path is not None and not path.is_dir():
        raise UsageError(f"--templates-dir {path} is not a directory.")
    if path is not None:
        from pinpoint_sandbox.render import check_templates_dir

        check_templates_dir(path)  # a misnamed override is caught before any AWS call
    return path


def account_for(profile: str | None, role_arn: str | None = None) -> Any:
    from pinpoint_sandbox.aws import AwsAccount

    return AwsAccount(profile=profile, role_arn=role_arn)


def default_regions(profile: str | None) -> list[str]:
    """The profile's (or AWS_REGION's) region, when the user gave none."""
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        return [region]
    try:
        from pinpoint_sandbox.aws import AwsAccount

        found = AwsAccount(profile=profile).default_region()
    except Exception:
        return []
    return [found] if found else []
