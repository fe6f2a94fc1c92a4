//! Everything awsredirect prints: reports for people (miette), JSON, unified diffs and summaries.
//! This is the only module that writes to stdout or stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)] // the output layer: the only code that prints

pub mod ca;
pub mod check;
pub mod diff;
pub mod github;
pub mod human;
pub mod infra;
pub mod json;
pub mod patch;
pub mod rules;
pub mod run;
pub mod sarif;
pub mod serve;

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::engine::{FileReport, Outcome};

/// `--color`: when output is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` says otherwise; `FORCE_COLOR` colours a pipe too.
    #[default]
    Auto,
    Always,
    Never,
}

/// How everything is printed, from the global flags; set once before anything is printed.
#[derive(Debug, Clone, Copy, Default)]
pub struct Settings {
    pub color: ColorChoice,
    /// `-q` / `--quiet`: findings, diffs, warnings and errors only; no summary, notes or
    /// skipped-file lines.
    pub quiet: bool,
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

/// Sets how output looks for the rest of the run (the first call wins).
pub fn configure(settings: Settings) {
    let _ = SETTINGS.set(settings);
}

fn settings() -> Settings {
    SETTINGS.get().copied().unwrap_or_default()
}

/// Whether `-q` / `--quiet` is in force.
pub fn quiet() -> bool {
    settings().quiet
}

/// Whether what goes to stdout is coloured.
pub fn stdout_color() -> bool {
    color_decision(
        settings().color,
        std::env::var_os("NO_COLOR"),
        std::env::var_os("FORCE_COLOR"),
        stdout_is_terminal(),
    )
}

/// Whether what goes to stderr is coloured.
pub fn stderr_color() -> bool {
    color_decision(
        settings().color,
        std::env::var_os("NO_COLOR"),
        std::env::var_os("FORCE_COLOR"),
        stderr_is_terminal(),
    )
}

/// Whether stdout is a terminal, asked of the system once per run (not once per report).
pub fn stdout_is_terminal() -> bool {
    static TERMINAL: OnceLock<bool> = OnceLock::new();
    *TERMINAL.get_or_init(|| std::io::stdout().is_terminal())
}

/// Whether stderr is a terminal, asked of the system once per run.
pub fn stderr_is_terminal() -> bool {
    static TERMINAL: OnceLock<bool> = OnceLock::new();
    *TERMINAL.get_or_init(|| std::io::stderr().is_terminal())
}

/// `--color always|never` decides; with `auto`, `NO_COLOR` (set and not empty) turns colour
/// off, then `FORCE_COLOR` (set and not empty, `0` or `false`) turns it on, else a terminal
/// gets colour and a pipe or file does not.
fn color_decision(
    choice: ColorChoice,
    no_color: Option<OsString>,
    force_color: Option<OsString>,
    terminal: bool,
) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if no_color.is_some_and(|v| !v.is_empty()) {
                false
            } else if force_color.is_some_and(|v| !v.is_empty() && v != "0" && v != "false") {
                true
            } else {
                terminal
            }
        }
    }
}

/// Writes to stdout. When stdout is closed (`awsredirect check | head`), the run ends at once,
/// quietly and with exit status 0, as ripgrep does; other write errors are ignored.
pub fn write_stdout(text: &str) {
    write_stdout_bytes(text.as_bytes());
}

/// [`write_stdout`] for bytes that need not be UTF-8 (standard input passed through).
pub fn write_stdout_bytes(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    if let Err(error) = out.write_all(bytes).and_then(|()| out.flush()) {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
    }
}

/// `1 file`, `2 files`, `0 files`.
pub fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// How `check` prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

/// `--select` / `--ignore` named codes no rule has.
pub fn print_unknown_codes(codes: &[String]) {
    let _ = writeln!(
        std::io::stderr().lock(),
        "error: unknown rule code{} {}; `awsredirect rules` lists them",
        if codes.len() == 1 { "" } else { "s" },
        codes.join(", ")
    );
}

/// A path as people should read it: relative to the working directory, without a leading `./`.
pub fn display_path(path: &Path) -> String {
    // The working directory never changes during a run: asked of the system once.
    static CWD: OnceLock<Option<PathBuf>> = OnceLock::new();
    let relative = CWD
        .get_or_init(|| std::env::current_dir().ok())
        .as_ref()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf());
    let shown = relative.to_string_lossy().replace('\\', "/");
    shown
        .strip_prefix("./")
        .map(str::to_string)
        .unwrap_or(shown)
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = memchr::memchr_iter(b'\n', before.as_bytes()).count() + 1;
    let line_start = memchr::memrchr(b'\n', before.as_bytes()).map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// The stderr line for a skipped or failed file; `None` for a processed one.
