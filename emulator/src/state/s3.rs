//! S3's store: buckets per account, their objects, their multipart uploads and their event
//! notification configurations.
use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::record::{Entry, Record};
use super::s3_versions::Version;
use super::Apply;

/// Everything S3 holds, by account.
#[derive(Default)]
pub struct S3Store {
    pub accounts: HashMap<String, BTreeMap<String, Bucket>>,
}

pub struct Bucket {
    pub region: String,
    pub created_ms: i64,
    /// The latest version of every key whose latest version is not a delete marker.
    pub objects: BTreeMap<String, Object>,
    /// Everything else a versioned bucket keeps per key, newest first: older versions and delete
    /// markers (see `state/s3_versions.rs`).
    pub noncurrent: BTreeMap<String, Vec<Version>>,
    pub uploads: HashMap<String, Upload>,
    pub notifications: Notifications,
    /// Subresource configurations stored as data (tagging, policy, CORS, website, ...), by
    /// name, as the model value of the configuration (see `services/s3/config.rs`).
    pub config: BTreeMap<String, serde_json::Value>,
}

/// A bucket's event notification configuration (PutBucketNotificationConfiguration), as
/// validated: every target with its generated or given id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notifications {
    pub targets: Vec<NotificationTarget>,
    /// `EventBridgeConfiguration` was present: stored and answered, nothing is sent.
    pub event_bridge: bool,
}

impl Notifications {
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty() && !self.event_bridge
    }
}

/// One queue, topic or function configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationTarget {
    pub kind: TargetKind,
    pub id: String,
    pub arn: String,
    /// Event names as configured (`s3:ObjectCreated:*`).
    pub events: Vec<String>,
    pub prefix: Option<String>,
    pub suffix: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TargetKind {
    Queue,
    Topic,
    Function,
}

#[derive(Clone)]
pub struct Object {
    pub meta: ObjectMeta,
    pub body: Bytes,
}

/// What S3 keeps about an object besides its bytes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ObjectMeta {
    /// Quoted, as sent in the `ETag` header.
    pub etag: String,
    pub last_modified_ms: i64,
    pub content_type: Option<String>,
    /// `x-amz-meta-*` values, by lower-case name without the prefix.
    pub metadata: BTreeMap<String, String>,
    /// Stored representation headers (`content-encoding`, `cache-control`, ...).
    pub headers: BTreeMap<String, String>,
    /// Object tags in the order they were given (`x-amz-tagging`, PutObjectTagging).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<(String, String)>,
    /// The object's access control list (owner and grants) when one was set; `None` is the
    /// default private ACL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl: Option<serde_json::Value>,
    /// The additional checksum sent with the object (or, on an upload, the algorithm and type
    /// its parts use, with an empty value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<StoredChecksum>,
    /// The sizes of the parts of an object assembled by a multipart upload, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub part_sizes: Vec<u64>,
    /// The multipart upload that created the object (a repeated CompleteMultipartUpload of it
    /// answers the same).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_id: Option<String>,
    /// The version id issued when the object was written in a bucket with versioning enabled;
    /// `None` is the `null` version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
}

/// An `x-amz-checksum-*` value: algorithm (`CRC32`, ...), base64 value (`…-N` when composite)
/// and type (`FULL_OBJECT` or `COMPOSITE`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredChecksum {
    pub algorithm: String,
    pub value: String,
    pub kind: String,
}

pub struct Upload {
    pub key: String,
    pub meta: ObjectMeta,
    pub parts: BTreeMap<u32, Part>,
}

pub struct Part {
    pub etag: String,
    pub modified_ms: i64,
    /// The part's base64 checksum in its upload's algorithm, if it has one.
    pub checksum: Option<String>,
    pub body: Bytes,
}

impl S3Store {
    pub fn bucket(&self, account: &str, name: &str) -> Option<&Bucket> {
        self.accounts.get(account)?.get(name)
    }

    /// The account that owns a bucket of this name, if any.
    pub fn owner_of(&self, name: &str) -> Option<&str> {
        self.accounts
            .iter()
            .find(|(_, buckets)| buckets.contains_key(name))
            .map(|(account, _)| account.as_str())
    }

    fn bucket_mut(&mut self, account: &str, name: &str) -> Option<&mut Bucket> {
        self.accounts.get_mut(account)?.get_mut(name)
    }

    /// Entries that recreate the whole store.
    pub fn snapshot(&self) -> Vec<Entry> {
        let mut entries = Vec::new();
        for (account, buckets) in &self.accounts {
            for (name, bucket) in buckets {
                snapshot_bucket(account, name, bucket, &mut entries);
            }
        }
        entries
    }
}

