//! `check --format github`: GitHub Actions workflow commands, one annotation per finding.

use crate::check::Finding;

use super::line_column;

/// One file's `::warning file=...,line=...,col=...,title=AR001::message` lines.
pub fn render(path: &str, text: &str, findings: &[Finding]) -> String {
    let mut out = String::new();
    for finding in findings.iter().filter(|f| !f.suppressed) {
        let (line, col) = line_column(text, finding.range.start);
        let (end_line, end_col) = line_column(text, finding.range.end);
        out.push_str(&format!(
            "::warning file={},line={line},col={col},endLine={end_line},endColumn={end_col},title={}::{}\n",
            property(path),
            property(finding.rule.code.as_str()),
            data(&finding.message)
        ));
    }
    out
}

/// The annotation for a file that could not be checked.
pub fn render_failure(path: &str, message: &str) -> String {
    format!("::error file={}::{}\n", property(path), data(message))
}

/// Escapes a workflow command's message.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_the_runner_expects() {
        assert_eq!(data("50%\nnext"), "50%25%0Anext");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
