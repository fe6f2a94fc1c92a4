"""The AWS SDK for JavaScript v3 (npm) against `awsredirect serve`: each script in js/ runs
under node and prints "ok"."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from emulator_support import aws_env, emulator  # noqa: F401  (fixtures)

JS = Path(__file__).parent / "js"


def node_env():
    modules = os.environ.get("AWSREDIRECT_NODE_MODULES")
    if not modules or not Path(modules).is_dir():
        pytest.fail("AWSREDIRECT_NODE_MODULES must point at the npm packages scripts/test installs")
    return aws_env(NODE_PATH=modules)


@pytest.mark.parametrize(
    "script",
    ["s3.mjs", "sqs.mjs", "sts.mjs", "dynamodb.mjs", "sns.mjs", "ssm.mjs", "secretsmanager.mjs", "lambda.mjs"],
)
def test_js_sdk(emulator, script):
    node = shutil.which("node")
    assert node, "node must be installed"
    result = subprocess.run(
        [node, str(JS / script), emulator.url],
        env=node_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert result.stdout.strip().endswith("ok")
