//! `check --format sarif`: SARIF 2.1.0 with rule metadata and the fixes `patch` would make,
//! ready for GitHub code scanning (`github/codeql-action/upload-sarif`).

use serde_json::{json, Value};

use crate::check::Finding;
use crate::fix::Edit;
use crate::rules::{self, Rule};

use super::{line_column, rules::documentation};

const RESULTS_PLACEHOLDER: &str = "awsredirect-results-go-here";

/// The log around its results, split where the results go.
fn frame() -> (String, String) {
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "awsredirect",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules::ALL.iter().map(|r| rule(r)).collect::<Vec<_>>(),
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": RESULTS_PLACEHOLDER,
        }]
    });
    let text = serde_json::to_string_pretty(&log).expect("the log serializes");
    let (head, tail) = text
        .split_once(&format!("\"{RESULTS_PLACEHOLDER}\""))
        .expect("the placeholder is in the log");
    (format!("{head}["), format!("]{tail}"))
}

/// The log's opening, up to its results.
pub fn header() -> String {
    frame().0
}

/// One file's results.
pub fn render(path: &str, text: &str, findings: &[Finding]) -> Vec<String> {
    let uri = uri(path);
    findings
        .iter()
        .map(|f| serde_json::to_string(&result(&uri, text, f)).expect("results serialize"))
        .collect()
}

/// The log's end, after its results.
/// The log's end, after its results: the invocation (successful only without errors, each
/// file or path that could not be checked as an error notification) and the tool.
pub fn footer(errors: &[(String, String)]) -> String {
    let tail = frame().1;
    let rest = tail
        .strip_prefix(']')
        .expect("the results array closes the tail");
    let invocation = json!([{
        "executionSuccessful": errors.is_empty(),
        "toolExecutionNotifications": errors.iter().map(|(path, message)| json!({
            "level": "error",
            "message": { "text": message },
            "locations": [{ "physicalLocation": { "artifactLocation": { "uri": uri(path) } } }],
        })).collect::<Vec<_>>(),
    }]);
    let invocation = serde_json::to_string(&invocation).expect("the invocation serializes");
    format!("],\n      \"invocations\": {invocation}{rest}")
}

fn rule(rule: &Rule) -> Value {
    json!({
        "id": rule.code.as_str(),
        "name": rule.name,
        "shortDescription": { "text": rule.summary },
        "fullDescription": { "text": rule.what_it_does },
        "help": { "text": documentation(rule), "markdown": documentation(rule) },
        "defaultConfiguration": { "level": "warning" },
    })
}

fn result(uri: &str, text: &str, finding: &Finding) -> Value {
    let index = finding.rule.code.index();
    let mut result = json!({
        "ruleId": finding.rule.code.as_str(),
        "ruleIndex": index,
        "level": "warning",
        "message": { "text": finding.message },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": uri },
                "region": region(text, finding.range.start, finding.range.end),
            }
        }],
    });
    if let Some(fix) = &finding.fix {
        result["fixes"] = json!([{
            "description": { "text": finding.rule.fix_title.unwrap_or("Add an endpoint override") },
            "artifactChanges": [{
                "artifactLocation": { "uri": uri },
                "replacements": fix.edits.iter().map(|e| replacement(text, e)).collect::<Vec<_>>(),
            }],
        }]);
    }
    if finding.suppressed {
        result["suppressions"] = json!([{ "kind": "inSource" }]);
    }
    result
}

fn region(text: &str, start: usize, end: usize) -> Value {
    let (start_line, start_column) = line_column(text, start);
    let (end_line, end_column) = line_column(text, end);
    json!({
        "startLine": start_line,
        "startColumn": start_column,
        "endLine": end_line,
        "endColumn": end_column,
    })
}

fn replacement(text: &str, edit: &Edit) -> Value {
    json!({
        "deletedRegion": region(text, edit.range.start, edit.range.end),
        "insertedContent": { "text": edit.content },
    })
}

/// A relative path as a URI reference: `/` separators, reserved characters percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char);
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::uri;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri("src/my app.py"), "src/my%20app.py");
        assert_eq!(uri("a/b_c-1.py"), "a/b_c-1.py");
    }
}
