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

Served: sts (query/XML), pinpoint-sms-voice-v2 (JSON 1.0), service-quotas, support and cloudtrail
(JSON 1.1), cloudwatch (Smithy RPC v2 CBOR as botocore >= 1.44 sends it; JSON 1.0 and query for
older clients). Plus `GET /_simulator/requests`, `GET /_simulator/state`, `POST /_simulator/reset`.
"""

from __future__ import annotations

from pathlib import Path

from pinpoint_sandbox.simulator.scenario import ScenarioError, builtin_names, load_scenario
from pinpoint_sandbox.simulator.server import Simulator, reset_state
from pinpoint_sandbox.simulator.state import WRITE_OPERATIONS, RequestRecord, SimulatorState

__all__ = [
    "WRITE_OPERATIONS",
    "RequestRecord",
    "ScenarioError",
    "Simulator",
    "SimulatorState",
    "builtin_names",
    "default_state_file",
    "load_scenario",
    "reset_state",
    "start_in_process",
]


def default_state_file() -> Path:
    from pinpoint_sandbox.paths import simulator_state_dir

    return simulator_state_dir() / "state.json"


def start_in_process(scenario: str | None = None) -> Simulator:
    """For `--simulate`: start a simulator on the default state file in a daemon thread and point
    this process's boto3 at it. An existing state file is reused, so state persists between
    commands; only an explicit scenario with another name than the saved one starts afresh."""
    import os

    state_file = default_state_file()
    if scenario is not None and state_file.exists():
        # Asking for another scenario by name replaces the saved world instead of ignoring it.
        wanted = load_scenario(scenario)["name"]
        try:
            saved = SimulatorState.load(state_file).scenario.name
        except ScenarioError:
            saved = None
        if saved != wanted:
            reset_state(state_file)
    sim = Simulator(scenario, state_file=state_file)
    sim.start()
    import atexit

    atexit.register(sim.stop)  # the last reads' log lines reach the state file too
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
    return sim
