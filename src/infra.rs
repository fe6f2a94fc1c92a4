//! `awsredirect infra FORMAT`: configuration that redirects AWS at the infrastructure level
//! (name resolution and routing) to an endpoint, for dnsmasq, /etc/hosts, iptables-restore and
//! resolv.conf. Pure functions from a [`Target`] to text; `output::infra` prints it.
//!
//! The services are the emulator's own list (`awsredirect_emulator::SERVICES`); the regions are
//! `data/aws-regions.txt`, generated from botocore's endpoints data by
//! `scripts/gen-aws-regions.py`.
use std::fmt::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::Url;

/// The commercial AWS regions, with a header of `#` lines.
const REGIONS: &str = include_str!("../data/aws-regions.txt");

/// The first address of the per-service virtual IPs of the iptables format: service N (its
/// position in the emulator's list, from 1) is 127.100.0.N, whatever subset is selected.
const VIRTUAL_NET: [u8; 3] = [127, 100, 0];

/// The DNS domains of AWS that `dnsmasq` sends to the endpoint (and `serve --dns` answers).
const AWS_DOMAINS: &[&str] = &["amazonaws.com", "amazonaws.com.cn", "aws"];

/// What `infra` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// dnsmasq `address=` lines for the AWS domains, and the upstream `server=` lines.
    Dnsmasq,
    /// An /etc/hosts block: one line per service and region, and the region-less names.
    Hosts,
    /// An iptables-restore file: per-service virtual IPs on lo, DNAT from 443 and 80 to the
    /// endpoint, MASQUERADE.
    Iptables,
    /// The resolv.conf `nameserver` line for `awsredirect serve --dns`.
    Resolv,
}

/// Where to redirect, and which names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The endpoint as given.
    pub endpoint: String,
    /// Its host as an address.
    pub ip: IpAddr,
    /// Its port (or the scheme's default).
    pub port: u16,
    pub services: Vec<String>,
    pub regions: Vec<String>,
}

/// Why a `Target` cannot be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfraError {
    pub message: String,
    pub hint: String,
}

/// Every commercial region (`data/aws-regions.txt`).
pub fn regions() -> Vec<&'static str> {
    REGIONS
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .collect()
}

/// Every emulated service.
pub fn services() -> Vec<&'static str> {
    awsredirect_emulator::SERVICES.to_vec()
}

impl Target {
    /// A target for `endpoint` (already checked by `endpoint::check`) with the given services
    /// and regions (empty: all of them).
    pub fn new(
        endpoint: &str,
        services: &[String],
        regions: &[String],
    ) -> Result<Target, InfraError> {
        let url = Url::parse(endpoint).map_err(|e| InfraError {
            message: format!("the endpoint {endpoint:?} is not a URL ({e})"),
            hint: "an endpoint looks like http://127.0.0.1:4566".into(),
        })?;
        let ip = endpoint_ip(&url).ok_or_else(|| InfraError {
            message: format!(
                "the endpoint's host {:?} is a name; these configurations map names to addresses",
                url.host_str().unwrap_or_default()
            ),
            hint: "give the endpoint with an IP address, e.g. http://127.0.0.1:4566".into(),
        })?;
        let port = url.port_or_known_default().unwrap_or(80);
        let services = if services.is_empty() {
            self::services().iter().map(ToString::to_string).collect()
        } else {
            let known = self::services();
            let mut chosen: Vec<String> = Vec::new();
            for service in services {
                let service = service.trim().to_ascii_lowercase();
                if !known.contains(&service.as_str()) {
                    return Err(InfraError {
                        message: format!("{service:?} is not a service the emulator has"),
                        hint: format!("--services takes some of: {}", known.join(", ")),
                    });
                }
                if !chosen.contains(&service) {
                    chosen.push(service);
                }
            }
            chosen
        };
        let regions = if regions.is_empty() {
            self::regions().iter().map(ToString::to_string).collect()
        } else {
            let mut chosen: Vec<String> = Vec::new();
            for region in regions {
                let region = region.trim().to_ascii_lowercase();
                if !is_region_name(&region) {
                    return Err(InfraError {
                        message: format!("{region:?} is not a region name"),
                        hint: "a region looks like us-east-1 or eu-west-1".into(),
                    });
                }
                if !chosen.contains(&region) {
                    chosen.push(region);
                }
            }
            chosen
        };
        Ok(Target {
            endpoint: endpoint.to_string(),
            ip,
            port,
            services,
            regions,
        })
    }

