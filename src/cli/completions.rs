//! `awsredirect completions SHELL` and `awsredirect man`: shell completion scripts and man
//! pages, generated from the same clap definitions as `--help`.

use std::path::PathBuf;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::output;

use super::{Cli, Status};

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write one page per command (awsredirect.1, awsredirect-check.1, …) into this directory
    /// instead of printing the main page.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Prints the completion script for `args.shell`.
pub fn run_completions(args: CompletionsArgs) -> Status {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "awsredirect", &mut script);
    output::write_stdout(&String::from_utf8_lossy(&script));
    Status::Clean
}

/// Prints the main man page, or writes every command's page into `--dir`.
pub fn run_man(args: ManArgs) -> Status {
    let command = Cli::command();
    match args.dir {
        None => {
            let mut page = Vec::new();
            match clap_mangen::Man::new(command).render(&mut page) {
                Ok(()) => {
                    output::write_stdout(&String::from_utf8_lossy(&page));
                    Status::Clean
                }
                Err(error) => {
                    output::print_lines(&[format!("error: cannot render the man page: {error}")]);
                    Status::Error
                }
            }
        }
        Some(dir) => {
            let written = std::fs::create_dir_all(&dir)
                .and_then(|()| clap_mangen::generate_to(command, &dir));
            match written {
                Ok(()) => {
                    output::print_man_pages(&dir);
                    Status::Clean
                }
                Err(error) => {
                    output::print_lines(&[format!(
                        "error: cannot write the man pages into {}: {error}",
                        output::display_path(&dir)
                    )]);
                    Status::Error
                }
            }
        }
    }
}
