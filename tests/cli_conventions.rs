//! The command-line conventions people rely on: `--exit-zero`, `-q`, `--color` with NO_COLOR and
//! FORCE_COLOR, coloured diffs on a terminal, standard input (`patch -`, `check -`), shell
//! completions and man pages, a closed stdout, one way of writing paths in every format, plural
//! forms, and `--help` naming every emulated service.

#[allow(dead_code)]
mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command as Process, Stdio};

use common::{awsredirect, project, UNREDIRECTED};
use predicates::prelude::*;

const REDIRECTED: &str =
    "import boto3\n\ns3 = boto3.client(\"s3\", endpoint_url=\"http://localhost:4566\")\n";
const ANSI: &str = "\u{1b}[";

fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[test]
fn exit_zero_reports_findings_but_exits_0_and_errors_still_exit_2() {
    let dir = project(&[
        ("app.py", UNREDIRECTED),
        ("broken.py", "import boto3\ndef (:\n    boto3.client\n"),
    ]);
    awsredirect(dir.path())
        .args(["check", "--exit-zero", "app.py"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("AR001"))
        .stdout(predicate::str::contains("1 finding in 1 file"));
    awsredirect(dir.path())
        .args(["check", "--exit-zero", "--format", "json", "app.py"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\"code\":\"AR001\""));
    awsredirect(dir.path())
        .args(["check", "--exit-zero", "."])
        .assert()
        .code(2);
    awsredirect(dir.path())
        .args(["patch", "--check", "--exit-zero", "app.py"])
        .assert()
        .code(0);
    awsredirect(dir.path())
        .args(["patch", "--check", "app.py"])
        .assert()
        .code(1);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("app.py")).unwrap(),
        UNREDIRECTED
    );
}

