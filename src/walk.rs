//! File discovery: .gitignore-aware walking that skips what is generated or vendored (an explicit
//! default list, as ruff's, replaceable and extendable by the configuration), not what is hidden;
//! paths named on the command line are processed unless `--force-exclude` is given.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, PoisonError};

use crate::files;
use crate::ignores::{Ignores, Scope};
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
        match fs::read_dir(dir) {
            Ok(entries) => Listing::of(entries.filter_map(Result::ok).map(|e| e.file_name())),
            Err(_) => Listing::default(),
        }
    }

    /// The listing of a directory whose entries' names are given.
    fn of<N: AsRef<std::ffi::OsStr>>(names: impl Iterator<Item = N>) -> Listing {
        let wanted = |name: &std::ffi::OsStr| {
            Listing::WANTED
                .iter()
                .chain(VENDORED_PACKAGES)
                .any(|w| name == *w)
        };
        let names = names.filter(|n| wanted(n.as_ref()));
        Listing {
            names: names.map(|n| n.as_ref().to_os_string()).collect(),
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

/// Walks one directory on all cores; the caller sorts what it found, so the order the threads
/// find it in does not show. Each directory is read once: its listing gives the names asked
/// about before entering it (ignore files, a virtualenv, a vendored SDK) and then its entries,
/// each typed by the listing (no `stat`), matched against the ignore files and exclusions
/// before a directory is read or a file is classified. The `ignore` crate's walker, which this
/// replaces, reads a directory for its entries after the names were looked up;
/// `tests/ignores.rs` compares the two.
fn walk_dir(root: &Path, options: &WalkOptions, walked: &mut Walked) {
    let rules = Rules {
        root,
        exclude: (!options.no_ignore).then(|| options.exclude.clone()),
        ignores: (!options.no_ignore).then(|| {
            let listing = Listing::read(root);
            Ignores::new(root, |name| listing.has(name))
        }),
    };
    let queue = Queue::new(Dir {
        path: root.to_path_buf(),
        depth: 0,
        leftover: false,
        up: None,
    });
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let found = std::thread::scope(|scope| {
        let work = || {
            let mut found = Walked::default();
            while let Some(dir) = queue.pop() {
                let reading = Reading {
                    queue: &queue,
                    done: false,
                };
                reading.done(rules.read(&dir, &mut found));
            }
            found
        };
        let helpers: Vec<_> = (1..workers).map(|_| scope.spawn(work)).collect();
        let mut found = vec![work()];
        let joined = helpers.into_iter().map(|helper| helper.join());
        found.extend(joined.map(|found| found.unwrap_or_else(|e| std::panic::resume_unwind(e))));
        found
    });
    let mut errors = Vec::new();
    for mut part in found {
        walked.files.append(&mut part.files);
        walked.leftovers.append(&mut part.leftovers);
        errors.append(&mut part.errors);
    }
    errors.sort();
    walked.errors.append(&mut errors);
}

/// A directory to read, and how it was reached.
struct Dir {
    path: PathBuf,
    depth: usize,
    /// Named as a leftover temporary file: walked whatever the exclusions say.
    leftover: bool,
    /// The ignore files in force in the directory it is in (unused for the root).
    up: Scope,
}

/// The directories waiting to be read, and how many are being read (whose entries may add
/// more): the walk ends when both are none.
struct Queue {
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    waiting: Vec<Dir>,
    reading: usize,
    /// Threads waiting for a directory (woken only when there are some: a wake is a syscall).
    idle: usize,
}

impl Queue {
    fn new(root: Dir) -> Queue {
        Queue {
            state: Mutex::new(State {
                waiting: vec![root],
                ..State::default()
            }),
            changed: Condvar::new(),
        }
    }

    /// The next directory to read; `None` once nothing is waiting or being read.
    fn pop(&self) -> Option<Dir> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(dir) = state.waiting.pop() {
                state.reading += 1;
                return Some(dir);
            }
            if state.reading == 0 {
                return None;
            }
            state.idle += 1;
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
            state.idle -= 1;
        }
    }

    /// A directory read: the directories found in it wait their turn.
    fn done(&self, below: Vec<Dir>) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.waiting.extend(below);
        state.reading -= 1;
        let finished = state.waiting.is_empty() && state.reading == 0;
        if state.idle > 0 && (finished || !state.waiting.is_empty()) {
            self.changed.notify_all();
        }
    }
}

