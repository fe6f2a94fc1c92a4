//! `check --format json`: a versioned, machine-readable list of findings.

use std::io::Write;

use serde::Serialize;

use crate::check::Finding;
use crate::engine::Outcome;

use super::{line_column, Checked};

pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Document {
    version: u32,
    diagnostics: Vec<Diagnostic>,
    errors: Vec<Error>,
}

#[derive(Serialize)]
struct Diagnostic {
    path: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    code: &'static str,
    name: &'static str,
    message: String,
    service: Option<String>,
    fixable: bool,
    suppressed: bool,
}

#[derive(Serialize)]
struct Error {
    path: String,
    message: String,
}

/// Prints the JSON document for a `check` run to stdout.
pub fn print(checked: &[Checked]) {
    let mut diagnostics = Vec::new();
    let mut errors = Vec::new();
    for (report, findings) in checked {
        let path = report.path.to_string_lossy().into_owned();
        match &report.outcome {
            Outcome::Processed(p) => {
                diagnostics.extend(findings.iter().map(|f| diagnostic(&path, &p.text, f)));
            }
            Outcome::Failed(failure) => errors.push(Error {
                path,
                message: failure.message.clone(),
            }),
            Outcome::Skipped(_) => {}
        }
    }
    let document = Document {
        version: VERSION,
        diagnostics,
        errors,
    };
    let mut out = std::io::stdout().lock();
    let _ = serde_json::to_writer_pretty(&mut out, &document);
    let _ = writeln!(out);
}

fn diagnostic(path: &str, text: &str, finding: &Finding) -> Diagnostic {
    let (line, column) = line_column(text, finding.range.start);
    let (end_line, end_column) = line_column(text, finding.range.end);
    Diagnostic {
        path: path.to_string(),
        line,
        column,
        end_line,
        end_column,
        code: finding.rule.code,
        name: finding.rule.name,
        message: finding.message.clone(),
        service: finding.service.clone(),
        fixable: !finding.fix.is_empty(),
        suppressed: finding.suppressed,
    }
}
