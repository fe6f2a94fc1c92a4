//! `awsredirect rule CODE` and `awsredirect rules`: the rules' documentation.

use clap::Args;

use crate::output;
use crate::rules;

use super::Status;

#[derive(Debug, Args)]
pub struct RuleArgs {
    /// The rule's code, e.g. AR001.
    pub code: String,
}

pub fn run_rule(args: RuleArgs) -> Status {
    match rules::by_code(&args.code) {
        Some(rule) => {
            output::rules::print_rule(rule);
            Status::Clean
        }
        None => {
            output::rules::print_unknown(&args.code);
            Status::Error
        }
    }
}

pub fn run_rules() -> Status {
    output::rules::print_list(rules::ALL);
    Status::Clean
}
