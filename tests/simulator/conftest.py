"""Helpers for the simulator tests: every call goes through boto3/botocore over HTTP."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def client() -> Any:
    """`client("sts", region="eu-west-1", attempts=1, profile=None)` from the current env."""

    def make(service: str, region: str = "us-east-1", attempts: int = 1,
             profile: str | None = None) -> Any:
        import boto3
        from botocore.config import Config

        session = boto3.Session(profile_name=profile) if profile else boto3.Session()
        config = Config(retries={"mode": "standard", "total_max_attempts": attempts})
        return session.client(service, region_name=region, config=config)  # type: ignore[call-overload]

    return make
