"""SNS against `awsredirect serve`: topics, subscriptions and fan-out into the emulator's SQS
queues, through boto3 and the AWS CLI."""

import hashlib
import json

import pytest
from botocore.exceptions import ClientError

from emulator_support import emulator, run_aws, sqs  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def sns(emulator):
    return emulator.client("sns")


def queue_with_arn(sqs, name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def receive_all(sqs, url, expected):
    got = []
    for _ in range(10):
        out = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                  MessageAttributeNames=["All"])
        got += out.get("Messages", [])
        if len(got) >= expected:
            break
    return got


def test_topics_and_listing(sns):
    arns = [sns.create_topic(Name=f"t-{i}")["TopicArn"] for i in range(3)]
    assert arns[0] == "arn:aws:sns:us-east-1:000000000000:t-0"
    assert sns.create_topic(Name="t-0")["TopicArn"] == arns[0]
    listed = [t["TopicArn"] for page in sns.get_paginator("list_topics").paginate() for t in page["Topics"]]
    assert set(arns) <= set(listed)
    attrs = sns.get_topic_attributes(TopicArn=arns[1])["Attributes"]
    assert attrs["TopicArn"] == arns[1]
    sns.set_topic_attributes(TopicArn=arns[1], AttributeName="DisplayName", AttributeValue="shown")
    assert sns.get_topic_attributes(TopicArn=arns[1])["Attributes"]["DisplayName"] == "shown"
    sns.delete_topic(TopicArn=arns[2])
    with pytest.raises(sns.exceptions.NotFoundException):
        sns.get_topic_attributes(TopicArn=arns[2])
    with pytest.raises(ClientError) as err:
        sns.create_topic(Name="bad name!")
    assert err.value.response["Error"]["Code"] == "InvalidParameter"


def test_fan_out_envelope_raw_and_filters(sns, sqs):
    topic = sns.create_topic(Name="orders")["TopicArn"]
    wrapped_url, wrapped_arn = queue_with_arn(sqs, "orders-wrapped")
    raw_url, raw_arn = queue_with_arn(sqs, "orders-raw")
    red_url, red_arn = queue_with_arn(sqs, "orders-red")
    wrapped = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=wrapped_arn, ReturnSubscriptionArn=True)
    raw = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=raw_arn,
                        Attributes={"RawMessageDelivery": "true"}, ReturnSubscriptionArn=True)
    red = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=red_arn, ReturnSubscriptionArn=True)
    sns.set_subscription_attributes(SubscriptionArn=red["SubscriptionArn"], AttributeName="FilterPolicy",
                                    AttributeValue=json.dumps({"color": ["red"]}))
    subs = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert {s["Endpoint"] for s in subs} == {wrapped_arn, raw_arn, red_arn}
    assert {s["Protocol"] for s in sns.list_subscriptions()["Subscriptions"]} == {"sqs"}
    assert sns.get_subscription_attributes(SubscriptionArn=raw["SubscriptionArn"])["Attributes"]["RawMessageDelivery"] == "true"

    message_id = sns.publish(TopicArn=topic, Message="hello", Subject="greeting",
                             MessageAttributes={"color": {"DataType": "String", "StringValue": "blue"}})["MessageId"]
    [envelope_message] = receive_all(sqs, wrapped_url, 1)
    envelope = json.loads(envelope_message["Body"])
    assert envelope["Type"] == "Notification"
    assert envelope["MessageId"] == message_id
    assert envelope["TopicArn"] == topic
    assert envelope["Message"] == "hello" and envelope["Subject"] == "greeting"
    assert envelope["MessageAttributes"] == {"color": {"Type": "String", "Value": "blue"}}
    assert {"Timestamp", "SignatureVersion", "Signature", "SigningCertURL", "UnsubscribeURL"} <= set(envelope)
    [raw_message] = receive_all(sqs, raw_url, 1)
    assert raw_message["Body"] == "hello"
    assert raw_message["MessageAttributes"]["color"]["StringValue"] == "blue"
    assert sqs.receive_message(QueueUrl=red_url, WaitTimeSeconds=0).get("Messages") is None

    sns.publish(TopicArn=topic, Message=json.dumps({"default": "plain", "sqs": "for queues"}),
                MessageStructure="json", MessageAttributes={"color": {"DataType": "String", "StringValue": "red"}})
    [red_message] = receive_all(sqs, red_url, 1)
    assert json.loads(red_message["Body"])["Message"] == "for queues"

    out = sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
        {"Id": "a", "Message": "one"}, {"Id": "b", "Message": "two"}])
    assert sorted(s["Id"] for s in out["Successful"]) == ["a", "b"] and out["Failed"] == []
    bodies = sorted(m["Body"] for m in receive_all(sqs, raw_url, 3))
    assert bodies == ["for queues", "one", "two"]

    sns.unsubscribe(SubscriptionArn=wrapped["SubscriptionArn"])
    assert len(sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]) == 2
    with pytest.raises(sns.exceptions.NotFoundException):
        sns.publish(TopicArn="arn:aws:sns:us-east-1:000000000000:missing", Message="x")


