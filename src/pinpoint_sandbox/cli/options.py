"""The command-line options, as data: every shared option is declared once here.

Options that travel together are one bundle, a frozen dataclass whose fields are Typer options
(`AwsTarget`, `AnswerSources`, `FilingFlags`, `OutputOptions`,
`OrganizationOptions`). A command takes a bundle as
one parameter and `bundled` expands it into the bundle's options, the way sqlite-utils'
`output_options` decorator adds its options to every command that shows rows. Each option
names its `--help` panel, so a bundle reads as one group there.

Only Typer and the standard library are imported: `--help` stays fast.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Protocol, TypeVar, get_type_hints

import typer
from typer.models import OptionInfo

from pinpoint_sandbox.core.errors import UsageError

if TYPE_CHECKING:
    from pinpoint_sandbox.aws.organizations import Selection

WHERE = "Where (AWS)"
OUTPUT = "Output"
ANSWERS = "Answers and review"
FILING = "Filing"
ORGANIZATION = "Organization"


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


class ChannelChoice(StrEnum):
    sms = "sms"
    voice = "voice"


# ------------------------------------------------------------------ single options

RegionOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--region", "-r", help="AWS region; repeat it or give a comma list.", show_default=False,
        metavar="REGION", rich_help_panel=WHERE,
    ),
]
ProfileOpt = Annotated[
    str | None, typer.Option("--profile", help="AWS profile (default: boto3's credential chain).",
                             metavar="NAME", rich_help_panel=WHERE)
]
RoleArnOpt = Annotated[
    str | None,
    typer.Option("--role-arn", help="Role to assume in the target's account (from --profile's "
                 "credentials, or boto3's chain).", metavar="ARN", show_default=False,
                 rich_help_panel=WHERE),
]
SimulateOpt = Annotated[
    str | None,
    typer.Option(
        "--simulate",
        help="Use the built-in AWS simulator: --simulate or --simulate=SCENARIO (name or file).",
        envvar="PINPOINT_SANDBOX_SIMULATE",
        show_default=False,
        metavar="[=SCENARIO]",
        rich_help_panel=WHERE,
    ),
]
OutputOpt = Annotated[
    OutputFormat, typer.Option("--output", "-o", help="text, or one JSON document on stdout.",
                               rich_help_panel=OUTPUT)
]
LedgerOpt = Annotated[
    Path | None,
    typer.Option("--ledger", help="Ledger file (default: state dir; env PINPOINT_SANDBOX_LEDGER).",
                 metavar="FILE", rich_help_panel=OUTPUT),
]
DryRunOpt = Annotated[
    bool,
    typer.Option("--dry-run", help="Preview only: no write call is made.", metavar="",
                 rich_help_panel=FILING),
]
YesOpt = Annotated[
    bool, typer.Option("--yes", "-y", help="File without asking to confirm.", metavar="",
                       rich_help_panel=FILING)
]
NoInputOpt = Annotated[
    bool,
    typer.Option("--no-input", help="Never prompt (implied when stdin is not a terminal).",
                 metavar="", rich_help_panel=FILING),
]
QuotaCodeOpt = Annotated[
    str | None,
    typer.Option("--quota-code", help="Pin the Service Quotas production-access quota code.",
                 metavar="CODE", rich_help_panel=FILING),
]
WaitOpt = Annotated[
    bool,
    typer.Option(
        "--wait", help="At the Support API's 10 cases/hour limit, wait instead of stopping.",
        metavar="", rich_help_panel=FILING,
    ),
]
RefileOpt = Annotated[
    bool,
    typer.Option("--refile", help="File a new request only where AWS denied the last one.",
                 metavar="", rich_help_panel=FILING),
]
DestinationsOpt = Annotated[
    bool | None,
    typer.Option("--destinations/--no-destinations",
                 help="Read destination readiness (after approval) for each SMS target "
                 "[default: on; off in an organization run: `check --organization` reads it].",
                 show_default=False, rich_help_panel=FILING),
]
AnswersOpt = Annotated[
    Path | None, typer.Option("--answers", "-a", show_default=False,
                 help="Answers file (YAML); `last`: the answers you last typed in a terminal.",
                 metavar="FILE", rich_help_panel=ANSWERS)
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="KEY=VALUE answer; beats the answers file. Repeatable.",
                 show_default=False, metavar="KEY=VALUE", rich_help_panel=ANSWERS),
]
TemplatesDirOpt = Annotated[
    Path | None,
    typer.Option("--templates-dir", help="Directory whose same-named templates override ours.",
                 metavar="DIR", rich_help_panel=ANSWERS),
]
IgnoreOpt = Annotated[
    list[str] | None,
    typer.Option("--ignore", help="Waive a content-review rule (its id, e.g. opt-in-help). "
                 "Repeatable.", show_default=False, metavar="RULE", rich_help_panel=ANSWERS),
]
LangOpt = Annotated[
    str | None,
    typer.Option("--lang", help="Interface language of prompts, help and review findings: en or "
                 "fr (default: from LC_ALL/LANG). The case text stays in the contact language.",
                 show_default=False, metavar="LANG"),
]
OrganizationOpt = Annotated[
    bool,
    typer.Option("--organization", help="Every active account of your AWS Organization "
                 "(from the management account), entered with --role-name.", metavar="",
                 rich_help_panel=ORGANIZATION),
]
RoleNameOpt = Annotated[
    str | None,
    typer.Option("--role-name", help="Role assumed in each account (default "
                 "OrganizationAccountAccessRole).", show_default=False, metavar="NAME",
                 rich_help_panel=ORGANIZATION),
]


# `reply` and `record`: one target, named in full or by its channel and region.
TargetArg = Annotated[
    list[str],
    typer.Argument(help="ACCOUNT/REGION/CHANNEL, or CHANNEL with -r REGION (current account).",
                   metavar="TARGET"),
]
OneRegionOpt = Annotated[
    str | None,
    typer.Option("--region", "-r", help="The target's region (with TARGET = CHANNEL).",
                 metavar="REGION"),
]


# ------------------------------------------------------------------ bundles


class OrganizationBlock(Protocol):
    """A batch file's `organization:` block (filing.batchfile), read where no flag is given."""

    @property
    def ou(self) -> list[str]: ...
    @property
    def exclude(self) -> list[str]: ...
    @property
    def tags(self) -> dict[str, str]: ...
    @property
    def role_name(self) -> str | None: ...
    @property
    def external_id(self) -> str | None: ...
    @property
    def session_duration(self) -> int | None: ...


