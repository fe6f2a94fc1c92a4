"""Patched shell scripts, run with bash and the real AWS CLI: every `aws` call that awsredirect
rewrites must reach the endpoint (a recording HTTP server on loopback), and unpatch must restore
the script byte for byte."""
import http.server
import os
import pathlib
import shutil
import subprocess
import threading

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]

LIST_BUCKETS = b"""<?xml version="1.0" encoding="UTF-8"?>
<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>e2e</ID><DisplayName>e2e</DisplayName></Owner><Buckets><Bucket><Name>e2e-bucket</Name><CreationDate>2024-01-01T00:00:00.000Z</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>"""

SCRIPT = """#!/bin/bash
set -euo pipefail
aws s3 ls
listing="$(AWS_PAGER="" aws s3 ls)"
echo "inside a substitution: $listing"
env AWS_PAGER= timeout 60 aws s3 ls | cat
if aws s3 ls >/dev/null; then
  echo "in an if condition"
fi
aws configure list >/dev/null
echo "aws s3 ls stays words"
"""


def binary():
    path = pathlib.Path(os.environ.get("AWSREDIRECT_BIN") or ROOT / "target" / "debug" / "awsredirect")
    assert path.exists(), f"build the binary first: {path}"
    return str(path)


def aws_cli_dir():
    venv = os.environ.get("AWSREDIRECT_VENV")
    if venv:
        return str(pathlib.Path(venv) / "bin")
    found = shutil.which("aws")
    if not found:
        pytest.skip("the AWS CLI is not installed (scripts/test installs it)")
    return str(pathlib.Path(found).parent)


class Recorder(http.server.BaseHTTPRequestHandler):
    requests = []

    def do_GET(self):  # noqa: N802 (http.server's naming)
        Recorder.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(LIST_BUCKETS)))
        self.end_headers()
        self.wfile.write(LIST_BUCKETS)

    def log_message(self, *args):
        pass


@pytest.fixture
def endpoint():
    Recorder.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def script_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        PATH=aws_cli_dir() + os.pathsep + env.get("PATH", ""),
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE="/dev/null",
        AWS_SHARED_CREDENTIALS_FILE="/dev/null",
        NO_PROXY="127.0.0.1,localhost",
    )
    return env


def test_every_patched_call_reaches_the_endpoint(tmp_path, endpoint):
    script = tmp_path / "deploy.sh"
    script.write_text(SCRIPT)
    subprocess.run([binary(), "patch", "--endpoint", endpoint, str(script)], check=True, capture_output=True)
    patched = script.read_text()
    assert patched.count(f"aws --endpoint-url {endpoint} s3 ls") == 4
    assert "aws configure list" in patched and '"aws s3 ls stays words"' in patched

    result = subprocess.run(
        ["bash", str(script)], env=script_env(), capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("e2e-bucket") == 3
    assert "in an if condition" in result.stdout
    assert len(Recorder.requests) == 4

    subprocess.run([binary(), "unpatch", "--endpoint", endpoint, str(script)], check=True, capture_output=True)
    assert script.read_text() == SCRIPT
