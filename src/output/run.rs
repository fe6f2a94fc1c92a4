//! What `awsredirect run` prints of its own: why the command could not be run, and what to do
//! instead when the sandbox cannot be made. The command's output is its own.
use crate::cli::run::RunError;

/// The error, and for a sandbox that cannot be made, what to do instead.
pub fn failed(err: &RunError) {
    eprintln!("error: {err}");
    if let RunError::Sandbox(sandbox) = err {
        eprintln!("hint: {}", sandbox.hint());
    }
}
