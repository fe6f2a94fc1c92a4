"""The emulator's one delivery path between services (SNS subscriptions, Lambda asynchronous
invocations): retries and dead-letter targets, through boto3 against `awsredirect serve`."""

import json

from emulator_support import emulator, sqs, wait_until  # noqa: F401  (fixtures)
from test_emulator_lambda import ROLE, zipped

COUNTING_FAILURE = (
    "import boto3, json, os\n"
    "def handler(event, context):\n"
    "    boto3.client('sqs').send_message(QueueUrl=os.environ['ATTEMPTS'], MessageBody=json.dumps(event))\n"
    "    raise RuntimeError('always fails')\n"
)


def drain(sqs, url, want, timeout=30):
    """Receives until `want` messages arrived (or the timeout passed); answers them."""
    got = []

    def enough():
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                     MessageAttributeNames=["All"]).get("Messages", []):
            got.append(m)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return len(got) >= want

    wait_until(enough, timeout=timeout)
    return got


def queue(sqs, name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def test_a_failing_asynchronous_invocation_is_retried_then_dead_lettered(emulator, sqs):
    attempts, _ = queue(sqs, "attempts")
    dlq, dlq_arn = queue(sqs, "function-dlq")
    lam = emulator.client("lambda")
    lam.create_function(FunctionName="fails", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                        Code={"ZipFile": zipped({"app.py": COUNTING_FAILURE})}, Timeout=30,
                        Environment={"Variables": {"ATTEMPTS": attempts}},
                        DeadLetterConfig={"TargetArn": dlq_arn})
    out = lam.invoke(FunctionName="fails", InvocationType="Event", Payload=json.dumps({"order": 7}))
    assert out["StatusCode"] == 202
    dead = drain(sqs, dlq, 1)
    assert [json.loads(m["Body"]) for m in dead] == [{"order": 7}]
    attributes = dead[0]["MessageAttributes"]
    assert "always fails" in attributes["ErrorMessage"]["StringValue"]
    assert attributes["ErrorCode"]["StringValue"] == "200" and attributes["RequestID"]["StringValue"]
    # The first try and two retries, each of which ran the handler.
    assert len(drain(sqs, attempts, 3, timeout=5)) == 3
    assert drain(sqs, attempts, 1, timeout=2) == []


def test_an_sns_message_a_subscription_cannot_take_goes_to_its_dead_letter_queue(emulator, sqs):
    dlq, dlq_arn = queue(sqs, "subscription-dlq")
    gone, gone_arn = queue(sqs, "gone")
    sns = emulator.client("sns")
    topic = sns.create_topic(Name="with-redrive")["TopicArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=gone_arn, Attributes={"RedrivePolicy": redrive})
    missing = "arn:aws:lambda:us-east-1:000000000000:function:never-created"
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=missing, Attributes={"RedrivePolicy": redrive})
    sqs.delete_queue(QueueUrl=gone)
    sns.publish(TopicArn=topic, Message="undeliverable")
    dead = drain(sqs, dlq, 2)
    bodies = [json.loads(m["Body"]) for m in dead]
    assert len(bodies) == 2
    (envelope,) = [b for b in bodies if "Type" in b]
    assert envelope["Type"] == "Notification" and envelope["Message"] == "undeliverable"
    (event,) = [b for b in bodies if "Records" in b]
    assert event["Records"][0]["Sns"]["Message"] == "undeliverable"


def test_a_delivered_message_is_not_dead_lettered(emulator, sqs):
    dlq, dlq_arn = queue(sqs, "unused-dlq")
    target, target_arn = queue(sqs, "live-target")
    sns = emulator.client("sns")
    topic = sns.create_topic(Name="healthy")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=target_arn,
                  Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn}),
                              "RawMessageDelivery": "true"})
    sns.publish(TopicArn=topic, Message="hello")
    # Delivered into the queue before Publish answered.
    got = sqs.receive_message(QueueUrl=target)["Messages"]
    assert got[0]["Body"] == "hello"
    assert drain(sqs, dlq, 1, timeout=4) == []


def test_asynchronous_invocation_settings_choose_retries_and_destinations(emulator, sqs):
    attempts, _ = queue(sqs, "attempts-2")
    failed, failed_arn = queue(sqs, "on-failure")
    lam = emulator.client("lambda")
    lam.create_function(FunctionName="fails-once", Runtime="python3.12", Role=ROLE,
                        Handler="app.handler", Code={"ZipFile": zipped({"app.py": COUNTING_FAILURE})},
                        Timeout=30, Environment={"Variables": {"ATTEMPTS": attempts}})
    config = lam.put_function_event_invoke_config(
        FunctionName="fails-once", MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": failed_arn}})
    assert config["FunctionArn"].endswith(":function:fails-once:$LATEST")
    assert config["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {"Destination": failed_arn}}
    lam.invoke(FunctionName="fails-once", InvocationType="Event", Payload=json.dumps({"n": 1}))
    [message] = drain(sqs, failed, 1)
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["requestPayload"] == {"n": 1}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "always fails"
    # MaximumRetryAttempts 0: the handler ran once.
    assert len(drain(sqs, attempts, 1, timeout=5)) == 1
    assert drain(sqs, attempts, 1, timeout=3) == []


def test_a_successful_asynchronous_invocation_goes_to_its_success_destination(emulator, sqs):
    done, done_arn = queue(sqs, "on-success")
    lam = emulator.client("lambda")
    code = "def handler(event, context):\n    return {'doubled': event['n'] * 2}\n"
    lam.create_function(FunctionName="doubles", Runtime="python3.12", Role=ROLE,
                        Handler="app.handler", Code={"ZipFile": zipped({"app.py": code})})
    lam.update_function_event_invoke_config(
        FunctionName="doubles", DestinationConfig={"OnSuccess": {"Destination": done_arn}})
    assert [c["DestinationConfig"]["OnSuccess"] for c in
            lam.list_function_event_invoke_configs(FunctionName="doubles")["FunctionEventInvokeConfigs"]
            ] == [{"Destination": done_arn}]
    lam.invoke(FunctionName="doubles", InvocationType="Event", Payload=json.dumps({"n": 21}))
    [message] = drain(sqs, done, 1)
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "Success"
    assert record["responsePayload"] == {"doubled": 42}
    lam.delete_function_event_invoke_config(FunctionName="doubles")
    try:
        lam.get_function_event_invoke_config(FunctionName="doubles")
        raise AssertionError("the configuration was not deleted")
    except lam.exceptions.ResourceNotFoundException:
        pass
