#!/usr/bin/env python3
"""Generates a synthetic monorepo for the awsredirect benchmark, deterministically from a seed.

Python, JavaScript, TypeScript and shell files in realistic sizes (median about 150 lines, a few
over 3,000); about 30% of them use the AWS SDKs / CLI in every form the detectors support, the rest
is ordinary code. A node_modules and a virtualenv, which every tool should skip, come along.

    benches/generate.py OUT_DIR [--files N] [--seed S]
"""
import argparse
import math
import os
import random

PY_SDK = [
    'client = boto3.client("s3", region_name="us-east-1")',
    "table = boto3.resource('dynamodb').Table('orders')",
    'session = boto3.Session(profile_name="dev")\nqueue = session.client("sqs")',
    'bucket = boto3.session.Session().resource("s3").Bucket("data")',
    'events = boto3.client(\n    "events",\n    region_name="eu-west-1",\n)',
    "sns = botocore.session.get_session().create_client('sns')",
    'kinesis = boto3.client(service_name="kinesis", endpoint_url="http://localhost:4566")',
    'def make(**kw):\n    return boto3.client("sts", **kw)',
]
PY_IMPORTS = "import boto3\nimport boto3.session\nimport botocore.session\n"

JS_SDK = [
    'const s3 = new S3Client({ region: "us-east-1" });',
    "const sqs = new SQSClient({\n  region: 'eu-west-1',\n});",
    "const legacy = new AWS.DynamoDB.DocumentClient();",
    "const bucket = new AWS.S3;",
    'const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));',
    'const local = new S3Client({ endpoint: "http://localhost:4566", forcePathStyle: true });',
]
JS_IMPORTS = (
    'import { S3Client, PutObjectCommand } from "@aws-sdk/client-s3";\n'
    'import { SQSClient } from "@aws-sdk/client-sqs";\n'
    'import { DynamoDBClient } from "@aws-sdk/client-dynamodb";\n'
    'import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";\n'
    "import AWS from 'aws-sdk';\n"
)

SH_SDK = [
    "aws s3 cp ./build s3://artifacts/ --recursive",
    'AWS_PAGER="" aws sqs list-queues',
    'queue_url=$(aws sqs get-queue-url --queue-name jobs --query QueueUrl --output text)',
    "aws dynamodb scan --table-name orders | jq .Count",
    "aws --endpoint-url http://localhost:4566 s3 ls",
    'if aws s3 ls "s3://$BUCKET"; then echo exists; fi',
]


def lines_for(rng):
    """A log-normal size: median about 150 lines, with a long tail past 3,000."""
    return max(8, min(6000, int(math.exp(rng.gauss(math.log(150), 0.9)))))


def py_filler(rng, i):
    n = rng.randint(1, 4)
    body = "\n".join(f"        total += item.value * {rng.randint(1, 9)}  # step {k}" for k in range(n))
    return f'''

def compute_{i}(items, factor={rng.randint(1, 99)}):
    """Computes a weighted total for batch {i}."""
    total = 0
    for item in items:
{body}
    if total > {rng.randint(100, 999)}:
        return total // factor
    return [x for x in range(total) if x % {rng.randint(2, 7)} == 0]
'''


def js_filler(rng, i, typed):
    t = ": number" if typed else ""
    return f'''
export function compute{i}(items{": Array<{ value: number }>" if typed else ""}, factor{t} = {rng.randint(1, 99)}){t if typed else ""} {{
  // Weighted total for batch {i}.
  let total = 0;
  for (const item of items) {{
    total += item.value * {rng.randint(1, 9)};
  }}
  return total > {rng.randint(100, 999)} ? Math.floor(total / factor) : total;
}}
'''


def sh_filler(rng, i):
    return f'''
step_{i}() {{
  local count=0
  for f in "$@"; do
    count=$((count + {rng.randint(1, 9)}))
    echo "processing $f ($count)"
  done
  [ "$count" -gt {rng.randint(10, 99)} ] && echo "large batch {i}"
}}
'''


def build(rng, header, filler, sdk_forms, target_lines, uses_sdk, indent=""):
    parts = [header]
    count = header.count("\n")
    i = 0
    while count < target_lines:
        if uses_sdk and rng.random() < 0.08:
            snippet = "\n" + rng.choice(sdk_forms) + "\n"
        else:
            snippet = filler(i)
        parts.append(snippet)
        count += snippet.count("\n")
        i += 1
    if uses_sdk:
        parts.append("\n" + rng.choice(sdk_forms) + "\n")
    return "".join(parts)


def source(rng, kind, uses_sdk):
    n = lines_for(rng)
    if kind == "py":
        header = ('"""Service module."""\n' + (PY_IMPORTS if uses_sdk else "import os\nimport json\n"))
        return build(rng, header, lambda i: py_filler(rng, i), PY_SDK, n, uses_sdk)
    if kind in ("js", "ts"):
        header = "// Service module.\n" + (JS_IMPORTS if uses_sdk else 'import path from "node:path";\n')
        return build(rng, header, lambda i: js_filler(rng, i, kind == "ts"), JS_SDK, n, uses_sdk)
    header = "#!/usr/bin/env bash\nset -euo pipefail\n"
    return build(rng, header, lambda i: sh_filler(rng, i), SH_SDK, n // 2, uses_sdk)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    kinds = ["py"] * 45 + ["js"] * 20 + ["ts"] * 15 + ["sh"] * 20
    for i in range(args.files):
        kind = rng.choice(kinds)
        uses_sdk = rng.random() < 0.30
        service = f"services/svc{i % 97:02d}/{'lib' if i % 3 else 'handlers'}"
        write(os.path.join(args.out, service, f"mod_{i}.{kind}"), source(rng, kind, uses_sdk))
    # What every tool must skip: dependencies and a virtualenv full of SDK code.
    write(os.path.join(args.out, ".gitignore"), "node_modules/\n.venv/\n")
    for i in range(200):
        write(os.path.join(args.out, f"node_modules/pkg{i}/index.js"), JS_IMPORTS + JS_SDK[0] + "\n")
        write(os.path.join(args.out, f".venv/lib/python3.11/site-packages/mod{i}.py"), PY_IMPORTS + PY_SDK[0] + "\n")
    write(os.path.join(args.out, ".venv/pyvenv.cfg"), "home = /usr/bin\n")


if __name__ == "__main__":
    main()
