//! Entry point of the `awsredirect` binary: parse the command line and run the chosen command.
use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = awsredirect::cli::Cli::parse();
    match cli.command {
        awsredirect::cli::Command::Serve(args) => awsredirect::cli::serve::run(args),
    }
}
