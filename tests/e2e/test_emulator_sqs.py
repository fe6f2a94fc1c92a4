"""SQS against `awsredirect serve`: boto3 over the JSON protocol, raw requests over the
query protocol of older SDKs."""

import hashlib
import http.client
import json
import struct
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET

import pytest
from botocore.exceptions import ClientError

from emulator_support import emulator, sqs  # noqa: F401  (fixtures)


def attributes_md5(attributes):
    """SQS's documented digest of message attributes, computed independently of the server."""
    buf = b""
    for name in sorted(attributes):
        value = attributes[name]
        data_type = value["DataType"]
        buf += struct.pack(">I", len(name)) + name.encode()
        buf += struct.pack(">I", len(data_type)) + data_type.encode()
        if "BinaryValue" in value:
            raw = value["BinaryValue"]
            buf += b"\x02" + struct.pack(">I", len(raw)) + raw
        else:
            raw = value["StringValue"].encode()
            buf += b"\x01" + struct.pack(">I", len(raw)) + raw
    return hashlib.md5(buf).hexdigest()


def test_queue_lifecycle_and_attributes(sqs, emulator):
    url = sqs.create_queue(QueueName="life", Attributes={"VisibilityTimeout": "45"}, tags={"team": "a"})["QueueUrl"]
    assert url == f"http://127.0.0.1:{emulator.port}/000000000000/life"
    assert sqs.create_queue(QueueName="life", Attributes={"VisibilityTimeout": "45"})["QueueUrl"] == url
    with pytest.raises(sqs.exceptions.QueueNameExists):
        sqs.create_queue(QueueName="life", Attributes={"VisibilityTimeout": "10"})
    assert sqs.get_queue_url(QueueName="life")["QueueUrl"] == url
    sqs.create_queue(QueueName="life-two")
    sqs.create_queue(QueueName="other")
    listed = sqs.list_queues(QueueNamePrefix="life")["QueueUrls"]
    assert [u.rsplit("/", 1)[1] for u in listed] == ["life", "life-two"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "45"
    assert attrs["QueueArn"] == "arn:aws:sqs:us-east-1:000000000000:life"
    assert attrs["ApproximateNumberOfMessages"] == "0"
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "2"})
    one = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["DelaySeconds"])["Attributes"]
    assert one == {"DelaySeconds": "2"}
    with pytest.raises(sqs.exceptions.InvalidAttributeName):
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["NoSuchAttribute"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "a"}
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName="life")


def test_list_queues_pages(sqs):
    for i in range(5):
        sqs.create_queue(QueueName=f"paged-{i}")
    pages = sqs.get_paginator("list_queues").paginate(QueueNamePrefix="paged-", PaginationConfig={"PageSize": 2})
    urls = [u for page in pages for u in page.get("QueueUrls", [])]
    assert [u.rsplit("/", 1)[1] for u in urls] == [f"paged-{i}" for i in range(5)]


def test_missing_queue_raises_typed_error(sqs, emulator):
    missing = f"http://127.0.0.1:{emulator.port}/000000000000/absent"
    with pytest.raises(sqs.exceptions.QueueDoesNotExist) as err:
        sqs.send_message(QueueUrl=missing, MessageBody="x")
    assert err.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.receive_message(QueueUrl=missing)


def test_send_receive_with_attributes_and_digests(sqs):
    url = sqs.create_queue(QueueName="digests")["QueueUrl"]
    attributes = {
        "text": {"DataType": "String", "StringValue": "héllo"},
        "count": {"DataType": "Number", "StringValue": "42"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\x02"},
    }
    sent = sqs.send_message(QueueUrl=url, MessageBody="body ü", MessageAttributes=attributes)
    assert sent["MD5OfMessageBody"] == hashlib.md5("body ü".encode()).hexdigest()
    assert sent["MD5OfMessageAttributes"] == attributes_md5(attributes)
    got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], AttributeNames=["All"])
    (message,) = got["Messages"]
    assert message["Body"] == "body ü"
    assert message["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert message["MessageAttributes"] == attributes
    assert message["MD5OfMessageAttributes"] == attributes_md5(attributes)
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
    assert "SentTimestamp" in message["Attributes"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


def test_max_number_and_visibility_redelivery(sqs):
    url = sqs.create_queue(QueueName="redelivery")["QueueUrl"]
    for i in range(5):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3, VisibilityTimeout=2)["Messages"]
    assert [m["Body"] for m in first] == ["m0", "m1", "m2"]
    rest = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30)["Messages"]
    assert [m["Body"] for m in rest] == ["m3", "m4"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    started = time.monotonic()
    again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=5, AttributeNames=["ApproximateReceiveCount"])
    assert time.monotonic() - started < 4.5
    assert sorted(m["Body"] for m in again["Messages"]) == ["m0", "m1", "m2"]
    assert {m["Attributes"]["ApproximateReceiveCount"] for m in again["Messages"]} == {"2"}
    with pytest.raises(ClientError) as err:
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=11)
    assert err.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_change_message_visibility(sqs):
    url = sqs.create_queue(QueueName="visibility")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x")
    (message,) = sqs.receive_message(QueueUrl=url, VisibilityTimeout=60)["Messages"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    (again,) = sqs.receive_message(QueueUrl=url)["Messages"]
    assert again["MessageId"] == message["MessageId"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=again["ReceiptHandle"])
    with pytest.raises(sqs.exceptions.MessageNotInflight):
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=again["ReceiptHandle"], VisibilityTimeout=5)
    with pytest.raises(sqs.exceptions.ReceiptHandleIsInvalid):
        sqs.delete_message(QueueUrl=url, ReceiptHandle="not-a-handle")


