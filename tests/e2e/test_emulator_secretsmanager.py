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


ROTATOR = '''
import os
import boto3

def handler(event, context):
    sm = boto3.client("secretsmanager")
    arn, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
    meta = sm.describe_secret(SecretId=arn)
    if not meta["RotationEnabled"]:
        raise ValueError("rotation is not enabled")
    stages = meta["VersionIdsToStages"]
    if "AWSCURRENT" in stages[token]:
        return
    if "AWSPENDING" not in stages[token]:
        raise ValueError("the token is not pending")
    if step == "createSecret":
        try:
            sm.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
        except sm.exceptions.ResourceNotFoundException:
            password = sm.get_random_password(ExcludePunctuation=True)["RandomPassword"]
            sm.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString=password,
                                VersionStages=["AWSPENDING"])
    elif step == "testSecret" and os.environ.get("FAIL_TEST"):
        raise RuntimeError("the new password does not work")
    elif step == "finishSecret":
        current = next(v for v, s in stages.items() if "AWSCURRENT" in s)
        sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token,
                                       RemoveFromVersionId=current)
'''


def rotation_function(emulator, name, **env):
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", ROTATOR)
    return emulator.client("lambda").create_function(
        FunctionName=name, Runtime="python3.12", Role="arn:aws:iam::000000000000:role/rotation",
        Handler="app.handler", Code={"ZipFile": buf.getvalue()}, Timeout=30,
        Environment={"Variables": env})["FunctionArn"]


def test_rotation_runs_the_functions_four_steps(sm, emulator):
    sm.create_secret(Name="rotated", SecretString="initial")
    function = rotation_function(emulator, "rotator")
    out = sm.rotate_secret(SecretId="rotated", RotationLambdaARN=function,
                           RotationRules={"AutomaticallyAfterDays": 30})
    token = out["VersionId"]
    new = sm.get_secret_value(SecretId="rotated")
    assert new["VersionId"] == token and new["VersionStages"] == ["AWSCURRENT"]
    assert len(new["SecretString"]) == 32 and new["SecretString"].isalnum()
    assert sm.get_secret_value(SecretId="rotated", VersionStage="AWSPREVIOUS")["SecretString"] == "initial"
    meta = sm.describe_secret(SecretId="rotated")
    assert meta["RotationEnabled"] and meta["RotationLambdaARN"] == function
    assert meta["RotationRules"]["AutomaticallyAfterDays"] == 30
    assert (meta["NextRotationDate"] - meta["LastRotatedDate"]).days == 30
    # Rotating again uses the stored function.
    again = sm.rotate_secret(SecretId="rotated")["VersionId"]
    assert sm.get_secret_value(SecretId="rotated")["VersionId"] == again
    assert sm.get_secret_value(SecretId="rotated", VersionStage="AWSPREVIOUS")["VersionId"] == token


def test_a_failed_rotation_stays_pending_until_cancelled(sm, emulator):
    sm.create_secret(Name="stuck", SecretString="initial")
    function = rotation_function(emulator, "failing-rotator", FAIL_TEST="1")
    token = sm.rotate_secret(SecretId="stuck", RotationLambdaARN=function)["VersionId"]
    assert sm.get_secret_value(SecretId="stuck")["SecretString"] == "initial"
    assert sm.describe_secret(SecretId="stuck")["VersionIdsToStages"][token] == ["AWSPENDING"]
    with pytest.raises(sm.exceptions.InvalidRequestException):
        sm.rotate_secret(SecretId="stuck")
    assert sm.cancel_rotate_secret(SecretId="stuck")["VersionId"] == token
    meta = sm.describe_secret(SecretId="stuck")
    assert not meta["RotationEnabled"] and token not in meta["VersionIdsToStages"]
    sm.create_secret(Name="no-function", SecretString="x")
    with pytest.raises(sm.exceptions.InvalidRequestException):
        sm.rotate_secret(SecretId="no-function")


def test_version_stages_move_as_aws_moves_them(sm):
    first = sm.create_secret(Name="staged", SecretString="one")["VersionId"]
    second = sm.put_secret_value(SecretId="staged", SecretString="two", VersionStages=["BLUE"])["VersionId"]
    with pytest.raises(sm.exceptions.InvalidParameterException):
        sm.update_secret_version_stage(SecretId="staged", VersionStage="AWSCURRENT", MoveToVersionId=second)
    sm.update_secret_version_stage(SecretId="staged", VersionStage="AWSCURRENT", MoveToVersionId=second,
                                   RemoveFromVersionId=first)
    stages = sm.describe_secret(SecretId="staged")["VersionIdsToStages"]
    assert sorted(stages[second]) == ["AWSCURRENT", "BLUE"] and stages[first] == ["AWSPREVIOUS"]
    versions = sm.list_secret_version_ids(SecretId="staged")["Versions"]
    assert {v["VersionId"] for v in versions} == {first, second}


