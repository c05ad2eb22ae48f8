"""What several commands do with their options (cli/options.py declares them): start the
simulator, check files before any call, open the account, report an organization's leftovers."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pinpoint_sandbox.core.errors import UsageError

if TYPE_CHECKING:
    from pinpoint_sandbox.aws.organizations import Unused
    from pinpoint_sandbox.aws.session import AwsAccount


class LeftOut(Protocol):
    """An organization run's accounts: those that could not be entered (FanOut, Organization)."""

    @property
    def unreachable(self) -> Sequence[object]: ...


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


def account_for(profile: str | None, role_arn: str | None = None) -> AwsAccount:
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
def report_unused(unused: Sequence[Unused]) -> None:
    """One line per organization account left out (suspended, or its role not assumable), on
    stderr, never wrapped: scripts and logs can grep them."""
    from pinpoint_sandbox.cli.inert import clean

    for item in unused:
        sys.stderr.write(clean(item.line()) + "\n")


def organization_exit(code: int, fan: LeftOut | None) -> int:
    """An account that could not be entered makes an otherwise clean run partial (5)."""
    from pinpoint_sandbox.core.errors import ExitCode

    if fan is not None and fan.unreachable and code in (0, int(ExitCode.PREREQUISITE)):
        return int(ExitCode.PARTIAL)
    return code
