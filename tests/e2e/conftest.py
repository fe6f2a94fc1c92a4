"""Shared pytest fixtures for the end-to-end tests: the awsredirect binary and a clean AWS env."""
import os
import pathlib
import shutil

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def awsredirect_bin():
    path = str(pathlib.Path(os.environ.get("AWSREDIRECT_BIN") or ROOT / "target" / "debug" / "awsredirect").resolve())
    assert pathlib.Path(path).exists(), f"build the binary first: {path}"
    return path


@pytest.fixture
def aws_env():
    """Environment for real AWS clients that can only ever reach loopback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
        NO_PROXY="127.0.0.1,localhost",
    )
    return env


@pytest.fixture
def demo_copy(tmp_path):
    target = tmp_path / "demo"
    shutil.copytree(ROOT / "fixtures" / "demo", target)
    return target
