//! Command-line definitions: the top-level parser and one module per command.
pub mod serve;

/// The `awsredirect` command line.
#[derive(clap::Parser, Debug)]
#[command(name = "awsredirect", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The commands `awsredirect` offers.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Run the bundled minimal AWS emulator (S3, SQS, STS) on a local endpoint.
    Serve(serve::ServeArgs),
}
