"""The `pinpoint-sandbox` console script: a thin Typer app, one module per command.

Every library error carries its exit code (errors.py); `HandledGroup` is the one place that
turns an error, expected or not, into one line on stderr, that exit code and, with
`--output json`, one JSON document on stdout (`--debug` adds the traceback).
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Annotated

import typer
from typer import _click as click

# Typer ≥ 0.29 vendors click (pyproject pins it): usage errors must reach its own handler.
from typer._click.exceptions import ClickException, NoArgsIsHelpError
from typer.core import TyperCommand, TyperGroup

from pinpoint_sandbox import __version__
from pinpoint_sandbox.cli import helpwords
from pinpoint_sandbox.cli.failures import describe_unexpected, one_line, redact
from pinpoint_sandbox.cli.inert import clean
from pinpoint_sandbox.core.errors import ExitCode, PinpointSandboxError

DEBUG = {"on": False}
helpwords.install()


def _print_error(message: str) -> None:
    for line in redact(message).splitlines() or [message]:
        sys.stderr.write(f"Error: {clean(line)}\n")


def _print_traceback() -> None:
    """--debug: the traceback, with every secret redacted (exception texts quote them)."""
    sys.stderr.write(redact(traceback.format_exc()))


def _wants_json(args: list[str]) -> bool:
    for i, arg in enumerate(args):
        if arg in ("--output=json", "-ojson"):
            return True
        if arg in ("--output", "-o") and i + 1 < len(args) and args[i + 1] == "json":
            return True
    return False


# The top-level list each command's JSON document carries on success.
JSON_LIST_KEY = {"check": "checks", "status": "regions", "lint": "findings",
                 "doctor": "checks"}


def _print_json_error(args: list[str], message: str, exit_code: int) -> None:
    """With --output json, stdout always carries one JSON document, errors included."""
    key = JSON_LIST_KEY.get(args[0] if args else "", "results")
    doc = {key: [], "error": {"message": redact(message), "exit_code": exit_code}}
    from pinpoint_sandbox.cli.output import print_json

    print_json(doc)


def _fail(args: list[str], message: str, exit_code: int) -> typer.Exit:
    """One line on stderr (and the JSON document): the exit to raise."""
    _print_error(message)
    if _wants_json(args):
        _print_json_error(args, message, exit_code)
    return typer.Exit(exit_code)


def _usage_line(exc: ClickException) -> str:
    """Click's usage error as one line that names the fix (`--help` of that command)."""
    message = one_line(exc.format_message())
    ctx = getattr(exc, "ctx", None)
    path = ctx.command_path if ctx is not None else "pinpoint-sandbox"
    return f"{message} (see `{path} --help`)"


# Command name → its module in this package and its one-line summary, in the order `--help`
# lists them. A command's module is imported when that command runs or shows its own help:
# `status` does not pay for the answer models `request` needs, and the root's `--help` lists
# the summaries without importing any (a test keeps each one its command's docstring).
COMMANDS: dict[str, tuple[str, str]] = {
    "request": ("request", "Request SMS/MMS or Voice production access: one case per region, "
                "never two."),
    "batch": ("batch", "File every (account, region, channel) target of a batch file, once "
              "each."),
    "status": ("status", "Track every request until it is approved: state, AWS's last "
               "message, the next step."),
    "reply": ("reply", "Answer AWS's question on a target's case (one AddCommunicationToCase, "
              "sent once)."),
    "record": ("record", "Record the case you opened (or pasted the description into) for a "
               "target."),
    "check": ("check", "Check prerequisites (tier, voice evidence, open requests, plan, "
              "backend) per region."),
    "lint": ("lint", "Review an answers file against AWS's review criteria; exit 2 on any "
             "error."),
    "init": ("init", "Write a commented answers-file skeleton: every question, its help text, "
             "an example."),
    "iam-policy": ("iam_policy", "Print the least-privilege IAM policy for the chosen backend "
                   "(JSON on stdout)."),
    "raise-spend": ("raise_spend", "Raise the enforced monthly spend limit up to the "
                    "account's maximum (never above)."),
    "doctor": ("doctor", "Check the account, partition, endpoints, plan, quotas and "
               "permissions (reads only)."),
    "simulator": ("simulator", "Run or reset the built-in AWS simulator (no AWS account "
                  "needed)."),
}
COMMAND_MODULES = {name: module for name, (module, _) in COMMANDS.items()}


def _load_command(name: str) -> click.Command:
    """The click command of one module: its `register(app)` on an app of its own."""
    import importlib

    import typer.main

    module = importlib.import_module(f"pinpoint_sandbox.cli.{COMMAND_MODULES[name]}")
    own = typer.Typer(add_completion=False)
    module.register(own)
    return typer.main.get_group(own).commands[name]


