"""Which AWS regions have the SMS and Voice v2 API, read from botocore's own endpoint data.

The list follows the installed botocore (31 commercial regions in 1.43), so a new region works
as soon as botocore knows it. Voice availability per region is not published; the simulator
and AWS both answer `VOICE_CAPABILITY_NOT_AVAILABLE`, which preflight turns into `blocked`.

Partitions: one set of credentials works in one partition (`aws`, `aws-us-gov`, `aws-cn`,
`aws-eusc`, …). A request that mixes partitions is bad input, known from botocore's data
before any call. The credentials' partition comes from the caller's or role's ARN, else the
default region (confirmed by STS in that partition), before any call in the regions asked
for; once the caller is known (the partition field of its STS ARN), every region must be in
that partition (`identify`). Region lists and prompts show only the caller's partition.
Global services (Support, Organizations, IAM, STS's global endpoint) are signed for their
partition's region as botocore's endpoint rules resolve it (`global_region`); console links
use the partition's console host (`console_url`).

Opt-in regions: regions launched after March 2019 must be enabled per account. AWS answers a
call in a region the account has not enabled like a call with a bad key
(`UnrecognizedClientException` on JSON APIs, `InvalidClientTokenId` on query APIs, "The
security token included in the request is invalid"); `opt_in_problem` turns that answer, on
the first regional call of a target, into a line that says what to do.
"""

from __future__ import annotations

import contextlib
import difflib
import os
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Literal, Protocol

from pinpoint_sandbox.core.errors import UsageError

if TYPE_CHECKING:
    from types_boto3_sts.client import STSClient


class Caller(Protocol):
    """What the partition checks read of an account (`aws.session.AwsAccount`, which this
    module cannot import: the account asks it for its partition)."""

    @property
    def caller_arn(self) -> str | None: ...
    @property
    def role_arn(self) -> str | None: ...
    def default_region(self) -> str | None: ...
    def account_id(self, region: str | None = None) -> str: ...
    def client(self, service: Literal["sts"], region: str) -> STSClient: ...

SMS_VOICE_SERVICE = "pinpoint-sms-voice-v2"
PARTITIONS = ("aws", "aws-us-gov", "aws-eusc", "aws-cn")
DEFAULT_PARTITION = "aws"

# Commercial regions enabled by default in every account (AWS: "Regions introduced before
# March 20, 2019 are enabled by default"); every other `aws` region is opt-in.
ENABLED_BY_DEFAULT = frozenset({
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1",
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1",
    "ap-southeast-1", "ap-southeast-2",
})
# How AWS answers a call signed for a region the account has not enabled.
NOT_ENABLED_CODES = frozenset({
    "UnrecognizedClientException", "InvalidClientTokenId", "AuthFailure",
})


@cache
def _regions_by_partition() -> dict[str, tuple[str, ...]]:
    from pinpoint_sandbox.aws.botocore_data import data_session

    session = data_session()
    return {
        partition: tuple(sorted(session.get_available_regions(SMS_VOICE_SERVICE, partition)))
        for partition in session.get_available_partitions()
    }


@cache
def sms_voice_regions() -> tuple[str, ...]:
    """Every region of every partition with the API (validation and the simulator)."""
    return tuple(sorted({r for rs in _regions_by_partition().values() for r in rs}))


def partition_regions(partition: str = DEFAULT_PARTITION) -> tuple[str, ...]:
    """The regions with the API in one partition: what lists, prompts and --all-regions show."""
    return _regions_by_partition().get(partition, ())


@cache
def partition_of(region: str) -> str | None:
    """The partition of a region from botocore's data (also for regions without the API)."""
    for partition, regions in _regions_by_partition().items():
        if region in regions:
            return partition
    from pinpoint_sandbox.aws.botocore_data import data_session

    try:
        return str(data_session().get_partition_for_region(region))
    except Exception:  # UnknownRegionError and malformed names: no partition
        return None


def arn_partition(arn: str | None) -> str | None:
    """`arn:aws-us-gov:iam::…` → "aws-us-gov"; None for anything that is not an ARN."""
    parts = (arn or "").split(":")
    return parts[1] if len(parts) > 2 and parts[0] == "arn" and parts[1] else None


def default_partition() -> str:
    """The partition of the configured default region (AWS_REGION, the profile), else aws."""
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        try:
            import botocore.session

            region = botocore.session.get_session().get_config_variable("region")
        except Exception:  # a broken config file is reported where it is used, not here
            region = None
    return (partition_of(str(region)) if region else None) or DEFAULT_PARTITION


def choice_regions() -> list[str]:
    """The regions the prompt offers: the default partition's only."""
    return list(partition_regions(default_partition()))


@cache
def region_names() -> dict[str, str]:
    """{"eu-west-1": "Europe (Ireland)", …} from botocore's endpoint data (for prompts)."""
    from pinpoint_sandbox.aws.botocore_data import data_session

    data = data_session().get_component("data_loader").load_data("endpoints")
    return {
        code: str(info.get("description", ""))
        for partition in data.get("partitions", [])
        for code, info in partition.get("regions", {}).items()
    }