    /// The address names resolve to: the endpoint's, or 127.0.0.1 / ::1 for "any address".
    fn answer_ip(&self) -> IpAddr {
        match self.ip {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        }
    }

    /// `ip:port` as iptables writes a DNAT destination.
    fn destination(&self) -> String {
        format!("{}:{}", self.answer_ip(), self.port)
    }
}

/// The endpoint's host as an address: an IP literal, or `localhost` as 127.0.0.1.
fn endpoint_ip(url: &Url) -> Option<IpAddr> {
    match url.host()? {
        url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        url::Host::Domain(name) if name.eq_ignore_ascii_case("localhost") => {
            Some(IpAddr::V4(Ipv4Addr::LOCALHOST))
        }
        url::Host::Domain(_) => None,
    }
}

/// `xx-name-N` (also `us-gov-west-1`, `cn-north-1`).
fn is_region_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

/// The DNS suffix of a region's partition.
fn suffix(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    }
}

/// The region-less names of a service (S3's, STS's and IAM's global endpoints, SQS's legacy
/// one).
fn global_names(service: &str) -> &'static [&'static str] {
    match service {
        "s3" => &["s3.amazonaws.com"],
        "sts" => &["sts.amazonaws.com"],
        "iam" => &["iam.amazonaws.com"],
        "sqs" => &["queue.amazonaws.com"],
        _ => &[],
    }
}

/// Every name of a service: the region-less ones, then `service.region.suffix` per region.
pub fn hostnames(service: &str, regions: &[String]) -> Vec<String> {
    let mut names: Vec<String> = global_names(service)
        .iter()
        .map(ToString::to_string)
        .collect();
    names.extend(
        regions
            .iter()
            .map(|region| format!("{service}.{region}.{}", suffix(region))),
    );
    names
}

/// The virtual IP of a service in the iptables format.
fn virtual_ip(service: &str) -> Ipv4Addr {
    let index = services().iter().position(|s| *s == service).unwrap_or(0);
    let last = u8::try_from(index + 1).unwrap_or(u8::MAX);
    Ipv4Addr::new(VIRTUAL_NET[0], VIRTUAL_NET[1], VIRTUAL_NET[2], last)
}

/// The configuration in `format` for `target`; the iptables format needs an IPv4 endpoint (its
/// virtual IPs are IPv4, and iptables cannot DNAT them to IPv6).
pub fn generate(format: Format, target: &Target, virtual_ips: bool) -> Result<String, InfraError> {
    Ok(match format {
        Format::Dnsmasq => dnsmasq(target),
        Format::Hosts => hosts(target, virtual_ips),
        Format::Iptables if target.answer_ip().is_ipv6() => {
            return Err(InfraError {
                message: format!(
                    "the iptables format forwards IPv4 virtual IPs and cannot send them to the IPv6 endpoint {}",
                    target.endpoint
                ),
                hint: "give an endpoint with an IPv4 address, e.g. http://127.0.0.1:4566".into(),
            })
        }
        Format::Iptables => iptables(target),
        Format::Resolv => resolv(target),
    })
}

/// The comment every format shares on which ports clients use.
fn ports_note(out: &mut String, target: &Target) {
    let _ = writeln!(
        out,
        "# SDKs connect to port 443 (HTTPS) of these names, not to the endpoint's port {}: the\n\
         # emulator must listen there (serve --tls-port 443), or use `awsredirect infra iptables`.",
        target.port
    );
}

fn dnsmasq(target: &Target) -> String {
    let ip = target.answer_ip();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# awsredirect infra dnsmasq: dnsmasq answers every name in the AWS domains below with {ip},\n\
         # the address of the endpoint {}, and forwards every other name upstream.",
        target.endpoint
    );
    out.push_str(
        "# Install: save as /etc/dnsmasq.d/awsredirect.conf and restart dnsmasq (or run\n\
         # `dnsmasq --conf-file=FILE`), then point resolv.conf at it.\n\
         # Undo: delete the file and restart dnsmasq.\n",
    );
    ports_note(&mut out, target);
    out.push_str(
        "# dnsmasq matches a domain and every name below it, so each line covers every service and\n\
         # region (and S3 bucket names such as bucket.s3.us-east-1.amazonaws.com); names of\n\
         # services the emulator lacks reach it too and are answered 501 NotImplemented, never\n\
         # real AWS. AAAA questions for these names get no address, so clients use IPv4.\n",
    );
    for domain in AWS_DOMAINS {
        let _ = writeln!(out, "address=/{domain}/{ip}");
    }
    out.push_str(
        "# Upstream: every other name goes to the nameservers of /etc/resolv.conf. To name them\n\
         # here instead (and stop reading resolv.conf), uncomment and edit:\n\
         # no-resolv\n\
         # server=192.0.2.53\n",
    );
    out
}

