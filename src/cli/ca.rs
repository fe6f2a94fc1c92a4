//! `awsredirect ca path`: where the local certificate authority of `serve --tls-port` and `run`
//! lives (created on first use), for `AWS_CA_BUNDLE`, `NODE_EXTRA_CA_CERTS`, `REQUESTS_CA_BUNDLE`
//! and `SSL_CERT_FILE`.
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use awsredirect_emulator::tls::ca::{CaError, CertificateAuthority};

use crate::output;

/// Options of `awsredirect ca`.
#[derive(clap::Args, Debug)]
pub struct CaArgs {
    #[command(subcommand)]
    pub action: CaAction,
}

#[derive(clap::Subcommand, Debug)]
pub enum CaAction {
    /// Print the CA certificate's path (creating the CA if there is none yet).
    Path {
        /// The state directory whose CA to use (as given to `serve` or `run`) [default: the
        /// per-user data directory, e.g. ~/.local/share/awsredirect]
        #[arg(long, value_name = "DIR")]
        state_dir: Option<PathBuf>,
    },
}

/// Why there is no CA to use.
#[derive(Debug, thiserror::Error)]
pub enum CaDirError {
    #[error("no per-user data directory is known on this machine (set XDG_DATA_HOME or HOME, or pass --state-dir)")]
    NoDataDir,
    #[error("{dir}: {source}")]
    Absolute {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Ca(#[from] CaError),
}

/// The CA's directory, absolute (its certificate's path is handed to programs that may change
/// directory): the state directory if there is one, else `awsredirect` under the per-user data
/// directory (`$XDG_DATA_HOME`, `~/.local/share`, `~/Library/Application Support`, `%APPDATA%`).
pub fn ca_dir(state_dir: Option<&Path>) -> Result<PathBuf, CaDirError> {
    let dir = match state_dir {
        Some(dir) => dir.to_path_buf(),
        None => dirs::data_dir()
            .map(|dir| dir.join("awsredirect"))
            .ok_or(CaDirError::NoDataDir)?,
    };
    std::path::absolute(&dir).map_err(|source| CaDirError::Absolute { dir, source })
}

/// Loads the CA for this state directory, creating it on first use.
pub fn load(state_dir: Option<&Path>) -> Result<CertificateAuthority, CaDirError> {
    Ok(CertificateAuthority::load_or_create(&ca_dir(state_dir)?)?)
}

/// Runs `awsredirect ca`.
pub fn run(args: CaArgs) -> ExitCode {
    let CaAction::Path { state_dir } = args.action;
    match load(state_dir.as_deref()) {
        Ok(ca) => {
            output::ca::path(ca.cert_path());
            ExitCode::SUCCESS
        }
        Err(err) => {
            output::ca::failed(&err);
            ExitCode::from(2)
        }
    }
}
