//! The emulator's state: one in-memory store per service, changed only through [`Record`]s, which
//! are also queued for the journal's writer thread when `--state-dir` is set; the request is
//! answered once they are on disk (see `writer.rs`).
pub mod docs;
pub mod dynamodb;
pub mod journal;
pub mod record;
pub mod s3;
pub mod s3_versions;
pub mod sqs;
pub mod writer;

use std::future::Future;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use self::docs::DocStore;
use self::dynamodb::DynamoStore;
use self::journal::{Journal, Recovery};
use self::record::{Entry, Record};
use self::s3::S3Store;
use self::sqs::SqsStore;
use self::writer::{WriteError, Writer};
use crate::error::{ApiError, EmulatorError};

/// A store that changes only by applying journal entries.
pub trait Apply {
    fn apply(&mut self, entry: &Entry);
}

/// Every service's store, plus the journal's writer that makes changes durable.
pub struct State {
    pub s3: Mutex<S3Store>,
    pub sqs: Mutex<SqsStore>,
    pub dynamodb: Mutex<DynamoStore>,
    pub docs: Mutex<DocStore>,
    journal: Option<Writer>,
}

impl State {
    /// Empty state kept in memory only.
    pub fn in_memory() -> State {
        State {
            s3: Mutex::new(S3Store::default()),
            sqs: Mutex::new(SqsStore::default()),
            dynamodb: Mutex::new(DynamoStore::default()),
            docs: Mutex::new(DocStore::default()),
            journal: None,
        }
    }

    /// State replayed from `dir`'s journal, which is then compacted and kept open for appends.
    /// `recover` starts from what can be read of a corrupt journal (moved aside first).
    pub fn open(dir: &Path, recover: bool) -> Result<(State, Recovery), EmulatorError> {
        let (entries, recovery) = journal::read_dir(dir, recover)?;
        let mut s3 = S3Store::default();
        let mut sqs = SqsStore::default();
        let mut dynamodb = DynamoStore::default();
        let mut docs = DocStore::default();
        for entry in &entries {
            s3.apply(entry);
            sqs.apply(entry);
            dynamodb.apply(entry);
            docs.apply(entry);
        }
        let mut snapshot = s3.snapshot();
        snapshot.extend(sqs.snapshot());
        snapshot.extend(dynamodb.snapshot());
        snapshot.extend(docs.snapshot());
        let (file, len) = Journal::rewrite(dir, &snapshot)?.into_parts();
        let journal = Writer::start(file, len, dir).map_err(|source| EmulatorError::StateIo {
            path: dir.to_path_buf(),
            source,
        })?;
        let state = State {
            s3: Mutex::new(s3),
            sqs: Mutex::new(sqs),
            dynamodb: Mutex::new(dynamodb),
            docs: Mutex::new(docs),
            journal: Some(journal),
        };
        Ok((state, recovery))
    }

    /// Whether changes are journaled (`--state-dir`).
    pub fn persists(&self) -> bool {
        self.journal.is_some()
    }

    /// Runs a request's handling, then waits until every change it committed is on disk; an
    /// error (500 `InternalError`) if one of them is not. Without a journal, just runs it.
    pub async fn acknowledged<T>(&self, request: impl Future<Output = T>) -> Result<T, ApiError> {
        if self.journal.is_none() {
            return Ok(request.await);
        }
        writer::acknowledged(request).await.map_err(journal_error)
    }

