//! What `awsredirect serve` prints: the ready line, warnings, and a fatal error.
use std::io::Write;

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
    let _ = writeln!(stdout, "listening on http://{}", ready.addr);
    if let Some(tls) = &ready.tls {
        let _ = writeln!(stdout, "listening on https://{}", tls.addr);
    }
    let _ = stdout.flush();
}

/// Prints why the emulator stopped.
pub fn failed(err: &EmulatorError) {
    eprintln!("error: {err}");
}