@dataclasses.dataclass(frozen=True)
class AwsTarget:
    """Where the calls go: the account (profile, role) and regions, or the simulator."""

    region: RegionOpt = None
    profile: ProfileOpt = None
    role_arn: RoleArnOpt = None
    simulate: SimulateOpt = None


@dataclasses.dataclass(frozen=True)
class AnswerSources:
    """Where a request's answers come from, and how they are rendered and reviewed."""

    answers: AnswersOpt = None
    set_: SetOpt = None
    templates_dir: TemplatesDirOpt = None
    ignore: IgnoreOpt = None


@dataclasses.dataclass(frozen=True)
class OutputOptions:
    """How the result is shown, and the ledger it is read from and written to."""

    output: OutputOpt = OutputFormat.text
    ledger: LedgerOpt = None

    @property
    def json(self) -> bool:
        return self.output == OutputFormat.json


@dataclasses.dataclass(frozen=True)
class FilingFlags:
    """How a filing run behaves: preview, confirmation, prompts, and its AWS-side choices."""

    dry_run: DryRunOpt = False
    yes: YesOpt = False
    no_input: NoInputOpt = False
    quota_code: QuotaCodeOpt = None
    wait: WaitOpt = False
    refile: RefileOpt = False


@dataclasses.dataclass(frozen=True)
class OrganizationOptions:
    """`--organization` and the options that narrow it (AWS Organizations, issue #13)."""

    organization: OrganizationOpt = False
    ou: Annotated[
        list[str] | None,
        typer.Option("--ou", help="Only accounts under this OU (recursively); repeatable.",
                     show_default=False, metavar="ID", rich_help_panel=ORGANIZATION),
    ] = None
    exclude: Annotated[
        list[str] | None,
        typer.Option("--exclude", help="Leave this account out; repeatable.", show_default=False,
                     metavar="ACCOUNT", rich_help_panel=ORGANIZATION),
    ] = None
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", help="Only accounts with this tag; repeatable (all must match).",
                     show_default=False, metavar="KEY=VALUE", rich_help_panel=ORGANIZATION),
    ] = None
    role_name: RoleNameOpt = None
    external_id: Annotated[
        str | None,
        typer.Option("--external-id", help="External id for AssumeRole.", show_default=False,
                     metavar="ID", rich_help_panel=ORGANIZATION),
    ] = None
    session_duration: Annotated[
        int | None,
        typer.Option("--session-duration", help="AssumeRole session length (900-43200 s).",
                     show_default=False, metavar="SECONDS", rich_help_panel=ORGANIZATION),
    ] = None
    max_concurrency: Annotated[
        int | None,
        typer.Option("--max-concurrency", help="AWS calls in flight at most, across all "
                     "accounts (default 64).", show_default=False, metavar="N", min=1, max=1024,
                     rich_help_panel=ORGANIZATION),
    ] = None

    def selection(self, block: OrganizationBlock | None = None) -> Selection | None:
        """The organization selection, validated (exit 2 before any call), and the
        concurrency bound set; None when neither the flags nor the batch file's
        `organization:` block (which the flags beat) asks for one."""
        chosen = self._selection(block)
        if self.max_concurrency is not None:
            from pinpoint_sandbox.aws.session import set_max_concurrency

            set_max_concurrency(self.max_concurrency)
        return chosen

    def _selection(self, block: OrganizationBlock | None) -> Selection | None:
        if not self.organization and block is None:
            narrowing = ("ou", "exclude", "tag", "role_name", "external_id", "session_duration")
            given = [flag_of(OrganizationOptions, name) for name in narrowing
                     if getattr(self, name)]
            if given:
                raise UsageError(f"{given[0]} only applies with --organization; "
                                 "add --organization.")
            return None
        from pinpoint_sandbox.aws.organizations import make_selection

        return make_selection(
            ous=self.ou or (block.ou if block else []),
            exclude=self.exclude or (block.exclude if block else []),
            tags=self.tag or (block.tags if block else {}),
            role_name=self.role_name or (block.role_name if block else None),
            external_id=self.external_id or (block.external_id if block else None),
            session_duration=self.session_duration or (block.session_duration if block else None),
        )


