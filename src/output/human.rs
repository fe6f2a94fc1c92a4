//! `check --format human`: one miette report per finding, with a code frame, the rule code and
//! a hint; graphical with colour on a terminal, plain text otherwise.

use std::io::Write;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, NamedSource, SourceSpan};

use crate::check::Finding;
use crate::engine::{FileReport, Outcome};

use super::{color_enabled, display_path};

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
struct Report {
    message: String,
    code: &'static str,
    hint: String,
    source_code: NamedSource<String>,
    span: SourceSpan,
}

impl Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(&self.hint))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source_code)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(
            miette::LabeledSpan::new_with_span(Some(self.code.to_string()), self.span),
        )))
    }
}

fn handler() -> GraphicalReportHandler {
    let theme = if color_enabled() {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme).with_links(false)
}

/// Prints every finding and the closing summary to stdout.
pub fn print(reports: &[FileReport], findings: &[(usize, Vec<Finding>)]) {
    let handler = handler();
    let mut out = std::io::stdout().lock();
    let mut total = 0;
    for (index, found) in findings {
        let report = &reports[*index];
        let Outcome::Processed(p) = &report.outcome else {
            continue;
        };
        let name = display_path(&report.path);
        for finding in found {
            total += 1;
            let rendered = render(&handler, &name, &p.text, finding);
            let _ = writeln!(out, "{rendered}");
        }
    }
    let files = findings.iter().filter(|(_, f)| !f.is_empty()).count();
    let scanned = reports
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Processed(_)))
        .count();
    let _ = if total == 0 {
        writeln!(
            out,
            "awsredirect: no unredirected AWS clients ({scanned} files scanned)"
        )
    } else {
        writeln!(
            out,
            "awsredirect: {total} finding{} in {files} file{} ({scanned} files scanned); `awsredirect patch` fixes AR001 and AR002",
            plural(total),
            plural(files)
        )
    };
}

fn render(handler: &GraphicalReportHandler, name: &str, text: &str, finding: &Finding) -> String {
    let report = Report {
        message: finding.message.clone(),
        code: finding.code,
        hint: finding.hint.clone(),
        source_code: NamedSource::new(name, text.to_string()),
        span: finding.range.clone().into(),
    };
    let mut rendered = String::new();
    if handler.render_report(&mut rendered, &report).is_err() {
        rendered = format!("{name}: {}: {}", finding.code, finding.message);
    }
    rendered
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
