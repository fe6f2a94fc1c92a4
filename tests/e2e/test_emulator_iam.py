"""IAM and STS credentials with the real boto3 and AWS CLI: roles, managed and inline policies,
attachments, users and access keys, IAM's error codes as the SDK sees them, assumed-role
credentials acting in the role's account, a Lambda function created with an IAM role, and IAM
state kept across a restart with --state-dir."""

import io
import json
import zipfile

import pytest
from botocore.exceptions import ClientError

from emulator_support import Emulator, emulator, run_aws  # noqa: F401  (fixtures)

TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}
ALLOW_S3 = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}],
}
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def error_of(call, *args, **kwargs):
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


@pytest.fixture(scope="module")
def iam(emulator):
    return emulator.client("iam")


def test_a_role_with_managed_and_inline_policies(iam):
    role = iam.create_role(RoleName="app", Path="/service/", AssumeRolePolicyDocument=json.dumps(TRUST),
                           Description="the app", Tags=[{"Key": "team", "Value": "core"}])["Role"]
    assert role["Arn"] == "arn:aws:iam::000000000000:role/service/app"
    assert role["RoleId"].startswith("AROA") and len(role["RoleId"]) == 21
    assert role["AssumeRolePolicyDocument"] == TRUST, "decoded by botocore from its URL encoding"
    policy = iam.create_policy(PolicyName="read-b", PolicyDocument=json.dumps(ALLOW_S3))["Policy"]
    assert policy["Arn"] == "arn:aws:iam::000000000000:policy/read-b"
    assert policy["DefaultVersionId"] == "v1" and policy["PolicyId"].startswith("ANPA")
    iam.attach_role_policy(RoleName="app", PolicyArn=policy["Arn"])
    iam.attach_role_policy(RoleName="app", PolicyArn=BASIC_EXECUTION)
    iam.put_role_policy(RoleName="app", PolicyName="inline", PolicyDocument=json.dumps(ALLOW_S3))

    got = iam.get_role(RoleName="app")["Role"]
    assert got["Tags"] == [{"Key": "team", "Value": "core"}] and got["Description"] == "the app"
    assert got["AssumeRolePolicyDocument"] == TRUST and got["MaxSessionDuration"] == 3600
    attached = iam.list_attached_role_policies(RoleName="app")["AttachedPolicies"]
    assert attached == [{"PolicyName": "read-b", "PolicyArn": policy["Arn"]},
                        {"PolicyName": "AWSLambdaBasicExecutionRole", "PolicyArn": BASIC_EXECUTION}]
    only_service_role = iam.list_attached_role_policies(RoleName="app", PathPrefix="/service-role/")
    assert [p["PolicyName"] for p in only_service_role["AttachedPolicies"]] == ["AWSLambdaBasicExecutionRole"]
    assert iam.list_role_policies(RoleName="app")["PolicyNames"] == ["inline"]
    inline = iam.get_role_policy(RoleName="app", PolicyName="inline")
    assert inline["PolicyDocument"] == ALLOW_S3
    assert iam.get_policy(PolicyArn=policy["Arn"])["Policy"]["AttachmentCount"] == 1
    version = iam.get_policy_version(PolicyArn=policy["Arn"], VersionId="v1")["PolicyVersion"]
    assert version["Document"] == ALLOW_S3 and version["IsDefaultVersion"] is True
    listed = [r["RoleName"] for r in iam.list_roles(PathPrefix="/service/")["Roles"]]
    assert listed == ["app"]
    assert [p["PolicyName"] for p in iam.list_policies(Scope="Local", OnlyAttached=True)["Policies"]] == ["read-b"]

    # What AWS refuses while something still uses the role or the policy.
    assert error_of(iam.delete_role, RoleName="app")[:2] == ("DeleteConflict", 409)
    assert error_of(iam.delete_policy, PolicyArn=policy["Arn"])[:2] == ("DeleteConflict", 409)
    iam.detach_role_policy(RoleName="app", PolicyArn=policy["Arn"])
    iam.detach_role_policy(RoleName="app", PolicyArn=BASIC_EXECUTION)
    code, status, message = error_of(iam.delete_role, RoleName="app")
    assert (code, status, message) == ("DeleteConflict", 409, "Cannot delete entity, must delete policies first.")
    iam.delete_role_policy(RoleName="app", PolicyName="inline")
    iam.delete_role(RoleName="app")
    iam.delete_policy(PolicyArn=policy["Arn"])
    assert error_of(iam.get_role, RoleName="app") == (
        "NoSuchEntity", 404, "The role with name app cannot be found.")
    assert error_of(iam.get_policy, PolicyArn=policy["Arn"])[:2] == ("NoSuchEntity", 404)