def region_problem(region: str) -> str | None:
    """None when `region` has the SMS/Voice v2 API, else one line naming the fix."""
    known = sms_voice_regions()
    if region in known:
        return None
    close = difflib.get_close_matches(region, known, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return (
        f"{_show(region)} is not an AWS region with End User Messaging SMS and Voice "
        f"(known to this botocore: {len(partition_regions())} commercial regions, "
        f"{len(known)} in all partitions).{hint}"
    )


def _show(region: str) -> str:
    """A region as typed, cut short: never echo a whole pasted file back."""
    return repr(region if len(region) <= 40 else region[:40] + "…")


def partition_problem(regions: Iterable[str], caller_partition: str | None = None,
                      source: str = "") -> str | None:
    """None when every region is in one partition (the caller's, when known), else one line."""
    found: dict[str, list[str]] = {}
    for region in regions:
        found.setdefault(partition_of(region) or DEFAULT_PARTITION, []).append(region)
    if len(found) > 1:
        listed = "; ".join(f"{p}: {', '.join(rs)}" for p, rs in found.items())
        return (
            f"the regions span {len(found)} AWS partitions ({listed}); one set of credentials "
            "works in one partition: split them into one run per partition."
        )
    if caller_partition and found and caller_partition not in found:
        [(partition, listed_regions)] = found.items()
        return (
            f"{', '.join(listed_regions)} {'is' if len(listed_regions) == 1 else 'are'} in "
            f"partition {partition}, but these credentials are for partition "
            f"{caller_partition}{f' ({source})' if source else ''}: use credentials of that "
            f"partition (--profile) or regions of {caller_partition}."
        )
    return None


def require_one_partition(regions: Iterable[str], where: str = "") -> None:
    """Raise the one-line UsageError of `partition_problem` (before any call)."""
    problem = partition_problem(list(regions))
    if problem:
        raise UsageError(f"{where}{problem}")


def check_caller_partition(account: Caller, regions: Iterable[str]) -> None:
    """After the caller is known: every region must be in the partition of its STS ARN."""
    arn = getattr(account, "caller_arn", None)
    problem = partition_problem(list(regions), arn_partition(arn))
    if problem:
        raise UsageError(problem)


def parse_regions(values: Iterable[str]) -> list[str]:
    """`--region` values: repeatable and comma lists; order kept, duplicates dropped."""
    regions: list[str] = []
    for value in values:
        for part in value.split(","):
            region = part.strip().lower()
            if region and region not in regions:
                regions.append(region)
    problems = [p for r in regions if (p := region_problem(r))]
    if problems:
        raise UsageError(problems[0] if len(problems) == 1 else "; ".join(problems))
    require_one_partition(regions, "--region: ")
    return regions


def is_opt_in(region: str) -> bool:
    """Whether an account must enable `region` before using it (commercial partition only)."""
    return partition_of(region) == DEFAULT_PARTITION and region not in ENABLED_BY_DEFAULT


def opt_in_problem(region: str, account_id: str | None, error_code: str | None) -> str | None:
    """The reason to give when the first regional call of a target was refused as AWS refuses
    calls in an opt-in region the account has not enabled; None when that is not the case.
    (The same credentials already answered STS, so the key itself is good.)"""
    if error_code not in NOT_ENABLED_CODES or not is_opt_in(region):
        return None
    return (
        f"region {region} is an opt-in region not enabled for account {account_id or '?'}: "
        "enable it in the console (Account > AWS Regions) or drop it"
    )


def caller_regions(account: Caller, regions: list[str] | None) -> list[str]:
    """Identify the caller (one STS read, cached by the account), then: `regions` checked
    against its partition, or, for None (`--all-regions`), every region of that partition."""
    identify(account, regions)
    if regions is None:
        arn = getattr(account, "caller_arn", None)
        return list(partition_regions(arn_partition(arn) or default_partition()))
    return regions


def sts_region(regions: list[str]) -> str | None:
    """Where to ask STS who the caller is: a region every account has enabled (STS in an
    opt-in region the account has not enabled refuses the keys, which would sink every
    target of the request instead of only that region's)."""
    for region in regions:
        if not is_opt_in(region):
            return region
    if regions and partition_of(regions[0]) == DEFAULT_PARTITION:
        return "us-east-1"
    return regions[0] if regions else None


# ------------------------------------------------------- partitions: global services, consoles

# The console host of each partition: botocore has no data for it (AWS's console URLs).
CONSOLE_HOSTS = {
    "aws": "console.aws.amazon.com",
    "aws-us-gov": "console.amazonaws-us-gov.com",
    "aws-cn": "console.amazonaws.cn",
    "aws-eusc": "console.amazonaws.eu",
}


@cache
def _partition_outputs() -> dict[str, dict[str, object]]:
    from pinpoint_sandbox.aws.botocore_data import data_session

    data = data_session().get_component("data_loader").load_data("partitions")
    return {str(p["id"]): dict(p.get("outputs", {})) for p in data.get("partitions", [])}


@cache
def global_region(service: str, partition: str = DEFAULT_PARTITION) -> str:
    """The region a global service (Support, Organizations, IAM, STS's global endpoint) is
    signed for in `partition`, as botocore's endpoint rules resolve it: Support is us-east-1
    in aws, us-gov-west-1 in aws-us-gov, cn-north-1 in aws-cn, eusc-de-east-1 in aws-eusc."""
    from botocore.endpoint_provider import EndpointProvider

    from pinpoint_sandbox.aws.botocore_data import data_session

    outputs = _partition_outputs().get(partition) or _partition_outputs()[DEFAULT_PARTITION]
    anchor = str(outputs["implicitGlobalRegion"])
    loader = data_session().get_component("data_loader")
    version = loader.determine_latest_version(service, "service-2")
    rules = loader.load_service_model(service, "endpoint-rule-set-1", version)
    params: dict[str, str | bool] = {"Region": anchor, "UseFIPS": False, "UseDualStack": False}
    if service == "sts":
        params["UseGlobalEndpoint"] = True
    endpoint = EndpointProvider(rules, loader.load_data("partitions")).resolve_endpoint(**params)
    for scheme in endpoint.properties.get("authSchemes", []):
        if scheme.get("signingRegion"):
            return str(scheme["signingRegion"])
    return anchor


def console_host(partition: str | None) -> str:
    """The AWS console's host name in `partition` (console.amazonaws-us-gov.com, …)."""
    part = partition or DEFAULT_PARTITION
    found = CONSOLE_HOSTS.get(part)
    if found:
        return found
    suffix = _partition_outputs().get(part, {}).get("dnsSuffix")
    return f"console.{suffix}" if suffix else CONSOLE_HOSTS[DEFAULT_PARTITION]


def console_url(partition: str | None, path: str) -> str:
    """`https://<the partition's console>/<path>`."""
    return f"https://{console_host(partition)}/{path.lstrip('/')}"


def known_partition(account: Caller) -> tuple[str | None, str]:
    """The credentials' partition before any call, and where it was read: the caller's or
    the role's ARN, else the default region (AWS_REGION, the profile's region)."""
    for source, arn in (("the caller's ARN", getattr(account, "caller_arn", None)),
                        ("the role ARN", getattr(account, "role_arn", None))):
        if arn_partition(arn):
            return arn_partition(arn), source
    region = None
    with contextlib.suppress(Exception):  # a broken config is reported where it is used
        region = account.default_region()
    region = region or os.environ.get("AWS_REGION")
    if region and partition_of(str(region)):
        return partition_of(str(region)), f"the default region {region}"
    return None, ""


def identify(account: Caller, regions: list[str] | None) -> str:
    """The caller's account id, with the regions checked against the credentials' partition:
    first from what is known without a call (exit 2 before any call in a region of another
    partition), then from the STS ARN. When AWS refuses the keys in the regions' partition,
    ask STS in the other partitions which one they belong to, to say so instead."""
    from pinpoint_sandbox.core.errors import AwsError

    if regions:
        known, source = known_partition(account)
        problem = partition_problem(regions, known, f"read from {source}")
        if problem and known and source.startswith("the default region"):
            problem = _confirm(account, regions, known, problem)
        if problem:
            raise UsageError(problem)
    try:
        account_id = str(account.account_id(sts_region(regions) if regions else None))
    except AwsError as exc:
        if regions and _refused_keys(exc):
            found = _accepting_partition(account, partition_of(regions[0]))
            if found:
                why = f"AWS refused them in {partition_of(regions[0])}, accepted them in {found}"
                raise UsageError(str(partition_problem(regions, found, why))) from exc
        raise
    if regions:
        check_caller_partition(account, regions)
    return account_id


def _confirm(account: Caller, regions: list[str], known: str, problem: str) -> str | None:
    """The default region is a hint, not proof: ask STS in its partition (not in the regions
    asked for). Accepted there: the problem, now from the caller's ARN. Refused: the hint was
    wrong, go on (None). No answer at all: the hint stands."""
    from pinpoint_sandbox.core.errors import AwsError

    try:
        account.account_id(global_region("sts", known))
    except AwsError as exc:
        return None if _refused_keys(exc) else problem
    return partition_problem(regions, arn_partition(account.caller_arn) or known,
                             "read from the caller's ARN")


def _refused_keys(exc: BaseException) -> bool:
    from pinpoint_sandbox.aws.errors import error_code

    return error_code(exc.__cause__ or exc) in ("InvalidClientTokenId",
                                                "UnrecognizedClientException")


def _accepting_partition(account: Caller, refused: str | None) -> str | None:
    """The partition whose STS accepts the account's keys (GetCallerIdentity: a read that
    needs no permission), or None."""
    for partition in PARTITIONS:
        if partition == refused:
            continue
        try:
            account.client("sts", global_region("sts", partition)).get_caller_identity()
        except Exception:  # refused there too, or unreachable
            continue
        return partition
    return None
