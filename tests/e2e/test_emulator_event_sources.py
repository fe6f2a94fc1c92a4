"""Lambda event source mappings for SQS against `awsredirect serve`: the mapping calls through
boto3 and the AWS CLI, and the poller feeding queue messages to Python handlers (which write
what they saw to DynamoDB), with dead-letter queues, partial batch failures, FIFO order and a
restart with --state-dir."""

import json

import pytest
from botocore.exceptions import ClientError

from emulator_support import Emulator, emulator, run_aws, sqs, wait_until  # noqa: F401  (fixtures)
from test_emulator_lambda import ROLE, zipped

# Writes each record to the table named by $TABLE (key: the body) with what the event said;
# raises for bodies starting with "fail"; with REPORT set, names bodies starting with "bad" in
# batchItemFailures; with BATCHES set, records each batch's size; with SWITCH set, fails (writing "switched-off") until the item "switch" exists.
HANDLER = '''
import json, os, time
import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE"])

def handler(event, context):
    if os.environ.get("SWITCH") and "Item" not in table.get_item(Key={"id": "switch"}):
        table.put_item(Item={"id": "switched-off"})
        raise RuntimeError("switched off")
    if os.environ.get("BATCHES"):
        table.update_item(
            Key={"id": "batches"},
            UpdateExpression="SET sizes = list_append(if_not_exists(sizes, :empty), :n)",
            ExpressionAttributeValues={":n": [len(event["Records"])], ":empty": []},
        )
    failures = []
    for record in event["Records"]:
        body = record["body"]
        if body.startswith("fail"):
            raise ValueError("asked to fail: " + body)
        table.update_item(
            Key={"id": body},
            UpdateExpression="SET #rec = :r, seen = list_append(if_not_exists(seen, :empty), :count)",
            ExpressionAttributeNames={"#rec": "record"},
            ExpressionAttributeValues={
                ":r": json.dumps(record),
                ":count": [record["attributes"]["ApproximateReceiveCount"]],
                ":empty": [],
            },
        )
        table.update_item(
            Key={"id": "order"},
            UpdateExpression="SET bodies = list_append(if_not_exists(bodies, :empty), :b)",
            ExpressionAttributeValues={":b": [body], ":empty": []},
        )
        if os.environ.get("REPORT") and body.startswith("bad"):
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
'''


@pytest.fixture(scope="module")
def lam(emulator):
    return emulator.client("lambda")


@pytest.fixture(scope="module")
def ddb(emulator):
    return emulator.client("dynamodb")


def make_table(ddb, name):
    ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")


def make_function(lam, name, table, timeout=30, **env):
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                        Code={"ZipFile": zipped({"app.py": HANDLER})}, Timeout=timeout,
                        Environment={"Variables": {"TABLE": table, **env}})


def make_queue(sqs, name, **attributes):
    url = sqs.create_queue(QueueName=name, Attributes={k: str(v) for k, v in attributes.items()})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def item(ddb, table, key):
    return ddb.get_item(TableName=table, Key={"id": {"S": key}}, ConsistentRead=True).get("Item")


def seen_counts(ddb, table, key):
    found = item(ddb, table, key)
    return [v["S"] for v in found["seen"]["L"]] if found else []


def queue_empty(sqs, url):
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return attrs["ApproximateNumberOfMessages"] == "0" and attrs["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_sqs_messages_reach_a_handler_that_writes_to_dynamodb(lam, ddb, sqs):
    make_table(ddb, "esm-orders")
    make_function(lam, "esm-writer", "esm-orders")
    url, arn = make_queue(sqs, "esm-orders")
    created = lam.create_event_source_mapping(FunctionName="esm-writer", EventSourceArn=arn)
    assert created["State"] == "Creating" and created["BatchSize"] == 10
    assert created["FunctionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:esm-writer"
    assert created["EventSourceArn"] == arn and created["StateTransitionReason"] == "USER_INITIATED"
    assert created["MaximumBatchingWindowInSeconds"] == 0 and created["LastModified"]
    got = lam.get_event_source_mapping(UUID=created["UUID"])
    assert got["State"] == "Enabled" and got["UUID"] == created["UUID"]

    sqs.send_message(QueueUrl=url, MessageBody="order-1",
                     MessageAttributes={"colour": {"DataType": "String", "StringValue": "blue"},
                                        "raw": {"DataType": "Binary", "BinaryValue": b"\x01\x02"}})
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"order-{i}"} for i in (2, 3)])
    assert wait_until(lambda: all(item(ddb, "esm-orders", f"order-{i}") for i in (1, 2, 3)), timeout=20)
    record = json.loads(item(ddb, "esm-orders", "order-1")["record"]["S"])
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == arn
    assert record["awsRegion"] == "us-east-1" and record["body"] == "order-1"
    assert record["messageId"] and record["receiptHandle"] and len(record["md5OfBody"]) == 32
    assert set(record["attributes"]) >= {"ApproximateReceiveCount", "SentTimestamp", "SenderId",
                                         "ApproximateFirstReceiveTimestamp"}
    assert record["messageAttributes"]["colour"] == {"stringValue": "blue", "stringListValues": [],
                                                     "binaryListValues": [], "dataType": "String"}
    assert record["messageAttributes"]["raw"]["binaryValue"] == "AQI="
    assert wait_until(lambda: queue_empty(sqs, url), timeout=10), "processed messages are deleted"