fn hosts(target: &Target, virtual_ips: bool) -> String {
    let mut out = String::new();
    out.push_str("# BEGIN awsredirect (awsredirect infra hosts)\n");
    if virtual_ips {
        out.push_str(
            "# Maps each AWS service name below to its service's virtual IP (127.100.0.N), which\n\
             # the rules of `awsredirect infra iptables` forward to the endpoint.\n",
        );
    } else {
        let _ = writeln!(
            out,
            "# Maps the AWS service names below to {}, the address of the endpoint {}.",
            target.answer_ip(),
            target.endpoint
        );
    }
    out.push_str(
        "# Install: append this block to /etc/hosts (sudo tee -a /etc/hosts < FILE).\n\
         # Undo: sudo sed -i '/^# BEGIN awsredirect/,/^# END awsredirect/d' /etc/hosts\n\
         # A hosts file has no wildcards: names not listed here (S3 bucket names such as\n\
         # bucket.s3.amazonaws.com, other services and regions) still reach real AWS; dnsmasq or\n\
         # `awsredirect serve --dns` cover whole domains.\n",
    );
    if !virtual_ips {
        ports_note(&mut out, target);
    }
    for service in &target.services {
        let ip = if virtual_ips {
            IpAddr::V4(virtual_ip(service))
        } else {
            target.answer_ip()
        };
        for name in hostnames(service, &target.regions) {
            let _ = writeln!(out, "{ip} {name}");
        }
    }
    out.push_str("# END awsredirect\n");
    out
}

/// Chain names, so that undoing is flushing and deleting them.
const DNAT_CHAIN: &str = "AWSREDIRECT-DNAT";
const SNAT_CHAIN: &str = "AWSREDIRECT-SNAT";

fn iptables(target: &Target) -> String {
    let mut out = String::new();
    let destination = target.destination();
    let _ = writeln!(
        out,
        "# awsredirect infra iptables: an iptables-restore file (nat table). Each service has a\n\
         # virtual IP on lo (127.100.0.N); connections from this machine to port 443 or 80 of one\n\
         # are DNATed to the endpoint {} ({destination}), and MASQUERADE gives\n\
         # them a source address that can reach it when it is on another host.",
        target.endpoint
    );
    out.push_str("# Install, as root:\n");
    for service in &target.services {
        let _ = writeln!(
            out,
            "#   ip addr add {}/32 dev lo    # {service}",
            virtual_ip(service)
        );
    }
    let _ = writeln!(
        out,
        "#   iptables-restore --noflush < FILE\n\
         #   awsredirect infra hosts --virtual-ips --endpoint {} >> /etc/hosts\n\
         # (the hosts block maps each service's names, below, to its virtual IP)",
        target.endpoint
    );
    out.push_str("# Undo, as root:\n");
    let _ = writeln!(
        out,
        "#   iptables -t nat -D OUTPUT -j {DNAT_CHAIN}; iptables -t nat -D POSTROUTING -j {SNAT_CHAIN}\n\
         #   iptables -t nat -F {DNAT_CHAIN}; iptables -t nat -X {DNAT_CHAIN}\n\
         #   iptables -t nat -F {SNAT_CHAIN}; iptables -t nat -X {SNAT_CHAIN}"
    );
    for service in &target.services {
        let _ = writeln!(out, "#   ip addr del {}/32 dev lo", virtual_ip(service));
    }
    out.push_str(
        "#   sudo sed -i '/^# BEGIN awsredirect/,/^# END awsredirect/d' /etc/hosts\n\
         # Port 443 carries TLS: give the emulator's HTTPS endpoint (serve --tls-port) for\n\
         # HTTPS clients.\n\
         # Virtual IPs and names:\n",
    );
    for service in &target.services {
        let names = hostnames(service, &target.regions);
        let shown: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
        let more = if names.len() > shown.len() {
            format!(" and {} more", names.len() - shown.len())
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "#   {}  {service}: {}{more}",
            virtual_ip(service),
            shown.join(", ")
        );
    }
    out.push_str("*nat\n");
    let _ = writeln!(out, ":{DNAT_CHAIN} - [0:0]");
    let _ = writeln!(out, ":{SNAT_CHAIN} - [0:0]");
    let _ = writeln!(out, "-A OUTPUT -j {DNAT_CHAIN}");
    let _ = writeln!(out, "-A POSTROUTING -j {SNAT_CHAIN}");
    for service in &target.services {
        let _ = writeln!(out, "# {service}");
        for port in [443, 80] {
            let _ = writeln!(
                out,
                "-A {DNAT_CHAIN} -d {}/32 -p tcp -m tcp --dport {port} -j DNAT --to-destination {destination}",
                virtual_ip(service)
            );
        }
    }
    let _ = writeln!(
        out,
        "-A {SNAT_CHAIN} -d {}/32 -p tcp -m tcp --dport {} -m conntrack --ctstate DNAT -j MASQUERADE",
        target.answer_ip(),
        target.port
    );
    out.push_str("COMMIT\n");
    out
}

