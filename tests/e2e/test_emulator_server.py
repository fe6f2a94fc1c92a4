"""The server itself: ready line, health, routing, STS, shutdown, and persistence."""

import json
import os
import signal
import subprocess
import threading
import time
import urllib.request

import pytest
from botocore.exceptions import ClientError

from emulator_support import BIN, Emulator, emulator, sts  # noqa: F401  (fixtures)


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def test_ready_line_names_the_chosen_port(emulator):
    assert emulator.ready_line.startswith("listening on http://127.0.0.1:")
    assert emulator.port > 0


def test_health_endpoints(emulator):
    ours = get_json(emulator.url + "/_awsredirect/health")
    assert set(ours["services"]) == {
        "dynamodb", "events", "iam", "lambda", "s3", "secretsmanager", "sns", "sqs", "ssm", "sts"
    }
    localstack = get_json(emulator.url + "/_localstack/health")
    assert localstack["services"]["s3"] in ("running", "available")
    assert localstack["services"]["sqs"] in ("running", "available")


def test_get_caller_identity(sts, emulator):
    identity = sts.get_caller_identity()
    assert identity["Account"] == "000000000000"
    assert identity["Arn"] == "arn:aws:iam::000000000000:root"
    other = emulator.client("sts", access_key="123456789012").get_caller_identity()
    assert other["Account"] == "123456789012"


def test_unimplemented_sts_operation(sts):
    with pytest.raises(ClientError) as err:
        sts.decode_authorization_message(EncodedMessage="m")
    assert err.value.response["Error"]["Code"] == "NotImplemented"
    assert "DecodeAuthorizationMessage" in err.value.response["Error"]["Message"]


def test_unknown_service_is_refused_clearly(emulator):
    kinesis = emulator.client("kinesis")
    with pytest.raises(ClientError) as err:
        kinesis.list_streams()
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert "kinesis" in str(err.value)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signals_stop_the_server_cleanly(sig):
    server = Emulator()
    assert server.stop(sig) == 0


def test_shutdown_answers_a_pending_long_poll_and_exits():
    server = Emulator()
    sqs = server.client("sqs", read_timeout=30)
    url = sqs.create_queue(QueueName="draining")["QueueUrl"]
    outcome = {}

    def poll():
        outcome["response"] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)

    thread = threading.Thread(target=poll)
    thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    assert server.stop() == 0
    thread.join(timeout=10)
    assert time.monotonic() - started < 5
    assert "Messages" not in outcome["response"]


def test_invalid_host_is_an_error():
    result = subprocess.run([BIN, "serve", "--host", "not a host", "--port", "0"], capture_output=True, text=True, timeout=20)
    assert result.returncode == 2
    assert "invalid host" in result.stderr


def fill(server):
    s3 = server.client("s3")
    sqs = server.client("sqs")
    s3.create_bucket(Bucket="kept")
    s3.put_object(Bucket="kept", Key="k", Body=b"persisted", Metadata={"a": "b"})
    s3.put_object(Bucket="kept", Key="gone", Body=b"x")
    s3.delete_object(Bucket="kept", Key="gone")
    url = sqs.create_queue(QueueName="kept", Attributes={"VisibilityTimeout": "5"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="survives")
    sqs.send_message(QueueUrl=url, MessageBody="deleted")
    (message,) = [m for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"] if m["Body"] == "deleted"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    upload = s3.create_multipart_upload(Bucket="kept", Key="pending")["UploadId"]
    s3.upload_part(Bucket="kept", Key="pending", UploadId=upload, PartNumber=1, Body=b"part")
    return upload


def check(server, upload):
    s3 = server.client("s3")
    sqs = server.client("sqs")
    got = s3.get_object(Bucket="kept", Key="k")
    assert got["Body"].read() == b"persisted" and got["Metadata"] == {"a": "b"}
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="kept")["Contents"]] == ["k"]
    assert [p["PartNumber"] for p in s3.list_parts(Bucket="kept", Key="pending", UploadId=upload)["Parts"]] == [1]
    url = sqs.get_queue_url(QueueName="kept")["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "5"
    bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])]
    assert bodies == ["survives"]


def test_state_survives_a_clean_restart(tmp_path):
    server = Emulator(state_dir=tmp_path)
    upload = fill(server)
    assert server.stop() == 0
    restarted = Emulator(state_dir=tmp_path)
    try:
        check(restarted, upload)
    finally:
        restarted.stop()


