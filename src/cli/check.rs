//! `awsredirect check`: lint for AWS clients that are not redirected.

use clap::{Args, ValueEnum};

use crate::check::{self, Finding};
use crate::engine::{self, FileReport, Mode, Outcome};
use crate::output::{self, Format};
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
}

pub fn run(args: CheckArgs) -> Status {
    let selection = Selection {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
    };
    let unknown = selection.unknown_codes();
    if !unknown.is_empty() {
        output::print_unknown_codes(&unknown);
        return Status::Error;
    }
    let plan = match args.common.plan(Mode::Check, false, &selection) {
        Ok(plan) => plan,
        Err(error) => {
            output::human::print_config_error(&error);
            return Status::Error;
        }
    };
    output::print_leftovers(&plan.leftovers, false);
    let mut checked: Vec<(FileReport, Vec<Finding>)> = Vec::new();
    for job in &plan.jobs {
        for report in engine::run(&job.files, &job.options) {
            let findings = match &report.outcome {
                Outcome::Processed(p) => {
                    check::findings(&p.detection, &p.text, &job.options, &job.selection)
                }
                _ => Vec::new(),
            };
            checked.push((report, findings));
        }
    }
    checked.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    let format = match args.format {
        FormatArg::Human => Format::Human,
        FormatArg::Json => Format::Json,
        FormatArg::Sarif => Format::Sarif,
        FormatArg::Github => Format::Github,
    };
    output::print_check(format, &checked, &plan.unsupported, &plan.errors);
    if args.common.engine != EngineArg::Ast {
        let reports: Vec<&FileReport> = checked.iter().map(|(r, _)| r).collect();
        output::print_regex_reads(&reports);
    }
    let failed = checked
        .iter()
        .filter(|(r, _)| matches!(r.outcome, Outcome::Failed(_)))
        .count();
    let active = checked.iter().flat_map(|(_, f)| f).any(|f| !f.suppressed);
    if failed + plan.errors.len() > 0 {
        Status::Error
    } else if active {
        Status::Findings
    } else {
        Status::Clean
    }
}
