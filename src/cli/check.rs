//! `awsredirect check`: lint for AWS clients that are not redirected.

use clap::{Args, ValueEnum};

use crate::check;
use crate::engine::{self, Mode, Outcome};
use crate::output::{self, check::CheckPrinter, Format};
use crate::rules::Selection;

use super::{Common, EngineArg, Status};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// Reports with code frames, for people.
    Human,
    /// `{"version": 1, "diagnostics": [...]}` for tools.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub common: Common,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
    /// Report only these rules (codes or prefixes, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub select: Vec<String>,
    /// Never report these rules (codes or prefixes, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub ignore: Vec<String>,
    /// Exit 0 even when there are findings (errors still exit 2).
    #[arg(long)]
    pub exit_zero: bool,
}

pub fn run(args: CheckArgs) -> Status {
    let status = run_check(&args);
    if args.exit_zero && status == Status::Findings {
        Status::Clean
    } else {
        status
    }
}

fn run_check(args: &CheckArgs) -> Status {
    let selection = Selection {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
    };
    let unknown = selection.unknown_codes();
    if !unknown.is_empty() {
        output::print_unknown_codes(&unknown);
        return Status::Error;
    }
    let format = match args.format {
        FormatArg::Human => Format::Human,
        FormatArg::Json => Format::Json,
        FormatArg::Sarif => Format::Sarif,
        FormatArg::Github => Format::Github,
    };
    if args.common.mixes_stdin() {
        output::print_lines(&[
            "error: `-` (standard input) cannot be combined with other paths".into(),
        ]);
        return Status::Error;
    }
    if args.common.reads_stdin() {
        return super::stdin::check(&args.common, format, &selection);
    }
    let plan = match args.common.plan(Mode::Check, false, &selection) {
        Ok(plan) => plan,
        Err(error) => {
            output::human::print_settings_error(&error);
            return Status::Error;
        }
    };
    output::print_leftovers(&plan.leftovers, false);
    output::print_excluded(&plan.excluded);
    let mut printer = CheckPrinter::start(format, args.common.engine != EngineArg::Ast);
    for job in &plan.jobs {
        engine::run_each(
            &job.files,
            &job.options,
            |report| {
                let findings = match &report.outcome {
                    Outcome::Processed(p) => match &p.findings {
                        Some(all) => check::selected(all, &job.selection),
                        None => {
                            check::findings(&p.detection, &p.text, &job.options, &job.selection)
                        }
                    },
                    _ => Vec::new(),
                };
                output::check::render(format, &report, &findings)
            },
            |file| printer.add(file),
        );
    }
    let totals = printer.finish(&plan.unsupported, &plan.errors);
    if totals.failed > 0 {
        Status::Error
    } else if totals.active > 0 {
        Status::Findings
    } else {
        Status::Clean
    }
}