fn snapshot_bucket(account: &str, name: &str, bucket: &Bucket, entries: &mut Vec<Entry>) {
    entries.push(Entry::new(Record::BucketCreated {
        account: account.into(),
        bucket: name.into(),
        region: bucket.region.clone(),
        created_ms: bucket.created_ms,
    }));
    if !bucket.notifications.is_empty() {
        entries.push(Entry::new(Record::BucketNotificationSet {
            account: account.into(),
            bucket: name.into(),
            notifications: bucket.notifications.clone(),
        }));
    }
    for (config, value) in &bucket.config {
        entries.push(Entry::new(Record::BucketConfigSet {
            account: account.into(),
            bucket: name.into(),
            name: config.clone(),
            value: Some(value.clone()),
        }));
    }
    super::s3_versions::snapshot_versions(account, name, bucket, entries);
    for (upload_id, upload) in &bucket.uploads {
        entries.push(Entry::new(Record::UploadCreated {
            account: account.into(),
            bucket: name.into(),
            key: upload.key.clone(),
            upload_id: upload_id.clone(),
            meta: upload.meta.clone(),
        }));
        for (number, part) in &upload.parts {
            let record = Record::PartPut {
                account: account.into(),
                bucket: name.into(),
                upload_id: upload_id.clone(),
                part_number: *number,
                etag: part.etag.clone(),
                modified_ms: part.modified_ms,
                checksum: part.checksum.clone(),
            };
            entries.push(Entry::with_payload(record, part.body.clone()));
        }
    }
}

