"""`pinpoint-sandbox simulator serve|reset`: run the built-in AWS simulator for other processes
(the AWS CLI, scripts, a second terminal) and clear its persisted state."""

from __future__ import annotations

import shlex
import signal
import sys
import threading
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(
    help="Run or reset the built-in AWS simulator (no AWS account needed).",
    no_args_is_help=True,
)


def _state_file(state: Path | None) -> Path:
    from pinpoint_sandbox.simulator import default_state_file

    return state if state is not None else default_state_file()


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(code)


@app.command()
def serve(
    scenario: Annotated[
        str,
        typer.Option("--scenario", "-s", help="Built-in scenario name or a scenario YAML file."),
    ] = "fresh-sandbox",
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 = any free port).")] = 0,
    state: Annotated[
        Path | None,
        typer.Option("--state", help="State file (default: the simulator state dir)."),
    ] = None,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Discard the saved state and start from the scenario.")
    ] = False,
) -> None:
    """Start the simulator, print `export` lines for boto3/AWS CLI, run until Ctrl-C."""
    from pinpoint_sandbox.errors import PinpointSandboxError
    from pinpoint_sandbox.simulator import Simulator, reset_state

    state_file = _state_file(state)
    if fresh:
        reset_state(state_file)
    reused = state_file.exists()
    sim = Simulator(scenario, state_file=state_file, port=port)
    try:
        sim.start()
    except PinpointSandboxError as exc:
        raise _fail(exc.message) from None
    except OSError as exc:
        message = f"cannot listen on 127.0.0.1:{port} ({exc.strerror}); pick another --port."
        raise _fail(message) from None

    for key, value in sim.env().items():
        typer.echo(f"export {key}={shlex.quote(value)}")
    sys.stdout.flush()
    loaded = sim.state.scenario
    if reused:
        typer.echo(f"Reusing simulator state {state_file} (scenario {loaded.name}); "
                   "pass --fresh to start over.", err=True)
    else:
        typer.echo(f"Scenario {loaded.name}; state saved in {state_file}.", err=True)
    profiles = ", ".join(a.profile for a in loaded.accounts if a.profile) or "none"
    typer.echo(f"Simulator listening on {sim.url} (profiles: {profiles}). Ctrl-C to stop.",
               err=True)

    stop = threading.Event()

    def _on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        sim.stop()
    typer.echo(f"Simulator stopped; state kept in {state_file}.", err=True)


@app.command()
def reset(
    state: Annotated[
        Path | None,
        typer.Option("--state", help="State file (default: the simulator state dir)."),
    ] = None,
) -> None:
    """Delete the persisted simulator state so the next start begins from its scenario."""
    from pinpoint_sandbox.simulator import reset_state

    state_file = _state_file(state)
    if reset_state(state_file):
        typer.echo(f"Removed simulator state {state_file}.", err=True)
    else:
        typer.echo(f"No simulator state at {state_file}; nothing to remove.", err=True)


@app.command()
def advance(
    action: Annotated[str, typer.Argument(help="approve, deny or ask.", metavar="ACTION")],
    target: Annotated[
        list[str],
        typer.Argument(help="ACCOUNT/REGION/CHANNEL, or CHANNEL with -r REGION.",
                       metavar="TARGET"),
    ],
    region: Annotated[
        str | None, typer.Option("--region", "-r", help="Region (with TARGET = CHANNEL).",
                                 metavar="REGION")
    ] = None,
    message: Annotated[
        str | None, typer.Option("--message", "-m", help="AWS's text (a question for ask).",
                                 metavar="TEXT")
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option("--state", help="State file (default: the simulator state dir)."),
    ] = None,
) -> None:
    """Play AWS: approve, deny or ask a question on a target's newest request and case."""
    from pinpoint_sandbox.errors import PinpointSandboxError
    from pinpoint_sandbox.simulator import SimulatorState
    from pinpoint_sandbox.simulator.lifecycle import ACTIONS, advance

    if action not in ACTIONS:
        raise _fail(f"advance {action}: choose approve, deny or ask.")
    state_file = _state_file(state)
    if not state_file.exists():
        raise _fail(f"no simulator state at {state_file}: file a request with --simulate first.")
    try:
        world = SimulatorState.load(state_file)
        account_id, where, channel = _advance_target(target, region, world.default_account)
        line = advance(world, account_id, where, channel, action, message)  # type: ignore[arg-type]
    except PinpointSandboxError as exc:
        raise _fail(exc.message) from None
    world.save(state_file)
    typer.echo(line, err=True)


def _advance_target(
    words: list[str], region: str | None, default_account: str
) -> tuple[str, str, str]:
    from pinpoint_sandbox.errors import UsageError

    if len(words) == 1 and words[0].count("/") == 2:
        account_id, where, channel = words[0].split("/")
        return account_id, where, channel
    if len(words) == 1 and region:
        return default_account, region, words[0]
    raise UsageError("give the target as ACCOUNT/REGION/CHANNEL, or -r REGION CHANNEL.")


if __name__ == "__main__":
    app()
