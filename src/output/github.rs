//! `check --format github`: GitHub Actions workflow commands, one annotation per finding.

use std::io::Write;

use crate::engine::Outcome;

use super::{display_path, line_column, Checked};

/// Prints `::warning file=...,line=...,col=...,title=AR001::message` lines to stdout.
pub fn print(checked: &[Checked]) {
    let mut out = std::io::stdout().lock();
    for (report, findings) in checked {
        let path = display_path(&report.path);
        match &report.outcome {
            Outcome::Processed(p) => {
                for finding in findings.iter().filter(|f| !f.suppressed) {
                    let (line, col) = line_column(&p.text, finding.range.start);
                    let (end_line, end_col) = line_column(&p.text, finding.range.end);
                    let _ = writeln!(
                        out,
                        "::warning file={},line={line},col={col},endLine={end_line},endColumn={end_col},title={}::{}",
                        property(&path),
                        property(finding.rule.code),
                        data(&finding.message)
                    );
                }
            }
            Outcome::Failed(failure) => {
                let _ = writeln!(
                    out,
                    "::error file={}::{}",
                    property(&path),
                    data(&failure.message)
                );
            }
            Outcome::Skipped(_) => {}
        }
    }
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
