//! `check --format json`: a versioned, machine-readable list of findings.

use std::io::Write;

use serde::Serialize;

use crate::check::Finding;
use crate::engine::{FileReport, Outcome};

use super::line_column;

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
    message: String,
    service: Option<String>,
}

#[derive(Serialize)]
struct Error {
    path: String,
    message: String,
}

/// Prints the JSON document for a `check` run to stdout.
pub fn print(reports: &[FileReport], findings: &[(usize, Vec<Finding>)]) {
    let diagnostics = findings
        .iter()
        .flat_map(|(index, found)| {
            let report = &reports[*index];
            let Outcome::Processed(p) = &report.outcome else {
                return Vec::new();
            };
            found
                .iter()
                .map(|f| diagnostic(&report.path, &p.text, f))
                .collect()
        })
        .collect();
    let errors = reports
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Failed(failure) => Some(Error {
                path: r.path.to_string_lossy().into_owned(),
                message: failure.message.clone(),
            }),
            _ => None,
        })
        .collect();
    let document = Document {
        version: VERSION,
        diagnostics,
        errors,
    };
    let mut out = std::io::stdout().lock();
    let _ = serde_json::to_writer_pretty(&mut out, &document);
    let _ = writeln!(out);
}

fn diagnostic(path: &std::path::Path, text: &str, finding: &Finding) -> Diagnostic {
    let (line, column) = line_column(text, finding.range.start);
    let (end_line, end_column) = line_column(text, finding.range.end);
    Diagnostic {
        path: path.to_string_lossy().into_owned(),
        line,
        column,
        end_line,
        end_column,
        code: finding.code,
        message: finding.message.clone(),
        service: finding.service.clone(),
    }
}
