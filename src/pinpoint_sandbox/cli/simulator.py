"""`pinpoint-sandbox simulator serve|reset`: run the built-in AWS simulator for other processes
(the AWS CLI, scripts, a second terminal) and clear its persisted state and ledgers."""

from __future__ import annotations

import shlex
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pinpoint_sandbox.cli import HandledGroup
from pinpoint_sandbox.core.errors import UsageError
from pinpoint_sandbox.core.paths import private_dir

if TYPE_CHECKING:
    from pinpoint_sandbox.simulator import Simulator

Scenario = dict[str, object]  # a validated scenario, as plain data

app = typer.Typer(
    cls=HandledGroup,  # errors are one line and exit 2 also when this app runs on its own
    help="Run or reset the built-in AWS simulator (no AWS account needed).",
    no_args_is_help=True,
)


def _explicit_state(scenario: str | None, state_file: Path, fresh: bool) -> Scenario | None:
    """`--state FILE`: the file's world; a --scenario that does not match it is an error
    (unless --fresh), never silently ignored."""
    from pinpoint_sandbox.simulator import SimulatorState, load_scenario, reset_state

    if fresh:
        reset_state(state_file)
    if scenario is None:
        return None
    data = load_scenario(scenario)
    if state_file.exists() and SimulatorState.load(state_file).data.get("scenario") != data:
        raise UsageError(
            f"--state {state_file} holds another scenario than --scenario {scenario}: pass "
            "--fresh to replace it, or another --state file."
        )
    return data


@app.command()
def serve(
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", "-s", show_default=False,
                     help="Built-in scenario name or a scenario YAML file (default: the "
                          "active scenario, else fresh-sandbox)."),
    ] = None,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 = any free port).",
                                      min=0, max=65535)] = 0,
    state: Annotated[
        Path | None,
        typer.Option("--state", help="State file (default: the scenario's own directory)."),
    ] = None,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Discard the saved state and start from the scenario.")
    ] = False,
) -> None:
    """Start the simulator, print `export` lines for boto3/AWS CLI, run until Ctrl-C."""
    from pinpoint_sandbox.simulator import (
        SIMULATOR_DIR_ENV,
        Simulator,
        reset_simulated,
        select_scenario,
    )

    note = ""
    if state is not None:
        source: Scenario | None = _explicit_state(scenario, state, fresh)
        state_file, data_dir = state, state.parent
    else:
        if fresh:
            reset_simulated(select_scenario(scenario).name)
        selected = select_scenario(scenario)
        if selected.restarted:
            note = " (started afresh: the scenario changed since its state was saved)"
        source, state_file, data_dir = selected.data, selected.state_file, selected.directory
        private_dir(data_dir)
    reused = state_file.exists()
    sim = Simulator(source, state_file=state_file, port=port)
    try:
        sim.start()
    except OSError as exc:
        raise UsageError(
            f"cannot listen on 127.0.0.1:{port} ({exc.strerror}); pick another --port."
        ) from None
    if state is None:
        from pinpoint_sandbox.simulator import set_active

        set_active(selected.name, selected.source)
    for key, value in {**sim.env(), SIMULATOR_DIR_ENV: str(data_dir)}.items():
        typer.echo(f"export {key}={shlex.quote(value)}")
    sys.stdout.flush()
    _announce(sim, state_file, reused, note)
    _run_until_signal(sim)
    typer.echo(f"Simulator stopped; state kept in {state_file}.", err=True)


def _announce(sim: Simulator, state_file: Path, reused: bool, note: str) -> None:
    loaded = sim.state.scenario
    if reused:
        typer.echo(f"simulator: scenario {loaded.name}, reusing state {state_file}; "
                   "pass --fresh to start over.", err=True)
    else:
        typer.echo(f"simulator: scenario {loaded.name}; state saved in {state_file}{note}.",
                   err=True)
    profiles = ", ".join(a.profile for a in loaded.accounts if a.profile) or "none"
    typer.echo(f"Simulator listening on {sim.url} (profiles: {profiles}). Ctrl-C to stop.",
               err=True)


