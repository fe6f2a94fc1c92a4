//! `check` as a lint: rules, selection, suppression, output formats, configuration files.

use std::fs;
use std::path::Path;

use predicates::prelude::*;

mod common;
use common::{awsredirect, project, UNREDIRECTED};

const HARDCODED: &str = "QUEUE = \"https://sqs.us-east-1.amazonaws.com/123456789012/q\"\n";

fn json_check(dir: &Path, args: &[&str]) -> serde_json::Value {
    let output = awsredirect(dir)
        .args(["check", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    serde_json::from_slice(&output.stdout).unwrap()
}

fn codes(json: &serde_json::Value) -> Vec<String> {
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn rules_lists_every_rule_and_rule_prints_docs() {
    let dir = project(&[]);
    awsredirect(dir.path())
        .arg("rules")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("AR001").and(predicate::str::contains("AR005")));
    awsredirect(dir.path())
        .args(["rule", "AR001"])
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("## Why it matters")
                .and(predicate::str::contains("client-without-endpoint")),
        );
    awsredirect(dir.path())
        .args(["rule", "AR999"])
        .assert()
        .code(2);
}

#[test]
fn select_and_ignore_filter_rules() {
    let dir = project(&[("a.py", UNREDIRECTED), ("b.py", HARDCODED)]);
    assert_eq!(codes(&json_check(dir.path(), &[])), ["AR001", "AR003"]);
    assert_eq!(
        codes(&json_check(dir.path(), &["--select", "AR003"])),
        ["AR003"]
    );
    assert_eq!(
        codes(&json_check(dir.path(), &["--ignore", "AR003"])),
        ["AR001"]
    );
    awsredirect(dir.path())
        .args(["check", "--select", "XX1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown rule code XX1"));
}

#[test]
fn suppressed_findings_are_counted_marked_and_do_not_fail() {
    let text = "import boto3\ns3 = boto3.client(\"s3\")  # awsredirect: ignore[AR001]\n";
    let dir = project(&[("a.py", text)]);
    awsredirect(dir.path())
        .arg("check")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("1 suppressed"));
    let json = json_check(dir.path(), &[]);
    assert_eq!(json["diagnostics"][0]["suppressed"], true);
    awsredirect(dir.path())
        .args(["patch", "--check"])
        .assert()
        .code(0);
}

#[test]
fn github_format_prints_workflow_commands() {
    let dir = project(&[("src/a.py", UNREDIRECTED)]);
    awsredirect(dir.path())
        .args(["check", "--format", "github"])
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with(
            "::warning file=src/a.py,line=3,col=6,endLine=3,endColumn=24,title=AR001::`boto3.client` (s3) has no endpoint override",
        ));
}

#[test]
fn sarif_carries_rules_results_and_fixes() {
    let dir = project(&[("a.py", UNREDIRECTED)]);
    let output = awsredirect(dir.path())
        .args(["check", "--format", "sarif"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let sarif: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["rules"][0]["id"], "AR001");
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "AR001");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "a.py"
    );
    let replacement = &result["fixes"][0]["artifactChanges"][0]["replacements"][0];
    assert_eq!(
        replacement["insertedContent"]["text"],
        ", endpoint_url=\"http://localhost:4566\""
    );
    assert_eq!(replacement["deletedRegion"]["startLine"], 3);
    assert_eq!(replacement["deletedRegion"]["startColumn"], 23);
}

#[test]
fn config_file_sets_endpoint_per_service_endpoints_and_exclude() {
    let config = "endpoint = \"http://localhost:5000\"\nexclude = [\"generated/**\"]\n[endpoints]\ns3 = \"http://localhost:9000\"\n";
    let app = "import boto3\na = boto3.client(\"s3\")\nb = boto3.client(\"sqs\")\n";
    let dir = project(&[
        ("awsredirect.toml", config),
        ("src/app.py", app),
        ("generated/gen.py", app),
    ]);
    awsredirect(&dir.path().join("src"))
        .arg("patch")
        .assert()
        .code(0);
    awsredirect(dir.path()).arg("patch").assert().code(0);
    let patched = fs::read_to_string(dir.path().join("src/app.py")).unwrap();
    assert!(
        patched.contains("boto3.client(\"s3\", endpoint_url=\"http://localhost:9000\")"),
        "{patched}"
    );
    assert!(
        patched.contains("boto3.client(\"sqs\", endpoint_url=\"http://localhost:5000\")"),
        "{patched}"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("generated/gen.py")).unwrap(),
        app
    );
    awsredirect(dir.path()).arg("unpatch").assert().code(0);
    assert_eq!(
        fs::read_to_string(dir.path().join("src/app.py")).unwrap(),
        app
    );
}

