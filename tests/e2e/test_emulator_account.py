"""`serve --account-id` / AWSREDIRECT_ACCOUNT_ID: the default account, seen by the AWS CLI and
boto3 in caller identity and ARNs; a 12-digit access key still names its own account."""

import json
import os
import subprocess

import pytest

from emulator_support import BIN, Emulator, run_aws

ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def server():
    emulator = Emulator("--account-id", ACCOUNT)
    yield emulator
    emulator.stop()


def test_caller_identity_is_the_configured_account(server):
    identity = json.loads(run_aws(server, "sts", "get-caller-identity").stdout)
    assert identity["Account"] == ACCOUNT
    assert f":{ACCOUNT}:" in identity["Arn"]


def test_queue_and_topic_arns_use_it(server):
    sqs = server.client("sqs")
    url = sqs.create_queue(QueueName="account-q")["QueueUrl"]
    assert f"/{ACCOUNT}/account-q" in url
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert arn == f"arn:aws:sqs:us-east-1:{ACCOUNT}:account-q"
    topic = server.client("sns").create_topic(Name="account-t")["TopicArn"]
    assert topic == f"arn:aws:sns:us-east-1:{ACCOUNT}:account-t"


def test_a_12_digit_access_key_keeps_its_own_account(server):
    other = server.client("sts", access_key="111122223333").get_caller_identity()
    assert other["Account"] == "111122223333"
    topic = server.client("sns", access_key="111122223333").create_topic(Name="t")["TopicArn"]
    assert topic == "arn:aws:sns:us-east-1:111122223333:t"


def test_the_environment_variable_sets_it():
    env = dict(os.environ, AWSREDIRECT_ACCOUNT_ID="210987654321")
    saved = os.environ.copy()
    os.environ.update(env)
    try:
        emulator = Emulator()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    try:
        assert emulator.client("sts").get_caller_identity()["Account"] == "210987654321"
    finally:
        emulator.stop()


def test_without_it_the_account_is_zeros():
    emulator = Emulator()
    try:
        assert emulator.client("sts").get_caller_identity()["Account"] == "000000000000"
    finally:
        emulator.stop()


@pytest.mark.parametrize("value", ["", "12345", "1234567890123", "12345678901x", "test"])
@pytest.mark.parametrize("how", ["flag", "env"])
def test_an_invalid_account_id_stops_serve_with_exit_2(value, how):
    env = {k: v for k, v in os.environ.items() if k != "AWSREDIRECT_ACCOUNT_ID"}
    cmd = [BIN, "serve", "--port", "0"]
    if how == "flag":
        cmd += ["--account-id", value]
    else:
        env["AWSREDIRECT_ACCOUNT_ID"] = value
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=20)
    assert result.returncode == 2, result.stdout
    assert "listening" not in result.stdout
    assert "--account-id" in result.stderr and "12 digits" in result.stderr, result.stderr