def test_batch_get_tags_and_random_passwords(sm):
    sm.create_secret(Name="batch-a", SecretString="a")
    sm.create_secret(Name="batch-b", SecretString="b")
    out = sm.batch_get_secret_value(SecretIdList=["batch-a", "batch-b", "batch-missing"])
    assert sorted(v["SecretString"] for v in out["SecretValues"]) == ["a", "b"]
    assert [(e["SecretId"], e["ErrorCode"]) for e in out["Errors"]] == [("batch-missing", "ResourceNotFoundException")]
    filtered = sm.batch_get_secret_value(Filters=[{"Key": "name", "Values": ["batch-"]}])["SecretValues"]
    assert sorted(v["Name"] for v in filtered) == ["batch-a", "batch-b"]
    with pytest.raises(sm.exceptions.InvalidParameterException):
        sm.batch_get_secret_value(SecretIdList=["batch-a"], Filters=[{"Key": "name", "Values": ["b"]}])

    sm.tag_resource(SecretId="batch-a", Tags=[{"Key": "team", "Value": "x"}, {"Key": "env", "Value": "dev"}])
    sm.tag_resource(SecretId="batch-a", Tags=[{"Key": "team", "Value": "y"}])
    sm.untag_resource(SecretId="batch-a", TagKeys=["env"])
    assert sm.describe_secret(SecretId="batch-a")["Tags"] == [{"Key": "team", "Value": "y"}]

    password = sm.get_random_password(PasswordLength=64, ExcludeCharacters="abc")["RandomPassword"]
    assert len(password) == 64 and not set("abc") & set(password)
    with pytest.raises(ClientError) as short:
        sm.get_random_password(PasswordLength=2)
    assert short.value.response["Error"]["Code"] in ("InvalidParameterException", "ValidationException")


def test_batch_get_never_drops_a_secret_silently(sm):
    # A named secret without a current value, or scheduled for deletion, is an error entry,
    # never left out of the answer unmentioned; through filters, the whole call fails.
    sm.create_secret(Name="nobatch-empty")
    sm.create_secret(Name="nobatch-gone", SecretString="x")
    sm.delete_secret(SecretId="nobatch-gone")
    sm.create_secret(Name="nobatch-ok", SecretString="ok")
    out = sm.batch_get_secret_value(SecretIdList=["nobatch-empty", "nobatch-gone", "nobatch-ok"])
    assert [v["Name"] for v in out["SecretValues"]] == ["nobatch-ok"]
    errors = {e["SecretId"]: (e["ErrorCode"], e["Message"]) for e in out["Errors"]}
    assert errors["nobatch-empty"][0] == "ResourceNotFoundException"
    assert errors["nobatch-gone"][0] == "InvalidRequestException"
    assert "currently marked deleted" in errors["nobatch-gone"][1]
    with pytest.raises(sm.exceptions.ResourceNotFoundException):
        sm.batch_get_secret_value(Filters=[{"Key": "name", "Values": ["nobatch-empty"]}])
    with pytest.raises(sm.exceptions.InvalidParameterException) as both:
        sm.batch_get_secret_value(MaxResults=5, SecretIdList=["nobatch-ok"])
    assert "'Filters' must also be specified" in both.value.response["Error"]["Message"]


def test_force_delete_of_a_missing_secret_succeeds(sm):
    out = sm.delete_secret(SecretId="never-created", ForceDeleteWithoutRecovery=True)
    assert out["Name"] == "never-created"
    assert ":secret:never-created-" in out["ARN"]
    with pytest.raises(sm.exceptions.ResourceNotFoundException):
        sm.delete_secret(SecretId="never-created")


def test_secrets_answer_only_what_they_have(sm):
    sm.create_secret(Name="bare")
    described = sm.describe_secret(SecretId="bare")
    assert not {"Tags", "VersionIdsToStages", "RotationEnabled"} & set(described)
    put = sm.put_secret_value(SecretId="bare", SecretString="v1", VersionStages=["AWSPENDING"])
    # The first version of a secret also becomes AWSCURRENT (API Reference, PutSecretValue).
    assert put["VersionStages"] == ["AWSPENDING", "AWSCURRENT"]
    assert sm.get_secret_value(SecretId="bare")["SecretString"] == "v1"
    assert sm.describe_secret(SecretId="bare")["VersionIdsToStages"] == {put["VersionId"]: ["AWSPENDING", "AWSCURRENT"]}


def test_client_request_tokens_are_idempotent_or_refused(sm):
    token = "a" * 32
    first = sm.create_secret(Name="tokened", SecretString="one", ClientRequestToken=token)
    again = sm.create_secret(Name="tokened", SecretString="one", ClientRequestToken=token)
    assert (again["ARN"], again["VersionId"]) == (first["ARN"], token)
    expected = (f"You can't use ClientRequestToken {token} because that value is already in use "
                f"for a version of secret {first['ARN']}.")
    for call in (lambda: sm.create_secret(Name="tokened", SecretString="two", ClientRequestToken=token),
                 lambda: sm.put_secret_value(SecretId="tokened", SecretString="two", ClientRequestToken=token)):
        with pytest.raises(sm.exceptions.ResourceExistsException) as err:
            call()
        assert err.value.response["Error"]["Message"] == expected
    with pytest.raises(sm.exceptions.ResourceExistsException) as err:
        sm.create_secret(Name="tokened", SecretString="one")
    assert err.value.response["Error"]["Message"] == "The operation failed because the secret tokened already exists."
    with pytest.raises(sm.exceptions.InvalidRequestException):
        sm.cancel_rotate_secret(SecretId="tokened")


def test_tags_appear_once_a_secret_was_tagged(sm):
    sm.create_secret(Name="tagged-later", SecretString="v")
    assert "Tags" not in sm.describe_secret(SecretId="tagged-later")
    sm.tag_resource(SecretId="tagged-later", Tags=[{"Key": "k", "Value": "v"}])
    assert sm.describe_secret(SecretId="tagged-later")["Tags"] == [{"Key": "k", "Value": "v"}]
    sm.untag_resource(SecretId="tagged-later", TagKeys=["k"])
    assert sm.describe_secret(SecretId="tagged-later")["Tags"] == []
