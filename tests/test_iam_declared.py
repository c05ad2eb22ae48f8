"""Every IAM action is declared where its call is made, and `iam-policy` only collects them.

Three guards: each run of the tool sends only what the policy for that run's options grants
(the simulator records every operation); each module that names an AWS operation declares its
action itself (or the table below says which declaration grants it); `filing/iam_policy.py`
spells no action.
"""

from __future__ import annotations

import ast
import importlib
import json
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from helpers import SMS_ANSWERS, VOICE_ANSWERS, cli
from pinpoint_sandbox.filing.iam_policy import BOTOCORE_SERVICE, build_policy, policy_actions

SOURCE = Path(__file__).resolve().parent.parent / "src" / "pinpoint_sandbox"
ACTION = re.compile(r"[a-z][a-z0-9-]*:[A-Z][A-Za-z0-9]*")
PREFIX_FOR = {service: prefix for prefix, service in BOTOCORE_SERVICE.items()}
ORG_ROLE = "OrganizationAccountAccessRole"


# -- each run is covered by the policy for its options ----------------------------------------

def _run_and_record(sim: Any, *args: object) -> set[str]:
    """Run the CLI; the IAM actions of the AWS operations it sent."""
    before = len(sim.requests)
    run = cli(*map(str, args))
    assert run.exit_code in (0, 3), (args, run)
    sent = sim.requests[before:]
    assert sent, args  # the run reached AWS: the check below is not empty
    return {f"{PREFIX_FOR[r.service]}:{r.operation}" for r in sent}


def _assert_granted(used: set[str], policy: dict[str, Any], what: str) -> None:
    missing = used - set(policy_actions(policy))
    assert not missing, f"{what} calls {sorted(missing)}, which its policy does not grant"


def test_each_run_is_granted_by_the_policy_for_its_options(
    simulator: Any, tmp_path: Path
) -> None:
    """SMS with each backend, voice with evidence and with a test call, status (which delivers
    the description), a reply with an attachment and doctor, each against the policy that
    `iam-policy` prints for the options a user would give it."""
    sim = simulator("voice-ready")
    shot = tmp_path / "opt-in.png"
    shot.write_bytes(b"\x89PNG fake screenshot")
    runs: list[tuple[list[object], dict[str, Any]]] = [
        (["request", "sms", "-a", SMS_ANSWERS, "-r", "us-east-1", "--yes",
          "--backend", "support"], build_policy("support", False)),
        (["request", "sms", "-a", SMS_ANSWERS, "-r", "us-west-2", "--yes",
          "--backend", "service-quotas"], build_policy("service-quotas", False)),
        (["request", "sms", "-a", SMS_ANSWERS, "-r", "eu-west-1", "--yes",
          "--backend", "manual"], build_policy("manual", False)),
        (["request", "voice", "-a", VOICE_ANSWERS, "-r", "us-east-1", "--yes"],
         build_policy("auto", True)),
        (["request", "voice", "-a", VOICE_ANSWERS, "-r", "eu-west-1", "--yes",
          "--send-test-call", "+12065550199"], build_policy("auto", True, voice_test_call=True)),
        # Following and answering need no filing backend's grant (the tracker's statement).
        (["status", "-r", "us-east-1,us-west-2,eu-west-1"], build_policy("manual", False)),
        (["reply", "777788889999/us-east-1/sms", "--message", "Opt-in form attached.",
          "--attach", shot], build_policy("manual", False)),
        # doctor's CreateCase dry run is the support backend's; its CloudWatch/CloudTrail
        # probes are the voice checks'.
        (["doctor", "-r", "us-east-1"], build_policy("support", True)),
    ]
    used_by_all: set[str] = set()
    for args, policy in runs:
        used = _run_and_record(sim, *args)
        _assert_granted(used, policy, " ".join(map(str, args[:2])))
        used_by_all |= used
    # The calls this task declared: each was made, so each declaration was checked above.
    assert {"support:AddAttachmentsToSet", "support:AddCommunicationToCase",
            "support:DescribeCommunications", "servicequotas:GetRequestedServiceQuotaChange",
            "sms-voice:SendVoiceMessage", "cloudwatch:GetMetricData", "cloudwatch:ListMetrics",
            "cloudtrail:LookupEvents"} <= used_by_all, sorted(used_by_all)


def test_without_evidence_only_the_optional_probe_needs_the_test_call_permission(
    simulator: Any,
) -> None:
    """No voice evidence: the DryRun SendVoiceMessage probe (voice available here?) is the one
    call outside the voice policy. It is declared with --voice-test-call, and without that
    permission it answers "cannot tell" (README, known limits)."""
    sim = simulator("voice-ready")
    used = _run_and_record(sim, "request", "voice", "-a", VOICE_ANSWERS, "-r", "eu-west-1",
                           "--yes")
    assert used - set(policy_actions(build_policy("auto", True))) == {
        "sms-voice:SendVoiceMessage"}
    [probe] = [r for r in sim.requests if r.operation == "SendVoiceMessage"]
    assert probe.params.get("DryRun") is True
    _assert_granted(used, build_policy("auto", True, voice_test_call=True), "request voice")


