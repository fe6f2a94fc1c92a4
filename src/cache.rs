//! The results cache, as ruff keeps one: under `.awsredirect_cache/` at the project root, each
//! parsed file's findings (and so whether `patch` would change it) and each Python module's
//! session / client factories, keyed by the file's content hash, the tool's build and a hash of
//! the settings that change results. Project-wide facts a file's resolution asked for are stored
//! with its entry and asked again before the entry is used, so a change in one module
//! invalidates exactly the files that depend on it.
//!
//! An adapter: the core types know nothing of serde; this module maps them to its own records.
//! Every entry is written to a temporary file and renamed into place (concurrent runs never see
//! half an entry), and carries a checksum of its payload (a damaged entry is a miss, and is
//! rewritten).

use std::fs;
use std::hash::Hasher;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use siphasher::sip128::{Hasher128, SipHasher13};

use crate::check::Finding;
use crate::engine::{Engine, Options};
use crate::fix::{Applicability, Edit, Fix};
use crate::lang::Language;
use crate::rules;

/// The cache directory's name at the project root.
pub const DIR_NAME: &str = ".awsredirect_cache";
/// Overrides where the cache lives (over the configuration's `cache-dir`).
pub const DIR_VARIABLE: &str = "AWSREDIRECT_CACHE_DIR";

/// The answers a file's resolution got from the project-wide facts: dotted name → what it
/// returns.
pub type Queries = Vec<(String, Option<String>)>;

/// One file's cached result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cached {
    pub engine: Engine,
    pub queries: Queries,
    /// Every finding, whatever the rule selection.
    pub findings: Vec<Finding>,
}

/// The cache of one project root for one set of settings.
#[derive(Debug)]
pub struct Cache {
    /// Per-file results for these settings.
    results: PathBuf,
    /// Per-module factories (they depend on nothing but the text).
    factories: PathBuf,
}

impl Cache {
    /// The cache under `root` for runs with `options`' settings; `None` when it cannot be made
    /// (a read-only tree is processed without one).
    pub fn open(root: &Path, options: &Options) -> Option<Cache> {
        Cache::open_for(root, &build_id(), &settings_key(options))
    }

    fn open_for(root: &Path, build: &str, settings: &str) -> Option<Cache> {
        prepare(root).ok()?;
        let base = root.join(build);
        let cache = Cache {
            results: base.join(settings),
            factories: base.join("factories"),
        };
        fs::create_dir_all(&cache.results).ok()?;
        fs::create_dir_all(&cache.factories).ok()?;
        Some(cache)
    }

    /// The stored result of the file at `path` with this text, if there is a sound one.
    pub fn lookup(&self, path: &Path, language: Language, text: &str) -> Option<Cached> {
        let payload = read_entry(&self.results.join(file_key(path, language, text)))?;
        let record: FileRecord = serde_json::from_slice(&payload).ok()?;
        record.into_cached()
    }

    /// Stores the result of the file at `path` with this text (errors are ignored: the cache
    /// only ever saves work).
    pub fn store(&self, path: &Path, language: Language, text: &str, cached: &Cached) {
        if let Ok(payload) = serde_json::to_vec(&FileRecord::from_cached(cached)) {
            write_entry(&self.results, &file_key(path, language, text), &payload);
        }
    }

    /// The stored factories of a Python module with this text.
    pub fn factories(&self, text: &str) -> Option<Vec<(String, String)>> {
        let payload = read_entry(&self.factories.join(hex(hash(&[text.as_bytes()]))))?;
        serde_json::from_slice(&payload).ok()
    }

    pub fn store_factories(&self, text: &str, found: &[(String, String)]) {
        if let Ok(payload) = serde_json::to_vec(found) {
            write_entry(&self.factories, &hex(hash(&[text.as_bytes()])), &payload);
        }
    }
}

/// Where the cache of a project lives: `AWSREDIRECT_CACHE_DIR`, else the configuration's
/// `cache-dir` (relative to its file), else `.awsredirect_cache` in the configuration's
/// directory, else in the working directory.
pub fn location(config_root: Option<&Path>, cache_dir: Option<&str>) -> PathBuf {
    if let Some(dir) = std::env::var_os(DIR_VARIABLE).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let root = config_root.map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    match cache_dir {
        Some(dir) => root.join(dir),
        None => root.join(DIR_NAME),
    }
}

