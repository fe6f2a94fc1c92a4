//! Queue operations: CreateQueue, GetQueueUrl, ListQueues, DeleteQueue, PurgeQueue,
//! Get/SetQueueAttributes, queue tags and permissions (AddPermission / RemovePermission, kept
//! in the queue's `Policy` attribute).
use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde_json::{json, Value};

use super::errors::{
    invalid_attribute_name, invalid_attribute_value, invalid_parameter, missing_parameter,
    queue_does_not_exist, queue_name_exists,
};
use super::Sqs;
use crate::context::Context;
use crate::error::ApiError;
use crate::generated::sqs::{self as model, errors};
use crate::model::Empty;
use crate::state::record::{Entry, Record};
use crate::state::sqs::{Queue, QueueMeta, SqsStore};
use crate::timefmt::now_millis;

/// Attributes a caller may set, with their defaults (`None`: unset unless given).
const SETTABLE: &[(&str, Option<&str>)] = &[
    ("DelaySeconds", Some("0")),
    // 1 MiB since SQS raised its limit (botocore 1.44's model: "Default: 1,048,576 bytes").
    ("MaximumMessageSize", Some("1048576")),
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

impl QueueRef {
    /// The addressed queue in `store`, or SQS's `QueueDoesNotExist`.
    pub fn find<'a>(&self, store: &'a SqsStore) -> Result<&'a Queue, ApiError> {
        store
            .queue(&self.account, &self.region, &self.name)
            .ok_or_else(queue_does_not_exist)
    }
}

/// The queue a `QueueUrl` names (`http://host/<account>/<name>`).
pub fn queue_ref(ctx: &Context, url: &str) -> Result<QueueRef, ApiError> {
    if !url.contains('/') {
        // SQS also takes a queue's bare name where a URL is expected.
        return Ok(QueueRef {
            account: ctx.account.clone(),
            region: ctx.region.clone(),
            name: url.to_string(),
        });
    }
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
    crate::context::arn(region, "sqs", account, name)
}

