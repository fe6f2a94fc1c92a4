//! `awsredirect serve`: runs the bundled emulator and reports where it listens.
use std::path::PathBuf;
use std::process::ExitCode;

use crate::output;
use awsredirect_emulator::{self as emulator, ServeConfig};

/// Options of `awsredirect serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Address to bind; anything but loopback exposes the emulator to the network.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on; 0 picks a free one (the ready line tells which).
    #[arg(long, default_value_t = 4566)]
    pub port: u16,
    /// Keep state in this directory across restarts (default: in memory only).
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// Largest request body accepted, in bytes.
    #[arg(long, default_value_t = 64 * 1024 * 1024, value_name = "BYTES")]
    pub max_body_bytes: usize,
    /// With a corrupt state journal: move it aside (never deleted) and start with every record
    /// that still verifies, instead of refusing to start.
    #[arg(long, requires = "state_dir")]
    pub recover: bool,
}

/// Runs the emulator until Ctrl-C or SIGTERM.
pub fn run(args: ServeArgs) -> ExitCode {
    let config = ServeConfig {
        host: args.host,
        port: args.port,
        state_dir: args.state_dir,
        max_body_bytes: args.max_body_bytes,
        recover: args.recover,
        tls: None,
    };
    match emulator::run(config, output::serve::ready) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            output::serve::failed(&err);
            ExitCode::from(2)
        }
    }
}
