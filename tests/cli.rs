//! Command-line behaviour: exit codes, dry runs, diffs, bad input, walking rules, output formats.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use predicates::prelude::*;
use tempfile::TempDir;

mod common;
use common::{awsredirect, project, UNREDIRECTED};

const REDIRECTED: &str =
    "import boto3\n\ns3 = boto3.client(\"s3\", endpoint_url=\"http://localhost:4566\")\n";

fn read(dir: &TempDir, name: &str) -> String {
    fs::read_to_string(dir.path().join(name)).unwrap()
}

#[test]
fn patch_rewrites_and_reports_a_summary() {
    let dir = project(&[("app.py", UNREDIRECTED)]);
    awsredirect(dir.path())
        .args(["patch", "."])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "1 file scanned, 1 changed, 1 site redirected",
        ));
    assert_eq!(read(&dir, "app.py"), REDIRECTED);
}

#[test]
fn patch_defaults_to_the_current_directory_and_reads_the_endpoint_variable() {
    let dir = project(&[("app.py", UNREDIRECTED)]);
    awsredirect(dir.path())
        .arg("patch")
        .env("AWSREDIRECT_ENDPOINT", "http://127.0.0.1:5000")
        .assert()
        .code(0);
    assert!(read(&dir, "app.py").contains("endpoint_url=\"http://127.0.0.1:5000\""));
}

#[test]
fn diff_writes_nothing_and_git_apply_accepts_it() {
    let dir = project(&[("src/app.py", UNREDIRECTED)]);
    let output = awsredirect(dir.path())
        .args(["patch", "--diff", "src"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(read(&dir, "src/app.py"), UNREDIRECTED);
    let diff = String::from_utf8(output.stdout).unwrap();
    assert!(
        diff.contains("--- a/src/app.py\n+++ b/src/app.py\n"),
        "{diff}"
    );
    fs::write(dir.path().join("change.diff"), &diff).unwrap();
    let applied = Command::new("git")
        .args(["apply", "change.diff"])
        .current_dir(dir.path())
        .status()
        .expect("git is installed");
    assert!(applied.success());
    assert_eq!(read(&dir, "src/app.py"), REDIRECTED);
}

#[test]
fn check_flag_exits_one_when_something_would_change() {
    let dir = project(&[("app.py", UNREDIRECTED)]);
    awsredirect(dir.path())
        .args(["patch", "--check"])
        .assert()
        .code(1);
    assert_eq!(read(&dir, "app.py"), UNREDIRECTED);
    awsredirect(dir.path()).arg("patch").assert().code(0);
    awsredirect(dir.path())
        .args(["patch", "--check"])
        .assert()
        .code(0);
}

#[test]
fn unpatch_restores_the_original_and_keeps_other_endpoints() {
    let custom = "import boto3\nc = boto3.client(\"s3\", endpoint_url=\"http://minio:9000\")\n";
    let dir = project(&[("app.py", UNREDIRECTED), ("custom.py", custom)]);
    awsredirect(dir.path()).arg("patch").assert().code(0);
    awsredirect(dir.path())
        .arg("unpatch")
        .assert()
        .code(0)
        .stderr(predicate::str::contains("1 site restored"));
    assert_eq!(read(&dir, "app.py"), UNREDIRECTED);
    assert_eq!(read(&dir, "custom.py"), custom);
}

#[test]
fn unpatch_only_removes_the_endpoint_it_is_given() {
    let dir = project(&[("app.py", UNREDIRECTED)]);
    awsredirect(dir.path())
        .args(["patch", "--endpoint", "http://localhost:5000"])
        .assert()
        .code(0);
    awsredirect(dir.path()).arg("unpatch").assert().code(0);
    assert!(read(&dir, "app.py").contains("http://localhost:5000"));
    awsredirect(dir.path())
        .args(["unpatch", "--endpoint", "http://localhost:5000"])
        .assert()
        .code(0);
    assert_eq!(read(&dir, "app.py"), UNREDIRECTED);
}

#[test]
fn check_exit_codes() {
    let clean = project(&[("app.py", REDIRECTED)]);
    awsredirect(clean.path())
        .arg("check")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("no unredirected AWS clients"));
    let dirty = project(&[("app.py", UNREDIRECTED)]);
    awsredirect(dirty.path())
        .arg("check")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("AR001"))
        .stdout(predicate::str::contains("app.py:3:6"))
        .stdout(predicate::str::contains("awsredirect patch"));
}