class HandledGroup(TyperGroup):
    """The one error handler: every error is one line on stderr, its exit code, and with
    --output json one JSON document on stdout; never a traceback (unless --debug) or a secret.
    Sub-groups (`simulator`) use it too, with their own commands."""

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: object) -> click.Context:
        try:  # the root's own options (`pinpoint-sandbox --bogus …`) are parsed here
            return super().make_context(info_name, args, parent=parent, **extra)
        except NoArgsIsHelpError:
            raise
        except ClickException as exc:
            raise _fail(list(args), _usage_line(exc), exc.exit_code) from None

    def invoke(self, ctx: click.Context) -> object:
        args = [*getattr(ctx, "_protected_args", []), *ctx.args]
        try:
            return super().invoke(ctx)
        except PinpointSandboxError as exc:
            if DEBUG["on"]:
                _print_traceback()
            if exc.exit_code == ExitCode.INTERRUPTED:
                # The user's choice, not an error.
                sys.stderr.write(clean(redact(exc.message)) + "\n")
                if _wants_json(args):
                    _print_json_error(args, exc.message, int(exc.exit_code))
                raise typer.Exit(int(exc.exit_code)) from None
            raise _fail(args, exc.message, int(exc.exit_code)) from None
        except NoArgsIsHelpError:
            raise  # `pinpoint-sandbox simulator`: click shows the help
        except ClickException as exc:
            raise _fail(args, _usage_line(exc), exc.exit_code) from None
        except (typer.Exit, typer.Abort):
            raise
        except BrokenPipeError:
            # `pinpoint-sandbox ... | head`: the reader left; nothing is wrong with the command.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(0) from None
        except KeyboardInterrupt:
            message = "Interrupted: nothing more was filed."
            sys.stderr.write(message + "\n")
            if _wants_json(args):
                _print_json_error(args, message, int(ExitCode.INTERRUPTED))
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
        except Exception as exc:  # unexpected, MemoryError and RecursionError included
            if DEBUG["on"]:
                _print_traceback()
            message, code = describe_unexpected(exc)
            raise _fail(args, message, code) from None


class RootGroup(HandledGroup):
    """The root: its commands are loaded on first use (COMMANDS). Only the root:
    a sub-group lists and runs its own commands, never the root's."""

    listing = False  # while the root's own --help is drawn: summaries, no command loaded

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if self.listing and cmd_name in COMMANDS:
            return TyperCommand(cmd_name, help=COMMANDS[cmd_name][1])
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.commands[cmd_name] = _load_command(cmd_name)
        return self.commands.get(cmd_name)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self.listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self.listing = False


app = typer.Typer(
    cls=RootGroup,
    name="pinpoint-sandbox",
    help=(
        "Take AWS End User Messaging SMS/MMS and Voice accounts out of the sandbox: "
        "one production-access case per account, region and channel, never two."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # `--install-completion` / `--show-completion` as Typer provides; `-h` as `--help`
    # (sub-commands inherit both from the root's context).
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pinpoint-sandbox {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[
        bool,
        typer.Option(
            "--debug", help="Show tracebacks for errors.", envvar="PINPOINT_SANDBOX_DEBUG",
            metavar="",
        ),
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.",
                     metavar="")
    ] = False,
    endpoint_url: Annotated[
        str | None, typer.Option(
            "--endpoint-url", metavar="URL", show_default=False,
            help="Send every AWS call to this URL, as the AWS CLI's --endpoint-url (accepted "
                 "anywhere on the command line; AWS_ENDPOINT_URL does the same)."),
    ] = None,
) -> None:
    DEBUG["on"] = debug
    from pinpoint_sandbox.core.paths import SIMULATED

    SIMULATED.clear()  # each command starts outside the simulator (several run in one process)


def _take_endpoint_url(args: list[str]) -> list[str]:
    """`--endpoint-url URL` anywhere, as the AWS CLI takes it: it becomes AWS_ENDPOINT_URL,
    which boto3 reads for every client (checked with the environment before any call)."""
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--endpoint-url" and i + 1 < len(args):
            os.environ["AWS_ENDPOINT_URL"] = args[i + 1]
            i += 2
            continue
        if arg.startswith("--endpoint-url="):
            os.environ["AWS_ENDPOINT_URL"] = arg.split("=", 1)[1]
        else:
            rest.append(arg)
        i += 1
    return rest


def _ascii_number(word: str) -> bool:
    return word.isascii() and word.isdigit()  # isdigit() alone takes every script's digits


def normalize_argv(args: list[str]) -> list[str]:
    """`--simulate` alone means the default scenario (click needs `--simulate=NAME` otherwise);
    `--watch` without a number means every 300 seconds; `--endpoint-url` anywhere."""
    args = _take_endpoint_url(args)
    args = ["--simulate=default" if a == "--simulate" else a for a in args]
    return [
        "--watch=300" if a == "--watch" and not (i + 1 < len(args) and _ascii_number(args[i + 1]))
        else a
        for i, a in enumerate(args)
    ]


def main(argv: list[str] | None = None) -> None:
    args = normalize_argv(list(sys.argv[1:] if argv is None else argv))
    app(args, prog_name="pinpoint-sandbox")


def run() -> None:
    """The console script and `python -m pinpoint_sandbox`: `main`, then a quick exit.

    Tearing the interpreter down closes every pooled connection of every shared client and
    frees every module: ~0.3 s after a `status --all-regions`, for nothing a finished command
    needs. Output is flushed and an in-process simulator stopped (its state saved) first."""
    import os

    try:
        main()
        code: int = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:  # sys.exit("text"): Python prints it and exits 1
            print(exc.code, file=sys.stderr)
            code = 1
    simulator = sys.modules.get("pinpoint_sandbox.simulator")
    if simulator is not None:
        simulator.stop_in_process()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said there
            code = code or 1
    os._exit(code)
