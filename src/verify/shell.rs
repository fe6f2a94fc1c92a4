//! Shell syntax check with `bash -n`, where bash is installed (it reads the script from stdin and
//! runs nothing).
//!
//! `bash` is looked up in `PATH` once per run, not by every spawn (a lookup by name tries each
//! `PATH` directory with an `execve` of its own). On Linux the script reaches bash's stdin as an
//! in-memory file (`memfd_create`): bash reads a seekable stdin in blocks, a pipe one byte per
//! `read` (so as not to read past the command it runs); the bytes it parses are the same.
//! Where it can, a script is not given a bash of its own but read by a subshell of a bash kept
//! running for the thread (`noexec.rs`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

use super::VerifyError;

/// `Ok` when `bash -n` accepts `text`, or when there is no `bash` to ask. An acceptance by this
/// thread's bash (`noexec`) stands for `bash -n`'s; anything else is asked of a `bash -n`.
pub fn bash_parse(text: &str) -> Result<(), VerifyError> {
    if super::noexec::accepts(text) {
        return Ok(());
    }
    bash_n(text)
}

/// `bash -n`'s verdict from a bash started for `text`.
pub(super) fn bash_n(text: &str) -> Result<(), VerifyError> {
    let mut command = Command::new(bash());
    command
        .arg("-n")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let child = match script_file(text) {
        Some(script) => command.stdin(script).spawn(),
        None => command
            .stdin(Stdio::piped())
            .spawn()
            .map(|child| write_stdin(child, text)),
    };
    let Ok(child) = child else {
        return Ok(());
    };
    let output = child.wait_with_output().map_err(|e| VerifyError {
        message: format!("bash -n did not finish: {e}"),
        offset: None,
    })?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    Err(VerifyError {
        message: format!(
            "bash -n: {}",
            stderr.lines().next().unwrap_or("syntax error").trim()
        ),
        offset: None,
    })
}

/// Writes the script to a child's piped stdin and closes it.
fn write_stdin(mut child: Child, text: &str) -> Child {
    if let Some(mut stdin) = child.stdin.take() {
        // A script bash rejects early may close stdin before reading it all; the exit status says so.
        let _ = stdin.write_all(text.as_bytes());
    }
    child
}

/// The script in an in-memory file, at offset 0 (close-on-exec: only the `bash` it is given to
/// as stdin gets it); `None` where there is none to be had (then the script goes through a pipe).
fn script_file(text: &str) -> Option<std::fs::File> {
    in_memory(&[text])
}

/// `parts`, one after the other, in an in-memory file at offset 0 (close-on-exec).
#[cfg(target_os = "linux")]
pub(super) fn in_memory(parts: &[&str]) -> Option<std::fs::File> {
    use nix::sys::memfd::{memfd_create, MFdFlags};
    use std::io::{Seek, SeekFrom};
    let mut file =
        std::fs::File::from(memfd_create("awsredirect-bash-n", MFdFlags::MFD_CLOEXEC).ok()?);
    for part in parts {
        file.write_all(part.as_bytes()).ok()?;
    }
    file.seek(SeekFrom::Start(0)).ok()?;
    Some(file)
}

#[cfg(not(target_os = "linux"))]
pub(super) fn in_memory(_parts: &[&str]) -> Option<std::fs::File> {
    None
}

/// The program to run: `bash`'s path, found in `PATH` on the first call; the bare name where the
/// lookup finds none (the spawn then searches as it always did, and fails where there is no
/// bash, which skips the check).
pub(super) fn bash() -> &'static Path {
    found_bash().map_or(Path::new("bash"), PathBuf::as_path)
}

/// Whether `bash` was found in `PATH` (then `bash -n` has the last word on a shell change).
pub fn bash_found() -> bool {
    found_bash().is_some()
}

fn found_bash() -> Option<&'static PathBuf> {
    static BASH: OnceLock<Option<PathBuf>> = OnceLock::new();
    BASH.get_or_init(|| find_in_path("bash", std::env::var_os("PATH").as_deref()))
        .as_ref()
}

/// The first executable regular file named `name` in the directories of `path` (`execvp`'s
/// search: `/bin:/usr/bin` when `PATH` is unset, an empty entry is the working directory).
#[cfg(unix)]
fn find_in_path(name: &str, path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    let path = path.unwrap_or(std::ffi::OsStr::new("/bin:/usr/bin"));
    std::env::split_paths(path)
        .map(|dir| {
            if dir.as_os_str().is_empty() {
                Path::new(".").join(name)
            } else {
                dir.join(name)
            }
        })
        .find(|candidate| is_executable(candidate))
}

#[cfg(not(unix))]
fn find_in_path(_name: &str, _path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    None
}

#[cfg(target_os = "linux")]
fn is_executable(path: &Path) -> bool {
    use nix::unistd::{access, AccessFlags};
    path.metadata().is_ok_and(|meta| meta.is_file()) && access(path, AccessFlags::X_OK).is_ok()
}

#[cfg(all(unix, not(target_os = "linux")))]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bash_installed() -> bool {
        Command::new("bash").arg("--version").output().is_ok()
    }

    #[test]
    fn bash_rejects_an_unfinished_if_when_installed() {
        assert!(bash_parse("if true; then\n  aws s3 ls\nfi\n").is_ok());
        assert_eq!(bash_parse("if true; then\n").is_err(), bash_installed());
    }

    #[test]
    fn bash_reads_the_whole_of_a_long_script() {
        // Longer than a pipe's buffer: the error is in the last line.
        let mut script = "echo 'a line to make the script long enough'\n".repeat(4000);
        assert!(script.len() > 128 * 1024);
        assert!(bash_parse(&script).is_ok());
        script.push_str("if true; then\n");
        assert_eq!(bash_parse(&script).is_err(), bash_installed());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_script_file_holds_the_text_from_its_start() {
        use std::io::Read;
        let mut file = script_file("aws s3 ls\n").unwrap();
        let mut read = String::new();
        file.read_to_string(&mut read).unwrap();
        assert_eq!(read, "aws s3 ls\n");
    }

    #[cfg(unix)]
    #[test]
    fn the_path_search_takes_the_first_executable_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let (plain, exec, nested) = (
            dir.path().join("a"),
            dir.path().join("b"),
            dir.path().join("c"),
        );
        for d in [&plain, &exec, &nested] {
            std::fs::create_dir(d).unwrap();
        }
        // Not executable, then a directory of the name, then the one to find.
        std::fs::write(plain.join("bash"), "").unwrap();
        std::fs::set_permissions(plain.join("bash"), std::fs::Permissions::from_mode(0o644))
            .unwrap();
        std::fs::create_dir(nested.join("bash")).unwrap();
        std::fs::write(exec.join("bash"), "").unwrap();
        std::fs::set_permissions(exec.join("bash"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        let path = std::env::join_paths([&plain, &nested, &exec]).unwrap();
        assert_eq!(find_in_path("bash", Some(&path)), Some(exec.join("bash")));
        let path = std::env::join_paths([&plain, &nested]).unwrap();
        assert_eq!(find_in_path("bash", Some(&path)), None);
    }
}
