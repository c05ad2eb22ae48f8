"""Daily use (issue 21): the simulator shared by processes, `status` readable at 80 columns,
next steps that run in the same world."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from helpers import SMS_ANSWERS, cli

SCRIPT = Path(sys.executable).with_name("pinpoint-sandbox")


def _run(*args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **env})


def _file(scenario: str = "business-mixed", region: str = "eu-central-1") -> None:
    run = cli("request", "sms", f"--simulate={scenario}", "--answers", str(SMS_ANSWERS),
              "-r", region, "--yes", "--no-input", "--output", "json")
    assert run.exit_code == 0, run
    assert run.actions() == {region: "filed"}


def test_watch_sees_an_approval_made_by_another_process(isolated_env: Path) -> None:
    _file()
    watch = subprocess.Popen(
        [str(SCRIPT), "status", "--simulate=business-mixed", "-r", "eu-central-1", "--watch", "2",
         "--output", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        time.sleep(3)  # the watch has read the open request at least once
        advance = _run("simulator", "advance", "approve", "sms", "-r", "eu-central-1",
                       "--simulate=business-mixed")
        assert advance.returncode == 0, advance.stderr
        assert "scenario business-mixed" in advance.stderr
        out, err = watch.communicate(timeout=40)
    finally:
        if watch.poll() is None:
            watch.kill()
    assert watch.returncode == 0, err
    states = {t["channel"]: t["state"] for t in json.loads(out)["targets"]
              if t["region"] == "eu-central-1"}
    assert states["sms"] == "approved"
    # The watch's own save at exit kept the approval: a later status still says so.
    again = cli("status", "--simulate=business-mixed", "-r", "eu-central-1", "--output", "json")
    assert {t["channel"]: t["state"] for t in again.json["targets"]}["sms"] == "approved"


def test_two_simulators_on_one_state_file_never_overwrite_each_other(
    isolated_env: Path, tmp_path: Path
) -> None:
    import boto3

    from pinpoint_sandbox.simulator import Simulator, SimulatorState
    from pinpoint_sandbox.simulator.state import update_state_file

    state_file = tmp_path / "shared" / "state.json"
    first = Simulator("fresh-sandbox", state_file=state_file)
    first.start()
    second = Simulator(None, state_file=state_file)
    second.start()
    try:
        for sim in (first, second):
            client = boto3.client("sts", endpoint_url=sim.url, region_name="us-east-1",
                                  aws_access_key_id="AKIDUMMY", aws_secret_access_key="x")
            client.get_caller_identity()
        update_state_file(state_file, lambda s: s.data.__setitem__("marker", 1))
        first.stop()
        second.stop()
    finally:
        first.stop()
        second.stop()
    saved = SimulatorState.load(state_file).data
    assert saved.get("marker") == 1  # neither process wrote its older copy back
    operations = [r["operation"] for r in saved["requests"]]
    assert operations.count("GetCallerIdentity") == 2  # each process's log line kept


def test_a_service_quotas_denial_shows_aws_reason_and_one_state_per_target(
    isolated_env: Path,
) -> None:
    _file()
    reason = "We cannot approve this: describe the opt-in on your website."
    advance = cli("simulator", "advance", "deny", "sms", "-r", "eu-central-1",
                  "--simulate=business-mixed", "-m", reason)
    assert advance.exit_code == 0, advance
    run = cli("status", "--simulate=business-mixed", "-r", "eu-central-1", "--output", "json")
    assert run.exit_code == 3, run
    [target] = [t for t in run.json["targets"] if t["channel"] == "sms"]
    assert target["state"] == "denied" and target["aws_status"] == "DENIED"
    assert target["last_message"] == reason
    # Every command the next step names carries the simulated world and the denied answers.
    [command] = target["next_commands"]
    assert "--simulate=business-mixed" in command and " -a " in command
    answers_file = Path(command.split(" -a ")[1].split()[0])
    assert answers_file.is_file() and oct(answers_file.stat().st_mode & 0o777) == "0o600"
    for region in run.json["regions"]:  # regions[] says what targets[] says
        states = {t["channel"]: t["state"] for t in run.json["targets"]
                  if t["region"] == region["region"]}
        assert {t["channel"]: t["state"] for t in region["targets"]} == states
        assert region["requests"] == [line for line in region["requests"]
                                      if "denied" in line] == ["sms: denied (request " +
                                      target["request_id"] + ", case " + target["case_id"] +
                                      ")"]


def _root_commands() -> list[str]:
    from pinpoint_sandbox.cli import COMMAND_MODULES

    return list(COMMAND_MODULES)


COMMANDS = _root_commands()
SIMULATOR_COMMANDS = ["serve", "reset", "advance"]


def _listed(help_text: str) -> set[str]:
    """The command names in a --help's Commands panel."""
    panel = help_text.split("Commands", 1)[1] if "Commands" in help_text else ""
    return {m.group(1) for m in re.finditer(r"│ ([a-z][a-z-]+)\s", panel)}