def test_long_poll_wakes_on_send(sqs, emulator):
    url = sqs.create_queue(QueueName="long-poll")["QueueUrl"]
    sender = emulator.client("sqs")
    timer = threading.Timer(1.0, lambda: sender.send_message(QueueUrl=url, MessageBody="late"))
    started = time.monotonic()
    timer.start()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)
    elapsed = time.monotonic() - started
    timer.join()
    assert [m["Body"] for m in got["Messages"]] == ["late"]
    assert 0.8 < elapsed < 5


def test_long_poll_times_out_empty(sqs):
    url = sqs.create_queue(QueueName="long-poll-empty")["QueueUrl"]
    started = time.monotonic()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)
    elapsed = time.monotonic() - started
    assert "Messages" not in got
    assert 1.8 < elapsed < 4


def test_delay_seconds(sqs):
    url = sqs.create_queue(QueueName="delayed")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=2)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)
    assert [m["Body"] for m in got["Messages"]] == ["later"]


def test_batches_and_purge(sqs):
    url = sqs.create_queue(QueueName="batches")["QueueUrl"]
    sent = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[{"Id": f"e{i}", "MessageBody": f"b{i}"} for i in range(3)],
    )
    assert sorted(s["Id"] for s in sent["Successful"]) == ["e0", "e1", "e2"]
    with pytest.raises(sqs.exceptions.BatchEntryIdsNotDistinct):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "x", "MessageBody": "1"}, {"Id": "x", "MessageBody": "2"}])
    with pytest.raises(sqs.exceptions.TooManyEntriesInBatchRequest):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": f"i{i}", "MessageBody": "m"} for i in range(11)])
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    deleted = sqs.delete_message_batch(
        QueueUrl=url,
        Entries=[{"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
        + [{"Id": "bad", "ReceiptHandle": "garbage"}],
    )
    assert len(deleted["Successful"]) == 3
    assert [(f["Id"], f["Code"]) for f in deleted["Failed"]] == [("bad", "ReceiptHandleIsInvalid")]
    sqs.send_message(QueueUrl=url, MessageBody="to purge")
    sqs.purge_queue(QueueUrl=url)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


def test_fifo_basics(sqs):
    url = sqs.create_queue(
        QueueName="orders.fifo",
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
    )["QueueUrl"]
    first = sqs.send_message(QueueUrl=url, MessageBody="one", MessageGroupId="g")
    duplicate = sqs.send_message(QueueUrl=url, MessageBody="one", MessageGroupId="g")
    assert duplicate["MessageId"] == first["MessageId"]
    assert "SequenceNumber" in first
    sqs.send_message(QueueUrl=url, MessageBody="two", MessageGroupId="g")
    (head,) = sqs.receive_message(QueueUrl=url, AttributeNames=["All"])["Messages"]
    assert head["Body"] == "one" and head["Attributes"]["MessageGroupId"] == "g"
    # The group is blocked while its first message is in flight.
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=head["ReceiptHandle"])
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url)["Messages"]] == ["two"]
    with pytest.raises(ClientError) as err:
        sqs.send_message(QueueUrl=url, MessageBody="no group")
    assert err.value.response["Error"]["Code"] == "MissingParameter"
    with pytest.raises(ClientError):
        sqs.create_queue(QueueName="not-fifo", Attributes={"FifoQueue": "true"})


