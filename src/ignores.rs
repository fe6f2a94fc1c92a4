//! Ignore files (`.ignore`, `.gitignore`, `.git/info/exclude`, git's global excludes file),
//! matched by the rules of the `ignore` crate's walker, but each distinct text compiled once per
//! run: trees copied from templates hold hundreds of identical `.gitignore` files, and compiling
//! each anew was half of `check`'s instructions on such a tree. `tests/ignores.rs` compares the
//! walk with the crate's own walker on built trees.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::Match;

/// The ignore files of one run's walk below one root, and of the directories above it.
pub struct Ignores {
    root: PathBuf,
    /// The root made absolute, for matching against the ignore files above it; `None` when it
    /// cannot be resolved (the walker then reads none of them either).
    absolute_root: Option<PathBuf>,
    /// The root's ignore files, and those above it.
    root_level: Scope,
    /// Compiled matchers by text.
    compiled: Mutex<HashMap<Vec<u8>, Arc<Gitignore>>>,
}

/// The ignore files in force in one directory: those of the nearest directory at or above it
/// that has some (and, through it, of every one above); `None` where there are none. The walk
/// hands each directory's scope to the directories below it.
pub type Scope = Option<Arc<Level>>;

/// One directory's ignore files, and the next directory up that has some.
pub struct Level {
    dir: PathBuf,
    ignore: Option<Arc<Gitignore>>,
    gitignore: Option<Arc<Gitignore>>,
    exclude: Option<Arc<Gitignore>>,
    up: Option<Arc<Level>>,
    /// A directory above the walk's root: matched with the root's absolute path.
    above_root: bool,
}

impl Ignores {
    /// Reads the root's ignore files (`has` tells which names its listing shows) and those of
    /// every directory above it.
    pub fn new(root: &Path, has: impl Fn(&str) -> bool) -> Ignores {
        let mut ignores = Ignores {
            root: root.to_path_buf(),
            absolute_root: root.canonicalize().ok(),
            root_level: None,
            compiled: Mutex::default(),
        };
        let mut up = None;
        if let Some(absolute) = &ignores.absolute_root {
            let mut above: Vec<&Path> = absolute.ancestors().skip(1).collect();
            above.reverse();
            for dir in above {
                up = ignores.level(dir, up, true, |_| true);
            }
        }
        ignores.root_level = ignores.level(root, up, false, has);
        ignores
    }

    /// The scope of the root's entries.
    pub fn root_scope(&self) -> Scope {
        self.root_level.clone()
    }

    /// Whether the walk skips `path` (below the root), an entry of a directory whose scope is
    /// `scope` (the root's, or what `enter` gave for the directory).
    pub fn is_ignored(&self, path: &Path, is_dir: bool, scope: &Scope) -> bool {
        let mut found = Found::default();
        let mut level = scope.as_deref();
        while let Some(here) = level {
            if let Some(relative) = self.relative(path, here) {
                found.note(here, &relative, is_dir);
            }
            level = here.up.as_deref();
        }
        let global = || polarity(global().matched(path.strip_prefix("./").unwrap_or(path), is_dir));
        found.verdict().or_else(global) == Some(true)
    }

    /// The scope of the entries of a directory below the root the walk is about to read, whose
    /// parent's scope is `up`: its own ignore files read (`has` tells which names its listing
    /// shows) on top of `up`.
    pub fn enter(&self, dir: &Path, up: &Scope, has: impl Fn(&str) -> bool) -> Scope {
        self.level(dir, up.clone(), false, has)
    }

    /// `dir`'s level if it has ignore files, else the one above it; `has` tells which names
    /// to look for.
    fn level(
        &self,
        dir: &Path,
        up: Option<Arc<Level>>,
        above_root: bool,
        has: impl Fn(&str) -> bool,
    ) -> Option<Arc<Level>> {
        let read = |name: &str| has(name).then(|| self.compile(&dir.join(name))).flatten();
        let ignore = read(".ignore");
        let gitignore = read(".gitignore");
        let git = has(".git").then(|| git_dir(dir)).flatten();
        let exclude = git.and_then(|git| self.compile(&git.join("info").join("exclude")));
        if ignore.is_none() && gitignore.is_none() && exclude.is_none() {
            return up;
        }
        Some(Arc::new(Level {
            dir: dir.to_path_buf(),
            ignore,
            gitignore,
            exclude,
            up,
            above_root,
        }))
    }

    /// The matcher for one ignore file, `None` if it cannot be read or matches nothing.
    fn compile(&self, file: &Path) -> Option<Arc<Gitignore>> {
        let text = fs::read(file).ok()?;
        let known = self.lock_compiled().get(&text).cloned();
        // Compiled outside the lock, so the other threads' walks go on meanwhile (two threads
        // may compile the same text once each; the first kept is used from then on).
        let matcher = known.unwrap_or_else(|| {
            let matcher = Arc::new(matcher_of(&text));
            self.lock_compiled().entry(text).or_insert(matcher).clone()
        });
        (!matcher.is_empty()).then_some(matcher)
    }

