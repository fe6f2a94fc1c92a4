//! What `awsredirect serve` prints: the ready line, warnings, and a fatal error.
use std::io::Write;

use awsredirect_emulator::dns::DnsReady;
use awsredirect_emulator::{EmulatorError, Ready};

/// Prints `listening on http://ADDR` (and `https://ADDR` with `--tls-port`; flushed: scripts
/// wait for it) and any warnings.
pub fn ready(ready: &Ready) {
    if !ready.addr.ip().is_loopback() {
        eprintln!(
            "warning: listening on {} exposes the emulator, which checks no credentials, to the network",
            ready.addr.ip()
        );
    }
    if let Some(torn) = &ready.recovery.torn_tail {
        eprintln!(
            "warning: the state journal ended in an incomplete write ({} bytes at offset {}, never acknowledged); those bytes were moved to {}",
            torn.bytes,
            torn.offset,
            torn.saved_to.display()
        );
    }
    if let Some(corrupt) = &ready.recovery.corrupt {
        eprintln!(
            "warning: the state journal was corrupt at byte {} ({}); it was moved unchanged to {} and the emulator started with the {} records that still verify ({} bytes could not be read)",
            corrupt.offset,
            corrupt.reason,
            corrupt.saved_to.display(),
            ready.recovery.records,
            corrupt.skipped_bytes
        );
    }
    if let Some(dir) = &ready.recovery.state_dir {
        eprintln!(
            "state: {} ({} records replayed)",
            dir.display(),
            ready.recovery.records
        );
    }
    if let Some(tls) = &ready.tls {
        eprintln!(
            "certificate authority: {} (trust it with AWS_CA_BUNDLE, NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE or SSL_CERT_FILE)",
            tls.ca_cert.display()
        );
    }
    let mut stdout = std::io::stdout().lock();
    if let Some(dns) = &ready.dns {
        dns_ready(&mut stdout, dns);
    }
    let _ = writeln!(stdout, "listening on http://{}", ready.addr);
    if let Some(tls) = &ready.tls {
        let _ = writeln!(stdout, "listening on https://{}", tls.addr);
    }
    let _ = stdout.flush();
}

/// `dns on ADDR (UDP and TCP): NAMES -> ADDRESSES; other names ...`, before the ready line so
/// that a script waiting for `listening on` knows the DNS port too; warnings on stderr.
fn dns_ready(out: &mut impl Write, dns: &DnsReady) {
    let names: Vec<String> = dns.names.iter().map(ToString::to_string).collect();
    let mut addresses: Vec<String> = dns.ipv4.iter().map(ToString::to_string).collect();
    addresses.extend(dns.ipv6.iter().map(ToString::to_string));
    let others = match &dns.forward_to {
        None => "other names are refused".to_string(),
        Some(servers) if servers.is_empty() => "other names fail (no upstream)".to_string(),
        Some(servers) => {
            let servers: Vec<String> = servers.iter().map(ToString::to_string).collect();
            format!("other names are forwarded to {}", servers.join(", "))
        }
    };
    if dns.forward_to.as_ref().is_some_and(Vec::is_empty) {
        eprintln!(
            "warning: /etc/resolv.conf names no nameserver but this one, so DNS questions for other names get SERVFAIL; pass --dns-upstream ADDR, or --dns-isolated to refuse them"
        );
    }
    if !dns.addr.ip().is_loopback() && dns.forward_to.is_some() {
        eprintln!(
            "warning: DNS on {} forwards questions for anyone who can reach it (an open resolver); bind loopback or pass --dns-isolated",
            dns.addr.ip()
        );
    }
    let _ = writeln!(
        out,
        "dns on {} (UDP and TCP): {} -> {}; {others}",
        dns.addr,
        names.join(", "),
        if addresses.is_empty() {
            "no address".to_string()
        } else {
            addresses.join(", ")
        },
    );
}

/// Prints why the emulator stopped.
pub fn failed(err: &EmulatorError) {
    eprintln!("error: {err}");
}