def test_each_group_lists_only_its_own_commands(isolated_env: Path) -> None:
    root = cli("--help")
    assert _listed(root.stdout) == set(COMMANDS), root.stdout
    simulator = cli("simulator", "--help")
    assert _listed(simulator.stdout) == set(SIMULATOR_COMMANDS), simulator.stdout
    nested = cli("simulator", "simulator", "reset")
    assert nested.exit_code == 2 and "No such command 'simulator'" in nested.stderr


def test_help_speaks_in_words_with_h_and_completion(isolated_env: Path) -> None:
    bad = re.compile(r"<bool>|<list\[|<str>|<int|<path>|\{[a-z_]+\}")
    paths = [[], *([c] for c in COMMANDS), *(["simulator", c] for c in SIMULATOR_COMMANDS)]
    for path in paths:
        for flag in ("--help", "-h"):
            run = cli(*path, flag)
            assert run.exit_code == 0, (path, flag, run)
            assert "Usage:" in run.stdout, (path, flag)
            assert not bad.findall(run.stdout), (path, bad.findall(run.stdout))
    # The shell is named, not detected: detection reads the parent processes, which differ
    # between a terminal, CI and a background run.
    completion = _run("--show-completion", "bash",
                      _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1")
    assert completion.returncode == 0, completion.stderr
    assert "complete " in completion.stdout and "_PINPOINT_SANDBOX_COMPLETE" in completion.stdout


def test_one_message_for_a_missing_profile_whichever_way_named(
    isolated_env: Path, monkeypatch: object
) -> None:
    by_flag = cli("status", "-r", "us-east-1", "--profile", "nope")
    os.environ["AWS_PROFILE"] = "nope"
    try:
        by_env = cli("status", "-r", "us-east-1")
    finally:
        del os.environ["AWS_PROFILE"]
    assert by_flag.exit_code == by_env.exit_code == 2
    assert by_flag.stderr == by_env.stderr
    assert "AWS profile 'nope' was not found" in by_flag.stderr


def test_endpoint_url_like_the_aws_cli(isolated_env: Path, simulator: Any) -> None:
    sim = simulator("business-mixed")
    os.environ.pop("AWS_ENDPOINT_URL", None)
    run = cli("status", "-r", "us-east-1", "--output", "json", "--endpoint-url", sim.url)
    assert run.exit_code == 0, run
    states = {t["channel"]: t["state"] for t in run.json["targets"]}
    assert states["sms"] == "approved"  # the simulator answered (us-east-1 is in production)
    bad = cli("status", "-r", "us-east-1", "--endpoint-url=not a url")
    assert bad.exit_code == 2 and "Error:" in bad.stderr


def test_the_organization_scenario_is_an_organization(isolated_env: Path, tmp_path: Path) -> None:
    page = tmp_path / "org.html"
    run = cli("status", "--organization", "-r", "us-east-1", "--simulate=organization",
              "--output", "json", "--html", str(page))
    assert run.exit_code in (0, 3, 5), run
    covered = {t["account_id"] for t in run.json["targets"]}
    assert len(covered) >= 2
    names = {t["account_id"]: t["account_name"] for t in run.json["targets"]}
    assert names["123456789012"] == "acme-prod-us"
    skipped = {s["account_id"]: s for s in run.json["skipped_accounts"]}
    assert skipped["555566667777"]["status"] == "suspended"
    assert skipped["888899990000"]["status"] == "unreachable"
    html = page.read_text(encoding="utf-8")
    section = html.split("<h2>Not covered</h2>", 1)[1].split("</section>", 1)[0]
    for account_id, name in (("555566667777", "acme-closed"), ("888899990000", "acme-invited")):
        assert account_id in section and name in section
    for account_id, name in names.items():  # the others, by name (when Organizations gave one)
        if name:
            assert f"Account {account_id} ({name})" in html
    assert "acme-staging" in html
    assert "SIMULATED" in html and "scenario organization" in html
    assert "not requested" in html and "sandbox</span>" not in html
    body = html.split("<body>", 1)[1]
    assert "`" not in body  # our `command` notation became <code>


def _terminal(*args: str, width: int = 100) -> Any:
    """The console script in a real terminal (tmux), as test_terminal_e2e runs it."""
    import shutil
    import uuid

    import pytest

    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    from test_terminal_e2e import Terminal

    name = f"pps-du-{uuid.uuid4().hex[:8]}"
    env = " ".join(f"{k}={v}" for k, v in os.environ.items()
                   if k.startswith(("PINPOINT_SANDBOX_", "AWS_")))
    command = (f"env -u NO_COLOR COLUMNS={width} {env} {SCRIPT} {' '.join(args)}; "
               "echo EXIT=$?; sleep 60")
    return Terminal.start(name, command, width)


def _close(term: Any) -> None:
    term.close()


def _folded(text: str) -> str:
    return " ".join(text.split())


def test_voice_says_no_message_was_sent_before_any_question(isolated_env: Path) -> None:
    term = _terminal("request", "voice", "-r", "us-west-2", "--simulate=fresh-sandbox")
    try:
        screen = term.wait_for("?")
        before_question = _folded(screen.split("?", 1)[0] + "?")
        assert "no voice message was sent" in before_question
        assert "Did you send a voice message" in _folded(screen)
        assert "company" not in screen.lower()  # no questionnaire question yet
        term.keys("n", "Enter")
        screen = _folded(term.wait_for("EXIT="))
        assert "EXIT=3" in screen and "nothing filed" in screen
    finally:
        _close(term)


def test_regions_already_requested_ask_nothing(isolated_env: Path) -> None:
    # business-mixed: us-east-1 is in production, eu-west-1 has an open request.
    term = _terminal("request", "sms", "-r", "us-east-1,eu-west-1", "--simulate=business-mixed")
    try:
        screen = _folded(term.wait_for("EXIT="))
    finally:
        _close(term)
    assert "EXIT=0" in screen, screen
    assert "us-east-1: skipped" in screen and "eu-west-1: skipped" in screen
    assert "Nothing to file in us-east-1, eu-west-1: no question asked" in screen
    assert "?" not in screen.split("EXIT=")[0].replace("(?", "")  # no prompt was shown


def test_status_reads_at_80_and_120_columns_in_a_terminal(isolated_env: Path) -> None:
    _file()  # eu-central-1 sms: filed, then AWS asks; eu-west-1 sms: open (the scenario's)
    question = ("Thank you for your request. Please describe how recipients opt in to your "
                "messages, with a link to the opt-in form or a screenshot of it.")
    asked = cli("simulator", "advance", "ask", "sms", "-r", "eu-central-1",
                "--simulate=business-mixed", "-m", question)
    assert asked.exit_code == 0, asked
    doc = cli("status", "--simulate=business-mixed", "-r", "eu-central-1,eu-west-1",
              "--output", "json").json
    states = {(t["region"], t["channel"]): t for t in doc["targets"]}
    assert states[("eu-west-1", "sms")]["state"] == "open"
    [command] = states[("eu-central-1", "sms")]["next_commands"]
    assert "--simulate=business-mixed" in command
    for width in (80, 120):
        term = _terminal("status", "--simulate=business-mixed", "-r", "eu-central-1,eu-west-1",
                         width=width)
        try:
            term.wait_for("EXIT=")
            rows = term.tmux("capture-pane", "-p", "-t", term.name)
        finally:
            _close(term)
        assert max(len(line.rstrip()) for line in rows.splitlines()) <= width
        screen = _folded(rows)
        assert "EXIT=3" in screen
        assert question in screen, (width, rows)  # whole, one run of text
        assert command in screen, (width, rows)  # never cut inside a word
        assert "needs_reply" in screen and "open" in screen


def _parses(command: str) -> None:
    """The command as a user would paste it: every option exists and takes what it is given."""
    import shlex

    from pinpoint_sandbox.cli import COMMAND_MODULES, _load_command

    words = shlex.split(command)
    assert words[0] == "pinpoint-sandbox", command
    name, rest = words[1], words[2:]
    assert name in COMMAND_MODULES, command
    _load_command(name).make_context(name, list(rest))  # raises on an unknown option


def _next_commands(*args: str) -> list[str]:
    run = cli("status", *args, "--output", "json")
    assert run.exit_code in (0, 3, 5), run
    return [c for t in run.json["targets"] for c in t["next_commands"]]


def test_every_next_step_status_prints_parses_and_stays_in_its_world(isolated_env: Path) -> None:
    commands: list[str] = []
    # business-mixed: AWS asks on one request, denies another; other targets never requested.
    _file("business-mixed", "eu-central-1")
    _file("business-mixed", "us-west-2")
    for action, region in (("ask", "eu-central-1"), ("deny", "us-west-2")):
        moved = cli("simulator", "advance", action, "sms", "-r", region,
                    "--simulate=business-mixed")
        assert moved.exit_code == 0, moved
    commands += _next_commands("--simulate=business-mixed", "-r", "eu-central-1,us-west-2")
    # fresh-sandbox, Basic plan: the manual backend leaves the case to paste (awaiting_you).
    manual = cli("request", "sms", "--simulate=fresh-sandbox", "--answers", str(SMS_ANSWERS),
                 "-r", "eu-west-1", "--backend", "manual", "--yes", "--no-input")
    assert manual.exit_code == 0, manual
    commands += _next_commands("--simulate=fresh-sandbox", "-r", "eu-west-1")
    # An organization: member accounts are reached with --role-arn.
    commands += _next_commands("--simulate=organization", "--organization", "-r", "us-east-1")
    kinds = {c.split()[1] for c in commands}
    assert {"request", "reply", "record"} <= kinds, commands
    assert any("--refile" in c and " -a " in c for c in commands), commands
    assert any("--role-arn arn:aws:iam::999988887777:role/" in c for c in commands), commands
    for command in commands:
        assert "--simulate=" in command, command
        _parses(command)


def _try_it_lines() -> list[tuple[str, str]]:
    """(file, command) of every "Try it" line in examples/ (and its continuation lines)."""
    from helpers import EXAMPLES

    found = []
    # examples/simulator is a link to the built-in scenarios: rglob would not enter it.
    for path in sorted([*EXAMPLES.glob("*.yaml"), *EXAMPLES.glob("*/*.yaml")]):
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if not line.startswith("# Try it:"):
                continue
            first = line.split(":", 1)[1].strip()
            block = [first] if first else []
            block += [rest.lstrip("# ").strip() for rest in lines[i + 1:]
                      if rest.startswith("#   pinpoint-sandbox ")]
            found += [(path.name, command) for command in block]
    return found


def test_every_try_it_line_in_examples_runs(isolated_env: Path, monkeypatch: Any) -> None:
    import shlex

    from helpers import REPO

    monkeypatch.chdir(REPO)
    lines = _try_it_lines()
    assert {name for name, _ in lines} >= {"batch.yaml", "sms-answers.yaml",
                                           "voice-answers.yaml", "organization.yaml"}
    for name, command in lines:
        words = shlex.split(command)
        assert words[0] == "pinpoint-sandbox", (name, command)
        run = cli(*words[1:], "--no-input") if words[1] in ("request", "batch") else cli(
            *words[1:])
        # 0 done, 3 something for the user to do, 5 partial (an organization's role-less
        # account): what the scenario is there to show. Never a usage error or a failure.
        assert run.exit_code in (0, 3, 5), (name, command, run)


def test_no_empty_tables_and_a_dry_run_says_nothing_was_filed(isolated_env: Path) -> None:
    args = ("request", "sms", "--simulate=fresh-sandbox", "--answers", str(SMS_ANSWERS),
            "-r", "us-east-1,eu-west-1", "--no-input")
    first = cli(*args, "--dry-run")
    assert first.exit_code == 0, first
    assert ("Dry run: nothing was filed; to file 2 request(s), run the same command without "
            "--dry-run") in _folded(first.stderr + first.stdout)
    filed = cli(*args, "--yes")
    assert filed.exit_code == 0, filed
    again = cli(*args, "--dry-run")
    text = _folded(again.stderr + again.stdout)
    assert "Nothing to file: 2 target(s) already requested." in text
    assert "(filed)" not in text and "(filed earlier)" in text
    assert "no target would be filed either" in text


def test_refile_what_changed_uses_question_words_and_cuts_between_words() -> None:
    from pinpoint_sandbox.filing.refile import CHANGE_CHARS, changes

    long = "Reply STOP to opt out. " * 20
    before = {"opt_in_process": "A form.", "message_templates": ["Hi"], "regions": ["x"]}
    after = {"opt_in_process": long, "message_templates": ["Hi {name}", "Bye"],
             "regions": ["y"]}
    lines = changes(before, after, "sms")
    [opt_in] = [line for line in lines if line.startswith("How do your customers opt in")]
    assert "opt_in_process" not in " ".join(lines)
    value = opt_in.split(": ", 1)[1]
    assert value.endswith(" …") and len(value) <= CHANGE_CHARS + 2
    assert value[:-2].split()[-1] in long.split()  # a whole word before the cut
    assert any(line.endswith(": Hi {name}; Bye") for line in lines), lines


def test_questionnaire_messages_list_every_bad_item_in_words() -> None:
    from pinpoint_sandbox.questionnaire.answer_model import coerce_field
    from pinpoint_sandbox.questionnaire.answers import validate_field

    problem = validate_field("sms", "destination_countries", ["XX", "US", "UK", "ZZ"])
    assert problem is not None and "[0]" not in problem and "[3]" not in problem
    assert "item 1: 'XX'" in problem and "item 3: 'UK'" in problem and "item 4: 'ZZ'" in problem
    assert "item 2" not in problem  # US is fine
    assert validate_field("sms", "website_url", "acmewidgets.co.uk") is None
    assert coerce_field("sms", "website_url", "acmewidgets.co.uk") == "https://acmewidgets.co.uk"
    assert validate_field("sms", "website_url", "http://acme.example") is not None


def test_status_lines_fit_any_width_and_never_cut_a_word() -> None:
    from rich.console import Console

    from pinpoint_sandbox.cli.status_view import status_lines
    from pinpoint_sandbox.core.targets import Target
    from pinpoint_sandbox.tracking.tracker import TrackedTarget

    command = ("pinpoint-sandbox request sms -r ap-southeast-2 --simulate=organization "
               "--role-arn arn:aws:iam::999988887777:role/OrganizationAccountAccessRole "
               "-a /tmp/answers.yaml --refile")
    rows = [
        TrackedTarget(Target("999988887777", "ap-southeast-2", "sms"), "denied", age_s=90000,
                      last_message="We could not verify the opt-in. " * 6,
                      next_step=f"refile: `{command}` (edit the answers first)",
                      account_name="a-very-long-organization-account-name-for-staging"),
        TrackedTarget(Target("111122223333", "eu-west-1", "voice"), "open", age_s=60,
                      next_step="nothing: wait, AWS answers within 24 h"),
    ]
    for width in (60, 80, 120, 200):
        console = Console(width=width, record=True, color_system=None)
        console.print(status_lines(rows, width, wide=True))
        text = console.export_text()
        assert all(len(line) <= width for line in text.splitlines()), text
        folded = " ".join(text.split())
        if width >= 80:  # the 68-character role ARN fits a line: never cut
            assert command in folded, (width, text)
        else:  # a word wider than the terminal is folded, never lost
            assert "".join(command.split()) in "".join(text.split()), text
        assert " ".join(("We could not verify the opt-in. " * 6).split()) in folded
        assert "999988887777" in text and "111122223333" in text  # ids never cut


def test_regions_asked_first_then_the_checks_then_the_rest(isolated_env: Path) -> None:
    term = _terminal("request", "voice", "--simulate=fresh-sandbox")
    try:
        term.wait_for("AWS Regions that will send voice messages")
        term.keys("Enter")  # the preselected default region (the scenario's us-east-1)
        screen = _folded(term.wait_for("Did you send a voice message"))
        assert "us-east-1: blocked: no voice message was sent" in screen
        assert "Company or brand name" not in screen  # nothing else asked yet
        term.keys("n", "Enter")
        assert "EXIT=3" in _folded(term.wait_for("EXIT="))
    finally:
        _close(term)


def test_raise_spend_honours_the_default_region(isolated_env: Path) -> None:
    run = cli("raise-spend", "--channel", "sms", "--simulate=after-approval", "--dry-run",
              "--output", "json")
    assert run.exit_code == 0, run
    assert [r["region"] for r in run.json["results"]] == ["us-east-1"]  # the scenario's default
