//! Queue operations: CreateQueue, GetQueueUrl, ListQueues, DeleteQueue, PurgeQueue,
//! Get/SetQueueAttributes and queue tags.
use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;

use super::errors::{
    invalid_attribute_name, invalid_attribute_value, invalid_parameter, queue_does_not_exist,
    queue_name_exists,
};
use super::Sqs;
use crate::context::Context;
use crate::error::ApiError;
use crate::generated::sqs as model;
use crate::model::Empty;
use crate::state::record::{Entry, Record};
use crate::state::sqs::{Queue, QueueMeta};
use crate::timefmt::now_millis;

/// Attributes a caller may set, with their defaults (`None`: unset unless given).
const SETTABLE: &[(&str, Option<&str>)] = &[
    ("DelaySeconds", Some("0")),
    ("MaximumMessageSize", Some("262144")),
    ("MessageRetentionPeriod", Some("345600")),
    ("ReceiveMessageWaitTimeSeconds", Some("0")),
    ("VisibilityTimeout", Some("30")),
    ("SqsManagedSseEnabled", Some("true")),
    ("Policy", None),
    ("RedrivePolicy", None),
    ("RedriveAllowPolicy", None),
    ("KmsMasterKeyId", None),
    ("KmsDataKeyReusePeriodSeconds", None),
    ("ContentBasedDeduplication", None),
    ("DeduplicationScope", None),
    ("FifoThroughputLimit", None),
];

/// Attributes computed from the queue's state.
const COMPUTED: &[&str] = &[
    "QueueArn",
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
];

/// Integer attributes and their allowed ranges.
const RANGES: &[(&str, i64, i64)] = &[
    ("DelaySeconds", 0, 900),
    ("MaximumMessageSize", 1024, 1_048_576),
    ("MessageRetentionPeriod", 60, 1_209_600),
    ("ReceiveMessageWaitTimeSeconds", 0, 20),
    ("VisibilityTimeout", 0, 43_200),
];

/// Which queue a call addresses.
pub struct QueueRef {
    pub account: String,
    pub region: String,
    pub name: String,
}

/// The queue a `QueueUrl` names (`http://host/<account>/<name>`).
pub fn queue_ref(ctx: &Context, url: &str) -> Result<QueueRef, ApiError> {
    let path = url.split_once("://").map_or(url, |(_, rest)| rest);
    let mut segments = path.split('/').filter(|s| !s.is_empty()).skip(1);
    let (account, name) = match (segments.next(), segments.next()) {
        (Some(account), Some(name)) => (account.to_string(), name.to_string()),
        (Some(name), None) => (ctx.account.clone(), name.to_string()),
        _ => return Err(queue_does_not_exist()),
    };
    Ok(QueueRef {
        account,
        region: ctx.region.clone(),
        name,
    })
}

pub fn queue_url(ctx: &Context, account: &str, name: &str) -> String {
    format!("{}/{}/{}", ctx.base_url(), account, name)
}

fn queue_arn(region: &str, account: &str, name: &str) -> String {
    format!("arn:aws:sqs:{region}:{account}:{name}")
}

fn validate_name(name: &str, fifo: bool) -> Result<(), ApiError> {
    let base = name.strip_suffix(".fifo").unwrap_or(name);
    let valid_chars = base
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if name.is_empty() || name.len() > 80 || !valid_chars || fifo != name.ends_with(".fifo") {
        return Err(invalid_parameter(
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length. FIFO queue names end with .fifo",
        ));
    }
    Ok(())
}