def test_raise_spend_is_granted_by_the_smallest_policy(simulator: Any) -> None:
    sim = simulator("after-approval")
    used = _run_and_record(sim, "raise-spend", "-r", "us-east-1", "--channel", "sms", "--yes")
    assert "sms-voice:SetTextMessageSpendLimitOverride" in used
    _assert_granted(used, build_policy("manual", False), "raise-spend")


def test_an_organization_run_is_granted_by_the_organization_policy(simulator: Any) -> None:
    """The management account lists the accounts and assumes the role in each; the members'
    reads are the rest of the same policy (each role carries it)."""
    member = {"support_plan": "business", "assumable_roles": [ORG_ROLE]}
    sim = simulator({"name": "org", "accounts": [
        {"account_id": "100000000000", "name": "management", **member},
        {"account_id": "100000000001", "name": "member-1", **member},
    ], "organization": {"ous": {}}})
    used = _run_and_record(sim, "status", "--organization", "-r", "eu-west-1")
    assert {"organizations:ListAccounts", "sts:AssumeRole"} <= used
    _assert_granted(used, build_policy("manual", False, organization_role=ORG_ROLE),
                    "status --organization")


# -- each call is declared in the module that makes it -----------------------------------------

# Calls a module makes whose action another module's declaration grants, and why.
DECLARED_ELSEWHERE: dict[str, dict[str, str]] = {
    "aws.quota_reads": {
        "servicequotas:GetServiceQuota": "the service-quotas backend (filing with it)",
        "servicequotas:GetAWSDefaultServiceQuota": "the service-quotas backend",
        "servicequotas:ListRequestedServiceQuotaChangeHistoryByQuota":
            "the service-quotas backend's iam_read_actions (every run)",
    },
    "aws.regions": {"sts:GetCallerIdentity": "aws.session.CALLER_IDENTITY_ACTIONS"},
    "checks.doctor": {"support:CreateCase": "the support backend (doctor's dry run)"},
    "checks.spend": {
        "servicequotas:RequestServiceQuotaIncrease": "the service-quotas backend (--request-quota)",
    },
    "checks.voice_call": {
        "sms-voice:DescribeVerifiedDestinationNumbers": "aws.facts.VERIFIED_COUNT (every run)",
    },
    "checks.voice_evidence": {
        "sms-voice:DescribeVerifiedDestinationNumbers": "aws.facts.VERIFIED_COUNT (every run)",
    },
}
# Names several services (or other libraries) share → the one service the source calls it on
# (organizations lists account tags; typer.main.get_group is no AWS call).
SHARED_NAMES = {"list_tags_for_resource": "organizations", "get_group": "typer"}


@cache
def _operations_by_name() -> dict[str, frozenset[str]]:
    """botocore's snake_case operation name → the IAM actions it may be."""
    import botocore.session
    from botocore import xform_name

    session = botocore.session.get_session()
    found: dict[str, set[str]] = {}
    for prefix, service in BOTOCORE_SERVICE.items():
        for operation in session.get_service_model(service).operation_names:
            name = xform_name(operation)
            if SHARED_NAMES.get(name, service) == service:
                found.setdefault(name, set()).add(f"{prefix}:{operation}")
    return {name: frozenset(actions) for name, actions in found.items()}


def _called(text: str) -> set[str]:
    """The actions of the operations a source names as a client method or paginator."""
    words = set(re.findall(r"[\"'.]([a-z][a-z0-9_]+)[\"'(]", text))
    return {action for word in words for action in _operations_by_name().get(word, ())}


def _declared_in(name: str, tree: ast.Module) -> set[str]:
    """Actions declared by the module itself: its `Fact`s and `Permission`s, its `*_ACTIONS`
    tuples, and its backends' statements."""
    from pinpoint_sandbox.aws.session import Fact, Permission
    from pinpoint_sandbox.backends.base import Backend

    module = importlib.import_module(".".join(["pinpoint_sandbox", name]).rstrip("."))
    declared: set[str] = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        for target in (t for t in targets if isinstance(t, ast.Name)):
            value = getattr(module, target.id)
            if isinstance(value, (Fact, Permission)):
                declared |= set(value.actions)
            elif target.id.endswith("_ACTIONS"):
                declared |= set(value)
        if isinstance(node, ast.ClassDef):
            backend = getattr(module, node.name)
            if isinstance(backend, type) and issubclass(backend, Backend):
                declared |= set(backend.iam_read_actions)
                for statement in backend.iam_statements:
                    actions = statement[1] if isinstance(statement, tuple) else statement["Action"]
                    declared |= set(actions) if isinstance(actions, (list, tuple)) else set()
    return declared


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(SOURCE).with_suffix("")
        if relative.parts[0] == "simulator" or relative.name == "__main__":
            continue
        parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
        found[".".join(parts)] = path
    return found


