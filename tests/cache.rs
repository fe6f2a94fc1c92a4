//! The results cache: a warm run reports exactly what a cold run (`--no-cache`) reports, after
//! edits, renames, deletions, changes to a module other files depend on, setting changes and a
//! different build; damaged entries are rebuilt; `clean` removes the cache.

mod common;

use std::fs;
use std::path::Path;

use common::{awsredirect, project};

const FACTORY: &str = "import boto3\n\ndef session_for():\n    return boto3.Session()\n";
const USER: &str = "from pkg.sessions import session_for\n\ns3 = session_for().client(\"s3\")\n";
const JS: &str = "const AWS = require('aws-sdk');\nconst s3 = new AWS.S3();\n";

/// `check --format json` and `patch --diff` output, and `check`'s exit code.
fn run(dir: &Path, cache: bool) -> (String, String, Option<i32>) {
    let extra: &[&str] = if cache { &[] } else { &["--no-cache"] };
    let check = awsredirect(dir)
        .env_remove("AWSREDIRECT_CACHE_DIR")
        .args(["check", "--format", "json", "."])
        .args(extra)
        .output()
        .unwrap();
    let patch = awsredirect(dir)
        .env_remove("AWSREDIRECT_CACHE_DIR")
        .args(["patch", "--diff", "."])
        .args(extra)
        .output()
        .unwrap();
    (
        String::from_utf8(check.stdout).unwrap(),
        String::from_utf8(patch.stdout).unwrap(),
        check.status.code(),
    )
}

/// Runs warm twice (filling, then reading the cache) and cold, and requires the same output.
fn assert_warm_equals_cold(dir: &Path, step: &str) {
    let cold = run(dir, false);
    assert_eq!(run(dir, true), cold, "{step}: first cached run");
    assert_eq!(run(dir, true), cold, "{step}: warm run");
}

fn entries(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.join(".awsredirect_cache")];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let marker = path.ends_with(".gitignore") || path.ends_with("CACHEDIR.TAG");
            if path.is_dir() {
                stack.push(path);
            } else if !marker {
                found.push(path);
            }
        }
    }
    found
}

#[test]
fn a_warm_run_reports_what_a_cold_run_reports_after_every_kind_of_change() {
    let dir = project(&[
        ("pkg/__init__.py", ""),
        ("pkg/sessions.py", FACTORY),
        ("pkg/app.py", USER),
        ("web/app.js", JS),
        ("ops/deploy.sh", "#!/bin/sh\naws s3 ls\n"),
        ("notes.py", "import boto3  # no client here\n"),
    ]);
    let root = dir.path();
    assert_warm_equals_cold(root, "initial");
    assert!(root.join(".awsredirect_cache/.gitignore").is_file());
    assert!(!entries(root).is_empty());

    fs::write(
        root.join("web/app.js"),
        format!("{JS}const q = new AWS.SQS();\n"),
    )
    .unwrap();
    assert_warm_equals_cold(root, "edit");

    fs::rename(root.join("pkg/app.py"), root.join("pkg/main.py")).unwrap();
    assert_warm_equals_cold(root, "rename");

    fs::remove_file(root.join("ops/deploy.sh")).unwrap();
    assert_warm_equals_cold(root, "deletion");

    // The factory stops returning a session: its dependent's finding changes with it.
    fs::write(
        root.join("pkg/sessions.py"),
        "import boto3\n\ndef session_for():\n    return object()\n",
    )
    .unwrap();
    assert_warm_equals_cold(root, "a module others depend on");
    fs::write(root.join("pkg/sessions.py"), FACTORY).unwrap();
    assert_warm_equals_cold(root, "the module restored");

    fs::write(
        root.join("awsredirect.toml"),
        "endpoint = \"http://localhost:9000\"\n[endpoints]\nsqs = \"http://localhost:9324\"\n",
    )
    .unwrap();
    assert_warm_equals_cold(root, "settings");
    fs::write(root.join("awsredirect.toml"), "style = \"env\"\n").unwrap();
    assert_warm_equals_cold(root, "style");
}

