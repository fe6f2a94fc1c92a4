//! Everything awsredirect prints: reports for people (miette), JSON, unified diffs and summaries.
//! This is the only module that writes to stdout or stderr.

pub mod diff;
pub mod github;
pub mod human;
pub mod json;
pub mod rules;
pub mod sarif;
pub mod serve;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use crate::check::Finding;
use crate::engine::{Engine, FileReport, Outcome, Processed};

/// How `check` prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

/// A file's report with its findings, as `check` produces them (sorted by path).
pub type Checked = (FileReport, Vec<Finding>);

/// Prints a `check` run: findings in the format on stdout, problems on stderr.
pub fn print_check(
    format: Format,
    checked: &[Checked],
    unsupported: &[PathBuf],
    walk_errors: &[(PathBuf, String)],
) {
    match format {
        Format::Human => human::print(checked),
        Format::Json => json::print(checked),
        Format::Sarif => sarif::print(checked),
        Format::Github => github::print(checked),
    }
    print_unsupported(unsupported);
    let reports: Vec<&FileReport> = checked.iter().map(|(r, _)| r).collect();
    print_problem_lines(&reports, walk_errors);
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

/// Counts for the one-line summary.
#[derive(Debug, Default)]
pub struct Tally {
    pub scanned: usize,
    pub changed: usize,
    pub sites: usize,
    pub skipped: usize,
    pub failed: usize,
    /// Changed files whose sites the regex engine found.
    pub regex_changed: usize,
}

impl Tally {
    pub fn of(reports: &[FileReport]) -> Tally {
        let mut tally = Tally::default();
        for report in reports {
            match &report.outcome {
                Outcome::Skipped(_) => tally.skipped += 1,
                Outcome::Failed(_) => tally.failed += 1,
                Outcome::Processed(p) => {
                    tally.scanned += 1;
                    if p.updated.is_some() {
                        tally.changed += 1;
                        tally.sites += p.changed_sites;
                        if p.engine == Engine::Regex {
                            tally.regex_changed += 1;
                        }
                    }
                }
            }
        }
        tally
    }
}

/// One line per skipped or failed file, on stderr, plus errors found while walking.
pub fn print_problems(reports: &[FileReport], walk_errors: &[(PathBuf, String)]) {
    let reports: Vec<&FileReport> = reports.iter().collect();
    print_problem_lines(&reports, walk_errors);
}

fn print_problem_lines(reports: &[&FileReport], walk_errors: &[(PathBuf, String)]) {
    let mut err = std::io::stderr().lock();
    for (path, message) in walk_errors {
        let _ = writeln!(err, "error: {}: {message}", display_path(path));
    }
    for report in reports {
        let path = display_path(&report.path);
        match &report.outcome {
            Outcome::Skipped(reason) => {
                let _ = writeln!(err, "skipped {path}: {reason}");
            }
            Outcome::Failed(failure) => {
                let at = match (&failure.text, failure.offset) {
                    (Some(text), Some(offset)) => {
                        let (line, column) = line_column(text, offset);
                        format!(":{line}:{column}")
                    }
                    _ => String::new(),
                };
                let _ = writeln!(err, "error: {path}{at}: {}", failure.message);
            }
            Outcome::Processed(_) => {}
        }
    }
}

/// The summary line of `patch` / `unpatch`, on stderr.
pub fn print_change_summary(tally: &Tally, verb: &str, dry_run: bool, errors: usize) {
    let would = if dry_run { "would be " } else { "" };
    let by_regex = match tally.regex_changed {
        0 => String::new(),
        n => format!(" ({n} by the regex engine)"),
    };
    let _ = writeln!(
        std::io::stderr().lock(),
        "awsredirect: {} files scanned, {} {would}changed{by_regex}, {} sites {would}{verb}, {} skipped, {} errors",
        tally.scanned,
        tally.changed,
        tally.sites,
        tally.skipped,
        errors
    );
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

/// With `--engine regex` or `auto`, on stderr: for `patch` / `unpatch`, one line per changed
/// file naming the engine that changed it.
pub fn print_changes_by_engine(reports: &[FileReport], verb: &str, dry_run: bool) {
    let would = if dry_run { "would be " } else { "" };
    let mut err = std::io::stderr().lock();
    for (report, p) in processed(reports).filter(|(_, p)| p.updated.is_some()) {
        let _ = writeln!(
            err,
            "{} engine: {}: {} site{} {would}{verb}",
            p.engine.name(),
            display_path(&report.path),
            p.changed_sites,
            if p.changed_sites == 1 { "" } else { "s" }
        );
    }
}

/// With `--engine regex` or `auto`, on stderr: for `check`, one line per file the regex engine
/// read (the AST engine read the rest).
pub fn print_regex_reads(reports: &[&FileReport]) {
    let mut err = std::io::stderr().lock();
    for report in reports {
        if matches!(&report.outcome, Outcome::Processed(p) if p.engine == Engine::Regex) {
            let _ = writeln!(err, "regex engine: {}", display_path(&report.path));
        }
    }
}

fn processed(reports: &[FileReport]) -> impl Iterator<Item = (&FileReport, &Processed)> {
    reports.iter().filter_map(|r| match &r.outcome {
        Outcome::Processed(p) => Some((r, p)),
        _ => None,
    })
}
