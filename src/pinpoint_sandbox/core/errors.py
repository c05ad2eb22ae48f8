"""One exception hierarchy; each error carries the exit code the CLI returns (DESIGN "Exit codes").

The CLI has a single handler (`cli.HandledGroup.invoke`) that prints `error.message` on stderr
and exits with `error.exit_code`; `--debug` adds the traceback. Library users catch
`PinpointSandboxError`.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    USAGE = 2  # bad input or usage: nothing was sent
    PREREQUISITE = 3  # a prerequisite is not met: nothing was sent for that target
    AWS_FAILED = 4  # AWS refused or failed after retries
    PARTIAL = 5  # some targets failed, the rest done: a rerun resumes
    INTERRUPTED = 130


class PinpointSandboxError(Exception):
    exit_code: ExitCode = ExitCode.AWS_FAILED

    def __init__(self, message: str, *, exit_code: ExitCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(PinpointSandboxError):
    """Bad flags, answers, templates or files. Raised before any AWS write call."""

    exit_code = ExitCode.USAGE


class AnswersError(UsageError):
    """Answers failed validation; `problems` holds one line per problem."""

    def __init__(self, problems: list[str], source: str = "answers") -> None:
        self.problems = problems
        self.source = source
        super().__init__("\n".join(problems))


class NoTerminalError(UsageError):
    """A prompt was needed but there is no terminal to ask on."""


class PrerequisiteError(PinpointSandboxError):
    exit_code = ExitCode.PREREQUISITE


class AwsError(PinpointSandboxError):
    exit_code = ExitCode.AWS_FAILED


class Busy(PinpointSandboxError):
    """A temporary condition (another run holds the ledger): rerun later. Not bad input."""

    exit_code = ExitCode.AWS_FAILED


class Interrupted(PinpointSandboxError):
    exit_code = ExitCode.INTERRUPTED

    def __init__(self, message: str = "Interrupted: nothing more was filed.") -> None:
        super().__init__(message)
