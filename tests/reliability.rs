//! Reliability: SIGKILL at random moments during `patch` (every file is either original or fully
//! patched; leftovers are removed by the next run), and hostile inputs answered with a clear
//! message and nothing lost. Sizes scale with AWSREDIRECT_FAULT_FILES / AWSREDIRECT_FAULT_ROUNDS
//! (defaults keep CI short; RELIABILITY.md records the full run).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use tempfile::TempDir;

const ORIGINAL: &str = "import boto3\n\ns3 = boto3.client(\"s3\")\nsqs = boto3.resource(\"sqs\")\n";
const PATCHED: &str = "import boto3\n\ns3 = boto3.client(\"s3\", endpoint_url=\"http://localhost:4566\")\nsqs = boto3.resource(\"sqs\", endpoint_url=\"http://localhost:4566\")\n";

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn awsredirect() -> Command {
    let mut cmd = Command::cargo_bin("awsredirect").unwrap();
    // Runs on paths outside the working directory (the repository): the results cache goes to
    // the temporary directory, not the repository.
    cmd.env_remove("AWSREDIRECT_ENDPOINT")
        .env("NO_COLOR", "1")
        .env(
            "AWSREDIRECT_CACHE_DIR",
            std::env::temp_dir().join("awsredirect-reliability-cache"),
        );
    cmd
}

/// A deterministic xorshift generator: the same seed gives the same kill times.
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

fn tree(root: &Path, files: usize) -> Vec<PathBuf> {
    (0..files)
        .map(|i| {
            let path = root.join(format!("pkg{}/mod{}.py", i % 50, i));
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, ORIGINAL).unwrap();
            path
        })
        .collect()
}

fn leftovers(root: &Path) -> Vec<PathBuf> {
    walk(root)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".awsredirect-")
        })
        .collect()
}

fn walk(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

#[test]
fn sigkill_during_patch_leaves_every_file_original_or_patched() {
    let files = env_number("AWSREDIRECT_FAULT_FILES", 600);
    let rounds = env_number("AWSREDIRECT_FAULT_ROUNDS", 8);
    let dir = TempDir::new().unwrap();
    let paths = tree(dir.path(), files);

    let started = Instant::now();
    let full = awsredirect()
        .arg("patch")
        .arg(dir.path())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(full.success());
    let full_run = started.elapsed();

    let mut random = Random(0x5eed_1234_abcd_9876);
    let mut killed_mid_run = 0;
    for round in 0..rounds {
        for path in &paths {
            fs::write(path, ORIGINAL).unwrap();
        }
        let mut child = awsredirect()
            .arg("patch")
            .arg(dir.path())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let delay = random.below(full_run.as_micros() as u64);
        std::thread::sleep(Duration::from_micros(delay));
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        killed_mid_run += usize::from(!status.success());

        let (mut original, mut patched) = (0, 0);
        for path in &paths {
            match fs::read_to_string(path).unwrap().as_str() {
                ORIGINAL => original += 1,
                PATCHED => patched += 1,
                other => panic!(
                    "round {round}: {} is neither original nor patched:\n{other}",
                    path.display()
                ),
            }
        }
        assert_eq!(original + patched, files);

        let left = leftovers(dir.path());
        let rerun = awsredirect().arg("patch").arg(dir.path()).output().unwrap();
        assert!(
            rerun.status.success(),
            "round {round}: {}",
            String::from_utf8_lossy(&rerun.stderr)
        );
        let stderr = String::from_utf8_lossy(&rerun.stderr);
        for leftover in &left {
            assert!(
                stderr.contains(&*leftover.file_name().unwrap().to_string_lossy()),
                "round {round}: leftover {} not reported as removed",
                leftover.display()
            );
        }
        assert!(
            leftovers(dir.path()).is_empty(),
            "round {round}: leftovers remain"
        );
        assert!(paths
            .iter()
            .all(|p| fs::read_to_string(p).unwrap() == PATCHED));
    }
    assert!(
        killed_mid_run > 0,
        "no kill landed during a run; the test proved nothing"
    );
}

fn project(files: &[(&str, &[u8])]) -> TempDir {
    let dir = TempDir::new().unwrap();
    for (name, bytes) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }
    dir
}

