from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from sim_http import AUTH, raw_post


def test_caller_identity_of_default_account_for_unknown_keys(simulator: Any, client: Any) -> None:
    simulator("fresh-sandbox")
    # conftest's dummy key is unknown to the scenario... but sim.env() exported the scenario's
    # key; both must land in the default account.
    identity = client("sts").get_caller_identity()
    assert identity["Account"] == "111122223333"
    assert identity["Arn"] == "arn:aws:iam::111122223333:user/simulator"


def test_unknown_access_key_is_default_account(simulator: Any, client: Any,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    sim = simulator("organization")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDUMMYDUMMYDUMMY00")
    assert client("sts").get_caller_identity()["Account"] == "210987654321"
    assert sim.requests[-1].account_id == "210987654321"


def test_profiles_map_to_their_accounts(simulator: Any, client: Any) -> None:
    simulator("organization")
    assert client("sts", profile="prod-us").get_caller_identity()["Account"] == "123456789012"
    assert client("sts", profile="prod-eu").get_caller_identity()["Account"] == "210987654321"


def test_assume_role_switches_account(simulator: Any, client: Any) -> None:
    sim = simulator("organization")
    creds = client("sts").assume_role(
        RoleArn="arn:aws:iam::999988887777:role/OrganizationAccountAccessRole",
        RoleSessionName="pinpoint-sandbox",
    )["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIASIM999988887777")
    import boto3

    assumed = boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name="eu-west-1",
    ).client("sts")
    identity = assumed.get_caller_identity()
    assert identity["Account"] == "999988887777"
    assert identity["Arn"].endswith(":assumed-role/OrganizationAccountAccessRole/pinpoint-sandbox")
    assert sim.requests[-1].account_id == "999988887777"
    assert sim.requests[-1].region == "eu-west-1"


def test_assume_role_profile_in_config_file(simulator: Any, client: Any) -> None:
    sim = simulator("organization")
    # `staging` is written as role_arn + source_profile: boto3 calls AssumeRole itself.
    identity = client("sts", profile="staging").get_caller_identity()
    assert identity["Account"] == "999988887777"
    assert [r.operation for r in sim.requests][-2:] == ["AssumeRole", "GetCallerIdentity"]


@pytest.mark.parametrize(
    "role_arn",
    [
        "arn:aws:iam::000000000000:role/OrganizationAccountAccessRole",  # not in the scenario
        "arn:aws:iam::999988887777:role/SomeOtherRole",  # role not assumable
    ],
)
def test_assume_role_denied(simulator: Any, client: Any, role_arn: str) -> None:
    simulator("organization")
    with pytest.raises(ClientError) as info:
        client("sts").assume_role(RoleArn=role_arn, RoleSessionName="denied")
    assert info.value.response["Error"]["Code"] == "AccessDenied"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_unknown_sts_action_is_invalid_action(simulator: Any) -> None:
    sim = simulator()
    status, _, body = raw_post(
        sim.url, b"Action=GetSessionTokenX&Version=2011-06-15",
        {"Content-Type": "application/x-www-form-urlencoded",
         "Authorization": AUTH.format(service="sts")},
    )
    assert status == 400
    assert b"<Code>InvalidAction</Code>" in body
    assert b"<RequestId>" in body
