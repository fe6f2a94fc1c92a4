//! `awsredirect patch` and `awsredirect unpatch`: rewrite files, or show what would change.

use clap::Args;

use crate::engine::{self, Mode};
use crate::files;
use crate::output::{self, Tally};
use crate::rules::Selection;

use super::{Common, EngineArg, Status};

#[derive(Debug, Args)]
pub struct PatchArgs {
    #[command(flatten)]
    pub common: Common,
    /// Print a unified diff of the change instead of writing it.
    #[arg(long)]
    pub diff: bool,
    /// Write nothing; exit 1 if any file would change.
    #[arg(long)]
    pub check: bool,
}

pub fn run(args: PatchArgs, mode: Mode) -> Status {
    let dry_run = args.diff || args.check;
    let plan = match args.common.plan(mode, !dry_run, &Selection::default()) {
        Ok(plan) => plan,
        Err(error) => {
            output::human::print_config_error(&error);
            return Status::Error;
        }
    };
    let mut plan = plan;
    if dry_run {
        output::print_leftovers(&plan.leftovers, false);
    } else {
        let (removed, failed) = files::remove_leftovers(&plan.leftovers);
        output::print_leftovers(&removed, true);
        plan.errors.extend(failed);
    }
    let mut reports: Vec<engine::FileReport> = plan
        .jobs
        .iter()
        .flat_map(|job| engine::run(&job.files, &job.options))
        .collect();
    reports.sort_by(|a, b| a.path.cmp(&b.path));
    if args.diff {
        output::diff::print(&reports);
    }
    output::print_unsupported(&plan.unsupported);
    output::print_problems(&reports, &plan.errors);
    let tally = Tally::of(&reports);
    let errors = tally.failed + plan.errors.len();
    let verb = match mode {
        Mode::Unpatch => "restored",
        _ => "redirected",
    };
    if args.common.engine != EngineArg::Ast {
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