def _run_until_signal(sim: Simulator) -> None:
    stop = threading.Event()

    def _on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        sim.stop()


@app.command()
def reset(
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", "-s", show_default=False,
                     help="Only this scenario (name or file); default: every scenario."),
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option("--state", help="Only this state file (as given to serve --state)."),
    ] = None,
) -> None:
    """Delete simulated state and ledgers so the next run starts from the scenario."""
    from pinpoint_sandbox.simulator import reset_simulated, reset_state

    if state is not None:
        if state.is_dir():
            raise UsageError(f"--state {state} is a directory; give the state file.")
        if reset_state(state):
            typer.echo(f"Removed simulator state {state}.", err=True)
        else:
            typer.echo(f"No simulator state at {state}; nothing to remove.", err=True)
        return
    name = _scenario_name(scenario) if scenario is not None else None
    removed = reset_simulated(name)
    if removed:
        typer.echo(f"Removed simulated state and ledger of: {', '.join(removed)}.", err=True)
    else:
        what = f"scenario {name}" if name else "any scenario"
        typer.echo(f"No simulated state for {what}; nothing to remove.", err=True)


def _scenario_name(scenario: str) -> str:
    """A scenario's name: a file's `name`, a built-in's, or the text itself (its file may
    be gone, its state still there)."""
    from pinpoint_sandbox.simulator import ScenarioError, load_scenario

    try:
        return str(load_scenario(scenario)["name"])
    except ScenarioError:
        if "/" in scenario or scenario.endswith((".yaml", ".yml")):
            raise
        return scenario


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
        typer.Option("--state", help="State file (default: the active scenario's).",
                     metavar="FILE"),
    ] = None,
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", "-s", "--simulate", show_default=False, metavar="NAME",
                     help="The scenario to change (name or file; default: the active one)."),
    ] = None,
) -> None:
    """Play AWS: approve, deny or ask a question on a target's newest request and case."""
    from pinpoint_sandbox.simulator import SimulatorState
    from pinpoint_sandbox.simulator.lifecycle import ACTIONS, advance
    from pinpoint_sandbox.simulator.state import update_state_file

    if action not in ACTIONS:
        raise UsageError(f"advance {action}: choose approve, deny or ask.")
    name, state_file = _advance_state(state, scenario)
    if not state_file.is_file():
        raise UsageError(
            f"no simulator state for scenario {name} ({state_file}): file a request with "
            f"--simulate={name} first."
        )

    def change(world: SimulatorState) -> str:
        account_id, where, channel = _advance_target(target, region, world.default_account)
        return advance(world, account_id, where, channel, action, message)  # type: ignore[arg-type]

    # Under the state file's lock, read-modify-write: a running `serve` or `--simulate` run
    # reads the change on its next call, and never writes its older copy over it.
    line = update_state_file(state_file, change)
    typer.echo(f"simulator: scenario {name}: {line}", err=True)


def _advance_state(state: Path | None, scenario: str | None) -> tuple[str, Path]:
    """(scenario name, state file) that `advance` changes."""
    from pinpoint_sandbox.simulator import STATE_NAME, active_name, scenario_dir

    if state is not None:
        return str(state), state
    if scenario is not None and scenario not in ("", "default", "1", "true"):
        name = _scenario_name(scenario)
    else:
        name = active_name()
    return name, scenario_dir(name) / STATE_NAME


def _advance_target(
    words: list[str], region: str | None, default_account: str
) -> tuple[str, str, str]:
    if len(words) == 1 and words[0].count("/") == 2:
        account_id, where, channel = words[0].split("/")
        return account_id, where, channel
    if len(words) == 1 and region:
        return default_account, region, words[0]
    raise UsageError("give the target as ACCOUNT/REGION/CHANNEL, or -r REGION CHANNEL.")


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="simulator")


if __name__ == "__main__":
    app()
