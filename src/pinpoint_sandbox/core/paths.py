"""Where pinpoint-sandbox keeps state: ledger, saved answers, simulator state.

`PINPOINT_SANDBOX_STATE_DIR` overrides the platformdirs location (tests and CI use it so
nothing leaks into the real home directory).

Answers and case text are private: the directories the tool creates are 0700 and the files
that hold answers or cases are written 0600 (`write_private`), whatever the umask.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

APP_NAME = "pinpoint-sandbox"


def private_dir(path: Path, *, ours: bool = True) -> Path:
    """Create `path` (0700). `ours`: tighten it too when it already exists more open."""
    existed = path.is_dir()
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not existed or ours:
        # mkdir's mode is filtered by the umask and ignored for an existing directory.
        with contextlib.suppress(OSError):
            if path.stat().st_mode & 0o077:
                path.chmod(0o700)
    return path


def write_private(path: Path, text: str) -> Path:
    """Write `text` to `path` atomically, readable by the owner only (0600).

    An interrupted write never leaves half a file, and a file that was 0644 before becomes
    0600 (said once): a temporary file created 0600 beside it replaces it, so a symbolic
    link is replaced, never written through.
    """
    from pinpoint_sandbox.core.safeio import tighten, write_atomic

    tighten(Path(path), "the file")  # the old copy is private too while it is replaced
    return write_atomic(Path(path), text)


def state_dir() -> Path:
    override = os.environ.get("PINPOINT_SANDBOX_STATE_DIR")
    if override:
        # The user's own choice of directory: created 0700, left as it is when it exists.
        return private_dir(Path(override), ours=False)
    from platformdirs import user_state_dir

    return private_dir(Path(user_state_dir(APP_NAME)))


def simulator_state_dir() -> Path:
    return private_dir(state_dir() / "simulator")


def simulated_dir() -> Path | None:
    """Set by `--simulate` (and `simulator serve`'s exports): the scenario's own directory,
    so simulated runs never touch the real ledger or case files."""
    override = os.environ.get("PINPOINT_SANDBOX_SIMULATOR_DIR")
    if not override:
        return None
    return private_dir(Path(override), ours=False)


# The `--simulate` value of this process's in-process simulator (set by start_in_process):
# every command we suggest carries it, so following one stays in the same simulated world.
SIMULATED: dict[str, str] = {}


def simulate_flag() -> str:
    """` --simulate=NAME` when this process runs on the simulator, else ""."""
    import shlex

    source = SIMULATED.get("source")
    return f" --simulate={shlex.quote(source)}" if source else ""


def refile_answers_path(target_key: str, intent_id: str) -> Path:
    """Where `status` keeps a denied request's answers for the refile command it suggests."""
    name = f"{target_key.replace('/', '-')}-{intent_id[:8]}.yaml"
    return private_dir((simulated_dir() or state_dir()) / "denied-answers") / name


def ledger_path() -> Path:
    override = os.environ.get("PINPOINT_SANDBOX_LEDGER")
    if override:
        return Path(override)
    return (simulated_dir() or state_dir()) / "ledger.jsonl"


def saved_answers_path(channel: str) -> Path:
    return state_dir() / f"last-answers-{channel}.yaml"


def answers_history_dir(channel: str) -> Path:
    """The last few sets of answers typed in a terminal, one file each (see answers.sources)."""
    return private_dir(private_dir(state_dir() / "answers-history") / channel)


def manual_cases_dir() -> Path:
    return private_dir((simulated_dir() or state_dir()) / "manual-cases")