def test_fifo_deduplication_id_is_the_key_whatever_the_body(sqs):
    url = sqs.create_queue(
        QueueName="dedup-ids.fifo",
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
    )["QueueUrl"]
    same_body = [
        sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g",
                         MessageDeduplicationId=dedup)["MessageId"]
        for dedup in ("id-1", "id-2")
    ]
    assert same_body[0] != same_body[1]
    same_id = [
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="g",
                         MessageDeduplicationId="id-3")["MessageId"]
        for body in ("first", "second")
    ]
    assert same_id[0] == same_id[1]
    bodies = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            break
        for message in messages:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert bodies == ["same", "same", "first"]


def test_content_based_deduplication_id_is_the_body_sha256(sqs):
    url = sqs.create_queue(
        QueueName="content-dedup.fifo",
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
    )["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="hash me", MessageGroupId="g")
    (message,) = sqs.receive_message(QueueUrl=url, AttributeNames=["All"])["Messages"]
    expected = hashlib.sha256(b"hash me").hexdigest()
    assert message["Attributes"]["MessageDeduplicationId"] == expected


def test_sender_id_is_the_senders_not_the_receivers(emulator):
    sender = emulator.client("sqs", access_key="111122223333")
    url = sender.create_queue(QueueName="sent-by")["QueueUrl"]
    sender.send_message(QueueUrl=url, MessageBody="from the owner")
    sender.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "batched"}])
    receiver = emulator.client("sqs", access_key="444455556666")
    # The queue URL names the owner's account; the receiver reads it with its own key.
    messages = receiver.receive_message(
        QueueUrl=url, AttributeNames=["SenderId"], MaxNumberOfMessages=10
    )["Messages"]
    assert [m["Attributes"]["SenderId"] for m in messages] == ["111122223333"] * 2
    identity = emulator.client("sts", access_key="111122223333").get_caller_identity()
    assert identity["UserId"] == "111122223333"


def test_attribute_digest_covers_the_attributes_returned(sqs):
    url = sqs.create_queue(QueueName="digest-subset")["QueueUrl"]
    attributes = {
        "colour": {"DataType": "String", "StringValue": "blue"},
        "size": {"DataType": "Number", "StringValue": "3"},
    }
    sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes=attributes)
    (message,) = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["colour"])["Messages"]
    assert message["MessageAttributes"] == {"colour": attributes["colour"]}
    assert message["MD5OfMessageAttributes"] == attributes_md5({"colour": attributes["colour"]})


def test_missing_required_parameter_is_missing_parameter(emulator):
    """SQS answers a missing required member `MissingParameter`, not InvalidParameterValue."""
    unchecked = emulator.client("sqs", parameter_validation=False)
    url = unchecked.create_queue(QueueName="needs-body")["QueueUrl"]
    with pytest.raises(ClientError) as err:
        unchecked.send_message(QueueUrl=url)
    error = err.value.response["Error"]
    assert error["Code"] == "MissingParameter"
    assert error["Message"] == "The request must contain the parameter MessageBody."
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    status, _, body = query(emulator, Action="SendMessage", QueueUrl=url)
    assert status == 400
    assert text(body, ".//q:Error/q:Code") == ["MissingParameter"]
    # A value that breaks a constraint is still InvalidParameterValue.
    with pytest.raises(ClientError) as err:
        unchecked.receive_message(QueueUrl=url, MaxNumberOfMessages=11)
    assert err.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_redrive_to_dead_letter_queue(sqs):
    dlq_url = sqs.create_queue(QueueName="dead-letters")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})
    url = sqs.create_queue(QueueName="with-dlq", Attributes={"RedrivePolicy": policy})["QueueUrl"]
    sent = sqs.send_message(QueueUrl=url, MessageBody="poison")
    for _ in range(2):
        (message,) = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"]
        assert message["MessageId"] == sent["MessageId"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    (dead,) = sqs.receive_message(QueueUrl=dlq_url)["Messages"]
    assert (dead["MessageId"], dead["Body"]) == (sent["MessageId"], "poison")


def test_state_is_namespaced_by_account_and_region(emulator):
    default = emulator.client("sqs")
    other_account = emulator.client("sqs", access_key="123456789012")
    other_region = emulator.client("sqs", region="eu-west-1")
    url = other_account.create_queue(QueueName="scoped")["QueueUrl"]
    assert "/123456789012/scoped" in url
    other_region.create_queue(QueueName="regional")
    assert "QueueUrls" not in default.list_queues(QueueNamePrefix="scoped")
    assert "QueueUrls" not in default.list_queues(QueueNamePrefix="regional")
    assert len(other_region.list_queues(QueueNamePrefix="regional")["QueueUrls"]) == 1


def post(emulator, body, headers):
    conn = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=10)
    conn.request("POST", "/", body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), data


