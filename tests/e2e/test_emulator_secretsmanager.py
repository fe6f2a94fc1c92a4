"""Secrets Manager against `awsredirect serve`: boto3 and the AWS CLI."""

import json

import pytest
from botocore.exceptions import ClientError

from emulator_support import emulator, run_aws  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def sm(emulator):
    return emulator.client("secretsmanager")


def test_create_get_by_name_and_arn(sm):
    created = sm.create_secret(Name="db/password", SecretString="s3cret", Description="db",
                               Tags=[{"Key": "team", "Value": "a"}])
    assert created["ARN"].startswith("arn:aws:secretsmanager:us-east-1:000000000000:secret:db/password-")
    by_name = sm.get_secret_value(SecretId="db/password")
    assert by_name["SecretString"] == "s3cret" and by_name["VersionStages"] == ["AWSCURRENT"]
    assert sm.get_secret_value(SecretId=created["ARN"])["VersionId"] == created["VersionId"]
    with pytest.raises(sm.exceptions.ResourceExistsException):
        sm.create_secret(Name="db/password", SecretString="x")
    with pytest.raises(sm.exceptions.ResourceNotFoundException):
        sm.get_secret_value(SecretId="nope")
    sm.create_secret(Name="binary", SecretBinary=b"\x00\x01")
    assert sm.get_secret_value(SecretId="binary")["SecretBinary"] == b"\x00\x01"


def test_versions_and_stages(sm):
    first = sm.create_secret(Name="rotating", SecretString="v1")["VersionId"]
    second = sm.put_secret_value(SecretId="rotating", SecretString="v2")
    assert second["VersionStages"] == ["AWSCURRENT"]
    assert sm.get_secret_value(SecretId="rotating")["SecretString"] == "v2"
    previous = sm.get_secret_value(SecretId="rotating", VersionStage="AWSPREVIOUS")
    assert previous["SecretString"] == "v1" and previous["VersionId"] == first
    assert sm.get_secret_value(SecretId="rotating", VersionId=first)["SecretString"] == "v1"
    sm.update_secret(SecretId="rotating", SecretString="v3", Description="updated")
    described = sm.describe_secret(SecretId="rotating")
    assert described["Description"] == "updated"
    stages = sorted(s for v in described["VersionIdsToStages"].values() for s in v)
    assert stages == ["AWSCURRENT", "AWSPREVIOUS"]
    assert second["VersionId"] in described["VersionIdsToStages"]
    assert first not in described["VersionIdsToStages"]


def test_list_and_delete(sm):
    for i in range(3):
        sm.create_secret(Name=f"listed/{i}", SecretString=str(i))
    names = [s["Name"] for page in sm.get_paginator("list_secrets").paginate(
        Filters=[{"Key": "name", "Values": ["listed/"]}], PaginationConfig={"PageSize": 2}) for s in page["SecretList"]]
    assert names == ["listed/0", "listed/1", "listed/2"]
    deleted = sm.delete_secret(SecretId="listed/0", RecoveryWindowInDays=7)
    assert "DeletionDate" in deleted
    with pytest.raises(ClientError) as err:
        sm.get_secret_value(SecretId="listed/0")
    assert err.value.response["Error"]["Code"] == "InvalidRequestException"
    assert "DeletedDate" in sm.describe_secret(SecretId="listed/0")
    names = [s["Name"] for s in sm.list_secrets(Filters=[{"Key": "name", "Values": ["listed/"]}])["SecretList"]]
    assert names == ["listed/1", "listed/2"]
    sm.delete_secret(SecretId="listed/1", ForceDeleteWithoutRecovery=True)
    with pytest.raises(sm.exceptions.ResourceNotFoundException):
        sm.describe_secret(SecretId="listed/1")
    with pytest.raises(sm.exceptions.InvalidParameterException):
        sm.delete_secret(SecretId="listed/2", ForceDeleteWithoutRecovery=True, RecoveryWindowInDays=7)


def test_aws_cli(emulator):
    run_aws(emulator, "secretsmanager", "create-secret", "--name", "cli-secret", "--secret-string", '{"u": "x"}')
    out = json.loads(run_aws(emulator, "secretsmanager", "get-secret-value", "--secret-id", "cli-secret").stdout)
    assert json.loads(out["SecretString"]) == {"u": "x"}
    run_aws(emulator, "secretsmanager", "put-secret-value", "--secret-id", "cli-secret", "--secret-string", "v2")
    described = json.loads(run_aws(emulator, "secretsmanager", "describe-secret", "--secret-id", "cli-secret").stdout)
    assert len(described["VersionIdsToStages"]) == 2
    listed = json.loads(run_aws(emulator, "secretsmanager", "list-secrets").stdout)["SecretList"]
    assert "cli-secret" in [s["Name"] for s in listed]
    run_aws(emulator, "secretsmanager", "delete-secret", "--secret-id", "cli-secret", "--force-delete-without-recovery")