#[test]
fn quiet_prints_findings_and_errors_but_no_summary_or_notes() {
    let dir = project(&[
        ("app.py", UNREDIRECTED),
        ("notes.txt", "text"),
        ("blob.py", "\0binary"),
    ]);
    let output = awsredirect(dir.path())
        .args([
            "check",
            "-q",
            "app.py",
            "notes.txt",
            "blob.py",
            "missing.py",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let (stdout, stderr) = (stdout_of(&output), stderr_of(&output));
    assert!(stdout.contains("AR001"), "{stdout}");
    assert!(!stdout.contains("awsredirect:"), "no summary: {stdout}");
    assert!(stderr.contains("missing.py"), "errors stay: {stderr}");
    assert!(
        !stderr.contains("skipped"),
        "no skipped-file notes: {stderr}"
    );

    awsredirect(dir.path())
        .args(["--quiet", "patch", "--diff", "app.py"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "+s3 = boto3.client(\"s3\", endpoint_url=",
        ))
        .stderr(predicate::str::is_empty());
    awsredirect(dir.path())
        .args(["patch", "app.py", "--quiet"])
        .assert()
        .code(0)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::is_empty());
    awsredirect(dir.path())
        .args(["check", "-q", "app.py"])
        .assert()
        .code(0)
        .stdout(predicate::str::is_empty());
}

/// `check` and `patch --diff` of one unredirected file in a pipe, with `args` and `env`.
fn coloured(args: &[&str], env: &[(&str, &str)]) -> (bool, bool) {
    let dir = project(&[("app.py", UNREDIRECTED)]);
    let run = |command: &[&str]| {
        let mut cmd = awsredirect(dir.path());
        cmd.env_remove("NO_COLOR").env_remove("FORCE_COLOR");
        for (key, value) in env {
            cmd.env(key, value);
        }
        let output = cmd.args(command).args(args).output().unwrap();
        stdout_of(&output).contains(ANSI)
    };
    (
        run(&["check", "app.py"]),
        run(&["patch", "--diff", "app.py"]),
    )
}

#[test]
fn color_follows_the_flag_then_no_color_then_force_color_and_is_off_in_a_pipe() {
    assert_eq!(coloured(&[], &[]), (false, false), "a pipe gets no colour");
    assert_eq!(coloured(&["--color", "always"], &[]), (true, true));
    assert_eq!(
        coloured(&["--color", "always"], &[("NO_COLOR", "1")]),
        (true, true),
        "the flag wins"
    );
    assert_eq!(coloured(&[], &[("FORCE_COLOR", "1")]), (true, true));
    assert_eq!(coloured(&[], &[("FORCE_COLOR", "0")]), (false, false));
    assert_eq!(
        coloured(&[], &[("FORCE_COLOR", "1"), ("NO_COLOR", "1")]),
        (false, false),
        "NO_COLOR wins over FORCE_COLOR"
    );
    assert_eq!(
        coloured(&["--color", "never"], &[("FORCE_COLOR", "1")]),
        (false, false)
    );
    let dir = project(&[("app.py", UNREDIRECTED)]);
    awsredirect(dir.path())
        .args(["check", "--color", "sometimes"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--color"));
}

#[test]
fn a_diff_on_a_terminal_is_coloured_and_a_piped_one_applies_with_git() {
    let dir = project(&[("app.py", UNREDIRECTED)]);
    let binary = assert_cmd::cargo::cargo_bin("awsredirect");
    // `script` gives the command a pseudo-terminal as stdout.
    let output = Process::new("script")
        .args([
            "-qec",
            &format!("{} patch --diff app.py", binary.display()),
            "/dev/null",
        ])
        .current_dir(dir.path())
        .env_remove("NO_COLOR")
        .env_remove("FORCE_COLOR")
        .stdin(Stdio::null())
        .output()
        .expect("script (util-linux) runs the command on a terminal");
    let shown = stdout_of(&output);
    assert!(
        shown.contains("\u{1b}[31m-s3 = boto3.client(\"s3\")\u{1b}[0m"),
        "{shown:?}"
    );
    assert!(
        shown.contains("\u{1b}[32m+s3 = boto3.client(\"s3\", endpoint_url="),
        "{shown:?}"
    );

    let piped = awsredirect(dir.path())
        .env_remove("NO_COLOR")
        .args(["patch", "--diff", "app.py"])
        .output()
        .unwrap();
    let diff = stdout_of(&piped);
    assert!(!diff.contains(ANSI));
    std::fs::write(dir.path().join("change.diff"), &diff).unwrap();
    let applied = Process::new("git")
        .args(["apply", "--unsafe-paths", "change.diff"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(applied.status.success(), "{}", stderr_of(&applied));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("app.py")).unwrap(),
        REDIRECTED
    );
}

#[test]
fn patch_from_stdin_prints_the_patched_text_and_writes_nothing() {
    let dir = project(&[]);
    awsredirect(dir.path())
        .args(["patch", "-", "--stdin-filename", "app.py"])
        .write_stdin(UNREDIRECTED)
        .assert()
        .code(0)
        .stdout(REDIRECTED)
        .stderr(predicate::str::contains("1 file scanned, 1 changed"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // Nothing to do: the input comes back as it was, byte for byte (BOM and CRLF too).
    let odd = "\u{feff}import os\r\nprint(os.name)\r\n";
    awsredirect(dir.path())
        .args(["patch", "-q", "-", "--stdin-filename", "app.py"])
        .write_stdin(odd)
        .assert()
        .code(0)
        .stdout(odd)
        .stderr(predicate::str::is_empty());
    // A byte-order mark is kept on a changed text.
    awsredirect(dir.path())
        .args(["patch", "-q", "-", "--stdin-filename", "app.py"])
        .write_stdin(format!("\u{feff}{UNREDIRECTED}"))
        .assert()
        .stdout(format!("\u{feff}{REDIRECTED}"));
    // unpatch reverses it.
    awsredirect(dir.path())
        .args(["unpatch", "-q", "-", "--stdin-filename", "app.py"])
        .write_stdin(REDIRECTED)
        .assert()
        .code(0)
        .stdout(UNREDIRECTED);
}

#[test]
fn patch_from_stdin_takes_the_language_from_the_file_name_or_the_shebang() {
    let dir = project(&[]);
    awsredirect(dir.path())
        .args(["patch", "-q", "--stdin-filename", "src/app.mjs"])
        .write_stdin(
            "import { SQSClient } from \"@aws-sdk/client-sqs\";\nconst sqs = new SQSClient({});\n",
        )
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "new SQSClient({endpoint: \"http://localhost:4566\"})",
        ));
    awsredirect(dir.path())
        .args(["patch", "-q", "-"])
        .write_stdin("#!/bin/bash\naws s3 ls\n")
        .assert()
        .code(0)
        .stdout("#!/bin/bash\naws --endpoint-url http://localhost:4566 s3 ls\n");
    awsredirect(dir.path())
        .args(["patch", "-", "--stdin-filename", "notes.txt"])
        .write_stdin(UNREDIRECTED)
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("notes.txt: not a file type"));
}

#[test]
fn patch_from_stdin_diff_check_and_errors() {
    let dir = project(&[]);
    awsredirect(dir.path())
        .args(["patch", "-", "--stdin-filename", "app.py", "--diff"])
        .write_stdin(UNREDIRECTED)
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(
            "diff --git a/app.py b/app.py\n--- a/app.py\n+++ b/app.py\n",
        ));
    awsredirect(dir.path())
        .args(["patch", "-", "--stdin-filename", "app.py", "--check"])
        .write_stdin(UNREDIRECTED)
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty());
    // A text that does not parse: nothing on stdout, so an editor keeps its buffer.
    awsredirect(dir.path())
        .args(["patch", "-", "--stdin-filename", "app.py"])
        .write_stdin("import boto3\ns3 = boto3.client('s3'\ndef (:\n")
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("error: app.py:"));
    let with_file = project(&[("other.py", UNREDIRECTED)]);
    awsredirect(with_file.path())
        .args(["check", "-", "other.py"])
        .write_stdin(UNREDIRECTED)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be combined"));
}

