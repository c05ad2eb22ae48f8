"""The command-line surface: every DESIGN command exists, is documented, and `--help` is cheap."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import REPO, SMS_ANSWERS, cli
from pinpoint_sandbox.cli import COMMAND_MODULES, COMMANDS, _load_command, app

DESIGN_COMMANDS = ["request", "batch", "status", "check", "lint", "init", "iam-policy",
                   "simulator serve", "simulator reset"]


def _command_names() -> list[str]:
    import typer.main

    group = typer.main.get_command(app)
    names: list[str] = []
    ctx = group.make_context("pinpoint-sandbox", ["--help"], resilient_parsing=True)
    for name in group.list_commands(ctx):  # type: ignore[attr-defined]
        command = group.get_command(ctx, name)  # type: ignore[attr-defined]
        sub = getattr(command, "commands", None)
        if sub:
            names.extend(f"{name} {child}" for child in sub)
        else:
            names.append(name)
    return names


def test_every_design_command_is_registered() -> None:
    names = _command_names()
    for command in DESIGN_COMMANDS:
        assert command in names


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text()
    for command in _command_names():
        head = command.split()[0]
        assert re.search(rf"`{re.escape(command)}|`{re.escape(head)}", readme), command


@pytest.mark.parametrize("command", DESIGN_COMMANDS)
def test_help_works_for_every_command(command: str) -> None:
    run = cli(*command.split(), "--help")
    assert run.exit_code == 0, run
    assert "Usage" in run.stdout


def test_request_takes_the_channel_as_design_spells_it() -> None:
    bad = cli("request", "email", "--no-input")
    assert bad.exit_code == 2
    only_voice = cli("request", "sms", "--send-test-call", "+12065550199", "--no-input")
    assert only_voice.exit_code == 2
    assert "request voice" in only_voice.stderr


# What `--help` must not load. Typer itself needs rich (it draws the help) and, to build a
# command's parameters, pydantic: those are the floor of `<command> --help`, not ours.
HEAVY = ("boto3", "botocore", "questionary", "prompt_toolkit", "jinja2", "yaml", "moto")
STAGES = ("aws", "ledger", "questionnaire", "review", "backends", "checks", "tracking",
          "filing", "simulator")
# `--backend` lists the registered backends: the registry (with what it stands on) is loaded
# to build the commands that take it, and nothing else of the library.
BACKEND_STAGES = {"aws", "ledger", "backends"}
TAKES_BACKEND = {"request", "batch", "check", "iam-policy"}


def _modules_after(*args: str) -> set[str]:
    """Every module `pinpoint-sandbox ARGS` has imported when it is done, in a fresh process."""
    code = (
        "import sys\n"
        "from pinpoint_sandbox.cli import main\n"
        f"try:\n    main({list(args)!r})\nexcept SystemExit:\n    pass\n"
        "print('MODULES=' + ' '.join(sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    [line] = [x for x in out.stdout.splitlines() if x.startswith("MODULES=")]
    return set(line.removeprefix("MODULES=").split())


def _heavy_and_stages(modules: set[str]) -> tuple[set[str], set[str]]:
    stages = {m.split(".")[1] for m in modules if m.startswith("pinpoint_sandbox.")}
    return {m for m in HEAVY if m in modules}, stages & set(STAGES)


def test_help_loads_no_command_and_nothing_heavy() -> None:
    modules = _modules_after("--help")
    assert _heavy_and_stages(modules) == (set(), set())
    commands = {f"pinpoint_sandbox.cli.{m}" for m in COMMAND_MODULES.values()}
    assert not modules & commands, modules & commands
    assert "pydantic" not in modules  # Typer needs it to build a command: none is built


@pytest.mark.parametrize("command", [*COMMAND_MODULES, "simulator serve"])
def test_a_commands_help_loads_only_that_command(command: str) -> None:
    heavy, stages = _heavy_and_stages(_modules_after(*command.split(), "--help"))
    assert heavy == set(), heavy
    allowed = BACKEND_STAGES if command in TAKES_BACKEND else set()
    assert stages <= allowed, stages


def test_the_root_lists_each_commands_own_summary() -> None:
    """The root's --help reads COMMANDS (no command imported); each summary is the first
    paragraph of the command's docstring, so the two cannot drift apart."""
    for name in COMMANDS:
        command = _load_command(name)
        assert command.help is not None
        assert " ".join(command.help.split("\n\n")[0].split()) == COMMANDS[name][1], name


def test_unknown_option_is_a_usage_error() -> None:
    run = cli("status", "--no-such-flag")
    assert run.exit_code == 2


@pytest.mark.parametrize(
    ("args", "key"),
    [
        (["request", "sms", "--backend", "bogus", "--output", "json"], "results"),
        (["check", "sms", "-r", "xx-nowhere-1", "-o", "json"], "checks"),
        (["status", "-r", "xx-nowhere-1", "--output=json"], "regions"),
    ],
)
def test_json_output_is_one_document_even_for_usage_errors(args: list[str], key: str) -> None:
    run = cli(*args)
    assert run.exit_code == 2, run
    doc = run.json
    assert doc[key] == [] and doc["error"]["exit_code"] == 2


def test_console_entry_point_exits_quickly_keeping_codes_output_and_simulator_state(
    tmp_path: Path,
) -> None:
    """`run()` leaves with os._exit after the command: the exit code, the whole stdout and
    the in-process simulator's saved state must survive it."""
    import json
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PINPOINT_"))}
    env["PINPOINT_SANDBOX_STATE_DIR"] = str(tmp_path / "state")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pinpoint_sandbox", *args], env=env,
                              capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)

    bad = run("status", "--no-such-flag")
    assert bad.returncode == 2 and bad.stderr.count("Error:") == 1, bad
    filed = run("request", "sms", "--simulate", "--answers", str(SMS_ANSWERS), "-r", "eu-west-1",
                "--yes", "--output", "json")
    assert filed.returncode == 0, filed
    request_id = json.loads(filed.stdout)["results"][0]["request_id"]
    # A second process sees what the first filed: the simulator saved its state before exit.
    status = run("status", "--simulate", "-r", "eu-west-1", "--output", "json")
    assert status.returncode == 0, status
    [row] = json.loads(status.stdout)["regions"]
    assert any(request_id in line for line in row["requests"]), row
