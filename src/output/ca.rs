//! What `awsredirect ca` prints: the CA certificate's path, or why there is none.
use std::io::Write;
use std::path::Path;

/// The path alone on a line, so `AWS_CA_BUNDLE=$(awsredirect ca path)` works.
pub fn path(path: &Path) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{}", path.display());
}

/// Why the CA could not be created or read.
pub fn failed(err: &dyn std::fmt::Display) {
    eprintln!("error: {err}");
}
