"""The AWS CLI from PyPI against `awsredirect serve`: high-level `aws s3` (multipart for large
files), SQS and STS commands."""

import hashlib
import json
import os

from emulator_support import emulator, run_aws  # noqa: F401  (fixtures)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_s3_cp_20_mb_round_trip(emulator, tmp_path):
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(20 * 1024 * 1024))
    run_aws(emulator, "s3", "mb", "s3://cli-bucket")
    run_aws(emulator, "s3", "cp", str(source), "s3://cli-bucket/data/big.bin")
    head = json.loads(run_aws(emulator, "s3api", "head-object", "--bucket", "cli-bucket", "--key", "data/big.bin").stdout)
    assert head["ContentLength"] == 20 * 1024 * 1024
    assert head["ETag"].endswith('-3"'), "8 MB chunks: the CLI uploads 20 MB as 3 parts"
    listing = run_aws(emulator, "s3", "ls", "s3://cli-bucket/data/").stdout
    assert "big.bin" in listing
    target = tmp_path / "copy.bin"
    run_aws(emulator, "s3", "cp", "s3://cli-bucket/data/big.bin", str(target))
    assert sha256(target) == sha256(source)
    run_aws(emulator, "s3", "rm", "s3://cli-bucket/data/big.bin")
    run_aws(emulator, "s3", "rb", "s3://cli-bucket")
    assert "cli-bucket" not in run_aws(emulator, "s3", "ls").stdout


def test_s3_sync_small_files(emulator, tmp_path):
    source = tmp_path / "tree"
    (source / "sub").mkdir(parents=True)
    (source / "a.txt").write_text("a")
    (source / "sub" / "b.txt").write_text("b")
    run_aws(emulator, "s3", "mb", "s3://sync-bucket")
    run_aws(emulator, "s3", "sync", str(source), "s3://sync-bucket/tree")
    listing = run_aws(emulator, "s3", "ls", "--recursive", "s3://sync-bucket").stdout
    assert "tree/a.txt" in listing and "tree/sub/b.txt" in listing


def test_sqs_commands(emulator):
    created = json.loads(run_aws(emulator, "sqs", "create-queue", "--queue-name", "cli-queue").stdout)
    url = created["QueueUrl"]
    run_aws(emulator, "sqs", "send-message", "--queue-url", url, "--message-body", "from the cli")
    received = json.loads(run_aws(emulator, "sqs", "receive-message", "--queue-url", url, "--wait-time-seconds", "1").stdout)
    assert [m["Body"] for m in received["Messages"]] == ["from the cli"]
    missing = run_aws(emulator, "sqs", "get-queue-url", "--queue-name", "absent", check=False)
    assert missing.returncode != 0
    assert "NonExistentQueue" in missing.stderr or "QueueDoesNotExist" in missing.stderr


def test_sts_get_caller_identity(emulator):
    identity = json.loads(run_aws(emulator, "sts", "get-caller-identity").stdout)
    assert identity["Account"] == "000000000000"