fn resolv(target: &Target) -> String {
    let ip = target.answer_ip();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# awsredirect infra resolv: the resolv.conf line that sends this machine's DNS questions\n\
         # to `awsredirect serve --dns` at {ip}, which answers AWS names with the emulator's\n\
         # address and forwards the rest. resolv.conf has no port: run it on port 53, started\n\
         # BEFORE this change so that it reads the old nameservers as its upstream:\n\
         #   sudo awsredirect serve --host {ip} --dns {}",
        match ip {
            IpAddr::V4(_) => format!("{ip}:53"),
            IpAddr::V6(_) => format!("[{ip}]:53"),
        }
    );
    out.push_str(
        "# Install: sudo cp /etc/resolv.conf /etc/resolv.conf.awsredirect-backup, then make this\n\
         # the only nameserver line of /etc/resolv.conf (systemd-resolved and NetworkManager may\n\
         # rewrite the file; configure them instead where they manage it).\n\
         # Undo: sudo mv /etc/resolv.conf.awsredirect-backup /etc/resolv.conf\n",
    );
    let _ = writeln!(out, "nameserver {ip}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_the_commercial_partition() {
        let regions = regions();
        assert!(regions.len() >= 30, "{regions:?}");
        assert!(regions.contains(&"us-east-1") && regions.contains(&"eu-west-1"));
        assert!(regions
            .iter()
            .all(|r| is_region_name(r) && !r.starts_with("cn-")));
    }

    #[test]
    fn hostnames_include_the_global_ones_and_the_china_suffix() {
        let regions = vec!["us-east-1".to_string(), "cn-north-1".to_string()];
        assert_eq!(
            hostnames("sqs", &regions),
            vec![
                "queue.amazonaws.com",
                "sqs.us-east-1.amazonaws.com",
                "sqs.cn-north-1.amazonaws.com.cn"
            ]
        );
    }

    #[test]
    fn targets_check_their_inputs() {
        let target = Target::new("http://localhost:4566", &[], &[]).unwrap();
        assert_eq!(target.ip, IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(target.services.len(), awsredirect_emulator::SERVICES.len());
        assert!(target.services.iter().any(|s| s == "iam"));
        let https = Target::new("https://[::1]", &["S3".into()], &["us-east-1".into()]).unwrap();
        assert_eq!(https.services, vec!["s3".to_string()]);
        assert_eq!(https.port, 443);
        assert!(generate(Format::Iptables, &https, false).is_err());
        assert!(generate(Format::Dnsmasq, &https, false)
            .unwrap()
            .contains("address=/aws/::1\n"));
        assert!(Target::new("http://emulator.internal:4566", &[], &[]).is_err());
        assert!(Target::new("http://127.0.0.1", &["ec2".into()], &[]).is_err());
        assert!(Target::new("http://127.0.0.1", &[], &["moon".into()]).is_err());
        let any = Target::new("http://0.0.0.0:4566", &[], &[]).unwrap();
        assert_eq!(any.answer_ip(), IpAddr::V4(Ipv4Addr::LOCALHOST));
    }

    #[test]
    fn virtual_ips_follow_the_emulators_list() {
        assert_eq!(virtual_ip("s3"), Ipv4Addr::new(127, 100, 0, 1));
        assert_eq!(virtual_ip("sqs"), Ipv4Addr::new(127, 100, 0, 2));
    }
}
