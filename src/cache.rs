//! The results cache, as ruff keeps one: under `.awsredirect_cache/` at the project root, each
//! parsed file's findings (and so whether `patch` would change it) and each Python module's
//! session / client factories, keyed by the file's content hash, the tool's build and a hash of
//! the settings that change results. Project-wide facts a file's resolution asked for are stored
//! with its entry and asked again before the entry is used, so a change in one module
//! invalidates exactly the files that depend on it.
//!
//! An adapter: the core types know nothing of serde; this module maps them to its own records.
//! A run's new entries are batched into packs (one file per few megabytes of entries, not one
//! per source file), each written to a temporary file and renamed into place (concurrent runs
//! never see half a pack); every entry carries a checksum of its key and payload (a damaged
//! entry is a miss, and is rewritten). The newest pack holding a key wins; when a directory
//! holds more than `MAX_PACKS` packs, a run merges them into one.

use std::collections::HashMap;
use std::fs::{self, File};
use std::hash::Hasher;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

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

/// A file's result as the cache stores it (empty where it cannot be encoded).
pub fn pack(cached: &Cached) -> Box<[u8]> {
    serde_json::to_vec(&FileRecord::from_cached(cached))
        .unwrap_or_default()
        .into_boxed_slice()
}

/// A result `pack` encoded, if it is sound.
pub fn unpack(packed: &[u8]) -> Option<Cached> {
    let record: FileRecord = serde_json::from_slice(packed).ok()?;
    record.into_cached()
}

/// The cache of one project root for one set of settings.
#[derive(Debug)]
pub struct Cache {
    /// Per-file results for these settings.
    results: Packs,
    /// Per-module factories (they depend on nothing but the text).
    factories: Packs,
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
        Some(Cache {
            results: Packs::open(base.join(settings))?,
            factories: Packs::open(base.join("factories"))?,
        })
    }

    /// The stored result of the file at `path` with this text, if there is a sound one.
    pub fn lookup(&self, path: &Path, language: Language, text: &str) -> Option<Cached> {
        unpack(&self.results.read(file_key(path, language, text))?)
    }

    /// Stores the result of the file at `path` with this text (errors are ignored: the cache
    /// only ever saves work). It is written with the run's other new entries (`flush`).
    pub fn store(&self, path: &Path, language: Language, text: &str, cached: &Cached) {
        let payload = pack(cached);
        if !payload.is_empty() {
            self.results.add(file_key(path, language, text), &payload);
        }
    }

    /// The stored factories of a Python module with this text.
    pub fn factories(&self, text: &str) -> Option<Vec<(String, String)>> {
        let payload = self.factories.read(hash(&[text.as_bytes()]))?;
        serde_json::from_slice(&payload).ok()
    }

    pub fn store_factories(&self, text: &str, found: &[(String, String)]) {
        if let Ok(payload) = serde_json::to_vec(found) {
            self.factories.add(hash(&[text.as_bytes()]), &payload);
        }
    }

    /// Writes the entries stored since the last flush (also done when the cache is dropped).
    pub fn flush(&self) {
        self.results.flush();
        self.factories.flush();
    }
}

impl Drop for Cache {
    fn drop(&mut self) {
        // Merged first, so this run's own entries stay in the newest packs.
        self.results.merge_if_many();
        self.factories.merge_if_many();
        self.flush();
    }
}

/// A pack starts with this line; then entries, each `key (16 bytes, little-endian) · payload
/// length (4 bytes, little-endian) · checksum of key and payload (16 bytes) · payload`.
const PACK_MAGIC: &[u8; 8] = b"arcpack1";
/// An entry's bytes before its payload.
const ENTRY_HEAD: usize = 36;
/// A run writes its new entries once they reach this size (and at its end).
const FLUSH_BYTES: usize = 4 << 20;
/// More packs than this in a directory are merged into one at the end of a run.
const MAX_PACKS: usize = 16;

/// One directory of packs: where each key's newest entry is, and the entries this run added
/// that are not written yet.
#[derive(Debug)]
struct Packs {
    dir: PathBuf,
    /// The packs read when the directory was opened, oldest first (a lock per file: a read is
    /// a seek and a read).
    files: Vec<(PathBuf, Option<Mutex<File>>)>,
    /// Key → (index in `files`, offset of the entry's checksum, payload length).
    index: HashMap<u128, (usize, u64, usize)>,
    pending: Mutex<Vec<u8>>,
}

