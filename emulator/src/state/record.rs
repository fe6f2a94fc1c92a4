//! The changes the stores accept: one [`Record`] per change, with an optional binary payload.
use std::collections::BTreeMap;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::dynamodb::DynamoChange;
use super::s3::{Notifications, ObjectMeta};
use super::sqs::{MessageData, QueueMeta};

/// One change to the state, as journaled and as applied.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op")]
pub enum Record {
    BucketCreated {
        account: String,
        bucket: String,
        region: String,
        created_ms: i64,
    },
    BucketDeleted {
        account: String,
        bucket: String,
    },
    /// A bucket's event notification configuration replaced (empty: none).
    BucketNotificationSet {
        account: String,
        bucket: String,
        notifications: Notifications,
    },
    /// A bucket subresource configuration (tagging, policy, CORS, ...) set, or removed (`None`).
    BucketConfigSet {
        account: String,
        bucket: String,
        name: String,
        value: Option<serde_json::Value>,
    },
    /// An object's metadata replaced (tags, ACL, restore status), its body unchanged.
    ObjectMetaSet {
        account: String,
        bucket: String,
        key: String,
        meta: ObjectMeta,
    },
    /// The payload is the object's body.
    ObjectPut {
        account: String,
        bucket: String,
        key: String,
        meta: ObjectMeta,
    },
    ObjectDeleted {
        account: String,
        bucket: String,
        key: String,
    },
    /// A delete marker became the key's latest version (DeleteObject without a version id in a
    /// bucket with versioning enabled or suspended).
    DeleteMarkerPut {
        account: String,
        bucket: String,
        key: String,
        version_id: String,
        modified_ms: i64,
    },
    /// One version (or delete marker) of a key removed for good.
    VersionDeleted {
        account: String,
        bucket: String,
        key: String,
        version_id: String,
    },
    UploadCreated {
        account: String,
        bucket: String,
        key: String,
        upload_id: String,
        meta: ObjectMeta,
    },
    /// The payload is the part's body.
    PartPut {
        account: String,
        bucket: String,
        upload_id: String,
        part_number: u32,
        etag: String,
        modified_ms: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        checksum: Option<String>,
    },
    /// Completed or aborted: the upload and its parts are gone.
    UploadEnded {
        account: String,
        bucket: String,
        upload_id: String,
    },
    QueueCreated {
        account: String,
        region: String,
        queue: QueueMeta,
    },
    QueueDeleted {
        account: String,
        region: String,
        name: String,
    },
    QueueAttributesSet {
        account: String,
        region: String,
        name: String,
        attributes: BTreeMap<String, String>,
        modified_ms: i64,
    },
    QueueTagsSet {
        account: String,
        region: String,
        name: String,
        tags: BTreeMap<String, String>,
    },
    MessageSent {
        account: String,
        region: String,
        queue: String,
        message: MessageData,
    },
    MessageDeleted {
        account: String,
        region: String,
        queue: String,
        message_id: String,
    },
    QueuePurged {
        account: String,
        region: String,
        name: String,
    },
    Dynamo {
        account: String,
        region: String,
        change: DynamoChange,
    },
    /// A document of SNS, SSM, Secrets Manager or Lambda stored or replaced.
    DocPut {
        service: String,
        account: String,
        region: String,
        kind: String,
        name: String,
        doc: serde_json::Value,
    },
    DocDeleted {
        service: String,
        account: String,
        region: String,
        kind: String,
        name: String,
    },
    /// Everything one service holds, in every account and region, is gone
    /// (`POST /_awsredirect/reset`).
    Reset {
        service: String,
    },
}

/// A record and its payload (empty for most records).
#[derive(Debug, Clone)]
pub struct Entry {
    pub record: Record,
    pub payload: Bytes,
}

impl Entry {
    pub fn new(record: Record) -> Entry {
        Entry {
            record,
            payload: Bytes::new(),
        }
    }

    pub fn with_payload(record: Record, payload: Bytes) -> Entry {
        Entry { record, payload }
    }
}