def query(emulator, **params):
    body = urllib.parse.urlencode(params)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0",
    }
    return post(emulator, body, headers)


def text(xml, path):
    ns = {"q": "http://queue.amazonaws.com/doc/2012-11-05/"}
    return [e.text for e in ET.fromstring(xml).findall(path, ns)]


def test_query_protocol(emulator):
    status, _, body = query(emulator, Action="CreateQueue", QueueName="legacy", **{"Attribute.1.Name": "VisibilityTimeout", "Attribute.1.Value": "7"})
    assert status == 200, body
    (url,) = text(body, ".//q:QueueUrl")
    status, _, body = query(
        emulator, Action="SendMessage", QueueUrl=url, MessageBody="old sdk",
        **{"MessageAttribute.1.Name": "k", "MessageAttribute.1.Value.DataType": "String", "MessageAttribute.1.Value.StringValue": "v"},
    )
    assert status == 200, body
    assert text(body, ".//q:MD5OfMessageBody") == [hashlib.md5(b"old sdk").hexdigest()]
    expected = attributes_md5({"k": {"DataType": "String", "StringValue": "v"}})
    assert text(body, ".//q:MD5OfMessageAttributes") == [expected]
    status, _, body = query(emulator, Action="ReceiveMessage", QueueUrl=url, **{"MessageAttributeName.1": "All", "AttributeName.1": "All"})
    assert text(body, ".//q:Message/q:Body") == ["old sdk"]
    assert text(body, ".//q:Message/q:MessageAttribute/q:Value/q:StringValue") == ["v"]
    assert "ApproximateReceiveCount" in text(body, ".//q:Message/q:Attribute/q:Name")
    status, _, body = query(emulator, Action="GetQueueAttributes", QueueUrl=url, **{"AttributeName.1": "VisibilityTimeout"})
    assert text(body, ".//q:Attribute/q:Value") == ["7"]
    status, _, body = query(emulator, Action="GetQueueUrl", QueueName="nope")
    assert status == 400
    assert text(body, ".//q:Error/q:Code") == ["AWS.SimpleQueueService.NonExistentQueue"]
    status, _, body = query(emulator, Action="AddPermission", QueueUrl=url, Label="old",
                            **{"AWSAccountId.1": "111111111111", "ActionName.1": "SendMessage"})
    assert status == 200, body
    status, _, body = query(emulator, Action="GetQueueAttributes", QueueUrl=url, **{"AttributeName.1": "Policy"})
    (policy,) = text(body, ".//q:Attribute/q:Value")
    assert json.loads(policy)["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::111111111111:root"}
    status, _, body = query(emulator, Action="ListDeadLetterSourceQueues", QueueUrl=url)
    assert status == 501 and b"ListDeadLetterSourceQueues" in body


def test_malformed_form_body_is_a_validation_error(emulator):
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0",
    }
    status, _, body = post(emulator, b"Action=ListQueues&=orphan", headers)
    assert status == 400 and text(body, ".//q:Error/q:Code") == ["MalformedQueryString"]
    status, _, body = post(emulator, b"\xff\xfe", headers)
    assert status == 400 and text(body, ".//q:Error/q:Code") == ["MalformedQueryString"]
    status, _, body = post(emulator, b"QueueName=x", headers)
    assert status == 400 and text(body, ".//q:Error/q:Code") == ["MissingAction"]


def test_json_protocol_errors(emulator):
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "AmazonSQS.ListQueues",
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0",
    }
    status, _, body = post(emulator, b"{not json", headers)
    assert status == 400 and json.loads(body)["__type"].endswith("SerializationException")
    status, response_headers, body = post(emulator, b'{"QueueName": "absent"}', dict(headers, **{"X-Amz-Target": "AmazonSQS.GetQueueUrl"}))
    assert status == 400
    assert json.loads(body)["__type"] == "com.amazonaws.sqs#QueueDoesNotExist"
    assert response_headers["x-amzn-query-error"] == "AWS.SimpleQueueService.NonExistentQueue;Sender"
    status, _, body = post(emulator, b"{}", dict(headers, **{"X-Amz-Target": "AmazonSQS.ListDeadLetterSourceQueues"}))
    assert status == 501 and "ListDeadLetterSourceQueues" in json.loads(body)["message"]


