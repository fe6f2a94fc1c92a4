"""STS AssumeRoleWithSAML and ARN partitions with the real boto3 against `awsredirect serve`:
a SAML response's attributes name the session, and every ARN the emulator builds is in the
partition of the caller's region (`aws-cn` for cn-*, `aws-us-gov`, `aws-iso`, `aws-iso-b`)."""

import base64
import json

import boto3
import pytest

from emulator_support import emulator  # noqa: F401  (fixture)

TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Federated": "*"}, "Action": "sts:AssumeRoleWithSAML"}],
}

SAML_RESPONSE = """<?xml version="1.0"?>
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">
  <saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">https://idp.example/outer</saml:Issuer>
  <saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_1" Version="2.0">
    <saml2:Issuer>https://idp.example/</saml2:Issuer>
    <saml2:Subject>
      <saml2:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">user-7</saml2:NameID>
      <saml2:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
        <saml2:SubjectConfirmationData Recipient="https://signin.aws.amazon.com/saml"/>
      </saml2:SubjectConfirmation>
    </saml2:Subject>
    <saml2:AttributeStatement>
      <saml2:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName">
        <saml2:AttributeValue>alice</saml2:AttributeValue>
      </saml2:Attribute>
      <saml2:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">
        <saml2:AttributeValue>{provider},{role}</saml2:AttributeValue>
      </saml2:Attribute>
    </saml2:AttributeStatement>
  </saml2:Assertion>
</samlp:Response>"""


def test_sts_assume_role_with_saml_names_the_session_from_the_assertion(emulator):
    iam = emulator.client("iam")
    role = iam.create_role(RoleName="federated", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]
    provider = "arn:aws:iam::000000000000:saml-provider/idp"
    response = SAML_RESPONSE.format(provider=provider, role=role["Arn"])
    sts = emulator.client("sts")
    answer = sts.assume_role_with_saml(
        RoleArn=role["Arn"], PrincipalArn=provider,
        SAMLAssertion=base64.b64encode(response.encode()).decode(),
    )
    user = answer["AssumedRoleUser"]
    assert user["Arn"] == "arn:aws:sts::000000000000:assumed-role/federated/alice"
    assert user["AssumedRoleId"] == f"{role['RoleId']}:alice"
    assert (answer["Subject"], answer["SubjectType"]) == ("user-7", "persistent")
    assert answer["Issuer"] == "https://idp.example/"
    assert answer["Audience"] == "https://signin.aws.amazon.com/saml"
    credentials = answer["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA") and len(credentials["SessionToken"]) == 356
    identity = boto3.client(
        "sts", endpoint_url=emulator.url, region_name="us-east-1",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    ).get_caller_identity()
    assert identity["Arn"] == user["Arn"]


def test_sts_assume_role_with_saml_refuses_what_is_not_an_assertion(emulator):
    sts = emulator.client("sts")
    for assertion in ["not base64!", base64.b64encode(b"<html><body/></html>").decode()]:
        with pytest.raises(sts.exceptions.InvalidIdentityTokenException):
            sts.assume_role_with_saml(
                RoleArn="arn:aws:iam::000000000000:role/r",
                PrincipalArn="arn:aws:iam::000000000000:saml-provider/idp",
                SAMLAssertion=assertion,
            )


@pytest.mark.parametrize(
    "region,partition",
    [("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov"), ("us-iso-east-1", "aws-iso"),
     ("us-isob-east-1", "aws-iso-b"), ("eu-west-1", "aws")],
)
def test_sts_and_service_arns_follow_the_region_partition(emulator, region, partition):
    sqs = emulator.client("sqs", region=region)
    url = sqs.create_queue(QueueName="partitioned")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert arn == f"arn:{partition}:sqs:{region}:000000000000:partitioned"
    sm = emulator.client("secretsmanager", region=region)
    assert sm.create_secret(Name="p", SecretString="v")["ARN"].startswith(
        f"arn:{partition}:secretsmanager:{region}:000000000000:secret:p-")
    iam = emulator.client("iam", region=region)
    role = iam.create_role(RoleName=f"r-{region}", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]
    assert role["Arn"] == f"arn:{partition}:iam::000000000000:role/r-{region}"
    sts = emulator.client("sts", region=region)
    user = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="ses")["AssumedRoleUser"]
    assert user["Arn"] == f"arn:{partition}:sts::000000000000:assumed-role/r-{region}/ses"
    assert sts.get_caller_identity()["Arn"] == f"arn:{partition}:iam::000000000000:root"
