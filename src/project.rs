//! Project-wide facts, gathered before per-file detection: which module-level functions of the
//! walked Python modules return an AWS SDK session or client, so that their call sites in other
//! modules (`from pkg.sessions import session_for`, relative imports, `import pkg.sessions as s`)
//! resolve too. One parallel pass: only files that may define such a function are parsed, and
//! those are checked in the same pass, so that no file is parsed twice.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::cache::Cache;
use crate::engine::{self, Early, Mode, Options};
use crate::files;
use crate::lang::{self, Language};
use crate::parallel;
use crate::sdk;

/// The facts of one walk.
#[derive(Debug, Default)]
pub struct Project {
    /// The walked Python modules, which a dotted name may name by any suffix of its module
    /// path (`sessions`, `pkg.sessions`, `src.pkg.sessions`, ...).
    modules: Modules,
    /// File → its functions that return a session or client, with what they return.
    factories: HashMap<PathBuf, HashMap<String, String>>,
    /// Any of the factories' names, for the prefilter.
    factory_names: Option<regex::Regex>,
    /// The results of the modules this pass processed whole (by absolute path), until per-file
    /// processing takes them.
    early: Mutex<HashMap<PathBuf, Early>>,
}

impl Project {
    /// Reads the Python files among `files` (in parallel) for the functions they define that
    /// return SDK sessions or clients. A file parsed for them is processed too, with the
    /// settings `jobs` has for it (the index in `files`' third column), so that per-file
    /// processing need not parse it again (`take_early`).
    pub fn build(
        files: &[(PathBuf, Language, Option<usize>)],
        jobs: &[Options],
        cache: Option<&Cache>,
    ) -> Project {
        let mut job_of = HashMap::new();
        let mut python = Vec::new();
        for (path, language, job) in files {
            if *language == Language::Python {
                let path = absolute(path);
                if let Some(job) = job {
                    job_of.entry(path.clone()).or_insert(*job);
                }
                python.push((path, *language));
            }
        }
        let mut modules = Modules::default();
        for (path, _) in &python {
            modules.add(path);
        }
        // The facts so far (no factories yet): the questions of the files processed here are
        // answered "nothing" and recorded, and asked again when the files' results are used.
        let known = Arc::new(Project {
            modules,
            ..Project::default()
        });
        // `patch` takes a result only where it changes nothing, so `check`'s is made here (a
        // file it changes is processed again, for real); `unpatch` takes none.
        let jobs: Vec<Option<Options>> = jobs
            .iter()
            .map(|options| {
                (options.mode != Mode::Unpatch).then(|| Options {
                    mode: Mode::Check,
                    write: false,
                    project: Some(Arc::clone(&known)),
                    ..options.clone()
                })
            })
            .collect();
        let mut factories = HashMap::new();
        let mut early = HashMap::new();
        parallel::for_each(
            &python,
            |path, _| {
                let options = job_of.get(path).and_then(|job: &usize| jobs[*job].as_ref());
                scan(path, options, cache)
            },
            |scanned| {
                if let Some(scanned) = scanned {
                    if !scanned.factories.is_empty() {
                        let functions = scanned.factories.into_iter().collect();
                        factories.insert(scanned.path.clone(), functions);
                    }
                    if let Some(result) = scanned.early {
                        early.insert(scanned.path, result);
                    }
                }
            },
        );
        drop(jobs);
        let modules = match Arc::try_unwrap(known) {
            Ok(known) => known.modules,
            Err(shared) => shared.modules.clone(),
        };
        let factory_names = names_pattern(&factories);
        Project {
            modules,
            factories,
            factory_names,
            early: Mutex::new(early),
        }
    }

    /// The result the project pass made for the file at `path`, once: per-file processing
    /// uses it where the complete facts answer its questions as they were answered.
    pub fn take_early(&self, path: &Path) -> Option<Early> {
        let mut early = self.early.lock().ok()?;
        if early.is_empty() {
            return None;
        }
        early.remove(&absolute(path))
    }

    /// Whether a text names any function that returns a session or client.
    pub fn mentions_factory(&self, text: &str) -> bool {
        self.factory_names
            .as_ref()
            .is_some_and(|names| names.is_match(text))
    }

    /// What the function at `dotted` (as `importer` imports it) returns, when it is a function
    /// of exactly one walked module that returns a session or client.
    pub fn returns(&self, importer: &Path, dotted: &str) -> Option<String> {
        let dotted = absolute_dotted(importer, dotted)?;
        let (module, function) = dotted.rsplit_once('.')?;
        let file = self.module_file(importer, module)?;
        self.factories.get(file)?.get(function).cloned()
    }

    /// The one file a module name means from `importer`: a sibling of the importer (Python puts
    /// a script's directory first on its path), else the only walked module with that name.
    fn module_file(&self, importer: &Path, module: &str) -> Option<&PathBuf> {
        let candidates = self.modules.named(module);
        let dir = absolute(importer.parent()?);
        let sibling = candidates.iter().copied().find(|file| {
            let relative = module.replace('.', "/");
            file.starts_with(&dir)
                && (file.with_extension("") == dir.join(&relative)
                    || file.parent() == Some(&dir.join(&relative)))
        });
        match (sibling, candidates.as_slice()) {
            (Some(file), _) => Some(file),
            (None, [only]) => Some(only),
            _ => None,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.factories.is_empty()
    }
}

/// The walked Python modules, indexed by the last component of their module path only (one
/// key per module, not one per suffix: the table stays small on large trees).
#[derive(Debug, Default, Clone)]
struct Modules {
    files: Vec<PathBuf>,
    by_name: HashMap<String, Vec<usize>>,
}

impl Modules {
    fn add(&mut self, path: &Path) {
        let parts = module_parts(path);
        let Some(name) = parts.last() else {
            return;
        };
        self.by_name
            .entry(name.clone())
            .or_default()
            .push(self.files.len());
        self.files.push(path.to_path_buf());
    }

