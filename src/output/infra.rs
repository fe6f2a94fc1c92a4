//! What `awsredirect infra` prints: the configuration on stdout, or why not on stderr.
use std::io::Write;

use crate::infra::InfraError;

/// Writes the generated configuration as it is.
pub fn print(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// Why the configuration could not be made.
pub fn failed(error: &InfraError) {
    eprintln!("error: {}\nhelp: {}", error.message, error.hint);
}