#[test]
fn another_build_and_damaged_entries_are_never_trusted() {
    let dir = project(&[("app.py", common::UNREDIRECTED), ("web/app.js", JS)]);
    let root = dir.path();
    let cold = run(root, false);
    run(root, true);
    // Every entry damaged: each is a miss, and is rewritten.
    for entry in entries(root) {
        fs::write(
            &entry,
            "0123\n{\"engine\":\"ast\",\"queries\":[],\"findings\":[]}",
        )
        .unwrap();
    }
    assert_eq!(run(root, true), cold);
    assert_eq!(run(root, true), cold);

    // Another build of the tool (a copy of the binary is another build) keeps its own entries.
    let copy = root.join("other-build");
    fs::copy(assert_cmd::cargo::cargo_bin("awsredirect"), &copy).unwrap();
    let output = std::process::Command::new(&copy)
        .current_dir(root)
        .env_remove("AWSREDIRECT_CACHE_DIR")
        .env_remove("AWSREDIRECT_ENDPOINT")
        .args(["check", "--format", "json", "."])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(output.stdout).unwrap(), cold.0);
}

#[test]
fn the_cache_lives_where_it_is_configured_and_clean_removes_it() {
    let dir = project(&[
        ("app.py", common::UNREDIRECTED),
        ("awsredirect.toml", "cache-dir = \"build/cache\"\n"),
    ]);
    let root = dir.path();
    awsredirect(root)
        .env_remove("AWSREDIRECT_CACHE_DIR")
        .args(["check", "."])
        .assert()
        .code(1);
    assert!(root.join("build/cache/.gitignore").is_file());
    assert!(!root.join(".awsredirect_cache").exists());
    awsredirect(root)
        .env_remove("AWSREDIRECT_CACHE_DIR")
        .args(["check", "--no-cache", "."])
        .assert()
        .code(1);
    awsredirect(root)
        .env_remove("AWSREDIRECT_CACHE_DIR")
        .arg("clean")
        .assert()
        .success();
    assert!(!root.join("build/cache").exists());

    fs::write(root.join("awsredirect.toml"), "cache-dir = \"\"\n").unwrap();
    awsredirect(root)
        .env_remove("AWSREDIRECT_CACHE_DIR")
        .args(["check", "."])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("empty `cache-dir`"));
}

#[test]
fn patch_after_a_warm_check_still_patches_and_leaves_nothing_stale() {
    let dir = project(&[("app.py", common::UNREDIRECTED)]);
    let root = dir.path();
    run(root, true);
    awsredirect(root)
        .env_remove("AWSREDIRECT_CACHE_DIR")
        .args(["patch", "."])
        .assert()
        .success();
    assert!(fs::read_to_string(root.join("app.py"))
        .unwrap()
        .contains("endpoint_url"));
    let cold = run(root, false);
    assert_eq!(run(root, true), cold);
    assert_eq!(cold.2, Some(0));
}

#[test]
fn files_without_a_construction_still_report_urls_and_global_configuration() {
    let dir = project(&[
        (
            "cfg.js",
            "const AWS = require('aws-sdk');\nAWS.config.update({ endpoint: 'http://x' });\n",
        ),
        (
            "urls.py",
            "import boto3\nURL = \"https://s3.amazonaws.com/b\"\n",
        ),
        (
            "urls.js",
            "// aws-sdk\nconst u = \"https://sqs.us-east-1.amazonaws.com/1/q\";\n",
        ),
        (
            "types.ts",
            "import { S3Client } from \"@aws-sdk/client-s3\";\nexport type C = S3Client;\n",
        ),
    ]);
    let (check, _, code) = run(dir.path(), true);
    assert_eq!(code, Some(1));
    for (file, rule) in [
        ("cfg.js", "AR006"),
        ("urls.py", "AR003"),
        ("urls.js", "AR003"),
    ] {
        assert!(
            check.contains(&format!("\"code\":\"{rule}\"")) && check.contains(file),
            "{file} {rule}: {check}"
        );
    }
    assert!(!check.contains("types.ts"), "{check}");
}