pub fn problem_line(report: &FileReport) -> Option<String> {
    let path = display_path(&report.path);
    match &report.outcome {
        Outcome::Skipped(_) if quiet() => None,
        Outcome::Skipped(reason) => Some(format!("skipped {path}: {reason}")),
        Outcome::Failed(failure) => {
            let at = match (&failure.text, failure.offset) {
                (Some(text), Some(offset)) => {
                    let (line, column) = line_column(text, offset);
                    format!(":{line}:{column}")
                }
                _ => String::new(),
            };
            Some(format!("error: {path}{at}: {}", failure.message))
        }
        Outcome::Processed(_) => None,
    }
}

/// Errors met while walking, on stderr.
pub fn print_walk_errors(walk_errors: &[(PathBuf, String)]) {
    let lines: Vec<String> = walk_errors
        .iter()
        .map(|(path, message)| format!("error: {}: {message}", display_path(path)))
        .collect();
    print_lines(&lines);
}

/// Lines on stderr.
pub fn print_lines(lines: &[String]) {
    let mut err = std::io::stderr().lock();
    for line in lines {
        let _ = writeln!(err, "{line}");
    }
}

/// Temporary files an interrupted run left behind: removed now, or to be removed by `patch`.
/// `clean`'s line: the cache removed, or that there was none.
pub fn print_cleaned(dir: &Path, removed: bool) {
    if quiet() {
        return;
    }
    let what = if removed { "removed" } else { "no cache at" };
    let _ = writeln!(std::io::stderr().lock(), "{what} {}", display_path(dir));
}

pub fn print_leftovers(paths: &[PathBuf], removed: bool) {
    if quiet() {
        return;
    }
    let mut err = std::io::stderr().lock();
    for path in paths {
        let path = display_path(path);
        let _ = if removed {
            writeln!(
                err,
                "removed {path}: a temporary file left by an interrupted run"
            )
        } else {
            writeln!(err, "note: {path} is a temporary file left by an interrupted run; `awsredirect patch` removes it")
        };
    }
}

/// Paths named on the command line that `--force-exclude` left out.
pub fn print_excluded(paths: &[PathBuf]) {
    if quiet() {
        return;
    }
    let lines: Vec<String> = paths
        .iter()
        .map(|path| format!("skipped {}: excluded (--force-exclude)", display_path(path)))
        .collect();
    print_lines(&lines);
}

/// The man pages `awsredirect man --dir` wrote, one path a line on stdout.
pub fn print_man_pages(dir: &Path) {
    let mut pages: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| entry.path())
                .filter(|path| path.extension().is_some_and(|e| e == "1"))
                .map(|path| display_path(&path))
                .collect()
        })
        .unwrap_or_default();
    pages.sort();
    for page in pages {
        write_stdout(&format!("{page}\n"));
    }
}

/// Paths named on the command line that are not a language awsredirect reads.
pub fn print_unsupported(paths: &[PathBuf]) {
    if quiet() {
        return;
    }
    let mut err = std::io::stderr().lock();
    for path in paths {
        let _ = writeln!(
            err,
            "skipped {}: not a file type awsredirect reads",
            display_path(path)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decide(choice: ColorChoice, no: Option<&str>, force: Option<&str>, tty: bool) -> bool {
        color_decision(
            choice,
            no.map(OsString::from),
            force.map(OsString::from),
            tty,
        )
    }

    #[test]
    fn color_follows_the_flag_then_no_color_then_force_color_then_the_terminal() {
        assert!(decide(ColorChoice::Auto, None, None, true));
        assert!(!decide(ColorChoice::Auto, None, None, false));
        assert!(!decide(ColorChoice::Auto, Some("1"), None, true));
        assert!(
            decide(ColorChoice::Auto, Some(""), None, true),
            "an empty NO_COLOR is unset"
        );
        assert!(decide(ColorChoice::Auto, None, Some("1"), false));
        assert!(!decide(ColorChoice::Auto, None, Some("0"), false));
        assert!(
            !decide(ColorChoice::Auto, Some("1"), Some("1"), true),
            "NO_COLOR wins"
        );
        assert!(decide(ColorChoice::Always, Some("1"), None, false));
        assert!(!decide(ColorChoice::Never, None, Some("1"), true));
    }

    #[test]
    fn counts_are_singular_only_for_one() {
        assert_eq!(count(1, "file", "files"), "1 file");
        assert_eq!(count(0, "file", "files"), "0 files");
        assert_eq!(count(2, "fix", "fixes"), "2 fixes");
    }
}
