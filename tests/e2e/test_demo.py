"""End to end: patch the bundled demo project (Python + Node + shell, S3 and SQS, no endpoints in
it), run it against `awsredirect serve`, check its output, and unpatch it back to the original."""
import filecmp
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT
from emulator_support import aws_env, emulator  # noqa: F401  (fixture)

DEMO = ROOT / "fixtures" / "demo"


def run(cmd, cwd, env, timeout=120):
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{cmd}: {result.stdout}{result.stderr}"
    return result.stdout


def test_patched_demo_runs_against_the_emulator(tmp_path, emulator, awsredirect_bin):
    demo = tmp_path / "demo"
    shutil.copytree(DEMO, demo)
    os.symlink(os.environ["AWSREDIRECT_NODE_MODULES"], demo / "node_modules")

    check = subprocess.run([awsredirect_bin, "check", "--format", "json", "."], cwd=demo, capture_output=True, text=True)
    assert check.returncode == 1, check.stderr
    assert '"AR001"' in check.stdout and '"AR002"' in check.stdout

    run([awsredirect_bin, "patch", "--endpoint", emulator.url, "."], demo, os.environ)
    run([awsredirect_bin, "check", "."], demo, os.environ)

    env = aws_env()
    python_out = run([sys.executable, "app.py"], demo, env)
    assert python_out.strip() == "python: all systems nominal | report ready: all systems nominal"
    node_out = run(["node", "app.mjs"], demo, env)
    assert node_out.strip() == "node: all systems nominal"
    shell_out = run(["bash", "run.sh"], demo, env)
    assert "report.txt" in shell_out
    assert shell_out.strip().splitlines()[-1].split()[-1] == "1"  # node's message; python's is in flight

    run([awsredirect_bin, "unpatch", "--endpoint", emulator.url, "."], demo, os.environ)
    for name in ("app.py", "app.mjs", "run.sh"):
        assert filecmp.cmp(DEMO / name, demo / name, shallow=False), name
