"""The `pinpoint-sandbox` console script: a thin Typer app, one module per command.

Every library error carries its exit code (errors.py); `HandledGroup.invoke` is the one place
that turns an error into one line on stderr and that exit code (`--debug` adds the traceback).
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

try:  # Typer ≥ 0.2x vendors click; usage errors must reach Typer's own handler (exit 2)
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover
    from click.exceptions import ClickException  # type: ignore[assignment]

from pinpoint_sandbox import __version__
from pinpoint_sandbox.errors import ExitCode, PinpointSandboxError

DEBUG = {"on": False}


def _print_error(message: str) -> None:
    for line in message.splitlines() or [message]:
        sys.stderr.write(f"Error: {line}\n")


def _wants_json(args: list[str]) -> bool:
    for i, arg in enumerate(args):
        if arg in ("--output=json", "-ojson"):
            return True
        if arg in ("--output", "-o") and i + 1 < len(args) and args[i + 1] == "json":
            return True
    return False


# The top-level list each command's JSON document carries on success.
JSON_LIST_KEY = {"check": "checks", "status": "regions", "lint": "findings"}


def _print_json_error(args: list[str], message: str, exit_code: int) -> None:
    """With --output json, stdout always carries one JSON document, errors included."""
    key = JSON_LIST_KEY.get(args[0] if args else "", "results")
    doc = {key: [], "error": {"message": message, "exit_code": exit_code}}
    from pinpoint_sandbox.cli.output import print_json

    print_json(doc)


class HandledGroup(TyperGroup):
    def invoke(self, ctx: Any) -> Any:
        args = [*getattr(ctx, "_protected_args", []), *ctx.args]
        try:
            return super().invoke(ctx)
        except PinpointSandboxError as exc:
            if DEBUG["on"]:
                traceback.print_exc()
            if exc.exit_code == ExitCode.INTERRUPTED:
                sys.stderr.write(exc.message + "\n")  # the user's choice, not an error
            else:
                _print_error(exc.message)
            if _wants_json(args):
                _print_json_error(args, exc.message, int(exc.exit_code))
            raise typer.Exit(int(exc.exit_code)) from None
        except ClickException as exc:
            if _wants_json(args):  # e.g. --backend bogus: Typer prints the error on stderr
                _print_json_error(args, exc.format_message(), exc.exit_code)
            raise
        except (typer.Exit, typer.Abort):
            raise
        except BrokenPipeError:
            # `pinpoint-sandbox ... | head`: the reader left; nothing is wrong with the command.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(0) from None
        except KeyboardInterrupt:
            sys.stderr.write("Interrupted: nothing more was filed.\n")
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
        except Exception as exc:
            if DEBUG["on"]:
                traceback.print_exc()
            # Unexpected: one line, no locals, no credentials.
            _print_error(f"unexpected {type(exc).__name__}: {exc} (rerun with --debug for details)")
            raise typer.Exit(int(ExitCode.AWS_FAILED)) from None


app = typer.Typer(
    cls=HandledGroup,
    name="pinpoint-sandbox",
    help=(
        "Take AWS End User Messaging SMS/MMS and Voice accounts out of the sandbox: "
        "one production-access case per account, region and channel, never two."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
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
) -> None:
    DEBUG["on"] = debug


def _register() -> None:
    from pinpoint_sandbox.cli import (
        batch,
        check,
        iam_policy,
        init,
        lint,
        record,
        reply,
        request,
        simulator,
        status,
    )

    request.register(app)
    batch.register(app)
    status.register(app)
    reply.register(app)
    record.register(app)
    check.register(app)
    lint.register(app)
    init.register(app)
    iam_policy.register(app)
    app.add_typer(simulator.app, name="simulator")


_register()


def normalize_argv(args: list[str]) -> list[str]:
    """`--simulate` alone means the default scenario (click needs `--simulate=NAME` otherwise);
    `--watch` without a number means every 300 seconds."""
    args = ["--simulate=default" if a == "--simulate" else a for a in args]
    return [
        "--watch=300" if a == "--watch" and not (i + 1 < len(args) and args[i + 1].isdigit())
        else a
        for i, a in enumerate(args)
    ]


def main(argv: list[str] | None = None) -> None:
    args = normalize_argv(list(sys.argv[1:] if argv is None else argv))
    app(args, prog_name="pinpoint-sandbox")
