"""Side-by-side benchmark of `awsredirect serve` and moto's server, started the same way.

Measures for each server: cold start until the first answered request, idle RSS, requests per
second from one boto3 client (S3 PutObject / GetObject of 1 KiB, SQS send + receive + delete,
DynamoDB PutItem / GetItem / Query of ten items), the
same under the concurrent load generator (emulator/benches/load.rs), and RSS after the load.
Run it through scripts/bench-emulator, which builds and installs what it needs.

With --durable it measures write throughput with `--state-dir` instead (no moto): S3 PutObject,
SQS SendMessage and DynamoDB PutItem under the load generator, each server started on a fresh
state directory, --repeat times, interleaved between `--awsredirect` and an optional
`--baseline` build (say, the previous commit's), reporting the median of the runs."""

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import tempfile
import time

import boto3
from botocore.config import Config

S3_AUTH = "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answered(port):
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        conn.request("GET", "/", headers={"Authorization": S3_AUTH})
        conn.getresponse().read()
        conn.close()
        return True
    except OSError:
        return False


def start(command, port):
    """Starts a server; returns (process, seconds until the first answered request)."""
    started = time.perf_counter()
    proc = subprocess.Popen(command(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not answered(port):
        if proc.poll() is not None:
            raise RuntimeError(f"{command(port)} exited with {proc.returncode}")
        if time.perf_counter() - started > 60:
            raise RuntimeError("server did not answer within 60 s")
        time.sleep(0.002)
    return proc, time.perf_counter() - started


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def client(service, port):
    return boto3.client(
        service,
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}),
    )


def rate(count, action):
    started = time.perf_counter()
    for i in range(count):
        action(i)
    return count / (time.perf_counter() - started)


