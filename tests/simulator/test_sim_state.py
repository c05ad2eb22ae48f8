from __future__ import annotations

import configparser
import os
from pathlib import Path
from typing import Any

import pytest

from pinpoint_sandbox.core.errors import UsageError
from pinpoint_sandbox.simulator import (
    WRITE_OPERATIONS,
    ScenarioError,
    Simulator,
    SimulatorState,
    builtin_names,
    load_scenario,
    reset_state,
    start_in_process,
)

SMS_QUOTA = "L-5BD4E1A9"


def _request_sms(client: Any) -> str:
    return str(client("service-quotas", "eu-west-1").request_service_quota_increase(
        ServiceCode="sms-voice", QuotaCode=SMS_QUOTA, DesiredValue=1)["RequestedQuota"]["Id"])


def test_state_persists_across_instances(simulator: Any, client: Any, tmp_path: Path) -> None:
    state_file = tmp_path / "shared.json"
    first = simulator("fresh-sandbox", state_file=state_file)
    request_id = _request_sms(client)
    first.stop()
    loaded = SimulatorState.load(state_file)
    assert [q["Id"] for q in loaded.quota_requests("111122223333")] == [request_id]
    assert [r.operation for r in loaded.requests] == ["RequestServiceQuotaIncrease"]
    # A second simulator on the same file: the scenario argument only seeds new files.
    second = simulator("business-mixed", state_file=state_file)
    assert second.state.scenario.name == "fresh-sandbox"
    history = client("service-quotas", "eu-west-1").list_requested_service_quota_change_history(
        ServiceCode="sms-voice")["RequestedQuotas"]
    assert [q["Id"] for q in history] == [request_id]
    assert len(second.requests) == 2 and len(second.write_calls()) == 1


def test_reset(simulator: Any, client: Any, tmp_path: Path) -> None:
    state_file = tmp_path / "s.json"
    sim = simulator("fresh-sandbox", state_file=state_file)
    _request_sms(client)
    sim.reset()
    assert sim.requests == [] and sim.state.quota_requests("111122223333") == []
    assert SimulatorState.load(state_file).requests == []
    _request_sms(client)  # allowed again after the reset
    sim.stop()
    assert reset_state(state_file) is True
    assert not state_file.exists()
    assert reset_state(state_file) is False