def test_fifo_content_deduplication_id_is_the_message_sha256(sns, sqs):
    topic = sns.create_topic(
        Name="digests.fifo",
        Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"},
    )["TopicArn"]
    url = sqs.create_queue(QueueName="digests.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn,
                  Attributes={"RawMessageDelivery": "true"})
    sns.publish(TopicArn=topic, Message="digest me", MessageGroupId="g")
    (message,) = sqs.receive_message(QueueUrl=url, AttributeNames=["All"], WaitTimeSeconds=1)["Messages"]
    assert message["Body"] == "digest me"
    expected = hashlib.sha256(b"digest me").hexdigest()
    assert message["Attributes"]["MessageDeduplicationId"] == expected


def test_aws_cli(emulator):
    arn = json.loads(run_aws(emulator, "sns", "create-topic", "--name", "cli-topic").stdout)["TopicArn"]
    out = json.loads(run_aws(emulator, "sns", "publish", "--topic-arn", arn, "--message", "hi").stdout)
    assert out["MessageId"]
    topics = json.loads(run_aws(emulator, "sns", "list-topics").stdout)["Topics"]
    assert {"TopicArn": arn} in topics
    queue = "arn:aws:sqs:us-east-1:000000000000:cli-topic-inbox"
    run_aws(emulator, "sqs", "create-queue", "--queue-name", "cli-topic-inbox")
    sub = json.loads(run_aws(emulator, "sns", "subscribe", "--topic-arn", arn, "--protocol", "sqs",
                             "--notification-endpoint", queue, "--return-subscription-arn").stdout)
    listed = json.loads(run_aws(emulator, "sns", "list-subscriptions-by-topic", "--topic-arn", arn).stdout)
    assert [s["Endpoint"] for s in listed["Subscriptions"]] == [queue]
    run_aws(emulator, "sns", "unsubscribe", "--subscription-arn", sub["SubscriptionArn"])
    run_aws(emulator, "sns", "delete-topic", "--topic-arn", arn)


def test_permissions_tags_and_default_attributes(emulator):
    sns = emulator.client("sns")
    arn = sns.create_topic(Name="policy-topic", Tags=[{"Key": "team", "Value": "blue"}])["TopicArn"]
    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert json.loads(attributes["Policy"])["Statement"][0]["Sid"] == "__default_statement_ID"
    assert "FifoTopic" not in attributes and json.loads(attributes["EffectiveDeliveryPolicy"])
    sns.add_permission(TopicArn=arn, Label="partner", AWSAccountId=["111122223333"], ActionName=["Publish"])
    statement = json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])["Statement"][1]
    assert statement["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
    with pytest.raises(ClientError) as err:
        sns.add_permission(TopicArn=arn, Label="partner", AWSAccountId=["1"], ActionName=["Publish"])
    assert err.value.response["Error"]["Message"] == "Statement already exists"
    sns.remove_permission(TopicArn=arn, Label="partner")
    assert len(json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])["Statement"]) == 1
    sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "red"}, {"Key": "env", "Value": "dev"}])
    sns.untag_resource(ResourceArn=arn, TagKeys=["env"])
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "red"}]
    with pytest.raises(ClientError) as err:
        sns.list_tags_for_resource(ResourceArn=arn + "-gone")
    assert err.value.response["Error"]["Code"] == "ResourceNotFound"


