"""`awsredirect run`: unmodified programs (boto3, the AWS SDK for JavaScript v3, the AWS CLI) with
no endpoint in code or environment reach the emulator inside the sandbox, and nothing else.

Needs Linux namespaces; where the kernel refuses them the tests skip and say why."""
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import pytest

BIN = os.environ.get("AWSREDIRECT_BIN", "target/debug/awsredirect")
HERE = pathlib.Path(__file__).resolve().parent
# No --add-host for the S3 virtual-hosted bucket names the programs use: the emulator's DNS
# responder inside the sandbox answers them.


# Runs without --state-dir use the per-user CA: keep it out of the real home.
DATA_HOME = tempfile.mkdtemp(prefix="awsredirect-run-data-")


def sandbox_env(**extra):
    """The caller's environment without any AWS setting: no endpoint, no credentials, no region
    (run supplies credentials and a region); no config files."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        XDG_DATA_HOME=DATA_HOME,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_PAGER="",
    )
    env.update(extra)
    return env


def run(*command, state_dir=None, env=None, timeout=180):
    args = [BIN, "run"]
    if state_dir is not None:
        args += ["--state-dir", str(state_dir)]
    return subprocess.run(
        [*args, "--", *map(str, command)],
        env=env or sandbox_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module", autouse=True)
def namespaces_available():
    if not sys.platform.startswith("linux"):
        pytest.skip("awsredirect run needs Linux namespaces")
    probe = run("true", timeout=60)
    if probe.returncode == 2 and "refused" in probe.stderr:
        pytest.skip(f"the kernel refuses the sandbox's namespaces: {probe.stderr.strip()}")
    assert probe.returncode == 0, probe.stderr


@pytest.fixture
def state(tmp_path):
    return tmp_path / "state"


def test_an_unpatched_boto3_program(state):
    result = run(sys.executable, HERE / "sandbox" / "app.py", state_dir=state)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_an_unpatched_javascript_sdk_v3_program(state):
    modules = os.environ.get("AWSREDIRECT_NODE_MODULES")
    if not modules:
        pytest.fail("AWSREDIRECT_NODE_MODULES must point at the npm packages scripts/test installs")
    node = shutil.which("node")
    assert node, "node must be on PATH"
    env = sandbox_env(NODE_PATH=modules, AWS_REGION="us-east-1")
    result = run(node, HERE / "sandbox" / "app.mjs", state_dir=state, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_the_aws_cli(state, tmp_path):
    aws = shutil.which("aws")
    assert aws, "the AWS CLI must be on PATH (scripts/test puts the venv's bin first)"
    upload = tmp_path / "hello.txt"
    upload.write_text("hello from the cli\n")
    script = (
        f"set -e; aws s3 mb s3://cli-bucket; aws s3 cp {upload} s3://cli-bucket/hello.txt; "
        "aws s3 ls s3://cli-bucket; aws lambda list-functions"
    )
    result = run("sh", "-c", script, state_dir=state)
    assert result.returncode == 0, result.stderr
    assert "make_bucket: cli-bucket" in result.stdout
    assert "hello.txt" in result.stdout
    assert '"Functions": []' in result.stdout


def test_state_dir_keeps_state_across_runs(state):
    made = run(sys.executable, "-c", "import boto3; boto3.client('s3').create_bucket(Bucket='py-path')", state_dir=state)
    assert made.returncode == 0, made.stderr
    listed = run(
        sys.executable,
        "-c",
        "import boto3; print([b['Name'] for b in boto3.client('s3').list_buckets()['Buckets']])",
        state_dir=state,
    )
    assert listed.returncode == 0, listed.stderr
    assert "py-path" in listed.stdout


def test_other_hosts_fail_fast():
    program = (
        "import socket, sys, time, urllib.request\n"
        "start = time.monotonic()\n"
        "for url in ('https://example.com/', 'http://93.184.215.14/'):\n"
        "    try:\n"
        "        urllib.request.urlopen(url, timeout=20)\n"
        "    except OSError as err:\n"
        "        print('failed', url, type(err).__name__)\n"
        "    else:\n"
        "        sys.exit(f'reached {url}')\n"
        "assert time.monotonic() - start < 10, 'not fast'\n"
    )
    result = run(sys.executable, "-c", program)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("failed") == 2


def test_the_commands_exit_code_is_runs():
    assert run("sh", "-c", "exit 7").returncode == 7
    missing = run("no-such-command-awsredirect")
    assert missing.returncode == 127
    assert "cannot run" in missing.stderr


def test_the_ca_is_exported(state):
    result = run("sh", "-c", 'echo "$AWS_CA_BUNDLE $NODE_EXTRA_CA_CERTS $REQUESTS_CA_BUNDLE $SSL_CERT_FILE"', state_dir=state)
    assert result.returncode == 0, result.stderr
    paths = set(result.stdout.split())
    assert paths == {str(state / "ca.pem")}
    ca_path = subprocess.run([BIN, "ca", "path", "--state-dir", str(state)], capture_output=True, text=True)
    assert ca_path.stdout.strip() == str(state / "ca.pem")


def test_the_hosts_files_outside_are_untouched():
    before = {p: pathlib.Path(p).read_bytes() for p in ("/etc/hosts", "/etc/resolv.conf") if os.path.exists(p)}
    inside = run("cat", "/etc/hosts")
    assert inside.returncode == 0, inside.stderr
    assert "sqs.eu-west-1.amazonaws.com" in inside.stdout
    after = {p: pathlib.Path(p).read_bytes() for p in before}
    assert after == before