def test_permissions_are_statements_of_the_queue_policy(sqs):
    url = sqs.create_queue(QueueName="shared")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.add_permission(QueueUrl=url, Label="producers", AWSAccountIds=["111111111111"], Actions=["SendMessage"])
    sqs.add_permission(QueueUrl=url, Label="all", AWSAccountIds=["222222222222", "333333333333"], Actions=["*"])
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
    assert policy["Id"] == f"{arn}/SQSDefaultPolicy"
    assert policy["Statement"] == [
        {"Sid": "producers", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
         "Action": "SQS:SendMessage", "Resource": arn},
        {"Sid": "all", "Effect": "Allow",
         "Principal": {"AWS": ["arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:root"]},
         "Action": "SQS:*", "Resource": arn},
    ]
    with pytest.raises(ClientError) as err:
        sqs.add_permission(QueueUrl=url, Label="producers", AWSAccountIds=["1"], Actions=["SendMessage"])
    assert err.value.response["Error"]["Message"] == "Value producers for parameter Label is invalid. Reason: Already exists."
    with pytest.raises(ClientError) as err:
        sqs.add_permission(QueueUrl=url, Label="x", AWSAccountIds=["111111111111"], Actions=["DeleteQueue"])
    assert "Only the queue owner" in err.value.response["Error"]["Message"]
    sqs.remove_permission(QueueUrl=url, Label="producers")
    sqs.remove_permission(QueueUrl=url, Label="all")
    assert "Attributes" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])
    with pytest.raises(ClientError) as err:
        sqs.remove_permission(QueueUrl=url, Label="all")
    assert err.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_empty_policies_remove_the_attribute_and_redrive_counts_are_numbers(sqs):
    dlq = sqs.create_queue(QueueName="dlq-for-policy")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(QueueName="policies")["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={
        "Policy": json.dumps({"Version": "2012-10-17", "Statement": []}),
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"}),
    })
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert json.loads(attrs["RedrivePolicy"]) == {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": "", "RedrivePolicy": ""})
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert "Policy" not in attrs and "RedrivePolicy" not in attrs
    missing = dlq_arn.replace("dlq-for-policy", "no-such-queue")
    with pytest.raises(ClientError) as err:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": missing, "maxReceiveCount": 3})})
    assert err.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_queue_defaults_and_message_validation(sqs):
    url = sqs.create_queue(QueueName="defaults.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["MaximumMessageSize"] == "1048576"
    assert (attrs["DeduplicationScope"], attrs["FifoThroughputLimit"]) == ("queue", "perQueue")
    with pytest.raises(ClientError) as err:
        sqs.send_message(QueueUrl=url, MessageBody="m", MessageGroupId="g", MessageDeduplicationId="d",
                         DelaySeconds=5)
    assert err.value.response["Error"]["Code"] == "InvalidParameterValue"
    with pytest.raises(ClientError) as err:
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "m"}])
    assert err.value.response["Error"]["Message"] == "The request must contain the parameter MessageGroupId."
    standard = sqs.create_queue(QueueName="validation")["QueueUrl"]
    with pytest.raises(ClientError) as err:
        sqs.send_message(QueueUrl=standard, MessageBody="m",
                         MessageAttributes={"bad name!": {"DataType": "String", "StringValue": "v"}})
    assert "The message attribute name 'bad name!' is invalid" in err.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as err:
        sqs.send_message_batch(QueueUrl=standard, Entries=[])
    assert err.value.response["Error"]["Message"] == (
        "There should be at least one SendMessageBatchRequestEntry in the request.")
    # A queue's bare name stands in for its URL.
    assert sqs.send_message(QueueUrl="validation", MessageBody="by name")["MessageId"]
    sqs.purge_queue(QueueUrl=standard)
    with pytest.raises(sqs.exceptions.PurgeQueueInProgress):
        sqs.purge_queue(QueueUrl=standard)


def test_visibility_changes_through_an_earlier_receipt_handle(sqs):
    url = sqs.create_queue(QueueName="old-handles", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="m")
    (first,) = sqs.receive_message(QueueUrl=url)["Messages"]
    time.sleep(1.2)
    (second,) = sqs.receive_message(QueueUrl=url)["Messages"]
    assert first["ReceiptHandle"] != second["ReceiptHandle"]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"], VisibilityTimeout=30)
    time.sleep(1.2)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