    /// Locks the S3 store for reading.
    pub fn s3(&self) -> MutexGuard<'_, S3Store> {
        lock(&self.s3)
    }

    /// Locks the SQS store for reading or for changes that are not persisted (visibility).
    pub fn sqs(&self) -> MutexGuard<'_, SqsStore> {
        lock(&self.sqs)
    }

    /// Runs `decide` on the S3 store; the entries it returns are journaled, then applied.
    pub fn commit_s3<T>(
        &self,
        decide: impl FnOnce(&S3Store) -> Result<(Vec<Entry>, T), ApiError>,
    ) -> Result<T, ApiError> {
        self.commit(&self.s3, decide)
    }

    /// Runs `decide` on the SQS store; the entries it returns are journaled, then applied.
    pub fn commit_sqs<T>(
        &self,
        decide: impl FnOnce(&SqsStore) -> Result<(Vec<Entry>, T), ApiError>,
    ) -> Result<T, ApiError> {
        self.commit(&self.sqs, decide)
    }

    /// Runs `decide` on the DynamoDB store; the entries it returns are journaled, then applied.
    pub fn commit_dynamodb<T>(
        &self,
        decide: impl FnOnce(&DynamoStore) -> Result<(Vec<Entry>, T), ApiError>,
    ) -> Result<T, ApiError> {
        self.commit(&self.dynamodb, decide)
    }

    /// Locks the DynamoDB store for reading.
    pub fn dynamodb(&self) -> MutexGuard<'_, DynamoStore> {
        lock(&self.dynamodb)
    }

    /// Runs `decide` on the document store; the entries it returns are journaled, then applied.
    pub fn commit_docs<T>(
        &self,
        decide: impl FnOnce(&DocStore) -> Result<(Vec<Entry>, T), ApiError>,
    ) -> Result<T, ApiError> {
        self.commit(&self.docs, decide)
    }

    /// Locks the document store for reading.
    pub fn docs(&self) -> MutexGuard<'_, DocStore> {
        lock(&self.docs)
    }

    /// Forgets everything `service` holds in every account and region, or every service's state
    /// with `None`. Durable like any change: a [`Record::Reset`] per service is journaled, so a
    /// restart replays the reset too. A service without state (STS) has nothing to forget.
    pub fn reset(&self, service: Option<&str>) -> Result<(), ApiError> {
        let wanted = |name: &str| service.is_none_or(|s| s == name);
        if wanted("s3") {
            self.commit_s3(|store| Ok((reset_entry_if(!store.accounts.is_empty(), "s3"), ())))?;
        }
        if wanted("sqs") {
            self.commit_sqs(|store| Ok((reset_entry_if(!store.regions.is_empty(), "sqs"), ())))?;
        }
        if wanted("dynamodb") {
            self.commit_dynamodb(|store| {
                Ok((reset_entry_if(!store.regions.is_empty(), "dynamodb"), ()))
            })?;
        }
        self.commit_docs(|store| {
            let entries = store
                .services()
                .into_iter()
                .filter(|name| wanted(name))
                .map(|name| Entry::new(Record::Reset { service: name }))
                .collect();
            Ok((entries, ()))
        })
    }

    /// Decides and applies a change under the store's lock and, with a journal, queues its
    /// entries for the writer under the same lock, so that the journal's order is the order of
    /// application. The request being served waits for the write before it is answered
    /// ([`State::acknowledged`]); other requests may see the change before it is on disk.
    fn commit<S: Apply, T>(
        &self,
        store: &Mutex<S>,
        decide: impl FnOnce(&S) -> Result<(Vec<Entry>, T), ApiError>,
    ) -> Result<T, ApiError> {
        if let Some(refusal) = self.journal.as_ref().and_then(Writer::refusal) {
            return Err(journal_error(refusal));
        }
        let mut store = lock(store);
        let (entries, result) = decide(&store)?;
        if entries.is_empty() {
            return Ok(result);
        }
        for entry in &entries {
            store.apply(entry);
        }
        if let Some(journal) = &self.journal {
            let ack = journal.submit(entries);
            drop(store);
            writer::wait_for(ack);
        }
        Ok(result)
    }
}

/// The reset record of `service` when its store holds anything, else nothing to journal.
fn reset_entry_if(holds_state: bool, service: &str) -> Vec<Entry> {
    if !holds_state {
        return Vec::new();
    }
    vec![Entry::new(Record::Reset {
        service: service.to_string(),
    })]
}

/// The answer to a request whose change is not on disk.
fn journal_error(error: WriteError) -> ApiError {
    ApiError::new(500, "InternalError", error.to_string())
}

/// Locks a mutex, recovering the data if a panicking thread poisoned it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