/// Checks names and values of attributes a caller gives.
fn validate_attributes(attrs: &BTreeMap<String, String>, creating: bool) -> Result<(), ApiError> {
    for (name, value) in attrs {
        let known = SETTABLE.iter().any(|(n, _)| n == name) || (creating && name == "FifoQueue");
        if !known {
            return Err(invalid_attribute_name(name));
        }
        if let Some((_, min, max)) = RANGES.iter().find(|(n, _, _)| n == name) {
            let ok = value
                .parse::<i64>()
                .is_ok_and(|v| (*min..=*max).contains(&v));
            if !ok {
                return Err(invalid_attribute_value(name));
            }
        }
        let is_bool = matches!(
            name.as_str(),
            "FifoQueue" | "ContentBasedDeduplication" | "SqsManagedSseEnabled"
        );
        if is_bool && value != "true" && value != "false" {
            return Err(invalid_attribute_value(name));
        }
    }
    Ok(())
}

pub fn create(
    sqs: &Sqs,
    ctx: &Context,
    input: model::CreateQueueRequest,
) -> Result<model::CreateQueueResult, ApiError> {
    let name = input.queue_name;
    let given = input.attributes.unwrap_or_default();
    validate_attributes(&given, true)?;
    let fifo = given.get("FifoQueue").map(String::as_str) == Some("true");
    validate_name(&name, fifo)?;
    let tags = input.tags.unwrap_or_default();
    check_tag_count(&tags)?;
    sqs.state.commit_sqs(|store| {
        if let Some(existing) = store.queue(&ctx.account, &ctx.region, &name) {
            let differs = given
                .iter()
                .any(|(k, v)| existing.meta.attributes.get(k) != Some(v));
            return if differs {
                Err(queue_name_exists(&name))
            } else {
                Ok((Vec::new(), ()))
            };
        }
        let mut attributes: BTreeMap<String, String> = SETTABLE
            .iter()
            .filter_map(|(k, v)| v.map(|v| ((*k).to_string(), v.to_string())))
            .collect();
        if fifo {
            attributes.insert("ContentBasedDeduplication".into(), "false".into());
        }
        attributes.extend(given.clone());
        let now = now_millis();
        let meta = QueueMeta {
            name: name.clone(),
            attributes,
            tags,
            created_ms: now,
            modified_ms: now,
        };
        let record = Record::QueueCreated {
            account: ctx.account.clone(),
            region: ctx.region.clone(),
            queue: meta,
        };
        Ok((vec![Entry::new(record)], ()))
    })?;
    Ok(model::CreateQueueResult {
        queue_url: Some(queue_url(ctx, &ctx.account, &name)),
    })
}

pub fn get_url(
    sqs: &Sqs,
    ctx: &Context,
    input: model::GetQueueUrlRequest,
) -> Result<model::GetQueueUrlResult, ApiError> {
    let name = &input.queue_name;
    let account = input
        .queue_owner_aws_account_id
        .as_deref()
        .unwrap_or(&ctx.account);
    let store = sqs.state.sqs();
    store
        .queue(account, &ctx.region, name)
        .ok_or_else(queue_does_not_exist)?;
    Ok(model::GetQueueUrlResult {
        queue_url: Some(queue_url(ctx, account, name)),
    })
}

pub fn list(
    sqs: &Sqs,
    ctx: &Context,
    input: model::ListQueuesRequest,
) -> Result<model::ListQueuesResult, ApiError> {
    let prefix = input.queue_name_prefix.as_deref().unwrap_or("");
    let max = input.max_results;
    if max.is_some_and(|m| !(1..=1000).contains(&m)) {
        return Err(invalid_parameter("MaxResults must be between 1 and 1000"));
    }
    let after = match &input.next_token {
        Some(token) => Some(decode_token(token)?),
        None => None,
    };
    let store = sqs.state.sqs();
    let names: Vec<&String> = store
        .queues(&ctx.account, &ctx.region)
        .into_iter()
        .flat_map(|queues| queues.keys())
        .filter(|n| n.starts_with(prefix))
        .filter(|n| after.as_ref().is_none_or(|a| n.as_str() > a.as_str()))
        .collect();
    let limit = max.map_or(1000, |m| m as usize);
    let page = &names[..names.len().min(limit)];
    let urls: Vec<String> = page
        .iter()
        .map(|n| queue_url(ctx, &ctx.account, n))
        .collect();
    let more = max.is_some() && names.len() > page.len();
    Ok(model::ListQueuesResult {
        queue_urls: (!urls.is_empty()).then_some(urls),
        next_token: page
            .last()
            .filter(|_| more)
            .map(|last| BASE64.encode(last.as_bytes())),
    })
}

