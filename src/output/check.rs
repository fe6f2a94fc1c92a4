//! `check`'s printer: each file's findings are rendered on the worker that checked it (so its
//! text can be dropped there), then printed in path order as they arrive, framed by the format's
//! header and footer and followed by the summary.

use std::io::Write;
use std::path::PathBuf;

use crate::check::Finding;
use crate::engine::{Engine, FileReport, Outcome};

use super::{display_path, github, human, json, problem_line, sarif, Format};

/// One checked file, reduced to what is printed and counted.
#[derive(Debug)]
pub struct CheckedFile {
    path: PathBuf,
    /// Text for stdout (human, github) or JSON items (json, sarif).
    items: Vec<String>,
    /// A line for stderr when the file was skipped or failed.
    problem: Option<String>,
    failure: Option<String>,
    scanned: bool,
    by_regex: bool,
    shown: usize,
    suppressed: usize,
}

/// Renders one file's findings in `format` (called on the worker thread).
pub fn render(format: Format, report: &FileReport, findings: &[Finding]) -> CheckedFile {
    let name = display_path(&report.path);
    let mut file = CheckedFile {
        path: report.path.clone(),
        items: Vec::new(),
        problem: problem_line(report),
        failure: None,
        scanned: false,
        by_regex: false,
        shown: findings.iter().filter(|f| !f.suppressed).count(),
        suppressed: findings.iter().filter(|f| f.suppressed).count(),
    };
    match &report.outcome {
        Outcome::Processed(p) => {
            file.scanned = true;
            file.by_regex = p.engine == Engine::Regex;
            file.items = match format {
                Format::Human => vec![human::render_file(&name, &p.text, findings)],
                Format::Github => vec![github::render(&name, &p.text, findings)],
                Format::Json => json::render(&name, &p.text, findings),
                Format::Sarif => sarif::render(&name, &p.text, findings),
            };
        }
        Outcome::Failed(failure) => {
            file.failure = Some(failure.message.clone());
            if format == Format::Github {
                file.items = vec![github::render_failure(&name, &failure.message)];
            }
        }
        Outcome::Skipped(_) => {}
    }
    file
}

/// What a finished `check` run found.
#[derive(Debug, Default, Clone, Copy)]
pub struct CheckTotals {
    /// Findings not suppressed.
    pub active: usize,
    /// Files and paths that could not be checked.
    pub failed: usize,
}

/// Prints checked files in order as they come.
pub struct CheckPrinter {
    format: Format,
    show_engines: bool,
    items_printed: usize,
    problems: Vec<String>,
    regex_reads: Vec<PathBuf>,
    errors: Vec<(String, String)>,
    scanned: usize,
    files_with_findings: usize,
    shown: usize,
    suppressed: usize,
}

impl CheckPrinter {
    /// Starts the output (the JSON / SARIF opening).
    pub fn start(format: Format, show_engines: bool) -> CheckPrinter {
        let header = match format {
            Format::Json => Some(json::header()),
            Format::Sarif => Some(sarif::header()),
            Format::Human | Format::Github => None,
        };
        if let Some(header) = header {
            super::write_stdout(&header);
        }
        CheckPrinter {
            format,
            show_engines,
            items_printed: 0,
            problems: Vec::new(),
            regex_reads: Vec::new(),
            errors: Vec::new(),
            scanned: 0,
            files_with_findings: 0,
            shown: 0,
            suppressed: 0,
        }
    }

    pub fn add(&mut self, file: CheckedFile) {
        for item in &file.items {
            match self.format {
                Format::Human | Format::Github => super::write_stdout(item),
                Format::Json | Format::Sarif => {
                    let separator = if self.items_printed == 0 {
                        "\n    "
                    } else {
                        ",\n    "
                    };
                    super::write_stdout(&format!("{separator}{item}"));
                }
            }
            self.items_printed += 1;
        }
        self.problems.extend(file.problem);
        if let Some(message) = file.failure {
            self.errors.push((display_path(&file.path), message));
        }
        if file.by_regex {
            self.regex_reads.push(file.path);
        }
        self.scanned += usize::from(file.scanned);
        self.files_with_findings += usize::from(file.shown > 0);
        self.shown += file.shown;
        self.suppressed += file.suppressed;
    }

    /// Ends the output: the format's closing, the summary, and the problems on stderr.
    pub fn finish(
        mut self,
        unsupported: &[PathBuf],
        walk_errors: &[(PathBuf, String)],
    ) -> CheckTotals {
        self.errors.extend(
            walk_errors
                .iter()
                .map(|(path, message)| (display_path(path), message.clone())),
        );
        match self.format {
            Format::Json => super::write_stdout(&format!("{}\n", json::footer(&self.errors))),
            Format::Sarif => super::write_stdout(&format!("{}\n", sarif::footer(&self.errors))),
            Format::Human if super::quiet() => {}
            Format::Human => super::write_stdout(&format!(
                "{}\n",
                human::summary(
                    self.shown,
                    self.files_with_findings,
                    self.scanned,
                    self.suppressed,
                    self.errors.len()
                )
            )),
            Format::Github => super::write_stdout(&github_walk_errors(walk_errors)),
        }
        let mut err = std::io::stderr().lock();
        if self.show_engines && !super::quiet() {
            for path in &self.regex_reads {
                let _ = writeln!(err, "regex engine: {}", display_path(path));
            }
        }
        drop(err);
        super::print_unsupported(unsupported);
        super::print_walk_errors(walk_errors);
        super::print_lines(&self.problems);
        CheckTotals {
            active: self.shown,
            failed: self.errors.len(),
        }
    }
}

/// An `::error` annotation per path that could not be walked.
fn github_walk_errors(walk_errors: &[(PathBuf, String)]) -> String {
    walk_errors
        .iter()
        .map(|(path, message)| github::render_failure(&display_path(path), message))
        .collect()
}