fn run(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let output = awsredirect().current_dir(dir).args(args).output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn symlink_loops_do_not_hang_the_walk() {
    let dir = project(&[("a.py", ORIGINAL.as_bytes())]);
    std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
    std::os::unix::fs::symlink("self.py", dir.path().join("self.py")).unwrap();
    let (code, _) = run(dir.path(), &["patch", "."]);
    assert_eq!(code, Some(0));
    let (code, stderr) = run(dir.path(), &["patch", "self.py"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("self.py: cannot read"), "{stderr}");
}

#[test]
fn symlinks_to_outside_the_tree_are_never_written_through() {
    let outside = project(&[("secret.py", ORIGINAL.as_bytes())]);
    let dir = project(&[]);
    std::os::unix::fs::symlink(outside.path().join("secret.py"), dir.path().join("link.py"))
        .unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("linked-dir")).unwrap();
    let (code, _) = run(dir.path(), &["patch", "."]);
    assert_eq!(code, Some(0));
    let (code, stderr) = run(dir.path(), &["patch", "link.py"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("link.py: is a symbolic link; not written through"),
        "{stderr}"
    );
    assert_eq!(
        fs::read_to_string(outside.path().join("secret.py")).unwrap(),
        ORIGINAL
    );
    assert!(fs::symlink_metadata(dir.path().join("link.py"))
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn a_file_changed_during_the_run_is_not_overwritten() {
    use awsredirect::files::{read_source, write_atomic};
    use awsredirect::lang::Language;
    let dir = project(&[("a.py", ORIGINAL.as_bytes())]);
    let path = dir.path().join("a.py");
    let source = read_source(&path, Language::Python).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    fs::write(&path, format!("{ORIGINAL}# edited meanwhile\n")).unwrap();
    let error = write_atomic(&source, PATCHED).unwrap_err();
    assert!(
        error.contains("changed while awsredirect was working on it"),
        "{error}"
    );
    assert!(fs::read_to_string(&path)
        .unwrap()
        .ends_with("# edited meanwhile\n"));
    assert!(leftovers(dir.path()).is_empty());
}

#[test]
fn read_only_directories_are_reported_and_untouched() {
    let dir = project(&[("ro/a.py", ORIGINAL.as_bytes())]);
    let ro = dir.path().join("ro");
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o555)).unwrap();
    let (code, stderr) = run(dir.path(), &["patch", "."]);
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("ro/a.py: its directory is read-only"),
        "{stderr}"
    );
    assert_eq!(fs::read_to_string(ro.join("a.py")).unwrap(), ORIGINAL);
}

#[test]
fn huge_files_are_skipped_without_being_read() {
    let dir = project(&[("small.py", ORIGINAL.as_bytes())]);
    let huge = fs::File::create(dir.path().join("huge.py")).unwrap();
    huge.set_len(60 * 1024 * 1024).unwrap();
    let (code, stderr) = run(dir.path(), &["patch", "."]);
    assert_eq!(code, Some(0));
    assert!(
        stderr.contains("skipped huge.py: file is 60 MiB, over the 16 MiB limit"),
        "{stderr}"
    );
    assert_eq!(
        fs::metadata(dir.path().join("huge.py")).unwrap().len(),
        60 * 1024 * 1024
    );
}

#[test]
fn very_long_lines_are_patched() {
    let padding = "x".repeat(2_000_000);
    let text = format!("import boto3\nvalue = \"{padding}\"; c = boto3.client(\"s3\")\n");
    let dir = project(&[("long.py", text.as_bytes())]);
    let (code, _) = run(dir.path(), &["patch", "."]);
    assert_eq!(code, Some(0));
    let patched = fs::read_to_string(dir.path().join("long.py")).unwrap();
    assert!(patched.ends_with("c = boto3.client(\"s3\", endpoint_url=\"http://localhost:4566\")\n"));
}

#[test]
fn ten_thousand_levels_of_nesting_do_not_overflow_the_stack() {
    let depth = 10_000;
    let text = format!(
        "import boto3\nx = {}boto3.client(\"s3\"){}\ny = {}{}\n",
        "(".repeat(depth),
        ")".repeat(depth),
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let dir = project(&[("deep.py", text.as_bytes())]);
    for command in ["check", "patch"] {
        let output = awsredirect()
            .current_dir(dir.path())
            .args([command, "."])
            .output()
            .unwrap();
        assert!(
            output.status.code().is_some(),
            "{command} was killed by a signal"
        );
    }
    let after = fs::read_to_string(dir.path().join("deep.py")).unwrap();
    assert!(
        after == text || after.contains("endpoint_url"),
        "file damaged"
    );
}

#[test]
fn nul_bytes_and_invalid_utf8_lose_nothing() {
    let with_nul = b"import boto3\n\x00\nboto3.client('s3')\n".to_vec();
    let bad_utf8 = b"import boto3\nname = '\xff\xfe'\nboto3.client('s3')\n".to_vec();
    let dir = project(&[("nul.py", &with_nul), ("bad.py", &bad_utf8)]);
    let (code, stderr) = run(dir.path(), &["patch", "."]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("skipped nul.py: binary file"), "{stderr}");
    assert!(
        stderr.contains("bad.py: not valid UTF-8 (invalid byte at offset 21)"),
        "{stderr}"
    );
    assert_eq!(fs::read(dir.path().join("nul.py")).unwrap(), with_nul);
    assert_eq!(fs::read(dir.path().join("bad.py")).unwrap(), bad_utf8);
}
