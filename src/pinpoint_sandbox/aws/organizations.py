"""Targets from AWS Organizations: which member accounts to work on, and a way into each.

From the management (or delegated administrator) account: `ListAccounts`, or for `--ou ID`
`ListAccountsForParent` and `ListChildren` recursively through child OUs (every listing
paginated). Selection: `--ou`, `--exclude ACCOUNT`, tags (`ListTagsForResource`, every
KEY=VALUE must match). Accounts that are not ACTIVE are skipped and reported. The account
running the tool (management or delegated administrator) is read with the caller's own
credentials. Member accounts are entered with `AssumeRole` on
`arn:<partition>:iam::<id>:role/<role name>`, in parallel; an account that cannot be assumed is
reported on one line and never stops the others. The management account is never assumed:
AWS creates `OrganizationAccountAccessRole` only in member accounts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from pinpoint_sandbox.aws.pool import map_all
from pinpoint_sandbox.aws.session import (
    ORGANIZATIONS,
    AwsAccount,
    Permission,
    error_code,
    error_message,
)
from pinpoint_sandbox.core.errors import AwsError, PinpointSandboxError, UsageError

if TYPE_CHECKING:
    from types_boto3_organizations.client import OrganizationsClient
    from types_boto3_organizations.type_defs import AccountTypeDef

R = TypeVar("R")

DEFAULT_ROLE_NAME = "OrganizationAccountAccessRole"
# ASCII only ([0-9], not \d), one line (\Z, not $, which allows a trailing newline).
_OU_ID = re.compile(r"\A(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})\Z")
_ACCOUNT_ID = re.compile(r"\A[0-9]{12}\Z")
_ROLE_NAME = re.compile(r"\A[A-Za-z0-9_+=,.@-]{1,64}\Z")
# AssumeRole accepts 900 s up to the role's maximum (at most 12 h); 1 h when the base
# credentials are themselves a role session (role chaining, e.g. IAM Identity Center).
MIN_DURATION, MAX_DURATION, CHAINED_MAX_DURATION = 900, 43200, 3600
# What the reads below need: the management account's `iam-policy --organization`.
LISTING = Permission("PinpointSandboxOrganization", (
    "organizations:DescribeOrganization",
    "organizations:ListAccounts",
    "organizations:ListAccountsForParent",
    "organizations:ListChildren",
    "organizations:ListTagsForResource",
), needed="organization")


@dataclass(frozen=True)
class Selection:
    """Which accounts of the organization, and how to enter them."""

    ous: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    role_name: str = DEFAULT_ROLE_NAME
    external_id: str | None = None
    session_duration: int | None = None


@dataclass(frozen=True)
class Member:
    account_id: str
    name: str
    state: str  # ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED, ...
    arn: str = ""


@dataclass
class Unused:
    """An organization account the run does not work on, and why (one line in the output)."""

    account_id: str
    name: str
    status: str  # "suspended" | "unreachable" | "unread" (a read about it failed: its tags)
    reason: str

    def line(self) -> str:
        label = f"{self.account_id} ({self.name})" if self.name else self.account_id
        return f"account {label}: {self.status}: {self.reason}"

    def to_json(self) -> dict[str, str]:
        return {"account_id": self.account_id, "name": self.name, "status": self.status,
                "reason": self.reason}


@dataclass
class Organization:
    accounts: list[AwsAccount] = field(default_factory=list)  # entered, in account-id order
    unused: list[Unused] = field(default_factory=list)

    @property
    def unreachable(self) -> list[Unused]:
        return [u for u in self.unused if u.status != "suspended"]


def make_selection(
    *,
    ous: Iterable[str] = (),
    exclude: Iterable[str] = (),
    tags: Iterable[str] | dict[str, str] = (),
    role_name: str | None = None,
    external_id: str | None = None,
    session_duration: int | None = None,
) -> Selection:
    """Validate options (CLI flags or the batch file's `organization:` block)."""
    ou_list = tuple(dict.fromkeys(o.strip() for o in ous))
    for ou in ou_list:
        if not _OU_ID.match(ou):
            raise UsageError(f"--ou {ou!r} is not an OU id (ou-xxxx-xxxxxxxx) or root id (r-xxxx).")
    excluded = tuple(dict.fromkeys(a.strip() for a in exclude))
    for account in excluded:
        if not _ACCOUNT_ID.match(account):
            raise UsageError(f"--exclude {account!r} is not a 12-digit AWS account id.")
    pairs = tuple(sorted(tags.items())) if isinstance(tags, dict) else _tag_pairs(tags)
    role = (role_name or DEFAULT_ROLE_NAME).strip()
    if not _ROLE_NAME.match(role):
        raise UsageError(
            f"--role-name {role!r} is not an IAM role name (letters, digits, +=,.@_-)."
        )
    if session_duration is not None and not MIN_DURATION <= session_duration <= MAX_DURATION:
        raise UsageError(
            f"--session-duration {session_duration} is out of range: give {MIN_DURATION} to "
            f"{MAX_DURATION} seconds."
        )
    return Selection(ou_list, excluded, pairs, role, external_id or None, session_duration)


def _tag_pairs(items: Iterable[str]) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--tag {item!r}: write KEY=VALUE, e.g. --tag env=prod.")
        pairs.append((key.strip(), value.strip()))
    return tuple(pairs)


def _accounts(client: OrganizationsClient, parent: str | None) -> list[AccountTypeDef]:
    """Every account of the organization (None), or those directly in `parent`."""
    pages = (client.get_paginator("list_accounts").paginate() if parent is None else
             client.get_paginator("list_accounts_for_parent").paginate(ParentId=parent))
    return [item for page in pages for item in page.get("Accounts", [])]


def _member(item: AccountTypeDef) -> Member:
    # `State` replaces `Status` (retired September 2026); read whichever is there.
    state = str(item.get("State") or item.get("Status") or "ACTIVE").upper()
    return Member(str(item["Id"]), str(item.get("Name") or ""), state, str(item.get("Arn") or ""))


def _under(client: OrganizationsClient, parent: str, seen: set[str]) -> list[Member]:
    """Accounts directly in `parent` and, recursively, in its child OUs."""
    if parent in seen:
        return []
    seen.add(parent)
    found = [_member(a) for a in _accounts(client, parent)]
    pages = client.get_paginator("list_children").paginate(ParentId=parent,
                                                            ChildType="ORGANIZATIONAL_UNIT")
    for child in (child for page in pages for child in page.get("Children", [])):
        found.extend(_under(client, str(child["Id"]), seen))
    return found


def list_members(management: AwsAccount, selection: Selection) -> list[Member]:
    """The organization's accounts (or those under the selected OUs), each once."""
    from botocore.exceptions import BotoCoreError, ClientError

    client = management.client(ORGANIZATIONS, management.global_region(ORGANIZATIONS))
    try:
        if selection.ous:
            seen: set[str] = set()
            members = [m for ou in selection.ous for m in _under(client, ou, seen)]
        else:
            members = [_member(a) for a in _accounts(client, None)]
    except ClientError as exc:
        code = error_code(exc)
        if code == "ParentNotFoundException":
            raise UsageError(f"--ou: {error_message(exc)}; check the OU id with "
                             "`aws organizations list-roots`.") from exc
        hint = ("; this account is not in an organization"
                if code == "AWSOrganizationsNotInUseException" else
                "; run from the management account or a delegated administrator")
        raise AwsError(f"Could not list the organization's accounts ({management.label}): "
                       f"{error_message(exc)}{hint}") from exc
    except BotoCoreError as exc:
        raise AwsError(f"Could not list the organization's accounts: {error_message(exc)}") from exc
    unique = {m.account_id: m for m in members}
    return [unique[k] for k in sorted(unique)]


def _tags(client: OrganizationsClient, account_id: str) -> dict[str, str]:
    pages = client.get_paginator("list_tags_for_resource").paginate(ResourceId=account_id)
    return {str(t["Key"]): str(t.get("Value", "")) for page in pages for t in page.get("Tags", [])}


def _parallel(fn: Callable[[Member], R], members: list[Member]) -> list[R]:
    if not members:
        return []
    return map_all(fn, members)


def _tag_filter(management: AwsAccount, members: list[Member],
                wanted: tuple[tuple[str, str], ...]) -> tuple[list[Member], list[Unused]]:
    """The members whose tags match, and one `unread` line per member whose tags could not
    be read (throttled, denied): that failure stays with its account, never the run's."""
    from botocore.exceptions import BotoCoreError, ClientError

    client = management.client(ORGANIZATIONS, management.global_region(ORGANIZATIONS))

    def matches(member: Member) -> bool | Unused:
        try:
            tags = _tags(client, member.account_id)
        except (ClientError, BotoCoreError) as exc:
            return Unused(member.account_id, member.name, "unread",
                          f"its tags could not be read ({error_message(exc)}), so --tag "
                          "cannot tell whether it is selected; rerun to include it")
        return all(tags.get(key) == value for key, value in wanted)

    found = list(zip(members, _parallel(matches, members), strict=True))
    return ([m for m, ok in found if ok is True],
            [ok for _, ok in found if isinstance(ok, Unused)])


def _partition(management: AwsAccount, members: list[Member]) -> str:
    for member in members:
        if member.arn.startswith("arn:"):
            return member.arn.split(":")[1]
    return management.partition()


def _management_id(caller: AwsAccount, members: list[Member]) -> str | None:
    """The management account, from an account ARN (arn:…:organizations::MGMT:account/o-…/ID),
    else DescribeOrganization (any member may call it); None when neither says."""
    for member in members:
        parts = member.arn.split(":")
        if len(parts) > 4 and _ACCOUNT_ID.match(parts[4]):
            return parts[4]
    client = caller.client(ORGANIZATIONS, caller.global_region(ORGANIZATIONS))
    try:
        found = client.describe_organization()["Organization"].get("MasterAccountId")
    except Exception:  # unreadable: every other account is entered through the role
        return None
    return str(found) if found else None


def check_chaining(caller: AwsAccount, selection: Selection) -> None:
    """AWS caps AssumeRole at 1 h when the base credentials are a role session: say so before
    any AssumeRole instead of letting every member fail."""
    duration = selection.session_duration
    if duration is None or duration <= CHAINED_MAX_DURATION:
        return
    caller.account_id()  # known already when called from organization_accounts: no call
    arn = caller.caller_arn or ""
    if ":assumed-role/" in arn:
        raise UsageError(
            f"--session-duration {duration}: these credentials are a role session ({arn}), "
            f"and AWS limits role chaining to 1 hour ({CHAINED_MAX_DURATION} s): give "
            f"--session-duration {CHAINED_MAX_DURATION} or less, or run with IAM user "
            "credentials."
        )


def enter(management: AwsAccount, selection: Selection, members: list[Member]) -> Organization:
    """Assume the role in every member (in parallel); the caller's own account is read with
    its own credentials; failures become `unused` lines."""
    partition = _partition(management, members)
    own = management.account_id()
    top = _management_id(management, members) if members else None

    def one(member: Member) -> AwsAccount | Unused:
        if member.account_id == own:  # management or delegated administrator: no role
            management.name = management.name or member.name
            return management
        if member.account_id == top:
            return Unused(member.account_id, member.name, "unreachable",
                          "the management account has no role to assume (AWS creates "
                          f"{DEFAULT_ROLE_NAME} only in member accounts): run the tool "
                          "with its own credentials (--profile) to include it")
        account = AwsAccount(
            role_arn=f"arn:{partition}:iam::{member.account_id}:role/{selection.role_name}",
            base=management, external_id=selection.external_id,
            duration_seconds=selection.session_duration, account_id=member.account_id,
            name=member.name,
        )
        try:
            account.credentials()
        except PinpointSandboxError as exc:
            return Unused(member.account_id, member.name, "unreachable", exc.message)
        return account

    org = Organization()
    for outcome in _parallel(one, members):
        if isinstance(outcome, Unused):
            org.unused.append(outcome)
        else:
            org.accounts.append(outcome)
    return org


def organization_accounts(management: AwsAccount, selection: Selection) -> Organization:
    """Selected, active, entered member accounts, and one line for each account left out."""
    # Who is listing: its own account is read without a role, its ARN's partition signs
    # Organizations, and a role session caps the members' sessions at 1 h.
    management.account_id()
    check_chaining(management, selection)
    members = [m for m in list_members(management, selection)
               if m.account_id not in selection.exclude]
    unread: list[Unused] = []
    if selection.tags:
        members, unread = _tag_filter(management, members, selection.tags)
    active = [m for m in members if m.state == "ACTIVE"]
    org = enter(management, selection, active)
    suspended = [Unused(m.account_id, m.name, "suspended", f"account state is {m.state}")
                 for m in members if m.state != "ACTIVE"]
    org.unused = sorted([*suspended, *unread, *org.unused], key=lambda u: u.account_id)
    if not org.accounts and not org.unused:
        raise UsageError("The organization selection matched no account: check --ou, --exclude "
                         "and --tag.")
    return org
