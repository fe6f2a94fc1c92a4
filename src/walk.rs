//! File discovery: .gitignore-aware walking that skips what is generated or vendored (an explicit
//! default list, as ruff's, replaceable and extendable by the configuration), not what is hidden;
//! paths named on the command line are processed unless `--force-exclude` is given.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use ignore::{DirEntry, WalkBuilder, WalkState};

use crate::files;
use crate::ignores::Ignores;
use crate::lang::Language;

#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    /// Walk everything: no .gitignore, no exclusions.
    pub no_ignore: bool,
    /// What is not walked into.
    pub exclude: Exclude,
    /// Apply `exclude` to the paths named on the command line too.
    pub force_exclude: bool,
}

/// Names skipped wherever they occur unless the configuration's `exclude` replaces them or
/// `--no-ignore` is given: version control, virtualenvs, dependencies, caches, build outputs.
pub const DEFAULT_EXCLUDES: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    ".bzr",
    ".venv",
    "venv",
    "node_modules",
    "site-packages",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".tox",
    ".nox",
    "cdk.out",
    ".aws-sam",
    ".awsredirect_cache",
];
/// With the defaults, a directory holding one of these packages is a vendored SDK copy.
const VENDORED_PACKAGES: &[&str] = &["boto3", "botocore", "aiobotocore", "aioboto3"];

/// Paths not to walk: globs matched against a path relative to `root` and against its name
/// (as ruff does), plus, while the defaults are in force, virtualenvs (a `pyvenv.cfg`) and
/// vendored SDK copies found by what they hold.
#[derive(Debug, Clone)]
pub struct Exclude {
    root: Option<PathBuf>,
    globs: globset::GlobSet,
    detect: bool,
}

impl Default for Exclude {
    fn default() -> Exclude {
        Exclude::new(None, None, &[]).expect("the default exclusions are valid globs")
    }
}

impl Exclude {
    /// `replace` instead of the defaults when given, plus `extend`; globs relative to `root`.
    pub fn new(
        root: Option<&Path>,
        replace: Option<&[String]>,
        extend: &[String],
    ) -> Result<Exclude, globset::Error> {
        let defaults: Vec<String> = DEFAULT_EXCLUDES.iter().map(|s| s.to_string()).collect();
        let mut builder = globset::GlobSetBuilder::new();
        for pattern in replace.unwrap_or(defaults.as_slice()).iter().chain(extend) {
            builder.add(globset::Glob::new(pattern)?);
        }
        Ok(Exclude {
            root: root.map(|r| std::path::absolute(r).unwrap_or_else(|_| r.to_path_buf())),
            globs: builder.build()?,
            detect: replace.is_none(),
        })
    }

    /// Whether `path` is excluded (`is_dir` enables the virtualenv and vendored SDK checks).
    pub fn matches(&self, path: &Path, is_dir: bool) -> bool {
        let listing = is_dir.then(|| Listing::read(path));
        self.matches_listed(path, listing.as_ref())
    }

    /// As `matches`, with a directory's listing (`None` for a file) when it is needed.
    fn matches_listed(&self, path: &Path, listing: Option<&Listing>) -> bool {
        let by_name = path.file_name().is_some_and(|n| self.globs.is_match(n));
        by_name
            || self.matches_relative(path)
            || (self.detect && listing.is_some_and(|l| l.is_environment(path)))
    }

    fn matches_relative(&self, path: &Path) -> bool {
        let Some(root) = &self.root else {
            return false;
        };
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        absolute
            .strip_prefix(root)
            .is_ok_and(|relative| self.globs.is_match(relative))
    }

    /// Whether a path named on the command line, or a directory above it (below the
    /// configuration's directory, else the working directory), is excluded.
    pub fn matches_named(&self, path: &Path) -> bool {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let cwd = std::env::current_dir().ok();
        let base = [self.root.as_deref(), cwd.as_deref()]
            .into_iter()
            .flatten()
            .find(|base| absolute.starts_with(base))
            .unwrap_or(Path::new("/"));
        absolute
            .ancestors()
            .take_while(|a| *a != base && a.starts_with(base))
            .any(|a| self.matches(a, a.is_dir()))
    }
}

/// The names in a directory that the walk asks about before entering it (ignore files, a
/// virtualenv's `pyvenv.cfg`, vendored SDK packages): one `read_dir` instead of a lookup each.
#[derive(Debug, Default)]
pub struct Listing {
    names: Vec<std::ffi::OsString>,
}