def test_publish_and_subscribe_checks(emulator):
    sns = emulator.client("sns")
    arn = sns.create_topic(Name="standard-checks")["TopicArn"]
    for kwargs in ({"MessageDeduplicationId": "x"}, {"Subject": "s" * 101}):
        with pytest.raises(ClientError) as err:
            sns.publish(TopicArn=arn, Message="m", **kwargs)
        assert err.value.response["Error"]["Code"] == "InvalidParameter"
    structured = {
        "not json": "Invalid parameter: Message Structure - JSON message body failed to parse",
        '{"sqs": "m"}': "Invalid parameter: Message Structure - No default entry in JSON message body",
    }
    for message, wording in structured.items():
        with pytest.raises(ClientError) as err:
            sns.publish(TopicArn=arn, Message=message, MessageStructure="json")
        assert err.value.response["Error"]["Message"] == wording
    with pytest.raises(ClientError) as err:
        sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:000000000000:q.fifo")
    assert "FIFO SQS Queues can not be subscribed to standard SNS topics" in err.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as err:
        sns.subscribe(TopicArn=arn + "-missing", Protocol="sqs", Endpoint="x")
    assert err.value.response["Error"]["Code"] == "NotFound"
    sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:000000000000:q",
                        Attributes={"FilterPolicy": json.dumps({"a": ["b"]})})["SubscriptionArn"]
    assert sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["FilterPolicyScope"] == "MessageAttributes"
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy", AttributeValue="")
    assert "FilterPolicy" not in sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    sns.unsubscribe(SubscriptionArn=sub)
    sns.unsubscribe(SubscriptionArn=sub)


def test_filter_policy_errors_are_worded_as_aws_words_them(emulator):
    # AWS's responses (recorded in LocalStack's AWS-validated snapshots): Subscribe says
    # "Attributes Reason: FilterPolicy: ...", SetSubscriptionAttributes "FilterPolicy: ...".
    sns = emulator.client("sns")
    arn = sns.create_topic(Name="policy-checks")["TopicArn"]
    queue = "arn:aws:sqs:us-east-1:000000000000:policy-checks"
    reasons = {
        json.dumps({"store": [str(i) for i in range(151)]}): "Filter policy is too complex",
        json.dumps({"store": [["example_corp"]]}): "Match value must be String, number, true, false, or null",
        json.dumps({"store": [{"exists": None}]}): "exists match pattern must be either true or false.",
        json.dumps({"store": [{"error": True}]}): "Unrecognized match type error",
        json.dumps({"price": [{"numeric": [">", 50, "<=", "100"]}]}): "Value of <= must be numeric",
        json.dumps({"price": [{"numeric": []}]}): "Invalid member in numeric match: ]",
        json.dumps({"price": [{"numeric": ["0"]}]}): "Unrecognized numeric range operator: 0",
        json.dumps({"price": [{"numeric": ["<", 20, ">", 1]}]}): "Too many elements in numeric expression",
        json.dumps({"price": [{"numeric": [">", 20, "<", 1]}]}): "Bottom must be less than top",
        json.dumps({k: [k] for k in "abcdef"}): "Filter policy can not have more than 5 keys",
    }
    limits = {"Filter policy is too complex", "Filter policy can not have more than 5 keys"}
    for policy, reason in reasons.items():
        with pytest.raises(ClientError) as err:
            sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue, Attributes={"FilterPolicy": policy})
        assert err.value.response["Error"]["Code"] == "InvalidParameter"
        message = err.value.response["Error"]["Message"]
        expected = f"Invalid parameter: Attributes Reason: FilterPolicy: {reason}"
        # A rule error goes on with where AWS's parser stopped in the compact policy.
        located = f"{expected}\n at [Source: (String)\"{json.dumps(json.loads(policy), separators=(',', ':'))}\""
        assert message == expected if reason in limits else message.startswith(located), message
    with pytest.raises(ClientError) as err:
        sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue,
                      Attributes={"FilterPolicy": json.dumps({"price": [{"numeric": [">", 20, "<", 1]}]})})
    assert err.value.response["Error"]["Message"] == (
        "Invalid parameter: Attributes Reason: FilterPolicy: Bottom must be less than top\n"
        ' at [Source: (String)"{"price":[{"numeric":[">",20,"<",1]}]}"; line: 1, column: 36]')
    nested = json.dumps({"store": {"key": ["x"]}})
    with pytest.raises(ClientError) as err:
        sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue, Attributes={"FilterPolicy": nested})
    assert err.value.response["Error"]["Message"] == (
        "Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy")
    sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue, ReturnSubscriptionArn=True)["SubscriptionArn"]
    with pytest.raises(ClientError) as err:
        sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy",
                                        AttributeValue=json.dumps({"store": [{"exists": "no"}]}))
    assert err.value.response["Error"]["Message"].startswith(
        "Invalid parameter: FilterPolicy: exists match pattern must be either true or false.\n at [Source:")
    with pytest.raises(ClientError) as err:
        sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicyScope",
                                        AttributeValue="RandomValue")
    assert err.value.response["Error"]["Message"] == (
        "Invalid parameter: FilterPolicyScope: Invalid value [RandomValue]. "
        "Please use either MessageBody or MessageAttributes")
    # Nested policies are taken once the scope is the message body.
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicyScope", AttributeValue="MessageBody")
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy", AttributeValue=nested)
    assert sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["FilterPolicy"] == nested


