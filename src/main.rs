//! The `awsredirect` binary: parse the command line, run it, map the result to an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    awsredirect::lang::arena::install();
    let cli = awsredirect::cli::Cli::parse();
    awsredirect::cli::run(cli)
}
