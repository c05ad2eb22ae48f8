"""Case files: a rendered case saved for the user to file or paste by hand in the Support
Center (the manual backend, and a Service Quotas request on a plan without the Support API),
and the console form they go to. Tracking points at the same files."""

from __future__ import annotations

import re
from pathlib import Path

from pinpoint_sandbox.core.paths import manual_cases_dir, write_private
from pinpoint_sandbox.core.targets import RenderedCase, Target

CREATE_PATH = "support/home#/case/create?issueType=service-limit-increase"

def create_case_url(region: str) -> str:
    """The Support Center's "create case" form on the console of the region's partition."""
    from pinpoint_sandbox.aws.regions import console_url, partition_of

    return console_url(partition_of(region), CREATE_PATH)


def manual_case_path(target: Target) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{target.account_id}-{target.region}-{target.channel}")
    return manual_cases_dir() / f"{name}.txt"  # plain text (versions before 0.2 wrote .md)


def write_case_file(target: Target, case: RenderedCase) -> Path:
    return write_private(manual_case_path(target), f"Subject: {case.subject}\n\n{case.description}")