def test_acknowledged_writes_survive_kill_9(tmp_path):
    server = Emulator(state_dir=tmp_path)
    upload = fill(server)
    server.kill9()
    restarted = Emulator(state_dir=tmp_path)
    try:
        check(restarted, upload)
        # A second generation on top of the compacted journal.
        restarted.client("s3").put_object(Bucket="kept", Key="second", Body=b"2")
        restarted.kill9()
        third = Emulator(state_dir=tmp_path)
        assert third.client("s3").get_object(Bucket="kept", Key="second")["Body"].read() == b"2"
        third.stop()
    finally:
        restarted.stop()


def test_in_memory_state_is_not_kept():
    server = Emulator()
    server.client("s3").create_bucket(Bucket="ephemeral")
    server.stop()
    again = Emulator()
    try:
        assert again.client("s3").list_buckets()["Buckets"] == []
    finally:
        again.stop()


def test_corrupt_state_is_reported_not_dropped(tmp_path):
    server = Emulator(state_dir=tmp_path)
    server.client("s3").create_bucket(Bucket="precious")
    server.stop()
    journal = tmp_path / "journal.arj"
    data = bytearray(journal.read_bytes())
    data[30] ^= 0xFF
    journal.write_bytes(bytes(data))
    result = subprocess.run([BIN, "serve", "--port", "0", "--state-dir", str(tmp_path)], capture_output=True, text=True, timeout=20)
    assert result.returncode == 2
    assert "corrupt" in result.stderr and "journal.arj" in result.stderr
    assert journal.read_bytes() == bytes(data), "the corrupt file must be left as it was"


def test_torn_last_write_is_reported_and_kept_aside(tmp_path):
    server = Emulator(state_dir=tmp_path)
    server.client("s3").create_bucket(Bucket="kept")
    server.stop()
    journal = tmp_path / "journal.arj"
    with open(journal, "ab") as f:
        f.write(b"\x10\x00\x00")
    restarted = Emulator(state_dir=tmp_path)
    try:
        assert [b["Name"] for b in restarted.client("s3").list_buckets()["Buckets"]] == ["kept"]
        restarted.stop()
        assert "incomplete write" in restarted.stderr()
        torn = [p for p in os.listdir(tmp_path) if ".torn-" in p]
        assert len(torn) == 1
        assert (tmp_path / torn[0]).read_bytes() == b"\x10\x00\x00"
    finally:
        restarted.stop()


def test_garbage_requests_never_break_the_server(emulator):
    """Seeded random requests at every protocol: each gets an answer (never a 500 or a dropped
    connection) and the server keeps serving."""
    import http.client
    import random

    rng = random.Random(6)
    auth = "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/{}/aws4_request, SignedHeaders=host, Signature=0"
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="fuzz")
    s3.put_object(Bucket="fuzz", Key="k", Body=b"0123456789")
    paths = ["/", "/fuzz", "/fuzz/k", "/fuzz/k?uploadId=x&partNumber=99999999999", "/fuzz?list-type=2&max-keys=-1",
             "/fuzz?list-type=2&continuation-token=%%%", "/fuzz/k?part-number-marker=4294967295&uploadId=u",
             "/fuzz?delete", "/%ff%fe/%00", "/fuzz/k?acl", "/000000000000/q"]
    targets = [None, "AmazonSQS.SendMessage", "AmazonSQS.ReceiveMessage", "AmazonSQS.Nope", "DynamoDB_20120810.GetItem", "AmazonSQS"]
    bodies = [b"", b"{", b"[]", b'{"QueueUrl": 5, "MaxNumberOfMessages": "x"}', b"Action=SendMessage&QueueUrl=%zz",
              b"<Delete><Object><Key>a</Key></Object></Delete>", b"<<<>>>", bytes(rng.randrange(256) for _ in range(64)),
              b"5\r\nabc", b'{"QueueUrl": "http://x/000000000000/none", "WaitTimeSeconds": 99}']
    for _ in range(300):
        headers = {"Authorization": auth.format(rng.choice(["s3", "sqs", "sts", "kinesis"]))}
        target = rng.choice(targets)
        if target:
            headers["X-Amz-Target"] = target
            headers["Content-Type"] = "application/x-amz-json-1.0"
        if rng.random() < 0.3:
            headers["Content-Encoding"] = "aws-chunked"
        if rng.random() < 0.2:
            headers["Range"] = rng.choice(["bytes=5-2", "bytes=-0", "bytes=99999999999999999999-", "bytes=x-y"])
        method = rng.choice(["GET", "PUT", "POST", "DELETE", "HEAD", "PATCH"])
        conn = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=10)
        conn.request(method, rng.choice(paths), body=rng.choice(bodies), headers=headers)
        response = conn.getresponse()
        response.read()
        conn.close()
        assert response.status < 500 or response.status == 501, (method, response.status)
    assert s3.get_object(Bucket="fuzz", Key="k")["Body"].read() == b"0123456789"
    assert emulator.proc.poll() is None
