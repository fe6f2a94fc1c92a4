import boto3

s3 = boto3.client("s3")
queues = boto3.client("sqs", **settings)
QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/orders"
topics = boto3.client("sns", endpoint_url=None)
quiet = boto3.client("ssm")  # awsredirect: ignore[AR001]


def handler(session):
    return session.client("lambda")
