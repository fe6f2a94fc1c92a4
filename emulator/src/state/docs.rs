//! A store of JSON documents for the smaller services (SNS, SSM, Secrets Manager, Lambda): each
//! document is named by service, account, region, kind and name, and journaled whole.
use std::collections::BTreeMap;

use serde_json::Value;

use super::record::{Entry, Record};
use super::Apply;

/// Where a document lives: (service, account, region, kind); then its name.
pub type Scope = (String, String, String, String);

#[derive(Default)]
pub struct DocStore {
    pub docs: BTreeMap<Scope, BTreeMap<String, Value>>,
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

    /// Entries that recreate every document.
    pub fn snapshot(&self) -> Vec<Entry> {
        let mut entries = Vec::new();
        for (scope, docs) in &self.docs {
            for (name, doc) in docs {
                entries.push(put(scope, name, doc.clone()));
            }
        }
        entries
    }
}

/// The entry that stores `doc` under `name`.
pub fn put(scope: &Scope, name: &str, doc: Value) -> Entry {
    Entry::new(Record::DocPut {
        service: scope.0.clone(),
        account: scope.1.clone(),
        region: scope.2.clone(),
        kind: scope.3.clone(),
        name: name.to_string(),
        doc,
    })
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
                self.docs
                    .entry(scope(service, account, region, kind))
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
            }
            _ => {}
        }
    }
}
