//! The versions a bucket keeps per key (S3 user guide, "Using versioning in S3 buckets"): the
//! latest object in `Bucket::objects`, older versions and delete markers in
//! `Bucket::noncurrent`, newest first. A write replaces the version with the same id (the
//! `null` version in a bucket that never had versioning or has it suspended) and keeps the others.
use super::record::{Entry, Record};
use super::s3::{Bucket, Object};

/// The version id of an object written while versioning was not enabled.
pub const NULL_VERSION: &str = "null";

/// One version of a key: an object, or a delete marker. Not boxed: most kept versions are
/// objects, and boxing them would add an allocation to each for the rarer markers' sake.
#[derive(Clone)]
#[allow(clippy::large_enum_variant)]
pub enum Version {
    Object(Object),
    Marker { id: String, modified_ms: i64 },
}

impl Version {
    pub fn id(&self) -> &str {
        match self {
            Version::Object(object) => object_version_id(object),
            Version::Marker { id, .. } => id,
        }
    }

    pub fn modified_ms(&self) -> i64 {
        match self {
            Version::Object(object) => object.meta.last_modified_ms,
            Version::Marker { modified_ms, .. } => *modified_ms,
        }
    }
}

/// An object's version id (`null` when it was written without versioning enabled).
pub fn object_version_id(object: &Object) -> &str {
    object.meta.version_id.as_deref().unwrap_or(NULL_VERSION)
}

/// A version found by key and id, borrowed from the bucket.
pub enum Found<'a> {
    Object(&'a Object),
    Marker(&'a str),
}

impl Bucket {
    /// The versioning status configured on the bucket (`Enabled`, `Suspended`), if any.
    pub fn versioning(&self) -> Option<&str> {
        self.config.get("versioning")?.get("Status")?.as_str()
    }

    /// Whether the bucket holds no object, version or delete marker.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty() && self.noncurrent.is_empty()
    }

    /// The latest version of a key, marker or object.
    pub fn latest(&self, key: &str) -> Option<Found<'_>> {
        if let Some(object) = self.objects.get(key) {
            return Some(Found::Object(object));
        }
        self.noncurrent.get(key)?.first().map(found)
    }

    /// The version of a key with this id.
    pub fn version(&self, key: &str, id: &str) -> Option<Found<'_>> {
        if let Some(object) = self.objects.get(key) {
            if object_version_id(object) == id {
                return Some(Found::Object(object));
            }
        }
        self.noncurrent
            .get(key)?
            .iter()
            .find(|v| v.id() == id)
            .map(found)
    }

    /// Every version of a key, newest first.
    pub fn versions_of<'a>(&'a self, key: &str) -> Vec<Found<'a>> {
        let current = self.objects.get(key).map(Found::Object);
        let older = self.noncurrent.get(key).into_iter().flatten().map(found);
        current.into_iter().chain(older).collect()
    }

    /// Makes `version` the key's latest: the version it displaces is kept, the one with the same
    /// id (if any) is replaced.
    pub fn put_version(&mut self, key: &str, version: Version) {
        let id = version.id().to_string();
        let mut older = self.noncurrent.remove(key).unwrap_or_default();
        older.retain(|v| v.id() != id);
        let displaced = self.objects.remove(key);
        if let Some(previous) = displaced.filter(|o| object_version_id(o) != id) {
            older.insert(0, Version::Object(previous));
        }
        match version {
            Version::Object(object) => {
                self.objects.insert(key.to_string(), object);
            }
            marker @ Version::Marker { .. } => older.insert(0, marker),
        }
        if !older.is_empty() {
            self.noncurrent.insert(key.to_string(), older);
        }
    }

    /// Removes one version of a key; when it was the latest, the next one becomes the latest.
    pub fn delete_version(&mut self, key: &str, id: &str) {
        if self
            .objects
            .get(key)
            .is_some_and(|o| object_version_id(o) == id)
        {
            self.objects.remove(key);
        } else if let Some(older) = self.noncurrent.get_mut(key) {
            older.retain(|v| v.id() != id);
        }
        self.promote(key);
    }

    /// With no current object, an object at the head of the older versions becomes current.
    fn promote(&mut self, key: &str) {
        let Some(older) = self.noncurrent.get_mut(key) else {
            return;
        };
        if !self.objects.contains_key(key) && matches!(older.first(), Some(Version::Object(_))) {
            if let Version::Object(object) = older.remove(0) {
                self.objects.insert(key.to_string(), object);
            }
        }
        if older.is_empty() {
            self.noncurrent.remove(key);
        }
    }

    /// Replaces the metadata of the version `meta.version_id` names.
    pub fn set_meta(&mut self, key: &str, meta: &super::s3::ObjectMeta) {
        let id = meta.version_id.as_deref().unwrap_or(NULL_VERSION);
        if let Some(object) = self.objects.get_mut(key) {
            if object_version_id(object) == id {
                object.meta = meta.clone();
                return;
            }
        }
        let older = self.noncurrent.get_mut(key).into_iter().flatten();
        for version in older {
            if let Version::Object(object) = version {
                if object_version_id(object) == id {
                    object.meta = meta.clone();
                }
            }
        }
    }
}