fn decode_token(token: &str) -> Result<String, ApiError> {
    BASE64
        .decode(token)
        .ok()
        .and_then(|raw| String::from_utf8(raw).ok())
        .ok_or_else(|| invalid_parameter("Invalid NextToken"))
}

pub fn delete(sqs: &Sqs, ctx: &Context, url: &str) -> Result<Empty, ApiError> {
    journal_queue_event(sqs, ctx, url, |account, region, name| {
        Record::QueueDeleted {
            account,
            region,
            name,
        }
    })
}

pub fn purge(sqs: &Sqs, ctx: &Context, url: &str) -> Result<Empty, ApiError> {
    journal_queue_event(sqs, ctx, url, |account, region, name| Record::QueuePurged {
        account,
        region,
        name,
    })
}

/// Journals and applies one whole-queue event (delete, purge) for the queue `url` names.
fn journal_queue_event(
    sqs: &Sqs,
    ctx: &Context,
    url: &str,
    record: impl FnOnce(String, String, String) -> Record,
) -> Result<Empty, ApiError> {
    let queue = queue_ref(ctx, url)?;
    sqs.state.commit_sqs(|store| {
        store
            .queue(&queue.account, &queue.region, &queue.name)
            .ok_or_else(queue_does_not_exist)?;
        let record = record(
            queue.account.clone(),
            queue.region.clone(),
            queue.name.clone(),
        );
        Ok((vec![Entry::new(record)], ()))
    })?;
    Ok(Empty {})
}

pub fn get_attributes(
    sqs: &Sqs,
    ctx: &Context,
    input: model::GetQueueAttributesRequest,
) -> Result<model::GetQueueAttributesResult, ApiError> {
    let queue_ref = queue_ref(ctx, &input.queue_url)?;
    let wanted = input.attribute_names.unwrap_or_default();
    for name in &wanted {
        let known = name == "All"
            || name == "FifoQueue"
            || SETTABLE.iter().any(|(n, _)| n == name)
            || COMPUTED.contains(&name.as_str());
        if !known {
            return Err(invalid_attribute_name(name));
        }
    }
    let store = sqs.state.sqs();
    let queue = store
        .queue(&queue_ref.account, &queue_ref.region, &queue_ref.name)
        .ok_or_else(queue_does_not_exist)?;
    let selected: BTreeMap<String, String> = all_attributes(queue, &queue_ref)
        .into_iter()
        .filter(|(k, _)| wanted.iter().any(|w| w == "All" || w == k))
        .collect();
    Ok(model::GetQueueAttributesResult {
        attributes: (!selected.is_empty()).then_some(selected),
    })
}
/// Stored attributes plus the computed ones.
fn all_attributes(queue: &Queue, queue_ref: &QueueRef) -> BTreeMap<String, String> {
    let now = now_millis();
    let mut visible = 0;
    let mut in_flight = 0;
    let mut delayed = 0;
    for message in &queue.messages {
        if message.visible_at_ms <= now {
            visible += 1;
        } else if message.receive_count > 0 {
            in_flight += 1;
        } else {
            delayed += 1;
        }
    }
    let mut attrs = queue.meta.attributes.clone();
    let arn = queue_arn(&queue_ref.region, &queue_ref.account, &queue_ref.name);
    attrs.insert("QueueArn".into(), arn);
    attrs.insert("ApproximateNumberOfMessages".into(), visible.to_string());
    attrs.insert(
        "ApproximateNumberOfMessagesNotVisible".into(),
        in_flight.to_string(),
    );
    attrs.insert(
        "ApproximateNumberOfMessagesDelayed".into(),
        delayed.to_string(),
    );
    attrs.insert(
        "CreatedTimestamp".into(),
        (queue.meta.created_ms / 1000).to_string(),
    );
    attrs.insert(
        "LastModifiedTimestamp".into(),
        (queue.meta.modified_ms / 1000).to_string(),
    );
    attrs
}

