//! File discovery: .gitignore-aware walking that skips virtualenvs, dependency folders and
//! vendored SDK copies; paths named on the command line are always processed.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use ignore::{DirEntry, WalkBuilder};

use crate::files;
use crate::lang::Language;

#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    /// Include what .gitignore and the default exclusions would skip.
    pub no_ignore: bool,
    /// Configured `exclude` globs and the directory they are relative to.
    pub exclude: Option<Exclude>,
}

/// Paths not to walk, as globs relative to `root`.
#[derive(Debug, Clone)]
pub struct Exclude {
    pub root: PathBuf,
    pub globs: globset::GlobSet,
}

impl Exclude {
    pub fn new(root: &Path, patterns: &[String]) -> Result<Exclude, globset::Error> {
        let mut builder = globset::GlobSetBuilder::new();
        for pattern in patterns {
            builder.add(globset::Glob::new(pattern)?);
        }
        Ok(Exclude {
            root: std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf()),
            globs: builder.build()?,
        })
    }

    pub fn matches(&self, path: &Path) -> bool {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        absolute
            .strip_prefix(&self.root)
            .is_ok_and(|relative| self.globs.is_match(relative))
    }
}

/// The files to process, sorted by path, and the paths that could not be walked.
#[derive(Debug, Default)]
pub struct Walked {
    pub files: Vec<(PathBuf, Language)>,
    pub unsupported: Vec<PathBuf>,
    pub errors: Vec<(PathBuf, String)>,
    /// Temporary files an interrupted run left behind.
    pub leftovers: Vec<PathBuf>,
}

/// Directory names never walked into unless `--no-ignore` is given.
const SKIPPED_DIRS: &[&str] = &[
    ".git",
    "node_modules",
    "site-packages",
    "__pycache__",
    ".venv",
    "venv",
    ".tox",
    ".nox",
];
/// A directory holding one of these packages is a vendored SDK copy.
const VENDORED_PACKAGES: &[&str] = &["boto3", "botocore", "aiobotocore", "aioboto3"];

pub fn walk(paths: &[PathBuf], options: &WalkOptions) -> Walked {
    let mut walked = Walked::default();
    for path in paths {
        match fs::metadata(path) {
            Err(e) => walked
                .errors
                .push((path.clone(), format!("cannot read: {e}"))),
            Ok(meta) if meta.is_dir() => walk_dir(path, options, &mut walked),
            Ok(_) => match language_of(path) {
                Some(language) => walked.files.push((path.clone(), language)),
                None => walked.unsupported.push(path.clone()),
            },
        }
    }
    walked.files.sort();
    walked.files.dedup();
    walked.leftovers.sort();
    walked.leftovers.dedup();
    walked
}

fn walk_dir(root: &Path, options: &WalkOptions, walked: &mut Walked) {
    let mut builder = WalkBuilder::new(root);
    builder.require_git(false).hidden(false);
    let exclude = options.exclude.clone();
    if options.no_ignore {
        builder.standard_filters(false);
    }
    let no_ignore = options.no_ignore;
    builder.filter_entry(move |entry| {
        let excluded = exclude
            .as_ref()
            .is_some_and(|e| entry.depth() > 0 && e.matches(entry.path()));
        let leftover = files::is_leftover(&entry.file_name().to_string_lossy());
        leftover || (!excluded && (no_ignore || !(is_hidden(entry) || is_excluded_dir(entry))))
    });
    for entry in builder.build() {
        match entry {
            Err(e) => walked.errors.push((root.to_path_buf(), e.to_string())),
            Ok(entry) if files::is_leftover(&entry.file_name().to_string_lossy()) => {
                walked.leftovers.push(entry.into_path());
            }
            Ok(entry) if entry.file_type().is_some_and(|t| t.is_file()) => {
                if let Some(language) = language_of(entry.path()) {
                    walked.files.push((entry.into_path(), language));
                }
            }
            Ok(_) => {}
        }
    }
}

/// Hidden files and directories (a leading `.`) are skipped, as ripgrep does.
fn is_hidden(entry: &DirEntry) -> bool {
    entry.depth() > 0 && entry.file_name().to_string_lossy().starts_with('.')
}

fn is_excluded_dir(entry: &DirEntry) -> bool {
    if !entry.file_type().is_some_and(|t| t.is_dir()) || entry.depth() == 0 {
        return false;
    }
    let name = entry.file_name().to_string_lossy();
    let path = entry.path();
    SKIPPED_DIRS.contains(&name.as_ref())
        || path.join("pyvenv.cfg").is_file()
        || VENDORED_PACKAGES
            .iter()
            .any(|package| path.join(package).join("__init__.py").is_file())
}

/// The language of a file by extension, else by the shebang of an extension-less file.
pub fn language_of(path: &Path) -> Option<Language> {
    if path.extension().is_some() {
        return Language::detect(path, "");
    }
    let mut head = [0u8; 256];
    let n = fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .ok()?;
    let head = String::from_utf8_lossy(&head[..n]);
    Language::detect(path, &head)
}
