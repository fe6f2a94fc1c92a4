//! A store of JSON documents for the smaller services (SNS, SSM, Secrets Manager, Lambda): each
//! document is named by service, account, region, kind and name, and journaled whole, with an
//! optional binary part (a Lambda function's zip) as the record's payload.
use std::collections::BTreeMap;

use bytes::Bytes;
use serde_json::Value;

use super::record::{Entry, Record};
use super::Apply;

/// Where a document lives: (service, account, region, kind); then its name.
pub type Scope = (String, String, String, String);

#[derive(Default)]
pub struct DocStore {
    pub docs: BTreeMap<Scope, BTreeMap<String, Value>>,
    /// The binary parts of the documents that have one, shared (not copied) by readers.
    blobs: BTreeMap<Scope, BTreeMap<String, Bytes>>,
}

/// The scope of documents of one kind for a caller.
pub fn scope(service: &str, account: &str, region: &str, kind: &str) -> Scope {
    (
        service.to_string(),
        account.to_string(),
        region.to_string(),
        kind.to_string(),
    )
}

impl DocStore {
    /// Every document of one kind, by name.
    pub fn all(&self, scope: &Scope) -> Option<&BTreeMap<String, Value>> {
        self.docs.get(scope)
    }

    pub fn get(&self, scope: &Scope, name: &str) -> Option<&Value> {
        self.docs.get(scope)?.get(name)
    }

    /// The binary part of document `name`, if it has one.
    pub fn blob(&self, scope: &Scope, name: &str) -> Option<&Bytes> {
        self.blobs.get(scope)?.get(name)
    }

    /// The services that have at least one document.
    pub fn services(&self) -> std::collections::BTreeSet<String> {
        self.docs.keys().map(|scope| scope.0.clone()).collect()
    }

    /// Entries that recreate every document.
    pub fn snapshot(&self) -> Vec<Entry> {
        let mut entries = Vec::new();
        for (scope, docs) in &self.docs {
            for (name, doc) in docs {
                let blob = self.blob(scope, name).cloned().unwrap_or_default();
                entries.push(put_with_blob(scope, name, doc.clone(), blob));
            }
        }
        entries
    }
}

/// The entry that stores `doc` under `name`, without a binary part.
pub fn put(scope: &Scope, name: &str, doc: Value) -> Entry {
    put_with_blob(scope, name, doc, Bytes::new())
}

/// The entry that stores `doc` and its binary part `blob` (the record's payload) under `name`;
/// an empty `blob` means none.
pub fn put_with_blob(scope: &Scope, name: &str, doc: Value, blob: Bytes) -> Entry {
    Entry::with_payload(
        Record::DocPut {
            service: scope.0.clone(),
            account: scope.1.clone(),
            region: scope.2.clone(),
            kind: scope.3.clone(),
            name: name.to_string(),
            doc,
        },
        blob,
    )
}

/// The entry that removes the document `name`.
pub fn delete(scope: &Scope, name: &str) -> Entry {
    Entry::new(Record::DocDeleted {
        service: scope.0.clone(),
        account: scope.1.clone(),
        region: scope.2.clone(),
        kind: scope.3.clone(),
        name: name.to_string(),
    })
}

impl Apply for DocStore {
    fn apply(&mut self, entry: &Entry) {
        match &entry.record {
            Record::DocPut {
                service,
                account,
                region,
                kind,
                name,
                doc,
            } => {
                let scope = scope(service, account, region, kind);
                if entry.payload.is_empty() {
                    if let Some(blobs) = self.blobs.get_mut(&scope) {
                        blobs.remove(name);
                    }
                } else {
                    self.blobs
                        .entry(scope.clone())
                        .or_default()
                        .insert(name.clone(), entry.payload.clone());
                }
                self.docs
                    .entry(scope)
                    .or_default()
                    .insert(name.clone(), doc.clone());
            }
            Record::DocDeleted {
                service,
                account,
                region,
                kind,
                name,
            } => {
                let scope = scope(service, account, region, kind);
                if let Some(docs) = self.docs.get_mut(&scope) {
                    docs.remove(name);
                }
                if let Some(blobs) = self.blobs.get_mut(&scope) {
                    blobs.remove(name);
                }
            }
            Record::Reset { service } => {
                self.docs.retain(|scope, _| &scope.0 != service);
                self.blobs.retain(|scope, _| &scope.0 != service);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blob_is_the_payload_shared_and_snapshotted_and_goes_with_its_document() {
        let mut store = DocStore::default();
        let scope = scope("lambda", "a", "r", "function");
        let zip = Bytes::from(vec![1u8, 2, 3]);
        store.apply(&put_with_blob(
            &scope,
            "f",
            serde_json::json!({"n": 1}),
            zip.clone(),
        ));
        let stored = store.blob(&scope, "f").unwrap();
        assert_eq!(stored.as_ptr(), zip.as_ptr(), "shared, not copied");
        let snapshot = store.snapshot();
        assert_eq!(snapshot[0].payload, zip);
        store.apply(&put(&scope, "f", serde_json::json!({"n": 2})));
        assert!(store.blob(&scope, "f").is_none());
        store.apply(&snapshot[0]);
        store.apply(&delete(&scope, "f"));
        assert!(store.blob(&scope, "f").is_none() && store.get(&scope, "f").is_none());
    }

    #[test]
    fn a_reset_forgets_one_service_and_keeps_the_others() {
        let mut store = DocStore::default();
        let sns = scope("sns", "a", "r", "topic");
        let ssm = scope("ssm", "a", "r", "parameter");
        store.apply(&put(&sns, "t", serde_json::json!({})));
        store.apply(&put_with_blob(
            &ssm,
            "p",
            serde_json::json!({}),
            Bytes::from_static(b"z"),
        ));
        store.apply(&Entry::new(Record::Reset {
            service: "ssm".to_string(),
        }));
        assert!(store.get(&ssm, "p").is_none() && store.blob(&ssm, "p").is_none());
        assert!(store.get(&sns, "t").is_some());
        assert_eq!(store.services().into_iter().collect::<Vec<_>>(), ["sns"]);
    }
}
