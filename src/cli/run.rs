//! `awsredirect run [OPTIONS] -- COMMAND [ARGS...]`: runs a command in a sandbox where AWS is the
//! emulator and nothing else is reachable. Order matters: the CA is made and the namespaces
//! entered while the process has one thread; then the emulator starts (HTTP on 4566, HTTPS on
//! 443, DNS on 53) and the command is spawned only once it listens; the command's exit code is
//! `run`'s.
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, ExitStatus};
use std::thread::JoinHandle;

use awsredirect_emulator::dns::{DnsConfig, Upstream};
use awsredirect_emulator::tls::TlsConfig;
use awsredirect_emulator::{run_until, EmulatorError, ServeConfig};

use crate::cli::ca::{self, CaDirError};
use crate::output;
use crate::sandbox::{self, Layout, SandboxError};

/// The emulator's plain HTTP port inside the sandbox.
pub const HTTP_PORT: u16 = 4566;
/// The emulator's HTTPS port inside the sandbox: where SDKs go for `https://*.amazonaws.com`.
pub const HTTPS_PORT: u16 = 443;
/// The DNS port inside the sandbox: `/etc/resolv.conf` names 127.0.0.1.
pub const DNS_PORT: u16 = 53;
/// The region the command gets when it names none.
const DEFAULT_REGION: &str = "us-east-1";

/// Options of `awsredirect run`.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// Keep the emulator's state (and the CA) in this directory across runs [default: state in
    /// memory, the CA in the per-user data directory]
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// Another name that resolves to the emulator inside the sandbox (AWS names, S3
    /// virtual-hosted buckets included, already do); repeatable.
    #[arg(long = "add-host", value_name = "NAME")]
    pub add_hosts: Vec<String>,
    /// The command to run, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}

/// Why the command could not be run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Ca(#[from] CaDirError),
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    #[error("the emulator could not start inside the sandbox: {0}")]
    Emulator(#[from] EmulatorError),
    #[error("cannot run {command:?}: {source}")]
    Spawn {
        command: OsString,
        source: std::io::Error,
    },
}

impl RunError {
    /// The exit code: 127 / 126 for a command not found / not executable, as shells do.
    fn code(&self) -> u8 {
        match self {
            RunError::Spawn { source, .. } => match source.kind() {
                std::io::ErrorKind::NotFound => 127,
                std::io::ErrorKind::PermissionDenied => 126,
                _ => 2,
            },
            _ => 2,
        }
    }
}

/// Runs `awsredirect run`.
pub fn run(args: RunArgs) -> ExitCode {
    match run_sandboxed(&args) {
        Ok(status) => exit_code(status),
        Err(err) => {
            output::run::failed(&err);
            ExitCode::from(err.code())
        }
    }
}

fn run_sandboxed(args: &RunArgs) -> Result<ExitStatus, RunError> {
    let ca_dir = ca::ca_dir(args.state_dir.as_deref())?;
    let ca = ca::load(args.state_dir.as_deref())?;
    let layout = Layout {
        extra_hosts: args.add_hosts.clone(),
    };
    let _sandbox = sandbox::enter(&layout)?;
    let emulator = Emulator::start(emulator_config(args, ca_dir))?;
    let status = run_command(&args.command, ca.cert_path());
    emulator.stop();
    status
}

fn emulator_config(args: &RunArgs, ca_dir: PathBuf) -> ServeConfig {
    ServeConfig {
        port: HTTP_PORT,
        state_dir: args.state_dir.clone(),
        tls: Some(TlsConfig {
            port: HTTPS_PORT,
            ca_dir,
        }),
        // AWS names (S3 virtual-hosted buckets too, which a hosts file cannot list) resolve to
        // the emulator; every other name is refused, never forwarded out of the sandbox.
        dns: Some(DnsConfig {
            upstream: Upstream::Isolated,
            ..DnsConfig::new(std::net::SocketAddr::from(([127, 0, 0, 1], DNS_PORT)))
        }),
        ..ServeConfig::new()
    }
}

/// The emulator on its own thread and runtime.
struct Emulator {
    stop: tokio::sync::oneshot::Sender<()>,
    thread: JoinHandle<Result<(), EmulatorError>>,
}

impl Emulator {
    /// Starts the emulator and returns once it listens (or failed to).
    fn start(config: ServeConfig) -> Result<Emulator, RunError> {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let on_ready = move |_: &awsredirect_emulator::Ready| {
                let _ = ready_tx.send(());
            };
            run_until(config, on_ready, async {
                let _ = stopped.await;
            })
        });
        if ready_rx.recv().is_ok() {
            return Ok(Emulator { stop, thread });
        }
        // The sender is gone without a ready signal: the emulator stopped with an error.
        match thread.join() {
            Ok(Err(err)) => Err(RunError::Emulator(err)),
            _ => Err(RunError::Emulator(EmulatorError::Runtime(
                std::io::Error::other("the emulator stopped before it listened"),
            ))),
        }
    }

    /// Stops the emulator, letting requests in flight finish.
    fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.thread.join();
    }
}