impl Apply for S3Store {
    fn apply(&mut self, entry: &Entry) {
        match &entry.record {
            Record::BucketCreated {
                account,
                bucket,
                region,
                created_ms,
            } => {
                let bucket_state = Bucket {
                    region: region.clone(),
                    created_ms: *created_ms,
                    objects: BTreeMap::new(),
                    noncurrent: BTreeMap::new(),
                    uploads: HashMap::new(),
                    notifications: Notifications::default(),
                    config: BTreeMap::new(),
                };
                self.accounts
                    .entry(account.clone())
                    .or_default()
                    .insert(bucket.clone(), bucket_state);
            }
            Record::Reset { service } if service == "s3" => self.accounts.clear(),
            Record::BucketDeleted { account, bucket } => {
                if let Some(buckets) = self.accounts.get_mut(account) {
                    buckets.remove(bucket);
                }
            }
            Record::BucketNotificationSet {
                account,
                bucket,
                notifications,
            } => {
                if let Some(b) = self.bucket_mut(account, bucket) {
                    b.notifications = notifications.clone();
                }
            }
            Record::BucketConfigSet {
                account,
                bucket,
                name,
                value,
            } => {
                if let Some(b) = self.bucket_mut(account, bucket) {
                    match value {
                        Some(value) => b.config.insert(name.clone(), value.clone()),
                        None => b.config.remove(name),
                    };
                }
            }
            Record::ObjectMetaSet {
                account,
                bucket,
                key,
                meta,
            } => {
                if let Some(b) = self.bucket_mut(account, bucket) {
                    b.set_meta(key, meta);
                }
            }
            Record::ObjectPut {
                account,
                bucket,
                key,
                meta,
            } => {
                if let Some(b) = self.bucket_mut(account, bucket) {
                    let object = Object {
                        meta: meta.clone(),
                        body: entry.payload.clone(),
                    };
                    b.put_version(key, Version::Object(object));
                }
            }
            Record::ObjectDeleted {
                account,
                bucket,
                key,
            } => {
                if let Some(b) = self.bucket_mut(account, bucket) {
                    b.objects.remove(key);
                }
            }
            Record::DeleteMarkerPut {
                account,
                bucket,
                key,
                version_id,
                modified_ms,
            } => {
                if let Some(b) = self.bucket_mut(account, bucket) {
                    let marker = Version::Marker {
                        id: version_id.clone(),
                        modified_ms: *modified_ms,
                    };
                    b.put_version(key, marker);
                }
            }
            Record::VersionDeleted {
                account,
                bucket,
                key,
                version_id,
            } => {
                if let Some(b) = self.bucket_mut(account, bucket) {
                    b.delete_version(key, version_id);
                }
            }
            Record::UploadCreated {
                account,
                bucket,
                key,
                upload_id,
                meta,
            } => {
                if let Some(b) = self.bucket_mut(account, bucket) {
                    let upload = Upload {
                        key: key.clone(),
                        meta: meta.clone(),
                        parts: BTreeMap::new(),
                    };
                    b.uploads.insert(upload_id.clone(), upload);
                }
            }
            Record::PartPut {
                account,
                bucket,
                upload_id,
                part_number,
                etag,
                modified_ms,
                checksum,
            } => {
                let upload = self
                    .bucket_mut(account, bucket)
                    .and_then(|b| b.uploads.get_mut(upload_id));
                if let Some(upload) = upload {
                    let part = Part {
                        etag: etag.clone(),
                        modified_ms: *modified_ms,
                        checksum: checksum.clone(),
                        body: entry.payload.clone(),
                    };
                    upload.parts.insert(*part_number, part);
                }
            }
            Record::UploadEnded {
                account,
                bucket,
                upload_id,
            } => {
                if let Some(b) = self.bucket_mut(account, bucket) {
                    b.uploads.remove(upload_id);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notification_configurations_survive_a_snapshot() {
        let notifications = Notifications {
            targets: vec![NotificationTarget {
                kind: TargetKind::Function,
                id: "on-upload".to_string(),
                arn: "arn:aws:lambda:us-east-1:000000000000:function:f".to_string(),
                events: vec!["s3:ObjectCreated:*".to_string()],
                prefix: Some("in/".to_string()),
                suffix: None,
            }],
            event_bridge: true,
        };
        let mut live = S3Store::default();
        live.apply(&Entry::new(Record::BucketCreated {
            account: "a".into(),
            bucket: "b".into(),
            region: "us-east-1".into(),
            created_ms: 1,
        }));
        live.apply(&Entry::new(Record::BucketNotificationSet {
            account: "a".into(),
            bucket: "b".into(),
            notifications: notifications.clone(),
        }));
        let mut replayed = S3Store::default();
        for entry in live.snapshot() {
            let json = serde_json::to_string(&entry.record).unwrap();
            replayed.apply(&Entry::new(serde_json::from_str(&json).unwrap()));
        }
        assert_eq!(
            replayed.bucket("a", "b").unwrap().notifications,
            notifications
        );
        live.apply(&Entry::new(Record::BucketNotificationSet {
            account: "a".into(),
            bucket: "b".into(),
            notifications: Notifications::default(),
        }));
        assert_eq!(
            live.snapshot().len(),
            1,
            "an empty configuration is not journaled"
        );
    }

    #[test]
    fn configurations_and_object_metadata_survive_a_snapshot() {
        let mut live = S3Store::default();
        live.apply(&Entry::new(Record::BucketCreated {
            account: "a".into(),
            bucket: "b".into(),
            region: "us-east-1".into(),
            created_ms: 1,
        }));
        let tagging = serde_json::json!({"TagSet": [{"Key": "k", "Value": "v"}]});
        live.apply(&Entry::new(Record::BucketConfigSet {
            account: "a".into(),
            bucket: "b".into(),
            name: "tagging".into(),
            value: Some(tagging.clone()),
        }));
        let put = Record::ObjectPut {
            account: "a".into(),
            bucket: "b".into(),
            key: "o".into(),
            meta: ObjectMeta::default(),
        };
        live.apply(&Entry::with_payload(put, Bytes::from_static(b"body")));
        let meta = ObjectMeta {
            tags: vec![("t".into(), "1".into())],
            ..ObjectMeta::default()
        };
        live.apply(&Entry::new(Record::ObjectMetaSet {
            account: "a".into(),
            bucket: "b".into(),
            key: "o".into(),
            meta,
        }));
        let mut replayed = S3Store::default();
        for entry in live.snapshot() {
            let json = serde_json::to_string(&entry.record).unwrap();
            let record = serde_json::from_str(&json).unwrap();
            replayed.apply(&Entry::with_payload(record, entry.payload.clone()));
        }
        let bucket = replayed.bucket("a", "b").unwrap();
        assert_eq!(bucket.config.get("tagging"), Some(&tagging));
        let object = &bucket.objects["o"];
        assert_eq!(object.meta.tags, vec![("t".to_string(), "1".to_string())]);
        assert_eq!(
            &object.body[..],
            b"body",
            "a metadata change keeps the body"
        );
        live.apply(&Entry::new(Record::BucketConfigSet {
            account: "a".into(),
            bucket: "b".into(),
            name: "tagging".into(),
            value: None,
        }));
        assert!(live.bucket("a", "b").unwrap().config.is_empty());
    }
}
