"""Where pinpoint-sandbox keeps state: ledger, saved answers, simulator state.

`PINPOINT_SANDBOX_STATE_DIR` overrides the platformdirs location (tests and CI use it so
nothing leaks into the real home directory).
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "pinpoint-sandbox"


def state_dir() -> Path:
    override = os.environ.get("PINPOINT_SANDBOX_STATE_DIR")
    if override:
        path = Path(override)
    else:
        from platformdirs import user_state_dir

        path = Path(user_state_dir(APP_NAME))
    path.mkdir(parents=True, exist_ok=True)
    return path


def simulator_state_dir() -> Path:
    path = state_dir() / "simulator"
    path.mkdir(parents=True, exist_ok=True)
    return path


def simulated_dir() -> Path | None:
    """Set by `--simulate` (and `simulator serve`'s exports): the scenario's own directory,
    so simulated runs never touch the real ledger or case files."""
    override = os.environ.get("PINPOINT_SANDBOX_SIMULATOR_DIR")
    if not override:
        return None
    path = Path(override)
    path.mkdir(parents=True, exist_ok=True)
    return path


def ledger_path() -> Path:
    override = os.environ.get("PINPOINT_SANDBOX_LEDGER")
    if override:
        return Path(override)
    return (simulated_dir() or state_dir()) / "ledger.jsonl"


def saved_answers_path(channel: str) -> Path:
    return state_dir() / f"last-answers-{channel}.yaml"


def manual_cases_dir() -> Path:
    path = (simulated_dir() or state_dir()) / "manual-cases"
    path.mkdir(parents=True, exist_ok=True)
    return path
