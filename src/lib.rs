//! The `awsredirect` library: command-line commands, output, and the bundled AWS emulator.
pub mod cli;
pub mod emulator;
pub mod output;
