"""The least-privilege IAM policy for the calls pinpoint-sandbox makes, per backend.

No action is spelled here: each is declared where its call is made — a `Fact` for each cached
read, a `Permission` for every other call (`aws.session`), a backend's `iam_statements` for
filing with it — and this module collects the declarations the chosen options need.

IAM action names here equal the API operation names (checked against botocore's service models
in the tests); the IAM service prefixes differ from boto3's client names, see
`BOTOCORE_SERVICE`. None of these actions supports resource-level permissions, so every
statement uses `"Resource": "*"` — except `sts:AssumeRole`, which is scoped to the roles given.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

from pinpoint_sandbox.aws.session import ASSUME_ROLE_ACTIONS, SERVICE_QUOTAS, SUPPORT
from pinpoint_sandbox.backends import registry
from pinpoint_sandbox.backends.base import IamStatement
from pinpoint_sandbox.core.errors import UsageError

if TYPE_CHECKING:
    from pinpoint_sandbox.aws.session import Fact, Need, Permission

# IAM service prefix → botocore service name (for the model check in the tests).
BOTOCORE_SERVICE: dict[str, str] = {
    "sts": "sts",
    "sms-voice": "pinpoint-sms-voice-v2",
    "servicequotas": SERVICE_QUOTAS,
    SUPPORT: SUPPORT,  # Support's IAM prefix is its botocore name
    "cloudwatch": "cloudwatch",
    "cloudtrail": "cloudtrail",
    "iam": "iam",
    "organizations": "organizations",
}

# Every run: who am I, and every AWS fact the tool reads (each `aws.session.Fact` declares the
# IAM actions of its read), plus (from every backend's `iam_read_actions`) what is already
# open: filing blind is never done, whichever backend files.
PREFLIGHT_SID = "PinpointSandboxPreflight"


def declared_facts() -> list[Fact[..., object]]:
    """Every AWS fact the tool reads: declared where it is read (imported here for that)."""
    _import_declarations()
    from pinpoint_sandbox.aws.session import DECLARED

    return list(DECLARED)


def declared_permissions() -> list[Permission]:
    """Every other call's IAM actions (writes, one-off reads): declared where it is made."""
    _import_declarations()
    from pinpoint_sandbox.aws.session import PERMISSIONS

    return list(PERMISSIONS)


def _import_declarations() -> None:
    """Import every module that declares a `Fact` or a `Permission`, for its declarations (a
    test checks that a fresh process sees them all)."""
    from pinpoint_sandbox.aws import facts, organizations, quota_reads, support_reads  # noqa: F401
    from pinpoint_sandbox.checks import (  # noqa: F401
        destinations,
        doctor,
        spend,
        voice_call,
        voice_evidence,
    )
    from pinpoint_sandbox.tracking import delivery, replies  # noqa: F401


def permission_statements(needs: Collection[Need]) -> list[tuple[str, tuple[str, ...]]]:
    """(Sid, actions) of the declared permissions `needs` asks for, one per Sid: in the order
    of `NEEDS`, then of Sids, whatever order their modules were imported in."""
    from pinpoint_sandbox.aws.session import NEEDS

    merged: dict[tuple[int, str], list[str]] = {}
    for permission in declared_permissions():
        if permission.needed in needs:
            key = (NEEDS.index(permission.needed), permission.sid)
            merged.setdefault(key, []).extend(permission.actions)
    return [(sid, tuple(dict.fromkeys(actions))) for (_, sid), actions in sorted(merged.items())]


def preflight_statement() -> tuple[str, tuple[str, ...]]:
    """The reads of every run: the caller's identity and every fact not granted with one
    backend's filing statements."""
    from pinpoint_sandbox.aws.session import CALLER_IDENTITY_ACTIONS

    facts = [a for fact in declared_facts() if fact.every_run for a in fact.actions]
    reads = [a for backend in registry.backends() for a in backend.iam_read_actions]
    return (PREFLIGHT_SID, tuple(dict.fromkeys([*CALLER_IDENTITY_ACTIONS, *facts, *reads])))


def backend_statements(backend: str) -> list[IamStatement]:
    """What filing with `backend` needs; `auto` may file with any registered backend."""
    chosen = registry.backends() if backend == registry.AUTO else [registry.get(backend)]
    return [statement for b in chosen for statement in b.iam_statements]


ROLE_ARN = re.compile(r"\Aarn:aws[a-z-]*:iam::([0-9]{12}|\*):role/[A-Za-z0-9_+=,.@/*-]+\Z")

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
    organization_role: str | None = None,
) -> dict[str, Any]:
    """An IAM policy document (Version 2012-10-17) for the chosen backend and channels.

    `organization_role`: the policy of the management account for `--organization`, which
    lists the accounts and assumes that role in each (the role itself needs the rest)."""
    if voice_test_call and not voice:
        raise UsageError("--voice-test-call needs the voice checks: drop --no-voice.")
    needs: list[Need] = ["every-run"]
    if voice:
        needs += ["voice", "voice-test-call"] if voice_test_call else ["voice"]
    if organization_role is not None:
        needs.append("organization")
    groups: list[IamStatement] = [
        preflight_statement(), *backend_statements(backend), *permission_statements(needs),
    ]

    statements: list[dict[str, Any]] = []
    seen: set[str] = set()
    for group in groups:
        if isinstance(group, dict):  # a complete statement (e.g. with a Condition)
            statements.append(group)
            continue
        sid, actions = group
        # `auto` lists AddCommunicationToCase twice: keep the first, so each action is granted once.
        fresh = [a for a in actions if a not in seen]
        seen.update(fresh)
        if fresh:
            statements.append(
                {"Sid": sid, "Effect": "Allow", "Action": sorted(fresh), "Resource": "*"}
            )
    if organization_role is not None:
        statements.append(_organization_role_statement(organization_role))
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
                "Action": list(ASSUME_ROLE_ACTIONS),
                "Resource": sorted(set(role_arns)),
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def _organization_role_statement(role_name: str) -> dict[str, Any]:
    """--organization: assume `role_name` in every member account (the listing the management
    account needs is declared with its reads, in aws.organizations)."""
    from pinpoint_sandbox.aws.organizations import make_selection
    from pinpoint_sandbox.aws.regions import default_partition

    role = make_selection(role_name=role_name).role_name  # the same check as --role-name
    partition = default_partition()  # the configured region's: arn:aws-us-gov:… in GovCloud
    return {
        "Sid": "PinpointSandboxAssumeOrganizationRole",
        "Effect": "Allow",
        "Action": list(ASSUME_ROLE_ACTIONS),
        "Resource": [f"arn:{partition}:iam::*:role/{role}"],
    }


def policy_actions(policy: dict[str, Any]) -> list[str]:
    """Every action the policy grants, in statement order."""
    return [action for statement in policy["Statement"] for action in statement["Action"]]
