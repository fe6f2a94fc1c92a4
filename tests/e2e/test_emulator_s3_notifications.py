"""S3 event notifications against `awsredirect serve`: uploads and deletes reach queues, topics
and Node.js functions (which use the AWS SDK for JavaScript v3 as Lambda's runtime provides it),
through boto3 and the AWS CLI; validation errors; the configuration survives a restart."""

import json
import os
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from emulator_support import Emulator, aws_env, run_aws, s3, sqs, wait_until  # noqa: F401  (fixtures)
from test_emulator_delivery import drain, queue
from test_emulator_lambda import ROLE, zipped


@pytest.fixture(scope="module")
def emulator():
    """A server whose NODE_PATH holds the AWS SDK for JavaScript v3, as Lambda's Node.js
    runtimes include it."""
    modules = os.environ.get("AWSREDIRECT_NODE_MODULES")
    if not modules or not Path(modules).is_dir():
        pytest.fail("AWSREDIRECT_NODE_MODULES must point at the npm packages scripts/test installs")
    server = Emulator(env=aws_env(NODE_PATH=modules))
    yield server
    server.stop()


def records(messages):
    """The S3 event records in SQS message bodies, skipping test events."""
    out = []
    for m in messages:
        body = json.loads(m["Body"])
        if "Message" in body and "TopicArn" in body:  # an SNS envelope
            body = json.loads(body["Message"])
        out.extend(body.get("Records", []))
    return out


def queue_config(arn, events, prefix=None, suffix=None, id=None):
    config = {"QueueArn": arn, "Events": events}
    rules = [{"Name": n, "Value": v} for n, v in (("prefix", prefix), ("suffix", suffix)) if v is not None]
    if rules:
        config["Filter"] = {"Key": {"FilterRules": rules}}
    if id:
        config["Id"] = id
    return config