/// Removes the cache at `dir`; `Ok(false)` when there was none.
pub fn clean(dir: &Path) -> std::io::Result<bool> {
    match fs::remove_dir_all(dir) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// Creates the cache root with a `.gitignore` that ignores it whole and a `CACHEDIR.TAG`.
fn prepare(root: &Path) -> std::io::Result<()> {
    fs::create_dir_all(root)?;
    let ignore = root.join(".gitignore");
    if !ignore.exists() {
        fs::write(ignore, "# Automatically created by awsredirect.\n*\n")?;
    }
    let tag = root.join("CACHEDIR.TAG");
    if !tag.exists() {
        fs::write(
            tag,
            "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by awsredirect.\n",
        )?;
    }
    Ok(())
}

/// The tool's version and its build (the executable's size and modification time), so a
/// rebuilt binary of the same version never reads another build's results.
fn build_id() -> String {
    let exe = std::env::current_exe()
        .and_then(fs::metadata)
        .map(|m| format!("{}{:?}", m.len(), m.modified().ok()))
        .unwrap_or_default();
    format!(
        "{}-{}",
        env!("CARGO_PKG_VERSION"),
        &hex(hash(&[exe.as_bytes()]))[..12]
    )
}

/// A hash of every setting that changes a file's findings: the endpoints (the fixes' text), the
/// style and the engine. The rule selection and `--unsafe-fixes` are applied to the stored
/// findings, so they are not part of it.
fn settings_key(options: &Options) -> String {
    let described = format!(
        "{:?}|{:?}|{:?}",
        options.endpoints, options.style, options.engine
    );
    hex(hash(&[described.as_bytes()]))[..16].to_string()
}

fn file_key(path: &Path, language: Language, text: &str) -> String {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    hex(hash(&[
        path.as_os_str().as_encoded_bytes(),
        language.name().as_bytes(),
        text.as_bytes(),
    ]))
}

fn hash(parts: &[&[u8]]) -> u128 {
    let mut hasher = SipHasher13::new();
    for part in parts {
        hasher.write_usize(part.len());
        hasher.write(part);
    }
    hasher.finish128().as_u128()
}

fn hex(value: u128) -> String {
    format!("{value:032x}")
}

/// An entry's payload, when its checksum line matches it.
fn read_entry(path: &Path) -> Option<Vec<u8>> {
    let bytes = fs::read(path).ok()?;
    let newline = memchr::memchr(b'\n', &bytes)?;
    let (sum, payload) = (&bytes[..newline], &bytes[newline + 1..]);
    (sum == hex(hash(&[payload])).as_bytes()).then(|| payload.to_vec())
}

/// Writes an entry atomically: a temporary file in the same directory (written with one
/// call), renamed into place.
fn write_entry(dir: &Path, name: &str, payload: &[u8]) {
    let Ok(mut file) = tempfile::NamedTempFile::new_in(dir) else {
        return;
    };
    let mut entry = Vec::with_capacity(33 + payload.len());
    entry.extend_from_slice(hex(hash(&[payload])).as_bytes());
    entry.push(b'\n');
    entry.extend_from_slice(payload);
    if file.write_all(&entry).is_ok() {
        let _ = file.persist(dir.join(name));
    }
}

#[derive(Serialize, Deserialize)]
struct FileRecord {
    engine: String,
    queries: Queries,
    findings: Vec<FindingRecord>,
}

#[derive(Serialize, Deserialize)]
struct FindingRecord {
    start: usize,
    end: usize,
    code: String,
    message: String,
    service: Option<String>,
    fix: Option<FixRecord>,
    suppressed: bool,
}

#[derive(Serialize, Deserialize)]
struct FixRecord {
    applicability: String,
    edits: Vec<(usize, usize, String)>,
}

impl FileRecord {
    fn from_cached(cached: &Cached) -> FileRecord {
        FileRecord {
            engine: cached.engine.name().to_string(),
            queries: cached.queries.clone(),
            findings: cached
                .findings
                .iter()
                .map(FindingRecord::from_finding)
                .collect(),
        }
    }

    fn into_cached(self) -> Option<Cached> {
        let engine = match self.engine.as_str() {
            "ast" => Engine::Ast,
            "regex" => Engine::Regex,
            _ => return None,
        };
        let findings = self
            .findings
            .into_iter()
            .map(FindingRecord::into_finding)
            .collect::<Option<Vec<Finding>>>()?;
        Some(Cached {
            engine,
            queries: self.queries,
            findings,
        })
    }
}

impl FindingRecord {
    fn from_finding(finding: &Finding) -> FindingRecord {
        FindingRecord {
            start: finding.range.start,
            end: finding.range.end,
            code: finding.rule.code.as_str().to_string(),
            message: finding.message.clone(),
            service: finding.service.clone(),
            fix: finding.fix.as_ref().map(|fix| FixRecord {
                applicability: applicability_name(fix.applicability).to_string(),
                edits: fix
                    .edits
                    .iter()
                    .map(|e| (e.range.start, e.range.end, e.content.clone()))
                    .collect(),
            }),
            suppressed: finding.suppressed,
        }
    }

    fn into_finding(self) -> Option<Finding> {
        let fix = match self.fix {
            Some(fix) => Some(Fix {
                applicability: applicability_named(&fix.applicability)?,
                edits: fix
                    .edits
                    .into_iter()
                    .map(|(start, end, content)| Edit {
                        range: start..end,
                        content,
                    })
                    .collect(),
            }),
            None => None,
        };
        Some(Finding {
            range: self.start..self.end,
            rule: rules::by_code(&self.code)?,
            message: self.message,
            service: self.service,
            fix,
            suppressed: self.suppressed,
        })
    }
}

fn applicability_name(applicability: Applicability) -> &'static str {
    match applicability {
        Applicability::Safe => "safe",
        Applicability::Unsafe => "unsafe",
        Applicability::DisplayOnly => "display-only",
    }
}

