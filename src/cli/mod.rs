//! Command-line interface: clap definitions, and one file per command.

pub mod check;
pub mod patch;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::engine::EngineChoice;
use crate::walk::WalkOptions;

pub const DEFAULT_ENDPOINT: &str = "http://localhost:4566";

#[derive(Debug, Parser)]
#[command(
    name = "awsredirect",
    version,
    about = "Point AWS SDK code at a local endpoint (LocalStack, moto, MinIO) by rewriting the source precisely.",
    long_about = "Point AWS SDK code at a local endpoint (LocalStack, moto, MinIO) by rewriting the source precisely.\n\n\
awsredirect finds every AWS client construction (boto3.client('s3'), Session().resource(...), \
botocore create_client, aioboto3 / aiobotocore) and adds an endpoint override with a minimal, \
reviewable edit that `unpatch` removes again byte for byte.",
    after_help = "Examples:\n  \
awsredirect patch --diff src/        show what would change\n  \
awsredirect patch src/               redirect every client to http://localhost:4566\n  \
awsredirect check src/               fail (exit 1) if any client still talks to real AWS\n  \
awsredirect unpatch src/             remove exactly what patch added\n\n\
Exit codes: 0 nothing to report, 1 findings or changes (check, --check), 2 errors."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add endpoint overrides to every AWS client that lacks one.
    #[command(after_help = "Examples:\n  \
awsredirect patch --diff .                            review the change as a unified diff\n  \
awsredirect patch --endpoint http://localhost:5000 app/   redirect to moto's server\n  \
awsredirect patch --check .                           exit 1 if anything would change")]
    Patch(patch::PatchArgs),
    /// Remove the endpoint overrides `patch` added (byte-identical round trip).
    #[command(after_help = "Examples:\n  \
awsredirect unpatch .                                 undo `awsredirect patch .`\n  \
awsredirect unpatch --endpoint http://localhost:5000 app/   undo a patch made with that endpoint")]
    Unpatch(patch::PatchArgs),
    /// Report every AWS client that is not redirected (exit 1 if any).
    #[command(after_help = "Examples:\n  \
awsredirect check .                    findings with code frames\n  \
awsredirect check --format json src/   machine-readable findings")]
    Check(check::CheckArgs),
}

/// Which files to process.
#[derive(Debug, Args)]
pub struct Targets {
    /// Files or directories to process [default: .]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Also process what .gitignore and the default exclusions skip (virtualenvs,
    /// node_modules, site-packages, vendored SDK copies).
    #[arg(long)]
    pub no_ignore: bool,
}

impl Targets {
    pub fn paths(&self) -> Vec<PathBuf> {
        if self.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            self.paths.clone()
        }
    }

    pub fn walk_options(&self) -> WalkOptions {
        WalkOptions {
            no_ignore: self.no_ignore,
        }
    }
}

/// `--engine`: how sites are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EngineArg {
    /// Parse with tree-sitter; files that do not parse are reported and left untouched.
    Ast,
    /// Line-based patterns, for templates, Python 2 and broken files (see README: limits).
    Regex,
    /// The AST engine where a file parses, the regex engine where it does not.
    Auto,
}

impl From<EngineArg> for EngineChoice {
    fn from(arg: EngineArg) -> EngineChoice {
        match arg {
            EngineArg::Ast => EngineChoice::Ast,
            EngineArg::Regex => EngineChoice::Regex,
            EngineArg::Auto => EngineChoice::Auto,
        }
    }
}

/// Exit status conventions shared by every command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Nothing to report.
    Clean = 0,
    /// Findings (`check`) or changes (`--check`).
    Findings = 1,
    /// At least one error.
    Error = 2,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        ExitCode::from(status as u8)
    }
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Status {
    match cli.command {
        Command::Patch(args) => patch::run(args, crate::engine::Mode::Patch),
        Command::Unpatch(args) => patch::run(args, crate::engine::Mode::Unpatch),
        Command::Check(args) => check::run(args),
    }
}
