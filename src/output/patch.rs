//! `patch` / `unpatch`'s printer: each file is reduced on its worker to its diff and counts, then
//! printed in path order as it arrives; problems, per-engine lines and the summary come last.

use std::io::Write;
use std::path::PathBuf;

use std::collections::BTreeMap;

use crate::engine::{Engine, FileReport, FixCounts, Outcome};

use super::{count, diff, display_path, problem_line};

/// One processed file, reduced to what is printed and counted.
#[derive(Debug)]
pub struct PatchedFile {
    path: PathBuf,
    diff: Option<String>,
    problem: Option<String>,
    outcome: Kind,
}

#[derive(Debug)]
enum Kind {
    Skipped,
    Failed,
    Scanned {
        sites: usize,
        engine: Engine,
        fixes: FixCounts,
        other_endpoints: Vec<String>,
    },
}

/// Reduces a report (on the worker thread); `with_diff` keeps the unified diff of a change.
pub fn reduce(report: &FileReport, with_diff: bool) -> PatchedFile {
    let outcome = match &report.outcome {
        Outcome::Skipped(_) => Kind::Skipped,
        Outcome::Failed(_) => Kind::Failed,
        Outcome::Processed(p) => Kind::Scanned {
            sites: if p.updated.is_some() {
                p.changed_sites
            } else {
                0
            },
            engine: p.engine,
            fixes: p.fixes,
            other_endpoints: p.other_endpoints.clone(),
        },
    };
    let diff = match (&report.outcome, with_diff) {
        (Outcome::Processed(p), true) => p
            .updated
            .as_ref()
            .map(|updated| diff::unified(&display_path(&report.path), p.bom, &p.text, updated)),
        _ => None,
    };
    PatchedFile {
        path: report.path.clone(),
        diff,
        problem: problem_line(report),
        outcome,
    }
}

/// Counts of a finished run.
#[derive(Debug, Default, Clone)]
pub struct PatchTotals {
    pub changed: usize,
    pub failed: usize,
    /// Overrides `unpatch` left because they point at another endpoint, by endpoint.
    pub other_endpoints: BTreeMap<String, usize>,
}

/// Prints patched files in order as they come.
#[derive(Default)]
pub struct PatchPrinter {
    show_engines: bool,
    problems: Vec<String>,
    by_engine: Vec<(PathBuf, Engine, usize)>,
    scanned: usize,
    changed: usize,
    regex_changed: usize,
    sites: usize,
    skipped: usize,
    failed: usize,
    fixes: FixCounts,
    other_endpoints: BTreeMap<String, usize>,
}

impl PatchPrinter {
    pub fn new(show_engines: bool) -> PatchPrinter {
        PatchPrinter {
            show_engines,
            ..PatchPrinter::default()
        }
    }

    pub fn add(&mut self, file: PatchedFile) {
        if let Some(diff) = &file.diff {
            if super::stdout_color() {
                super::write_stdout(&diff::colorize(diff));
            } else {
                super::write_stdout(diff);
            }
        }
        self.problems.extend(file.problem);
        match file.outcome {
            Kind::Skipped => self.skipped += 1,
            Kind::Failed => self.failed += 1,
            Kind::Scanned {
                sites,
                engine,
                fixes,
                other_endpoints,
            } => {
                self.scanned += 1;
                self.note_fixes(&file.path, fixes);
                for endpoint in other_endpoints {
                    *self.other_endpoints.entry(endpoint).or_default() += 1;
                }
                if sites > 0 {
                    self.changed += 1;
                    self.sites += sites;
                    self.regex_changed += usize::from(engine == Engine::Regex);
                    self.by_engine.push((file.path, engine, sites));
                }
            }
        }
    }

    /// Keeps a line for a file whose fixes were not all applied.
    fn note_fixes(&mut self, path: &std::path::Path, fixes: FixCounts) {
        self.fixes.skipped += fixes.skipped;
        self.fixes.unsafe_available += fixes.unsafe_available;
        if fixes.skipped > 0 {
            let s = if fixes.skipped == 1 { "" } else { "es" };
            self.problems.push(format!(
                "{}: {} fix{s} overlapped another and {} not applied; run patch again",
                display_path(path),
                fixes.skipped,
                if fixes.skipped == 1 { "was" } else { "were" }
            ));
        }
    }

    /// Prints the problems, the per-engine lines (with `--engine regex|auto`) and the summary.
    pub fn finish(
        self,
        verb: &str,
        dry_run: bool,
        unsupported: &[PathBuf],
        walk_errors: &[(PathBuf, String)],
    ) -> PatchTotals {
        super::print_unsupported(unsupported);
        super::print_walk_errors(walk_errors);
        super::print_lines(&self.problems);
        let totals = PatchTotals {
            changed: self.changed,
            failed: self.failed + walk_errors.len(),
            other_endpoints: self.other_endpoints,
        };
        if super::quiet() {
            return totals;
        }
        let would = if dry_run { "would be " } else { "" };
        let mut err = std::io::stderr().lock();
        if self.show_engines {
            for (path, engine, sites) in &self.by_engine {
                let _ = writeln!(
                    err,
                    "{} engine: {}: {} {would}{verb}",
                    engine.name(),
                    display_path(path),
                    count(*sites, "site", "sites")
                );
            }
        }
        let by_regex = match self.regex_changed {
            0 => String::new(),
            n => format!(" ({n} by the regex engine)"),
        };
        let _ = writeln!(
            err,
            "awsredirect: {} scanned, {} {would}changed{by_regex}, {} {would}{verb}, {} skipped, {}",
            count(self.scanned, "file", "files"),
            self.changed,
            count(self.sites, "site", "sites"),
            self.skipped,
            count(totals.failed, "error", "errors")
        );
        if self.fixes.unsafe_available > 0 {
            let _ = writeln!(
                err,
                "awsredirect: {} available (rerun with --unsafe-fixes)",
                count(self.fixes.unsafe_available, "unsafe fix", "unsafe fixes")
            );
        }
        totals
    }
}

/// `unpatch`'s note about overrides of awsredirect's shape that point at another endpoint.
pub fn print_other_endpoints(other_endpoints: &BTreeMap<String, usize>) {
    let mut err = std::io::stderr().lock();
    for (endpoint, count) in other_endpoints {
        let (s, point) = if *count == 1 {
            ("", "points")
        } else {
            ("s", "point")
        };
        let _ = writeln!(
            err,
            "awsredirect: {count} override{s} {point} at {endpoint}; rerun with --endpoint {endpoint}"
        );
    }
}

/// `patch -` / `unpatch -`: the whole text, as it would be written (with its byte-order mark).
pub fn print_text(bom: bool, text: &str) {
    if bom {
        super::write_stdout("\u{feff}");
    }
    super::write_stdout(text);
}
