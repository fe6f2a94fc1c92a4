//! `awsredirect check`: lint for AWS clients that are not redirected.

use clap::{Args, ValueEnum};

use crate::check;
use crate::engine::{self, Mode, Options, Outcome};
use crate::output::{self, Format};
use crate::walk;

use super::{EngineArg, Status, Targets, DEFAULT_ENDPOINT};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// Reports with code frames, for people.
    Human,
    /// `{"version": 1, "diagnostics": [...]}` for tools.
    Json,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub targets: Targets,
    /// How sites are found: `ast` (tree-sitter), `regex` (line-based patterns), or `auto`
    /// (regex only where a file does not parse).
    #[arg(long, value_enum, default_value = "ast")]
    pub engine: EngineArg,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
}

pub fn run(args: CheckArgs) -> Status {
    let walked = walk::walk(&args.targets.paths(), &args.targets.walk_options());
    let options = Options {
        mode: Mode::Check,
        endpoint: DEFAULT_ENDPOINT.to_string(),
        write: false,
        engine: args.engine.into(),
    };
    let reports = engine::run(&walked.files, &options);
    let findings: Vec<(usize, Vec<check::Finding>)> = reports
        .iter()
        .enumerate()
        .filter_map(|(i, r)| match &r.outcome {
            Outcome::Processed(p) => Some((i, check::findings(&p.sites))),
            _ => None,
        })
        .collect();
    let format = match args.format {
        FormatArg::Human => Format::Human,
        FormatArg::Json => Format::Json,
    };
    match format {
        Format::Human => output::human::print(&reports, &findings),
        Format::Json => output::json::print(&reports, &findings),
    }
    if args.engine != EngineArg::Ast {
        output::print_regex_reads(&reports);
    }
    output::print_unsupported(&walked.unsupported);
    output::print_problems(&reports, &walked.errors);
    let failed = reports
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Failed(_)))
        .count();
    if failed + walked.errors.len() > 0 {
        Status::Error
    } else if findings.iter().any(|(_, f)| !f.is_empty()) {
        Status::Findings
    } else {
        Status::Clean
    }
}