#[test]
fn patch_from_stdin_uses_the_configuration_of_the_named_file_and_its_exclusions() {
    let dir = project(&[(
        "svc/awsredirect.toml",
        "endpoint = \"http://localhost:9000\"\nextend-exclude = [\"generated\"]\n",
    )]);
    awsredirect(dir.path())
        .args(["patch", "-q", "-", "--stdin-filename", "svc/app.py"])
        .write_stdin(UNREDIRECTED)
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "endpoint_url=\"http://localhost:9000\"",
        ));
    // --force-exclude (as pre-commit and editors pass it): an excluded file comes back unchanged.
    awsredirect(dir.path())
        .args([
            "patch",
            "-",
            "--force-exclude",
            "--stdin-filename",
            "svc/generated/app.py",
        ])
        .write_stdin(UNREDIRECTED)
        .assert()
        .code(0)
        .stdout(UNREDIRECTED);
    awsredirect(dir.path())
        .args([
            "check",
            "-",
            "--force-exclude",
            "--stdin-filename",
            "svc/generated/app.py",
        ])
        .write_stdin(UNREDIRECTED)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("AR001").not());
}

#[test]
fn check_from_stdin_reports_under_the_given_name() {
    let dir = project(&[]);
    awsredirect(dir.path())
        .args(["check", "-", "--stdin-filename", "src/app.py"])
        .write_stdin(UNREDIRECTED)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("[src/app.py:3:6]"))
        .stdout(predicate::str::contains(
            "1 finding in 1 file (1 file scanned)",
        ));
    let output = awsredirect(dir.path())
        .args([
            "check",
            "--format",
            "json",
            "-",
            "--stdin-filename",
            "src/app.py",
        ])
        .write_stdin(UNREDIRECTED)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["diagnostics"][0]["path"], "src/app.py");
    assert_eq!(json["diagnostics"][0]["line"], 3);
    awsredirect(dir.path())
        .args(["check", "-"])
        .write_stdin(REDIRECTED)
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "no unredirected AWS clients (1 file scanned)",
        ));
}

