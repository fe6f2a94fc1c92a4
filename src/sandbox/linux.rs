//! Linux: `unshare(CLONE_NEWNET | CLONE_NEWNS)`, with `CLONE_NEWUSER` and an identity map of our
//! own uid/gid unless we are root; mounts made private (nothing propagates back to the host),
//! the sandbox's `/etc/hosts`, `/etc/resolv.conf` and `/etc/nsswitch.conf` bind-mounted over the
//! real ones, and `lo` up.
use std::io::Write;
use std::path::Path;

use nix::errno::Errno;
use nix::mount::{mount, MsFlags};
use nix::sched::{unshare, CloneFlags};
use nix::unistd::{getegid, geteuid};

use super::{hosts, Guard, Layout, SandboxError};

/// The emulator's DNS responder inside: AWS names resolve to it, every other name is refused.
const RESOLV_CONF: &str =
    "# awsredirect run: the emulator answers AWS names; others are refused.\n\
nameserver 127.0.0.1\noptions timeout:1 attempts:1\n";

pub fn enter(layout: &Layout) -> Result<Guard, SandboxError> {
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").ok();
    enter_namespaces()?;
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    )
    .map_err(setup("making the mounts private"))?;
    let hosts = hosts::hosts_file(hostname.as_deref().map(str::trim), &layout.extra_hosts);
    let mut files = vec![bind_file("/etc/hosts", &hosts)?];
    files.extend(bind_if_present("/etc/resolv.conf", RESOLV_CONF)?);
    if let Ok(nsswitch) = std::fs::read_to_string("/etc/nsswitch.conf") {
        files.extend(bind_if_present(
            "/etc/nsswitch.conf",
            &files_first(&nsswitch),
        )?);
    }
    loopback_up()?;
    Ok(Guard { _files: files })
}

fn refused(errno: Errno) -> SandboxError {
    SandboxError::Refused(format!("unshare: {}", errno.desc()))
}

fn setup(step: &'static str) -> impl Fn(Errno) -> SandboxError {
    move |errno| SandboxError::Setup {
        step: step.to_string(),
        reason: errno.desc().to_string(),
    }
}

fn io_setup(step: String) -> impl Fn(std::io::Error) -> SandboxError {
    move |err| SandboxError::Setup {
        step: step.clone(),
        reason: err.to_string(),
    }
}

/// New network and mount namespaces: directly where we may (root with `CAP_SYS_ADMIN`, which
/// keeps every file's owner as it is), else inside a new user namespace that maps our own ids.
fn enter_namespaces() -> Result<(), SandboxError> {
    let (uid, gid) = (geteuid().as_raw(), getegid().as_raw());
    if uid == 0 && unshare(CloneFlags::CLONE_NEWNET | CloneFlags::CLONE_NEWNS).is_ok() {
        return Ok(());
    }
    unshare(CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWNET | CloneFlags::CLONE_NEWNS)
        .map_err(refused)?;
    map_own_ids(uid, gid)
}

/// Maps our uid and gid inside to the same ids outside (all an unprivileged process may map;
/// files of other owners show as `nobody`).
fn map_own_ids(uid: u32, gid: u32) -> Result<(), SandboxError> {
    let write = |path: &str, text: String| {
        std::fs::write(path, text).map_err(io_setup(format!("writing {path}")))
    };
    write("/proc/self/setgroups", "deny\n".to_string())?;
    write("/proc/self/uid_map", format!("{uid} {uid} 1\n"))?;
    write("/proc/self/gid_map", format!("{gid} {gid} 1\n"))
}

/// Writes `text` to a temporary file and bind-mounts it read-only over `target`.
fn bind_file(target: &str, text: &str) -> Result<tempfile::TempPath, SandboxError> {
    let mut file = tempfile::Builder::new()
        .prefix("awsredirect-run-")
        .tempfile()
        .map_err(io_setup(format!("writing the sandbox's {target}")))?;
    file.write_all(text.as_bytes())
        .map_err(io_setup(format!("writing the sandbox's {target}")))?;
    let path = file.into_temp_path();
    mount(
        Some(path.as_os_str()),
        target,
        None::<&str>,
        MsFlags::MS_BIND,
        None::<&str>,
    )
    .map_err(|errno| SandboxError::Setup {
        step: format!("mounting over {target}"),
        reason: errno.desc().to_string(),
    })?;
    Ok(path)
}

/// [`bind_file`] where `target` exists (a missing `/etc/resolv.conf` already means 127.0.0.1).
fn bind_if_present(target: &str, text: &str) -> Result<Option<tempfile::TempPath>, SandboxError> {
    if Path::new(target).exists() {
        bind_file(target, text).map(Some)
    } else {
        Ok(None)
    }
}

/// `nsswitch.conf` with hosts looked up in files then DNS only, so no resolver outside the
/// sandbox (systemd-resolved over its socket, mDNS) answers for AWS's names.
fn files_first(nsswitch: &str) -> String {
    let mut out = String::new();
    for line in nsswitch.lines() {
        if line.trim_start().starts_with("hosts:") {
            out.push_str("hosts: files dns\n");
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Brings the loopback interface up (`ip link set lo up`) with `SIOCSIFFLAGS`.
fn loopback_up() -> Result<(), SandboxError> {
    let fail = setup("bringing up the loopback interface");
    // SAFETY: a plain datagram socket, used for two ioctls on a zeroed `ifreq` whose name is
    // "lo" (NUL-terminated within IFNAMSIZ), then closed.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(fail(Errno::last()));
        }
        let mut request: libc::ifreq = std::mem::zeroed();
        for (slot, byte) in request.ifr_name.iter_mut().zip(b"lo\0") {
            *slot = *byte as libc::c_char;
        }
        let mut result = libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut request);
        if result == 0 {
            request.ifr_ifru.ifru_flags |= (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
            result = libc::ioctl(fd, libc::SIOCSIFFLAGS, &request);
        }
        let errno = Errno::last();
        libc::close(fd);
        if result != 0 {
            return Err(fail(errno));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_looked_up_in_files_first() {
        let text = files_first("passwd: files systemd\nhosts: mymachines resolve [!UNAVAIL=return] files myhostname dns\n");
        assert_eq!(text, "passwd: files systemd\nhosts: files dns\n");
    }
}
