//! Project-wide facts, gathered before per-file detection: which module-level functions of the
//! walked Python modules return an AWS SDK session or client, so that their call sites in other
//! modules (`from pkg.sessions import session_for`, relative imports, `import pkg.sessions as s`)
//! resolve too. One cheap parallel pass: only files that mention an SDK are parsed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::cache::Cache;
use crate::files;
use crate::lang::{self, Language};
use crate::parallel;
use crate::sdk;

/// The facts of one walk.
#[derive(Debug, Default)]
pub struct Project {
    /// Every dotted suffix of every Python module's path (`sessions`, `pkg.sessions`,
    /// `src.pkg.sessions`, ...) → the files it may name.
    modules: HashMap<String, Vec<PathBuf>>,
    /// File → its functions that return a session or client, with what they return.
    factories: HashMap<PathBuf, HashMap<String, String>>,
    /// Any of the factories' names, for the prefilter.
    factory_names: Option<regex::Regex>,
}

impl Project {
    /// Reads the Python files among `files` (in parallel) for the functions they define that
    /// return SDK sessions or clients.
    pub fn build(files: &[(PathBuf, Language)], cache: Option<&Cache>) -> Project {
        let python: Vec<(PathBuf, Language)> = files
            .iter()
            .filter(|(_, language)| *language == Language::Python)
            .map(|(path, language)| (absolute(path), *language))
            .collect();
        let mut project = Project::default();
        for (path, _) in &python {
            for key in module_keys(path) {
                project.modules.entry(key).or_default().push(path.clone());
            }
        }
        parallel::for_each(
            &python,
            |path, _| factories_of(path, cache),
            |found| {
                if let Some((path, functions)) = found {
                    project.factories.insert(path, functions);
                }
            },
        );
        project.factory_names = names_pattern(&project.factories);
        project
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
        let candidates = self.modules.get(module)?;
        let dir = absolute(importer.parent()?);
        let sibling = candidates.iter().find(|file| {
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

/// The functions of one file that return SDK sessions or clients; `None` when it has none (or
/// cannot be read: per-file processing reports that).
fn factories_of(path: &Path, cache: Option<&Cache>) -> Option<(PathBuf, HashMap<String, String>)> {
    let source = files::read_source(path, Language::Python).ok()?;
    let text = &source.text;
    // A factory returns (`return`, or a lambda's body) a value that resolves into an SDK.
    let returns = text.contains("return") || text.contains("lambda");
    if !returns || !text.contains("boto") || !text.contains("def ") {
        return None;
    }
    let found = match cache.and_then(|cache| cache.factories(text)) {
        Some(found) => found,
        None => {
            let tree = lang::parse(Language::Python, text);
            let found = sdk::python::factories(&tree, text);
            if let Some(cache) = cache {
                cache.store_factories(text, &found);
            }
            found
        }
    };
    (!found.is_empty()).then(|| (path.to_path_buf(), found.into_iter().collect()))
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
