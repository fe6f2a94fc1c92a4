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
    /// Module (its index in `modules`) → its functions that return a session or client, with
    /// what they return.
    factories: HashMap<usize, HashMap<String, String>>,
    /// Any of the factories' names, for the prefilter.
    factory_names: Option<regex::Regex>,
    /// The results of the modules this pass processed whole (by index in `modules`), until
    /// per-file processing takes them.
    early: Mutex<HashMap<usize, Early>>,
    /// The files of the jobs this pass read and found no SDK marker in (sorted): nothing in
    /// them can be found, so per-file processing need not read them again.
    markerless: Vec<Place>,
}

/// A file's place in the run: its job, and its index in that job's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    pub job: usize,
    pub file: usize,
}

impl Project {
    /// Reads the Python files `python` (in parallel; sorted by path, each once) for the
    /// functions they define that return SDK sessions or clients. A file parsed for them is
    /// processed too, with the settings of the job that processes it (its index in `jobs`,
    /// where there is one), so that per-file processing need not parse it again
    /// (`take_early`).
    pub fn build(
        python: &[(&Path, Option<Place>)],
        jobs: &[Options],
        cache: Option<&Cache>,
    ) -> Project {
        let mut modules = Modules::default();
        let mut places = Vec::with_capacity(python.len());
        for (path, place) in python {
            modules.add(absolute(path));
            places.push(*place);
        }
        modules.finish();
        // The facts so far (no factories yet): the questions of the files processed here are
        // answered "nothing" and recorded, and asked again when the files' results are used.
        let known = Arc::new(Project {
            modules,
            ..Project::default()
        });
        let Pass {
            factories,
            early,
            markerless,
        } = scan_all(&known, &places, jobs, cache);
        drop(places);
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
            markerless,
        }
    }

    /// Whether this pass read the file at `place` and found no SDK marker in it.
    pub fn read_without_marker(&self, place: Place) -> bool {
        self.markerless.binary_search(&place).is_ok()
    }

    /// The result the project pass made for the file at `path`, once: per-file processing
    /// uses it where the complete facts answer its questions as they were answered.
    pub fn take_early(&self, path: &Path) -> Option<Early> {
        let mut early = self.early.lock().ok()?;
        if early.is_empty() {
            return None;
        }
        let module = self.modules.find(&absolute(path))?;
        early.remove(&module)
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
        self.factories.get(&file)?.get(function).cloned()
    }

    /// The one module (its index) a module name means from `importer`: a sibling of the
    /// importer (Python puts a script's directory first on its path), else the only walked
    /// module with that name.
    fn module_file(&self, importer: &Path, module: &str) -> Option<usize> {
        let candidates = self.modules.named(module);
        let dir = absolute(importer.parent()?);
        let relative = module.replace('.', "/");
        let sibling = candidates.iter().copied().find(|&i| {
            let file = self.modules.file(i);
            file.starts_with(&dir)
                && (file.with_extension("") == dir.join(&relative)
                    || file.parent() == Some(&dir.join(&relative)))
        });
        match (sibling, candidates.as_slice()) {
            (Some(file), _) => Some(file),
            (None, [only]) => Some(*only),
            _ => None,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.factories.is_empty()
    }
}

/// The factories and the early results of the modules `known` holds, each processed with the
/// job of its place, and the places of the files found without an SDK marker.
fn scan_all(
    known: &Arc<Project>,
    places: &[Option<Place>],
    jobs: &[Options],
    cache: Option<&Cache>,
) -> Pass {
    // Detection runs as `check`'s; for `patch` the plan of the change is kept too (applied
    // and verified when per-file processing takes it); `unpatch` takes none.
    let jobs: Vec<Option<(Options, bool)>> = jobs
        .iter()
        .map(|options| {
            let check = Options {
                mode: Mode::Check,
                write: false,
                project: Some(Arc::clone(known)),
                ..options.clone()
            };
            (options.mode != Mode::Unpatch).then_some((check, options.mode == Mode::Patch))
        })
        .collect();
    let mut factories = HashMap::new();
    let mut early = HashMap::new();
    let mut markerless = Vec::new();
    let mut module = 0;
    parallel::for_each(
        places,
        |i, place| {
            let options = place.and_then(|place| jobs[place.job].as_ref());
            scan(known.modules.file(i), options, cache)
        },
        |scanned| {
            if let (Some(Scanned::Markerless), Some(place)) = (&scanned, places[module]) {
                markerless.push(place);
            }
            if let Some(Scanned::Module(scanned)) = scanned {
                if !scanned.factories.is_empty() {
                    factories.insert(module, scanned.factories.into_iter().collect());
                }
                if let Some(result) = scanned.early {
                    early.insert(module, result);
                }
            }
            module += 1;
        },
    );
    early.shrink_to_fit();
    markerless.sort_unstable();
    markerless.shrink_to_fit();
    Pass {
        factories,
        early,
        markerless,
    }
}

/// What the pass over every module found (see `Project`'s fields).
struct Pass {
    factories: HashMap<usize, HashMap<String, String>>,
    early: HashMap<usize, Early>,
    markerless: Vec<Place>,
}

