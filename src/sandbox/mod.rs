//! The sandbox of `awsredirect run`: on Linux, new user, network and mount namespaces in which
//! only the loopback interface exists, `/etc/hosts` names AWS's hosts as 127.0.0.1 and
//! `/etc/resolv.conf` points at 127.0.0.1, so a program can reach the emulator and nothing else.
//! Elsewhere `enter` says it cannot be done.
pub mod hosts;
#[cfg(target_os = "linux")]
mod linux;

/// Why the sandbox could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("`awsredirect run` needs Linux namespaces, which this platform does not have")]
    Unsupported,
    #[error("the kernel refused to create the sandbox's namespaces ({0})")]
    Refused(String),
    #[error("cannot set up the sandbox: {step}: {reason}")]
    Setup { step: String, reason: String },
}

impl SandboxError {
    /// What to do instead, for the message.
    pub fn hint(&self) -> &'static str {
        match self {
            SandboxError::Unsupported => {
                "run `awsredirect serve --tls-port 443` and point the AWS hostnames at it (`/etc/hosts` or DNS), or redirect the code itself with `awsredirect patch`"
            }
            SandboxError::Refused(_) => {
                "unprivileged user namespaces look disabled (sysctl user.max_user_namespaces, kernel.unprivileged_userns_clone, or kernel.apparmor_restrict_unprivileged_userns); enable them, run as root, or use `awsredirect serve --tls-port 443` with `/etc/hosts` / DNS redirection or `awsredirect patch` instead"
            }
            SandboxError::Setup { .. } => {
                "this is a bug or an unusual system; `awsredirect serve --tls-port 443` with `/etc/hosts` / DNS redirection, or `awsredirect patch`, work without a sandbox"
            }
        }
    }
}

/// What the sandbox is made with.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// Names besides the generated AWS ones that resolve to the emulator.
    pub extra_hosts: Vec<String>,
}

/// Moves this process into a new sandbox. Must be called while the process has one thread
/// (the kernel refuses a new user namespace to a multithreaded process): before the emulator's
/// runtime starts. Keep the returned guard alive until the command ends (it owns the files
/// mounted over `/etc`).
#[cfg(target_os = "linux")]
pub fn enter(layout: &Layout) -> Result<Guard, SandboxError> {
    linux::enter(layout)
}

#[cfg(not(target_os = "linux"))]
pub fn enter(_layout: &Layout) -> Result<Guard, SandboxError> {
    Err(SandboxError::Unsupported)
}

/// Keeps the sandbox's files alive.
#[derive(Debug)]
pub struct Guard {
    _files: Vec<tempfile::TempPath>,
}
