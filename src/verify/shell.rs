//! Shell syntax check with `bash -n`, where bash is installed (it reads the script from stdin and
//! runs nothing).

use std::io::Write;
use std::process::{Command, Stdio};

use super::VerifyError;

/// `Ok` when `bash -n` accepts `text`, or when there is no `bash` to ask.
pub fn bash_parse(text: &str) -> Result<(), VerifyError> {
    let child = Command::new("bash")
        .arg("-n")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        return Ok(());
    };
    if let Some(mut stdin) = child.stdin.take() {
        // A script bash rejects early may close stdin before reading it all; the exit status says so.
        let _ = stdin.write_all(text.as_bytes());
    }
    let output = child.wait_with_output().map_err(|e| VerifyError {
        message: format!("bash -n did not finish: {e}"),
        offset: None,
    })?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    Err(VerifyError {
        message: format!(
            "bash -n: {}",
            stderr.lines().next().unwrap_or("syntax error").trim()
        ),
        offset: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bash_rejects_an_unfinished_if_when_installed() {
        assert!(bash_parse("if true; then\n  aws s3 ls\nfi\n").is_ok());
        let bash_installed = Command::new("bash").arg("--version").output().is_ok();
        assert_eq!(bash_parse("if true; then\n").is_err(), bash_installed);
    }
}
