"""The least-privilege IAM policy for the calls pinpoint-sandbox makes, per backend.

IAM action names here equal the API operation names (checked against botocore's service models
in the tests); the IAM service prefixes differ from boto3's client names, see
`BOTOCORE_SERVICE`. None of these actions supports resource-level permissions, so every
statement uses `"Resource": "*"` — except `sts:AssumeRole`, which is scoped to the roles given.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pinpoint_sandbox.errors import UsageError

# IAM service prefix → botocore service name (for the model check in the tests).
BOTOCORE_SERVICE: dict[str, str] = {
    "sts": "sts",
    "sms-voice": "pinpoint-sms-voice-v2",
    "servicequotas": "service-quotas",
    "support": "support",
    "cloudwatch": "cloudwatch",
    "cloudtrail": "cloudtrail",
    "iam": "iam",
}

# (Sid, actions). Every run: who am I, what tier, what limits, what is already open.
PREFLIGHT: tuple[str, tuple[str, ...]] = (
    "PinpointSandboxPreflight",
    (
        # GetCallerIdentity needs no permission, but an explicit Deny would break preflight.
        "sts:GetCallerIdentity",
        "sms-voice:DescribeAccountAttributes",
        "sms-voice:DescribeSpendLimits",
        "sms-voice:DescribeAccountLimits",
        "sms-voice:DescribeVerifiedDestinationNumbers",
        "sms-voice:DescribePhoneNumbers",
        # Open cases for the same target, and the support-plan probe (every backend).
        "support:DescribeCases",
        "support:DescribeSeverityLevels",
        # Open quota requests for the same target (every backend: a request filed in the
        # console shows up here, and filing blind is never done).
        "servicequotas:ListServices",
        "servicequotas:ListAWSDefaultServiceQuotas",
        "servicequotas:ListServiceQuotas",
        "servicequotas:ListRequestedServiceQuotaChangeHistoryByQuota",
    ),
)
SERVICE_QUOTAS: tuple[str, tuple[str, ...]] = (
    "PinpointSandboxServiceQuotas",
    (
        "servicequotas:RequestServiceQuotaIncrease",
        # The rendered description is attached to the case Service Quotas opens.
        "support:AddCommunicationToCase",
    ),
)
# Service Quotas creates its service-linked role on the first request in an account.
SERVICE_QUOTAS_LINKED_ROLE: dict[str, Any] = {
    "Sid": "PinpointSandboxServiceQuotasLinkedRole",
    "Effect": "Allow",
    "Action": ["iam:CreateServiceLinkedRole"],
    "Resource": "*",
    "Condition": {"StringEquals": {"iam:AWSServiceName": "servicequotas.amazonaws.com"}},
}
SUPPORT: tuple[str, tuple[str, ...]] = (
    "PinpointSandboxSupportCases",
    (
        "support:DescribeServices",
        "support:CreateCase",
        "support:AddCommunicationToCase",
    ),
)
# Voice prerequisite: has this account sent a voice message? (CloudWatch spend metric, then
# CloudTrail events.)
VOICE_EVIDENCE: tuple[str, tuple[str, ...]] = (
    "PinpointSandboxVoiceEvidence",
    (
        "cloudwatch:GetMetricData",
        "cloudwatch:GetMetricStatistics",
        "cloudwatch:ListMetrics",
        "cloudtrail:LookupEvents",
    ),
)
VOICE_TEST_CALL: tuple[str, tuple[str, ...]] = (
    "PinpointSandboxVoiceTestCall",
    ("sms-voice:SendVoiceMessage",),
)

# `status` follows each request; `reply` answers AWS on the case (every backend's cases).
TRACKER: tuple[str, tuple[str, ...]] = (
    "PinpointSandboxTracker",
    (
        "servicequotas:GetRequestedServiceQuotaChange",
        "support:DescribeCommunications",
        "support:AddAttachmentsToSet",
        "support:AddCommunicationToCase",
    ),
)

BACKEND_STATEMENTS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "manual": (),
    "service-quotas": (SERVICE_QUOTAS,),
    "support": (SUPPORT,),
    "auto": (SERVICE_QUOTAS, SUPPORT),
}

ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}|\*):role/[\w+=,.@/*-]+$")

ASSUME_ROLE_NOTE = (
    "Using --role-arn or a batch role_arn? The calling identity also needs sts:AssumeRole on "
    "those roles (pass them with --role-arn to include it), and each role needs this policy."
)


def build_policy(
    backend: str = "auto",
    voice: bool = True,
    *,
    voice_test_call: bool = False,
    role_arns: Sequence[str] = (),
) -> dict[str, Any]:
    """An IAM policy document (Version 2012-10-17) for the chosen backend and channels."""
    if backend not in BACKEND_STATEMENTS:
        choices = ", ".join(BACKEND_STATEMENTS)
        raise UsageError(f"Unknown backend {backend!r}: use one of {choices}.")
    if voice_test_call and not voice:
        raise UsageError("--voice-test-call needs the voice checks: drop --no-voice.")
    groups = [PREFLIGHT, *BACKEND_STATEMENTS[backend], TRACKER]
    if voice:
        groups.append(VOICE_EVIDENCE)
        if voice_test_call:
            groups.append(VOICE_TEST_CALL)

    statements: list[dict[str, Any]] = []
    seen: set[str] = set()
    for sid, actions in groups:
        # `auto` lists AddCommunicationToCase twice: keep the first, so each action is granted once.
        fresh = [a for a in actions if a not in seen]
        seen.update(fresh)
        statements.append(
            {"Sid": sid, "Effect": "Allow", "Action": sorted(fresh), "Resource": "*"}
        )
    if backend in ("service-quotas", "auto"):
        statements.append(SERVICE_QUOTAS_LINKED_ROLE)
    if role_arns:
        bad = [arn for arn in role_arns if not ROLE_ARN.match(arn)]
        if bad:
            raise UsageError(
                f"{bad[0]!r} is not an IAM role ARN: use arn:aws:iam::<account-id>:role/<name>."
            )
        statements.append(
            {
                "Sid": "PinpointSandboxAssumeRole",
                "Effect": "Allow",
                "Action": ["sts:AssumeRole"],
                "Resource": sorted(set(role_arns)),
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def policy_actions(policy: dict[str, Any]) -> list[str]:
    """Every action the policy grants, in statement order."""
    return [action for statement in policy["Statement"] for action in statement["Action"]]
