//! Command-line tests for shell scripts and `--engine ast|regex|auto`: which files each engine
//! touches, the summary that names it, and the round trip through `unpatch`.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

const BROKEN_TEMPLATE: &str = "import boto3\n{% if cookiecutter.sqs %}\nq = boto3.client(\"sqs\")\n{% endif %}\ndef broken(:\n    pass\n";
const SCRIPT: &str = "#!/bin/bash\naws s3 ls\n";

fn awsredirect(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("awsredirect").unwrap();
    cmd.current_dir(dir).env("NO_COLOR", "1");
    cmd
}

/// A project with a template the parsers reject, a shell script and an extension-less script.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("app.py"), BROKEN_TEMPLATE).unwrap();
    fs::write(dir.path().join("deploy.sh"), SCRIPT).unwrap();
    fs::write(
        dir.path().join("release"),
        "#!/bin/sh\naws sqs list-queues\n",
    )
    .unwrap();
    dir
}

fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name)).unwrap()
}

#[test]
fn ast_engine_leaves_unparsable_files_untouched() {
    let dir = project();
    awsredirect(dir.path())
        .args(["patch", "."])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("app.py:2:1:"))
        .stderr(predicate::str::contains(
            "syntax error; file left untouched",
        ))
        .stderr(predicate::str::contains("engine:").not());
    assert_eq!(read(dir.path(), "app.py"), BROKEN_TEMPLATE);
    assert_eq!(
        read(dir.path(), "deploy.sh"),
        "#!/bin/bash\naws --endpoint-url http://localhost:4566 s3 ls\n"
    );
    assert_eq!(
        read(dir.path(), "release"),
        "#!/bin/sh\naws --endpoint-url http://localhost:4566 sqs list-queues\n"
    );
}

#[test]
fn auto_engine_names_the_engine_of_each_file_and_round_trips() {
    let dir = project();
    awsredirect(dir.path())
        .args(["patch", "--engine", "auto", "."])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "regex engine: app.py: 1 site redirected",
        ))
        .stderr(predicate::str::contains(
            "ast engine: deploy.sh: 1 site redirected",
        ))
        .stderr(predicate::str::contains(
            "3 files scanned, 3 changed (1 by the regex engine), 3 sites redirected",
        ));
    assert!(read(dir.path(), "app.py")
        .contains("boto3.client(\"sqs\", endpoint_url=\"http://localhost:4566\")"));

    awsredirect(dir.path())
        .args(["unpatch", "--engine", "auto", "."])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "regex engine: app.py: 1 site restored",
        ));
    assert_eq!(read(dir.path(), "app.py"), BROKEN_TEMPLATE);
    assert_eq!(read(dir.path(), "deploy.sh"), SCRIPT);
}

#[test]
fn regex_engine_diff_writes_nothing() {
    let dir = project();
    awsredirect(dir.path())
        .args([
            "patch",
            "--engine",
            "regex",
            "--diff",
            "app.py",
            "deploy.sh",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "+q = boto3.client(\"sqs\", endpoint_url=\"http://localhost:4566\")",
        ))
        .stdout(predicate::str::contains(
            "+aws --endpoint-url http://localhost:4566 s3 ls",
        ))
        .stderr(predicate::str::contains(
            "regex engine: deploy.sh: 1 site would be redirected",
        ))
        .stderr(predicate::str::contains(
            "2 would be changed (2 by the regex engine)",
        ));
    assert_eq!(read(dir.path(), "app.py"), BROKEN_TEMPLATE);
    assert_eq!(read(dir.path(), "deploy.sh"), SCRIPT);
}

#[test]
fn check_reports_cli_calls_and_unverifiable_commands() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("run.sh"),
        "cmd=\"aws sqs list-queues\"\naws s3 ls\n$AWS s3 ls\neval \"$cmd\"\naws configure list\necho \"aws s3 ls\"\n\"$@\"\n",
    )
    .unwrap();
    let output = awsredirect(dir.path())
        .args(["check", "--format", "json", "run.sh"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&output).unwrap();
    let found: Vec<(u64, String)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["line"].as_u64().unwrap(),
                d["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            (2, "AR002".to_string()),
            (3, "AR004".to_string()),
            (4, "AR004".to_string())
        ]
    );
}

#[test]
fn check_with_auto_engine_reads_unparsable_files() {
    let dir = project();
    awsredirect(dir.path())
        .args(["check", "--engine", "auto", "."])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("AR001"))
        .stdout(predicate::str::contains("AR002"))
        .stderr(predicate::str::contains("regex engine: app.py"))
        .stderr(predicate::str::contains("deploy.sh").not());
}

#[test]
fn unknown_engine_is_a_usage_error() {
    let dir = project();
    awsredirect(dir.path())
        .args(["patch", "--engine", "sed", "."])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "possible values: ast, regex, auto",
        ));
}