def flag_of(bundle: type[object], field: str) -> str:
    """The option's own spelling (`--session-duration`), read from its declaration."""
    hint = get_type_hints(bundle, include_extras=True)[field]
    info = next(m for m in hint.__metadata__ if isinstance(m, OptionInfo))
    return str(info.default)


# ------------------------------------------------------------------ the decorator

Returned = TypeVar("Returned")


def bundled(command: Callable[..., Returned]) -> Callable[..., Returned]:
    """Expand each bundle parameter of a command into the bundle's options (for Typer),
    and gather them back into the dataclass when the command runs."""
    hints = get_type_hints(command, include_extras=True)
    bundles: dict[str, tuple[Callable[..., object], list[str]]] = {}
    params: list[inspect.Parameter] = []
    for param in inspect.signature(command).parameters.values():
        kind = hints.get(param.name, param.annotation)
        if isinstance(kind, type) and dataclasses.is_dataclass(kind):
            fields = dataclasses.fields(kind)
            bundles[param.name] = (kind, [f.name for f in fields])
            declared = get_type_hints(kind, include_extras=True)
            params += [inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY,
                                         default=f.default, annotation=declared[f.name])
                       for f in fields]
        else:
            params.append(param.replace(kind=inspect.Parameter.KEYWORD_ONLY, annotation=kind))
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise TypeError(f"{command.__name__}: a bundle's option shadows a parameter: {names}")

    @functools.wraps(command)
    def expanded(**given: object) -> Returned:
        for name, (bundle, fields) in bundles.items():
            given[name] = bundle(**{field: given.pop(field) for field in fields})
        return command(**given)

    del expanded.__wrapped__  # Typer reads the expanded signature, not the command's
    expanded.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]  # PEP 362
    expanded.__annotations__ = {p.name: p.annotation for p in params}
    return expanded
