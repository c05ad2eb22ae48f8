"""The real console script in a real terminal (tmux): a full interactive SMS request on the
simulator, keystroke by keystroke, then a second run that files nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pinpoint_sandbox.simulator import SimulatorState

SCRIPT = Path(sys.executable).with_name("pinpoint-sandbox")

if shutil.which("tmux") is None:
    if os.environ.get("CI"):
        pytest.fail("tmux is missing: scripts/test.sh installs it", pytrace=False)
    pytest.skip("tmux is not installed", allow_module_level=True)


class Terminal:
    """One tmux session on its own server socket (-L): a session on the shared default server
    can race another test's kill-session as that server exits ("server exited unexpectedly")."""

    def __init__(self, name: str) -> None:
        self.name = name

    @classmethod
    def start(cls, name: str, command: str, width: int = 180) -> Terminal:
        term = cls(name)
        term.tmux("new-session", "-d", "-s", name, "-x", str(width), "-y", "50", command)
        return term

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.name, *args],
                              capture_output=True, text=True, check=True).stdout

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.name, "kill-server"], capture_output=True)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", self.name)

    def wait_for(self, text: str, timeout: float = 20.0, count: int = 1) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            screen = self.screen()
            if screen.count(text) >= count:
                # Let the prompt finish starting before keys arrive: on a cold first run
                # (fresh clone, no bytecode yet) an early key could land before its default.
                time.sleep(0.25)
                return self.screen()
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {text!r}; screen:\n{self.screen()}")

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.name, *keys)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", self.name, "-l", text)


@pytest.fixture
def terminal(isolated_env: Path) -> Iterator[Callable[..., Terminal]]:
    started: list[Terminal] = []

    def start(*args: str) -> Terminal:
        name = f"pps-e2e-{uuid.uuid4().hex[:8]}"
        env = " ".join(
            f"{k}={v}" for k, v in os.environ.items()
            if k.startswith(("PINPOINT_SANDBOX_", "AWS_"))
        )
        command = f"env -u NO_COLOR {env} {SCRIPT} {' '.join(args)}; echo EXIT=$?; sleep 120"
        started.append(Terminal.start(name, command))
        return started[-1]

    yield start
    for term in started:
        term.close()


OPT_IN = (
    "Customers of Acme Tools opt in at checkout on www.acme-tools.co.uk by ticking an unchecked "
    "box: Order updates by SMS from Acme Tools, up to 4 msgs/month. Msg & data rates may "
    "apply. Reply STOP to opt out, HELP for help. Terms https://www.acme-tools.co.uk/terms "
    "Privacy https://www.acme-tools.co.uk/privacy"
)