impl Packs {
    fn open(dir: PathBuf) -> Option<Packs> {
        fs::create_dir_all(&dir).ok()?;
        let mut names: Vec<PathBuf> = fs::read_dir(&dir)
            .ok()?
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| is_pack(path))
            .collect();
        names.sort();
        let mut packs = Packs {
            dir,
            files: Vec::with_capacity(names.len()),
            index: HashMap::new(),
            pending: Mutex::new(Vec::new()),
        };
        for path in names {
            let file = File::open(&path).ok();
            if let Some(file) = &file {
                let _ = index_pack(file, packs.files.len(), &mut packs.index);
            }
            packs.files.push((path, file.map(Mutex::new)));
        }
        Some(packs)
    }

    /// The payload of `key`'s newest entry, when its checksum holds.
    fn read(&self, key: u128) -> Option<Vec<u8>> {
        let &(pack, offset, len) = self.index.get(&key)?;
        let mut file = self.files.get(pack)?.1.as_ref()?.lock().ok()?;
        let mut bytes = vec![0; 16 + len];
        file.seek(SeekFrom::Start(offset)).ok()?;
        file.read_exact(&mut bytes).ok()?;
        drop(file);
        let (sum, payload) = bytes.split_at(16);
        (sum == checksum(key, payload).to_le_bytes()).then(|| payload.to_vec())
    }

    /// Adds an entry to the next pack this run writes.
    fn add(&self, key: u128, payload: &[u8]) {
        let Ok(length) = u32::try_from(payload.len()) else {
            return;
        };
        let Ok(mut pending) = self.pending.lock() else {
            return;
        };
        pending.extend_from_slice(&key.to_le_bytes());
        pending.extend_from_slice(&length.to_le_bytes());
        pending.extend_from_slice(&checksum(key, payload).to_le_bytes());
        pending.extend_from_slice(payload);
        if pending.len() >= FLUSH_BYTES {
            let entries = std::mem::take(&mut *pending);
            drop(pending);
            self.write_pack(&entries);
        }
    }

    fn flush(&self) {
        let entries = match self.pending.lock() {
            Ok(mut pending) => std::mem::take(&mut *pending),
            Err(_) => return,
        };
        if !entries.is_empty() {
            self.write_pack(&entries);
        }
    }

    /// Writes entries as a new pack: a temporary file renamed into place.
    fn write_pack(&self, entries: &[u8]) {
        let _ = self.persist(|out| out.write_all(entries));
    }

    /// A new pack with what `fill` writes after the magic line, renamed into place.
    fn persist(
        &self,
        fill: impl FnOnce(&mut BufWriter<&File>) -> std::io::Result<()>,
    ) -> Option<PathBuf> {
        let file = tempfile::NamedTempFile::new_in(&self.dir).ok()?;
        {
            let mut out = BufWriter::new(file.as_file());
            out.write_all(PACK_MAGIC).ok()?;
            fill(&mut out).ok()?;
            out.flush().ok()?;
        }
        let name = self.dir.join(pack_name());
        file.persist(&name).ok()?;
        Some(name)
    }

    /// With more than `MAX_PACKS` packs, copies every key's newest sound entry into one new pack
    /// and removes the packs read (the entries of this run are written after it, newer).
    fn merge_if_many(&self) {
        if self.files.len() <= MAX_PACKS {
            return;
        }
        let mut live: Vec<(&u128, &(usize, u64, usize))> = self.index.iter().collect();
        live.sort_unstable_by_key(|(_, at)| (at.0, at.1));
        let merged = self.persist(|out| {
            for (key, _) in live {
                if let Some(payload) = self.read(*key) {
                    write_entry(out, *key, &payload)?;
                }
            }
            Ok(())
        });
        if merged.is_some() {
            for (path, _) in &self.files {
                let _ = fs::remove_file(path);
            }
        }
    }
}

/// Reads a pack's entry heads into `index` (the entries of a newer pack replace older ones);
/// a damaged head ends the pack (the rest are misses).
fn index_pack(
    file: &File,
    pack: usize,
    index: &mut HashMap<u128, (usize, u64, usize)>,
) -> std::io::Result<()> {
    let size = file.metadata()?.len();
    let mut reader = BufReader::new(file);
    let mut magic = [0; 8];
    reader.read_exact(&mut magic)?;
    if &magic != PACK_MAGIC {
        return Ok(());
    }
    let mut at = 8u64;
    let mut head = [0; 20];
    while at + ENTRY_HEAD as u64 <= size {
        reader.read_exact(&mut head)?;
        let key = u128::from_le_bytes(head[..16].try_into().unwrap_or_default());
        let len = u32::from_le_bytes(head[16..].try_into().unwrap_or_default());
        let sum_at = at + 20;
        let end = sum_at + 16 + u64::from(len);
        if end > size {
            break;
        }
        index.insert(key, (pack, sum_at, len as usize));
        reader.seek_relative(16 + i64::from(len))?;
        at = end;
    }
    Ok(())
}

fn write_entry(out: &mut impl Write, key: u128, payload: &[u8]) -> std::io::Result<()> {
    let length = u32::try_from(payload.len()).map_err(std::io::Error::other)?;
    out.write_all(&key.to_le_bytes())?;
    out.write_all(&length.to_le_bytes())?;
    out.write_all(&checksum(key, payload).to_le_bytes())?;
    out.write_all(payload)
}

fn checksum(key: u128, payload: &[u8]) -> u128 {
    hash(&[&key.to_le_bytes(), payload])
}

