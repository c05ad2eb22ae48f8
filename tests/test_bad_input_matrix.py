"""The bad-input matrix (issue #9): every command, fed bad flags, regions, files, answers,
batch files, `--set`, environment, templates and scenarios.

Each case asserts the house rule for bad input: the documented exit code (2 unless said),
exactly one `Error:` line on stderr, no traceback, no write call reaching the simulator, no
secret printed, and with `--output json` exactly one JSON document on stdout that carries the
error. Cases another branch fixes are marked `xfail(strict=True)`: they turn into failures to
clean up once that branch is merged. One simulator serves the whole module; the CLI runs
in-process (`cli()`), so the matrix stays fast.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import EXAMPLES, SMS_ANSWERS, VOICE_ANSWERS, Run, cli
from pinpoint_sandbox.simulator import Simulator

SIM_SECRET = "simulator-secret-111122223333"
DUMMY_SECRET = "dummy-secret"
SECRETS = (SIM_SECRET, DUMMY_SECRET, "AKIDUMMY-NEVER-PRINT-SECRET")
JSON_COMMANDS = ("request", "batch", "status", "check", "lint", "doctor")

SMS = yaml.safe_load(SMS_ANSWERS.read_text())
VOICE = yaml.safe_load(VOICE_ANSWERS.read_text())


@dataclass
class Case:
    """One bad input: argv (with {placeholders} for files), extra env, expected exit code."""

    id: str
    args: list[str]
    env: dict[str, str] = field(default_factory=dict)
    code: int = 2
    marks: list[Any] = field(default_factory=list)
    # Run in a child process with a memory cap and a deadline: an unfixed bomb must fail
    # fast instead of eating the machine.
    bounded: bool = False
    # Error lines expected; None: one per problem (the answers code lists each missing key).
    lines: int | None = 1
    says: str = ""  # text the error must contain
    before: list[str] | None = None  # a command run first (e.g. one that saves answers)

    def param(self) -> Any:
        return pytest.param(self, id=self.id, marks=self.marks)


# ---- the files the cases refer to ------------------------------------------------------------

def _alias_bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, name = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},"
                     f"*{prev},*{prev},*{prev}]")
    lines.append("company_name: *i")
    return "\n".join(lines) + "\n"


def _answers(base: dict[str, Any], **changes: Any) -> str:
    data = {**base, **changes}
    for key, value in changes.items():
        if value is DROP:
            del data[key]
    return yaml.safe_dump(data, allow_unicode=True)


DROP = object()


def _files(root: Path) -> dict[str, Path]:
    """Every bad file of the matrix, written once per module."""
    texts: dict[str, str | bytes] = {
        "binary": b"\x00\x01\x02\x03\xff\xfe\x00binary\x00",
        "empty": "",
        "latin1": "company_name: Caf\xe9 Ltd\n".encode("latin-1"),
        "utf16": "\ufeffcompany_name: x\n".encode("utf-16"),
        "bomb": _alias_bomb(),
        "list": "- a\n- b\n",
        "scalar": "just a sentence\n",
        "badyaml": "company_name: [unclosed\n",
        "tabs": "company_name:\n\t- x\n",
        "huge": "company_name: " + "x" * 3_000_000 + "\n",
        "valid_sms": SMS_ANSWERS.read_text(),
        "bad_credentials": "[p]\naws_access_key_id = AKIDUMMY\naws_secret_access_key = "
                           "AKIDUMMY-NEVER-PRINT-SECRET\n[unclosed\n",
    }
    paths: dict[str, Path] = {}
    for name, text in texts.items():
        path = root / f"{name}.yaml"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        paths[name] = path
    paths["dir"] = root / "a-directory"
    paths["dir"].mkdir()
    paths["missing"] = root / "missing.yaml"
    paths["nodir"] = root / "no-such-dir" / "file.yaml"
    paths["existing"] = root / "existing.yaml"
    paths["existing"].write_text("# an existing file\n")
    paths["fifo"] = root / "a-fifo"  # no writer ever opens it: reading it would hang
    os.mkfifo(paths["fifo"])
    paths["symlink"] = root / "link.html"
    paths["symlink"].symlink_to(paths["existing"])
    paths["dangling"] = root / "dangling.html"
    paths["dangling"].symlink_to(root / "nowhere.html")
    _templates(root, paths)
    _batches(root, paths)
    _scenarios(root, paths)
    return paths


def _templates(root: Path, paths: dict[str, Path]) -> None:
    for name, files in {
        "tpl_misnamed": {"sms_cas.md.j2": "x"},
        "tpl_syntax": {"sms_case.md.j2": "{% if %}"},
        "tpl_undefined": {"sms_case.md.j2": "{{ no_such_answer.attribute }}"},
        "tpl_huge": {"sms_case.md.j2": "{{ 'x' * 10**12 }}"},
        "tpl_range": {"sms_case.md.j2": "{% for i in range(10**12) %}x{% endfor %}"},
        "tpl_binary": {"sms_case.md.j2": "\udcff"},
    }.items():
        directory = root / name
        directory.mkdir()
        for file_name, text in files.items():
            if "\udcff" in text:
                (directory / file_name).write_bytes(b"\xff\xfe\x00bin")
            else:
                (directory / file_name).write_text(text)
        paths[name] = directory


def _batch(requests: list[dict[str, Any]], **top: Any) -> str:
    return yaml.safe_dump({"version": 1, "requests": requests, **top})


def _batches(root: Path, paths: dict[str, Path]) -> None:
    ok = {"channel": "sms", "regions": ["eu-west-1"], "answers_file": str(SMS_ANSWERS)}
    docs = {
        "b_version": _batch([ok]).replace("version: 1", "version: 2"),
        "b_noversion": yaml.safe_dump({"requests": [ok]}),
        "b_norequests": _batch([]),
        "b_channel": _batch([{**ok, "channel": "fax"}]),
        "b_unknown": _batch([{**ok, "regoins": ["eu-west-1"]}]),
        "b_region": _batch([{**ok, "regions": ["eu-west-9"]}]),
        "b_mixed": _batch([{**ok, "regions": ["us-east-1", "us-gov-west-1"]}]),
        "b_answers_missing": _batch([{**ok, "answers_file": "nope.yaml"}]),
        "b_answers_dir": _batch([{**ok, "answers_file": "a-directory"}]),
        "b_answers_binary": _batch([{**ok, "answers_file": "binary.yaml"}]),
        "b_answers_echo": _batch([{**ok, "answers_file": "echo-target.txt"}]),
        "b_profile_and_role": _batch([{**ok, "profile": "x",
                                       "role_arn": "arn:aws:iam::111122223333:role/R"}]),
        "b_role": _batch([{**ok, "role_arn": "not-an-arn"}]),
        "b_inline": _batch([{**ok, "answers": {"message_type": "spam"}}]),
        "b_inline_unknown": _batch([{**ok, "answers": {"compnay_name": "X"}}]),
        "b_defaults": _batch([ok], defaults={"backend": "carrier-pigeon"}),
        "b_requests_map": yaml.safe_dump({"version": 1, "requests": {"a": 1}}),
        "b_voice_bad": _batch([{"channel": "voice", "regions": ["eu-west-1"],
                                "answers_file": str(VOICE_ANSWERS),
                                "answers": {"dedicated_numbers": 0}}]),
    }
    for name, text in docs.items():
        path = root / f"{name}.yaml"
        path.write_text(text)
        paths[name] = path
    # A file whose lines must never be echoed back as "unknown key" errors.
    (root / "echo-target.txt").write_text("PRIVATE-LINE-NEVER-ECHO: 1\nuser: x\n")


def _scenarios(root: Path, paths: dict[str, Path]) -> None:
    docs = {
        "s_schema": yaml.safe_dump({"name": "bad", "accounts": [{"account_id": "12"}]}),
        "s_noaccounts": yaml.safe_dump({"name": "bad", "accounts": []}),
        "s_unknown": yaml.safe_dump({"name": "bad", "acounts": []}),
        "s_disabled": yaml.safe_dump({"name": "bad", "accounts": [
            {"account_id": "111122223333", "disabled_regions": ["us-east-1"]}]}),
        "s_bomb": _alias_bomb().replace("company_name", "name"),
    }
    for name, text in docs.items():
        path = root / f"{name}.yaml"
        path.write_text(text)
        paths[name] = path


# ---- the cases -------------------------------------------------------------------------------

def _answer_cases() -> list[Case]:
    """Each SMS and voice key given a wrong type or value in an answers file."""
    sms = {
        "company_name-empty": {"company_name": ""},
        "company_name-list": {"company_name": ["a", "b"]},
        "company_name-long": {"company_name": "x" * 5000},
        "website_url-http": {"website_url": "http://example.com"},
        "website_url-number": {"website_url": 12},
        "website_url-nohost": {"website_url": "https://localhost"},
        "message_type": {"message_type": "spam"},
        "regions-bad": {"regions": ["eu-west-9"]},
        "regions-empty": {"regions": []},
        "regions-mixed": {"regions": ["eu-west-1", "us-gov-west-1"]},
        "regions-number": {"regions": [42]},
        "countries-uk": {"destination_countries": ["UK"]},
        "countries-norway-bool": {"destination_countries": [False]},
        "countries-empty": {"destination_countries": []},
        "opt_in-empty": {"opt_in_process": ""},
        "templates-empty": {"message_templates": []},
        "templates-too-many": {"message_templates": [f"Msg {i}. Reply STOP" for i in range(40)]},
        "use_case-dict": {"use_case_description": {"a": 1}},
        "language": {"contact_language": "fr"},
        "spend-negative": {"spend_limit_usd": -5},
        "spend-text": {"spend_limit_usd": "lots"},
        "emails-bad": {"contact_emails": ["not-an-email"]},
        "emails-too-many": {"contact_emails": [f"a{i}@example.com" for i in range(11)]},
        "unknown-key": {"compnay_name": "Typo Corp"},
        "missing-required": {"company_name": DROP},
    }
    voice = {
        "max_per_day-zero": {"max_messages_per_day": 0},
        "duration-text": {"average_call_duration_seconds": "long"},
        "dedicated-zero": {"dedicated_numbers": 0},
        "dedicated-bool": {"dedicated_numbers": True},
        "calls-count": {"calls_per_number": {"count": 0, "period": "day"}},
        "calls-period": {"calls_per_number": {"count": 5, "period": "year"}},
        "calls-scalar": {"calls_per_number": 5},
        "service-empty": {"service_description": ""},
        "sourcing-list": {"number_sourcing": []},
        "consent-empty": {"consent_process": ""},
        "voice-language": {"contact_language": "de"},
        "voice_sent-text": {"voice_message_sent": "maybe"},
        "voice-unknown": {"messages_per_day": 3},
    }
    cases = []
    for name, change in sms.items():
        cases.append(Case(f"request-sms-answers-{name}", [
            "request", "sms", "-a", _answers(SMS, **change), "--yes", "--no-input"]))
    for name, change in voice.items():
        cases.append(Case(f"request-voice-answers-{name}", [
            "request", "voice", "-a", _answers(VOICE, **change), "--yes", "--no-input"]))
    return cases


def _request_cases() -> list[Case]:
    base = ["request", "sms", "-a", "{valid_sms}", "--yes", "--no-input"]
    return [
        Case("request-bad-channel", ["request", "fax", "--no-input"]),
        Case("request-unknown-flag", [*base, "--bogus"]),
        Case("request-output-yaml", [*base, "--output", "yaml"]),
        Case("request-backend-bogus", [*base, "--backend", "bogus"]),
        Case("request-region-missing-value", [*base, "-r"]),
        Case("request-region-unknown", [*base, "-r", "eu-west-9"]),
        Case("request-region-typo-case", [*base, "-r", "EU WEST 1"]),
        Case("request-region-long-garbage", [*base, "-r", "x" * 300]),
        Case("request-region-china-no-api", [*base, "-r", "cn-north-1"]),
        Case("request-mixed-gov", [*base, "-r", "us-east-1,us-gov-west-1"]),
        Case("request-gov-commercial-keys", [*base, "-r", "us-gov-west-1"],
             says="us-gov-west-1 is in partition aws-us-gov, but these credentials are for "
                  "partition aws"),
        Case("request-gov-keys-refused", [*base, "-r", "us-gov-west-1"],
             {"AWS_DEFAULT_REGION": "us-gov-west-1", "AWS_CONFIG_FILE": "{missing}"},
             says="partition aws-us-gov, but these credentials are for partition aws"),
        Case("request-mixed-eusc", [*base, "-r", "eu-west-1", "-r", "eusc-de-east-1"]),
        Case("request-voice-mixed", ["request", "voice", "-a", str(VOICE_ANSWERS), "--yes",
                                     "--no-input", "-r", "us-gov-west-1,eu-west-1"]),
        Case("request-answers-missing", [*base[:3], "{missing}", "--yes", "--no-input"]),
        Case("request-answers-dir", [*base[:3], "{dir}", "--yes", "--no-input"]),
        Case("request-answers-binary", [*base[:3], "{binary}", "--yes", "--no-input"]),
        Case("request-answers-latin1", [*base[:3], "{latin1}", "--yes", "--no-input"]),
        Case("request-answers-utf16", [*base[:3], "{utf16}", "--yes", "--no-input"]),
        Case("request-answers-list", [*base[:3], "{list}", "--yes", "--no-input"]),
        Case("request-answers-scalar", [*base[:3], "{scalar}", "--yes", "--no-input"]),
        Case("request-answers-badyaml", [*base[:3], "{badyaml}", "--yes", "--no-input"]),
        Case("request-answers-tabs", [*base[:3], "{tabs}", "--yes", "--no-input"]),
        Case("request-answers-empty", [*base[:3], "{empty}", "--yes", "--no-input"]),
        Case("request-answers-huge", [*base[:3], "{huge}", "--yes", "--no-input"]),
        Case("request-answers-alias-bomb", [*base[:3], "{bomb}", "--yes", "--no-input"],
             bounded=True),
        Case("request-no-answers-no-terminal", ["request", "sms", "-r", "eu-west-1", "--yes",
                                                "--no-input"]),
        Case("request-set-no-equals", [*base, "--set", "company_name"]),
        Case("request-set-empty-key", [*base, "--set", "=x"]),
        Case("request-set-unknown-key", [*base, "--set", "compnay_name=X"]),
        Case("request-set-bad-choice", [*base, "--set", "message_type=spam"]),
        Case("request-set-bad-number", [*base, "--set", "spend_limit_usd=abc"]),
        Case("request-set-bad-region", [*base, "--set", "regions=eu-west-9"]),
        Case("request-set-mixed-regions", [*base, "--set", "regions=[eu-west-1, us-gov-west-1]"]),
        Case("request-set-bad-url", [*base, "--set", "website_url=ftp://x"]),
        Case("request-saved-answers-used-silently", [
            "request", "sms", "-r", "us-east-1", "--yes", "--no-input"],
            before=["request", "sms", "--answers", "{valid_sms}", "-r", "us-east-1",
                    "--dry-run", "--no-input"]),
        Case("request-set-without-answers-mixes-saved", [
            "request", "sms", "-r", "us-east-1", "--set", "company_name=Contoso Bank", "--yes",
            "--no-input"],
            before=["request", "sms", "--answers", "{valid_sms}", "-r", "us-east-1",
                    "--dry-run", "--no-input"], says="--answers"),
        Case("request-templates-missing", [*base, "--templates-dir", "{missing}"]),
        Case("request-templates-file", [*base, "--templates-dir", "{valid_sms}"]),
        Case("request-templates-misnamed", [*base, "--templates-dir", "{tpl_misnamed}"]),
        Case("request-templates-syntax", [*base, "--templates-dir", "{tpl_syntax}"]),
        Case("request-templates-undefined", [*base, "--templates-dir", "{tpl_undefined}"]),
        Case("request-templates-binary", [*base, "--templates-dir", "{tpl_binary}"]),
        Case("request-templates-string-bomb", [*base, "--templates-dir", "{tpl_huge}"],
             bounded=True),
        Case("request-templates-range-bomb", [*base, "--templates-dir", "{tpl_range}"]),
        Case("request-ledger-dir", [*base, "--ledger", "{dir}"]),
        Case("request-ledger-nodir", [*base, "--ledger", "{nodir}"]),
        Case("request-save-answers-dir", [*base, "--save-answers", "{dir}"]),
        Case("request-send-test-call-sms", [*base, "--send-test-call", "+12065550100"]),
        Case("request-send-test-call-bad-number", [
            "request", "voice", "-a", str(VOICE_ANSWERS), "-r", "us-east-1", "--yes",
            "--no-input", "--send-test-call", "12345"]),
        Case("request-send-test-call-two-regions", [
            "request", "voice", "-a", str(VOICE_ANSWERS), "-r", "us-east-1,eu-west-1",
            "--yes", "--no-input", "--send-test-call", "+12065550100"]),
        Case("request-profile-missing", [*base, "--profile", "no-such-profile"]),
        Case("request-voice-bad-flag", ["request", "voice", "--bogus"]),
    ]


def _env_cases() -> list[Case]:
    base = ["request", "sms", "-a", "{valid_sms}", "-r", "eu-west-1", "--yes", "--no-input"]
    status = ["status", "-r", "eu-west-1"]
    return [
        Case("env-endpoint-ipv6", base, {"AWS_ENDPOINT_URL": "http://[::1"}),
        Case("env-endpoint-not-url", base, {"AWS_ENDPOINT_URL": "not a url"}),
        Case("env-endpoint-ftp", base, {"AWS_ENDPOINT_URL": "ftp://example.com"}),
        Case("env-endpoint-bad-port", base, {"AWS_ENDPOINT_URL": "http://127.0.0.1:99999"}),
        Case("env-endpoint-userinfo", base,
             {"AWS_ENDPOINT_URL": "http://user:AKIDUMMY-NEVER-PRINT-SECRET@[::1"}),
        Case("env-endpoint-sts", base, {"AWS_ENDPOINT_URL_STS": "http://[::1"}),
        Case("env-endpoint-status", status, {"AWS_ENDPOINT_URL": "http://[::1"}),
        Case("env-endpoint-check", ["check", "sms", "-r", "eu-west-1"],
             {"AWS_ENDPOINT_URL": "http://[::1"}),
        Case("env-attempts-text", base, {"PINPOINT_SANDBOX_MAX_ATTEMPTS": "abc"}),
        Case("env-attempts-zero", base, {"PINPOINT_SANDBOX_MAX_ATTEMPTS": "0"}),
        Case("env-attempts-negative", base, {"PINPOINT_SANDBOX_MAX_ATTEMPTS": "-3"}),
        Case("env-attempts-float", base, {"PINPOINT_SANDBOX_MAX_ATTEMPTS": "1.5"}),
        Case("env-attempts-empty", base, {"PINPOINT_SANDBOX_MAX_ATTEMPTS": ""}),
        Case("env-attempts-huge", base, {"PINPOINT_SANDBOX_MAX_ATTEMPTS": "9" * 30}),
        Case("env-attempts-status", status, {"PINPOINT_SANDBOX_MAX_ATTEMPTS": "many"}),
        Case("env-profile-missing", base, {"AWS_PROFILE": "no-such-profile"}),
        Case("env-config-binary", base, {"AWS_CONFIG_FILE": "{binary}",
                                         "AWS_PROFILE": "p"}),
        Case("env-credentials-malformed", base, {
            "AWS_SHARED_CREDENTIALS_FILE": "{bad_credentials}", "AWS_PROFILE": "p",
            "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}),
        Case("env-credentials-partial", base, {"AWS_SECRET_ACCESS_KEY": ""}),
        Case("env-simulate-missing", base, {"PINPOINT_SANDBOX_SIMULATE": "{missing}"}),
    ]


def _batch_cases() -> list[Case]:
    def b(name: str, *extra: str, **kw: Any) -> Case:
        return Case(f"batch-{name}", ["batch", f"{{{name}}}", "--yes", "--no-input", *extra],
                    **kw)

    return [
        Case("batch-missing", ["batch", "{missing}", "--yes"]),
        Case("batch-dir", ["batch", "{dir}", "--yes"]),
        Case("batch-binary", ["batch", "{binary}", "--yes"]),
        Case("batch-latin1", ["batch", "{latin1}", "--yes"]),
        Case("batch-list", ["batch", "{list}", "--yes"]),
        Case("batch-badyaml", ["batch", "{badyaml}", "--yes"]),
        Case("batch-empty", ["batch", "{empty}", "--yes"]),
        Case("batch-huge", ["batch", "{huge}", "--yes"]),
        Case("batch-alias-bomb", ["batch", "{bomb}", "--yes"], bounded=True),
        b("b_version"), b("b_noversion"), b("b_norequests"), b("b_channel"), b("b_unknown"),
        b("b_region"), b("b_mixed"), b("b_answers_missing"), b("b_answers_dir"),
        b("b_answers_binary"),
        b("b_answers_echo"),
        b("b_profile_and_role"), b("b_role"), b("b_inline"), b("b_inline_unknown"),
        b("b_defaults"), b("b_requests_map"), b("b_voice_bad"),
        Case("batch-backend-bogus", ["batch", "{valid_sms}", "--backend", "bogus"]),
        Case("batch-templates-missing", ["batch", str(EXAMPLES / "batch.yaml"),
                                         "--templates-dir", "{missing}"]),
        Case("batch-ledger-dir", ["batch", str(EXAMPLES / "batch.yaml"), "--ledger", "{dir}"]),
    ]


def _status_check_cases() -> list[Case]:
    return [
        Case("status-unknown-flag", ["status", "--bogus"]),
        Case("status-region-unknown", ["status", "-r", "eu-west-9"]),
        Case("status-region-mixed", ["status", "-r", "us-east-1,cn-northwest-1"]),
        Case("status-region-mixed-gov", ["status", "-r", "us-east-1,us-gov-east-1"]),
        Case("status-gov-commercial-keys", ["status", "-r", "us-gov-east-1"],
             says="partition aws-us-gov, but these credentials are for partition aws"),
        Case("status-no-region", ["status"], {"AWS_DEFAULT_REGION": "",
                                              "AWS_CONFIG_FILE": "{missing}"}),
        Case("status-ledger-dir", ["status", "-r", "eu-west-1", "--ledger", "{dir}"]),
        Case("status-profile-missing", ["status", "-r", "eu-west-1", "--profile", "nope"]),
        Case("status-output-xml", ["status", "-r", "eu-west-1", "--output", "xml"]),
        Case("check-bad-channel", ["check", "email"]),
        Case("check-region-unknown", ["check", "sms", "-r", "eu-west-9"]),
        Case("check-region-mixed", ["check", "voice", "-r", "eu-west-1,us-gov-west-1"]),
        Case("check-gov-commercial-keys", ["check", "sms", "-r", "us-gov-west-1"],
             says="partition aws-us-gov, but these credentials are for partition aws"),
        Case("doctor-gov-commercial-keys", ["doctor", "-r", "us-gov-west-1"],
             says="partition aws-us-gov, but these credentials are for partition aws"),
        Case("doctor-region-unknown", ["doctor", "-r", "eu-west-9"], says="eu-west-9"),
        Case("check-answers-missing", ["check", "sms", "-a", "{missing}"]),
        Case("check-answers-binary", ["check", "sms", "-a", "{binary}"]),
        Case("check-answers-regions-mixed", [
            "check", "sms", "-a", _answers(SMS, regions=["eu-west-1", "us-gov-west-1"])]),
        Case("check-answers-voice-sent-text", [
            "check", "voice", "-a", _answers(VOICE, voice_message_sent="maybe")]),
        Case("check-ledger-dir", ["check", "sms", "-r", "eu-west-1", "--ledger", "{dir}"]),
        Case("check-backend-bogus", ["check", "sms", "-r", "eu-west-1", "--backend", "x"]),
        Case("check-profile-missing", ["check", "sms", "-r", "eu-west-1", "--profile", "n"]),
    ]


def _lint_init_policy_cases() -> list[Case]:
    return [
        Case("lint-missing", ["lint", "{missing}"]),
        Case("lint-dir", ["lint", "{dir}"]),
        Case("lint-binary", ["lint", "{binary}"]),
        Case("lint-latin1", ["lint", "{latin1}"]),
        Case("lint-list", ["lint", "{list}"]),
        Case("lint-badyaml", ["lint", "{badyaml}"]),
        Case("lint-channel-fax", ["lint", "{valid_sms}", "--channel", "fax"]),
        Case("lint-output-yaml", ["lint", "{valid_sms}", "--output", "yaml"]),
        Case("lint-empty", ["lint", "{empty}"]),
        Case("lint-alias-bomb", ["lint", "{bomb}"],
             bounded=True),
        Case("init-bad-channel", ["init", "fax"]),
        Case("init-target-dir", ["init", "sms", "{dir}"]),
        Case("init-target-exists", ["init", "sms", "{existing}"]),
        Case("init-target-nodir", ["init", "voice", "{nodir}"]),
        Case("init-unknown-flag", ["init", "sms", "--bogus"]),
        Case("iam-policy-backend", ["iam-policy", "--backend", "fax"]),
        Case("iam-policy-role-arn", ["iam-policy", "--role-arn", "not-an-arn"]),
        Case("iam-policy-test-call-no-voice", ["iam-policy", "--no-voice",
                                               "--voice-test-call"]),
        Case("iam-policy-unknown-flag", ["iam-policy", "--bogus"]),
    ]


def _simulator_cases() -> list[Case]:
    serve = ["simulator", "serve", "--state", "{dir}/never.json", "--scenario"]
    sim_run = ["status", "-r", "eu-west-1"]
    return [
        Case("serve-scenario-missing", [*serve, "{missing}"]),
        Case("serve-scenario-unknown-name", [*serve, "no-such-scenario"]),
        Case("serve-scenario-binary", [*serve, "{binary}"]),
        Case("serve-scenario-latin1", [*serve, "{latin1}"]),
        Case("serve-scenario-utf16", [*serve, "{utf16}"]),
        Case("serve-scenario-dir", [*serve, "{dir}"]),
        Case("serve-scenario-empty", [*serve, "{empty}"]),
        Case("serve-scenario-schema", [*serve, "{s_schema}"]),
        Case("serve-scenario-no-accounts", [*serve, "{s_noaccounts}"]),
        Case("serve-scenario-unknown-key", [*serve, "{s_unknown}"]),
        Case("serve-scenario-disables-default-region", [*serve, "{s_disabled}"]),
        Case("serve-scenario-alias-bomb", [*serve, "{s_bomb}"]),
        Case("serve-scenario-huge", [*serve, "{huge}"]),
        Case("serve-state-is-dir", ["simulator", "serve", "--state", "{dir}"]),
        Case("serve-port-out-of-range", ["simulator", "serve", "--state", "{dir}/p.json",
                                         "--port", "99999"]),
        Case("serve-port-text", ["simulator", "serve", "--port", "eighty"]),
        Case("serve-unknown-flag", ["simulator", "serve", "--bogus"]),
        Case("reset-scenario-missing-file", ["simulator", "reset", "--scenario", "{missing}"]),
        Case("reset-state-is-dir", ["simulator", "reset", "--state", "{dir}"]),
        Case("reset-unknown-flag", ["simulator", "reset", "--bogus"]),
        Case("simulator-unknown-command", ["simulator", "restart"]),
        Case("simulate-missing-file", [*sim_run, "--simulate={missing}"]),
        Case("simulate-unknown-name", [*sim_run, "--simulate=no-such-scenario"]),
        Case("simulate-binary", [*sim_run, "--simulate={binary}"]),
        Case("simulate-latin1", [*sim_run, "--simulate={latin1}"]),
        Case("simulate-schema", [*sim_run, "--simulate={s_schema}"]),
        Case("simulate-alias-bomb", [*sim_run, "--simulate={s_bomb}"]),
        Case("simulate-request", ["request", "sms", "-a", "{valid_sms}", "--yes",
                                  "--no-input", "--simulate={s_unknown}"]),
    ]


def _trust_cases() -> list[Case]:
    """Issue 19: special files, infinite numbers, non-ASCII identifiers, unsafe outputs."""
    target = "111122223333/eu-west-1/sms"
    reply = ["reply", target]
    spend = ["raise-spend", "-r", "eu-west-1", "--yes"]
    return [
        Case("reply-file-fifo", [*reply, "--file", "{fifo}"], bounded=True, says="FIFO"),
        Case("reply-file-dev-zero", [*reply, "--file", "/dev/zero"], bounded=True,
             says="device"),
        Case("reply-file-dir", [*reply, "--file", "{dir}"], says="directory"),
        Case("reply-attach-fifo", [*reply, "-m", "hi", "--attach", "{fifo}"], bounded=True),
        Case("reply-attach-dev-zero", [*reply, "-m", "hi", "--attach", "/dev/zero"],
             bounded=True),
        Case("reply-target-fullwidth-account", ["reply", "１１１１２２２２３３３３/eu-west-1/sms",
                                                "-m", "hi"]),
        Case("reply-target-newline", ["reply", "111122223333/eu-west-1/sms\nx", "-m", "hi"]),
        Case("record-case-id-fullwidth", ["record", target, "--case-id", "１２３４５６７８"]),
        Case("record-case-id-arabic-indic", ["record", target, "--case-id", "١٢٣٤٥٦٧٨"]),
        Case("record-case-id-inner-newline", ["record", target, "--case-id", "1234\n5678"]),
        Case("record-target-arabic-indic", ["record", "١١١١٢٢٢٢٣٣٣٣/eu-west-1/sms",
                                            "--case-id", "12345678"]),
        Case("raise-spend-request-quota-inf", [*spend, "--request-quota", "inf"]),
        Case("raise-spend-request-quota-nan", [*spend, "--request-quota", "nan"]),
        Case("raise-spend-request-quota-1e400", [*spend, "--request-quota", "1e400"]),
        Case("raise-spend-request-quota-fraction", [*spend, "--request-quota", "1.5"]),
        Case("raise-spend-to-huge", [*spend, "--to", "99999999999999999999"]),
        Case("raise-spend-to-fraction", [*spend, "--to", "2.5"]),
        Case("status-watch-huge", ["status", "-r", "eu-west-1", "--watch",
                                   "99999999999999999999"]),
        Case("status-watch-inf", ["status", "-r", "eu-west-1", "--watch=inf"]),
        Case("status-watch-fraction", ["status", "-r", "eu-west-1", "--watch", "0.5"]),
        Case("status-max-concurrency-huge", ["status", "-r", "eu-west-1",
                                             "--max-concurrency", "1e400"]),
        Case("status-html-dev-stdout", ["status", "-r", "eu-west-1", "--html", "/dev/stdout"]),
        Case("status-html-dash", ["status", "-r", "eu-west-1", "--html", "-"]),
        Case("status-html-dir", ["status", "-r", "eu-west-1", "--html", "{dir}"]),
        Case("status-html-symlink", ["status", "-r", "eu-west-1", "--html", "{symlink}"],
             says="symbolic link"),
        Case("status-html-dangling-symlink", ["status", "-r", "eu-west-1", "--html",
                                              "{dangling}"]),
        Case("status-html-unwritable-place", ["status", "-r", "eu-west-1", "--html",
                                              "/proc/report.html"]),
        Case("status-ledger-fifo", ["status", "-r", "eu-west-1", "--ledger", "{fifo}"],
             bounded=True),
        Case("request-answers-fifo", ["request", "sms", "-a", "{fifo}", "-r", "eu-west-1",
                                      "--yes"], bounded=True),
        Case("request-answers-dev-zero", ["request", "sms", "-a", "/dev/zero", "-r",
                                          "eu-west-1", "--yes"], bounded=True),
        Case("request-save-answers-symlink", ["request", "sms", "-a", "{valid_sms}", "-r",
                                              "eu-west-1", "--yes", "--save-answers",
                                              "{symlink}"]),
        Case("batch-file-fifo", ["batch", "{fifo}", "--yes"], bounded=True),
        # AWS_SESSION_TOKEN holding a newline: tests/test_trust.py (the matrix's env values
        # with a newline are written to files).
        Case("request-set-spend-fullwidth-digits", ["request", "sms", "-a", "{valid_sms}",
                                                    "-r", "eu-west-1", "--yes", "--set",
                                                    "spend_limit_usd=１００"]),
        Case("request-set-spend-inf", ["request", "sms", "-a", "{valid_sms}", "-r",
                                       "eu-west-1", "--yes", "--set", "spend_limit_usd=inf"]),
        Case("request-lock-wait-nan", ["request", "sms", "-a", "{valid_sms}", "-r",
                                       "eu-west-1", "--yes"],
             {"PINPOINT_SANDBOX_LOCK_WAIT": "nan"}),
    ]


def _reply_spend_cases() -> list[Case]:
    """reply / raise-spend: refused before any AWS write (issue 19)."""
    target = "111122223333/eu-west-1/sms"
    return [
        Case("reply-role-arn-not-an-arn", ["reply", target, "-m", "hi", "--role-arn",
                                           "not-an-arn"], says="--role-arn"),
        Case("reply-role-arn-unicode-digits", ["reply", target, "-m", "hi", "--role-arn",
                                               "arn:aws:iam::１１１１２２２２３３３３:role/x"],
             says="--role-arn"),
        Case("reply-message-and-file", ["reply", target, "-m", "hi", "--file", "{missing}"]),
        Case("reply-case-unknown", ["reply", "6780195351", "-m", "hi"], says="not a target"),
        Case("request-case-wait-not-a-number", ["request", "sms", "-a", "{valid_sms}", "-r",
                                                "eu-west-1", "--yes"],
             {"PINPOINT_SANDBOX_CASE_WAIT": "soon"}, says="PINPOINT_SANDBOX_CASE_WAIT"),
        Case("raise-spend-ledger-dir", ["raise-spend", "-r", "us-east-1", "--yes",
                                        "--ledger", "{dir}"]),
    ]


CASES = [*_request_cases(), *_answer_cases(), *_env_cases(), *_batch_cases(),
         *_status_check_cases(), *_lint_init_policy_cases(), *_simulator_cases(),
         *_trust_cases(), *_reply_spend_cases()]


# ---- fixtures and the one test ---------------------------------------------------------------

@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _files(tmp_path_factory.mktemp("bad-input"))


@pytest.fixture(scope="module")
def shared_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    sim = Simulator("fresh-sandbox", state_file=tmp_path_factory.mktemp("sim") / "s.json")
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def restore_environ() -> Iterator[None]:
    saved = dict(os.environ)  # --simulate rewrites os.environ in-process
    yield
    os.environ.clear()
    os.environ.update(saved)


def _expand(text: str, files: dict[str, Path], tmp_path: Path) -> str:
    if "\n" in text:  # inline answers YAML: written to a file of its own
        path = tmp_path / "answers.yaml"
        path.write_text(text)
        return str(path)
    for name, path in files.items():
        text = text.replace(f"{{{name}}}", str(path))
    return text


BOUNDED_RUN = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))
from pinpoint_sandbox.cli import main
main(sys.argv[1:])
"""


