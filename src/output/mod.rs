//! Everything awsredirect prints: reports for people (miette), JSON, unified diffs and summaries.
//! This is the only module that writes to stdout or stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)] // the output layer: the only code that prints

pub mod check;
pub mod diff;
pub mod github;
pub mod human;
pub mod infra;
pub mod json;
pub mod patch;
pub mod rules;
pub mod sarif;
pub mod serve;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use crate::engine::{FileReport, Outcome};

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

/// Colour only on a terminal, and never when `NO_COLOR` is set to anything non-empty.
pub fn color_enabled() -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    !no_color && std::io::stdout().is_terminal()
}

/// A path as people should read it: relative to the working directory, without a leading `./`.
pub fn display_path(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
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
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// The stderr line for a skipped or failed file; `None` for a processed one.
pub fn problem_line(report: &FileReport) -> Option<String> {
    let path = display_path(&report.path);
    match &report.outcome {
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
pub fn print_leftovers(paths: &[PathBuf], removed: bool) {
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
    let lines: Vec<String> = paths
        .iter()
        .map(|path| format!("skipped {}: excluded (--force-exclude)", display_path(path)))
        .collect();
    print_lines(&lines);
}

/// Paths named on the command line that are not a language awsredirect reads.
pub fn print_unsupported(paths: &[PathBuf]) {
    let mut err = std::io::stderr().lock();
    for path in paths {
        let _ = writeln!(
            err,
            "skipped {}: not a file type awsredirect reads",
            display_path(path)
        );
    }
}
