//! CLI behaviour for JavaScript / TypeScript that fixtures cannot show: which files a directory
//! walk picks (declaration files and node_modules skipped, `node` scripts without extension read).

use std::fs;

use assert_cmd::Command;

const CLIENT: &str = "const AWS = require('aws-sdk');\nconst s3 = new AWS.S3();\n";

#[test]
fn patch_walks_scripts_and_skips_declarations_and_node_modules() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("bin")).unwrap();
    fs::create_dir_all(root.join("node_modules/aws-sdk")).unwrap();
    fs::write(
        root.join("bin/tool"),
        format!("#!/usr/bin/env node\n{CLIENT}"),
    )
    .unwrap();
    fs::write(root.join("types.d.ts"), "declare const s3: unknown;\n").unwrap();
    fs::write(root.join("node_modules/aws-sdk/index.js"), CLIENT).unwrap();

    Command::cargo_bin("awsredirect")
        .unwrap()
        .current_dir(root)
        .args(["patch", "--endpoint", "http://localhost:4566"])
        .arg(root)
        .assert()
        .success();

    let tool = fs::read_to_string(root.join("bin/tool")).unwrap();
    assert!(
        tool.contains("new AWS.S3({ endpoint: 'http://localhost:4566', s3ForcePathStyle: true })")
    );
    let vendored = fs::read_to_string(root.join("node_modules/aws-sdk/index.js")).unwrap();
    assert_eq!(vendored, CLIENT);
}

#[test]
fn check_reports_a_global_endpoint_and_unredirected_clients() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.js");
    fs::write(
        &file,
        "const AWS = require('aws-sdk');\nAWS.config.update({ endpoint: 'http://x' });\nnew AWS.S3();\n",
    )
    .unwrap();
    let output = Command::cargo_bin("awsredirect")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let codes: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["AR006", "AR001"]);
}