    /// The files a dotted module name may name (it is a suffix of their module path), in the
    /// order they were added.
    fn named(&self, module: &str) -> Vec<&PathBuf> {
        let mut found: Vec<usize> = std::iter::once(module)
            .chain(module.match_indices('.').map(|(at, _)| &module[at + 1..]))
            .filter_map(|name| self.by_name.get(name))
            .flatten()
            .copied()
            .filter(|&i| module_keys(&self.files[i]).iter().any(|key| key == module))
            .collect();
        found.sort_unstable();
        found.into_iter().map(|i| &self.files[i]).collect()
    }
}

/// What the pass found in one module.
struct Scanned {
    path: PathBuf,
    factories: Vec<(String, String)>,
    early: Option<Early>,
}

/// The functions of one module that return SDK sessions or clients, and its result when it is
/// processed here (`options`, where a job processes it); `None` when it cannot define any (or
/// cannot be read: per-file processing reports that).
fn scan(path: &Path, options: Option<&Options>, cache: Option<&Cache>) -> Option<Scanned> {
    let source = files::read_source(path, Language::Python).ok()?;
    let text = &source.text;
    // A factory returns (`return`, or a lambda's body) a value that resolves into an SDK.
    let returns = text.contains("return") || text.contains("lambda");
    if !returns || !text.contains("boto") || !text.contains("def ") {
        return None;
    }
    if let Some(found) = cache.and_then(|cache| cache.factories(text)) {
        return Some(Scanned {
            path: path.to_path_buf(),
            factories: found,
            early: None,
        });
    }
    let tree = lang::parse(Language::Python, text);
    let (early, found) = match options {
        Some(options) => engine::process_early(&source, path, &tree, options),
        None => (None, None),
    };
    let found = found.unwrap_or_else(|| sdk::python::factories(&tree, text));
    if let Some(cache) = cache {
        cache.store_factories(text, &found);
    }
    Some(Scanned {
        path: path.to_path_buf(),
        factories: found,
        early,
    })
}

/// One pattern matching any factory's name, where there are factories.
fn names_pattern(factories: &HashMap<PathBuf, HashMap<String, String>>) -> Option<regex::Regex> {
    let mut names: Vec<String> = factories
        .values()
        .flat_map(|functions| functions.keys().map(|name| regex::escape(name)))
        .collect();
    names.sort();
    names.dedup();
    (!names.is_empty()).then(|| regex::Regex::new(&names.join("|")).ok())?
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The module path components of a file: its absolute path without the extension, without a
/// final `__init__`.
fn module_parts(path: &Path) -> Vec<String> {
    let mut parts: Vec<String> = path
        .with_extension("")
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(name) => Some(name.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    if parts.last().is_some_and(|last| last == "__init__") {
        parts.pop();
    }
    parts
}

/// Every dotted suffix of a module's path: the names it can be imported by from some root.
fn module_keys(path: &Path) -> Vec<String> {
    let parts = module_parts(path);
    (0..parts.len()).map(|i| parts[i..].join(".")).collect()
}

/// A dotted path with a relative import (`.sessions.f`, `..pkg.f`) made absolute from the
/// importing file's package; absolute paths are returned as they are.
fn absolute_dotted(importer: &Path, dotted: &str) -> Option<String> {
    let rest = dotted.trim_start_matches('.');
    let dots = dotted.len() - rest.len();
    if dots == 0 {
        return Some(dotted.to_string());
    }
    let mut package = module_parts(&absolute(importer));
    package.pop();
    for _ in 1..dots {
        package.pop()?;
    }
    Some(format!("{}.{rest}", package.join(".")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_become_absolute_from_the_package() {
        let importer = Path::new("/r/pkg/app.py");
        assert_eq!(
            absolute_dotted(importer, ".sessions.f").as_deref(),
            Some("r.pkg.sessions.f")
        );
        assert_eq!(
            absolute_dotted(importer, "..util.f").as_deref(),
            Some("r.util.f")
        );
        assert_eq!(absolute_dotted(importer, "a.b.f").as_deref(), Some("a.b.f"));
    }

    #[test]
    fn a_module_is_named_by_every_suffix_of_its_path_only() {
        let mut modules = Modules::default();
        for path in [
            "/r/pkg/s.py",
            "/r/other/s.py",
            "/r/pkg/__init__.py",
            "/r/a.b.py",
        ] {
            modules.add(Path::new(path));
        }
        let named = |m: &str| -> Vec<String> {
            modules
                .named(m)
                .iter()
                .map(|p| p.display().to_string())
                .collect()
        };
        assert_eq!(named("s"), vec!["/r/pkg/s.py", "/r/other/s.py"]);
        assert_eq!(named("pkg.s"), vec!["/r/pkg/s.py"]);
        assert_eq!(named("r.other.s"), vec!["/r/other/s.py"]);
        assert_eq!(named("pkg"), vec!["/r/pkg/__init__.py"]);
        assert_eq!(named("r.a.b"), vec!["/r/a.b.py"]);
        assert!(named("x.s").is_empty());
        assert!(named("kg.s").is_empty());
    }

    #[test]
    fn a_module_has_every_suffix_as_a_name() {
        assert_eq!(
            module_keys(Path::new("/r/pkg/__init__.py")),
            vec!["r.pkg", "pkg"]
        );
        assert_eq!(
            module_keys(Path::new("/r/pkg/s.py")),
            vec!["r.pkg.s", "pkg.s", "s"]
        );
    }
}