def test_each_module_declares_the_calls_it_makes() -> None:
    undeclared: dict[str, list[str]] = {}
    checked = 0
    for name, path in _modules().items():
        text = path.read_text()
        called = _called(text)
        checked += len(called)
        elsewhere = set(DECLARED_ELSEWHERE.get(name, {}))
        missing = called - _declared_in(name, ast.parse(text)) - elsewhere
        if missing:
            undeclared[name] = sorted(missing)
    assert checked > 30  # the scan finds the calls at all
    assert not undeclared, (
        f"declare these where the call is made (a Fact or an aws.session.Permission): {undeclared}"
    )


def test_policy_grants_every_operation_the_code_calls() -> None:
    called = {action for path in _modules().values() for action in _called(path.read_text())}
    assert {"support:CreateCase", "servicequotas:RequestServiceQuotaIncrease",
            "cloudtrail:LookupEvents"} <= called  # the scan finds calls at all
    granted = set(policy_actions(build_policy(
        "auto", True, voice_test_call=True,
        role_arns=["arn:aws:iam::111122223333:role/Filer"], organization_role=ORG_ROLE)))
    assert called <= granted, sorted(called - granted)


def test_declared_elsewhere_is_granted_and_still_called() -> None:
    """The table above stays true: each call is still made there, and some policy grants it."""
    granted = set(policy_actions(build_policy(
        "auto", True, voice_test_call=True, organization_role=ORG_ROLE)))
    modules = _modules()
    for name, actions in DECLARED_ELSEWHERE.items():
        called = _called(modules[name].read_text())
        for action in actions:
            assert action in called, (name, action)
            assert action in granted, (name, action)


# -- iam_policy.py collects; it spells nothing ---------------------------------------------------

def test_iam_policy_spells_no_action() -> None:
    tree = ast.parse((SOURCE / "filing" / "iam_policy.py").read_text())
    strings = [n.value for n in ast.walk(tree)
               if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    spelled = [s for s in strings if ACTION.fullmatch(s)]
    # An f-string such as f"sms-voice:{name}" builds one: no literal may end in "prefix:".
    built = [s for s in strings if s.endswith(":") and s[:-1] in BOTOCORE_SERVICE]
    assert len(strings) > 10  # the parse found the module's strings
    assert spelled == [] and built == []


def test_a_fresh_process_collects_every_declaration() -> None:
    """`iam-policy` imports the declaring modules itself: what it builds in a fresh process is
    what it builds once every module of the package is imported."""
    script = """
import importlib, json, sys
from pinpoint_sandbox.filing.iam_policy import build_policy
def policy():
    return build_policy("auto", True, voice_test_call=True, organization_role="R",
                        role_arns=["arn:aws:iam::111122223333:role/x"])
alone = policy()
for name in sys.argv[1:]:
    importlib.import_module("pinpoint_sandbox." + name)
print(json.dumps([alone, policy()]))
"""
    names = [n for n in _modules() if n]
    out = subprocess.run([sys.executable, "-c", script, *names], capture_output=True,
                         text=True, check=True, timeout=120).stdout
    alone, everything = json.loads(out)
    assert len(names) > 50
    assert alone == everything


def test_one_need_per_sid_and_needs_in_policy_order() -> None:
    """A Sid declared with two needs would print two statements with one Sid."""
    from pinpoint_sandbox.aws.session import NEEDS
    from pinpoint_sandbox.filing.iam_policy import declared_permissions

    needs: dict[str, set[str]] = {}
    for permission in declared_permissions():
        needs.setdefault(permission.sid, set()).add(permission.needed)
        assert permission.actions and all(ACTION.fullmatch(a) for a in permission.actions)
    assert {sid: len(n) for sid, n in needs.items()} == {sid: 1 for sid in needs}
    sids = [s["Sid"] for s in build_policy(
        "manual", True, voice_test_call=True, organization_role=ORG_ROLE)["Statement"]]
    assert sids.index("PinpointSandboxRaiseSpend") < sids.index("PinpointSandboxVoiceEvidence") \
        < sids.index("PinpointSandboxVoiceTestCall") < sids.index("PinpointSandboxOrganization")
    assert NEEDS[0] == "every-run"


@pytest.mark.parametrize("voice", [True, False])
def test_voice_declarations_follow_the_voice_options(voice: bool) -> None:
    from pinpoint_sandbox.filing.iam_policy import declared_permissions

    granted = set(policy_actions(build_policy("manual", voice)))
    for permission in declared_permissions():
        if permission.needed == "voice":
            assert set(permission.actions) <= granted if voice else not set(
                permission.actions) & granted
        if permission.needed == "voice-test-call":
            assert not set(permission.actions) & granted