def test_aws_cli_creates_lists_and_deletes_a_mapping(lam, ddb, sqs, emulator):
    make_table(ddb, "esm-cli")
    make_function(lam, "esm-cli-fn", "esm-cli")
    url, arn = make_queue(sqs, "esm-cli")
    created = json.loads(run_aws(emulator, "lambda", "create-event-source-mapping", "--function-name",
                                 "esm-cli-fn", "--event-source-arn", arn, "--batch-size", "5").stdout)
    assert created["BatchSize"] == 5
    sqs.send_message(QueueUrl=url, MessageBody="from-cli")
    assert wait_until(lambda: item(ddb, "esm-cli", "from-cli"), timeout=20)
    listed = json.loads(run_aws(emulator, "lambda", "list-event-source-mappings",
                                "--function-name", "esm-cli-fn").stdout)["EventSourceMappings"]
    assert [m["UUID"] for m in listed] == [created["UUID"]]
    deleted = json.loads(run_aws(emulator, "lambda", "delete-event-source-mapping",
                                 "--uuid", created["UUID"]).stdout)
    assert deleted["State"] == "Deleting"
    failed = run_aws(emulator, "lambda", "get-event-source-mapping", "--uuid", created["UUID"], check=False)
    assert failed.returncode != 0 and "ResourceNotFoundException" in failed.stderr


def test_a_failing_handlers_messages_reach_the_dead_letter_queue(lam, ddb, sqs):
    make_table(ddb, "esm-dlq")
    make_function(lam, "esm-failing", "esm-dlq", timeout=3)
    dlq_url, dlq_arn = make_queue(sqs, "esm-dlq-dead")
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
    url, arn = make_queue(sqs, "esm-dlq-source", VisibilityTimeout=3, RedrivePolicy=policy)
    lam.create_event_source_mapping(FunctionName="esm-failing", EventSourceArn=arn, BatchSize=1)
    sqs.send_message(QueueUrl=url, MessageBody="fail-me")
    sqs.send_message(QueueUrl=url, MessageBody="fine")
    dead = []
    assert wait_until(lambda: dead.extend(sqs.receive_message(QueueUrl=dlq_url).get("Messages", [])) or dead,
                      timeout=30)
    assert [m["Body"] for m in dead] == ["fail-me"]
    assert wait_until(lambda: item(ddb, "esm-dlq", "fine"), timeout=20), "the other message is processed"
    assert wait_until(lambda: queue_empty(sqs, url), timeout=10)


def test_report_batch_item_failures_keeps_only_the_failed_ones(lam, ddb, sqs):
    make_table(ddb, "esm-partial")
    # Long enough that a slow machine does not time the handler out (which would retry all).
    make_function(lam, "esm-partial-fn", "esm-partial", timeout=8, REPORT="1")
    url, arn = make_queue(sqs, "esm-partial", VisibilityTimeout=8)
    sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "1", "MessageBody": "good-1"}, {"Id": "2", "MessageBody": "bad-1"}, {"Id": "3", "MessageBody": "good-2"}])
    mapping = lam.create_event_source_mapping(FunctionName="esm-partial-fn", EventSourceArn=arn,
                                              FunctionResponseTypes=["ReportBatchItemFailures"])
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert wait_until(lambda: len(seen_counts(ddb, "esm-partial", "bad-1")) >= 2, timeout=40)
    assert seen_counts(ddb, "esm-partial", "bad-1")[:2] == ["1", "2"]
    assert seen_counts(ddb, "esm-partial", "good-1") == ["1"]
    assert seen_counts(ddb, "esm-partial", "good-2") == ["1"]

    updated = lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)
    assert updated["State"] == "Disabling"
    assert wait_until(lambda: lam.get_event_source_mapping(UUID=mapping["UUID"])["State"] == "Disabled")
    left = []
    assert wait_until(lambda: left.extend(sqs.receive_message(QueueUrl=url).get("Messages", [])) or left,
                      timeout=20)
    assert [m["Body"] for m in left] == ["bad-1"]


