//! `awsredirect patch` and `awsredirect unpatch`: rewrite files, or show what would change.

use clap::Args;

use crate::engine::{self, Mode, Options};
use crate::output::{self, Tally};
use crate::walk;

use super::{EngineArg, Status, Targets, DEFAULT_ENDPOINT};

#[derive(Debug, Args)]
pub struct PatchArgs {
    #[command(flatten)]
    pub targets: Targets,
    /// How sites are found: `ast` (tree-sitter), `regex` (line-based patterns), or `auto`
    /// (regex only where a file does not parse).
    #[arg(long, value_enum, default_value = "ast")]
    pub engine: EngineArg,
    /// The endpoint the clients should talk to.
    #[arg(long, env = "AWSREDIRECT_ENDPOINT", default_value = DEFAULT_ENDPOINT, value_name = "URL")]
    pub endpoint: String,
    /// Print a unified diff of the change instead of writing it.
    #[arg(long)]
    pub diff: bool,
    /// Write nothing; exit 1 if any file would change.
    #[arg(long)]
    pub check: bool,
}

pub fn run(args: PatchArgs, mode: Mode) -> Status {
    let walked = walk::walk(&args.targets.paths(), &args.targets.walk_options());
    let dry_run = args.diff || args.check;
    let options = Options {
        mode,
        endpoint: args.endpoint.clone(),
        write: !dry_run,
        engine: args.engine.into(),
    };
    let reports = engine::run(&walked.files, &options);
    if args.diff {
        output::diff::print(&reports);
    }
    output::print_unsupported(&walked.unsupported);
    output::print_problems(&reports, &walked.errors);
    let tally = Tally::of(&reports);
    let errors = tally.failed + walked.errors.len();
    let verb = match mode {
        Mode::Unpatch => "restored",
        _ => "redirected",
    };
    if args.engine != EngineArg::Ast {
        output::print_changes_by_engine(&reports, verb, dry_run);
    }
    output::print_change_summary(&tally, verb, dry_run, errors);
    if errors > 0 {
        Status::Error
    } else if args.check && tally.changed > 0 {
        Status::Findings
    } else {
        Status::Clean
    }
}