/// Runs the command with the CA and default credentials in its environment and waits for it,
/// forwarding termination signals.
fn run_command(command: &[OsString], ca_cert: &Path) -> Result<ExitStatus, RunError> {
    let (program, args) = command.split_first().expect("clap requires a command");
    let mut child = Command::new(program);
    child.args(args);
    for (name, value) in environment(ca_cert, |name| std::env::var_os(name)) {
        match value {
            Some(value) => child.env(name, value),
            None => child.env_remove(name),
        };
    }
    let spawn_error = |source| RunError::Spawn {
        command: program.clone(),
        source,
    };
    // If `run` itself is killed, the command must not outlive the emulator it talks to.
    die_with_parent(&mut child);
    signals::install();
    let mut child = child.spawn().map_err(spawn_error)?;
    signals::forward_to(child.id());
    let status = child.wait().map_err(spawn_error);
    signals::forward_to(0);
    status
}

/// Variables proxies are named in: a proxy cannot be reached from the sandbox.
const PROXY_VARIABLES: &[&str] = &[
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
];

/// The command's environment changes: the CA for every SDK's trust variable, credentials and
/// region where the environment has none, and no proxies (`None` removes a variable).
pub fn environment(
    ca_cert: &Path,
    get: impl Fn(&str) -> Option<OsString>,
) -> Vec<(&'static str, Option<OsString>)> {
    let ca = OsString::from(ca_cert);
    let mut changes: Vec<(&'static str, Option<OsString>)> = [
        "AWS_CA_BUNDLE",
        "NODE_EXTRA_CA_CERTS",
        "REQUESTS_CA_BUNDLE",
        "SSL_CERT_FILE",
        "CURL_CA_BUNDLE",
    ]
    .into_iter()
    .map(|name| (name, Some(ca.clone())))
    .collect();
    for (name, default) in [
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
    ] {
        if get(name).is_none() {
            changes.push((name, Some(default.into())));
        }
    }
    // botocore reads AWS_DEFAULT_REGION, the JavaScript SDK AWS_REGION: set both alike.
    let region = get("AWS_REGION")
        .or_else(|| get("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|| DEFAULT_REGION.into());
    for name in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
        if get(name).is_none() {
            changes.push((name, Some(region.clone())));
        }
    }
    changes.extend(PROXY_VARIABLES.iter().map(|name| (*name, None)));
    changes
}

/// The exit code of a command: its own, or 128 + the signal that killed it.
fn exit_code(status: ExitStatus) -> ExitCode {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return ExitCode::from(128u8.wrapping_add(signal as u8));
        }
    }
    ExitCode::from(status.code().unwrap_or(1) as u8)
}

/// While the command runs, `run` passes SIGTERM, SIGHUP and SIGQUIT on to it and outlives a
/// terminal's Ctrl-C (the terminal sends SIGINT to the command too; the command decides).
#[cfg(target_os = "linux")]
mod signals {
    use std::sync::atomic::{AtomicI32, Ordering};

    use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};

    static CHILD: AtomicI32 = AtomicI32::new(0);

    extern "C" fn forward(signal: libc::c_int) {
        let pid = CHILD.load(Ordering::SeqCst);
        if pid > 0 {
            // SAFETY: kill is async-signal-safe.
            unsafe {
                libc::kill(pid, signal);
            }
        }
    }

    /// A handler that does nothing (unlike SIG_IGN, a handler is reset by `exec`, so the
    /// command still gets the default SIGINT behaviour).
    extern "C" fn ignore(_: libc::c_int) {}

    /// Installs the handlers (before the command is spawned, so no signal is lost).
    pub fn install() {
        let set = |signal, handler| {
            let action = SigAction::new(
                SigHandler::Handler(handler),
                SaFlags::SA_RESTART,
                SigSet::empty(),
            );
            // SAFETY: the handlers only read an atomic and call kill.
            let _ = unsafe { sigaction(signal, &action) };
        };
        for signal in [Signal::SIGTERM, Signal::SIGHUP, Signal::SIGQUIT] {
            set(signal, forward);
        }
        set(Signal::SIGINT, ignore);
    }

    /// Where forwarded signals go (0: nowhere).
    pub fn forward_to(pid: u32) {
        CHILD.store(i32::try_from(pid).unwrap_or(0), Ordering::SeqCst);
    }
}

#[cfg(target_os = "linux")]
fn die_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
mod signals {
    pub fn install() {}
    pub fn forward_to(_pid: u32) {}
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_command: &mut Command) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fill_only_what_is_unset() {
        let changes = environment(Path::new("/ca.pem"), |name| {
            (name == "AWS_REGION").then(|| OsString::from("eu-west-1"))
        });
        let get = |name: &str| {
            changes
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(get("AWS_CA_BUNDLE"), Some(Some("/ca.pem".into())));
        assert_eq!(get("SSL_CERT_FILE"), Some(Some("/ca.pem".into())));
        assert_eq!(get("AWS_ACCESS_KEY_ID"), Some(Some("test".into())));
        assert_eq!(get("AWS_REGION"), None);
        assert_eq!(get("AWS_DEFAULT_REGION"), Some(Some("eu-west-1".into())));
        assert_eq!(get("HTTPS_PROXY"), Some(None));
    }
}
