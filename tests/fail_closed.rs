//! Fail closed, on the command line: what `check` reports and `patch` / `unpatch` say instead of
//! passing silently (empty overrides, overrides pointing at another endpoint, every rule in
//! every surface).

use predicates::prelude::*;

mod common;
use common::{awsredirect, project, UNREDIRECTED};

#[test]
fn unpatch_names_overrides_that_point_at_another_endpoint() {
    let dir = project(&[("a.py", UNREDIRECTED), ("b.py", UNREDIRECTED)]);
    awsredirect(dir.path())
        .args(["patch", "--endpoint", "http://127.0.0.1:4777"])
        .assert()
        .code(0);
    let patched = std::fs::read_to_string(dir.path().join("a.py")).unwrap();
    awsredirect(dir.path())
        .arg("unpatch")
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
        "2 overrides point at http://127.0.0.1:4777; rerun with --endpoint http://127.0.0.1:4777",
    ));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.py")).unwrap(),
        patched
    );
}

#[test]
fn an_empty_override_is_reported_and_left_alone() {
    let text = "import boto3\ns3 = boto3.client(\"s3\", endpoint_url=None)\n";
    let dir = project(&[("app.py", text)]);
    awsredirect(dir.path())
        .arg("check")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("AR007"));
    awsredirect(dir.path())
        .args(["patch", "--check"])
        .assert()
        .code(0);
    awsredirect(dir.path()).arg("patch").assert().code(0);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("app.py")).unwrap(),
        text
    );
}

#[test]
fn every_rule_is_listed_selectable_and_documented() {
    let dir = project(&[]);
    let listed = awsredirect(dir.path()).arg("rules").output().unwrap();
    let listed = String::from_utf8(listed.stdout).unwrap();
    let codes: Vec<&str> = listed
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["AR001", "AR002", "AR003", "AR004", "AR005", "AR006", "AR007", "AR008"]
    );
    for code in codes {
        awsredirect(dir.path())
            .args(["rule", code])
            .assert()
            .code(0)
            .stdout(predicate::str::starts_with(code));
        awsredirect(dir.path())
            .args(["check", "--select", code])
            .assert()
            .code(0);
    }
}

#[test]
fn a_possible_client_is_fixed_only_with_unsafe_fixes() {
    let text = "def handler(session):\n    return session.client(\"s3\")\n";
    let dir = project(&[("app.py", text)]);
    awsredirect(dir.path())
        .arg("check")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("AR008"));
    awsredirect(dir.path())
        .arg("patch")
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "1 unsafe fix available (rerun with --unsafe-fixes)",
        ));
    assert_eq!(read(&dir, "app.py"), text);
    awsredirect(dir.path())
        .args(["patch", "--unsafe-fixes"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("1 site redirected"));
    assert_eq!(
        read(&dir, "app.py"),
        "def handler(session):\n    return session.client(\"s3\", endpoint_url=\"http://localhost:4566\")\n"
    );
    awsredirect(dir.path()).arg("unpatch").assert().code(0);
    assert_eq!(read(&dir, "app.py"), text);
}

fn read(dir: &tempfile::TempDir, name: &str) -> String {
    std::fs::read_to_string(dir.path().join(name)).unwrap()
}

const SESSIONS: &str = "import boto3\n\n\ndef session_for(profile):\n    return boto3.Session(profile_name=profile)\n\n\ndef s3_client():\n    return boto3.client(\"s3\")\n";

#[test]
fn factories_in_other_modules_resolve_their_call_sites() {
    let uses = [
        (
            "app.py",
            "from pkg.sessions import session_for\n\nsqs = session_for(\"dev\").client(\"sqs\")\n",
        ),
        (
            "pkg/worker.py",
            "from .sessions import session_for\n\nsns = session_for(\"dev\").client(\"sns\")\n",
        ),
        (
            "pkg/jobs.py",
            "from . import sessions\n\nssm = sessions.session_for(\"dev\").client(\"ssm\")\n",
        ),
        (
            "tool.py",
            "import pkg.sessions as s\n\nsts = s.session_for(\"dev\").client(\"sts\")\n",
        ),
    ];
    let redis_like = "import redis\n\n\ndef session_for(profile):\n    return redis.Redis()\n";
    let look_alike =
        "from cache.sessions import session_for\n\nkv = session_for(\"dev\").client(\"s3\")\n";
    let mut files = vec![
        ("pkg/__init__.py", ""),
        ("pkg/sessions.py", SESSIONS),
        ("cache/__init__.py", ""),
        ("cache/sessions.py", redis_like),
        ("look_alike.py", look_alike),
    ];
    files.extend(uses);
    let dir = project(&files);
    awsredirect(dir.path())
        .arg("patch")
        .assert()
        .code(0)
        .stderr(predicate::str::contains("5 sites redirected"));
    for (name, text) in uses {
        let patched = read(&dir, name);
        assert!(
            patched.contains("\", endpoint_url=\"http://localhost:4566\")"),
            "{name} was not redirected:\n{patched}"
        );
        assert_ne!(patched, text);
    }
    assert_eq!(read(&dir, "look_alike.py"), look_alike);
    assert_eq!(read(&dir, "cache/sessions.py"), redis_like);
    awsredirect(dir.path()).arg("unpatch").assert().code(0);
    for (name, text) in uses {
        assert_eq!(read(&dir, name), text, "{name}");
    }
}

