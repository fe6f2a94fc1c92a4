//! `awsredirect patch` and `awsredirect unpatch`: rewrite files, or show what would change.

use clap::Args;

use crate::engine::{self, Mode};
use crate::files;
use crate::output::{self, patch::PatchPrinter};
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
    /// Also apply unsafe fixes: those that may change what the code does beyond the redirect.
    /// Without it they are listed as available.
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// With --check: exit 0 even when files would change (errors still exit 2).
    #[arg(long)]
    pub exit_zero: bool,
}

pub fn run(args: PatchArgs, mode: Mode) -> Status {
    let status = run_patch(&args, mode);
    if args.exit_zero && status == Status::Findings {
        Status::Clean
    } else {
        status
    }
}

fn run_patch(args: &PatchArgs, mode: Mode) -> Status {
    if args.common.mixes_stdin() {
        output::print_lines(&[
            "error: `-` (standard input) cannot be combined with other paths".into(),
        ]);
        return Status::Error;
    }
    if args.common.reads_stdin() {
        return super::stdin::patch(&args.common, mode, args.diff, args.check, args.unsafe_fixes);
    }
    let dry_run = args.diff || args.check;
    let plan = match args.common.plan(mode, !dry_run, &Selection::default()) {
        Ok(plan) => plan,
        Err(error) => {
            output::human::print_settings_error(&error);
            return Status::Error;
        }
    };
    let mut plan = plan;
    for job in &mut plan.jobs {
        job.options.unsafe_fixes = args.unsafe_fixes;
    }
    output::print_excluded(&plan.excluded);
    if dry_run {
        output::print_leftovers(&plan.leftovers, false);
    } else {
        let (removed, failed) = files::remove_leftovers(&plan.leftovers);
        output::print_leftovers(&removed, true);
        plan.errors.extend(failed);
    }
    let mut printer = PatchPrinter::new(args.common.engine != EngineArg::Ast);
    for job in &plan.jobs {
        engine::run_each(
            &job.files,
            &job.options,
            |report| output::patch::reduce(&report, args.diff),
            |file| printer.add(file),
        );
    }
    let verb = match mode {
        Mode::Unpatch => "restored",
        _ => "redirected",
    };
    let totals = printer.finish(verb, dry_run, &plan.unsupported, &plan.errors);
    if mode == Mode::Unpatch {
        output::patch::print_other_endpoints(&totals.other_endpoints);
    }
    let (errors, changed) = (totals.failed, totals.changed);
    if errors > 0 {
        Status::Error
    } else if args.check && changed > 0 {
        Status::Findings
    } else {
        Status::Clean
    }
}