/// The walked Python modules, indexed by the last component of their module path only (one
/// name per module, not one per suffix: the table stays small on large trees).
#[derive(Debug, Default, Clone)]
struct Modules {
    /// Absolute paths, in the order added, one after another (one allocation for all of
    /// them, not one per module).
    paths: Vec<u8>,
    /// Where each module's path ends in `paths`.
    ends: Vec<usize>,
    /// The last name of every module, one after another.
    names: String,
    /// Where each module's name is in `names`, with the module's index; sorted by name, then
    /// index.
    index: Vec<(std::ops::Range<usize>, usize)>,
}

impl Modules {
    fn add(&mut self, path: PathBuf) {
        if let Some(name) = module_parts(&path).pop() {
            let start = self.names.len();
            self.names.push_str(&name);
            self.index.push((start..self.names.len(), self.ends.len()));
        }
        self.paths
            .extend_from_slice(path.as_os_str().as_encoded_bytes());
        self.ends.push(self.paths.len());
    }

    /// The absolute path of module `i`.
    fn file(&self, i: usize) -> &Path {
        let start = i.checked_sub(1).map_or(0, |before| self.ends[before]);
        path_from_bytes(&self.paths[start..self.ends[i]])
    }

    /// Sorts the index once every module is added.
    fn finish(&mut self) {
        let names = &self.names;
        self.index
            .sort_by(|a, b| (&names[a.0.clone()], a.1).cmp(&(&names[b.0.clone()], b.1)));
        self.paths.shrink_to_fit();
        self.ends.shrink_to_fit();
        self.names.shrink_to_fit();
        self.index.shrink_to_fit();
    }

    /// The modules whose last name is `name`, in the order they were added.
    fn with_name<'a>(&'a self, name: &'a str) -> impl Iterator<Item = usize> + 'a {
        let name_of = |entry: &(std::ops::Range<usize>, usize)| &self.names[entry.0.clone()];
        let first = self.index.partition_point(|entry| name_of(entry) < name);
        self.index[first..]
            .iter()
            .take_while(move |entry| name_of(entry) == name)
            .map(|entry| entry.1)
    }

    /// The module at `path` (absolute), if it was added.
    fn find(&self, path: &Path) -> Option<usize> {
        let name = module_parts(path).pop()?;
        let found = self.with_name(&name).find(|&i| self.file(i) == path);
        found
    }

    /// The modules a dotted module name may name (it is a suffix of their module path), in
    /// the order they were added.
    fn named(&self, module: &str) -> Vec<usize> {
        let mut found: Vec<usize> = std::iter::once(module)
            .chain(module.match_indices('.').map(|(at, _)| &module[at + 1..]))
            .flat_map(|name| self.with_name(name))
            .filter(|&i| module_keys(self.file(i)).iter().any(|key| key == module))
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }
}

/// What the pass found in one module.
enum Scanned {
    /// Read, and no SDK marker in it (so no factory, and nothing per-file processing finds).
    Markerless,
    Module(Module),
}

/// A module that may define factories.
struct Module {
    factories: Vec<(String, String)>,
    early: Option<Early>,
}

/// The functions of one module that return SDK sessions or clients, and its result when it is
/// processed here (`options`, where a job processes it, and whether it is `patch`'s); `None` when it cannot define any (or
/// cannot be read: per-file processing reports that).
fn scan(path: &Path, options: Option<&(Options, bool)>, cache: Option<&Cache>) -> Option<Scanned> {
    let source = files::read_source(path, Language::Python).ok()?;
    let text = &source.text;
    if !sdk::mentions_aws(Language::Python, text) {
        return Some(Scanned::Markerless);
    }
    // A factory returns (`return`, or a lambda's body) a value that resolves into an SDK.
    let returns = text.contains("return") || text.contains("lambda");
    if !returns || !text.contains("boto") || !text.contains("def ") {
        return None;
    }
    if let Some(found) = cache.and_then(|cache| cache.factories(text)) {
        return Some(Scanned::Module(Module {
            factories: found,
            early: None,
        }));
    }
    let tree = lang::parse(Language::Python, text);
    let (early, found) = match options {
        Some((options, patch)) => engine::process_early(&source, path, &tree, options, *patch),
        None => (None, None),
    };
    let found = found.unwrap_or_else(|| sdk::python::factories(&tree, text));
    if let Some(cache) = cache {
        cache.store_factories(text, &found);
    }
    Some(Scanned::Module(Module {
        factories: found,
        early,
    }))
}

/// A path from the bytes of a whole path (`OsStr::as_encoded_bytes`).
#[cfg(unix)]
fn path_from_bytes(bytes: &[u8]) -> &Path {
    use std::os::unix::ffi::OsStrExt;
    Path::new(std::ffi::OsStr::from_bytes(bytes))
}

/// A path from the bytes of a whole path (`OsStr::as_encoded_bytes`); off Unix, walked paths
/// are Unicode (a path that is not never matches a lookup, as a module that was not walked).
#[cfg(not(unix))]
fn path_from_bytes(bytes: &[u8]) -> &Path {
    Path::new(std::str::from_utf8(bytes).unwrap_or_default())
}

/// One pattern matching any factory's name, where there are factories.
fn names_pattern(factories: &HashMap<usize, HashMap<String, String>>) -> Option<regex::Regex> {
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
            modules.add(PathBuf::from(path));
        }
        modules.finish();
        let named = |m: &str| -> Vec<String> {
            modules
                .named(m)
                .iter()
                .map(|&i| modules.file(i).display().to_string())
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
