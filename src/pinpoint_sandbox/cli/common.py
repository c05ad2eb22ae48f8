"""Options shared by several commands (AWS CLI conventions) and the pieces that act on them.

Declared once as Annotated aliases so every command spells them the same way.
"""

from __future__ import annotations

import os
import re
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pinpoint_sandbox.backends import registry
from pinpoint_sandbox.core.errors import UsageError


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


if TYPE_CHECKING:

    class BackendChoice(StrEnum):
        """What `--backend` accepts: `auto` and every registered backend (by value)."""

        auto = "auto"
else:
    # Built from the registry, so a new backend is a new choice without touching the CLI.
    BackendChoice = StrEnum(
        "BackendChoice", {name.replace("-", "_"): name for name in registry.choices()}
    )


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
RoleArnOpt = Annotated[
    str | None,
    typer.Option("--role-arn", help="Role to assume in the target's account (from --profile's "
                 "credentials, or boto3's chain).", metavar="ARN", show_default=False),
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
        help=f"How to file: auto (picks per region), {', '.join(registry.names()[:-1])} or "
        f"{registry.names()[-1]}.",
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
LangOpt = Annotated[
    str | None,
    typer.Option("--lang", help="Interface language of prompts, help and review findings: en or "
                 "fr (default: from LC_ALL/LANG). The case text stays in the contact language.",
                 show_default=False, metavar="LANG"),
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
    from pinpoint_sandbox.core.paths import SIMULATED

    if SIMULATED.get("source"):
        return  # already started by this command (e.g. before its questions)
    from pinpoint_sandbox.simulator import start_in_process

    scenario = None if simulate in ("", "default", "1", "true") else simulate
    # Which world this run sees, every time (stderr: stdout stays parseable).
    start_in_process(scenario, announce=_announce)


def _announce(line: str) -> None:
    """The "which scenario" line, wrapped at spaces to the terminal's width (COLUMNS)."""
    import shutil
    import textwrap

    width = shutil.get_terminal_size((100, 24)).columns
    wrapped = textwrap.wrap(line, width=max(40, width), subsequent_indent="  ",
                            break_long_words=False, break_on_hyphens=False)
    sys.stderr.write("\n".join(wrapped or [line]) + "\n")


def interactive(no_input: bool) -> bool:
    return not no_input and sys.stdin is not None and sys.stdin.isatty()


def validate_file_option(path: Path | None, flag: str, *, writes: bool = True) -> Path | None:
    """A file the tool will write (--ledger), or only read (`writes=False`: `status` and
    `check` read the ledger and cache in it when they can): checked before any AWS call."""
    if path is None:
        return None
    if path.is_dir():
        raise UsageError(f"{flag} {path} is a directory; give a file path.")
    if not path.parent.is_dir():
        raise UsageError(f"{flag} {path}: the directory {path.parent} does not exist.")
    if path.exists() and not path.is_file():  # a FIFO would hang the read, a device worse
        raise UsageError(f"{flag} {path} is not a regular file; give a file path.")
    if path.exists() and not os.access(path, os.W_OK if writes else os.R_OK):
        raise UsageError(f"{flag} {path} is not {'writable' if writes else 'readable'}.")
    return path


def validate_output_file(path: Path | None, flag: str) -> Path | None:
    """A file the tool writes whole (--html, --save-answers): not the terminal, a directory,
    a symbolic link or a device; in a place that can hold it (safeio.check_output_file)."""
    from pinpoint_sandbox.core.safeio import check_output_file

    return check_output_file(path, flag)


def validate_templates_dir(path: Path | None) -> Path | None:
    if path is not None and not path.is_dir():
        raise UsageError(f"--templates-dir {path} is not a directory.")
    if path is not None:
        from pinpoint_sandbox.filing.render import check_templates_dir

        check_templates_dir(path)  # a misnamed override is caught before any AWS call
    return path


# ASCII only ([0-9], not \d): an IAM role ARN of any partition.
ROLE_ARN = re.compile(r"arn:aws[a-z-]{0,20}:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}")


def account_for(profile: str | None, role_arn: str | None = None) -> Any:
    from pinpoint_sandbox.aws.session import AwsAccount
    from pinpoint_sandbox.cli.failures import environment_problem

    problem = environment_problem()  # e.g. a malformed AWS_ENDPOINT_URL: exit 2, before calls
    if problem:
        raise UsageError(problem)
    if role_arn is not None and not ROLE_ARN.fullmatch(role_arn):
        raise UsageError(f"--role-arn {role_arn!r} is not an IAM role ARN: give one like "
                         "arn:aws:iam::111122223333:role/NAME.")
    account = AwsAccount(profile=profile, role_arn=role_arn)
    if role_arn is None:
        account.credentials()  # a missing profile or broken config: exit 2 now, no call
    return account


def default_regions(profile: str | None) -> list[str]:
    """The profile's (or AWS_REGION's) region, when the user gave none."""
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        return [region]
    try:
        from pinpoint_sandbox.aws.session import AwsAccount

        found = AwsAccount(profile=profile).default_region()
    except Exception:
        return []
    return [found] if found else []
RefileOpt = Annotated[
    bool,
    typer.Option("--refile", help="File a new request only where AWS denied the last one.",
                 metavar=""),
]


# ------------------------------------------------------------------ AWS Organizations (#13)

OrganizationOpt = Annotated[
    bool,
    typer.Option("--organization", help="Every active account of your AWS Organization "
                 "(from the management account), entered with --role-name.", metavar=""),
]
OuOpt = Annotated[
    list[str] | None,
    typer.Option("--ou", help="Only accounts under this OU (recursively); repeatable.",
                 show_default=False, metavar="ID"),
]
ExcludeOpt = Annotated[
    list[str] | None,
    typer.Option("--exclude", help="Leave this account out; repeatable.", show_default=False,
                 metavar="ACCOUNT"),
]
TagOpt = Annotated[
    list[str] | None,
    typer.Option("--tag", help="Only accounts with this tag; repeatable (all must match).",
                 show_default=False, metavar="KEY=VALUE"),
]
RoleNameOpt = Annotated[
    str | None,
    typer.Option("--role-name", help="Role assumed in each account (default "
                 "OrganizationAccountAccessRole).", show_default=False, metavar="NAME"),
]
ExternalIdOpt = Annotated[
    str | None,
    typer.Option("--external-id", help="External id for AssumeRole.", show_default=False,
                 metavar="ID"),
]
SessionDurationOpt = Annotated[
    int | None,
    typer.Option("--session-duration", help="AssumeRole session length (900-43200 s).",
                 show_default=False, metavar="SECONDS"),
]
DestinationsOpt = Annotated[
    bool | None,
    typer.Option("--destinations/--no-destinations",
                 help="Read destination readiness (after approval) for each SMS target "
                 "[default: on; off in an organization run: `check --organization` reads it].",
                 show_default=False),
]
MaxConcurrencyOpt = Annotated[
    int | None,
    typer.Option("--max-concurrency", help="AWS calls in flight at most, across all accounts "
                 "(default 64).", show_default=False, metavar="N", min=1, max=1024),
]


def organization_selection(
    enabled: bool,
    *,
    ou: list[str] | None = None,
    exclude: list[str] | None = None,
    tag: list[str] | None = None,
    role_name: str | None = None,
    external_id: str | None = None,
    session_duration: int | None = None,
    block: Any = None,
) -> Any:
    """The organization selection from flags (which beat the batch file's `organization:`
    block), or None when neither asks for one. Bad values are usage errors (exit 2)."""
    from pinpoint_sandbox.aws.organizations import make_selection

    if not enabled and block is None:
        given = [name for name, value in (
            ("--ou", ou), ("--exclude", exclude), ("--tag", tag), ("--role-name", role_name),
            ("--external-id", external_id), ("--session-duration", session_duration),
        ) if value]
        if given:
            raise UsageError(f"{given[0]} only applies with --organization; add --organization.")
        return None
    return make_selection(
        ous=ou or (block.ou if block else []),
        exclude=exclude or (block.exclude if block else []),
        tags=tag or (block.tags if block else {}),
        role_name=role_name or (block.role_name if block else None),
        external_id=external_id or (block.external_id if block else None),
        session_duration=session_duration or (block.session_duration if block else None),
    )


def organization_options(
    organization: bool, ou: list[str] | None, exclude: list[str] | None, tag: list[str] | None,
    role_name: str | None, external_id: str | None, session_duration: int | None,
    max_concurrency: int | None, block: Any = None,
) -> Any:
    """The shared `--organization …` and `--max-concurrency` flags of batch, check and status:
    validated (exit 2 before any call); returns the selection (None without one)."""
    selection = organization_selection(
        organization, ou=ou, exclude=exclude, tag=tag, role_name=role_name,
        external_id=external_id, session_duration=session_duration, block=block,
    )
    set_concurrency(max_concurrency)
    return selection


def set_concurrency(value: int | None) -> None:
    from pinpoint_sandbox.aws.session import set_max_concurrency

    if value is not None:
        set_max_concurrency(value)


def report_unused(unused: list[Any]) -> None:
    """One line per organization account left out (suspended, or its role not assumable), on
    stderr, never wrapped: scripts and logs can grep them."""
    from pinpoint_sandbox.cli.inert import clean

    for item in unused:
        sys.stderr.write(clean(item.line()) + "\n")


def organization_exit(code: int, fan: Any) -> int:
    """An account that could not be entered makes an otherwise clean run partial (5)."""
    from pinpoint_sandbox.core.errors import ExitCode

    if fan is not None and fan.unreachable and code in (0, int(ExitCode.PREREQUISITE)):
        return int(ExitCode.PARTIAL)
    return code


def panel(title: str, *aliases: Any) -> None:
    """Group the shared options under a heading in every command's --help."""
    for alias in aliases:
        for info in getattr(alias, "__metadata__", ()):
            info.rich_help_panel = title


panel("Where (AWS)", RegionOpt, ProfileOpt, RoleArnOpt, SimulateOpt)
panel("Output", OutputOpt, LedgerOpt)
panel("Answers and review", AnswersOpt, SetOpt, IgnoreOpt, TemplatesDirOpt)
panel("Filing", DryRunOpt, YesOpt, NoInputOpt, BackendOpt, QuotaCodeOpt, WaitOpt, RefileOpt,
       DestinationsOpt)
panel("Organization", OrganizationOpt, OuOpt, ExcludeOpt, TagOpt, RoleNameOpt, ExternalIdOpt,
       SessionDurationOpt, MaxConcurrencyOpt)
