"""`check --format sarif` validates against the official SARIF 2.1.0 schema."""
import json
import os
import pathlib
import subprocess

import jsonschema

from conftest import ROOT

SCHEMA = pathlib.Path(os.environ.get("AWSREDIRECT_SARIF_SCHEMA", ROOT / "tests" / "schemas" / "sarif-2.1.0.json"))


def test_sarif_output_is_valid_sarif_2_1_0(tmp_path, awsredirect_bin):
    assert SCHEMA.exists(), f"SARIF schema not found at {SCHEMA} (set AWSREDIRECT_SARIF_SCHEMA)"
    (tmp_path / "app.py").write_text(
        "import boto3\n"
        "s3 = boto3.client('s3')\n"
        "kw = boto3.client('sqs', **opts)\n"
        "url = 'https://sqs.us-east-1.amazonaws.com/1/q'\n"
        "quiet = boto3.client('sns')  # awsredirect: ignore\n"
        "multi = boto3.client(\n    'sts',\n)\n"
    )
    out = subprocess.run(
        [awsredirect_bin, "check", "--format", "sarif", "."], cwd=tmp_path, capture_output=True, text=True
    )
    assert out.returncode == 1, out.stderr
    sarif = json.loads(out.stdout)
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft4Validator(schema).validate(sarif)
    results = sarif["runs"][0]["results"]
    assert sorted(r["ruleId"] for r in results) == ["AR001", "AR001", "AR001", "AR003", "AR004"]
    assert sum(1 for r in results if r.get("suppressions")) == 1
    assert sum(1 for r in results if r.get("fixes")) == 3


def test_every_rule_is_in_the_log_and_every_result_points_at_its_own_rule(awsredirect_bin):
    tree = ROOT / "tests" / "every-rule"
    out = subprocess.run(
        [awsredirect_bin, "check", "--format", "sarif", "."], cwd=tree, capture_output=True, text=True
    )
    assert out.returncode == 1, out.stderr
    sarif = json.loads(out.stdout)
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text())).validate(sarif)
    run = sarif["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    listed = subprocess.run([awsredirect_bin, "rules"], capture_output=True, text=True, check=True)
    assert rules == [line.split()[0] for line in listed.stdout.splitlines()]
    fired = set()
    for result in run["results"]:
        assert rules[result["ruleIndex"]] == result["ruleId"], result
        fired.add(result["ruleId"])
    assert fired == set(rules), f"rules that did not fire: {set(rules) - fired}"


def test_errors_are_in_the_log_as_a_failed_invocation(tmp_path, awsredirect_bin):
    (tmp_path / "app.py").write_text("import boto3\ns3 = boto3.client('s3')\n")
    out = subprocess.run(
        [awsredirect_bin, "check", "--format", "sarif", ".", "missing.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2, out.stderr
    sarif = json.loads(out.stdout)
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text())).validate(sarif)
    (invocation,) = sarif["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    (notification,) = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error"
    assert notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "missing.py"
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["AR001"]
