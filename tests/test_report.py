"""`status --html FILE`: one self-contained page, checked as text and in a real headless browser."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import SMS_ANSWERS, account, cli, scenario
from pinpoint_sandbox.tracking.report import ReportRow, render_report

# Anything that would make the page fetch from the network.
EXTERNAL = [
    re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.I),
    re.compile(r"<script[^>]*\bsrc\b", re.I),
    re.compile(r"@import", re.I),
    re.compile(r"url\(", re.I),
    re.compile(r"<link\b", re.I),
]

REGIONS = {
    "us-east-1": {"tier": "PRODUCTION",
                  "spend_limits": {"text": 1000, "voice": 500, "media": 1000, "notify": 100},
                  "spend_overrides": {"text": 5},
                  "phone_numbers": [{"number": "+18885550100", "number_type": "TOLL_FREE",
                                     "capabilities": ["SMS"]}]},
    "eu-west-1": {"quota_requests": [{"quota": "sms", "status": "CASE_OPENED"}]},
}


def _status_html(simulator: Any, tmp_path: Path) -> tuple[Any, Path]:
    simulator(scenario([account(regions=REGIONS)]))
    answers = yaml.safe_load(SMS_ANSWERS.read_text())
    answers["destination_countries"] = ["US", "GB", "IN"]
    (tmp_path / "answers.yaml").write_text(yaml.safe_dump(answers))
    page = tmp_path / "report.html"
    run = cli("status", "-r", "us-east-1,eu-west-1,ap-south-1", "--html", page,
              "-a", tmp_path / "answers.yaml", "-o", "json")
    assert run.exit_code == 0, run
    return run, page


def test_status_html_has_a_row_per_target_and_nothing_external(
    simulator: Any, tmp_path: Path
) -> None:
    run, page = _status_html(simulator, tmp_path)
    html = page.read_text()
    targets = re.findall(r'data-target="([^"]+)"', html)
    assert sorted(targets) == sorted(
        f"111122223333/{r}/{c}" for r in ("us-east-1", "eu-west-1", "ap-south-1")
        for c in ("sms", "voice"))
    for pattern in EXTERNAL:
        assert not pattern.search(html), pattern.pattern
    assert "@media print" in html and "prefers-color-scheme: dark" in html
    assert re.search(r"Generated \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", html)
    assert page.stat().st_mode & 0o777 == 0o600
    # The JSON document carries the same readiness the page shows.
    regions = {r["region"]: r for r in run.json["regions"]}
    ready = {region: {d["country"]: d["ready"] for d in regions[region]["destinations"]}
             for region in regions}
    # Each country is read in the region of its part of the world (the pairs the answers
    # imply): US traffic from us-east-1, GB from eu-west-1, IN from ap-south-1.
    assert ready == {"us-east-1": {"US": True}, "eu-west-1": {"GB": True},
                     "ap-south-1": {"IN": False}}
    text = {s["name"]: s for s in regions["us-east-1"]["spend_readiness"]}
    assert text["TEXT_MESSAGE_MONTHLY_SPEND_LIMIT"]["state"] == "raise"


def test_report_escapes_what_aws_and_users_wrote() -> None:
    row = ReportRow("111122223333", "us-east-1", "sms", "needs_reply",
                    last_message="<script>alert(1)</script> & more", case_id='case-"1"')
    html = render_report([row])
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html


def test_html_path_in_a_missing_directory_is_bad_input(simulator: Any, tmp_path: Path) -> None:
    sim = simulator("fresh-sandbox")
    run = cli("status", "-r", "us-east-1", "--html", tmp_path / "nope" / "r.html")
    assert run.exit_code == 2
    assert sim.requests == []


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("chromium is missing in CI: scripts/test.sh installs it (apt-get install "
                    "chromium)")
    pytest.skip("chromium not installed locally (scripts/test.sh installs it)")


def test_report_renders_in_a_real_headless_browser(simulator: Any, tmp_path: Path) -> None:
    browser = _chromium()
    _run, page = _status_html(simulator, tmp_path)
    shot = tmp_path / "report.png"
    with tempfile.TemporaryDirectory() as profile:
        common = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}"]
        subprocess.run([*common, f"--screenshot={shot}", "--window-size=1280,900",
                        page.as_uri()], check=True, capture_output=True, timeout=120)
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                              "--dump-dom", page.as_uri()],
                             check=True, capture_output=True, text=True, timeout=120).stdout
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank frame
    assert "sandbox exit report" in dom
    assert dom.count('class="target"') == 6
    assert "approved" in dom and "not ready" in dom


def test_rows_from_another_status_source_keep_their_own_next_step() -> None:
    from pinpoint_sandbox.tracking.report import with_readiness

    row = ReportRow("111122223333", "eu-west-1", "sms", "needs_reply", age_s=7200,
                    case_id="case-1", last_message="Please describe your opt-in process.",
                    next_step="pinpoint-sandbox reply 111122223333/eu-west-1/sms --file a.txt")
    (ready,) = with_readiness([row], {})
    assert ready.next_steps[0].startswith("pinpoint-sandbox reply")
    html = render_report([ready])
    assert "Please describe your opt-in process." in html and "2 h" in html


def test_status_text_shows_spend_and_destination_flags(simulator: Any, tmp_path: Path) -> None:
    simulator("after-approval")
    answers = yaml.safe_load(SMS_ANSWERS.read_text())
    answers["destination_countries"] = ["US", "IN"]
    (tmp_path / "answers.yaml").write_text(yaml.safe_dump(answers))
    run = cli("status", "-r", "us-east-1,eu-west-1", "-a", tmp_path / "answers.yaml")
    assert run.exit_code == 0, run
    out = " ".join(run.stdout.split())
    assert "sms $20/$1000" in out
    assert "pinpoint-sandbox raise-spend -r us-east-1 --channel sms" in out
    assert "us-east-1 → IN not ready after approval" in out
    assert "us-east-1 → US" not in out  # the registered toll-free number reaches the US
    # Only the pairs the answers imply: US traffic leaves from us-east-1, not eu-west-1; no
    # region of the answers is near India, so both are read for it.
    assert "eu-west-1 → US" not in out
    assert "eu-west-1 → IN not ready after approval" in out


def test_status_with_bad_answers_is_bad_input_before_any_call(
    simulator: Any, tmp_path: Path
) -> None:
    sim = simulator("fresh-sandbox")
    (tmp_path / "bad.yaml").write_text("destination_countries: [USA]\n")
    run = cli("status", "-r", "us-east-1", "-a", tmp_path / "bad.yaml", "-o", "json")
    assert run.exit_code == 2
    assert "ISO 3166-1" in run.json["error"]["message"]
    assert sim.requests == []


def test_status_html_without_regions_shows_every_tracked_target(
    simulator: Any, tmp_path: Path
) -> None:
    """No -r: the page lists every target the ledger follows, with the tracker's state."""
    simulator(scenario([account()]))
    filed = cli("request", "sms", "-a", SMS_ANSWERS, "-r", "eu-west-1,ap-south-1", "--yes",
                "--output", "json")
    assert filed.exit_code == 0, filed
    page = tmp_path / "report.html"
    run = cli("status", "--html", page, "--output", "json")
    assert run.exit_code == 0, run
    tracked = {f"{t['account_id']}/{t['region']}/{t['channel']}" for t in run.json["targets"]}
    shown = set(re.findall(r'data-target="([^"]+)"', page.read_text()))
    assert {"111122223333/eu-west-1/sms", "111122223333/ap-south-1/sms"} <= tracked
    assert tracked <= shown  # every tracked target has its row, requested or not
    assert "open" in page.read_text()
