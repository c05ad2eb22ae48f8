from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BIN = Path(sys.executable).parent


def test_aws_cli_gets_a_well_formed_answer(simulator: Any) -> None:
    sim = simulator("fresh-sandbox")
    env = {**os.environ, **sim.env()}
    done = subprocess.run(
        [str(BIN / "aws"), "--endpoint-url", sim.url, "service-quotas", "list-services",
         "--region", "us-east-1", "--output", "json"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    services = json.loads(done.stdout)["Services"]
    assert {"ServiceCode": "sms-voice", "ServiceName": "AWS End User Messaging SMS and Voice"} \
        in services
    identity = subprocess.run(
        [str(BIN / "aws"), "sts", "get-caller-identity", "--profile", "sandbox", "--output",
         "json"], env=env, capture_output=True, text=True, timeout=60)
    assert identity.returncode == 0, identity.stderr
    assert json.loads(identity.stdout)["Account"] == "111122223333"


def test_serve_prints_exports_answers_and_stops_on_sigint(tmp_path: Path) -> None:
    state_file = tmp_path / "served.json"
    process = subprocess.Popen(
        [str(BIN / "pinpoint-sandbox"), "simulator", "serve", "--scenario", "organization",
         "--state", str(state_file)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        exports: dict[str, str] = {}
        assert process.stdout is not None
        while len(exports) < 7:
            line = process.stdout.readline()
            assert line, "serve exited before printing its exports"
            assert line.startswith("export ")
            key, _, value = line.removeprefix("export ").strip().partition("=")
            exports[key] = value.strip("'")
        assert exports["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
        env = {**os.environ, **exports}
        code = ("import boto3; print(boto3.Session(profile_name='prod-us')"
                ".client('sts').get_caller_identity()['Account'])")
        answer = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                                text=True, timeout=60)
        assert answer.stdout.strip() == "123456789012", answer.stderr
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=15)
    assert process.returncode == 0
    assert "Traceback" not in stderr
    assert str(state_file) in stderr
    assert [r["operation"] for r in json.loads(state_file.read_text())["requests"]] == [
        "GetCallerIdentity"]


def test_reset_command(tmp_path: Path, simulator: Any) -> None:
    from typer.testing import CliRunner

    from pinpoint_sandbox.cli.simulator import app

    state_file = tmp_path / "to-reset.json"
    simulator(state_file=state_file).stop()
    assert state_file.exists()
    result = CliRunner().invoke(app, ["reset", "--state", str(state_file)])
    assert result.exit_code == 0
    assert f"Removed simulator state {state_file}" in result.output
    assert not state_file.exists()
    again = CliRunner().invoke(app, ["reset", "--state", str(state_file)])
    assert again.exit_code == 0 and "nothing to remove" in again.output


@pytest.mark.parametrize("scenario", ["no-such-scenario", "missing.yaml"])
def test_serve_bad_scenario_is_one_line_exit_2(tmp_path: Path, scenario: str) -> None:
    from typer.testing import CliRunner

    from pinpoint_sandbox.cli.simulator import app

    result = CliRunner().invoke(app, ["serve", "--scenario", scenario,
                                      "--state", str(tmp_path / "s.json")])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith("Error: ")
    assert not (tmp_path / "s.json").exists()


def test_serve_answers_quota_requests_with_no_case_id_then_a_display_id(tmp_path: Path) -> None:
    """`simulator serve`, read over HTTP by a separate boto3 process: PENDING without CaseId
    first, then CASE_OPENED with a numeric CaseId (the Support Center's display id)."""
    process = subprocess.Popen(
        [str(BIN / "pinpoint-sandbox"), "simulator", "serve", "--scenario", "fresh-sandbox",
         "--state", str(tmp_path / "served.json")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    code = (
        "import boto3, json\n"
        "sq = boto3.client('service-quotas', region_name='eu-west-1')\n"
        "q = [x for x in sq.list_aws_default_service_quotas(ServiceCode='sms-voice')['Quotas']\n"
        "     if 'production access' in x['QuotaName'].lower()][0]['QuotaCode']\n"
        "first = sq.request_service_quota_increase(ServiceCode='sms-voice', QuotaCode=q,\n"
        "                                          DesiredValue=1)['RequestedQuota']\n"
        "later = sq.get_requested_service_quota_change(RequestId=first['Id'])['RequestedQuota']\n"
        "print(json.dumps([first['Status'], first.get('CaseId'), later['Status'],\n"
        "                  later.get('CaseId')]))\n"
    )
    try:
        exports: dict[str, str] = {}
        assert process.stdout is not None
        while len(exports) < 7:
            line = process.stdout.readline()
            assert line.startswith("export "), line
            key, _, value = line.removeprefix("export ").strip().partition("=")
            exports[key] = value.strip("'")
        answer = subprocess.run([sys.executable, "-c", code], env={**os.environ, **exports},
                                capture_output=True, text=True, timeout=60)
        assert answer.returncode == 0, answer.stderr
        first_status, first_case, later_status, later_case = json.loads(answer.stdout)
        assert (first_status, first_case) == ("PENDING", None)
        assert later_status == "CASE_OPENED" and later_case.isdigit()
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=15)
