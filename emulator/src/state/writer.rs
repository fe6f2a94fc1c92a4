//! The journal's writer thread: one `std::thread` owns the journal file and commits in groups.
//! Request handlers apply a change in memory and queue its entries under the store's lock (so
//! the journal's order is the order of application), then await an acknowledgement before
//! answering. The writer drains everything queued, writes all the frames, calls `fsync` once and
//! acknowledges the whole group: concurrent writers share one `fsync`, and no async worker
//! thread ever blocks on the disk.
//!
//! A failed write or `fsync` cuts the file back to the length it had after the last good group
//! (`set_len` + `fsync`), so the journal never holds a torn frame in its middle, and answers every
//! request of the group with an error. If the cut fails too, the journal is broken: every later
//! write is refused at once with an error naming the state directory.
use std::cell::RefCell;
use std::fs::File;
use std::future::Future;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use super::journal;
use super::record::Entry;

/// Why a write is not on disk; the message names the state directory.
pub type WriteError = Arc<str>;

/// The writer's answer to one submission: `Ok` once its entries are on disk.
pub type Ack = oneshot::Receiver<Result<(), WriteError>>;

/// Payloads at least this large are written from their own buffer instead of being copied into
/// the group's.
const DIRECT_PAYLOAD_BYTES: usize = 64 * 1024;

/// What the writer needs of the journal file: the real file, or a faulty one in tests.
pub trait JournalFile: Send + 'static {
    /// Appends `data` at the end of the file.
    fn append(&mut self, data: &[u8]) -> io::Result<()>;
    /// Makes everything appended so far durable (`fdatasync`).
    fn sync(&mut self) -> io::Result<()>;
    /// Cuts the file back to `len` bytes, durably.
    fn truncate(&mut self, len: u64) -> io::Result<()>;
}

impl JournalFile for File {
    fn append(&mut self, data: &[u8]) -> io::Result<()> {
        self.write_all(data)
    }

    fn sync(&mut self) -> io::Result<()> {
        self.sync_data()
    }

    fn truncate(&mut self, len: u64) -> io::Result<()> {
        self.set_len(len)?;
        self.sync_all()
    }
}

/// One submission: entries applied together, acknowledged together.
struct Job {
    entries: Vec<Entry>,
    ack: oneshot::Sender<Result<(), WriteError>>,
}

/// The handle the state keeps: queues entries for the writer thread.
pub struct Writer {
    sender: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
    broken: Arc<OnceLock<WriteError>>,
}

impl Writer {
    /// Starts the writer thread on `file`, `len` bytes long, the journal of `dir`.
    pub fn start<F: JournalFile>(file: F, len: u64, dir: &Path) -> io::Result<Writer> {
        let (sender, receiver) = mpsc::channel();
        let broken = Arc::new(OnceLock::new());
        let mut group = GroupCommit {
            file,
            len,
            dir: dir.to_path_buf(),
            broken: broken.clone(),
        };
        let thread = std::thread::Builder::new()
            .name("journal-writer".into())
            .spawn(move || group.run(&receiver))?;
        Ok(Writer {
            sender: Some(sender),
            thread: Some(thread),
            broken,
        })
    }

    /// The error every write gets once the journal is broken.
    pub fn refusal(&self) -> Option<WriteError> {
        self.broken.get().cloned()
    }

    /// Queues `entries`; call it in the order they are applied. The answer arrives once they
    /// are on disk, or failed to get there.
    pub fn submit(&self, entries: Vec<Entry>) -> Ack {
        let (ack, answer) = oneshot::channel();
        let job = Job { entries, ack };
        let Some(sender) = &self.sender else {
            let _ = job.ack.send(Err(stopped()));
            return answer;
        };
        if let Err(mpsc::SendError(job)) = sender.send(job) {
            let _ = job.ack.send(Err(self.refusal().unwrap_or_else(stopped)));
        }
        answer
    }
}

fn stopped() -> WriteError {
    "the state journal's writer has stopped".into()
}

