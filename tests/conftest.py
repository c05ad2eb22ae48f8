"""Test isolation: no real AWS, no real home directory, no saved state leaking between tests.

Every test runs with dummy credentials, a temporary state dir, and no AWS_* variables from the
developer's shell. The `simulator` fixture starts the built-in AWS simulator on 127.0.0.1 and
points boto3 at it through the same environment variables a user would set.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith(("AWS_", "PINPOINT_SANDBOX_")):
            monkeypatch.delenv(name, raising=False)
    state = tmp_path / "state"
    state.mkdir()
    monkeypatch.setenv("PINPOINT_SANDBOX_STATE_DIR", str(state))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDUMMYDUMMYDUMMY00")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "dummy-secret")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    # Two requests per call at most: throttling tests stay fast, retries are still exercised.
    monkeypatch.setenv("PINPOINT_SANDBOX_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    return state


@pytest.fixture
def simulator(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Callable[..., Any]]:
    """Factory: `sim = simulator("fresh-sandbox")` starts one and exports its environment."""
    from pinpoint_sandbox.simulator import Simulator

    started: list[Any] = []

    def start(scenario: Any = None, **kwargs: Any) -> Any:
        kwargs.setdefault("state_file", tmp_path / f"sim-state-{len(started)}.json")
        sim = Simulator(scenario, **kwargs)
        sim.start()
        started.append(sim)
        for key, value in sim.env().items():
            monkeypatch.setenv(key, value)
        return sim

    yield start
    for sim in started:
        sim.stop()
