"""The printed IAM policy is valid JSON and names only real API operations."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from pinpoint_sandbox.cli.iam_policy import register
from pinpoint_sandbox.core.errors import UsageError
from pinpoint_sandbox.filing.iam_policy import BOTOCORE_SERVICE, build_policy, policy_actions

BACKENDS = ("auto", "service-quotas", "support", "manual")


@cache
def operations(botocore_name: str) -> frozenset[str]:
    import botocore.session

    model = botocore.session.get_session().get_service_model(botocore_name)
    return frozenset(model.operation_names)


def make_app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """Keeps `iam-policy` a subcommand, as in the real app."""

    register(app)
    return app


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("voice", [True, False])
def test_every_action_is_a_real_operation(backend: str, voice: bool) -> None:
    policy = build_policy(
        backend, voice, voice_test_call=voice, role_arns=["arn:aws:iam::111122223333:role/Filer"]
    )
    actions = policy_actions(policy)
    assert actions
    for action in actions:
        prefix, _, name = action.partition(":")
        assert prefix in BOTOCORE_SERVICE, action
        assert name in operations(BOTOCORE_SERVICE[prefix]), action


def test_sms_voice_prefix_is_the_v2_signing_name() -> None:
    import botocore.session

    model = botocore.session.get_session().get_service_model("pinpoint-sms-voice-v2")
    assert model.signing_name == "sms-voice"


@pytest.mark.parametrize("backend", BACKENDS)
def test_each_action_granted_once_and_policy_shape(backend: str) -> None:
    policy = build_policy(backend, True)
    assert policy["Version"] == "2012-10-17"
    actions = policy_actions(policy)
    assert len(actions) == len(set(actions))
    sids = [s["Sid"] for s in policy["Statement"]]
    assert len(sids) == len(set(sids))
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        assert statement["Action"]


def test_backends_grant_only_what_they_use() -> None:
    manual = set(policy_actions(build_policy("manual", False)))
    assert "support:CreateCase" not in manual
    assert "servicequotas:RequestServiceQuotaIncrease" not in manual
    assert "sms-voice:DescribeAccountAttributes" in manual
    # every backend looks for open quota requests before filing
    assert "servicequotas:ListRequestedServiceQuotaChangeHistoryByQuota" in manual
    assert not any(a.startswith(("cloudwatch:", "cloudtrail:")) for a in manual)

    support = set(policy_actions(build_policy("support", False)))
    assert {"support:CreateCase", "support:DescribeServices", "support:DescribeCases"} <= support
    assert "servicequotas:RequestServiceQuotaIncrease" not in support

    quotas = set(policy_actions(build_policy("service-quotas", False)))
    assert "servicequotas:RequestServiceQuotaIncrease" in quotas
    assert "support:CreateCase" not in quotas
    assert "iam:CreateServiceLinkedRole" in quotas

    auto = set(policy_actions(build_policy("auto", False)))
    assert support | quotas <= auto


def test_voice_adds_evidence_and_test_call_only_on_request() -> None:
    sms_only = set(policy_actions(build_policy("manual", False)))
    voice = set(policy_actions(build_policy("manual", True)))
    assert voice - sms_only == {
        "cloudwatch:GetMetricData",
        "cloudwatch:GetMetricStatistics",
        "cloudwatch:ListMetrics",
        "cloudtrail:LookupEvents",
    }
    with_call = set(policy_actions(build_policy("manual", True, voice_test_call=True)))
    assert with_call - voice == {"sms-voice:SendVoiceMessage"}


def test_linked_role_is_scoped_to_service_quotas() -> None:
    policy = build_policy("service-quotas", False)
    (statement,) = [s for s in policy["Statement"] if "iam:CreateServiceLinkedRole" in s["Action"]]
    assert statement["Condition"] == {
        "StringEquals": {"iam:AWSServiceName": "servicequotas.amazonaws.com"}
    }


def test_assume_role_scoped_to_given_roles() -> None:
    arn = "arn:aws:iam::111122223333:role/Filer"
    policy = build_policy("manual", False, role_arns=[arn, arn])
    (statement,) = [s for s in policy["Statement"] if s["Action"] == ["sts:AssumeRole"]]
    assert statement["Resource"] == [arn]
    assert not any(
        s["Action"] == ["sts:AssumeRole"] for s in build_policy("manual", False)["Statement"]
    )


def test_bad_inputs_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="Unknown backend 'fax'"):
        build_policy("fax", True)
    with pytest.raises(UsageError, match="not an IAM role ARN"):
        build_policy("auto", True, role_arns=["Filer"])
    with pytest.raises(UsageError, match="--voice-test-call"):
        build_policy("auto", False, voice_test_call=True)


def test_cli_prints_valid_json_and_note_on_stderr() -> None:
    result = CliRunner().invoke(make_app(), ["iam-policy", "--backend", "support", "--no-voice"])
    assert result.exit_code == 0, result.output
    policy = json.loads(result.stdout)
    assert policy == build_policy("support", False)
    assert "sts:AssumeRole" in result.stderr


def test_cli_role_arn_and_test_call() -> None:
    arn = "arn:aws:iam::111122223333:role/Filer"
    result = CliRunner().invoke(
        make_app(), ["iam-policy", "--voice-test-call", "--role-arn", arn]
    )
    assert result.exit_code == 0, result.output
    actions = policy_actions(json.loads(result.stdout))
    assert "sms-voice:SendVoiceMessage" in actions
    assert "sts:AssumeRole" in actions
    assert result.stderr == ""


def test_cli_rejects_unknown_backend() -> None:
    result = CliRunner().invoke(make_app(), ["iam-policy", "--backend", "fax"])
    assert result.exit_code == 2
    assert result.stdout == ""


def test_policy_covers_every_call_the_tool_makes(simulator: Any) -> None:
    """Run the main jobs on the simulator; every AWS operation they sent must be granted."""
    from helpers import SMS_ANSWERS, VOICE_ANSWERS, cli
    from pinpoint_sandbox.filing.iam_policy import BOTOCORE_SERVICE

    sim = simulator("voice-ready")
    for args in (
        ["request", "sms", "-a", SMS_ANSWERS, "-r", "us-east-1", "--yes"],
        ["request", "sms", "-a", SMS_ANSWERS, "-r", "eu-west-1", "--yes", "--backend", "support"],
        ["request", "voice", "-a", VOICE_ANSWERS, "-r", "eu-west-1", "--yes",
         "--send-test-call", "+12065550199"],
        ["status", "-r", "us-east-1"],
        ["check", "voice", "-r", "ap-southeast-2"],
    ):
        assert cli(*map(str, args)).exit_code in (0, 3), args
    granted = set(policy_actions(build_policy("auto", True, voice_test_call=True)))
    prefix_for = {svc: prefix for prefix, svc in BOTOCORE_SERVICE.items()}
    used = {f"{prefix_for[r.service]}:{r.operation}" for r in sim.requests
            if r.service in prefix_for}
    assert {a.split(":")[0] for a in used} == {
        "sts", "sms-voice", "servicequotas", "support", "cloudwatch", "cloudtrail"
    }
    assert used <= granted, sorted(used - granted)


def test_policy_covers_after_approval_calls(simulator: Any, tmp_path: Any) -> None:
    """status readiness, the destination checks and raise-spend: every call is granted."""
    from helpers import SMS_ANSWERS, cli
    from pinpoint_sandbox.filing.iam_policy import BOTOCORE_SERVICE

    sim = simulator("after-approval")
    for args in (
        ["status", "-r", "us-east-1,eu-west-1", "-a", SMS_ANSWERS, "--html",
         tmp_path / "r.html"],
        ["check", "sms", "-r", "us-east-1", "-a", SMS_ANSWERS],
        ["raise-spend", "-r", "us-east-1", "--channel", "sms", "--yes"],
    ):
        assert cli(*map(str, args)).exit_code in (0, 3), args
    granted = set(policy_actions(build_policy("manual", False)))
    prefix_for = {svc: prefix for prefix, svc in BOTOCORE_SERVICE.items()}
    used = {f"{prefix_for[r.service]}:{r.operation}" for r in sim.requests
            if r.service in prefix_for}
    assert {"sms-voice:DescribeSenderIds", "sms-voice:DescribeRegistrations",
            "sms-voice:SetTextMessageSpendLimitOverride"} <= used
    assert used <= granted, sorted(used - granted)


def test_every_spend_kind_in_botocore_has_its_setter_granted() -> None:
    """raise-spend sets whatever limit names AWS returns: every SpendLimitName in botocore's
    model must map to a setter operation the policy grants."""
    import botocore.session

    from pinpoint_sandbox.checks.spend import setter_operation

    model = botocore.session.get_session().get_service_model("pinpoint-sms-voice-v2")
    kinds = model.shape_for("SpendLimitName").enum
    assert "NOTIFY_MESSAGE_MONTHLY_SPEND_LIMIT" in kinds
    granted = set(policy_actions(build_policy("manual", False)))
    for kind in kinds:
        setter = setter_operation(kind, model.operation_names)
        assert setter is not None, kind
        assert f"sms-voice:{setter}" in granted, kind
