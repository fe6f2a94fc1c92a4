"""The pre-commit hooks, for real: pre-commit (from PyPI) installs this repository's hooks at the
current commit into a throwaway git repository; the check hook fails on an unredirected client
and passes after `awsredirect patch`."""
import os
import pathlib
import subprocess
import sys

from conftest import ROOT

PRE_COMMIT = pathlib.Path(sys.executable).parent / "pre-commit"
APP = "import boto3\n\ns3 = boto3.client('s3')\n"


def git(*args, cwd):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def test_check_hook_fails_on_an_unredirected_client_and_passes_after_patch(tmp_path, awsredirect_bin):
    rev = git("rev-parse", "HEAD", cwd=ROOT)
    project = tmp_path / "project"
    project.mkdir()
    git("init", "-q", cwd=project)
    (project / "app.py").write_text(APP)
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {ROOT}\n    rev: {rev}\n    hooks:\n      - id: awsredirect-check\n"
    )
    git("add", "-A", cwd=project)
    env = dict(
        os.environ,
        PRE_COMMIT_HOME=str(ROOT / "target" / "pre-commit-home"),
        CARGO_TARGET_DIR=str(ROOT / "target" / "pre-commit-build"),
        GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid",
        GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid",
    )

    failing = subprocess.run([str(PRE_COMMIT), "run", "--all-files"], cwd=project, env=env, capture_output=True, text=True)
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "AR001" in failing.stdout

    subprocess.run([awsredirect_bin, "patch", "app.py"], cwd=project, check=True)
    git("add", "-A", cwd=project)
    passing = subprocess.run([str(PRE_COMMIT), "run", "--all-files"], cwd=project, env=env, capture_output=True, text=True)
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "endpoint_url='http://localhost:4566'" in (project / "app.py").read_text()
