"""An unpatched boto3 program: no endpoint in code or environment. Under `awsredirect run` every
call lands on the emulator; prints "ok"."""
import boto3
from botocore.config import Config

session = boto3.Session()

# S3, path-style and virtual-hosted, in two regions.
path_style = session.client("s3", config=Config(s3={"addressing_style": "path"}))
path_style.create_bucket(Bucket="py-path")
path_style.put_object(Bucket="py-path", Key="a.txt", Body=b"path")
assert path_style.get_object(Bucket="py-path", Key="a.txt")["Body"].read() == b"path"

virtual = session.client("s3", config=Config(s3={"addressing_style": "virtual"}))
virtual.create_bucket(Bucket="py-virtual")
virtual.put_object(Bucket="py-virtual", Key="b.txt", Body=b"virtual")
assert virtual.get_object(Bucket="py-virtual", Key="b.txt")["Body"].read() == b"virtual"
# The same bucket through the path-style client: one store behind both names.
assert path_style.get_object(Bucket="py-virtual", Key="b.txt")["Body"].read() == b"virtual"

eu = session.client("s3", region_name="eu-west-1")
eu.create_bucket(Bucket="py-eu", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
eu.put_object(Bucket="py-eu", Key="c.txt", Body=b"eu")
assert [o["Key"] for o in eu.list_objects_v2(Bucket="py-eu")["Contents"]] == ["c.txt"]
assert eu.get_bucket_location(Bucket="py-eu")["LocationConstraint"] == "eu-west-1"

# SQS in two regions: the queue URLs are the real AWS hosts, over HTTPS.
for region in ("us-east-1", "eu-west-1"):
    sqs = session.client("sqs", region_name=region)
    url = sqs.create_queue(QueueName="py-jobs")["QueueUrl"]
    assert url.startswith(f"https://sqs.{region}.amazonaws.com/"), url
    sqs.send_message(QueueUrl=url, MessageBody=f"hello {region}")
    messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    assert messages[0]["Body"] == f"hello {region}"
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert arn == f"arn:aws:sqs:{region}:000000000000:py-jobs", arn

# DynamoDB.
ddb = session.client("dynamodb")
ddb.create_table(
    TableName="py-table",
    KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
    BillingMode="PAY_PER_REQUEST",
)
ddb.put_item(TableName="py-table", Item={"id": {"S": "1"}, "n": {"N": "42"}})
assert ddb.get_item(TableName="py-table", Key={"id": {"S": "1"}})["Item"]["n"] == {"N": "42"}

# STS.
assert session.client("sts").get_caller_identity()["Account"] == "000000000000"
print("ok")