fn applicability_named(name: &str) -> Option<Applicability> {
    match name {
        "safe" => Some(Applicability::Safe),
        "unsafe" => Some(Applicability::Unsafe),
        "display-only" => Some(Applicability::DisplayOnly),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Mode;

    fn sample() -> Cached {
        Cached {
            engine: Engine::Ast,
            queries: vec![("pkg.f".into(), Some("boto3.Session()".into()))],
            findings: vec![Finding {
                range: 3..9,
                rule: rules::CLIENT_WITHOUT_ENDPOINT,
                message: "m".into(),
                service: Some("s3".into()),
                fix: Some(Fix {
                    edits: vec![Edit::insertion(8, ", endpoint_url=\"x\"")],
                    applicability: Applicability::Unsafe,
                }),
                suppressed: true,
            }],
        }
    }

    #[test]
    fn a_stored_result_comes_back_whole_for_the_same_text_only() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open_for(dir.path(), "v1", "s").unwrap();
        let path = Path::new("/p/a.py");
        cache.store(path, Language::Python, "text", &sample());
        assert_eq!(cache.lookup(path, Language::Python, "text"), Some(sample()));
        assert_eq!(cache.lookup(path, Language::Python, "text2"), None);
        assert_eq!(
            cache.lookup(Path::new("/p/b.py"), Language::Python, "text"),
            None
        );
        let other_build = Cache::open_for(dir.path(), "v2", "s").unwrap();
        assert_eq!(other_build.lookup(path, Language::Python, "text"), None);
        let other_settings = Cache::open_for(dir.path(), "v1", "t").unwrap();
        assert_eq!(other_settings.lookup(path, Language::Python, "text"), None);
        assert!(dir.path().join(".gitignore").is_file());
    }

    #[test]
    fn a_damaged_entry_is_a_miss_and_is_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open_for(dir.path(), "v1", "s").unwrap();
        let path = Path::new("/p/a.py");
        cache.store(path, Language::Python, "text", &sample());
        let entry = cache.results.join(file_key(path, Language::Python, "text"));
        let mut bytes = fs::read(&entry).unwrap();
        let last = bytes.len() - 3;
        bytes[last] ^= 1;
        fs::write(&entry, &bytes).unwrap();
        assert_eq!(cache.lookup(path, Language::Python, "text"), None);
        fs::write(&entry, &bytes[..10]).unwrap();
        assert_eq!(cache.lookup(path, Language::Python, "text"), None);
        cache.store(path, Language::Python, "text", &sample());
        assert_eq!(cache.lookup(path, Language::Python, "text"), Some(sample()));
    }

    #[test]
    fn settings_that_change_fixes_change_the_key() {
        let a = Options::new(Mode::Check, "http://a");
        let b = Options::new(Mode::Check, "http://b");
        let patch = Options::new(Mode::Patch, "http://a");
        assert_ne!(settings_key(&a), settings_key(&b));
        assert_eq!(settings_key(&a), settings_key(&patch));
    }

    #[test]
    fn factories_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open_for(dir.path(), "v1", "s").unwrap();
        let found = vec![("f".to_string(), "boto3.client".to_string())];
        cache.store_factories("def f(): ...", &found);
        assert_eq!(cache.factories("def f(): ..."), Some(found));
        assert_eq!(cache.factories("other"), None);
    }
}
