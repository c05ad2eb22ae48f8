"""A built-in AWS simulator: a real HTTP server on 127.0.0.1 speaking the wire protocols
pinpoint-sandbox uses, with per-account, per-region state from a scenario YAML.

    from pinpoint_sandbox.simulator import Simulator
    with Simulator("business-mixed", state_file=path) as sim:
        os.environ.update(sim.env())      # boto3 now talks to the simulator

Callers are identified from the SigV4 `Authorization` header (the signature is not checked):
the access key id maps to a scenario account (`AKIASIM<account_id>` by default, or the
`access_key_id` given in the scenario; `ASIASIM<account_id>…` for AssumeRole credentials).
**An unknown access key acts as the scenario's default account**, so dummy test credentials work.
The region comes from the credential scope of that header.

`--simulate` keeps each scenario's world in its own directory, `<state dir>/simulator/<name>/`
(state.json, ledger.jsonl, manual-cases/), never in the real ledger; `select_scenario` says
which scenario a command serves and `reset_simulated` clears them.

Served: sts (query/XML), pinpoint-sms-voice-v2 (JSON 1.0), service-quotas, support and cloudtrail
(JSON 1.1), cloudwatch (Smithy RPC v2 CBOR as botocore >= 1.44 sends it; JSON 1.0 and query for
older clients). Plus `GET /_simulator/requests`, `GET /_simulator/state`, `POST /_simulator/reset`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pinpoint_sandbox.core.paths import private_dir
from pinpoint_sandbox.simulator.scenario import (
    DEFAULT_SCENARIO,
    ScenarioError,
    builtin_names,
    load_scenario,
)
from pinpoint_sandbox.simulator.server import Simulator, reset_state
from pinpoint_sandbox.simulator.state import WRITE_OPERATIONS, RequestRecord, SimulatorState

__all__ = [
    "WRITE_OPERATIONS",
    "RequestRecord",
    "ScenarioError",
    "Selected",
    "Simulator",
    "SimulatorState",
    "builtin_names",
    "default_state_file",
    "load_scenario",
    "reset_simulated",
    "reset_state",
    "scenario_dir",
    "select_scenario",
    "set_active",
    "start_in_process",
]

# Where `--simulate` keeps its ledger and case files (read by paths.ledger_path()).
SIMULATOR_DIR_ENV = "PINPOINT_SANDBOX_SIMULATOR_DIR"
ACTIVE_FILE = "active-scenario.json"  # the scenario `--simulate` alone continues with
STATE_NAME = "state.json"


def _root() -> Path:
    from pinpoint_sandbox.core.paths import simulator_state_dir

    return simulator_state_dir()


def scenario_dir(name: str) -> Path:
    """`<state dir>/simulator/<scenario name>/`: its state, ledger and manual case files."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)[:64].strip(".") or "scenario"
    return _root() / safe


def default_state_file() -> Path:
    """The state file `--simulate` alone would use (the active scenario's)."""
    return scenario_dir(active_name()) / STATE_NAME


def active_name() -> str:
    """The scenario `--simulate` alone continues with."""
    active = _read_active()
    return active["name"] if active else DEFAULT_SCENARIO


def _read_active() -> dict[str, str] | None:
    try:
        data = json.loads((_root() / ACTIVE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(data, dict) and isinstance(data.get("name"), str) and data.get("source"):
        return {"name": data["name"], "source": str(data["source"])}
    return None


def set_active(name: str, source: str) -> None:
    path = _root() / ACTIVE_FILE
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"name": name, "source": source}), encoding="utf-8")
    os.replace(tmp, path)


@dataclass
class Selected:
    """The scenario a simulated command serves, and where its world is kept."""

    name: str
    source: str  # a built-in name or an absolute file path
    directory: Path
    data: dict[str, Any] | None  # None: continue the saved state as it is
    restarted: bool = False  # the saved state was of another version of the scenario

    @property
    def state_file(self) -> Path:
        return self.directory / STATE_NAME