def boto3_rates(port, count):
    s3 = client("s3", port)
    sqs = client("sqs", port)
    payload = b"x" * 1024
    s3.put_object(Bucket="bench", Key="fixed", Body=payload)
    url = sqs.get_queue_url(QueueName="bench")["QueueUrl"]

    def sqs_round(i):
        sqs.send_message(QueueUrl=url, MessageBody="x" * 256)
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1).get("Messages", []):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])

    ddb = client("dynamodb", port)
    ten = {"KeyConditionExpression": "pk = :p AND sk BETWEEN :a AND :b",
           "ExpressionAttributeValues": {":p": {"S": "p0"}, ":a": {"N": "0"}, ":b": {"N": "9"}}}

    def ddb_put(i):
        ddb.put_item(TableName="bench", Item={"pk": {"S": "b"}, "sk": {"N": str(i % 64)}, "payload": {"S": "x" * 256}})

    return {
        "boto3_ddb_put_per_s": rate(count, ddb_put),
        "boto3_ddb_get_per_s": rate(count, lambda i: ddb.get_item(TableName="bench", Key={"pk": {"S": "p0"}, "sk": {"N": str(i % 20)}})),
        "boto3_ddb_query_per_s": rate(count, lambda i: ddb.query(TableName="bench", **ten)),
        "boto3_put_per_s": rate(count, lambda i: s3.put_object(Bucket="bench", Key=f"k{i % 64}", Body=payload)),
        "boto3_get_per_s": rate(count, lambda i: s3.get_object(Bucket="bench", Key="fixed")["Body"].read()),
        "boto3_sqs_rounds_per_s": rate(count // 2, sqs_round),
    }


def load_rates(load_bin, port, seconds, connections):
    return {op: load_op(load_bin, port, op, seconds, connections)
            for op in ["s3-put", "s3-get", "sqs", "ddb-put", "ddb-get", "ddb-query"]}


def prepare(port):
    client("s3", port).create_bucket(Bucket="bench")
    client("s3", port).put_object(Bucket="bench", Key="fixed", Body=b"x" * 1024)
    client("sqs", port).create_queue(QueueName="bench")
    ddb = client("dynamodb", port)
    ddb.create_table(
        TableName="bench",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for sk in range(20):
        ddb.put_item(TableName="bench", Item={"pk": {"S": "p0"}, "sk": {"N": str(sk)}, "payload": {"S": "x" * 256}})


def measure(name, command, args):
    starts = []
    for _ in range(args.starts):
        port = free_port()
        proc, seconds = start(command, port)
        starts.append(seconds)
        stop(proc)
    port = free_port()
    proc, _ = start(command, port)
    try:
        time.sleep(1.0)
        result = {"server": name, "cold_start_ms": statistics.median(starts) * 1000, "idle_rss_mb": rss_mb(proc.pid)}
        prepare(port)
        result.update(boto3_rates(port, args.count))
        result["load"] = load_rates(args.load_bin, port, args.seconds, args.connections)
        result["post_load_rss_mb"] = rss_mb(proc.pid)
    finally:
        stop(proc)
    return result


def table(results):
    rows = [
        ("cold start to first answer (ms, median)", "cold_start_ms", "{:.0f}"),
        ("idle RSS (MB)", "idle_rss_mb", "{:.1f}"),
        ("RSS after load (MB)", "post_load_rss_mb", "{:.1f}"),
        ("boto3, one client: PutObject 1 KiB /s", "boto3_put_per_s", "{:.0f}"),
        ("boto3, one client: GetObject 1 KiB /s", "boto3_get_per_s", "{:.0f}"),
        ("boto3, one client: SQS send+receive+delete rounds /s", "boto3_sqs_rounds_per_s", "{:.0f}"),
        ("boto3, one client: DynamoDB PutItem /s", "boto3_ddb_put_per_s", "{:.0f}"),
        ("boto3, one client: DynamoDB GetItem /s", "boto3_ddb_get_per_s", "{:.0f}"),
        ("boto3, one client: DynamoDB Query (10 items) /s", "boto3_ddb_query_per_s", "{:.0f}"),
    ]
    names = [r["server"] for r in results]
    lines = ["| measure | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for label, key, fmt in rows:
        lines.append(f"| {label} | " + " | ".join(fmt.format(r[key]) for r in results) + " |")
    ops = [
        ("s3-put", "PutObject 1 KiB"), ("s3-get", "GetObject 1 KiB"), ("sqs", "SQS send+receive+delete rounds"),
        ("ddb-put", "DynamoDB PutItem"), ("ddb-get", "DynamoDB GetItem"), ("ddb-query", "DynamoDB Query (10 items)"),
    ]
    for op, label in ops:
        cells = []
        for r in results:
            report = r["load"][op]
            cells.append(f"{report['iterations_per_second']:.0f} (p99 {report['p99_ms']:.1f} ms, {report['errors']} errors)")
        connections = results[0]["load"][op]["connections"]
        lines.append(f"| load generator, {connections} connections: {label} /s | " + " | ".join(cells) + " |")
    return "\n".join(lines)


DURABLE_OPS = [("s3-put", "PutObject 1 KiB"), ("sqs-send", "SQS SendMessage"), ("ddb-put", "DynamoDB PutItem")]


def durable(args):
    """Write throughput with --state-dir: {label: {op: [report per repeat]}}."""
    servers = [("after", args.awsredirect)]
    if args.baseline:
        servers.insert(0, ("before", args.baseline))
    runs = {label: {op: [] for op, _ in DURABLE_OPS} for label, _ in servers}
    for _ in range(args.repeat):
        for label, binary in servers:
            with tempfile.TemporaryDirectory(prefix="bench-state-") as state_dir:
                command = lambda port: [binary, "serve", "--port", str(port), "--state-dir", state_dir]
                port = free_port()
                proc, _ = start(command, port)
                try:
                    prepare(port)
                    for op, _ in DURABLE_OPS:
                        runs[label][op].append(load_op(args.load_bin, port, op, args.seconds, args.connections))
                finally:
                    stop(proc)
    return runs


def durable_table(runs, connections):
    labels = list(runs)
    lines = ["| load generator, --state-dir, " + str(connections) + " connections (median of runs) | " + " | ".join(labels) + " |",
             "|---" * (len(labels) + 1) + "|"]
    for op, label in DURABLE_OPS:
        cells = []
        for name in labels:
            reports = runs[name][op]
            rates = [r["iterations_per_second"] for r in reports]
            p99 = statistics.median(r["p99_ms"] for r in reports)
            errors = sum(r["errors"] for r in reports)
            cells.append(f"{statistics.median(rates):.0f} /s (runs {', '.join(f'{x:.0f}' for x in rates)}; p99 {p99:.1f} ms; {errors} errors)")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def load_op(load_bin, port, op, seconds, connections):
    url = client("sqs", port).get_queue_url(QueueName="bench")["QueueUrl"]
    result = subprocess.run(
        [load_bin, "--url", f"http://127.0.0.1:{port}", "--op", op, "--seconds", str(seconds),
         "--connections", str(connections), "--queue-url", url],
        capture_output=True, text=True, check=True, timeout=seconds + 120,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--awsredirect", required=True)
    parser.add_argument("--moto", help="path to moto_server (not needed with --durable)")
    parser.add_argument("--durable", action="store_true", help="write throughput with --state-dir, no moto")
    parser.add_argument("--baseline", help="with --durable: another awsredirect binary to compare with")
    parser.add_argument("--repeat", type=int, default=5, help="with --durable: runs per server")
    parser.add_argument("--load-bin", required=True)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--json-out")
    args = parser.parse_args()
    if args.durable:
        runs = durable(args)
        if args.json_out:
            with open(args.json_out, "w") as f:
                json.dump(runs, f, indent=2)
        print(durable_table(runs, args.connections))
        return
    if not args.moto:
        parser.error("--moto is required (unless --durable)")
    servers = [
        ("awsredirect serve", lambda port: [args.awsredirect, "serve", "--port", str(port)]),
        ("moto_server", lambda port: [args.moto, "-H", "127.0.0.1", "-p", str(port)]),
    ]
    results = [measure(name, command, args) for name, command in servers]
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(results, f, indent=2)
    print(table(results))


if __name__ == "__main__":
    main()
