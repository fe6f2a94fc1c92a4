//! The write-ahead journal behind `--state-dir`: every change is appended as a checksummed frame
//! (by the writer thread, `writer.rs`) and fsync'd before the request is answered. At start the
//! journal is replayed, then rewritten compactly (temp file, fsync, rename).
//!
//! File layout: the magic `ARJOURN1`, then frames of
//! `u32 header_len | u64 payload_len | u32 crc32(header ++ payload) | header (JSON) | payload`,
//! integers little-endian.
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::record::{Entry, Record};
use crate::error::EmulatorError;

const MAGIC: &[u8; 8] = b"ARJOURN1";
const FILE_NAME: &str = "journal.arj";
const FRAME_HEAD: usize = 16;

/// What was found when the journal was read at start.
#[derive(Debug, Default, Clone)]
pub struct Recovery {
    /// The state directory, when state persists.
    pub state_dir: Option<PathBuf>,
    /// Records replayed.
    pub records: usize,
    /// An incomplete last frame (a write cut short, never acknowledged), kept aside.
    pub torn_tail: Option<TornTail>,
    /// A corrupt journal moved aside by `--recover`.
    pub corrupt: Option<CorruptJournal>,
}

/// A corrupt journal that `--recover` moved aside before starting with what could be read.
#[derive(Debug, Clone)]
pub struct CorruptJournal {
    /// Where the first bad frame starts, and why it is bad.
    pub offset: u64,
    pub reason: String,
    /// The untouched corrupt file, under its new name.
    pub saved_to: PathBuf,
    /// Bytes no valid frame could be read from.
    pub skipped_bytes: u64,
}

/// The bytes of an incomplete last frame and where they were saved.
#[derive(Debug, Clone)]
pub struct TornTail {
    pub offset: u64,
    pub bytes: u64,
    pub saved_to: PathBuf,
}

/// The journal, open for appending.
pub struct Journal {
    file: File,
    len: u64,
}

impl Journal {
    /// Replaces the journal in `dir` by one holding exactly `entries`, atomically.
    pub fn rewrite(dir: &Path, entries: &[Entry]) -> Result<Journal, EmulatorError> {
        let path = dir.join(FILE_NAME);
        let tmp = dir.join(format!("{FILE_NAME}.tmp"));
        let io = |source| EmulatorError::StateIo {
            path: path.clone(),
            source,
        };
        let mut file = File::create(&tmp).map_err(io)?;
        let mut buf = MAGIC.to_vec();
        for entry in entries {
            encode(entry, &mut buf);
        }
        file.write_all(&buf).map_err(io)?;
        file.sync_all().map_err(io)?;
        drop(file);
        std::fs::rename(&tmp, &path).map_err(io)?;
        File::open(dir).and_then(|d| d.sync_all()).map_err(io)?;
        let file = OpenOptions::new().append(true).open(&path).map_err(io)?;
        Ok(Journal {
            file,
            len: buf.len() as u64,
        })
    }

    /// The file, open for appending, and its length.
    pub fn into_parts(self) -> (File, u64) {
        (self.file, self.len)
    }
}

/// Appends the frame of `entry` to `buf`.
fn encode(entry: &Entry, buf: &mut Vec<u8>) {
    encode_head(entry, buf);
    buf.extend_from_slice(&entry.payload);
}

/// Appends the frame of `entry` to `buf` up to its payload, which the caller writes next.
pub fn encode_head(entry: &Entry, buf: &mut Vec<u8>) {
    let header = serde_json::to_vec(&entry.record).unwrap_or_default();
    let mut crc = crc32fast::Hasher::new();
    crc.update(&header);
    crc.update(&entry.payload);
    buf.extend_from_slice(&(header.len() as u32).to_le_bytes());
    buf.extend_from_slice(&(entry.payload.len() as u64).to_le_bytes());
    buf.extend_from_slice(&crc.finalize().to_le_bytes());
    buf.extend_from_slice(&header);
}