impl Drop for Writer {
    /// Lets the writer finish what is queued, then joins it.
    fn drop(&mut self) {
        self.sender.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The writer thread's side: the file and the length of its last good group.
struct GroupCommit<F> {
    file: F,
    len: u64,
    dir: PathBuf,
    broken: Arc<OnceLock<WriteError>>,
}

impl<F: JournalFile> GroupCommit<F> {
    fn run(&mut self, receiver: &mpsc::Receiver<Job>) {
        while let Ok(first) = receiver.recv() {
            let mut jobs = vec![first];
            jobs.extend(receiver.try_iter());
            let result = self.commit(&jobs);
            for job in jobs {
                let _ = job.ack.send(result.clone());
            }
        }
    }

    /// Writes every job's frames and syncs once; on failure cuts the file back to its last good
    /// length, or marks the journal broken if that fails too.
    fn commit(&mut self, jobs: &[Job]) -> Result<(), WriteError> {
        if let Some(refusal) = self.broken.get() {
            return Err(refusal.clone());
        }
        let error = match self.write(jobs) {
            Ok(written) => {
                self.len += written;
                return Ok(());
            }
            Err(error) => error,
        };
        let dir = self.dir.display();
        match self.file.truncate(self.len) {
            Ok(()) => Err(format!(
                "cannot write the state journal in {dir}: {error} (the change may be lost on restart)"
            )
            .into()),
            Err(cut) => {
                let refusal: WriteError = format!(
                    "the state journal in {dir} refuses every write: writing failed ({error}) and cutting it back to its last good length ({} bytes) failed too ({cut}); restart the emulator to replay what is on disk",
                    self.len
                )
                .into();
                Err(self.broken.get_or_init(|| refusal).clone())
            }
        }
    }

    /// Appends the frames of every job and syncs; returns the bytes written.
    fn write(&mut self, jobs: &[Job]) -> io::Result<u64> {
        let mut written = 0u64;
        let mut buf = Vec::new();
        for entry in jobs.iter().flat_map(|job| &job.entries) {
            journal::encode_head(entry, &mut buf);
            if entry.payload.len() >= DIRECT_PAYLOAD_BYTES {
                self.file.append(&buf)?;
                self.file.append(&entry.payload)?;
                written += (buf.len() + entry.payload.len()) as u64;
                buf.clear();
            } else {
                buf.extend_from_slice(&entry.payload);
            }
        }
        if !buf.is_empty() {
            self.file.append(&buf)?;
            written += buf.len() as u64;
        }
        self.file.sync()?;
        Ok(written)
    }
}

tokio::task_local! {
    /// The acknowledgements a request is waiting for.
    static PENDING: RefCell<Vec<Ack>>;
}

/// Makes the request being served wait for `ack` before it is answered (see [`acknowledged`]).
/// Outside a request (a detached task) nobody waits: the write still happens.
pub fn wait_for(ack: Ack) {
    let _ = PENDING.try_with(|pending| pending.borrow_mut().push(ack));
}

/// Runs `request`, then waits until every journal write it made is on disk. An error means at
/// least one of them is not: the request must be answered with a server error.
pub async fn acknowledged<T>(request: impl Future<Output = T>) -> Result<T, WriteError> {
    PENDING
        .scope(RefCell::new(Vec::new()), async {
            let answer = request.await;
            let pending = PENDING.with(|pending| std::mem::take(&mut *pending.borrow_mut()));
            for ack in pending {
                ack.await.unwrap_or_else(|_| Err(stopped()))?;
            }
            Ok(answer)
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::record::Record;
    use std::sync::Mutex;

    /// A journal file that fails on demand: the next append after `fail_append_after` bytes
    /// writes only part of its data, then errors, like a full disk.
    struct Faulty {
        file: File,
        faults: Arc<Mutex<Faults>>,
    }

    #[derive(Default)]
    struct Faults {
        /// Bytes appended before the next append fails half-way.
        fail_append_after: Option<usize>,
        fail_sync: bool,
        fail_truncate: bool,
        syncs: usize,
    }

    impl JournalFile for Faulty {
        fn append(&mut self, data: &[u8]) -> io::Result<()> {
            let mut faults = self.faults.lock().unwrap();
            if let Some(left) = faults.fail_append_after.as_mut() {
                if data.len() > *left {
                    let torn = *left + (data.len() - *left) / 2;
                    self.file.write_all(&data[..torn])?;
                    return Err(io::Error::other("injected: no space left on device"));
                }
                *left -= data.len();
            }
            self.file.write_all(data)
        }

        fn sync(&mut self) -> io::Result<()> {
            let mut faults = self.faults.lock().unwrap();
            faults.syncs += 1;
            if faults.fail_sync {
                return Err(io::Error::other("injected: fsync failed"));
            }
            self.file.sync_data()
        }

        fn truncate(&mut self, len: u64) -> io::Result<()> {
            if self.faults.lock().unwrap().fail_truncate {
                return Err(io::Error::other("injected: truncate failed"));
            }
            self.file.truncate(len)
        }
    }

    fn entry(key: &str, payload: usize) -> Entry {
        Entry::with_payload(
            Record::ObjectDeleted {
                account: "a".into(),
                bucket: "b".into(),
                key: key.into(),
            },
            bytes::Bytes::from(vec![b'x'; payload]),
        )
    }

    fn keys(entries: &[Entry]) -> Vec<String> {
        entries
            .iter()
            .map(|e| match &e.record {
                Record::ObjectDeleted { key, .. } => key.clone(),
                _ => String::new(),
            })
            .collect()
    }

    /// A journal in a temp dir written through a faulty file, and its fault switches.
    fn faulty_journal() -> (tempfile::TempDir, Writer, Arc<Mutex<Faults>>) {
        let dir = tempfile::tempdir().unwrap();
        let journal = journal::Journal::rewrite(dir.path(), &[]).unwrap();
        let (file, len) = journal.into_parts();
        let faults = Arc::new(Mutex::new(Faults::default()));
        let faulty = Faulty {
            file,
            faults: faults.clone(),
        };
        let writer = Writer::start(faulty, len, dir.path()).unwrap();
        (dir, writer, faults)
    }

    fn submit(writer: &Writer, key: &str, payload: usize) -> Result<(), WriteError> {
        writer
            .submit(vec![entry(key, payload)])
            .blocking_recv()
            .unwrap()
    }

    #[test]
    fn a_failed_write_is_cut_back_and_the_journal_replays_cleanly() {
        let (dir, writer, faults) = faulty_journal();
        submit(&writer, "before", 10).unwrap();
        // A write torn half-way (small frame copied into the group's buffer, then a large one
        // written directly), then one whose fsync fails.
        faults.lock().unwrap().fail_append_after = Some(40);
        let err = submit(&writer, "torn-small", 100).unwrap_err();
        assert!(err.contains(&dir.path().display().to_string()), "{err}");
        let err = submit(&writer, "torn-large", 2 * DIRECT_PAYLOAD_BYTES).unwrap_err();
        assert!(err.contains("no space left"), "{err}");
        faults.lock().unwrap().fail_append_after = None;
        faults.lock().unwrap().fail_sync = true;
        assert!(submit(&writer, "unsynced", 10).is_err());
        faults.lock().unwrap().fail_sync = false;
        submit(&writer, "after", 10).unwrap();
        drop(writer);
        let (entries, recovery) = journal::read_dir(dir.path(), false).unwrap();
        assert_eq!(keys(&entries), ["before", "after"]);
        assert!(recovery.torn_tail.is_none() && recovery.corrupt.is_none());
    }

    #[test]
    fn a_failed_cut_refuses_every_later_write_naming_the_directory() {
        let (dir, writer, faults) = faulty_journal();
        submit(&writer, "kept", 10).unwrap();
        {
            let mut faults = faults.lock().unwrap();
            faults.fail_sync = true;
            faults.fail_truncate = true;
        }
        let first = submit(&writer, "lost", 10).unwrap_err();
        assert!(first.contains("refuses every write"), "{first}");
        faults.lock().unwrap().fail_sync = false;
        faults.lock().unwrap().fail_truncate = false;
        let later = submit(&writer, "refused", 10).unwrap_err();
        assert_eq!(later, first);
        assert!(later.contains(&dir.path().display().to_string()));
        assert_eq!(writer.refusal().as_deref(), Some(&*first));
        let syncs = faults.lock().unwrap().syncs;
        assert_eq!(syncs, 2, "a refused write never reaches the file");
        drop(writer);
        // The uncut frame of the failed group may follow the good ones (never acknowledged):
        // replay keeps every acknowledged record.
        let (entries, _) = journal::read_dir(dir.path(), false).unwrap();
        assert_eq!(keys(&entries)[0], "kept");
    }

    #[test]
    fn concurrent_submissions_share_fsyncs_and_keep_their_order() {
        let (dir, writer, faults) = faulty_journal();
        let writer = Arc::new(writer);
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let writer = writer.clone();
                std::thread::spawn(move || {
                    for n in 0..50 {
                        submit(&writer, &format!("t{t}-{n}"), 100).unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let syncs = faults.lock().unwrap().syncs;
        assert!(syncs <= 400, "{syncs} fsyncs for 400 writes");
        drop(writer);
        let (entries, _) = journal::read_dir(dir.path(), false).unwrap();
        let keys = keys(&entries);
        assert_eq!(keys.len(), 400);
        for t in 0..8 {
            let mine: Vec<_> = keys
                .iter()
                .filter(|k| k.starts_with(&format!("t{t}-")))
                .cloned()
                .collect();
            let expected: Vec<_> = (0..50).map(|n| format!("t{t}-{n}")).collect();
            assert_eq!(mine, expected);
        }
    }

    #[tokio::test]
    async fn a_request_waits_for_every_write_it_made() {
        let (_dir, writer, faults) = faulty_journal();
        let answer = acknowledged(async {
            wait_for(writer.submit(vec![entry("one", 1)]));
            wait_for(writer.submit(vec![entry("two", 1)]));
            "answer"
        })
        .await;
        assert_eq!(answer.unwrap(), "answer");
        faults.lock().unwrap().fail_sync = true;
        let answer = acknowledged(async {
            wait_for(writer.submit(vec![entry("three", 1)]));
            "answer"
        })
        .await;
        assert!(answer.is_err());
        // Outside a request nobody waits, and nothing breaks.
        wait_for(writer.submit(vec![entry("four", 1)]));
    }
}