pub fn set_attributes(
    sqs: &Sqs,
    ctx: &Context,
    input: model::SetQueueAttributesRequest,
) -> Result<Empty, ApiError> {
    let queue = queue_ref(ctx, &input.queue_url)?;
    let attributes = input.attributes;
    validate_attributes(&attributes, false)?;
    sqs.state.commit_sqs(|store| {
        store
            .queue(&queue.account, &queue.region, &queue.name)
            .ok_or_else(queue_does_not_exist)?;
        let record = Record::QueueAttributesSet {
            account: queue.account.clone(),
            region: queue.region.clone(),
            name: queue.name.clone(),
            attributes,
            modified_ms: now_millis(),
        };
        Ok((vec![Entry::new(record)], ()))
    })?;
    Ok(Empty {})
}

/// Replaces a queue's tags with `change(current)`.
fn update_tags(
    sqs: &Sqs,
    ctx: &Context,
    url: &str,
    change: impl FnOnce(&mut BTreeMap<String, String>),
) -> Result<Empty, ApiError> {
    let queue = queue_ref(ctx, url)?;
    sqs.state.commit_sqs(|store| {
        let existing = store
            .queue(&queue.account, &queue.region, &queue.name)
            .ok_or_else(queue_does_not_exist)?;
        let mut tags = existing.meta.tags.clone();
        change(&mut tags);
        check_tag_count(&tags)?;
        let record = Record::QueueTagsSet {
            account: queue.account.clone(),
            region: queue.region.clone(),
            name: queue.name.clone(),
            tags,
        };
        Ok((vec![Entry::new(record)], ()))
    })?;
    Ok(Empty {})
}

/// SQS allows 50 tags per queue; the limit also keeps one request from growing a queue's
/// tags (and `UntagQueue`'s work) without bound.
const MAX_TAGS: usize = 50;

fn check_tag_count(tags: &BTreeMap<String, String>) -> Result<(), ApiError> {
    if tags.len() > MAX_TAGS {
        return Err(invalid_parameter(format!(
            "Too many tags: a queue can have at most {MAX_TAGS} tags, this request would leave {}.",
            tags.len()
        )));
    }
    Ok(())
}

pub fn tag(sqs: &Sqs, ctx: &Context, input: model::TagQueueRequest) -> Result<Empty, ApiError> {
    let new_tags = input.tags;
    update_tags(sqs, ctx, &input.queue_url, |tags| tags.extend(new_tags))
}

pub fn untag(sqs: &Sqs, ctx: &Context, input: model::UntagQueueRequest) -> Result<Empty, ApiError> {
    let keys = input.tag_keys;
    update_tags(sqs, ctx, &input.queue_url, |tags| {
        for key in &keys {
            tags.remove(key);
        }
    })
}

pub fn list_tags(
    sqs: &Sqs,
    ctx: &Context,
    input: model::ListQueueTagsRequest,
) -> Result<model::ListQueueTagsResult, ApiError> {
    let queue_ref = queue_ref(ctx, &input.queue_url)?;
    let store = sqs.state.sqs();
    let queue = store
        .queue(&queue_ref.account, &queue_ref.region, &queue_ref.name)
        .ok_or_else(queue_does_not_exist)?;
    let tags = &queue.meta.tags;
    Ok(model::ListQueueTagsResult {
        tags: (!tags.is_empty()).then(|| tags.clone()),
    })
}

/// An integer queue attribute, or its default.
pub fn queue_int(queue: &Queue, name: &str, default: i64) -> i64 {
    queue
        .meta
        .attributes
        .get(name)
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub fn is_fifo(queue: &Queue) -> bool {
    queue.meta.attributes.get("FifoQueue").map(String::as_str) == Some("true")
}