def test_a_topic_of_another_region_is_an_invalid_parameter(emulator):
    west = emulator.client("sns", region="us-west-2")
    arn = west.create_topic(Name="regional")["TopicArn"]
    sub = west.subscribe(TopicArn=arn, Protocol="sqs", Endpoint="arn:aws:sqs:us-west-2:000000000000:q",
                         ReturnSubscriptionArn=True)["SubscriptionArn"]
    east = emulator.client("sns", region="us-east-1")
    calls = [
        lambda: east.get_topic_attributes(TopicArn=arn),
        lambda: east.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="x"),
        lambda: east.publish(TopicArn=arn, Message="m"),
        lambda: east.publish_batch(TopicArn=arn, PublishBatchRequestEntries=[{"Id": "1", "Message": "m"}]),
        lambda: east.subscribe(TopicArn=arn, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:000000000000:q"),
        lambda: east.list_subscriptions_by_topic(TopicArn=arn),
        lambda: east.add_permission(TopicArn=arn, Label="l", AWSAccountId=["111122223333"], ActionName=["Publish"]),
        lambda: east.list_tags_for_resource(ResourceArn=arn),
        lambda: east.tag_resource(ResourceArn=arn, Tags=[{"Key": "k", "Value": "v"}]),
        lambda: east.confirm_subscription(TopicArn=arn, Token="t"),
        lambda: east.delete_topic(TopicArn=arn),
    ]
    for call in calls:
        with pytest.raises(ClientError) as err:
            call()
        assert err.value.response["Error"]["Code"] == "InvalidParameter"
        assert err.value.response["Error"]["Message"] == "Invalid parameter: TopicArn"
    # A subscription ARN where a topic's is expected names no topic SNS could have.
    with pytest.raises(ClientError) as err:
        west.publish(TopicArn=sub, Message="m")
    assert err.value.response["Error"]["Message"] == "Invalid parameter: Topic Name"
    with pytest.raises(ClientError) as err:
        west.create_topic(Name="bad name!")
    assert err.value.response["Error"]["Message"] == "Invalid parameter: Topic Name"
    # Nothing was changed: the topic and its subscription are still there, in their region.
    assert west.get_topic_attributes(TopicArn=arn)["Attributes"]["SubscriptionsConfirmed"] == "1"
    assert [s["SubscriptionArn"] for s in west.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]] == [sub]
    assert west.get_topic_attributes(TopicArn=arn)["Attributes"].get("DisplayName", "") == ""


def test_confirm_subscription_refuses_a_token_no_confirmation_carried(emulator):
    # The emulator confirms subscriptions when they are made and sends no confirmation
    # message, so no token is pending: SNS answers an unknown token with InvalidParameter.
    sns = emulator.client("sns")
    arn = sns.create_topic(Name="confirmations")["TopicArn"]
    sub = sns.subscribe(TopicArn=arn, Protocol="http", Endpoint="http://127.0.0.1:9/hook",
                        ReturnSubscriptionArn=True)["SubscriptionArn"]
    assert sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["PendingConfirmation"] == "false"
    with pytest.raises(ClientError) as err:
        sns.confirm_subscription(TopicArn=arn, Token="2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3beb71854e285d6ad02428b09ceece29417f1f02d609c582afbacf99c583a916b9981dd2728f4ae6fdb82efd087cc3b7849e05798d2d2785c03b0879594eeac82c01f235d0e717736")
    assert err.value.response["Error"]["Code"] == "InvalidParameter"
    assert err.value.response["Error"]["Message"] == "Invalid parameter: Token"
    with pytest.raises(ClientError) as err:
        sns.confirm_subscription(TopicArn=arn + "-gone", Token="t")
    assert err.value.response["Error"]["Code"] == "NotFound"
