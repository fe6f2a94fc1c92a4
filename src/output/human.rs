//! `check --format human`: one miette report per finding, with a code frame, the rule code and
//! a hint; graphical with colour on a terminal, plain text otherwise.

use std::io::{IsTerminal, Write};

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, NamedSource, SourceSpan};

use super::display_path;
use crate::check::Finding;
use crate::config::ConfigError;

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
struct Report {
    message: String,
    code: &'static str,
    label: String,
    hint: Option<String>,
    source_code: NamedSource<String>,
    span: SourceSpan,
}

impl Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.hint
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display + 'a>)
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

fn theme(terminal: bool) -> GraphicalTheme {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    match (terminal, no_color) {
        (true, false) => GraphicalTheme::unicode(),
        (true, true) => GraphicalTheme::unicode_nocolor(),
        (false, _) => GraphicalTheme::none(),
    }
}

fn handler() -> GraphicalReportHandler {
    GraphicalReportHandler::new_themed(theme(std::io::stdout().is_terminal())).with_links(false)
}

/// One file's findings that are not suppressed, each as a report with a code frame.
pub fn render_file(name: &str, text: &str, findings: &[Finding]) -> String {
    let handler = handler();
    let mut out = String::new();
    for finding in findings.iter().filter(|f| !f.suppressed) {
        out.push_str(&render(&handler, name, text, finding));
        out.push('\n');
    }
    out
}

/// The closing line of a `check` run.
pub fn summary(shown: usize, files: usize, scanned: usize, suppressed: usize) -> String {
    let quiet = if suppressed > 0 {
        format!(", {suppressed} suppressed")
    } else {
        String::new()
    };
    if shown == 0 {
        format!("awsredirect: no unredirected AWS clients ({scanned} files scanned{quiet})")
    } else {
        format!(
            "awsredirect: {shown} finding{} in {files} file{} ({scanned} files scanned{quiet}); `awsredirect patch` fixes AR001 and AR002",
            plural(shown),
            plural(files)
        )
    }
}

fn render(handler: &GraphicalReportHandler, name: &str, text: &str, finding: &Finding) -> String {
    let hint = match finding.rule.fix_title {
        Some(title) => format!("{title}: run `awsredirect patch`"),
        None => format!("see `awsredirect rule {}`", finding.rule.code),
    };
    let report = Report {
        message: finding.message.clone(),
        code: finding.rule.code.as_str(),
        label: finding.rule.code.to_string(),
        hint: Some(hint),
        source_code: NamedSource::new(name, text.to_string()),
        span: finding.range.clone().into(),
    };
    let mut rendered = String::new();
    if handler.render_report(&mut rendered, &report).is_err() {
        rendered = format!("{name}: {}: {}", finding.rule.code, finding.message);
    }
    rendered
}

/// A configuration file that cannot be used, with a code frame at the offending key.
pub fn print_config_error(error: &ConfigError) {
    let name = display_path(&error.path);
    let report = Report {
        message: format!("invalid configuration in {name}: {}", error.message),
        code: "config",
        label: "here".into(),
        hint: Some(
            "the keys are: endpoint, endpoints, exclude, select, ignore, style (see the README)"
                .into(),
        ),
        source_code: NamedSource::new(&name, error.text.clone()),
        span: error.span.clone().unwrap_or(0..0).into(),
    };
    let mut rendered = String::new();
    let handler = GraphicalReportHandler::new_themed(theme(std::io::stderr().is_terminal()));
    if error.span.is_none() || handler.render_report(&mut rendered, &report).is_err() {
        rendered = format!("error: {name}: {}", error.message);
    }
    let _ = writeln!(std::io::stderr().lock(), "{rendered}");
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
