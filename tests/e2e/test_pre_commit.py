"""The pre-commit hooks that run from this repository, for real: pre-commit (from PyPI) installs
them at the current commit into a throwaway git repository; the check hook fails on an
unredirected client and passes after `awsredirect patch`. awsredirect-check-rust builds the binary
with cargo; awsredirect-check-system runs the one on PATH. (The Python hooks, from the mirror
repository with the wheel and no Rust, are in test_distribution.py.)"""
import os
import pathlib
import subprocess
import sys

import pytest

from conftest import ROOT

PRE_COMMIT = pathlib.Path(sys.executable).parent / "pre-commit"
APP = "import boto3\n\ns3 = boto3.client('s3')\n"


def git(*args, cwd):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def supports_force_exclude(binary, tmp_path):
    """Whether this build has `check --force-exclude` (it comes with the configuration work)."""
    return subprocess.run([binary, "check", "--force-exclude", str(tmp_path)], capture_output=True).returncode != 2


@pytest.mark.parametrize("hook", ["awsredirect-check-rust", "awsredirect-check-system"])
def test_check_hook_fails_on_an_unredirected_client_and_passes_after_patch(hook, tmp_path, awsredirect_bin):
    rev = git("rev-parse", "HEAD", cwd=ROOT)
    project = tmp_path / "project"
    project.mkdir()
    git("init", "-q", cwd=project)
    (project / "app.py").write_text(APP)
    config = f"repos:\n  - repo: {ROOT}\n    rev: {rev}\n    hooks:\n      - id: {hook}\n"
    if not supports_force_exclude(awsredirect_bin, tmp_path):
        config += "        entry: awsredirect check\n"
    (project / ".pre-commit-config.yaml").write_text(config)
    git("add", "-A", cwd=project)
    env = dict(
        os.environ,
        PRE_COMMIT_HOME=str(ROOT / "target" / "pre-commit-home"),
        CARGO_TARGET_DIR=str(ROOT / "target" / "pre-commit-build"),
        GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid",
        GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid",
    )
    if hook.endswith("-system"):
        env["PATH"] = str(pathlib.Path(awsredirect_bin).parent) + os.pathsep + env["PATH"]

    failing = subprocess.run([str(PRE_COMMIT), "run", "--all-files"], cwd=project, env=env, capture_output=True, text=True)
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "AR001" in failing.stdout

    subprocess.run([awsredirect_bin, "patch", "app.py"], cwd=project, check=True)
    git("add", "-A", cwd=project)
    passing = subprocess.run([str(PRE_COMMIT), "run", "--all-files"], cwd=project, env=env, capture_output=True, text=True)
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "endpoint_url='http://localhost:4566'" in (project / "app.py").read_text()