def test_a_queue_gets_the_test_event_then_only_matching_keys(s3, sqs):
    url, arn = queue(sqs, "csv-uploads")
    s3.create_bucket(Bucket="incoming")
    s3.put_bucket_notification_configuration(
        Bucket="incoming",
        NotificationConfiguration={"QueueConfigurations": [
            queue_config(arn, ["s3:ObjectCreated:*"], prefix="in/", suffix=".csv", id="csv")]},
    )
    test_events = [json.loads(m["Body"]) for m in drain(sqs, url, 1)]
    assert test_events[0]["Event"] == "s3:TestEvent" and test_events[0]["Service"] == "Amazon S3"
    assert test_events[0]["Bucket"] == "incoming" and test_events[0]["RequestId"]

    put = s3.put_object(Bucket="incoming", Key="in/a b.csv", Body=b"1,2,3")
    s3.put_object(Bucket="incoming", Key="in/a.txt", Body=b"no")
    s3.put_object(Bucket="incoming", Key="out/b.csv", Body=b"no")
    s3.copy_object(Bucket="incoming", Key="in/copy.csv", CopySource="incoming/in/a b.csv")
    upload = s3.create_multipart_upload(Bucket="incoming", Key="in/parts.csv")
    part = s3.upload_part(Bucket="incoming", Key="in/parts.csv", UploadId=upload["UploadId"],
                          PartNumber=1, Body=b"x" * 10)
    s3.complete_multipart_upload(Bucket="incoming", Key="in/parts.csv", UploadId=upload["UploadId"],
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    s3.delete_object(Bucket="incoming", Key="in/a b.csv")  # not a created event: not wanted

    got = records(drain(sqs, url, 3))
    assert [(r["eventName"], r["s3"]["object"]["key"]) for r in got] == [
        ("ObjectCreated:Put", "in/a+b.csv"),
        ("ObjectCreated:Copy", "in/copy.csv"),
        ("ObjectCreated:CompleteMultipartUpload", "in/parts.csv"),
    ]
    first = got[0]
    assert first["eventVersion"] == "2.1" and first["eventSource"] == "aws:s3"
    assert first["awsRegion"] == "us-east-1" and first["eventTime"].endswith("Z")
    assert first["requestParameters"]["sourceIPAddress"]
    assert first["responseElements"]["x-amz-request-id"] == put["ResponseMetadata"]["RequestId"]
    assert first["s3"]["s3SchemaVersion"] == "1.0" and first["s3"]["configurationId"] == "csv"
    assert first["s3"]["bucket"]["name"] == "incoming"
    assert first["s3"]["bucket"]["arn"] == "arn:aws:s3:::incoming"
    assert first["s3"]["object"]["size"] == 5
    assert first["s3"]["object"]["eTag"] == put["ETag"].strip('"')
    sequencers = [r["s3"]["object"]["sequencer"] for r in got]
    assert sequencers == sorted(sequencers) and len(set(sequencers)) == 3
    assert drain(sqs, url, 1, timeout=1) == []


def test_a_topic_gets_delete_events(s3, sqs, emulator):
    url, arn = queue(sqs, "removed-via-topic")
    sns = emulator.client("sns")
    topic = sns.create_topic(Name="removals")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    s3.create_bucket(Bucket="shrinking")
    s3.put_object(Bucket="shrinking", Key="logs/1.log", Body=b"a")
    s3.put_object(Bucket="shrinking", Key="logs/2.log", Body=b"b")
    s3.put_object(Bucket="shrinking", Key="keep/3.log", Body=b"c")
    s3.put_bucket_notification_configuration(
        Bucket="shrinking",
        NotificationConfiguration={"TopicConfigurations": [{
            "TopicArn": topic, "Events": ["s3:ObjectRemoved:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "Prefix", "Value": "logs/"}]}}}]},
    )
    envelope = json.loads(drain(sqs, url, 1)[0]["Body"])
    assert json.loads(envelope["Message"])["Event"] == "s3:TestEvent"
    s3.put_object(Bucket="shrinking", Key="logs/4.log", Body=b"created: not wanted")
    s3.delete_object(Bucket="shrinking", Key="logs/1.log")
    s3.delete_objects(Bucket="shrinking", Delete={"Objects": [{"Key": "logs/2.log"}, {"Key": "keep/3.log"}]})
    got = records(drain(sqs, url, 2))
    assert sorted((r["eventName"], r["s3"]["object"]["key"]) for r in got) == [
        ("ObjectRemoved:Delete", "logs/1.log"),
        ("ObjectRemoved:Delete", "logs/2.log"),
    ]
    assert all(set(r["s3"]["object"]) == {"key", "sequencer"} for r in got)
    assert drain(sqs, url, 1, timeout=1) == []


HANDLER_ESM = """
import { SQSClient, SendMessageCommand } from "@aws-sdk/client-sqs";

export const handler = async (event) => {
  const sqs = new SQSClient({ endpoint: process.env.AWS_ENDPOINT_URL });
  for (const record of event.Records) {
    const body = JSON.stringify({ via: "esm", name: record.eventName, key: record.s3.object.key });
    await sqs.send(new SendMessageCommand({ QueueUrl: process.env.OUT, MessageBody: body }));
  }
  return "done";
};
"""

HANDLER_CJS = """
const { SQSClient, SendMessageCommand } = require("@aws-sdk/client-sqs");

exports.handler = async (event) => {
  const sqs = new SQSClient({ endpoint: process.env.AWS_ENDPOINT_URL });
  for (const record of event.Records) {
    const body = JSON.stringify({ via: "cjs", name: record.eventName, key: record.s3.object.key });
    await sqs.send(new SendMessageCommand({ QueueUrl: process.env.OUT, MessageBody: body }));
  }
};
"""


def test_an_upload_runs_a_nodejs_function(s3, sqs, emulator):
    out, _ = queue(sqs, "from-node")
    lam = emulator.client("lambda")
    arns = {}
    for name, files in (("on-upload-esm", {"index.mjs": HANDLER_ESM}),
                        ("on-upload-cjs", {"index.js": HANDLER_CJS})):
        arns[name] = lam.create_function(
            FunctionName=name, Runtime="nodejs20.x", Role=ROLE, Handler="index.handler",
            Code={"ZipFile": zipped(files)}, Timeout=30, Environment={"Variables": {"OUT": out}},
        )["FunctionArn"]
    s3.create_bucket(Bucket="uploads")
    s3.put_bucket_notification_configuration(
        Bucket="uploads",
        NotificationConfiguration={"LambdaFunctionConfigurations": [
            {"LambdaFunctionArn": arns["on-upload-esm"], "Events": ["s3:ObjectCreated:Put"],
             "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "esm/"}]}}},
            {"LambdaFunctionArn": arns["on-upload-cjs"], "Events": ["s3:ObjectCreated:*"],
             "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "cjs/"}]}}},
        ]},
    )
    s3.put_object(Bucket="uploads", Key="esm/photo.jpg", Body=b"jpg")
    s3.put_object(Bucket="uploads", Key="cjs/doc.txt", Body=b"txt")
    s3.put_object(Bucket="uploads", Key="other/x", Body=b"x")
    got = sorted(json.dumps(json.loads(m["Body"]), sort_keys=True) for m in drain(sqs, out, 2, timeout=60))
    assert [json.loads(g) for g in got] == [
        {"key": "cjs/doc.txt", "name": "ObjectCreated:Put", "via": "cjs"},
        {"key": "esm/photo.jpg", "name": "ObjectCreated:Put", "via": "esm"},
    ]
    assert drain(sqs, out, 1, timeout=3) == []


def test_the_configuration_is_answered_and_an_empty_one_removes_it(s3, sqs, emulator):
    _, arn = queue(sqs, "configured")
    topic = emulator.client("sns").create_topic(Name="configured")["TopicArn"]
    s3.create_bucket(Bucket="configured")
    assert "QueueConfigurations" not in s3.get_bucket_notification_configuration(Bucket="configured")
    s3.put_bucket_notification_configuration(
        Bucket="configured",
        NotificationConfiguration={
            "QueueConfigurations": [queue_config(arn, ["s3:ObjectCreated:*"], suffix=".png")],
            "TopicConfigurations": [{"Id": "t", "TopicArn": topic, "Events": ["s3:ObjectRemoved:Delete"]}],
            "EventBridgeConfiguration": {},
        },
    )
    got = s3.get_bucket_notification_configuration(Bucket="configured")
    [q] = got["QueueConfigurations"]
    assert q["QueueArn"] == arn and q["Events"] == ["s3:ObjectCreated:*"] and q["Id"]
    assert q["Filter"] == {"Key": {"FilterRules": [{"Name": "Suffix", "Value": ".png"}]}}
    assert got["TopicConfigurations"] == [{"Id": "t", "TopicArn": topic, "Events": ["s3:ObjectRemoved:Delete"]}]
    assert got["EventBridgeConfiguration"] == {}
    s3.put_bucket_notification_configuration(Bucket="configured", NotificationConfiguration={})
    got = s3.get_bucket_notification_configuration(Bucket="configured")
    assert not {"QueueConfigurations", "TopicConfigurations", "EventBridgeConfiguration"} & set(got)


def error_of(call):
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response["Error"]


def test_invalid_configurations_are_refused(s3, sqs):
    _, arn = queue(sqs, "validated")
    s3.create_bucket(Bucket="validated")

    def put(*configs):
        return lambda: s3.put_bucket_notification_configuration(
            Bucket="validated", NotificationConfiguration={"QueueConfigurations": list(configs)})

    err = error_of(put(queue_config(arn, ["s3:ObjectCreated:Nope"])))
    assert err["Code"] == "InvalidArgument" and "not supported" in err["Message"]
    err = error_of(put(queue_config(arn, ["s3:ObjectCreated:*"], prefix="a/"),
                       queue_config(arn, ["s3:ObjectCreated:Put"], prefix="a/b/")))
    assert err["Code"] == "InvalidArgument" and "overlapping" in err["Message"]
    missing = "arn:aws:sqs:us-east-1:000000000000:no-such-queue"
    err = error_of(put(queue_config(missing, ["s3:ObjectCreated:*"])))
    assert err["Code"] == "InvalidArgument"
    assert err["Message"] == "Unable to validate the following destination configurations"
    assert err["ArgumentName1"] == missing
    function = "arn:aws:lambda:us-east-1:000000000000:function:no-such-function"
    err = error_of(lambda: s3.put_bucket_notification_configuration(
        Bucket="validated", NotificationConfiguration={"LambdaFunctionConfigurations": [
            {"LambdaFunctionArn": function, "Events": ["s3:ObjectCreated:*"]}]}))
    assert err["Message"] == "Unable to validate the following destination configurations"
    for malformed in ["arn:aws:{}:us-east-1:000000000000:validated", arn.replace(":sqs:", ":sns:"), "validated"]:
        err = error_of(put(queue_config(malformed, ["s3:ObjectCreated:*"])))
        assert (err["Code"], err["Message"]) == ("InvalidArgument", "The ARN is not well formed"), malformed
    err = error_of(put(queue_config(arn.replace("us-east-1", "us-west-2"), ["s3:ObjectCreated:*"])))
    assert err["Message"] == (
        "The notification destination service region is not valid for the bucket location constraint")
    # Non-overlapping filters for one event type are fine.
    put(queue_config(arn, ["s3:ObjectCreated:*"], prefix="a/"),
        queue_config(arn, ["s3:ObjectCreated:*"], prefix="b/"))()
    # Nothing refused was stored.
    assert len(s3.get_bucket_notification_configuration(Bucket="validated")["QueueConfigurations"]) == 2
    err = error_of(lambda: s3.get_bucket_notification_configuration(Bucket="no-such-bucket"))
    assert err["Code"] == "NoSuchBucket"


def test_the_aws_cli(emulator, sqs, tmp_path):
    url, arn = queue(sqs, "cli-events")
    run_aws(emulator, "s3api", "create-bucket", "--bucket", "cli-bucket")
    config = tmp_path / "notification.json"
    config.write_text(json.dumps({"QueueConfigurations": [
        {"Id": "cli", "QueueArn": arn, "Events": ["s3:ObjectCreated:Put"]}]}))
    run_aws(emulator, "s3api", "put-bucket-notification-configuration", "--bucket", "cli-bucket",
            "--notification-configuration", f"file://{config}")
    shown = json.loads(run_aws(emulator, "s3api", "get-bucket-notification-configuration",
                               "--bucket", "cli-bucket").stdout)
    assert shown["QueueConfigurations"] == [{"Id": "cli", "QueueArn": arn, "Events": ["s3:ObjectCreated:Put"]}]
    body = tmp_path / "hello.txt"
    body.write_text("hello")
    run_aws(emulator, "s3", "cp", str(body), "s3://cli-bucket/hello.txt")
    got = records(drain(sqs, url, 2))
    assert [(r["eventName"], r["s3"]["object"]["key"], r["s3"]["object"]["size"]) for r in got] == [
        ("ObjectCreated:Put", "hello.txt", 5)]
    bad = run_aws(emulator, "s3api", "put-bucket-notification-configuration", "--bucket", "cli-bucket",
                  "--notification-configuration",
                  json.dumps({"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:Bogus"]}]}),
                  check=False)
    assert bad.returncode != 0 and "InvalidArgument" in bad.stderr


def test_the_configuration_survives_a_restart(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    server = Emulator(state_dir=state)
    sqs = server.client("sqs")
    url, arn = queue(sqs, "durable-events")
    s3 = server.client("s3")
    s3.create_bucket(Bucket="durable")
    s3.put_bucket_notification_configuration(
        Bucket="durable",
        NotificationConfiguration={"QueueConfigurations": [queue_config(arn, ["s3:ObjectCreated:*"], id="kept")]},
    )
    server.kill9()
    again = Emulator(state_dir=state)
    try:
        s3 = again.client("s3")
        sqs = again.client("sqs")
        [q] = s3.get_bucket_notification_configuration(Bucket="durable")["QueueConfigurations"]
        assert q["Id"] == "kept" and q["QueueArn"] == arn
        s3.put_object(Bucket="durable", Key="after-restart", Body=b"x")
        assert wait_until(lambda: any(
            r["s3"]["object"]["key"] == "after-restart" for r in records(drain(sqs, url, 1, timeout=2))
        ), timeout=10)
    finally:
        again.stop()


def test_the_legacy_calls_share_the_configuration(s3, sqs):
    url, arn = queue(sqs, "legacy-events")
    s3.create_bucket(Bucket="legacy")
    s3.put_bucket_notification(
        Bucket="legacy",
        NotificationConfiguration={"QueueConfiguration": {"Id": "old", "Queue": arn,
                                                          "Events": ["s3:ObjectCreated:Put"]}},
    )
    assert s3.get_bucket_notification(Bucket="legacy")["QueueConfiguration"]["Queue"] == arn
    [q] = s3.get_bucket_notification_configuration(Bucket="legacy")["QueueConfigurations"]
    assert (q["Id"], q["QueueArn"], q["Events"]) == ("old", arn, ["s3:ObjectCreated:Put"])
    s3.put_object(Bucket="legacy", Key="k", Body=b"v")
    assert [r["s3"]["configurationId"] for r in records(drain(sqs, url, 2))] == ["old"]
