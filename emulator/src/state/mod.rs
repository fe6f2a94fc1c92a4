//! The emulator's state: one in-memory store per service, changed only through [`Record`]s, which
//! are first appended to the journal when `--state-dir` is set.
pub mod docs;
pub mod dynamodb;
pub mod journal;
pub mod record;
pub mod s3;
pub mod sqs;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use self::docs::DocStore;
use self::dynamodb::DynamoStore;
use self::journal::{Journal, Recovery};
use self::record::Entry;
use self::s3::S3Store;
use self::sqs::SqsStore;
use crate::error::{ApiError, EmulatorError};

/// A store that changes only by applying journal entries.
pub trait Apply {
    fn apply(&mut self, entry: &Entry);
}

/// Every service's store, plus the journal that makes changes durable.
pub struct State {
    pub s3: Mutex<S3Store>,
    pub sqs: Mutex<SqsStore>,
    pub dynamodb: Mutex<DynamoStore>,
    pub docs: Mutex<DocStore>,
    journal: Option<Mutex<Journal>>,
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
        let journal = Journal::rewrite(dir, &snapshot)?;
        let state = State {
            s3: Mutex::new(s3),
            sqs: Mutex::new(sqs),
            dynamodb: Mutex::new(dynamodb),
            docs: Mutex::new(docs),
            journal: Some(Mutex::new(journal)),
        };
        Ok((state, recovery))
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

    fn commit<S: Apply, T>(
        &self,
        store: &Mutex<S>,
        decide: impl FnOnce(&S) -> Result<(Vec<Entry>, T), ApiError>,
    ) -> Result<T, ApiError> {
        // Journal lock first, then the store: the journal's order is the order of application.
        let mut journal = self.journal.as_ref().map(lock);
        let mut store = lock(store);
        let (entries, result) = decide(&store)?;
        if let Some(journal) = journal.as_mut() {
            journal.append(&entries).map_err(|e| {
                ApiError::new(
                    500,
                    "InternalError",
                    format!("cannot write the state journal: {e}"),
                )
            })?;
        }
        for entry in &entries {
            store.apply(entry);
        }
        Ok(result)
    }
}

/// Locks a mutex, recovering the data if a panicking thread poisoned it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
