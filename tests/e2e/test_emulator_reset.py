"""The reset endpoints (`POST /_awsredirect/reset`, moto's `/moto-api/reset`) with boto3: every
service's state or one service's, durable with --state-dir."""

import json
import urllib.error
import urllib.request

import pytest

from emulator_support import Emulator


def post(emulator, path):
    request = urllib.request.Request(emulator.url + path, data=b"", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def populate(server):
    """One resource in every service that keeps state."""
    server.client("s3").create_bucket(Bucket="reset-bucket")
    server.client("sqs").create_queue(QueueName="reset-queue")
    server.client("dynamodb").create_table(
        TableName="reset-table",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    server.client("sns").create_topic(Name="reset-topic")
    server.client("ssm").put_parameter(Name="/reset/p", Value="v", Type="String")
    server.client("secretsmanager").create_secret(Name="reset-secret", SecretString="s")


def holdings(server):
    """What each service holds, by service."""
    return {
        "s3": [b["Name"] for b in server.client("s3").list_buckets()["Buckets"]],
        "sqs": server.client("sqs").list_queues().get("QueueUrls", []),
        "dynamodb": server.client("dynamodb").list_tables()["TableNames"],
        "sns": server.client("sns").list_topics()["Topics"],
        "ssm": [p["Name"] for p in server.client("ssm").describe_parameters()["Parameters"]],
        "secretsmanager": [s["Name"] for s in server.client("secretsmanager").list_secrets()["SecretList"]],
    }


@pytest.fixture
def server():
    emulator = Emulator()
    yield emulator
    emulator.stop()


@pytest.mark.parametrize("path", ["/_awsredirect/reset", "/moto-api/reset"])
def test_reset_forgets_every_service(server, path):
    populate(server)
    assert all(holdings(server).values())
    status, body = post(server, path)
    assert status == 200 and body["status"] == "ok"
    assert "s3" in body["reset"] and "lambda" in body["reset"]
    assert holdings(server) == {name: [] for name in holdings(server)}
    # The emulator works as before afterwards: the same names can be created again.
    populate(server)
    assert all(holdings(server).values())


def test_reset_of_one_service_keeps_the_others(server):
    populate(server)
    status, body = post(server, "/_awsredirect/reset?service=sqs")
    assert (status, body["reset"]) == (200, ["sqs"])
    left = holdings(server)
    assert left["sqs"] == []
    assert all(v for name, v in left.items() if name != "sqs")
    status, _ = post(server, "/_awsredirect/reset?service=ssm")
    left = holdings(server)
    assert status == 200 and left["ssm"] == [] and left["sns"] and left["s3"]


def test_reset_of_an_unknown_service_is_refused(server):
    populate(server)
    status, body = post(server, "/_awsredirect/reset?service=ec2")
    assert status == 400 and "ec2" in body["error"]
    assert all(holdings(server).values())


def test_reset_is_durable_with_a_state_dir(tmp_path):
    first = Emulator(state_dir=tmp_path)
    populate(first)
    assert post(first, "/_awsredirect/reset?service=s3")[0] == 200
    assert post(first, "/moto-api/reset?service=dynamodb")[0] == 200
    first.kill9()
    second = Emulator(state_dir=tmp_path)
    left = holdings(second)
    assert left["s3"] == [] and left["dynamodb"] == []
    assert left["sqs"] and left["sns"] and left["ssm"] and left["secretsmanager"]
    assert post(second, "/_awsredirect/reset")[0] == 200
    second.client("s3").create_bucket(Bucket="after-reset")
    second.kill9()
    third = Emulator(state_dir=tmp_path)
    try:
        left = holdings(third)
        assert left["s3"] == ["after-reset"]
        assert all(v == [] for name, v in left.items() if name != "s3")
    finally:
        third.stop()
