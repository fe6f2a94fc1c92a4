//! Reading source files (size, binary, encoding and BOM checks) and writing them back atomically.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::lang::Language;

/// Files larger than this are reported and left alone.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
const BOM: &str = "\u{feff}";
/// Temporary files are named `.awsredirect-XXXXXX.tmp`; one left by a killed run is removed by
/// the next (see `is_leftover`).
const TEMP_PREFIX: &str = ".awsredirect-";
const TEMP_SUFFIX: &str = ".tmp";

/// Whether a file name is one of awsredirect's temporary files.
pub fn is_leftover(name: &str) -> bool {
    name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)
}

/// Removes temporary files an interrupted run left behind; returns the ones removed and the
/// ones that could not be.
pub fn remove_leftovers(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<(PathBuf, String)>) {
    let mut removed = Vec::new();
    let mut failed = Vec::new();
    for path in paths {
        match fs::remove_file(path) {
            Ok(()) => removed.push(path.clone()),
            Err(e) => failed.push((
                path.clone(),
                format!("cannot remove leftover temporary file: {e}"),
            )),
        }
    }
    (removed, failed)
}

/// A readable UTF-8 source file. `text` excludes the BOM; every offset is into `text`.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub language: Language,
    pub bom: bool,
    pub text: String,
    pub stamp: Stamp,
}

/// What the file looked like when read, to notice a change before overwriting it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
}

/// Why a file was not processed: skipped files are not source code awsredirect can read;
/// failed ones are, but something is wrong with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Skipped(String),
    Failed(String),
}

pub fn read_source(path: &Path, language: Language) -> Result<SourceFile, Problem> {
    let cannot_read = |e: std::io::Error| Problem::Failed(format!("cannot read: {e}"));
    // One open, then the size from the open file (no second lookup of the path).
    let mut file = fs::File::open(path).map_err(cannot_read)?;
    let meta = file.metadata().map_err(cannot_read)?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(Problem::Skipped(format!(
            "file is {} MiB, over the {} MiB limit",
            meta.len() / (1024 * 1024),
            MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0) + 1);
    file.read_to_end(&mut bytes).map_err(cannot_read)?;
    let (bom, text) = decode(bytes)?;
    Ok(SourceFile {
        path: path.to_path_buf(),
        language,
        bom,
        text,
        stamp: stamp(&meta),
    })
}

/// Checks that bytes are UTF-8 text and splits off a byte-order mark.
pub fn decode(bytes: Vec<u8>) -> Result<(bool, String), Problem> {
    if memchr::memchr(0, &bytes).is_some() {
        return Err(Problem::Skipped("binary file (contains NUL bytes)".into()));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        Problem::Failed(format!(
            "not valid UTF-8 (invalid byte at offset {}); file left untouched",
            e.utf8_error().valid_up_to()
        ))
    })?;
    Ok(match text.strip_prefix(BOM) {
        Some(rest) => (true, rest.to_string()),
        None => (false, text),
    })
}

fn stamp(meta: &fs::Metadata) -> Stamp {
    Stamp {
        len: meta.len(),
        modified: meta.modified().ok(),
    }
}

/// Replaces the file's contents with `text` (plus the BOM it had) atomically: a temporary file
/// in the same directory, the original permissions, then a rename. Refuses read-only files and
/// files that changed since they were read.
pub fn write_atomic(source: &SourceFile, text: &str) -> Result<(), String> {
    let path = &source.path;
    // Not a symbolic link: what `lstat` says is what `stat` would.
    let meta = fs::symlink_metadata(path).map_err(|e| format!("cannot write: {e}"))?;
    if meta.file_type().is_symlink() {
        return Err("is a symbolic link; not written through (name the file it points to)".into());
    }
    if meta.permissions().readonly() {
        return Err("file is read-only; not written".into());
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if fs::metadata(dir).is_ok_and(|d| d.permissions().readonly()) {
        return Err("its directory is read-only; not written".into());
    }
    let mut temp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .map_err(|e| format!("cannot create a temporary file beside it: {e}"))?;
    let bom = if source.bom { BOM } else { "" };
    // No fsync: the rename makes the write atomic against the process being interrupted, and,
    // as with ruff or black, durability against a power cut is left to the file system (an
    // fsync per file doubled the time of `patch` on a large tree; see BENCHMARKS.md).
    temp.write_all(bom.as_bytes())
        .and_then(|_| temp.write_all(text.as_bytes()))
        .map_err(|e| format!("cannot write: {e}"))?;
    // Through the open file: no second lookup of the temporary file's path.
    temp.as_file()
        .set_permissions(meta.permissions())
        .map_err(|e| format!("cannot keep permissions: {e}"))?;
    if stamp(&meta) != source.stamp {
        return Err("file changed while awsredirect was working on it; not written".into());
    }
    temp.persist(path)
        .map_err(|e| format!("cannot replace the file: {}", e.error))?;
    Ok(())
}
