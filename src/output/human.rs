//! `check --format human`: one miette report per finding, with a code frame, the rule code and
//! a hint; graphical with colour on a terminal, plain text otherwise.

use std::io::{IsTerminal, Write};

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, NamedSource, SourceSpan, ThemeCharacters,
    ThemeStyles,
};

use super::{count, display_path};
use crate::check::Finding;
use crate::config::{ConfigError, SettingsError};
use crate::endpoint::{self, EndpointError, Origin};
use crate::fix::Applicability;

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
struct Report {
    message: String,
    code: &'static str,
    label: String,
    hint: Option<String>,
    /// The code frame, where there is one.
    frame: Option<(NamedSource<String>, SourceSpan)>,
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
        self.frame
            .as_ref()
            .map(|(source, _)| source as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let (_, span) = self.frame.as_ref()?;
        Some(Box::new(std::iter::once(
            miette::LabeledSpan::new_with_span(Some(self.label.clone()), *span),
        )))
    }
}

/// Box-drawing characters on a terminal, plain ASCII in a pipe or file; colour as `--color`,
/// `NO_COLOR` and `FORCE_COLOR` decide.
fn theme(terminal: bool, color: bool) -> GraphicalTheme {
    match (terminal, color) {
        (true, true) => GraphicalTheme::unicode(),
        (true, false) => GraphicalTheme::unicode_nocolor(),
        (false, true) => GraphicalTheme {
            characters: ThemeCharacters::ascii(),
            styles: ThemeStyles::ansi(),
        },
        (false, false) => GraphicalTheme::none(),
    }
}

fn handler() -> GraphicalReportHandler {
    GraphicalReportHandler::new_themed(theme(
        std::io::stdout().is_terminal(),
        super::stdout_color(),
    ))
    .with_links(false)
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

/// The closing line of a `check` run; success only when nothing was found and nothing failed.
pub fn summary(
    shown: usize,
    files: usize,
    scanned: usize,
    suppressed: usize,
    errors: usize,
) -> String {
    let mut counts = format!("{} scanned", count(scanned, "file", "files"));
    if suppressed > 0 {
        counts.push_str(&format!(", {suppressed} suppressed"));
    }
    if errors > 0 {
        counts.push_str(&format!(", {}", count(errors, "error", "errors")));
    }
    match (shown, errors) {
        (0, 0) => format!("awsredirect: no unredirected AWS clients ({counts})"),
        (0, _) => format!(
            "awsredirect: not every file could be checked; no findings in the rest ({counts})"
        ),
        _ => format!(
            "awsredirect: {} in {} ({counts}); `awsredirect patch` fixes AR001 and AR002",
            count(shown, "finding", "findings"),
            count(files, "file", "files")
        ),
    }
}

fn render(handler: &GraphicalReportHandler, name: &str, text: &str, finding: &Finding) -> String {
    let command = match finding.fix.as_ref().map(|f| f.applicability) {
        Some(Applicability::Unsafe) => "awsredirect patch --unsafe-fixes",
        _ => "awsredirect patch",
    };
    let hint = match finding.rule.fix_title {
        Some(title) => format!("{title}: run `{command}`"),
        None => format!("see `awsredirect rule {}`", finding.rule.code),
    };
    let report = Report {
        message: finding.message.clone(),
        code: finding.rule.code.as_str(),
        label: finding.rule.code.to_string(),
        hint: Some(hint),
        frame: Some((
            NamedSource::new(name, text.to_string()),
            finding.range.clone().into(),
        )),
    };
    let mut rendered = String::new();
    if handler.render_report(&mut rendered, &report).is_err() {
        rendered = format!("{name}: {}: {}", finding.rule.code, finding.message);
    }
    rendered
}

/// A setting that cannot be used, before anything was read: a configuration file's error with
/// a code frame at the offending value, or a bad `--endpoint` / `AWSREDIRECT_ENDPOINT`.
pub fn print_settings_error(error: &SettingsError) {
    let rendered = match error {
        SettingsError::File(error) => config_report(error),
        SettingsError::Endpoint(error) => endpoint_report(error),
    };
    let _ = writeln!(std::io::stderr().lock(), "{rendered}");
}

fn config_report(error: &ConfigError) -> String {
    let name = display_path(&error.path);
    let report = Report {
        message: format!("invalid configuration in {name}: {}", error.message),
        code: "config",
        label: "here".into(),
        hint: error.hint.clone(),
        frame: Some((
            NamedSource::new(&name, error.text.clone()),
            error.span.clone().unwrap_or(0..0).into(),
        )),
    };
    let mut rendered = String::new();
    if error.span.is_none()
        || stderr_handler()
            .render_report(&mut rendered, &report)
            .is_err()
    {
        rendered = format!("error: {name}: {}", error.message);
    }
    rendered
}

fn endpoint_report(error: &EndpointError) -> String {
    let from = match error.origin {
        Origin::Flag => "--endpoint".to_string(),
        Origin::Environment => format!("{} (environment variable)", endpoint::VARIABLE),
    };
    let message = format!(
        "invalid endpoint {:?} from {from}: {}",
        error.value, error.problem.reason
    );
    let report = Report {
        message: message.clone(),
        code: "endpoint",
        label: String::new(),
        hint: Some(error.problem.hint.clone()),
        frame: None,
    };
    let mut rendered = String::new();
    if stderr_handler()
        .render_report(&mut rendered, &report)
        .is_err()
    {
        rendered = format!("error: {message}\nhelp: {}", error.problem.hint);
    }
    rendered
}

fn stderr_handler() -> GraphicalReportHandler {
    GraphicalReportHandler::new_themed(theme(
        std::io::stderr().is_terminal(),
        super::stderr_color(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_claims_success_only_without_errors() {
        assert_eq!(
            summary(0, 0, 3, 0, 0),
            "awsredirect: no unredirected AWS clients (3 files scanned)"
        );
        let failed = summary(0, 0, 2, 1, 1);
        assert!(!failed.contains("no unredirected"), "{failed}");
        assert!(failed.contains("1 error)"), "{failed}");
        assert!(summary(2, 1, 2, 0, 3).contains("2 findings in 1 file (2 files scanned, 3 errors)"));
        assert!(summary(1, 1, 1, 0, 0).contains("1 finding in 1 file (1 file scanned)"));
    }
}
