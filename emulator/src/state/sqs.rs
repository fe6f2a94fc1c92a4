//! SQS's store: queues by account and region, with their messages. Sends, deletes and queue
//! changes are journaled; receipts and visibility are not (after a restart every message is
//! visible again, as SQS's at-least-once delivery allows).
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use super::record::{Entry, Record};
use super::Apply;

/// Queues, by (account, region) and then by name.
#[derive(Default)]
pub struct SqsStore {
    pub regions: HashMap<(String, String), BTreeMap<String, Queue>>,
}

pub struct Queue {
    pub meta: QueueMeta,
    pub messages: VecDeque<Message>,
    /// Woken whenever a message may have become receivable.
    pub notify: Arc<Notify>,
    /// FIFO deduplication ids seen, with the time they were sent and the message's id.
    pub dedup: HashMap<String, (i64, String)>,
    pub next_sequence: u64,
    /// When the queue was last purged (not journaled: SQS refuses a second purge within 60 s).
    pub purged_ms: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QueueMeta {
    pub name: String,
    pub attributes: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
    pub created_ms: i64,
    pub modified_ms: i64,
}

/// A message as it was sent.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MessageData {
    pub id: String,
    pub body: String,
    pub md5_body: String,
    pub attributes: BTreeMap<String, AttributeValue>,
    pub md5_attributes: Option<String>,
    pub system_attributes: BTreeMap<String, AttributeValue>,
    pub md5_system_attributes: Option<String>,
    pub sent_ms: i64,
    pub delay_seconds: u32,
    pub group_id: Option<String>,
    pub dedup_id: Option<String>,
    pub sequence: Option<String>,
    /// Who sent it (the `SenderId` attribute): the sender's account, as every caller is its
    /// account's root (STS `GetCallerIdentity`'s `UserId`). `None` in older journals and for
    /// messages another service delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_id: Option<String>,
}

/// A message attribute: its data type and a string or (base64) binary value.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AttributeValue {
    pub data_type: String,
    pub string_value: Option<String>,
    pub binary_value: Option<String>,
}

/// A message in a queue, with its delivery state.
#[derive(Debug, Clone)]
pub struct Message {
    pub data: MessageData,
    pub visible_at_ms: i64,
    pub receive_count: u32,
    pub first_receive_ms: Option<i64>,
    /// The receipt handle of the latest receive, while the message is in flight.
    pub receipt: Option<String>,
}

impl SqsStore {
    pub fn queues(&self, account: &str, region: &str) -> Option<&BTreeMap<String, Queue>> {
        self.regions.get(&(account.to_string(), region.to_string()))
    }

    pub fn queue(&self, account: &str, region: &str, name: &str) -> Option<&Queue> {
        self.queues(account, region)?.get(name)
    }

    pub fn queue_mut(&mut self, account: &str, region: &str, name: &str) -> Option<&mut Queue> {
        self.regions
            .get_mut(&(account.to_string(), region.to_string()))?
            .get_mut(name)
    }

    /// Entries that recreate every queue and message (delivery state is not kept).
    pub fn snapshot(&self) -> Vec<Entry> {
        let mut entries = Vec::new();
        for ((account, region), queues) in &self.regions {
            for queue in queues.values() {
                entries.push(Entry::new(Record::QueueCreated {
                    account: account.clone(),
                    region: region.clone(),
                    queue: queue.meta.clone(),
                }));
                for message in &queue.messages {
                    entries.push(Entry::new(Record::MessageSent {
                        account: account.clone(),
                        region: region.clone(),
                        queue: queue.meta.name.clone(),
                        message: message.data.clone(),
                    }));
                }
            }
        }
        entries
    }
}

impl Queue {
    fn new(meta: QueueMeta) -> Queue {
        Queue {
            meta,
            messages: VecDeque::new(),
            notify: Arc::new(Notify::new()),
            dedup: HashMap::new(),
            next_sequence: 1,
            purged_ms: None,
        }
    }

    fn push(&mut self, data: &MessageData) {
        if let Some(dedup) = &data.dedup_id {
            self.dedup
                .insert(dedup.clone(), (data.sent_ms, data.id.clone()));
        }
        self.next_sequence += 1;
        self.messages.push_back(Message {
            visible_at_ms: data.sent_ms + i64::from(data.delay_seconds) * 1000,
            data: data.clone(),
            receive_count: 0,
            first_receive_ms: None,
            receipt: None,
        });
        self.notify.notify_waiters();
    }
}

impl Apply for SqsStore {
    fn apply(&mut self, entry: &Entry) {
        match &entry.record {
            Record::Reset { service } if service == "sqs" => {
                // Long polls waiting on a queue that is gone look again and find it gone.
                for queue in self.regions.values().flat_map(BTreeMap::values) {
                    queue.notify.notify_waiters();
                }
                self.regions.clear();
            }
            Record::QueueCreated {
                account,
                region,
                queue,
            } => {
                self.regions
                    .entry((account.clone(), region.clone()))
                    .or_default()
                    .entry(queue.name.clone())
                    .or_insert_with(|| Queue::new(queue.clone()));
            }
            Record::QueueDeleted {
                account,
                region,
                name,
            } => {
                let key = (account.clone(), region.clone());
                if let Some(queue) = self.regions.get_mut(&key).and_then(|q| q.remove(name)) {
                    queue.notify.notify_waiters();
                }
            }
            Record::QueueAttributesSet {
                account,
                region,
                name,
                attributes,
                modified_ms,
            } => {
                if let Some(queue) = self.queue_mut(account, region, name) {
                    // An empty value removes the attribute (SetQueueAttributes with
                    // `Policy: ""` or `RedrivePolicy: ""` takes the policy away).
                    for (key, value) in attributes {
                        if value.is_empty() {
                            queue.meta.attributes.remove(key);
                        } else {
                            queue.meta.attributes.insert(key.clone(), value.clone());
                        }
                    }
                    queue.meta.modified_ms = *modified_ms;
                }
            }
            Record::QueueTagsSet {
                account,
                region,
                name,
                tags,
            } => {
                if let Some(queue) = self.queue_mut(account, region, name) {
                    queue.meta.tags = tags.clone();
                }
            }
            Record::MessageSent {
                account,
                region,
                queue,
                message,
            } => {
                if let Some(queue) = self.queue_mut(account, region, queue) {
                    queue.push(message);
                }
            }
            Record::MessageDeleted {
                account,
                region,
                queue,
                message_id,
            } => {
                if let Some(queue) = self.queue_mut(account, region, queue) {
                    queue.messages.retain(|m| &m.data.id != message_id);
                    queue.notify.notify_waiters();
                }
            }
            Record::QueuePurged {
                account,
                region,
                name,
            } => {
                if let Some(queue) = self.queue_mut(account, region, name) {
                    queue.messages.clear();
                }
            }
            _ => {}
        }
    }
}