impl Listing {
    const WANTED: [&'static str; 4] = [".ignore", ".gitignore", ".git", "pyvenv.cfg"];

    /// An unreadable directory lists nothing (the walk reports it when it gets there).
    pub fn read(dir: &Path) -> Listing {
        let wanted = |name: &std::ffi::OsStr| {
            Listing::WANTED
                .iter()
                .chain(VENDORED_PACKAGES)
                .any(|w| name == *w)
        };
        let names = fs::read_dir(dir).map(|entries| {
            let names = entries.filter_map(Result::ok).map(|e| e.file_name());
            names.filter(|n| wanted(n)).collect()
        });
        Listing {
            names: names.unwrap_or_default(),
        }
    }

    pub fn has(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }

    /// A virtualenv, or a directory holding a vendored copy of an AWS SDK.
    fn is_environment(&self, dir: &Path) -> bool {
        (self.has("pyvenv.cfg") && dir.join("pyvenv.cfg").is_file())
            || VENDORED_PACKAGES
                .iter()
                .any(|package| self.has(package) && dir.join(package).join("__init__.py").is_file())
    }
}

/// The files to process, sorted by path, and the paths that could not be walked.
#[derive(Debug, Default)]
pub struct Walked {
    pub files: Vec<(PathBuf, Language)>,
    pub unsupported: Vec<PathBuf>,
    /// Paths named on the command line that `--force-exclude` left out.
    pub excluded: Vec<PathBuf>,
    pub errors: Vec<(PathBuf, String)>,
    /// Temporary files an interrupted run left behind.
    pub leftovers: Vec<PathBuf>,
}

pub fn walk(paths: &[PathBuf], options: &WalkOptions) -> Walked {
    let mut walked = Walked::default();
    for path in paths {
        match fs::metadata(path) {
            Err(e) => walked.errors.push((path.clone(), unreadable(path, &e))),
            Ok(_) if is_force_excluded(path, options) => walked.excluded.push(path.clone()),
            Ok(meta) if meta.is_dir() => walk_dir(path, options, &mut walked),
            Ok(_) => match language_of(path) {
                Some(language) => walked.files.push((path.clone(), language)),
                None => walked.unsupported.push(path.clone()),
            },
        }
    }
    walked.files.sort();
    walked.files.dedup();
    walked.files.shrink_to_fit();
    walked.leftovers.sort();
    walked.leftovers.dedup();
    walked
}

/// Why a named path cannot be walked; a dangling symbolic link exists, so it is not "no such".
fn unreadable(path: &Path, error: &std::io::Error) -> String {
    let exists = fs::symlink_metadata(path).is_ok();
    match error.kind() {
        std::io::ErrorKind::NotFound if !exists => "no such file or directory".to_string(),
        _ => format!("cannot read: {error}"),
    }
}

fn is_force_excluded(path: &Path, options: &WalkOptions) -> bool {
    options.force_exclude && !options.no_ignore && options.exclude.matches_named(path)
}

/// Walks one directory on all cores (ignore's parallel walker, as ripgrep and ast-grep walk);
/// the caller sorts what it found, so the order the threads find it in does not show.
fn walk_dir(root: &Path, options: &WalkOptions, walked: &mut Walked) {
    let mut builder = WalkBuilder::new(root);
    // The ignore files are matched by `Ignores` (each distinct text compiled once), not by the
    // walker, which would compile every copy.
    builder.standard_filters(false);
    let exclude = (!options.no_ignore).then(|| options.exclude.clone());
    let ignores = (!options.no_ignore).then(|| {
        let listing = Listing::read(root);
        Ignores::new(root, |name| listing.has(name))
    });
    builder.filter_entry(move |entry| {
        let leftover = files::is_leftover(&entry.file_name().to_string_lossy());
        let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
        if !leftover && !is_dir && !is_source_by_name(entry) {
            return false;
        }
        let ignored = |i: &Ignores| entry.depth() > 0 && i.is_ignored(entry.path(), is_dir);
        if ignores.as_ref().is_some_and(ignored) {
            return false;
        }
        let listing = (is_dir && ignores.is_some()).then(|| Listing::read(entry.path()));
        let excluded = |e: &Exclude| is_excluded(e, entry, listing.as_ref());
        let keep = leftover || !exclude.as_ref().is_some_and(excluded);
        if let (Some(ignores), Some(listing), true) = (&ignores, &listing, keep) {
            ignores.enter(entry.path(), |name| listing.has(name));
        }
        keep
    });
    let found = Mutex::new(Walked::default());
    builder.build_parallel().run(|| {
        let found = &found;
        Box::new(move |entry| {
            let entry = entry.map(|entry| (classify(&entry), entry));
            let mut walked = found.lock().unwrap_or_else(PoisonError::into_inner);
            match entry {
                Err(e) => walked.errors.push((root.to_path_buf(), e.to_string())),
                Ok((Found::Leftover, entry)) => walked.leftovers.push(entry.into_path()),
                Ok((Found::Source(language), entry)) => {
                    // The walk builds each path by joining, which leaves it spare capacity:
                    // kept for every file of the run, it is worth giving back.
                    let mut path = entry.into_path();
                    path.shrink_to_fit();
                    walked.files.push((path, language));
                }
                Ok((Found::Other, _)) => {}
            }
            WalkState::Continue
        })
    });
    let mut found = found.into_inner().unwrap_or_else(PoisonError::into_inner);
    found.errors.sort();
    walked.files.append(&mut found.files);
    walked.leftovers.append(&mut found.leftovers);
    walked.errors.append(&mut found.errors);
}

/// What a walked entry is to the run.
enum Found {
    Leftover,
    Source(Language),
    Other,
}

/// Sorts an entry out outside the lock (a file without an extension is read for its shebang).
fn classify(entry: &DirEntry) -> Found {
    if files::is_leftover(&entry.file_name().to_string_lossy()) {
        return Found::Leftover;
    }
    if !entry.file_type().is_some_and(|t| t.is_file()) {
        return Found::Other;
    }
    language_of(entry.path()).map_or(Found::Other, Found::Source)
}

/// Whether a file may be a source file by its name: a regular file with a source extension, or
/// without an extension (read for a shebang later). Other files are left out before the ignore
/// files and exclusions are asked about them.
fn is_source_by_name(entry: &DirEntry) -> bool {
    let path = entry.path();
    entry.file_type().is_some_and(|t| t.is_file())
        && (path.extension().is_none() || Language::detect(path, "").is_some())
}

/// An entry below a walked directory that the exclusions skip (the directory itself is walked).
fn is_excluded(exclude: &Exclude, entry: &DirEntry, listing: Option<&Listing>) -> bool {
    entry.depth() > 0 && exclude.matches_listed(entry.path(), listing)
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