/// A directory being read: `done` hands the queue the directories found in it. Dropped without
/// (the read panicked), it still counts as read, so that the other threads do not wait for it
/// forever; the panic reaches the caller when the threads are joined.
struct Reading<'q> {
    queue: &'q Queue,
    done: bool,
}

impl Reading<'_> {
    fn done(mut self, below: Vec<Dir>) {
        self.done = true;
        self.queue.done(below);
    }
}

impl Drop for Reading<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.queue.done(Vec::new());
        }
    }
}

/// What decides which entries a walk keeps: the exclusions and the ignore files (neither with
/// `--no-ignore`).
struct Rules<'a> {
    /// Where the walk started: the key of the errors it meets.
    root: &'a Path,
    exclude: Option<Exclude>,
    ignores: Option<Ignores>,
}

impl Rules<'_> {
    /// Reads one directory: what it holds goes to `found`, the directories to walk next are
    /// returned. A directory the exclusions skip by what it holds (a virtualenv, a vendored SDK)
    /// yields nothing.
    fn read(&self, dir: &Dir, found: &mut Walked) -> Vec<Dir> {
        let entries = match fs::read_dir(&dir.path) {
            Ok(entries) => entries,
            Err(e) => {
                let message = format!("{}: {e}", dir.path.display());
                found.errors.push((self.root.to_path_buf(), message));
                return Vec::new();
            }
        };
        let entries: Vec<(PathBuf, fs::FileType)> = entries
            .filter_map(
                |entry| match entry.and_then(|e| Ok((e.path(), e.file_type()?))) {
                    Ok(entry) => Some(entry),
                    Err(e) => {
                        let message = format!("{}: {e}", dir.path.display());
                        found.errors.push((self.root.to_path_buf(), message));
                        None
                    }
                },
            )
            .collect();
        let mut scope = None;
        if let Some(ignores) = &self.ignores {
            if dir.depth == 0 {
                scope = ignores.root_scope();
            } else {
                let listing = Listing::of(entries.iter().filter_map(|(path, _)| path.file_name()));
                let environment = |e: &Exclude| e.detect && listing.is_environment(&dir.path);
                if !dir.leftover && self.exclude.as_ref().is_some_and(environment) {
                    return Vec::new();
                }
                scope = ignores.enter(&dir.path, &dir.up, |name| listing.has(name));
            }
        }
        let mut below = Vec::new();
        for (path, kind) in entries {
            let entry = Entry {
                path,
                kind,
                depth: dir.depth + 1,
                scope: &scope,
            };
            self.keep(entry, found, &mut below);
        }
        below
    }

    /// Sorts out one entry of a directory: dropped, found, or a directory to read.
    fn keep(&self, entry: Entry, found: &mut Walked, below: &mut Vec<Dir>) {
        let Entry {
            path,
            kind,
            depth,
            scope,
        } = entry;
        let leftover = path
            .file_name()
            .is_some_and(|name| files::is_leftover(&name.to_string_lossy()));
        let is_dir = kind.is_dir();
        if !leftover && !is_dir && !is_source_by_name(&path, kind) {
            return;
        }
        if self
            .ignores
            .as_ref()
            .is_some_and(|i| i.is_ignored(&path, is_dir, scope))
        {
            return;
        }
        let excluded = |e: &Exclude| e.matches_listed(&path, None);
        if !leftover && self.exclude.as_ref().is_some_and(excluded) {
            return;
        }
        if leftover {
            found.leftovers.push(path.clone());
        } else if kind.is_file() {
            if let Some(language) = language_of(&path) {
                let mut path = path.clone();
                // Joined paths have spare capacity: kept for the whole run, it is given back.
                path.shrink_to_fit();
                found.files.push((path, language));
            }
        }
        if is_dir {
            below.push(Dir {
                path,
                depth,
                leftover,
                up: scope.clone(),
            });
        }
    }
}

/// One entry of a directory being read: its path and type, its depth, and the ignore files in
/// force in that directory.
struct Entry<'s> {
    path: PathBuf,
    kind: fs::FileType,
    depth: usize,
    scope: &'s Scope,
}

/// Whether a file may be a source file by its name: a regular file with a source extension, or
/// without an extension (read for a shebang later). Other files are left out before the ignore
/// files and exclusions are asked about them.
fn is_source_by_name(path: &Path, kind: fs::FileType) -> bool {
    kind.is_file() && (path.extension().is_none() || Language::detect(path, "").is_some())
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