def _source_text(scenario: str) -> str:
    path = Path(scenario)
    if scenario in builtin_names() and not path.exists():
        return scenario
    return str(path.resolve())


def select_scenario(scenario: str | None) -> Selected:
    """What `--simulate[=SCENARIO]` and `simulator serve [--scenario]` serve.

    Given a scenario (name or file), that scenario, always: a missing or unreadable one is an
    error (exit 2), and a saved state seeded from another version of it starts afresh.
    Without one, the active scenario (the last one asked for) continues from its saved state;
    with none active, the default `fresh-sandbox`.
    """
    if scenario is None:
        active = _read_active()
        if active is not None and (scenario_dir(active["name"]) / STATE_NAME).exists():
            return Selected(active["name"], active["source"], scenario_dir(active["name"]), None)
        scenario = active["source"] if active is not None else DEFAULT_SCENARIO
    data = load_scenario(scenario)
    selected = Selected(str(data["name"]), _source_text(scenario),
                        scenario_dir(str(data["name"])), data)
    if selected.state_file.exists():
        try:
            saved = SimulatorState.load(selected.state_file).data.get("scenario")
        except ScenarioError:
            saved = None
        if saved == data:
            selected.data = None  # the same scenario: continue where it was left
        else:
            reset_simulated(selected.name)
            selected.restarted = True
    return selected


def reset_simulated(name: str | None = None) -> list[str]:
    """Delete simulated state and ledgers: one scenario's, or all (and the active pointer).
    Returns the names of the scenarios removed."""
    root = _root()
    if name is not None:
        directory = scenario_dir(name)
        if directory.is_dir():
            shutil.rmtree(directory)
            return [name]
        return []
    removed = sorted(p.name for p in root.iterdir() if p.is_dir())
    for path in root.iterdir():
        if path.is_dir():
            shutil.rmtree(path)
        else:  # the active pointer, and state files of versions before per-scenario dirs
            path.unlink()
    return removed


def start_in_process(scenario: str | None = None,
                     announce: Callable[[str], None] | None = None) -> Simulator:
    """For `--simulate`: start a simulator on the scenario's own state in a daemon thread and
    point this process's boto3 at it. Its ledger and case files live in the scenario's
    directory too (never the real ones); `announce` gets the one-line "which scenario" note."""
    selected = select_scenario(scenario)
    private_dir(selected.directory)  # its ledger holds case text: 0700
    sim = Simulator(selected.data, state_file=selected.state_file)
    sim.start()
    set_active(selected.name, selected.source)
    import atexit

    atexit.register(sim.stop)  # the last reads' log lines reach the state file too
    _IN_PROCESS.append(sim)
    _point_environment_at(sim)
    os.environ[SIMULATOR_DIR_ENV] = str(selected.directory)
    from pinpoint_sandbox.core.paths import SIMULATED

    SIMULATED["source"] = selected.source
    if announce is not None:
        fresh = "; started afresh: the scenario changed" if selected.restarted else ""
        announce(f"simulator: scenario {selected.name} (state {selected.directory}{fresh}; "
                 f"`pinpoint-sandbox simulator reset --scenario {selected.name}` starts over)")
    return sim


_IN_PROCESS: list[Simulator] = []


def stop_in_process() -> None:
    """Stop the simulators `start_in_process` started (the CLI's quick exit skips atexit)."""
    import atexit

    from pinpoint_sandbox.core.paths import SIMULATED

    SIMULATED.clear()
    while _IN_PROCESS:
        sim = _IN_PROCESS.pop()
        atexit.unregister(sim.stop)
        sim.stop()


def _point_environment_at(sim: Simulator) -> None:
    profiles = {a.profile for a in sim.state.scenario.accounts if a.profile}
    # Settings that would send boto3 elsewhere or pick credentials the simulator does not know.
    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL_") or name in (
            "AWS_SESSION_TOKEN", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_ROLE_ARN",
            "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        ):
            del os.environ[name]
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        if os.environ.get(name) and os.environ[name] not in profiles:
            del os.environ[name]
    os.environ.update(sim.env())