def test_iam_errors_have_aws_codes_and_typed_exceptions(iam):
    iam.create_role(RoleName="dup", AssumeRolePolicyDocument=json.dumps(TRUST))
    with pytest.raises(iam.exceptions.EntityAlreadyExistsException) as caught:
        iam.create_role(RoleName="dup", AssumeRolePolicyDocument=json.dumps(TRUST))
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException):
        iam.put_role_policy(RoleName="dup", PolicyName="p", PolicyDocument="{not json")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role_policy(RoleName="dup", PolicyName="missing")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.attach_role_policy(RoleName="dup", PolicyArn="arn:aws:iam::000000000000:policy/none")
    code, status, message = error_of(iam.create_role, RoleName="bad name!", AssumeRolePolicyDocument="{}")
    assert (code, status) == ("ValidationError", 400)
    assert "roleName" in message
    iam.update_assume_role_policy(RoleName="dup", PolicyDocument=json.dumps(ALLOW_S3))
    assert iam.get_role(RoleName="dup")["Role"]["AssumeRolePolicyDocument"] == ALLOW_S3
    iam.delete_role(RoleName="dup")


def test_policy_versions(iam):
    arn = iam.create_policy(PolicyName="versioned", PolicyDocument=json.dumps(ALLOW_S3))["Policy"]["Arn"]
    second = dict(ALLOW_S3, Statement=[dict(ALLOW_S3["Statement"][0], Action="s3:PutObject")])
    created = iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(second), SetAsDefault=True)
    assert created["PolicyVersion"]["VersionId"] == "v2"
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v2"
    assert [v["VersionId"] for v in iam.list_policy_versions(PolicyArn=arn)["Versions"]] == ["v2", "v1"]
    assert iam.get_policy_version(PolicyArn=arn, VersionId="v2")["PolicyVersion"]["Document"] == second
    assert error_of(iam.delete_policy_version, PolicyArn=arn, VersionId="v2")[0] == "DeleteConflict"
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
    assert iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]["IsDefaultVersion"] is True
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v2")
    iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    iam.untag_policy(PolicyArn=arn, TagKeys=["a"])
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == [{"Key": "b", "Value": "2"}]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["Tags"] == [{"Key": "b", "Value": "2"}]
    assert error_of(iam.delete_policy, PolicyArn=arn)[0] == "DeleteConflict"
    iam.delete_policy_version(PolicyArn=arn, VersionId="v1")
    iam.delete_policy(PolicyArn=arn)