#[test]
fn completions_are_generated_for_every_shell() {
    let dir = project(&[]);
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let output = awsredirect(dir.path())
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(output.status.success(), "{shell}");
        let script = stdout_of(&output);
        for word in [
            "awsredirect",
            "check",
            "unpatch",
            "stdin-filename",
            "exit-zero",
        ] {
            assert!(script.contains(word), "{shell} completions lack {word}");
        }
    }
    let bash = awsredirect(dir.path())
        .args(["completions", "bash"])
        .output()
        .unwrap();
    std::fs::write(dir.path().join("awsredirect.bash"), &bash.stdout).unwrap();
    let syntax = Process::new("bash")
        .args(["-n", "awsredirect.bash"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(syntax.status.success(), "{}", stderr_of(&syntax));
    awsredirect(dir.path())
        .args(["completions", "tcsh"])
        .assert()
        .code(2);
}

#[test]
fn the_man_pages_come_from_the_same_definitions() {
    let dir = project(&[]);
    let output = awsredirect(dir.path()).arg("man").output().unwrap();
    assert!(output.status.success());
    let page = stdout_of(&output);
    assert!(page.contains(".TH awsredirect 1"), "{page}");
    assert!(page.contains("completions"), "the page lists the commands");
    awsredirect(dir.path())
        .args(["man", "--dir", "man1"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("man1/awsredirect-check.1"));
    let check = std::fs::read_to_string(dir.path().join("man1/awsredirect-check.1")).unwrap();
    assert!(check.contains("exit\\-zero"), "{check}");
    assert!(dir.path().join("man1/awsredirect.1").exists());
}

#[test]
fn a_closed_stdout_ends_the_run_quietly_with_exit_0() {
    let files: Vec<(String, &str)> = (0..400)
        .map(|i| (format!("app{i:03}.py"), UNREDIRECTED))
        .collect();
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, t)| (n.as_str(), *t)).collect();
    let dir = project(&refs);
    for args in [
        &["check", "."][..],
        &["check", "--format", "json", "."],
        &["patch", "--diff", "."],
    ] {
        let mut child = Process::new(assert_cmd::cargo::cargo_bin("awsredirect"))
            .args(args)
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(!first.is_empty(), "{args:?}");
        // The reader is gone, as after `| head -1`.
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        assert_eq!(stderr_of(&output), "", "{args:?}");
    }
    // Nothing was written by the diff run.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("app000.py")).unwrap(),
        UNREDIRECTED
    );
}

#[test]
fn json_sarif_and_github_write_paths_the_same_way() {
    let dir = project(&[("src/app.py", UNREDIRECTED)]);
    let absolute = dir.path().join("src").display().to_string();
    for target in [
        "src",
        "./src",
        "src/app.py",
        "./src/app.py",
        absolute.as_str(),
    ] {
        let run = |format: &str| {
            let output = awsredirect(dir.path())
                .args(["check", "--format", format, target])
                .output()
                .unwrap();
            stdout_of(&output)
        };
        let json: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
        assert_eq!(
            json["diagnostics"][0]["path"], "src/app.py",
            "json for {target}"
        );
        let sarif: serde_json::Value = serde_json::from_str(&run("sarif")).unwrap();
        assert_eq!(
            sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
                ["uri"],
            "src/app.py",
            "sarif for {target}"
        );
        assert!(
            run("github").starts_with("::warning file=src/app.py,line=3,"),
            "github for {target}"
        );
    }
    let output = awsredirect(dir.path())
        .args(["check", "--format", "json", "./src", "./missing.py"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["errors"][0]["path"], "missing.py");
}

#[test]
fn counts_use_the_singular_for_one() {
    let one = project(&[("app.py", UNREDIRECTED)]);
    awsredirect(one.path())
        .args(["check", "."])
        .assert()
        .stdout(predicate::str::contains(
            "awsredirect: 1 finding in 1 file (1 file scanned)",
        ));
    awsredirect(one.path())
        .args(["patch", "--check", "."])
        .assert()
        .stderr(predicate::str::contains(
            "awsredirect: 1 file scanned, 1 would be changed, 1 site would be redirected, 0 skipped, 0 errors",
        ));
    let two = project(&[("a.py", UNREDIRECTED), ("b.py", UNREDIRECTED)]);
    awsredirect(two.path())
        .args(["check", ".", "missing.py"])
        .assert()
        .stdout(predicate::str::contains(
            "2 findings in 2 files (2 files scanned, 1 error)",
        ));
    awsredirect(two.path())
        .args(["patch", "."])
        .assert()
        .stderr(predicate::str::contains(
            "awsredirect: 2 files scanned, 2 changed, 2 sites redirected, 0 skipped, 0 errors",
        ));
}

#[test]
fn help_names_every_emulated_service() {
    let dir = project(&[]);
    for args in [&["--help"][..], &["serve", "--help"]] {
        let output = awsredirect(dir.path()).args(args).output().unwrap();
        let help = stdout_of(&output)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for service in [
            "S3",
            "SQS",
            "STS",
            "DynamoDB",
            "SNS",
            "SSM Parameter Store",
            "Secrets Manager",
            "Lambda",
            "IAM",
            "EventBridge",
        ] {
            assert!(help.contains(service), "{args:?} lacks {service}: {help}");
        }
    }
}