def test_full_interactive_sms_request_in_a_real_terminal(
    terminal: Callable[..., Terminal], isolated_env: Path
) -> None:
    term = terminal("request", "sms", "--simulate", "-r", "eu-west-1")
    term.wait_for("Company or brand name")
    term.type("Acme Tool")  # a typo, fixed from the summary below
    term.keys("Enter")
    term.wait_for("Link to the website")
    term.type("http://acme-tools.co.uk")  # rejected: the prompt says why and asks again
    term.keys("Enter")
    term.wait_for("https://")
    term.keys("C-u")
    term.type("https://www.acme-tools.co.uk")
    term.keys("Enter")
    term.wait_for("What type of messages")
    term.keys("Down", "Down", "Enter")  # transactional
    term.wait_for("Countries you will send to")
    term.type("GB, IE")
    term.keys("Enter")
    term.wait_for("How do your customers opt in")
    term.type(OPT_IN)
    term.keys("Escape", "Enter")
    term.wait_for("Sample message")
    term.type("Acme Tools: order {order_id} has shipped. Reply STOP to opt out.")
    term.keys("Enter")
    term.wait_for("[2]")
    term.type("Acme Tools: your parcel arrives today. Reply STOP to opt out.")
    term.keys("Enter")
    term.wait_for("[3]")
    term.keys("Enter")
    term.wait_for("Describe your use case")
    term.type("Acme Tools sends order and delivery updates to opted-in customers, about "
              "20,000 messages per month; STOP and HELP are handled automatically.")
    term.keys("Escape", "Enter")
    term.wait_for("Preferred contact language")
    term.keys("Enter")
    term.wait_for("Monthly SMS spend limit")
    term.type("200")
    term.keys("Enter")
    term.wait_for("Extra email addresses")
    term.keys("Enter")
    # The summary: edit answer 2 (the company name), then back to the summary and file.
    screen = term.wait_for("What next?")
    assert "2. Company or brand name that sends the messages: Acme Tool" in screen
    term.keys("Down", "Enter")  # Edit an answer
    term.wait_for("Which answer do you want to change?")
    term.keys("Down", "Enter")  # 2. the company name
    term.wait_for("[edit 2]")
    term.keys("C-u")
    term.type("Acme Tools")
    term.keys("Enter")
    term.wait_for("? What next?", count=2)  # back at the summary, not at question 1
    term.keys("Enter")  # File
    screen = term.wait_for("production-access request(s) now?")
    assert "SMS Production Access request for Acme Tools in eu-west-1" in screen, screen
    assert "[pinpoint-sandbox sms eu-west-1 111122223333]" in screen, screen
    term.keys("y")
    screen = term.wait_for("EXIT=")
    assert "EXIT=0" in screen, screen
    assert "filed" in screen

    state = SimulatorState.load(isolated_env / "simulator" / "fresh-sandbox" / "state.json")
    requests = state.quota_requests("111122223333")
    assert [(r["Region"], r["QuotaName"]) for r in requests] == [
        ("eu-west-1", "SMS production access")
    ]

    # Again without prompts: the answers typed in the first run, asked for with `--answers
    # last`, fill every key (the run names the file); nothing new is filed, and the earlier
    # request is reported.
    again = terminal("request", "sms", "--simulate", "-r", "eu-west-1", "--yes", "--no-input",
                     "--answers", "last")
    screen = again.wait_for("EXIT=")
    assert "EXIT=0" in screen, screen
    assert "Using the saved sms answers" in screen
    assert "skipped" in screen
    state = SimulatorState.load(isolated_env / "simulator" / "fresh-sandbox" / "state.json")
    assert len(state.quota_requests("111122223333")) == 1


def test_ctrl_c_in_a_real_terminal_exits_130_and_keeps_the_answers(
    terminal: Callable[..., Terminal], isolated_env: Path
) -> None:
    import yaml

    term = terminal("request", "sms", "--simulate", "-r", "eu-west-1")
    term.wait_for("Company or brand name")
    term.type("Acme Tools")
    term.keys("Enter")
    term.wait_for("Link to the website")
    term.keys("C-c")
    screen = term.wait_for("EXIT=")
    assert "EXIT=130" in screen, screen
    saved = yaml.safe_load((isolated_env / "last-answers-sms.yaml").read_text())
    assert saved["company_name"] == "Acme Tools"
    # AWS is only reached after the answers
    state_file = isolated_env / "simulator" / "fresh-sandbox" / "state.json"
    assert not state_file.exists() or not SimulatorState.load(state_file).quota_requests(
        "111122223333"
    )


def test_raise_spend_asks_before_writing_in_a_real_terminal(
    terminal: Callable[..., Terminal], isolated_env: Path
) -> None:
    term = terminal("raise-spend", "--simulate=after-approval", "-r", "us-east-1")
    term.wait_for("Apply 1 change(s) now?")
    term.type("y")
    term.keys("Enter")
    screen = term.wait_for("EXIT=")
    assert "EXIT=0" in screen and "raised" in screen
    state = SimulatorState.load(isolated_env / "simulator" / "after-approval" / "state.json")
    sets = [r for r in state.requests if r.operation == "SetTextMessageSpendLimitOverride"]
    assert [r.params["MonthlyLimit"] for r in sets] == [1000]