def test_users_access_keys_and_their_identity(emulator, iam):
    user = iam.create_user(UserName="ci", Tags=[{"Key": "k", "Value": "v"}])["User"]
    assert user["Arn"] == "arn:aws:iam::000000000000:user/ci" and user["UserId"].startswith("AIDA")
    iam.put_user_policy(UserName="ci", PolicyName="p", PolicyDocument=json.dumps(ALLOW_S3))
    assert iam.get_user_policy(UserName="ci", PolicyName="p")["PolicyDocument"] == ALLOW_S3
    key = iam.create_access_key(UserName="ci")["AccessKey"]
    assert key["AccessKeyId"].startswith("AKIA") and len(key["AccessKeyId"]) == 20
    assert len(key["SecretAccessKey"]) == 40 and key["Status"] == "Active"
    listed = iam.list_access_keys(UserName="ci")["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in listed] == [key["AccessKeyId"]]
    assert iam.list_user_tags(UserName="ci")["Tags"] == [{"Key": "k", "Value": "v"}]

    as_user = emulator.client("sts", access_key=key["AccessKeyId"]).get_caller_identity()
    assert as_user["Arn"] == user["Arn"] and as_user["UserId"] == user["UserId"]
    iam_as_user = emulator.client("iam", access_key=key["AccessKeyId"])
    assert iam_as_user.get_user()["User"]["UserName"] == "ci"
    root = iam.get_user()["User"]
    assert (root["Arn"], root["UserId"]) == ("arn:aws:iam::000000000000:root", "000000000000")
    info = emulator.client("sts").get_access_key_info(AccessKeyId=key["AccessKeyId"])
    assert info["Account"] == "000000000000"

    assert error_of(iam.delete_user, UserName="ci") == (
        "DeleteConflict", 409, "Cannot delete entity, must delete access keys first.")
    iam.delete_access_key(UserName="ci", AccessKeyId=key["AccessKeyId"])
    iam.delete_user_policy(UserName="ci", PolicyName="p")
    iam.delete_user(UserName="ci")
    assert error_of(iam.get_user, UserName="ci")[:2] == ("NoSuchEntity", 404)


def test_access_keys_act_in_their_own_account(emulator):
    iam = emulator.client("iam", access_key="123456789012")
    iam.create_user(UserName="other")
    key = iam.create_access_key(UserName="other")["AccessKey"]
    identity = emulator.client("sts", access_key=key["AccessKeyId"]).get_caller_identity()
    assert identity["Account"] == "123456789012"
    assert identity["Arn"] == "arn:aws:iam::123456789012:user/other"
    # A queue made with the key is the account's.
    url = emulator.client("sqs", access_key=key["AccessKeyId"]).create_queue(QueueName="mine")["QueueUrl"]
    assert "/123456789012/mine" in url


def test_assume_role_credentials_act_as_the_session(emulator, iam):
    role = iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=json.dumps(TRUST),
                           MaxSessionDuration=7200)["Role"]
    sts = emulator.client("sts")
    assumed = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="build-7", DurationSeconds=3600)
    creds = assumed["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and creds["SessionToken"]
    assert assumed["AssumedRoleUser"]["Arn"] == "arn:aws:sts::000000000000:assumed-role/deployer/build-7"
    assert assumed["AssumedRoleUser"]["AssumedRoleId"] == f"{role['RoleId']}:build-7"
    identity = session_client(emulator, "sts", creds).get_caller_identity()
    assert identity["Arn"] == "arn:aws:sts::000000000000:assumed-role/deployer/build-7"
    assert identity["UserId"] == f"{role['RoleId']}:build-7"
    code, status, _ = error_of(sts.assume_role, RoleArn=role["Arn"], RoleSessionName="long", DurationSeconds=9000)
    assert (code, status) == ("ValidationError", 400)

    # A role ARN in another account: the session acts there.
    other = sts.assume_role(RoleArn="arn:aws:iam::111122223333:role/cross", RoleSessionName="xa")
    cross = session_client(emulator, "sts", other["Credentials"]).get_caller_identity()
    assert cross["Account"] == "111122223333"
    assert cross["Arn"] == "arn:aws:sts::111122223333:assumed-role/cross/xa"
    bucket = session_client(emulator, "s3", other["Credentials"])
    bucket.create_bucket(Bucket="cross-account-bucket")
    mine = [b["Name"] for b in emulator.client("s3").list_buckets()["Buckets"]]
    theirs = [b["Name"] for b in emulator.client("s3", access_key="111122223333").list_buckets()["Buckets"]]
    assert "cross-account-bucket" in theirs and "cross-account-bucket" not in mine


def session_client(emulator, service, creds):
    import boto3
    from botocore.config import Config

    return boto3.client(service, endpoint_url=emulator.url, region_name="us-east-1",
                        aws_access_key_id=creds["AccessKeyId"],
                        aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds["SessionToken"],
                        config=Config(retries={"max_attempts": 1}))


def test_session_federation_and_web_identity_tokens(emulator):
    sts = emulator.client("sts")
    session = sts.get_session_token(DurationSeconds=900)["Credentials"]
    assert session["AccessKeyId"].startswith("ASIA")
    assert session_client(emulator, "sts", session).get_caller_identity()["Arn"] == "arn:aws:iam::000000000000:root"
    code, status, _ = error_of(session_client(emulator, "sts", session).get_session_token)
    assert (code, status) == ("AccessDenied", 403)
    code, status, message = error_of(session_client(emulator, "iam", session).get_user)
    assert (code, status, message) == (
        "ValidationError", 400, "Must specify userName when calling with non-User credentials")

    federated = sts.get_federation_token(Name="bob")
    assert federated["FederatedUser"]["Arn"] == "arn:aws:sts::000000000000:federated-user/bob"
    caller = session_client(emulator, "sts", federated["Credentials"]).get_caller_identity()
    assert caller["Arn"] == "arn:aws:sts::000000000000:federated-user/bob"

    import base64
    claims = base64.urlsafe_b64encode(json.dumps({"sub": "repo:me/app", "aud": "sts.amazonaws.com",
                                                  "iss": "https://token.actions.githubusercontent.com"}).encode())
    token = "e30." + claims.decode().rstrip("=") + ".sig"
    web = sts.assume_role_with_web_identity(RoleArn="arn:aws:iam::000000000000:role/ci",
                                            RoleSessionName="gha", WebIdentityToken=token)
    assert web["SubjectFromWebIdentityToken"] == "repo:me/app"
    assert web["Audience"] == "sts.amazonaws.com"
    caller = session_client(emulator, "sts", web["Credentials"]).get_caller_identity()
    assert caller["Arn"] == "arn:aws:sts::000000000000:assumed-role/ci/gha"


def test_lambda_function_with_a_role_made_in_iam(emulator, iam):
    role = iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]
    iam.attach_role_policy(RoleName="fn-role", PolicyArn=BASIC_EXECUTION)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return {'ok': event['n']}\n")
    lam = emulator.client("lambda")
    created = lam.create_function(FunctionName="with-role", Runtime="python3.12", Role=role["Arn"],
                                  Handler="app.handler", Code={"ZipFile": buffer.getvalue()})
    assert created["Role"] == role["Arn"]
    result = lam.invoke(FunctionName="with-role", Payload=json.dumps({"n": 3}))
    assert json.loads(result["Payload"].read()) == {"ok": 3}


