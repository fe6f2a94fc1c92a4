#!/bin/sh
aws s3 ls
aws sqs list-queues --endpoint-url=