#[test]
fn check_human_output_has_no_colour_when_piped() {
    let dir = project(&[("app.py", UNREDIRECTED)]);
    let output = awsredirect(dir.path())
        .env_remove("NO_COLOR")
        .arg("check")
        .output()
        .unwrap();
    assert!(!String::from_utf8(output.stdout).unwrap().contains('\u{1b}'));
}

#[test]
fn check_json_has_the_documented_shape() {
    let dir = project(&[("app.py", UNREDIRECTED), ("ok.py", REDIRECTED)]);
    let output = awsredirect(dir.path())
        .args(["check", "--format", "json", "."])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["version"], 1);
    let diagnostics = json["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1);
    let d = &diagnostics[0];
    assert_eq!(
        d["path"], "app.py",
        "relative, without ./, as in SARIF and GitHub output"
    );
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(3), Some(6))
    );
    assert_eq!(
        (d["end_line"].as_u64(), d["end_column"].as_u64()),
        (Some(3), Some(24))
    );
    assert_eq!(d["code"], "AR001");
    assert_eq!(d["service"], "s3");
    assert!(d["message"].as_str().unwrap().contains("boto3.client"));
}

#[test]
fn a_missing_path_is_an_error() {
    let dir = project(&[]);
    awsredirect(dir.path())
        .args(["check", "nope.py"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nope.py"));
}

#[test]
fn an_unreadable_file_is_an_error_and_others_are_still_patched() {
    let dir = project(&[("app.py", UNREDIRECTED)]);
    std::os::unix::fs::symlink("missing-target.py", dir.path().join("broken.py")).unwrap();
    awsredirect(dir.path())
        .args(["patch", "broken.py", "app.py"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("broken.py: cannot read"));
    assert_eq!(read(&dir, "app.py"), REDIRECTED);
}

#[test]
fn a_non_utf8_file_is_reported_and_untouched() {
    let dir = project(&[]);
    let bytes = b"import boto3\n# caf\xe9\ns3 = boto3.client('s3')\n".to_vec();
    fs::write(dir.path().join("latin1.py"), &bytes).unwrap();
    awsredirect(dir.path())
        .arg("patch")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("latin1.py: not valid UTF-8"));
    assert_eq!(fs::read(dir.path().join("latin1.py")).unwrap(), bytes);
}

#[test]
fn a_syntax_error_is_reported_with_its_position_and_untouched() {
    let broken = "import boto3\n\ns3 = boto3.client('s3'\nprint 'x'\n";
    let dir = project(&[("broken.py", broken)]);
    awsredirect(dir.path())
        .arg("patch")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("broken.py:3"))
        .stderr(predicate::str::contains("syntax error"));
    assert_eq!(read(&dir, "broken.py"), broken);
}

#[test]
fn a_binary_file_is_skipped_not_an_error() {
    let dir = project(&[("app.py", UNREDIRECTED)]);
    fs::write(dir.path().join("blob.py"), b"\x00\x01boto3.client('s3')").unwrap();
    awsredirect(dir.path())
        .arg("patch")
        .assert()
        .code(0)
        .stderr(predicate::str::contains("skipped blob.py: binary file"));
}

#[test]
fn a_read_only_file_is_not_written() {
    let dir = project(&[("app.py", UNREDIRECTED)]);
    let path = dir.path().join("app.py");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
    awsredirect(dir.path())
        .arg("patch")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("app.py: file is read-only"));
    assert_eq!(read(&dir, "app.py"), UNREDIRECTED);
}

#[test]
fn patch_keeps_the_file_mode_and_leaves_no_temporary_files() {
    let dir = project(&[("tool.py", UNREDIRECTED)]);
    let path = dir.path().join("tool.py");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o750)).unwrap();
    awsredirect(dir.path()).arg("patch").assert().code(0);
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o750
    );
    // The results cache is the only other entry (it is where the run's root is).
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != ".awsredirect_cache")
        .collect();
    assert_eq!(names, vec!["tool.py".to_string()]);
}