def test_the_cli_manages_roles(emulator, tmp_path):
    trust = tmp_path / "trust.json"
    trust.write_text(json.dumps(TRUST))
    made = json.loads(run_aws(emulator, "iam", "create-role", "--role-name", "cli-role",
                              "--assume-role-policy-document", f"file://{trust}").stdout)
    assert made["Role"]["AssumeRolePolicyDocument"] == TRUST
    run_aws(emulator, "iam", "attach-role-policy", "--role-name", "cli-role", "--policy-arn", BASIC_EXECUTION)
    listed = json.loads(run_aws(emulator, "iam", "list-attached-role-policies", "--role-name", "cli-role").stdout)
    assert listed["AttachedPolicies"][0]["PolicyArn"] == BASIC_EXECUTION
    refused = run_aws(emulator, "iam", "delete-role", "--role-name", "cli-role", check=False)
    assert refused.returncode != 0
    assert "An error occurred (DeleteConflict) when calling the DeleteRole operation" in refused.stderr
    missing = run_aws(emulator, "iam", "get-role", "--role-name", "nope", check=False)
    assert "An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name nope cannot be found." in missing.stderr


def test_iam_state_and_issued_keys_survive_a_restart(tmp_path):
    server = Emulator(state_dir=tmp_path)
    try:
        iam = server.client("iam")
        iam.create_role(RoleName="kept", AssumeRolePolicyDocument=json.dumps(TRUST))
        iam.put_role_policy(RoleName="kept", PolicyName="inline", PolicyDocument=json.dumps(ALLOW_S3))
        arn = iam.create_policy(PolicyName="kept-policy", PolicyDocument=json.dumps(ALLOW_S3))["Policy"]["Arn"]
        iam.attach_role_policy(RoleName="kept", PolicyArn=arn)
        iam.create_user(UserName="kept-user")
        key = iam.create_access_key(UserName="kept-user")["AccessKey"]["AccessKeyId"]
        session = server.client("sts").assume_role(
            RoleArn="arn:aws:iam::444455556666:role/kept", RoleSessionName="sess")["Credentials"]
    finally:
        assert server.stop() == 0
    server = Emulator(state_dir=tmp_path)
    try:
        iam = server.client("iam")
        assert iam.get_role(RoleName="kept")["Role"]["AssumeRolePolicyDocument"] == TRUST
        assert iam.get_role_policy(RoleName="kept", PolicyName="inline")["PolicyDocument"] == ALLOW_S3
        assert iam.list_attached_role_policies(RoleName="kept")["AttachedPolicies"][0]["PolicyArn"] == arn
        assert [k["AccessKeyId"] for k in iam.list_access_keys(UserName="kept-user")["AccessKeyMetadata"]] == [key]
        user = server.client("sts", access_key=key).get_caller_identity()
        assert user["Arn"] == "arn:aws:iam::000000000000:user/kept-user"
        assumed = session_client(server, "sts", session).get_caller_identity()
        assert assumed["Arn"] == "arn:aws:sts::444455556666:assumed-role/kept/sess"
    finally:
        server.stop()