def test_filter_criteria_pass_matching_messages_and_delete_the_rest(lam, ddb, sqs):
    make_table(ddb, "esm-filter")
    make_function(lam, "esm-filter-fn", "esm-filter")
    url, arn = make_queue(sqs, "esm-filter")
    pattern = json.dumps({"body": {"kind": ["order"], "total": [{"numeric": [">", 10]}]}})
    mapping = lam.create_event_source_mapping(FunctionName="esm-filter-fn", EventSourceArn=arn,
                                              FilterCriteria={"Filters": [{"Pattern": pattern}]})
    assert mapping["FilterCriteria"] == {"Filters": [{"Pattern": pattern}]}
    sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "1", "MessageBody": json.dumps({"kind": "order", "total": 5, "n": "small"})},
        {"Id": "2", "MessageBody": json.dumps({"kind": "refund", "total": 50, "n": "refund"})},
        {"Id": "3", "MessageBody": "plain text"},
        {"Id": "4", "MessageBody": json.dumps({"kind": "order", "total": 50, "n": "big"})}])
    big = json.dumps({"kind": "order", "total": 50, "n": "big"})
    assert wait_until(lambda: item(ddb, "esm-filter", big), timeout=20)
    assert wait_until(lambda: queue_empty(sqs, url), timeout=10), "unmatched messages are deleted"
    order = item(ddb, "esm-filter", "order")
    assert [v["S"] for v in order["bodies"]["L"]] == [big]
    cleared = lam.update_event_source_mapping(UUID=mapping["UUID"], FilterCriteria={"Filters": []})
    assert "FilterCriteria" not in cleared
    sqs.send_message(QueueUrl=url, MessageBody="plain text")
    assert wait_until(lambda: item(ddb, "esm-filter", "plain text"), timeout=20)


def test_a_batching_window_gathers_up_to_the_batch_size(lam, ddb, sqs):
    make_table(ddb, "esm-window")
    make_function(lam, "esm-window-fn", "esm-window", BATCHES="1")
    url, arn = make_queue(sqs, "esm-window")
    for start in (0, 10, 20):
        sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": f"w-{i}"} for i in range(start, min(start + 10, 25))])
    mapping = lam.create_event_source_mapping(FunctionName="esm-window-fn", EventSourceArn=arn, BatchSize=25,
                                              MaximumBatchingWindowInSeconds=2)
    assert mapping["BatchSize"] == 25 and mapping["MaximumBatchingWindowInSeconds"] == 2

    def sizes():
        found = item(ddb, "esm-window", "batches")
        return [int(v["N"]) for v in found["sizes"]["L"]] if found else []
    assert wait_until(lambda: sizes() == [25], timeout=20), sizes()
    # Fewer than BatchSize: invoked once the window closes, with what arrived.
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"late-{i}"} for i in range(3)])
    assert wait_until(lambda: sizes() == [25, 3], timeout=20), sizes()
    assert wait_until(lambda: queue_empty(sqs, url), timeout=10)


def test_a_fifo_groups_messages_arrive_in_order(lam, ddb, sqs):
    make_table(ddb, "esm-fifo")
    make_function(lam, "esm-fifo-fn", "esm-fifo")
    url, arn = make_queue(sqs, "esm-fifo.fifo", FifoQueue="true", ContentBasedDeduplication="true")
    bodies = [f"step-{i}" for i in range(6)]
    for body in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="g")
    lam.create_event_source_mapping(FunctionName="esm-fifo-fn", EventSourceArn=arn, BatchSize=2)

    def order():
        found = item(ddb, "esm-fifo", "order")
        return [v["S"] for v in found["bodies"]["L"]] if found else []
    assert wait_until(lambda: len(order()) == 6, timeout=30)
    assert order() == bodies
    record = json.loads(item(ddb, "esm-fifo", "step-0")["record"]["S"])
    assert record["attributes"]["MessageGroupId"] == "g"
    assert {"MessageDeduplicationId", "SequenceNumber"} <= set(record["attributes"])