/// Reads every entry of the journal in `dir` (creating the directory if needed). A corrupt
/// journal is an error, unless `recover` is set: then the file is moved aside untouched and every
/// frame that still verifies (before and after the damage) is read.
pub fn read_dir(dir: &Path, recover: bool) -> Result<(Vec<Entry>, Recovery), EmulatorError> {
    let path = dir.join(FILE_NAME);
    let io = |source| EmulatorError::StateIo {
        path: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut recovery = Recovery {
        state_dir: Some(dir.to_path_buf()),
        ..Recovery::default()
    };
    let data = match std::fs::read(&path) {
        Ok(data) => data,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), recovery)),
        Err(e) => return Err(io(e)),
    };
    let (entries, torn_at) = match decode_all(&data, &path) {
        Ok(decoded) => decoded,
        Err(EmulatorError::CorruptState { offset, reason, .. }) if recover => {
            let (entries, skipped_bytes) = salvage(&data);
            let saved_to = aside(&path, "corrupt")?;
            std::fs::rename(&path, &saved_to).map_err(|source| EmulatorError::StateIo {
                path: path.clone(),
                source,
            })?;
            recovery.corrupt = Some(CorruptJournal {
                offset,
                reason,
                saved_to,
                skipped_bytes,
            });
            recovery.records = entries.len();
            return Ok((entries, recovery));
        }
        Err(e) => return Err(e),
    };
    recovery.records = entries.len();
    if let Some(offset) = torn_at {
        recovery.torn_tail = Some(save_torn_tail(&path, &data[offset..], offset)?);
    }
    Ok((entries, recovery))
}

/// A free name next to `path` for a file moved aside: `journal.arj.<what>-<millis>`.
fn aside(path: &Path, what: &str) -> Result<PathBuf, EmulatorError> {
    let millis = crate::timefmt::now_millis();
    (0..1000)
        .map(|n| path.with_extension(format!("arj.{what}-{}", millis + n)))
        .find(|candidate| !candidate.exists())
        .ok_or_else(|| EmulatorError::StateIo {
            path: path.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::AlreadyExists, "no free file name"),
        })
}

/// Every frame of a damaged journal that still verifies, in order, and the number of bytes
/// skipped: after a bad frame, the next offset where a whole frame verifies is searched for.
fn salvage(data: &[u8]) -> (Vec<Entry>, u64) {
    let mut entries = Vec::new();
    let mut skipped = 0u64;
    let mut offset = MAGIC.len().min(data.len());
    while offset < data.len() {
        match verified_frame(data, offset) {
            Some((entry, len)) => {
                entries.push(entry);
                offset += len;
            }
            None => {
                skipped += 1;
                offset += 1;
            }
        }
    }
    (entries, skipped)
}

/// The entry at `offset` and its frame length, if a whole frame there verifies.
fn verified_frame(data: &[u8], offset: usize) -> Option<(Entry, usize)> {
    // Headers are JSON objects: a cheap test before the checksum.
    if data.get(offset + FRAME_HEAD) != Some(&b'{') {
        return None;
    }
    let (header, payload, crc) = frame_at(data, offset)?;
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(header);
    hasher.update(payload);
    if hasher.finalize() != crc {
        return None;
    }
    let record: Record = serde_json::from_slice(header).ok()?;
    let len = FRAME_HEAD + header.len() + payload.len();
    Some((
        Entry::with_payload(record, bytes::Bytes::copy_from_slice(payload)),
        len,
    ))
}