fn found(version: &Version) -> Found<'_> {
    match version {
        Version::Object(object) => Found::Object(object),
        Version::Marker { id, .. } => Found::Marker(id),
    }
}

/// Entries that recreate every version of a bucket's keys, oldest first per key (replaying
/// them through `put_version` rebuilds the same order). Bodies are shared, not copied.
pub fn snapshot_versions(account: &str, name: &str, bucket: &Bucket, entries: &mut Vec<Entry>) {
    let keys = bucket.objects.keys().chain(bucket.noncurrent.keys());
    let keys: std::collections::BTreeSet<&String> = keys.collect();
    for key in keys {
        let older = bucket.noncurrent.get(key).into_iter().flatten().rev();
        let current = bucket.objects.get(key).cloned().map(Version::Object);
        for version in older.cloned().chain(current) {
            entries.push(version_entry(account, name, key, version));
        }
    }
}

fn version_entry(account: &str, bucket: &str, key: &str, version: Version) -> Entry {
    match version {
        Version::Object(object) => {
            let record = Record::ObjectPut {
                account: account.into(),
                bucket: bucket.into(),
                key: key.into(),
                meta: object.meta,
            };
            Entry::with_payload(record, object.body)
        }
        Version::Marker { id, modified_ms } => Entry::new(Record::DeleteMarkerPut {
            account: account.into(),
            bucket: bucket.into(),
            key: key.into(),
            version_id: id,
            modified_ms,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::super::s3::{ObjectMeta, S3Store};
    use super::super::Apply;
    use super::*;
    use bytes::Bytes;

    fn put(store: &mut S3Store, version: Option<&str>, body: &'static [u8]) {
        let meta = ObjectMeta {
            version_id: version.map(str::to_string),
            ..ObjectMeta::default()
        };
        let record = Record::ObjectPut {
            account: "a".into(),
            bucket: "b".into(),
            key: "k".into(),
            meta,
        };
        store.apply(&Entry::with_payload(record, Bytes::from_static(body)));
    }

    fn ids(store: &S3Store) -> Vec<String> {
        let bucket = store.bucket("a", "b").unwrap();
        let versions = bucket.versions_of("k");
        versions
            .iter()
            .map(|v| match v {
                Found::Object(o) => object_version_id(o).to_string(),
                Found::Marker(id) => format!("marker {id}"),
            })
            .collect()
    }

    fn store() -> S3Store {
        let mut store = S3Store::default();
        store.apply(&Entry::new(Record::BucketCreated {
            account: "a".into(),
            bucket: "b".into(),
            region: "us-east-1".into(),
            created_ms: 1,
        }));
        store
    }

    #[test]
    fn versions_are_kept_replaced_by_id_and_promoted() {
        let mut live = store();
        put(&mut live, None, b"0");
        put(&mut live, Some("v1"), b"1");
        put(&mut live, Some("v2"), b"2");
        live.apply(&Entry::new(Record::DeleteMarkerPut {
            account: "a".into(),
            bucket: "b".into(),
            key: "k".into(),
            version_id: "m1".into(),
            modified_ms: 5,
        }));
        assert_eq!(ids(&live), ["marker m1", "v2", "v1", "null"]);
        assert!(live.bucket("a", "b").unwrap().objects.is_empty());
        // Suspended: the null version is replaced and becomes the latest.
        put(&mut live, None, b"3");
        assert_eq!(ids(&live), ["null", "marker m1", "v2", "v1"]);
        let mut replayed = S3Store::default();
        for entry in live.snapshot() {
            let json = serde_json::to_string(&entry.record).unwrap();
            let record = serde_json::from_str(&json).unwrap();
            replayed.apply(&Entry::with_payload(record, entry.payload.clone()));
        }
        assert_eq!(ids(&replayed), ids(&live));
        for id in ["null", "m1"] {
            live.apply(&Entry::new(Record::VersionDeleted {
                account: "a".into(),
                bucket: "b".into(),
                key: "k".into(),
                version_id: id.into(),
            }));
        }
        assert_eq!(ids(&live), ["v2", "v1"]);
        let bucket = live.bucket("a", "b").unwrap();
        assert_eq!(&bucket.objects["k"].body[..], b"2", "v2 is current again");
    }
}
