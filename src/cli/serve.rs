//! `awsredirect serve`: runs the bundled emulator and reports where it listens.
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::cli::ca;
use crate::output;
use awsredirect_emulator::dns::{self, DnsConfig, NamePattern, Upstream};
use awsredirect_emulator::tls::TlsConfig;
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
    /// Close a connection that has not sent a whole request head within this many seconds
    /// (after it opened, or after its last answer).
    #[arg(long, default_value_t = 30, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub header_read_timeout: u64,
    /// Connections served at once; more wait until one closes.
    #[arg(long, default_value_t = 512, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=65536))]
    pub max_connections: u64,
    /// The account of requests whose access key id is not itself a 12-digit account id (such
    /// as `test`); 12 digits.
    #[arg(long, value_name = "ID", env = "AWSREDIRECT_ACCOUNT_ID", default_value = emulator::DEFAULT_ACCOUNT, value_parser = emulator::parse_account_id)]
    pub account_id: String,
    /// Serve HTTPS on this port too (0 picks a free one), with certificates for whatever name
    /// clients ask for, issued by a local CA created on first use in the state directory, else
    /// the per-user data directory (`awsredirect ca path` prints its certificate's path).
    #[arg(long, value_name = "PORT")]
    pub tls_port: Option<u16>,
    /// Also answer DNS (UDP and TCP) on this address, e.g. 127.0.0.1:5353 (port 0 picks a free
    /// one): AWS names resolve to the emulator, other names are forwarded to the nameservers of
    /// /etc/resolv.conf (or refused with --dns-isolated).
    #[arg(long, value_name = "ADDR")]
    pub dns: Option<SocketAddr>,
    /// A name --dns answers with the emulator's address: NAME, or *.NAME for every name below
    /// it; repeatable, replaces the defaults [default: *.amazonaws.com, *.amazonaws.com.cn,
    /// *.aws]
    #[arg(long, value_name = "PATTERN", requires = "dns", value_parser = parse_pattern)]
    pub dns_name: Vec<NamePattern>,
    /// Answer REFUSED for every other name instead of forwarding it: only the emulator resolves.
    #[arg(long, requires = "dns", conflicts_with = "dns_upstream")]
    pub dns_isolated: bool,
    /// Forward other names to this DNS server (IP or IP:PORT) instead of /etc/resolv.conf's;
    /// repeatable, tried in order.
    #[arg(long, value_name = "ADDR", requires = "dns", value_parser = dns::parse_upstream)]
    pub dns_upstream: Vec<SocketAddr>,
}

fn parse_pattern(value: &str) -> Result<NamePattern, String> {
    value.parse()
}

impl ServeArgs {
    fn dns_config(&self) -> Option<DnsConfig> {
        let addr = self.dns?;
        let mut config = DnsConfig::new(addr);
        if !self.dns_name.is_empty() {
            config.names.clone_from(&self.dns_name);
        }
        if self.dns_isolated {
            config.upstream = Upstream::Isolated;
        } else if !self.dns_upstream.is_empty() {
            config.upstream = Upstream::Servers(self.dns_upstream.clone());
        }
        Some(config)
    }
}

/// Runs the emulator until Ctrl-C or SIGTERM.
pub fn run(args: ServeArgs) -> ExitCode {
    let tls = match args.tls_port {
        Some(port) => match ca::ca_dir(args.state_dir.as_deref()) {
            Ok(ca_dir) => Some(TlsConfig { port, ca_dir }),
            Err(err) => {
                output::ca::failed(&err);
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    let dns = args.dns_config();
    let config = ServeConfig {
        dns,
        host: args.host,
        port: args.port,
        state_dir: args.state_dir,
        max_body_bytes: args.max_body_bytes,
        recover: args.recover,
        header_read_timeout: Duration::from_secs(args.header_read_timeout),
        max_connections: usize::try_from(args.max_connections).unwrap_or(usize::MAX),
        default_account: args.account_id,
        tls,
    };
    match emulator::run(config, output::serve::ready) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            output::serve::failed(&err);
            ExitCode::from(2)
        }
    }
}
