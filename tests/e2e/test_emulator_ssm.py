"""SSM Parameter Store against `awsredirect serve`: boto3 and the AWS CLI."""

import json

import pytest
from botocore.exceptions import ClientError

from emulator_support import emulator, run_aws  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def ssm(emulator):
    return emulator.client("ssm")


def test_put_get_versions_and_overwrite(ssm):
    assert ssm.put_parameter(Name="/app/db/host", Value="db1", Type="String")["Version"] == 1
    with pytest.raises(ssm.exceptions.ParameterAlreadyExists):
        ssm.put_parameter(Name="/app/db/host", Value="db2", Type="String")
    assert ssm.put_parameter(Name="/app/db/host", Value="db2", Type="String", Overwrite=True)["Version"] == 2
    got = ssm.get_parameter(Name="/app/db/host")["Parameter"]
    assert got["Value"] == "db2" and got["Version"] == 2
    assert got["ARN"] == "arn:aws:ssm:us-east-1:000000000000:parameter/app/db/host"
    assert ssm.get_parameter(Name="/app/db/host:1")["Parameter"]["Value"] == "db1"
    ssm.put_parameter(Name="/app/hosts", Value="a,b,c", Type="StringList")
    assert ssm.get_parameter(Name="/app/hosts")["Parameter"]["Type"] == "StringList"
    with pytest.raises(ssm.exceptions.ParameterNotFound):
        ssm.get_parameter(Name="/nope")
    history = ssm.get_parameter_history(Name="/app/db/host")["Parameters"]
    assert [h["Value"] for h in history] == ["db1", "db2"]


def test_secure_strings_and_decryption(ssm):
    ssm.put_parameter(Name="/app/secret", Value="hunter2", Type="SecureString")
    hidden = ssm.get_parameter(Name="/app/secret")["Parameter"]["Value"]
    assert hidden != "hunter2"
    assert ssm.get_parameter(Name="/app/secret", WithDecryption=True)["Parameter"]["Value"] == "hunter2"
    many = ssm.get_parameters(Names=["/app/secret", "/app/db/host", "/missing"], WithDecryption=True)
    assert sorted(p["Name"] for p in many["Parameters"]) == ["/app/db/host", "/app/secret"]
    assert many["InvalidParameters"] == ["/missing"]


def test_by_path_recursive_and_pagination(ssm):
    for i in range(12):
        ssm.put_parameter(Name=f"/tree/a/p{i:02}", Value=str(i), Type="String")
    ssm.put_parameter(Name="/tree/a/deep/x", Value="x", Type="String")
    ssm.put_parameter(Name="/tree/top", Value="t", Type="String")
    flat = []
    for page in ssm.get_paginator("get_parameters_by_path").paginate(Path="/tree/a", PaginationConfig={"PageSize": 5}):
        flat += [p["Name"] for p in page["Parameters"]]
    assert flat == [f"/tree/a/p{i:02}" for i in range(12)]
    deep = []
    for page in ssm.get_paginator("get_parameters_by_path").paginate(Path="/tree", Recursive=True):
        deep += [p["Name"] for p in page["Parameters"]]
    assert len(deep) == 14 and "/tree/a/deep/x" in deep


def test_describe_and_delete(ssm):
    ssm.put_parameter(Name="/del/one", Value="1", Type="String", Description="first")
    ssm.put_parameter(Name="/del/two", Value="2", Type="String")
    described = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Option": "BeginsWith", "Values": ["/del/"]}])
    assert [p["Name"] for p in described["Parameters"]] == ["/del/one", "/del/two"]
    assert described["Parameters"][0]["Description"] == "first"
    assert "Value" not in described["Parameters"][0]
    ssm.delete_parameter(Name="/del/one")
    with pytest.raises(ssm.exceptions.ParameterNotFound):
        ssm.delete_parameter(Name="/del/one")
    out = ssm.delete_parameters(Names=["/del/two", "/del/none"])
    assert out["DeletedParameters"] == ["/del/two"] and out["InvalidParameters"] == ["/del/none"]


def test_unimplemented_operation_is_refused(ssm):
    with pytest.raises(ClientError) as err:
        ssm.label_parameter_version(Name="/app/db/host", Labels=["x"])
    assert err.value.response["Error"]["Code"] == "NotImplemented"


def test_aws_cli(emulator):
    run_aws(emulator, "ssm", "put-parameter", "--name", "/cli/p", "--value", "v", "--type", "String")
    out = json.loads(run_aws(emulator, "ssm", "get-parameter", "--name", "/cli/p").stdout)
    assert out["Parameter"]["Value"] == "v"
    out = json.loads(run_aws(emulator, "ssm", "get-parameters-by-path", "--path", "/cli").stdout)
    assert [p["Name"] for p in out["Parameters"]] == ["/cli/p"]
    described = json.loads(run_aws(emulator, "ssm", "describe-parameters").stdout)["Parameters"]
    assert "/cli/p" in [p["Name"] for p in described]
    run_aws(emulator, "ssm", "delete-parameter", "--name", "/cli/p")
