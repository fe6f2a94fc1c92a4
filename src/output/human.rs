//! `check --format human`: one miette report per finding, with a code frame, the rule code and
//! a hint; graphical with colour on a terminal, plain text otherwise.

use std::io::Write;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, MietteError, MietteSpanContents,
    NamedSource, SourceCode, SourceSpan, SpanContents, ThemeCharacters, ThemeStyles,
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
    frame: Option<(Frame, SourceSpan)>,
}

/// The text a code frame is drawn from.
#[derive(Debug)]
enum Frame {
    Whole(NamedSource<String>),
    Excerpt(Excerpt),
}

impl Frame {
    fn source(&self) -> &dyn SourceCode {
        match self {
            Frame::Whole(source) => source,
            Frame::Excerpt(excerpt) => excerpt,
        }
    }
}

/// A few lines of a file around one finding, with where they start in it: miette reads the
/// lines of a frame by scanning its source from the start (three times per report), so a
/// report over the whole text costs time in proportion to how far into the file it is. The
/// excerpt starts `EXCERPT_MARGIN` lines before the finding's line and ends as many after its
/// last one, more than miette's context lines, so it reads exactly what it would read in the
/// whole text.
#[derive(Debug)]
struct Excerpt {
    name: String,
    text: String,
    /// Where `text` starts in the file (a line start), and how many lines come before it.
    offset: usize,
    lines_before: usize,
}

/// Lines of an excerpt on either side of its finding (miette shows one line of context).
const EXCERPT_MARGIN: usize = 3;

impl Excerpt {
    /// The excerpt of `text` (whose line starts are `starts`) around `range`; `None` where the
    /// range is not inside the text.
    fn new(
        name: &str,
        text: &str,
        starts: &[usize],
        range: &std::ops::Range<usize>,
    ) -> Option<Excerpt> {
        if range.start > range.end || range.end > text.len() {
            return None;
        }
        let line_of = |at: usize| starts.partition_point(|&start| start <= at) - 1;
        let first = line_of(range.start).saturating_sub(EXCERPT_MARGIN);
        let after = line_of(range.end) + EXCERPT_MARGIN + 1;
        let (offset, end) = (
            starts[first],
            starts.get(after).copied().unwrap_or(text.len()),
        );
        Some(Excerpt {
            name: name.to_string(),
            text: text.get(offset..end)?.to_string(),
            offset,
            lines_before: first,
        })
    }
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let start = span
            .offset()
            .checked_sub(self.offset)
            .ok_or(MietteError::OutOfBounds)?;
        let inner = self.text.as_bytes().read_span(
            &SourceSpan::new(start.into(), span.len()),
            context_lines_before,
            context_lines_after,
        )?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            SourceSpan::new(
                (inner.span().offset() + self.offset).into(),
                inner.span().len(),
            ),
            inner.line() + self.lines_before,
            inner.column(),
            inner.line_count() + self.lines_before,
        )))
    }
}

/// Where each line of `text` starts, as miette counts lines (a line ends at `\n`, `\r\n` or a
/// lone `\r`); the first is 0.
fn line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    for at in memchr::memchr2_iter(b'\n', b'\r', bytes) {
        if bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n') {
            continue;
        }
        starts.push(at + 1);
    }
    starts
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
        self.frame.as_ref().map(|(frame, _)| frame.source())
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
    GraphicalReportHandler::new_themed(theme(super::stdout_is_terminal(), super::stdout_color()))
        .with_links(false)
}

/// One file's findings that are not suppressed, each as a report with a code frame.
pub fn render_file(name: &str, text: &str, findings: &[Finding]) -> String {
    let handler = handler();
    let mut out = String::new();
    let starts = line_starts(text);
    for finding in findings.iter().filter(|f| !f.suppressed) {
        out.push_str(&render(&handler, name, text, &starts, finding));
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

fn render(
    handler: &GraphicalReportHandler,
    name: &str,
    text: &str,
    starts: &[usize],
    finding: &Finding,
) -> String {
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
            Excerpt::new(name, text, starts, &finding.range).map_or_else(
                || Frame::Whole(NamedSource::new(name, text.to_string())),
                Frame::Excerpt,
            ),
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
            Frame::Whole(NamedSource::new(&name, error.text.clone())),
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
    GraphicalReportHandler::new_themed(theme(super::stderr_is_terminal(), super::stderr_color()))
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

    /// A report's frame drawn from an excerpt is the frame drawn from the whole text, wherever
    /// the finding is and however lines end.
    #[test]
    fn an_excerpt_frames_a_finding_as_the_whole_text_does() {
        let texts = [
            "a = 1\nb = boto3.client('s3')\nc = 3\n",
            "import boto3\n\n\n\n\n\n\ns3 = boto3.client(\n    's3'\n)\nx = 1\ny = 2\nz = 3\nw = 4\nv = 5\n",
            "one\r\ntwo\r\nthree\r\nfour\r\nfive\r\nsix\r\nseven\r\neight\r\nnine",
            "one\rtwo\rthree\rfour\rfive\rsix\rseven\reight",
            "x",
            "",
        ];
        let handler = GraphicalReportHandler::new_themed(GraphicalTheme::none());
        let draw = |frame: Frame, range: &std::ops::Range<usize>| {
            let report = Report {
                message: "m".into(),
                code: "AR001",
                label: "AR001".into(),
                hint: None,
                frame: Some((frame, range.clone().into())),
            };
            let mut out = String::new();
            handler.render_report(&mut out, &report).map(|()| out)
        };
        let mut compared = 0;
        for text in texts {
            let starts = line_starts(text);
            for start in 0..=text.len() {
                for end in start..=text.len().min(start + 12) {
                    let range = start..end;
                    let whole = draw(
                        Frame::Whole(NamedSource::new("f.py", text.to_string())),
                        &range,
                    );
                    let excerpt = Excerpt::new("f.py", text, &starts, &range).expect("in the text");
                    assert_eq!(
                        whole,
                        draw(Frame::Excerpt(excerpt), &range),
                        "{text:?} {range:?}"
                    );
                    compared += 1;
                }
            }
        }
        assert!(compared > 500);
    }
}