    fn lock_compiled(&self) -> std::sync::MutexGuard<'_, HashMap<Vec<u8>, Arc<Gitignore>>> {
        self.compiled.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `path` relative to a level's directory, as the walker matches it.
    fn relative<'a>(&self, path: &'a Path, level: &Level) -> Option<Cow<'a, Path>> {
        if !level.above_root {
            return below(path, &level.dir).map(Cow::Borrowed);
        }
        let below_root = path.strip_prefix(&self.root).ok()?;
        let absolute = self.absolute_root.as_ref()?.join(below_root);
        let relative = absolute.strip_prefix(&level.dir).ok()?;
        Some(Cow::Owned(relative.to_path_buf()))
    }
}

/// `path` without its leading `dir`: the walk builds every path by joining names to the
/// directory it read, so the bytes of `dir` and a separator start it (compared as bytes:
/// `Path::strip_prefix` parses both into components, which was a tenth of the walk's work);
/// `strip_prefix` where they do not.
fn below<'a>(path: &'a Path, dir: &Path) -> Option<&'a Path> {
    let (bytes, start) = (
        path.as_os_str().as_encoded_bytes(),
        dir.as_os_str().as_encoded_bytes(),
    );
    let rest = bytes
        .strip_prefix(start)
        .and_then(|rest| match start.last() {
            Some(b'/') => Some(rest),
            _ => rest.strip_prefix(b"/"),
        });
    match rest {
        // SAFETY: split just after an ASCII `/` (or at the end of `dir`'s own encoded bytes,
        // which end with one) of a valid encoding, which `from_encoded_bytes_unchecked` allows.
        Some(rest) if !rest.is_empty() && rest[0] != b'/' => Some(Path::new(unsafe {
            std::ffi::OsStr::from_encoded_bytes_unchecked(rest)
        })),
        _ => path.strip_prefix(dir).ok(),
    }
}

/// The first match of each kind, nearest directory first.
#[derive(Default)]
struct Found {
    ignore: Option<bool>,
    gitignore: Option<bool>,
    exclude: Option<bool>,
}

impl Found {
    fn note(&mut self, level: &Level, relative: &Path, is_dir: bool) {
        let matched = |matcher: &Option<Arc<Gitignore>>| {
            polarity(matcher.as_ref()?.matched(relative, is_dir))
        };
        self.ignore = self.ignore.or_else(|| matched(&level.ignore));
        self.gitignore = self.gitignore.or_else(|| matched(&level.gitignore));
        self.exclude = self.exclude.or_else(|| matched(&level.exclude));
    }

    /// `.ignore` over `.gitignore` over `info/exclude`, as the walker ranks them.
    fn verdict(&self) -> Option<bool> {
        self.ignore.or(self.gitignore).or(self.exclude)
    }
}

/// A match as ignored (`true`) or whitelisted (`false`).
fn polarity<T>(matched: Match<T>) -> Option<bool> {
    match matched {
        Match::None => None,
        Match::Ignore(_) => Some(true),
        Match::Whitelist(_) => Some(false),
    }
}

/// git's global excludes file (`core.excludesFile`), relative to the working directory.
fn global() -> &'static Gitignore {
    static GLOBAL: OnceLock<Gitignore> = OnceLock::new();
    GLOBAL.get_or_init(|| Gitignore::global().0)
}

/// One ignore file's text compiled with patterns relative to its directory. Lines as the crate
/// reads a file: split at `\n` (a `\r` before it dropped), a leading byte order mark dropped,
/// reading stops at the first line that is not UTF-8, a line that is not a valid glob is skipped.
fn matcher_of(text: &[u8]) -> Gitignore {
    let mut builder = GitignoreBuilder::new(".");
    for (i, line) in text.split_inclusive(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Ok(line) = std::str::from_utf8(line) else {
            break;
        };
        let line = if i == 0 {
            line.trim_start_matches('\u{feff}')
        } else {
            line
        };
        let _ = builder.add_line(None, line);
    }
    builder.build().unwrap_or_else(|_| Gitignore::empty())
}

/// The git directory whose `info/exclude` applies to `dir`: `dir/.git`, or for a worktree (a
/// `.git` file saying `gitdir: …`) the common directory its `commondir` file names.
fn git_dir(dir: &Path) -> Option<PathBuf> {
    let dot_git = dir.join(".git");
    let kind = dot_git.metadata().ok()?.file_type();
    if !kind.is_file() {
        return Some(dot_git);
    }
    let real = PathBuf::from(first_line(&dot_git)?.strip_prefix("gitdir: ")?);
    let common = first_line(&real.join("commondir"))?;
    Some(if common.starts_with('.') {
        real.join(common)
    } else {
        PathBuf::from(common)
    })
}

fn first_line(file: &Path) -> Option<String> {
    let text = fs::read(file).ok().filter(|text| !text.is_empty())?;
    let line = text.split(|&b| b == b'\n').next()?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    String::from_utf8(line.to_vec()).ok()
}
