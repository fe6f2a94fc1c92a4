"""EventBridge in `awsredirect serve`: buses, rules, targets and PutEvents routed to SQS queues
and Lambda functions, input transformation, scheduled rules and restarts, with real boto3 and
the AWS CLI."""

import json
import time

import pytest
from botocore.exceptions import ClientError

from emulator_support import Emulator, emulator, run_aws, sqs, wait_until  # noqa: F401  (fixtures)
from test_emulator_lambda import ROLE, zipped

ACCOUNT = "000000000000"


@pytest.fixture(scope="module")
def events(emulator):
    return emulator.client("events")


def error_of(call, **kwargs):
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    error = info.value.response["Error"]
    return error["Code"], error["Message"]


def queue(sqs, name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def bodies(sqs, url, count, timeout=10):
    got = []

    def enough():
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", []):
            got.append(m["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return len(got) >= count

    wait_until(enough, timeout=timeout)
    return got


def entry(source="shop", detail_type="Order Placed", detail=None, **extra):
    return {"Source": source, "DetailType": detail_type, "Detail": json.dumps(detail or {}), **extra}


def test_buses_and_rules_management(events):
    assert events.describe_event_bus()["Name"] == "default"
    arn = events.create_event_bus(Name="orders")["EventBusArn"]
    assert arn == f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/orders"
    assert error_of(events.create_event_bus, Name="orders")[0] == "ResourceAlreadyExistsException"
    names = [b["Name"] for b in events.list_event_buses()["EventBuses"]]
    assert "default" in names and "orders" in names
    assert error_of(events.delete_event_bus, Name="default")[0] == "ValidationException"
    assert error_of(events.describe_event_bus, Name="nope") == ("ResourceNotFoundException", "Event bus nope does not exist.")

    rule_arn = events.put_rule(Name="r-one", EventBusName="orders", EventPattern=json.dumps({"source": ["shop"]}))["RuleArn"]
    assert rule_arn == f"arn:aws:events:us-east-1:{ACCOUNT}:rule/orders/r-one"
    for i in range(3):
        events.put_rule(Name=f"page-{i}", EventBusName="orders", EventPattern='{"source": ["x"]}', State="DISABLED")
    described = events.describe_rule(Name="r-one", EventBusName=arn)
    assert described["State"] == "ENABLED" and described["EventBusName"] == "orders"
    first = events.list_rules(EventBusName="orders", NamePrefix="page-", Limit=2)
    assert [r["Name"] for r in first["Rules"]] == ["page-0", "page-1"]
    rest = events.list_rules(EventBusName="orders", NamePrefix="page-", Limit=2, NextToken=first["NextToken"])
    assert [r["Name"] for r in rest["Rules"]] == ["page-2"] and "NextToken" not in rest
    events.enable_rule(Name="page-0", EventBusName="orders")
    assert events.describe_rule(Name="page-0", EventBusName="orders")["State"] == "ENABLED"
    events.disable_rule(Name="page-0", EventBusName="orders")
    assert events.describe_rule(Name="page-0", EventBusName="orders")["State"] == "DISABLED"

    code, message = error_of(events.put_rule, Name="bad", EventPattern='{"source": [{"bogus": 1}]}')
    assert code == "InvalidEventPatternException" and message.startswith("Event pattern is not valid. Reason: ")
    assert error_of(events.put_rule, Name="neither")[0] == "ValidationException"
    assert error_of(events.put_rule, Name="cron", ScheduleExpression="cron(0 10 * * * *)")[0] == "ValidationException"
    assert error_of(events.put_rule, Name="nobus", EventBusName="missing", EventPattern='{"a": ["b"]}')[0] == "ResourceNotFoundException"
    assert error_of(events.describe_rule, Name="nope") == ("ResourceNotFoundException", "Rule nope does not exist on EventBus default.")


def test_targets_management(events, sqs):
    _, arn = queue(sqs, "targets-mgmt")
    events.put_rule(Name="with-targets", EventPattern='{"source": ["s"]}')
    answer = events.put_targets(Rule="with-targets", Targets=[
        {"Id": "q", "Arn": arn},
        {"Id": "kinesis", "Arn": f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/s"},
    ])
    assert answer["FailedEntryCount"] == 1
    failed = answer["FailedEntries"][0]
    assert failed["TargetId"] == "kinesis" and "only to SQS queues, SNS topics and Lambda functions" in failed["ErrorMessage"]
    assert [t["Id"] for t in events.list_targets_by_rule(Rule="with-targets")["Targets"]] == ["q"]
    assert events.list_rule_names_by_target(TargetArn=arn)["RuleNames"] == ["with-targets"]
    assert error_of(events.delete_rule, Name="with-targets") == ("ValidationException", "Rule can't be deleted since it has targets.")
    both = {"Id": "x", "Arn": arn, "Input": "{}", "InputPath": "$.detail"}
    assert error_of(events.put_targets, Rule="with-targets", Targets=[both])[0] == "ValidationException"
    assert error_of(events.put_targets, Rule="missing", Targets=[{"Id": "q", "Arn": arn}])[0] == "ResourceNotFoundException"
    assert events.remove_targets(Rule="with-targets", Ids=["q"])["FailedEntryCount"] == 0
    events.delete_rule(Name="with-targets")
    assert error_of(events.describe_rule, Name="with-targets")[0] == "ResourceNotFoundException"


def test_put_events_validates_entries(events):
    answer = events.put_events(Entries=[
        entry(),
        {"DetailType": "t", "Detail": "{}"},
        {"Source": "s", "DetailType": "t", "Detail": "not json"},
        entry(source="aws.ec2"),
        entry(EventBusName="missing"),
    ])
    assert answer["FailedEntryCount"] == 4
    results = answer["Entries"]
    assert "EventId" in results[0]
    assert results[1]["ErrorCode"] == "InvalidArgument" and "Source" in results[1]["ErrorMessage"]
    assert results[2]["ErrorCode"] == "MalformedDetail"
    assert results[3]["ErrorCode"] == "NotAuthorizedForSourceException"
    assert results[4]["ErrorCode"] == "ResourceNotFoundException"
    big = entry(detail={"x": "y" * 300_000})
    assert error_of(events.put_events, Entries=[big])[0] == "ValidationException"


def test_test_event_pattern(events):
    event = {"id": "1", "account": ACCOUNT, "source": "shop", "time": "2024-01-01T00:00:00Z", "region": "us-east-1",
             "resources": [], "detail-type": "Order", "detail": {"total": 12, "ip": "10.0.0.7"}}
    pattern = {"source": [{"prefix": "sh"}], "detail": {"total": [{"numeric": [">", 10]}], "ip": [{"cidr": "10.0.0.0/24"}]}}
    assert events.test_event_pattern(EventPattern=json.dumps(pattern), Event=json.dumps(event))["Result"] is True
    pattern["detail"]["total"] = [{"numeric": [">", 20]}]
    assert events.test_event_pattern(EventPattern=json.dumps(pattern), Event=json.dumps(event))["Result"] is False
    assert error_of(events.test_event_pattern, EventPattern="[1]", Event=json.dumps(event))[0] == "InvalidEventPatternException"


def test_a_pattern_routes_only_matching_events_to_a_queue(events, sqs):
    url, arn = queue(sqs, "routed")
    pattern = {"source": ["shop"], "detail": {"total": [{"numeric": [">=", 100]}]}}
    events.put_rule(Name="big-orders", EventPattern=json.dumps(pattern))
    events.put_targets(Rule="big-orders", Targets=[{"Id": "q", "Arn": arn}])
    answer = events.put_events(Entries=[
        entry(detail={"total": 150, "id": "match"}, Resources=["arn:aws:s3:::b"]),
        entry(detail={"total": 5, "id": "small"}),
        entry(source="other", detail={"total": 500, "id": "other"}),
    ])
    assert answer["FailedEntryCount"] == 0
    got = bodies(sqs, url, 1)
    time.sleep(0.5)
    got += bodies(sqs, url, 1, timeout=0.5)
    assert len(got) == 1
    event = json.loads(got[0])
    assert event["detail"] == {"total": 150, "id": "match"}
    assert event["id"] == answer["Entries"][0]["EventId"]
    assert (event["version"], event["source"], event["detail-type"], event["account"], event["region"]) == \
        ("0", "shop", "Order Placed", ACCOUNT, "us-east-1")
    assert event["resources"] == ["arn:aws:s3:::b"] and event["time"].endswith("Z")
    events.disable_rule(Name="big-orders")
    events.put_events(Entries=[entry(detail={"total": 150})])
    time.sleep(0.5)
    assert bodies(sqs, url, 1, timeout=0.5) == []


def test_input_path_and_input_transformer(events, sqs):
    url, arn = queue(sqs, "transformed")
    events.put_rule(Name="transform", EventPattern='{"source": ["tx"]}')
    events.put_targets(Rule="transform", Targets=[
        {"Id": "path", "Arn": arn, "InputPath": "$.detail.order"},
        {"Id": "constant", "Arn": arn, "Input": '{"fixed": true}'},
        {"Id": "template", "Arn": arn, "InputTransformer": {
            "InputPathsMap": {"id": "$.detail.order.id", "n": "$.detail.order.n"},
            "InputTemplate": '{"text": "order <id> has <n>", "id": <id>, "n": <n>, "rule": "<aws.events.rule-name>"}'}},
    ])
    events.put_events(Entries=[entry(source="tx", detail={"order": {"id": "o-1", "n": 3}})])
    got = sorted(bodies(sqs, url, 3))
    parsed = [json.loads(b) for b in got]
    assert {"id": "o-1", "n": 3} in parsed
    assert {"fixed": True} in parsed
    assert {"text": "order o-1 has 3", "id": "o-1", "n": 3, "rule": "transform"} in parsed


def test_a_fifo_queue_target_gets_the_group_id(events, sqs):
    url = sqs.create_queue(QueueName="ordered.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="fifo", EventPattern='{"source": ["fifo"]}')
    assert error_of(events.put_targets, Rule="fifo", Targets=[{"Id": "q", "Arn": arn}])[0] == "ValidationException"
    events.put_targets(Rule="fifo", Targets=[{"Id": "q", "Arn": arn, "SqsParameters": {"MessageGroupId": "g1"}}])
    events.put_events(Entries=[entry(source="fifo")])
    messages = []
    assert wait_until(lambda: messages.extend(sqs.receive_message(QueueUrl=url, AttributeNames=["All"]).get("Messages", [])) or messages)
    assert messages[0]["Attributes"]["MessageGroupId"] == "g1"


def test_a_topic_target_and_a_dead_letter_queue(events, emulator, sqs):
    url, arn = queue(sqs, "via-topic")
    sns = emulator.client("sns")
    topic = sns.create_topic(Name="events-topic")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    dlq_url, dlq_arn = queue(sqs, "events-dlq")
    gone = f"arn:aws:sqs:us-east-1:{ACCOUNT}:never-made"
    events.put_rule(Name="to-topic", EventPattern='{"source": ["topic"]}')
    events.put_targets(Rule="to-topic", Targets=[
        {"Id": "t", "Arn": topic, "InputPath": "$.detail"},
        {"Id": "gone", "Arn": gone, "RetryPolicy": {"MaximumRetryAttempts": 0}, "DeadLetterConfig": {"Arn": dlq_arn}},
    ])
    events.put_events(Entries=[entry(source="topic", detail={"via": "sns"})])
    assert [json.loads(b) for b in bodies(sqs, url, 1)] == [{"via": "sns"}]
    dead = bodies(sqs, dlq_url, 1, timeout=10)
    assert len(dead) == 1 and json.loads(dead[0])["detail"] == {"via": "sns"}


def test_a_rule_invokes_a_python_lambda(events, emulator, sqs):
    url, _ = queue(sqs, "from-events-lambda")
    code = (
        "import boto3, json, os\n"
        "def handler(event, context):\n"
        "    boto3.client('sqs').send_message(QueueUrl=os.environ['QUEUE'], MessageBody=json.dumps(event))\n"
    )
    lam = emulator.client("lambda")
    arn = lam.create_function(FunctionName="on-event", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                              Code={"ZipFile": zipped({"app.py": code})}, Timeout=30,
                              Environment={"Variables": {"QUEUE": url}})["FunctionArn"]
    events.put_rule(Name="to-lambda", EventPattern='{"source": ["lam"], "detail": {"kind": ["yes"]}}')
    events.put_targets(Rule="to-lambda", Targets=[{"Id": "f", "Arn": arn}])
    events.put_events(Entries=[entry(source="lam", detail={"kind": "no"}), entry(source="lam", detail={"kind": "yes"})])
    got = bodies(sqs, url, 1, timeout=30)
    assert len(got) == 1
    assert json.loads(got[0])["detail"] == {"kind": "yes"}


def test_aws_cli(emulator):
    made = json.loads(run_aws(emulator, "events", "put-rule", "--name", "cli-rule",
                              "--event-pattern", '{"source": ["cli"]}').stdout)
    assert made["RuleArn"].endswith(":rule/cli-rule")
    listed = json.loads(run_aws(emulator, "events", "list-rules", "--name-prefix", "cli-").stdout)
    assert [r["Name"] for r in listed["Rules"]] == ["cli-rule"]
    put = json.loads(run_aws(emulator, "events", "put-events", "--entries",
                             json.dumps([entry(source="cli")])).stdout)
    assert put["FailedEntryCount"] == 0
    refused = run_aws(emulator, "events", "put-rule", "--name", "bad", "--event-pattern", "{}", check=False)
    assert refused.returncode != 0 and "InvalidEventPatternException" in refused.stderr


def test_rules_and_targets_survive_a_restart(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    server = Emulator(state_dir=state)
    events, sqs = server.client("events"), server.client("sqs")
    url, arn = queue(sqs, "kept")
    events.create_event_bus(Name="kept-bus")
    events.put_rule(Name="kept", EventBusName="kept-bus", EventPattern='{"source": ["k"]}')
    events.put_targets(Rule="kept", EventBusName="kept-bus", Targets=[{"Id": "q", "Arn": arn, "Input": '"hello"'}])
    server.kill9()
    again = Emulator(state_dir=state)
    try:
        events, sqs = again.client("events"), again.client("sqs")
        assert events.describe_rule(Name="kept", EventBusName="kept-bus")["EventPattern"] == '{"source": ["k"]}'
        assert [t["Id"] for t in events.list_targets_by_rule(Rule="kept", EventBusName="kept-bus")["Targets"]] == ["q"]
        events.put_events(Entries=[entry(source="k", EventBusName="kept-bus")])
        assert bodies(sqs, url, 1) == ['"hello"']
    finally:
        again.stop()


def test_a_scheduled_rule_fires(events, sqs):
    url, arn = queue(sqs, "scheduled")
    rule_arn = events.put_rule(Name="every-minute", ScheduleExpression="rate(1 minute)")["RuleArn"]
    events.put_targets(Rule="every-minute", Targets=[{"Id": "q", "Arn": arn}])
    got = bodies(sqs, url, 1, timeout=75)
    assert got, "a rate(1 minute) rule fired within 75 s"
    event = json.loads(got[0])
    assert (event["source"], event["detail-type"], event["detail"], event["resources"]) == \
        ("aws.events", "Scheduled Event", {}, [rule_arn])


def test_a_dotted_key_in_a_pattern_names_the_nested_field(events, sqs):
    # EventBridge joins nested names with "." when it compiles a pattern (as public samples rely on).
    event = json.dumps({"id": "1", "source": "content-generator", "detail-type": "Client-data",
                        "account": "000000000000", "time": "2026-12-02T00:00:00Z", "region": "us-east-1",
                        "resources": [], "detail": {"preferenceDistribution": "SFTP"}})
    dotted = {"detail.preferenceDistribution": [{"equals-ignore-case": "sftp"}]}
    assert events.test_event_pattern(EventPattern=json.dumps(dotted), Event=event)["Result"] is True
    dotted["detail.preferenceDistribution"] = ["email"]
    assert events.test_event_pattern(EventPattern=json.dumps(dotted), Event=event)["Result"] is False
    url, arn = queue(sqs, "dotted-target")
    events.put_rule(Name="dotted", EventPattern=json.dumps({"detail.kind": ["a"]}))
    events.put_targets(Rule="dotted", Targets=[{"Id": "q", "Arn": arn}])
    events.put_events(Entries=[entry(detail={"kind": "b"}), entry(detail={"kind": "a"})])
    assert [json.loads(b)["detail"]["kind"] for b in bodies(sqs, url, 1)] == ["a"]