fn validate_name(name: &str, fifo: bool) -> Result<(), ApiError> {
    let base = name.strip_suffix(".fifo").unwrap_or(name);
    let valid_chars = base
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if name.is_empty() || name.len() > 80 || !valid_chars {
        return Err(invalid_parameter(
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length",
        ));
    }
    if fifo != name.ends_with(".fifo") {
        return Err(invalid_parameter(
            "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.",
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
    let mut given = input.attributes.unwrap_or_default();
    given.retain(|_, v| !v.is_empty());
    validate_attributes(&given, true)?;
    let fifo = given.get("FifoQueue").map(String::as_str) == Some("true");
    validate_name(&name, fifo)?;
    let tags = input.tags.unwrap_or_default();
    check_tag_count(&tags, &name)?;
    sqs.state.commit_sqs(|store| {
        let mut given = given;
        normalize_redrive(store, &mut given, fifo)?;
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
            attributes.insert("DeduplicationScope".into(), "queue".into());
            attributes.insert("FifoThroughputLimit".into(), "perQueue".into());
        }
        attributes.extend(given);
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

/// How long after a purge SQS refuses another one for the same queue.
const PURGE_INTERVAL_MS: i64 = 60_000;

pub fn purge(sqs: &Sqs, ctx: &Context, url: &str) -> Result<Empty, ApiError> {
    let queue = queue_ref(ctx, url)?;
    let now = now_millis();
    {
        let store = sqs.state.sqs();
        let recent = store
            .queue(&queue.account, &queue.region, &queue.name)
            .and_then(|q| q.purged_ms)
            .is_some_and(|at| now - at < PURGE_INTERVAL_MS);
        if recent {
            return Err(errors::PURGE_QUEUE_IN_PROGRESS.with(format!(
                "Only one PurgeQueue operation on {} is allowed every 60 seconds.",
                queue.name
            )));
        }
    }
    journal_queue_event(sqs, ctx, url, |account, region, name| Record::QueuePurged {
        account,
        region,
        name,
    })?;
    if let Some(state) = sqs
        .state
        .sqs()
        .queue_mut(&queue.account, &queue.region, &queue.name)
    {
        state.purged_ms = Some(now);
    }
    Ok(Empty {})
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
        queue.find(store)?;
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
    let mut attributes = input.attributes;
    let given: BTreeMap<String, String> = attributes
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    validate_attributes(&given, false)?;
    sqs.state.commit_sqs(|store| {
        let existing = queue.find(store)?;
        normalize_redrive(store, &mut attributes, is_fifo(existing))?;
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
        let existing = queue.find(store)?;
        let mut tags = existing.meta.tags.clone();
        change(&mut tags);
        check_tag_count(&tags, &queue.name)?;
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

fn check_tag_count(tags: &BTreeMap<String, String>, queue: &str) -> Result<(), ApiError> {
    if tags.len() > MAX_TAGS {
        return Err(invalid_parameter(format!(
            "Too many tags added for queue {queue}."
        )));
    }
    Ok(())
}

pub fn tag(sqs: &Sqs, ctx: &Context, input: model::TagQueueRequest) -> Result<Empty, ApiError> {
    let new_tags = input.tags;
    if new_tags.is_empty() {
        return Err(missing_parameter("Tags"));
    }
    update_tags(sqs, ctx, &input.queue_url, |tags| tags.extend(new_tags))
}

pub fn untag(sqs: &Sqs, ctx: &Context, input: model::UntagQueueRequest) -> Result<Empty, ApiError> {
    let keys = input.tag_keys;
    if keys.is_empty() || keys.iter().any(|k| k.is_empty() || k.chars().count() > 128) {
        return Err(invalid_parameter(
            "Tag keys must be between 1 and 128 characters in length.",
        ));
    }
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

/// Checks a `RedrivePolicy` among `attributes` (its dead-letter queue must exist and be of the
/// source's type, `maxReceiveCount` 1 to 1000); a `maxReceiveCount` given as a string is
/// stored as the number SQS answers with.
fn normalize_redrive(
    store: &SqsStore,
    attributes: &mut BTreeMap<String, String>,
    fifo: bool,
) -> Result<(), ApiError> {
    let Some(text) = attributes.get("RedrivePolicy").filter(|t| !t.is_empty()) else {
        return Ok(());
    };
    let invalid = |reason: &str| {
        invalid_parameter(format!(
            "Value {text} for parameter RedrivePolicy is invalid. Reason: {reason}"
        ))
    };
    let policy: Value = serde_json::from_str(text)
        .map_err(|_| invalid("Redrive policy is not a valid JSON map."))?;
    let target = policy["deadLetterTargetArn"].as_str().ok_or_else(|| {
        invalid("Redrive policy does not contain mandatory attribute: deadLetterTargetArn.")
    })?;
    let count = match &policy["maxReceiveCount"] {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        Value::Null => {
            return Err(invalid(
                "Redrive policy does not contain mandatory attribute: maxReceiveCount.",
            ))
        }
        _ => None,
    }
    .filter(|n| (1..=1000).contains(n))
    .ok_or_else(|| {
        invalid("Invalid value for maxReceiveCount: must be an integer from 1 to 1000.")
    })?;
    let parts: Vec<&str> = target.splitn(6, ':').collect();
    let dead_letter = match parts.as_slice() {
        ["arn", _, "sqs", region, account, name] => store.queue(account, region, name),
        _ => None,
    }
    .ok_or_else(|| invalid("Dead letter target does not exist."))?;
    if is_fifo(dead_letter) != fifo {
        return Err(invalid(
            "Dead-letter queue must be same type of queue as the source.",
        ));
    }
    if policy["maxReceiveCount"].is_string() {
        let normalized = json!({"deadLetterTargetArn": target, "maxReceiveCount": count});
        attributes.insert("RedrivePolicy".into(), normalized.to_string());
    }
    Ok(())
}

/// Actions only the queue's owner may call, which AddPermission cannot grant.
const OWNER_ONLY_ACTIONS: &[&str] = &[
    "AddPermission",
    "RemovePermission",
    "CreateQueue",
    "DeleteQueue",
    "SetQueueAttributes",
    "ListQueues",
    "TagQueue",
    "UntagQueue",
    "ListQueueTags",
];

/// Actions AddPermission can grant (SQS API Reference, AddPermission), `*` for all.
const GRANTABLE_ACTIONS: &[&str] = &[
    "*",
    "SendMessage",
    "ReceiveMessage",
    "DeleteMessage",
    "ChangeMessageVisibility",
    "GetQueueAttributes",
    "GetQueueUrl",
    "ListDeadLetterSourceQueues",
    "PurgeQueue",
    "SendMessageBatch",
    "DeleteMessageBatch",
    "ChangeMessageVisibilityBatch",
    "CancelMessageMoveTask",
    "ListMessageMoveTasks",
    "StartMessageMoveTask",
];

/// How many actions one AddPermission statement may name.
const MAX_PERMISSION_ACTIONS: usize = 7;

fn check_permission_actions(actions: &[String]) -> Result<(), ApiError> {
    if actions.is_empty() {
        return Err(missing_parameter("Actions"));
    }
    if actions.len() > MAX_PERMISSION_ACTIONS {
        return Err(errors::OVER_LIMIT.with(format!(
            "{} Actions were found, maximum allowed is {MAX_PERMISSION_ACTIONS}.",
            actions.len()
        )));
    }
    for action in actions {
        let reason = if OWNER_ONLY_ACTIONS.contains(&action.as_str()) {
            "Only the queue owner is allowed to invoke this action."
        } else if GRANTABLE_ACTIONS.contains(&action.as_str()) {
            continue;
        } else {
            "Please refer to the appropriate WSDL for a list of valid actions."
        };
        return Err(invalid_parameter(format!(
            "Value SQS:{action} for parameter ActionName is invalid. Reason: {reason}"
        )));
    }
    Ok(())
}

/// One value, or a list when there are several (as SQS writes principals and actions).
fn one_or_list(values: Vec<String>) -> Value {
    match <[String; 1]>::try_from(values) {
        Ok([one]) => json!(one),
        Err(many) => json!(many),
    }
}

/// The queue's policy document: its `Policy` attribute, or an empty one with SQS's default id.
fn policy_of(queue: &Queue, arn: &str) -> Value {
    queue
        .meta
        .attributes
        .get("Policy")
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
        .filter(Value::is_object)
        .unwrap_or_else(|| {
            json!({"Version": "2012-10-17", "Id": format!("{arn}/SQSDefaultPolicy"), "Statement": []})
        })
}

/// Replaces the queue's `Policy` attribute by `change(policy)`'s result, journaled as
/// SetQueueAttributes is; an empty statement list removes the attribute.
fn update_policy(
    sqs: &Sqs,
    ctx: &Context,
    url: &str,
    change: impl FnOnce(&mut Vec<Value>) -> Result<(), ApiError>,
) -> Result<Empty, ApiError> {
    let queue = queue_ref(ctx, url)?;
    sqs.state.commit_sqs(|store| {
        let existing = queue.find(store)?;
        let arn = queue_arn(&queue.region, &queue.account, &queue.name);
        let mut policy = policy_of(existing, &arn);
        let mut statements = policy["Statement"].as_array().cloned().unwrap_or_default();
        change(&mut statements)?;
        let text = if statements.is_empty() {
            String::new()
        } else {
            policy["Statement"] = Value::Array(statements);
            policy.to_string()
        };
        let record = Record::QueueAttributesSet {
            account: queue.account.clone(),
            region: queue.region.clone(),
            name: queue.name.clone(),
            attributes: BTreeMap::from([("Policy".to_string(), text)]),
            modified_ms: now_millis(),
        };
        Ok((vec![Entry::new(record)], Empty {}))
    })
}

pub fn add_permission(
    sqs: &Sqs,
    ctx: &Context,
    input: model::AddPermissionRequest,
) -> Result<Empty, ApiError> {
    check_permission_actions(&input.actions)?;
    if input.aws_account_ids.is_empty() {
        return Err(invalid_parameter(
            "Value [] for parameter PrincipalId is invalid. Reason: Unable to verify.",
        ));
    }
    let queue = queue_ref(ctx, &input.queue_url)?;
    let arn = queue_arn(&queue.region, &queue.account, &queue.name);
    let label = input.label;
    let principals = input
        .aws_account_ids
        .iter()
        .map(|account| ctx.global_arn("iam", account, "root"))
        .collect();
    let actions = input.actions.iter().map(|a| format!("SQS:{a}")).collect();
    let statement = json!({
        "Sid": label,
        "Effect": "Allow",
        "Principal": {"AWS": one_or_list(principals)},
        "Action": one_or_list(actions),
        "Resource": arn,
    });
    update_policy(sqs, ctx, &input.queue_url, |statements| {
        if statements.iter().any(|s| s["Sid"] == label.as_str()) {
            return Err(invalid_parameter(format!(
                "Value {label} for parameter Label is invalid. Reason: Already exists."
            )));
        }
        statements.push(statement);
        Ok(())
    })
}

pub fn remove_permission(
    sqs: &Sqs,
    ctx: &Context,
    input: model::RemovePermissionRequest,
) -> Result<Empty, ApiError> {
    let label = input.label;
    update_policy(sqs, ctx, &input.queue_url, |statements| {
        let before = statements.len();
        statements.retain(|s| s["Sid"] != label.as_str());
        if statements.len() == before {
            return Err(invalid_parameter(format!(
                "Value {label} for parameter Label is invalid. Reason: can't find label on existing policy."
            )));
        }
        Ok(())
    })
}