#[test]
fn flags_override_the_config_file() {
    let dir = project(&[
        ("awsredirect.toml", "endpoint = \"http://localhost:5000\"\n"),
        ("a.py", UNREDIRECTED),
    ]);
    awsredirect(dir.path())
        .args(["patch", "--endpoint", "http://127.0.0.1:7000"])
        .assert()
        .code(0);
    assert!(fs::read_to_string(dir.path().join("a.py"))
        .unwrap()
        .contains("http://127.0.0.1:7000"));
}

#[test]
fn pyproject_tool_table_is_read() {
    let pyproject =
        "[project]\nname = \"app\"\n\n[tool.awsredirect]\nstyle = \"env\"\nignore = [\"AR003\"]\n";
    let dir = project(&[
        ("pyproject.toml", pyproject),
        ("a.py", UNREDIRECTED),
        ("b.py", HARDCODED),
    ]);
    assert_eq!(codes(&json_check(dir.path(), &[])), ["AR001"]);
    awsredirect(dir.path()).arg("patch").assert().code(0);
    let patched = fs::read_to_string(dir.path().join("a.py")).unwrap();
    assert!(
        patched.starts_with("import os  # added by awsredirect\nimport boto3\n"),
        "{patched}"
    );
    assert!(patched.contains("os.environ.get(\"AWS_ENDPOINT_URL\", \"http://localhost:4566\")"));
    awsredirect(dir.path()).arg("unpatch").assert().code(0);
    assert_eq!(
        fs::read_to_string(dir.path().join("a.py")).unwrap(),
        UNREDIRECTED
    );
}

#[test]
fn unknown_config_keys_are_errors_pointing_into_the_file() {
    let dir = project(&[
        (
            "awsredirect.toml",
            "endpoint = \"http://x\"\nendpiont = \"y\"\n",
        ),
        ("a.py", UNREDIRECTED),
    ]);
    awsredirect(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("awsredirect.toml"))
        .stderr(predicate::str::contains("endpiont"))
        .stderr(predicate::str::contains("2 | endpiont"));
}

#[test]
fn style_env_then_unpatch_with_either_style_restores() {
    let dir = project(&[("a.py", UNREDIRECTED)]);
    awsredirect(dir.path())
        .args(["patch", "--style", "env"])
        .assert()
        .code(0);
    let patched = fs::read_to_string(dir.path().join("a.py")).unwrap();
    assert!(patched.contains("import os  # added by awsredirect"));
    awsredirect(dir.path())
        .args(["patch", "--check"])
        .assert()
        .code(0);
    awsredirect(dir.path()).arg("check").assert().code(0);
    awsredirect(dir.path()).arg("unpatch").assert().code(0);
    assert_eq!(
        fs::read_to_string(dir.path().join("a.py")).unwrap(),
        UNREDIRECTED
    );
}

#[test]
fn a_bad_endpoint_in_the_configuration_is_an_error_at_its_value() {
    for command in ["patch", "unpatch", "check"] {
        let dir = project(&[
            (
                "awsredirect.toml",
                "endpoint = \"http://localhost:4566\"\n[endpoints]\ns3 = \"minio:9000\"\n",
            ),
            ("a.py", UNREDIRECTED),
        ]);
        awsredirect(dir.path())
            .arg(command)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("awsredirect.toml"))
            .stderr(predicate::str::contains(
                "endpoint \"minio:9000\" in `endpoints.s3`",
            ))
            .stderr(predicate::str::contains("3 | s3 = \"minio:9000\""))
            .stderr(predicate::str::contains("did you mean http://minio:9000?"));
        assert_eq!(
            fs::read_to_string(dir.path().join("a.py")).unwrap(),
            UNREDIRECTED
        );
    }
    let dir = project(&[
        ("awsredirect.toml", "endpoint = \"\"\n"),
        ("a.py", UNREDIRECTED),
    ]);
    awsredirect(dir.path())
        .args(["patch", "--endpoint", "http://localhost:4566"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "endpoint \"\" in `endpoint`: it is empty",
        ));
}

#[test]
fn unknown_codes_in_the_configuration_are_errors_at_the_code() {
    let dir = project(&[
        ("awsredirect.toml", "select = [\"AR001\", \"AR9\"]\n"),
        ("a.py", UNREDIRECTED),
    ]);
    awsredirect(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "unknown rule code `AR9` in `select`",
        ))
        .stderr(predicate::str::contains(
            "1 | select = [\"AR001\", \"AR9\"]",
        ));
    let dir = project(&[
        ("pyproject.toml", "[tool.awsredirect]\nignore = [\"XYZ\"]\n"),
        ("a.py", UNREDIRECTED),
    ]);
    awsredirect(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "unknown rule code `XYZ` in `ignore`",
        ));
}
