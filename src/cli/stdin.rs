//! Standard input as the file (`-`), what editors and formatter integrations call:
//! `patch - --stdin-filename app.py < app.py` prints the patched text (`--diff` a diff, `--check`
//! only the exit status), `check -` reports on it. Nothing is written to disk.

use std::io::Read;
use std::path::Path;

use crate::check;
use crate::engine::{self, FileReport, Mode, Outcome, Processed};
use crate::files::{self, Problem};
use crate::lang::Language;
use crate::output::{self, check::CheckPrinter, patch::PatchPrinter, Format};
use crate::rules::Selection;

use super::{Common, EngineArg, Status, StdinSettings};

/// What was read from standard input and what became of it.
struct Input {
    /// The bytes as read, for `patch` to pass through what it does not change.
    bytes: Vec<u8>,
    report: FileReport,
}

/// Reads standard input and runs the pipeline on it as `settings.name`.
fn read_and_process(common: &Common, settings: &StdinSettings) -> Input {
    let mut bytes = Vec::new();
    if let Err(error) = std::io::stdin().read_to_end(&mut bytes) {
        return failed(
            bytes,
            &settings.name,
            format!("cannot read standard input: {error}"),
        );
    }
    if settings.excluded {
        let reason = "excluded (--force-exclude)".to_string();
        return Input {
            report: FileReport {
                path: settings.name.clone(),
                outcome: Outcome::Skipped(reason),
            },
            bytes,
        };
    }
    let (bom, text) = match files::decode(bytes.clone()) {
        Ok(decoded) => decoded,
        Err(Problem::Skipped(reason)) => {
            return Input {
                report: FileReport {
                    path: settings.name.clone(),
                    outcome: Outcome::Skipped(reason),
                },
                bytes,
            }
        }
        Err(Problem::Failed(message)) => return failed(bytes, &settings.name, message),
    };
    let Some(language) = language(common.stdin_filename.as_deref(), &text) else {
        let message = "not a file type awsredirect reads (--stdin-filename names the language)";
        return failed(bytes, &settings.name, message.to_string());
    };
    let outcome = match engine::transform(language, &text, &settings.options) {
        Ok(processed) => Outcome::Processed(Processed {
            bom,
            // A text without AWS markers comes back without its text; keep it for reports.
            text,
            ..processed
        }),
        Err(failure) => Outcome::Failed(failure),
    };
    Input {
        bytes,
        report: FileReport {
            path: settings.name.clone(),
            outcome,
        },
    }
}

/// By `--stdin-filename` (extension, else the text's shebang); without one, the shebang or
/// Python.
fn language(name: Option<&Path>, text: &str) -> Option<Language> {
    match name {
        Some(name) => Language::detect(name, text),
        None => Some(
            Language::from_shebang(text.lines().next().unwrap_or("")).unwrap_or(Language::Python),
        ),
    }
}

fn failed(bytes: Vec<u8>, name: &Path, message: String) -> Input {
    Input {
        bytes,
        report: FileReport {
            path: name.to_path_buf(),
            outcome: Outcome::Failed(engine::Failure {
                message,
                offset: None,
                text: None,
            }),
        },
    }
}

/// `check -`: the findings in standard input, in `format`.
pub fn check(common: &Common, format: Format, selection: &Selection) -> Status {
    let settings = match common.stdin_settings(Mode::Check, selection) {
        Ok(settings) => settings,
        Err(error) => {
            output::human::print_settings_error(&error);
            return Status::Error;
        }
    };
    let input = read_and_process(common, &settings);
    let findings = match &input.report.outcome {
        Outcome::Processed(p) => check::findings(
            &p.detection,
            &p.text,
            &settings.options,
            &settings.selection,
        ),
        _ => Vec::new(),
    };
    let mut printer = CheckPrinter::start(format, common.engine != EngineArg::Ast);
    printer.add(output::check::render(format, &input.report, &findings));
    let totals = printer.finish(&[], &[]);
    if totals.failed > 0 {
        Status::Error
    } else if totals.active > 0 {
        Status::Findings
    } else {
        Status::Clean
    }
}

/// `patch -` / `unpatch -`: the new text on stdout (the input unchanged when there is nothing to
/// do), or with `--diff` the diff; nothing on stdout when the input cannot be processed.
pub fn patch(common: &Common, mode: Mode, diff: bool, check: bool, unsafe_fixes: bool) -> Status {
    let mut settings = match common.stdin_settings(mode, &Selection::default()) {
        Ok(settings) => settings,
        Err(error) => {
            output::human::print_settings_error(&error);
            return Status::Error;
        }
    };
    settings.options.unsafe_fixes = unsafe_fixes;
    let input = read_and_process(common, &settings);
    if !diff && !check {
        match &input.report.outcome {
            Outcome::Processed(p) => match &p.updated {
                Some(updated) => output::patch::print_text(p.bom, updated),
                None => output::write_stdout_bytes(&input.bytes),
            },
            Outcome::Skipped(_) => output::write_stdout_bytes(&input.bytes),
            Outcome::Failed(_) => {}
        }
    }
    let mut printer = PatchPrinter::new(common.engine != EngineArg::Ast);
    printer.add(output::patch::reduce(&input.report, diff));
    let verb = match mode {
        Mode::Unpatch => "restored",
        _ => "redirected",
    };
    let totals = printer.finish(verb, diff || check, &[], &[]);
    if mode == Mode::Unpatch {
        output::patch::print_other_endpoints(&totals.other_endpoints);
    }
    if totals.failed > 0 {
        Status::Error
    } else if check && totals.changed > 0 {
        Status::Findings
    } else {
        Status::Clean
    }
}