def test_mapping_calls_answer_aws_errors(lam, sqs):
    make_function(lam, "esm-errors", "unused")
    url, arn = make_queue(sqs, "esm-errors")
    fifo_url, fifo_arn = make_queue(sqs, "esm-errors.fifo", FifoQueue="true")

    def code(call, **kwargs):
        with pytest.raises(ClientError) as err:
            call(**kwargs)
        return err.value.response["Error"]["Code"], err.value.response["Error"]["Message"]

    create = lam.create_event_source_mapping
    assert code(lam.get_event_source_mapping, UUID="00000000-0000-0000-0000-000000000000")[0] == \
        "ResourceNotFoundException"
    assert code(lam.delete_event_source_mapping, UUID="00000000-0000-0000-0000-000000000000")[0] == \
        "ResourceNotFoundException"
    assert code(create, FunctionName="nope", EventSourceArn=arn)[0] == "ResourceNotFoundException"
    assert code(create, FunctionName="esm-errors",
                EventSourceArn="arn:aws:sqs:us-east-1:000000000000:missing")[0] == "InvalidParameterValueException"
    kinesis, message = code(create, FunctionName="esm-errors",
                            EventSourceArn="arn:aws:kinesis:us-east-1:000000000000:stream/s", StartingPosition="LATEST")
    assert kinesis == "InvalidParameterValueException" and "SQS queues only" in message
    assert code(create, FunctionName="esm-errors", EventSourceArn=arn, BatchSize=11)[0] == \
        "InvalidParameterValueException"
    assert code(create, FunctionName="esm-errors", EventSourceArn=fifo_arn, BatchSize=11,
                MaximumBatchingWindowInSeconds=1)[0] == "InvalidParameterValueException"
    make_function(lam, "esm-slow", "unused", timeout=60)
    slow, message = code(create, FunctionName="esm-slow", EventSourceArn=arn)
    assert slow == "InvalidParameterValueException"
    assert message == "Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds"
    filtered, message = code(create, FunctionName="esm-errors", EventSourceArn=arn,
                             FilterCriteria={"Filters": [{"Pattern": '["not", "an", "object"]'}]})
    assert filtered == "InvalidParameterValueException" and "filter pattern" in message
    assert code(create, FunctionName="esm-errors", EventSourceArn=arn, BatchSize=20000)[0] == "ValidationException"

    first = create(FunctionName="esm-errors", EventSourceArn=arn, BatchSize=100, MaximumBatchingWindowInSeconds=1)
    assert first["BatchSize"] == 100
    assert code(create, FunctionName="esm-errors", EventSourceArn=arn)[0] == "ResourceConflictException"
    second = create(FunctionName="esm-errors", EventSourceArn=fifo_arn, Enabled=False)
    assert lam.get_event_source_mapping(UUID=second["UUID"])["State"] == "Disabled"
    assert code(lam.update_event_source_mapping, UUID=second["UUID"], BatchSize=50)[0] == \
        "InvalidParameterValueException"

    by_source = lam.list_event_source_mappings(EventSourceArn=fifo_arn)["EventSourceMappings"]
    assert [m["UUID"] for m in by_source] == [second["UUID"]]
    pages = list(lam.get_paginator("list_event_source_mappings").paginate(
        FunctionName="esm-errors", PaginationConfig={"PageSize": 1}))
    assert len(pages) == 2
    assert {m["UUID"] for p in pages for m in p["EventSourceMappings"]} == {first["UUID"], second["UUID"]}
    for mapping in (first, second):
        lam.delete_event_source_mapping(UUID=mapping["UUID"])
    assert lam.list_event_source_mappings(FunctionName="esm-errors")["EventSourceMappings"] == []


def test_a_mapping_and_an_unprocessed_message_survive_a_restart(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    server = Emulator(state_dir=state)
    try:
        lam, ddb, queues = (server.client(s) for s in ("lambda", "dynamodb", "sqs"))
        make_table(ddb, "esm-restart")
        make_function(lam, "esm-restart-fn", "esm-restart", SWITCH="1")
        url, arn = make_queue(queues, "esm-restart", VisibilityTimeout=600)
        mapping = lam.create_event_source_mapping(FunctionName="esm-restart-fn", EventSourceArn=arn)
        queues.send_message(QueueUrl=url, MessageBody="kept")
        # Received and failed: in flight for ten minutes, unless the server restarts.
        assert wait_until(lambda: item(ddb, "esm-restart", "switched-off"), timeout=20)
        ddb.put_item(TableName="esm-restart", Item={"id": {"S": "switch"}})
        assert not item(ddb, "esm-restart", "kept")
    finally:
        server.stop()
    again = Emulator(state_dir=state)
    try:
        lam, ddb = again.client("lambda"), again.client("dynamodb")
        assert lam.get_event_source_mapping(UUID=mapping["UUID"])["State"] == "Enabled"
        assert wait_until(lambda: item(ddb, "esm-restart", "kept"), timeout=20)
        assert wait_until(lambda: queue_empty(again.client("sqs"), url.replace(str(server.port), str(again.port))),
                          timeout=10)
    finally:
        again.stop()