/// Decodes every frame; returns the offset of an incomplete last frame, if any.
fn decode_all(data: &[u8], path: &Path) -> Result<(Vec<Entry>, Option<usize>), EmulatorError> {
    let corrupt = |offset: usize, reason: String| EmulatorError::CorruptState {
        path: path.to_path_buf(),
        offset: offset as u64,
        reason,
    };
    if data.len() < MAGIC.len() {
        return Err(corrupt(0, "the file is shorter than its header".into()));
    }
    if &data[..MAGIC.len()] != MAGIC {
        return Err(corrupt(0, "not an awsredirect journal (bad magic)".into()));
    }
    let mut entries = Vec::new();
    let mut offset = MAGIC.len();
    while offset < data.len() {
        let Some(frame) = frame_at(data, offset) else {
            // A write cut short leaves nothing valid after it; a damaged length field does.
            if (offset + 1..data.len()).any(|at| verified_frame(data, at).is_some()) {
                return Err(corrupt(
                    offset,
                    "a frame's length runs past the end of the file, yet whole frames follow it"
                        .into(),
                ));
            }
            return Ok((entries, Some(offset)));
        };
        let (header, payload, crc) = frame;
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(header);
        hasher.update(payload);
        if hasher.finalize() != crc {
            return Err(corrupt(offset, "checksum mismatch".into()));
        }
        let record: Record = serde_json::from_slice(header)
            .map_err(|e| corrupt(offset, format!("unreadable record: {e}")))?;
        entries.push(Entry::with_payload(
            record,
            bytes::Bytes::copy_from_slice(payload),
        ));
        offset += FRAME_HEAD + header.len() + payload.len();
    }
    Ok((entries, None))
}

/// The frame at `offset` as (header, payload, crc), or `None` if the data ends inside it.
fn frame_at(data: &[u8], offset: usize) -> Option<(&[u8], &[u8], u32)> {
    let head = data.get(offset..offset + FRAME_HEAD)?;
    let header_len = u32::from_le_bytes(head[0..4].try_into().ok()?) as usize;
    let payload_len = usize::try_from(u64::from_le_bytes(head[4..12].try_into().ok()?)).ok()?;
    let crc = u32::from_le_bytes(head[12..16].try_into().ok()?);
    let start = offset + FRAME_HEAD;
    let header = data.get(start..start.checked_add(header_len)?)?;
    let payload_start = start + header_len;
    let payload = data.get(payload_start..payload_start.checked_add(payload_len)?)?;
    Some((header, payload, crc))
}

fn save_torn_tail(path: &Path, tail: &[u8], offset: usize) -> Result<TornTail, EmulatorError> {
    let saved_to = aside(path, "torn")?;
    std::fs::write(&saved_to, tail).map_err(|source| EmulatorError::StateIo {
        path: saved_to.clone(),
        source,
    })?;
    Ok(TornTail {
        offset: offset as u64,
        bytes: tail.len() as u64,
        saved_to,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Entry {
        Entry::with_payload(
            Record::ObjectDeleted {
                account: "a".into(),
                bucket: "b".into(),
                key: "k".into(),
            },
            bytes::Bytes::from_static(b"xyz"),
        )
    }

    #[test]
    fn round_trips_and_detects_torn_and_corrupt_frames() {
        let mut buf = MAGIC.to_vec();
        encode(&sample(), &mut buf);
        encode(&sample(), &mut buf);
        let path = Path::new("j");
        let (entries, torn) = decode_all(&buf, path).unwrap();
        assert_eq!((entries.len(), torn), (2, None));
        let (entries, torn) = decode_all(&buf[..buf.len() - 2], path).unwrap();
        assert_eq!(entries.len(), 1);
        assert!(torn.is_some());
        let mut bad = buf.clone();
        bad[MAGIC.len() + FRAME_HEAD + 3] ^= 0xff;
        assert!(decode_all(&bad, path).is_err());
        assert!(decode_all(b"garbage!", path).is_err());
    }

    #[test]
    fn salvage_reads_the_frames_around_damage() {
        let mut buf = MAGIC.to_vec();
        for _ in 0..3 {
            encode(&sample(), &mut buf);
        }
        let frame = (buf.len() - MAGIC.len()) / 3;
        let mut bad = buf.clone();
        bad[MAGIC.len() + frame + FRAME_HEAD + 2] ^= 0xff;
        assert!(decode_all(&bad, Path::new("j")).is_err());
        let (entries, skipped) = salvage(&bad);
        assert_eq!(entries.len(), 2);
        assert_eq!(skipped, frame as u64);
    }

    #[test]
    fn a_length_running_past_the_end_with_frames_after_it_is_corruption() {
        let mut buf = MAGIC.to_vec();
        encode(&sample(), &mut buf);
        encode(&sample(), &mut buf);
        buf[MAGIC.len() + 11] = 0x7f;
        assert!(decode_all(&buf, Path::new("j")).is_err());
    }
}
