"""The end-to-end flow of issue 7: a Python function writes to DynamoDB and publishes to an SNS
topic with an SQS subscription; the AWS CLI invokes it; boto3 reads the item and the message."""

import io
import json
import zipfile

from emulator_support import emulator, run_aws  # noqa: F401  (fixtures)

FUNCTION = '''
import os
import boto3

def handler(event, context):
    boto3.client("dynamodb").put_item(
        TableName=os.environ["TABLE"],
        Item={"id": {"S": event["id"]}, "total": {"N": str(event["total"])}},
    )
    boto3.client("sns").publish(TopicArn=os.environ["TOPIC"], Message=f"order {event['id']} placed")
    return {"stored": event["id"]}
'''


def test_function_writes_dynamodb_and_publishes_through_sns_to_sqs(emulator, tmp_path):
    ddb, sns, sqs = emulator.client("dynamodb"), emulator.client("sns"), emulator.client("sqs")
    ddb.create_table(TableName="flow-orders", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    topic = sns.create_topic(Name="flow-events")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="flow-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)

    code = tmp_path / "function.zip"
    with zipfile.ZipFile(code, "w") as z:
        z.writestr("orders.py", FUNCTION)
    emulator.client("lambda").create_function(
        FunctionName="place-order", Runtime="python3.12", Handler="orders.handler",
        Role="arn:aws:iam::000000000000:role/lambda", Code={"ZipFile": code.read_bytes()}, Timeout=30,
        Environment={"Variables": {"TABLE": "flow-orders", "TOPIC": topic}},
    )

    response = tmp_path / "response.json"
    out = json.loads(run_aws(emulator, "lambda", "invoke", "--function-name", "place-order",
                             "--payload", json.dumps({"id": "o-1", "total": 12.5}), str(response)).stdout)
    assert out["StatusCode"] == 200 and "FunctionError" not in out, response.read_text()
    assert json.loads(response.read_text()) == {"stored": "o-1"}

    item = ddb.get_item(TableName="flow-orders", Key={"id": {"S": "o-1"}})["Item"]
    assert item["total"] == {"N": "12.5"}
    messages = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=5)["Messages"]
    assert json.loads(messages[0]["Body"])["Message"] == "order o-1 placed"


def test_new_services_survive_kill_9(tmp_path):
    """DynamoDB, SNS, SSM, Secrets Manager and Lambda state is journaled like S3's and SQS's."""
    from emulator_support import Emulator

    state = tmp_path / "state"
    state.mkdir()
    server = Emulator(state_dir=state)
    ddb = server.client("dynamodb")
    ddb.create_table(TableName="kept", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    ddb.put_item(TableName="kept", Item={"id": {"S": "a"}, "n": {"N": "1"}})
    ddb.update_item(TableName="kept", Key={"id": {"S": "a"}}, UpdateExpression="ADD n :one",
                    ExpressionAttributeValues={":one": {"N": "1"}})
    topic = server.client("sns").create_topic(Name="kept")["TopicArn"]
    server.client("ssm").put_parameter(Name="/kept", Value="v", Type="String")
    server.client("secretsmanager").create_secret(Name="kept", SecretString="s")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", "def handler(event, context):\n    return 7\n")
    server.client("lambda").create_function(FunctionName="kept", Runtime="python3.12", Handler="app.handler",
                                            Role="arn:aws:iam::000000000000:role/x", Code={"ZipFile": buf.getvalue()})
    server.kill9()
    again = Emulator(state_dir=state)
    try:
        item = again.client("dynamodb").get_item(TableName="kept", Key={"id": {"S": "a"}})["Item"]
        assert item["n"] == {"N": "2"}
        assert {"TopicArn": topic} in again.client("sns").list_topics()["Topics"]
        assert again.client("ssm").get_parameter(Name="/kept")["Parameter"]["Value"] == "v"
        assert again.client("secretsmanager").get_secret_value(SecretId="kept")["SecretString"] == "s"
        out = again.client("lambda").invoke(FunctionName="kept")
        assert json.loads(out["Payload"].read()) == 7
    finally:
        again.stop()