def run_bounded(args: list[str]) -> Run:
    """The CLI in a child process capped at 1.5 GB and 10 s (a bomb must not eat the host)."""
    try:
        done = subprocess.run([sys.executable, "-c", BOUNDED_RUN, *args], env=dict(os.environ),
                              capture_output=True, text=True, timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail("still running after 10 s: the input is not bounded")
    return Run(done.returncode, done.stdout, done.stderr, None)


def test_the_matrix_has_at_least_126_cases() -> None:
    assert len(CASES) >= 126
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_bad_input(case: Case, bad_files: dict[str, Path], shared_sim: Simulator,
                   monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                   restore_environ: None) -> None:
    for key, value in shared_sim.env().items():
        monkeypatch.setenv(key, value)
    for key, value in case.env.items():
        monkeypatch.setenv(key, _expand(value, bad_files, tmp_path))
    args = [_expand(a, bad_files, tmp_path) for a in case.args]
    wants_json = args[0] in JSON_COMMANDS and "--output" not in args
    if wants_json:
        args += ["--output", "json"]
    if case.before is not None:
        cli(*[_expand(a, bad_files, tmp_path) for a in case.before])
    writes_before = len(shared_sim.write_calls())
    run = run_bounded(args) if case.bounded else cli(*args)

    assert run.exit_code == case.code, run
    # Exactly one error line; other lines (the scenario line, the content review shown
    # before filing) are information, never a second error or a traceback.
    errors = [line for line in run.stderr.splitlines() if line.startswith("Error")]
    assert errors and all(e.startswith("Error: ") for e in errors), run
    assert case.lines is None or len(errors) == case.lines, run
    assert case.says in run.stderr
    assert "Traceback" not in run.stderr and "╭" not in run.stderr
    assert len(errors[0]) <= 600, "an error line must not flood the terminal"
    assert "Traceback" not in run.stderr + run.stdout
    assert len(shared_sim.write_calls()) == writes_before
    for secret in SECRETS:
        assert secret not in run.stdout + run.stderr
    assert "PRIVATE-LINE-NEVER-ECHO" not in run.stdout + run.stderr
    if wants_json:
        doc = json.loads(run.stdout)  # exactly one document: trailing text would not parse
        assert doc["error"]["exit_code"] == case.code
        assert doc["error"]["message"]
    elif args[0] not in JSON_COMMANDS:
        assert run.stdout == ""
