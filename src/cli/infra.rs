//! `awsredirect infra FORMAT`: prints configuration that redirects AWS names to an endpoint at
//! the infrastructure level (dnsmasq, /etc/hosts, iptables, resolv.conf).
use clap::ValueEnum;

use super::{Status, DEFAULT_ENDPOINT};
use crate::config::SettingsError;
use crate::endpoint::{self, EndpointError, Origin};
use crate::infra::{self, Format, Target};
use crate::output;

/// Options of `awsredirect infra`.
#[derive(clap::Args, Debug)]
pub struct InfraArgs {
    /// What to print.
    #[arg(value_enum)]
    pub format: FormatArg,
    /// The endpoint AWS names should reach, with an IP address (or localhost) as host [env:
    /// AWSREDIRECT_ENDPOINT] [default: http://localhost:4566]
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Services to cover, comma-separated [default: every emulated service: s3, sqs, sts,
    /// dynamodb, sns, ssm, secretsmanager, lambda, iam, events]
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub services: Vec<String>,
    /// Regions to cover, comma-separated [default: every commercial region]
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub regions: Vec<String>,
    /// hosts: map each service's names to its virtual IP of the iptables format (127.100.0.N)
    /// instead of the endpoint's address.
    #[arg(long)]
    pub virtual_ips: bool,
}

/// `FORMAT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// dnsmasq `address=` lines sending the AWS domains to the endpoint's address; other names
    /// go upstream.
    Dnsmasq,
    /// An /etc/hosts block: one line per service and region, plus the region-less names.
    Hosts,
    /// An iptables-restore file: per-service virtual IPs on lo, DNAT from 443 and 80 to the
    /// endpoint, MASQUERADE.
    Iptables,
    /// The resolv.conf `nameserver` line for `awsredirect serve --dns`.
    Resolv,
}

impl From<FormatArg> for Format {
    fn from(arg: FormatArg) -> Format {
        match arg {
            FormatArg::Dnsmasq => Format::Dnsmasq,
            FormatArg::Hosts => Format::Hosts,
            FormatArg::Iptables => Format::Iptables,
            FormatArg::Resolv => Format::Resolv,
        }
    }
}

/// Prints the configuration, or why it cannot be made (exit 2).
pub fn run(args: &InfraArgs) -> Status {
    let (value, origin) = match (&args.endpoint, std::env::var_os(endpoint::VARIABLE)) {
        (Some(value), _) => (value.clone(), Some(Origin::Flag)),
        (None, Some(value)) => (
            value.to_string_lossy().into_owned(),
            Some(Origin::Environment),
        ),
        (None, None) => (DEFAULT_ENDPOINT.to_string(), None),
    };
    if let (Err(problem), Some(origin)) = (endpoint::check(&value), origin) {
        output::human::print_settings_error(&SettingsError::Endpoint(EndpointError {
            value,
            origin,
            problem,
        }));
        return Status::Error;
    }
    let generated = Target::new(&value, &args.services, &args.regions)
        .and_then(|target| infra::generate(args.format.into(), &target, args.virtual_ips));
    match generated {
        Ok(text) => {
            output::infra::print(&text);
            Status::Clean
        }
        Err(error) => {
            output::infra::failed(&error);
            Status::Error
        }
    }
}
