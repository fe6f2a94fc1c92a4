"""Starts `awsredirect serve` for the end-to-end tests and builds real clients against it.

Import the fixtures into a test module (`from emulator_support import emulator, s3, sqs`)."""

import os
import queue
import shutil
import signal
import subprocess
import threading
import time

import boto3
import pytest
from botocore.config import Config

BIN = os.environ.get("AWSREDIRECT_BIN", "target/debug/awsredirect")
READY_TIMEOUT = 20


def aws_env(**extra):
    """Environment for AWS clients: fixed test credentials, no config files, no metadata."""
    env = dict(os.environ)
    env.update(
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
        AWS_PAGER="",
    )
    env.pop("AWS_PROFILE", None)
    env.pop("AWS_SESSION_TOKEN", None)
    env.update(extra)
    return env


class Emulator:
    """One running `awsredirect serve --port 0` process."""

    def __init__(self, *args, state_dir=None, env=None):
        cmd = [BIN, "serve", "--port", "0", *args]
        if state_dir is not None:
            cmd += ["--state-dir", str(state_dir)]
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        self.stderr_lines = queue.Queue()
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        self.ready_line = self._read_ready_line()
        self.url = self.ready_line.split("listening on ", 1)[1].strip()
        self.port = int(self.url.rsplit(":", 1)[1])

    def _drain_stderr(self):
        for line in self.proc.stderr:
            self.stderr_lines.put(line)

    def _read_ready_line(self):
        lines = queue.Queue()
        threading.Thread(
            target=lambda: lines.put(self.proc.stdout.readline()), daemon=True
        ).start()
        try:
            line = lines.get(timeout=READY_TIMEOUT)
        except queue.Empty:
            self.proc.kill()
            raise RuntimeError("awsredirect serve printed no ready line")
        if not line.startswith("listening on "):
            self.proc.wait(timeout=5)
            raise RuntimeError(f"awsredirect serve failed: {line!r} {self.stderr()}")
        return line

    def stderr(self):
        out = []
        while not self.stderr_lines.empty():
            out.append(self.stderr_lines.get())
        return "".join(out)

    def client(self, service, region="us-east-1", access_key="test", **config):
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id=access_key,
            aws_secret_access_key="test",
            config=Config(retries={"max_attempts": 1}, **config),
        )

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def kill9(self):
        return self.stop(signal.SIGKILL)


def run_aws(emulator, *args, check=True, timeout=120):
    """Runs the AWS CLI from PyPI against the emulator."""
    aws = shutil.which("aws")
    assert aws, "the AWS CLI must be on PATH (scripts/test puts the venv's bin first)"
    result = subprocess.run(
        [aws, "--endpoint-url", emulator.url, *args],
        env=aws_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"aws {' '.join(args)} failed: {result.stderr}")
    return result


def wait_until(predicate, timeout=5.0, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


@pytest.fixture(scope="module")
def emulator():
    server = Emulator()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def s3(emulator):
    return emulator.client("s3")


@pytest.fixture(scope="module")
def sqs(emulator):
    return emulator.client("sqs")


@pytest.fixture(scope="module")
def sts(emulator):
    return emulator.client("sts")
