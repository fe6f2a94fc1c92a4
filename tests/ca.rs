//! `awsredirect ca path` and `awsredirect serve --tls-port` as commands: where the CA is created
//! (the state directory, else the per-user data directory), its key's mode, and the ready lines.
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use assert_cmd::cargo::cargo_bin;

#[test]
fn ca_path_creates_the_ca_in_the_state_directory() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let output = Command::new(cargo_bin("awsredirect"))
        .args(["ca", "path", "--state-dir"])
        .arg(&state)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let printed = String::from_utf8(output.stdout).unwrap();
    assert_eq!(printed.trim_end(), state.join("ca.pem").to_str().unwrap());
    assert!(std::fs::read_to_string(state.join("ca.pem"))
        .unwrap()
        .starts_with("-----BEGIN CERTIFICATE-----"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(state.join("ca-key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[cfg(target_os = "linux")]
#[test]
fn ca_path_defaults_to_the_per_user_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(cargo_bin("awsredirect"))
        .args(["ca", "path"])
        .env("XDG_DATA_HOME", dir.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let expected = dir.path().join("awsredirect").join("ca.pem");
    assert_eq!(
        String::from_utf8(output.stdout).unwrap().trim_end(),
        expected.to_str().unwrap()
    );
    assert!(expected.exists());
}

#[test]
fn serve_with_tls_port_prints_both_addresses_and_the_ca() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(cargo_bin("awsredirect"))
        .args(["serve", "--port", "0", "--tls-port", "0", "--state-dir"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let http = lines.next().unwrap().unwrap();
    let https = lines.next().unwrap().unwrap();
    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(http.starts_with("listening on http://127.0.0.1:"), "{http}");
    assert!(
        https.starts_with("listening on https://127.0.0.1:"),
        "{https}"
    );
    let ca = dir.path().join("ca.pem");
    assert!(
        stderr.contains(&format!("certificate authority: {}", ca.display())),
        "{stderr}"
    );
}
