//! `check --format json`: a versioned, machine-readable list of findings.

use serde::Serialize;

use crate::check::Finding;

use super::line_column;

pub const VERSION: u32 = 1;

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
struct Error<'a> {
    path: &'a str,
    message: &'a str,
}

/// The document's opening, up to the diagnostics.
pub fn header() -> String {
    format!("{{\n  \"version\": {VERSION},\n  \"diagnostics\": [")
}

/// One file's diagnostics, one JSON object each; `path` as `display_path` writes it (relative to
/// the working directory, no leading `./`), the same as in SARIF and GitHub annotations.
pub fn render(path: &str, text: &str, findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .map(|f| serde_json::to_string(&diagnostic(path, text, f)).expect("diagnostics serialize"))
        .collect()
}

/// The document's end: the files that could not be checked.
pub fn footer(errors: &[(String, String)]) -> String {
    let errors: Vec<String> = errors
        .iter()
        .map(|(path, message)| {
            serde_json::to_string(&Error { path, message }).expect("errors serialize")
        })
        .collect();
    format!("\n  ],\n  \"errors\": [{}]\n}}", errors.join(", "))
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
        code: finding.rule.code.as_str(),
        name: finding.rule.name,
        message: finding.message.clone(),
        service: finding.service.clone(),
        fixable: finding.fix.is_some(),
        suppressed: finding.suppressed,
    }
}
