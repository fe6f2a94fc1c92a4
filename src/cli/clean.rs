//! `awsredirect clean`: removes the results cache of the project at each path.

use std::path::PathBuf;

use clap::Args;

use crate::cache;
use crate::config;
use crate::output;

use super::Status;

#[derive(Debug, Args)]
pub struct CleanArgs {
    /// Directories whose project's cache to remove [default: .]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Use this configuration file (for its `cache-dir`) instead of looking for one.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

pub fn run(args: &CleanArgs) -> Status {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut status = Status::Clean;
    for path in paths {
        let loaded = match &args.config {
            Some(file) => config::load(file),
            None => config::discover(&path),
        };
        let loaded = match loaded {
            Ok(loaded) => loaded,
            Err(error) => {
                output::human::print_settings_error(&config::SettingsError::File(error));
                status = Status::Error;
                continue;
            }
        };
        let dir = cache::location(loaded.root(), loaded.config.cache_dir.as_deref());
        match cache::clean(&dir) {
            Ok(removed) => output::print_cleaned(&dir, removed),
            Err(error) => {
                output::print_lines(&[format!(
                    "error: cannot remove {}: {error}",
                    output::display_path(&dir)
                )]);
                status = Status::Error;
            }
        }
    }
    status
}
