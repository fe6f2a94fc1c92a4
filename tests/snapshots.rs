//! Snapshots of what people read: `check`'s human, JSON, SARIF and GitHub outputs, and
//! `rules`, on a small tree where every rule fires (tests/every-rule). An output change shows
//! up as a snapshot diff to review (`cargo insta review`), never by accident.

#[allow(dead_code)]
mod common;

use std::path::Path;

fn tree() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/every-rule"))
}

/// `check --format FORMAT` on the tree: exit code, stdout and stderr, with the version made
/// stable so a release does not change the snapshots.
fn check(format: &str) -> String {
    let output = common::awsredirect(tree())
        .args(["check", "--format", format, "."])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    let text = format!(
        "exit: {:?}\n--- stdout\n{stdout}--- stderr\n{stderr}",
        output.status.code()
    );
    text.replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
}

#[test]
fn human() {
    insta::assert_snapshot!(check("human"));
}

#[test]
fn json() {
    insta::assert_snapshot!(check("json"));
}

#[test]
fn sarif() {
    insta::assert_snapshot!(check("sarif"));
}

#[test]
fn github() {
    insta::assert_snapshot!(check("github"));
}

#[test]
fn rules() {
    let output = common::awsredirect(tree()).arg("rules").output().unwrap();
    insta::assert_snapshot!(String::from_utf8(output.stdout).unwrap());
}
