"""AWS Organizations (JSON 1.1, `AWSOrganizationsV20161128`, global endpoint in us-east-1)
over the scenario's accounts: ListAccounts, ListAccountsForParent, ListChildren, ListRoots,
ListTagsForResource, DescribeOrganization. Only the management account and delegated
administrators may list; others get
AccessDeniedException, and a scenario without `organization` answers
AWSOrganizationsNotInUseException, as AWS does."""

from __future__ import annotations

from typing import Any

from pinpoint_sandbox.simulator.api import ApiError, Call, Handler, paginate, require, ts
from pinpoint_sandbox.simulator.scenario import Account, OrganizationSpec


def _org(call: Call) -> OrganizationSpec:
    org = call.state.scenario.organization
    if org is None:
        raise ApiError("AWSOrganizationsNotInUseException",
                       "Your account is not a member of an organization.")
    if call.account_id != org.management_account and (
            call.account_id not in org.delegated_administrators):
        raise ApiError("AccessDeniedException",
                       "You don't have permissions to access this resource.")
    return org


def _partition(call: Call, org: OrganizationSpec) -> str:
    spec = call.state.scenario.account(str(org.management_account))
    return spec.partition if spec is not None else "aws"


def _account(call: Call, spec: Account, org: OrganizationSpec) -> dict[str, Any]:
    status = spec.state if spec.state in ("ACTIVE", "SUSPENDED", "PENDING_CLOSURE") else "SUSPENDED"
    return {
        "Id": spec.account_id,
        "Arn": f"arn:{_partition(call, org)}:organizations::{org.management_account}:account/"
               f"{org.id}/{spec.account_id}",
        "Email": f"aws+{spec.account_id}@example.com",
        "Name": spec.name or f"account-{spec.account_id}",
        "Status": status,
        "State": spec.state,
        "JoinedMethod": "CREATED",
        "JoinedTimestamp": ts(float(call.state.data["seeded_at"]) - 86400 * 30),
    }


def _parent_of(spec: Account, org: OrganizationSpec) -> str:
    return spec.ou or org.root_id


def _page(call: Call, items: list[Any], key: str) -> dict[str, Any]:
    page, token = paginate(items, call.params, default_size=20,
                           invalid_token="InvalidInputException")
    return {key: page, **({"NextToken": token} if token else {})}


def _check_parent(org: OrganizationSpec, parent: str) -> None:
    if parent != org.root_id and parent not in org.ous:
        raise ApiError("ParentNotFoundException",
                       "We can't find a root or OU with the ParentId that you specified.")


def org_list_accounts(call: Call) -> dict[str, Any]:
    org = _org(call)
    accounts = [_account(call, a, org) for a in call.state.scenario.accounts]
    return _page(call, accounts, "Accounts")


def org_list_accounts_for_parent(call: Call) -> dict[str, Any]:
    require(call, "ParentId", error="InvalidInputException")
    org = _org(call)
    parent = str(call.params["ParentId"])
    _check_parent(org, parent)
    accounts = [_account(call, a, org) for a in call.state.scenario.accounts
                if _parent_of(a, org) == parent]
    return _page(call, accounts, "Accounts")


def org_list_children(call: Call) -> dict[str, Any]:
    require(call, "ParentId", "ChildType", error="InvalidInputException")
    org = _org(call)
    parent = str(call.params["ParentId"])
    _check_parent(org, parent)
    kind = str(call.params["ChildType"])
    if kind == "ACCOUNT":
        ids = [a.account_id for a in call.state.scenario.accounts if _parent_of(a, org) == parent]
    elif kind == "ORGANIZATIONAL_UNIT":
        ids = sorted(ou for ou, up in org.ous.items() if up == parent)
    else:
        raise ApiError("InvalidInputException", f"Invalid ChildType: {kind}")
    return _page(call, [{"Id": i, "Type": kind} for i in ids], "Children")


def org_list_roots(call: Call) -> dict[str, Any]:
    org = _org(call)
    root = {"Id": org.root_id, "Name": "Root",
            "Arn": f"arn:{_partition(call, org)}:organizations::{org.management_account}:root/"
                   f"{org.id}/{org.root_id}",
            "PolicyTypes": []}
    return _page(call, [root], "Roots")


def org_list_tags_for_resource(call: Call) -> dict[str, Any]:
    require(call, "ResourceId", error="InvalidInputException")
    _org(call)
    spec = call.state.scenario.account(str(call.params["ResourceId"]))
    if spec is None:
        raise ApiError("TargetNotFoundException",
                       "We can't find a resource with the TargetId that you specified.")
    tags = [{"Key": k, "Value": v} for k, v in sorted(spec.tags.items())]
    return _page(call, tags, "Tags")


def org_describe_organization(call: Call) -> dict[str, Any]:
    org = call.state.scenario.organization
    if org is None:
        raise ApiError("AWSOrganizationsNotInUseException",
                       "Your account is not a member of an organization.")
    partition = _partition(call, org)
    return {"Organization": {
        "Id": org.id,
        "Arn": f"arn:{partition}:organizations::{org.management_account}:organization/{org.id}",
        "FeatureSet": "ALL",
        "MasterAccountArn": f"arn:{partition}:organizations::{org.management_account}:account/"
                            f"{org.id}/{org.management_account}",
        "MasterAccountId": org.management_account,
        "MasterAccountEmail": f"aws+{org.management_account}@example.com",
    }}


OPERATIONS: dict[str, dict[str, Handler]] = {
    "organizations": {
        "ListAccounts": org_list_accounts,
        "ListAccountsForParent": org_list_accounts_for_parent,
        "ListChildren": org_list_children,
        "ListRoots": org_list_roots,
        "ListTagsForResource": org_list_tags_for_resource,
        "DescribeOrganization": org_describe_organization,
    },
}