fn is_pack(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.starts_with("pack-"))
}

/// A pack's name: its creation time first, so names sort oldest first, then the process and a
/// counter, so concurrent runs never collide.
fn pack_name() -> String {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("pack-{nanos:024}-{}-{n}", std::process::id())
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

fn file_key(path: &Path, language: Language, text: &str) -> u128 {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    hash(&[
        path.as_os_str().as_encoded_bytes(),
        language.name().as_bytes(),
        text.as_bytes(),
    ])
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
        drop(cache);
        let cache = Cache::open_for(dir.path(), "v1", "s").unwrap();
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

    /// The pack files of a cache's per-file results.
    fn packs(cache: &Cache) -> Vec<PathBuf> {
        let mut packs: Vec<PathBuf> = fs::read_dir(&cache.results.dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| is_pack(path))
            .collect();
        packs.sort();
        packs
    }

    #[test]
    fn entries_are_written_in_one_pack_per_run_and_read_back_by_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open_for(dir.path(), "v1", "s").unwrap();
        for i in 0..50 {
            let path = PathBuf::from(format!("/p/{i}.py"));
            cache.store(&path, Language::Python, "text", &sample());
        }
        // Nothing is read back before it is written.
        assert_eq!(
            cache.lookup(Path::new("/p/1.py"), Language::Python, "text"),
            None
        );
        drop(cache);
        let cache = Cache::open_for(dir.path(), "v1", "s").unwrap();
        assert_eq!(packs(&cache).len(), 1);
        for i in 0..50 {
            let path = PathBuf::from(format!("/p/{i}.py"));
            assert_eq!(
                cache.lookup(&path, Language::Python, "text"),
                Some(sample())
            );
        }
    }

    #[test]
    fn a_damaged_entry_is_a_miss_and_is_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (Path::new("/p/a.py"), Path::new("/p/b.py"));
        let cache = Cache::open_for(dir.path(), "v1", "s").unwrap();
        cache.store(a, Language::Python, "text", &sample());
        cache.store(b, Language::Python, "text", &sample());
        drop(cache);
        let cache = Cache::open_for(dir.path(), "v1", "s").unwrap();
        let pack = packs(&cache).remove(0);
        let mut bytes = fs::read(&pack).unwrap();
        // The first entry's payload damaged: it is a miss, the second still a hit.
        bytes[PACK_MAGIC.len() + ENTRY_HEAD + 3] ^= 1;
        fs::write(&pack, &bytes).unwrap();
        drop(cache);
        let cache = Cache::open_for(dir.path(), "v1", "s").unwrap();
        assert_eq!(cache.lookup(a, Language::Python, "text"), None);
        assert_eq!(cache.lookup(b, Language::Python, "text"), Some(sample()));
        cache.store(a, Language::Python, "text", &sample());
        drop(cache);
        let cache = Cache::open_for(dir.path(), "v1", "s").unwrap();
        assert_eq!(cache.lookup(a, Language::Python, "text"), Some(sample()));
        // A pack cut short: its last entry is a miss; a pack that is not one is ignored.
        let newest = packs(&cache).pop().unwrap();
        let bytes = fs::read(&newest).unwrap();
        fs::write(&newest, &bytes[..bytes.len() - 1]).unwrap();
        fs::write(
            cache.results.dir.join("pack-9"),
            "0123\n{\"engine\":\"ast\"}",
        )
        .unwrap();
        drop(cache);
        let cache = Cache::open_for(dir.path(), "v1", "s").unwrap();
        assert_eq!(cache.lookup(a, Language::Python, "text"), None);
        assert_eq!(cache.lookup(b, Language::Python, "text"), Some(sample()));
    }

    #[test]
    fn many_packs_are_merged_into_one_with_each_key_s_newest_entry() {
        let dir = tempfile::tempdir().unwrap();
        let path = Path::new("/p/a.py");
        let mut newest = sample();
        for run in 0..=MAX_PACKS + 1 {
            let cache = Cache::open_for(dir.path(), "v1", "s").unwrap();
            newest.findings[0].message = format!("run {run}");
            cache.store(path, Language::Python, "text", &newest);
            let other = PathBuf::from(format!("/p/{run}.py"));
            cache.store(&other, Language::Python, "text", &sample());
        }
        let cache = Cache::open_for(dir.path(), "v1", "s").unwrap();
        assert!(packs(&cache).len() <= 2, "{:?}", packs(&cache));
        assert_eq!(cache.lookup(path, Language::Python, "text"), Some(newest));
        for run in 0..=MAX_PACKS + 1 {
            let other = PathBuf::from(format!("/p/{run}.py"));
            assert_eq!(
                cache.lookup(&other, Language::Python, "text"),
                Some(sample())
            );
        }
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
        cache.flush();
        let cache = Cache::open_for(dir.path(), "v1", "s").unwrap();
        assert_eq!(cache.factories("def f(): ..."), Some(found));
        assert_eq!(cache.factories("other"), None);
    }
}