#[test]
fn walking_skips_ignored_files_virtualenvs_and_vendored_sdks() {
    let dir = project(&[
        ("app.py", UNREDIRECTED),
        (".gitignore", "generated/\n"),
        ("generated/gen.py", UNREDIRECTED),
        (".venv/lib/x.py", UNREDIRECTED),
        ("env/pyvenv.cfg", "home = /usr\n"),
        ("env/lib/y.py", UNREDIRECTED),
        ("node_modules/pkg/z.py", UNREDIRECTED),
        ("lib/python3.11/site-packages/w.py", UNREDIRECTED),
        ("vendor/boto3/__init__.py", UNREDIRECTED),
        ("vendor/other.py", UNREDIRECTED),
    ]);
    awsredirect(dir.path())
        .args(["patch", "--check"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("1 file scanned"));
    awsredirect(dir.path())
        .args(["patch", "--check", "--no-ignore"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("8 files scanned"));
}

#[test]
fn gits_global_excludes_file_applies_below_the_projects_own_gitignore() {
    let dir = project(&[
        ("home/.config/git/ignore", "gen_*.py\n"),
        ("work/.gitignore", "!gen_keep.py\n"),
        ("work/app.py", UNREDIRECTED),
        ("work/gen_a.py", UNREDIRECTED),
        ("work/gen_keep.py", UNREDIRECTED),
    ]);
    awsredirect(&dir.path().join("work"))
        .env("HOME", dir.path().join("home"))
        .env_remove("XDG_CONFIG_HOME")
        .args(["check", "--format", "json"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("gen_keep.py"))
        .stdout(predicate::str::contains("app.py"))
        .stdout(predicate::str::contains("gen_a.py").not());
}

#[test]
fn a_file_named_on_the_command_line_is_processed_even_if_ignored() {
    let dir = project(&[(".gitignore", "gen.py\n"), ("gen.py", UNREDIRECTED)]);
    awsredirect(dir.path())
        .args(["patch", "gen.py"])
        .assert()
        .code(0);
    assert_eq!(read(&dir, "gen.py"), REDIRECTED);
}

#[test]
fn extensionless_scripts_are_found_by_shebang() {
    let script = "#!/usr/bin/env python3\nimport boto3\nboto3.client('s3')\n";
    let dir = project(&[("bin/tool", script), ("bin/notes", "just text\n")]);
    awsredirect(dir.path())
        .args(["check", "--format", "json"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("bin/tool"));
}

#[test]
fn help_has_an_example_per_command() {
    for command in ["patch", "unpatch", "check"] {
        awsredirect(Path::new("."))
            .args([command, "--help"])
            .assert()
            .code(0)
            .stdout(predicate::str::contains(format!("awsredirect {command} ")));
    }
}

/// The paths `check --format json` reported findings in, sorted.
fn checked_paths(dir: &Path, args: &[&str]) -> Vec<String> {
    let output = awsredirect(dir)
        .args(["check", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut paths: Vec<String> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            d["path"]
                .as_str()
                .unwrap()
                .trim_start_matches("./")
                .to_string()
        })
        .collect();
    paths.sort();
    paths
}

#[test]
fn a_bad_endpoint_flag_stops_every_command_before_any_file_is_read() {
    for command in ["patch", "unpatch", "check"] {
        for bad in [
            "localhost:4566",
            "",
            "ftp://localhost:4566",
            "http://",
            "http://local host",
        ] {
            let dir = project(&[("app.py", UNREDIRECTED)]);
            awsredirect(dir.path())
                .args([command, "--endpoint", bad, "."])
                .assert()
                .code(2)
                .stdout("")
                .stderr(predicate::str::contains(format!("{bad:?} from --endpoint")))
                .stderr(predicate::str::contains("files scanned").not());
            assert_eq!(read(&dir, "app.py"), UNREDIRECTED, "{command} {bad:?}");
        }
    }
}

#[test]
fn a_missing_scheme_suggests_the_url() {
    let dir = project(&[("app.py", UNREDIRECTED)]);
    awsredirect(dir.path())
        .args(["patch", "--endpoint", "localhost:4566"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "did you mean http://localhost:4566?",
        ));
    assert_eq!(read(&dir, "app.py"), UNREDIRECTED);
}

#[test]
fn a_bad_or_empty_endpoint_variable_is_an_error_naming_the_variable() {
    for bad in ["", "localhost:4566"] {
        let dir = project(&[("app.py", UNREDIRECTED)]);
        awsredirect(dir.path())
            .arg("patch")
            .env("AWSREDIRECT_ENDPOINT", bad)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "{bad:?} from AWSREDIRECT_ENDPOINT (environment variable)"
            )));
        assert_eq!(read(&dir, "app.py"), UNREDIRECTED);
    }
    let dir = project(&[("app.py", UNREDIRECTED)]);
    awsredirect(dir.path())
        .args(["patch", "--endpoint", "http://127.0.0.1:7000"])
        .env("AWSREDIRECT_ENDPOINT", "")
        .assert()
        .code(0);
    assert!(read(&dir, "app.py").contains("http://127.0.0.1:7000"));
}

#[test]
fn hidden_directories_are_walked_but_the_default_exclusions_are_not() {
    let mut files: Vec<(String, &str)> = [
        "app.py",
        ".github/scripts/deploy.py",
        ".circleci/upload.py",
        ".tools/seed.py",
    ]
    .iter()
    .map(|p| (p.to_string(), UNREDIRECTED))
    .collect();
    for name in awsredirect::walk::DEFAULT_EXCLUDES {
        files.push((format!("{name}/x.py"), UNREDIRECTED));
    }
    let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), *t)).collect();
    let dir = project(&files);
    assert_eq!(
        checked_paths(dir.path(), &[]),
        [
            ".circleci/upload.py",
            ".github/scripts/deploy.py",
            ".tools/seed.py",
            "app.py"
        ]
    );
    let everything = checked_paths(dir.path(), &["--no-ignore"]);
    assert_eq!(
        everything.len(),
        4 + awsredirect::walk::DEFAULT_EXCLUDES.len()
    );
}