def test_in_memory_without_state_file(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with Simulator("organization") as sim:
        for key, value in sim.env().items():
            monkeypatch.setenv(key, value)
        assert client("sts").get_caller_identity()["Account"] == "210987654321"
        credentials = Path(sim.env()["AWS_SHARED_CREDENTIALS_FILE"])
        assert credentials.exists()
    assert not credentials.exists()  # the temp dir is removed on stop


def test_env_files(simulator: Any) -> None:
    sim = simulator("organization")
    env = sim.env()
    assert env["AWS_ENDPOINT_URL"] == sim.url and env["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert env["AWS_ACCESS_KEY_ID"] == "AKIASIM210987654321"
    assert env["AWS_EC2_METADATA_DISABLED"] == "true"
    config = configparser.ConfigParser()
    config.read(env["AWS_CONFIG_FILE"])
    assert config["profile staging"]["source_profile"] == "prod-eu"
    assert config["profile prod-us"]["endpoint_url"] == sim.url
    credentials = configparser.ConfigParser()
    credentials.read(env["AWS_SHARED_CREDENTIALS_FILE"])
    assert credentials["prod-us"]["aws_access_key_id"] == "AKIASIM123456789012"
    assert "staging" not in credentials


def test_write_operations_constant() -> None:
    assert frozenset({"RequestServiceQuotaIncrease", "CreateSupportCase", "CreateCase",
                      "AddCommunicationToCase", "SendVoiceMessage", "ResolveCase",
                      "AddAttachmentsToSet"}) \
        == WRITE_OPERATIONS


def test_start_in_process_uses_default_state(monkeypatch: pytest.MonkeyPatch,
                                             isolated_env: Path, client: Any) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")  # must not win
    monkeypatch.setenv("AWS_PROFILE", "not-a-simulator-profile")
    sim = start_in_process("business-mixed")
    try:
        assert sim.state_file == isolated_env / "simulator" / "business-mixed" / "state.json"
        assert os.environ["AWS_ENDPOINT_URL"] == sim.url
        assert "AWS_ENDPOINT_URL_STS" not in os.environ and "AWS_PROFILE" not in os.environ
        assert client("sts").get_caller_identity()["Account"] == "444455556666"
    finally:
        sim.stop()
    again = start_in_process(None)  # the state file exists: reused, scenario ignored
    try:
        assert again.state.scenario.name == "business-mixed"
        assert len(again.requests) == 1
    finally:
        again.stop()


def test_builtin_scenarios_load() -> None:
    names = builtin_names()
    assert {"fresh-sandbox", "business-mixed", "organization", "voice-ready"} <= set(names)
    for name in names:
        assert load_scenario(name)["name"] == name
    examples = Path(__file__).resolve().parents[2] / "examples" / "simulator"
    assert sorted(p.stem for p in examples.glob("*.yaml")) == names
    organization = load_scenario("organization")
    assert len(organization["accounts"]) == 5  # management, 2 reachable, suspended, role-less
    assert organization["organization"]["management_account"] == "210987654321"
    states = {a.get("name"): (a.get("state", "ACTIVE"), a.get("role_missing", False))
              for a in organization["accounts"]}
    assert states["acme-closed"][0] == "SUSPENDED" and states["acme-invited"][1] is True


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: x\naccounts: [{account_id: '123412341234', colour: red}]\n",
         "accounts.0.colour: unknown key"),
        ("name: x\naccounts: [{account_id: '1234'}]\n",
         "accounts.0.account_id: Value error, '1234' is not a 12-digit AWS account id"),
        ("name: x\naccounts: [{account_id: '123412341234', support_plan: gold}]\n",
         "accounts.0.support_plan: Input should be"),
        ("name: x\ndefault_account: '999999999999'\naccounts: [{account_id: '123412341234'}]\n",
         "default_account: 999999999999 is not in accounts"),
        ("name: x\naccounts: [{account_id: '123412341234', regions: {eu-west-1: "
         "{tier: GOLD}}}]\n", "accounts.0.regions.eu-west-1.tier"),
        ("name: x\naccounts: [{account_id: '123412341234', region_defaults: {phone_numbers: "
         "['555']}}]\n", "is not an E.164 phone number"),
        ("name: x\nfaults: {throttle_rate: 2}\naccounts: [{account_id: '123412341234'}]\n",
         "faults.throttle_rate"),
        ("name: x\naccounts: []\n", "accounts: List should have at least 1 item"),
        ("name: [unclosed\n", "not valid YAML"),
        ("- a list\n", "must be a YAML mapping"),
    ],
)
def test_scenario_validation_errors(tmp_path: Path, text: str, expected: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert message.startswith(f"{path}:")
    assert expected in message
    assert "\n" not in message
    assert isinstance(info.value, UsageError) and info.value.exit_code == 2


def test_scenario_errors_list_every_problem(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "name: x\nbogus: 1\naccounts: [{account_id: '123412341234', support_plan: gold}]\n",
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "more problem" not in message  # never a count of problems it does not show
    assert "bogus: unknown key (not allowed)" in message
    assert "accounts.0.support_plan: Input should be" in message
    assert message.count("; ") == 1
    assert "\n" not in message


def test_unknown_builtin_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such built-in scenario; choose one of"):
        load_scenario("nope")
    with pytest.raises(ScenarioError, match="scenario file not found"):
        load_scenario(tmp_path / "missing.yaml")
    with pytest.raises(ScenarioError, match="not a simulator state file"):
        (tmp_path / "bad.json").write_text("{}")
        SimulatorState.load(tmp_path / "bad.json")


def test_region_overrides_are_partial() -> None:
    scenario = {"name": "x", "accounts": [{"account_id": "123412341234",
                "region_defaults": {"tier": "SANDBOX", "phone_numbers": ["+12065550100"]},
                "regions": {"us-east-1": {"tier": "PRODUCTION"}}}]}
    state = SimulatorState.new(load_scenario(scenario))
    east = state.region("123412341234", "us-east-1")
    assert east["tier"] == "PRODUCTION"
    assert [n["PhoneNumber"] for n in east["phone_numbers"]] == ["+12065550100"]
    assert state.tier("123412341234", "eu-west-1") == "SANDBOX"


def test_start_in_process_other_scenario_starts_afresh(isolated_env: Path) -> None:
    first = start_in_process("fresh-sandbox")
    first.stop()
    same = start_in_process("fresh-sandbox")
    same.stop()
    assert same.state.data["seeded_at"] == first.state.data["seeded_at"]
    other = start_in_process("organization")
    other.stop()
    assert other.state.scenario.name == "organization"
