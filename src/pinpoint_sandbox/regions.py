"""Which AWS regions have the SMS and Voice v2 API, read from botocore's own endpoint data.

The list follows the installed botocore (31 commercial regions in 1.43), so a new region works
as soon as botocore knows it. Voice availability per region is not published; the simulator
and AWS both answer `VOICE_CAPABILITY_NOT_AVAILABLE`, which preflight turns into `blocked`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from functools import cache

from pinpoint_sandbox.errors import UsageError

SMS_VOICE_SERVICE = "pinpoint-sms-voice-v2"
PARTITIONS = ("aws", "aws-us-gov", "aws-eusc", "aws-cn")


@cache
def sms_voice_regions() -> tuple[str, ...]:
    import botocore.session

    session = botocore.session.get_session()
    found: list[str] = []
    for partition in session.get_available_partitions():
        found.extend(session.get_available_regions(SMS_VOICE_SERVICE, partition))
    return tuple(sorted(set(found)))


@cache
def region_names() -> dict[str, str]:
    """{"eu-west-1": "Europe (Ireland)", …} from botocore's endpoint data (for prompts)."""
    import botocore.session

    data = botocore.session.get_session().get_component("data_loader").load_data("endpoints")
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
        f"{region!r} is not an AWS region with End User Messaging SMS and Voice "
        f"(known to this botocore: {len(known)} regions).{hint}"
    )


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
    return regions