#[test]
fn help_lists_the_default_exclusions() {
    let output = awsredirect(Path::new("."))
        .args(["check", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    for name in awsredirect::walk::DEFAULT_EXCLUDES {
        assert!(help.contains(name), "{name} missing from:\n{help}");
    }
    assert!(help.contains("pyvenv.cfg") && help.contains("--force-exclude"));
}

#[test]
fn extend_exclude_adds_to_the_defaults_and_exclude_replaces_them() {
    let files = [
        ("app.py", UNREDIRECTED),
        ("generated/gen.py", UNREDIRECTED),
        ("templates/page.tmpl.py", UNREDIRECTED),
        (".venv/lib/v.py", UNREDIRECTED),
    ];
    let extend = project(&files);
    fs::write(
        extend.path().join("awsredirect.toml"),
        "extend-exclude = [\"generated/**\", \"*.tmpl.py\"]\n",
    )
    .unwrap();
    assert_eq!(checked_paths(extend.path(), &[]), ["app.py"]);
    let replace = project(&files);
    fs::write(
        replace.path().join("awsredirect.toml"),
        "exclude = [\"generated\"]\n",
    )
    .unwrap();
    assert_eq!(
        checked_paths(replace.path(), &[]),
        [".venv/lib/v.py", "app.py", "templates/page.tmpl.py"]
    );
}

#[test]
fn force_exclude_applies_the_exclusions_to_named_files() {
    let dir = project(&[
        ("awsredirect.toml", "extend-exclude = [\"generated/**\"]\n"),
        ("generated/gen.py", UNREDIRECTED),
        (".venv/lib/v.py", UNREDIRECTED),
        ("app.py", UNREDIRECTED),
    ]);
    awsredirect(dir.path())
        .args([
            "patch",
            "--force-exclude",
            "generated/gen.py",
            ".venv/lib/v.py",
            "app.py",
        ])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "skipped generated/gen.py: excluded (--force-exclude)",
        ))
        .stderr(predicate::str::contains(
            "skipped .venv/lib/v.py: excluded (--force-exclude)",
        ));
    assert_eq!(read(&dir, "generated/gen.py"), UNREDIRECTED);
    assert_eq!(read(&dir, ".venv/lib/v.py"), UNREDIRECTED);
    assert_eq!(read(&dir, "app.py"), REDIRECTED);
    awsredirect(dir.path())
        .args(["patch", "generated/gen.py"])
        .assert()
        .code(0);
    assert_eq!(read(&dir, "generated/gen.py"), REDIRECTED);
}

#[test]
fn a_missing_path_is_never_reported_as_success() {
    let dir = project(&[("ok.py", REDIRECTED)]);
    awsredirect(dir.path())
        .args(["check", "ok.py", "nope.py"])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("no unredirected").not())
        .stdout(predicate::str::contains("1 file scanned, 1 error"))
        .stderr(predicate::str::contains(
            "nope.py: no such file or directory",
        ));
    awsredirect(dir.path())
        .args(["patch", "ok.py", "nope.py"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("0 skipped, 1 error\n"));
}

#[test]
fn a_missing_path_is_an_error_in_every_check_format() {
    let dir = project(&[("ok.py", REDIRECTED)]);
    for format in ["json", "sarif", "github"] {
        let output = awsredirect(dir.path())
            .args(["check", "--format", format, "ok.py", "nope.py"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{format}");
        let stdout = String::from_utf8(output.stdout).unwrap();
        match format {
            "json" => {
                let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
                assert_eq!(json["errors"][0]["path"], "nope.py", "{stdout}");
            }
            "github" => assert!(stdout.contains("::error file=nope.py::"), "{stdout}"),
            _ => {
                serde_json::from_str::<serde_json::Value>(&stdout).unwrap();
            }
        }
    }
}