/// A module the project pass parses for factories (it defines functions that return) is
/// checked there, before the other modules' factories are known; where one of them answers its
/// questions, the module is checked again with the answer.
#[test]
fn a_module_that_defines_functions_sees_the_factories_of_another() {
    let handler = "import boto3\nfrom pkg.sessions import session_for\n\n\ndef handler(event):\n    return session_for(\"dev\").client(\"sqs\")\n\n\ndef local():\n    return boto3.client(\"sns\")\n";
    let dir = project(&[
        ("pkg/__init__.py", ""),
        ("pkg/sessions.py", SESSIONS),
        ("pkg/handler.py", handler),
    ]);
    for args in [
        &["check", "--no-cache", "pkg/handler.py"][..],
        &["check", "--no-cache", "."],
        &["check", "."],
        &["check", "."],
    ] {
        let out = awsredirect(dir.path()).args(args).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stdout}");
        assert!(stdout.contains("handler.py:6:"), "{args:?}: {stdout}");
        assert!(stdout.contains("handler.py:10:"), "{args:?}: {stdout}");
    }
    awsredirect(dir.path())
        .args(["patch", "--no-cache"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("3 sites redirected"));
    let patched = read(&dir, "pkg/handler.py");
    assert!(
        patched.contains("client(\"sqs\", endpoint_url=\"http://localhost:4566\")"),
        "{patched}"
    );
}

/// The project pass reads every Python file; one it finds no SDK marker in is not read again
/// (per-file processing knows it by its job and its place there). With two paths (two jobs) and
/// such files among the others, every client is found, in its own file.
#[test]
fn files_the_project_pass_found_no_marker_in_leave_every_other_file_checked() {
    let client = "import boto3\ns3 = boto3.client(\"s3\")\n";
    let plain = "def add(a, b):\n    return a + b\n";
    let dir = project(&[
        ("a/0.py", plain),
        ("a/1.js", "const x = 1;\n"),
        ("a/2.py", client),
        ("a/3.py", plain),
        ("b/0.py", client),
        ("b/1.py", plain),
        ("b/2.py", plain),
        ("b/3.py", client),
    ]);
    let out = awsredirect(dir.path())
        .args(["check", "--no-cache", "--format", "github", "b", "a"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    for file in ["a/2.py", "b/0.py", "b/3.py"] {
        assert!(
            stdout.contains(&format!("file={file},line=2,")),
            "{file}: {stdout}"
        );
    }
    assert_eq!(stdout.matches("title=AR001").count(), 3, "{stdout}");
}

#[test]
fn a_file_named_alone_still_sees_the_project_factories() {
    let app =
        "from pkg.sessions import session_for\n\nsqs = session_for(\"dev\").client(\"sqs\")\n";
    let dir = project(&[
        ("pkg/__init__.py", ""),
        ("pkg/sessions.py", SESSIONS),
        ("app.py", app),
    ]);
    awsredirect(dir.path())
        .args(["check", "app.py"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("AR001"));
}

#[test]
fn javascript_that_swc_rejects_is_never_patched() {
    // tree-sitter recovers from the unterminated comment without an error node; node.js and swc
    // read everything after `/*/` as a comment, so an edit there would be an edit in a comment.
    let text = "/*/\nvar AWS = require(\"aws-sdk\");\nvar s3 = new AWS.S3();\n";
    let dir = project(&[("a.js", text)]);
    awsredirect(dir.path())
        .arg("patch")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does not parse"));
    assert_eq!(read(&dir, "a.js"), text);
}
