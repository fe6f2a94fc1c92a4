//! Helpers shared by the command-line tests: the binary with a clean environment, and throwaway
//! projects.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use tempfile::TempDir;

/// A Python file with one unredirected client.
pub const UNREDIRECTED: &str = "import boto3\n\ns3 = boto3.client(\"s3\")\n";

/// `awsredirect` run in `dir`, without colour and without an endpoint from the environment.
pub fn awsredirect(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("awsredirect").unwrap();
    cmd.current_dir(dir)
        .env_remove("AWSREDIRECT_ENDPOINT")
        .env("NO_COLOR", "1");
    cmd
}

/// A temporary directory holding `files` (relative path, contents).
pub fn project(files: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}
