//! Message operations: SendMessage(Batch), DeleteMessage(Batch) and
//! ChangeMessageVisibility(Batch).
use std::collections::{BTreeMap, HashSet};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::digest::{attributes_md5, md5_hex};
use super::errors::{
    empty_batch, ids_not_distinct, invalid_batch_entry_id, invalid_parameter, message_not_inflight,
    missing_parameter, queue_does_not_exist, receipt_handle_invalid, too_many_entries,
};
use super::queues::{is_fifo, queue_int, queue_ref, QueueRef};
use super::Sqs;
use crate::context::Context;
use crate::error::ApiError;
use crate::generated::sqs as model;
use crate::model::Empty;
use crate::state::record::{Entry, Record};
use crate::state::sqs::{AttributeValue, MessageData, Queue};
use crate::timefmt::now_millis;

/// How long a FIFO deduplication id suppresses repeats.
const DEDUP_WINDOW_MS: i64 = 5 * 60 * 1000;

/// A message to send, as parsed from a request or batch entry.
struct Outgoing {
    body: String,
    delay: Option<i64>,
    attributes: BTreeMap<String, AttributeValue>,
    system_attributes: BTreeMap<String, AttributeValue>,
    group_id: Option<String>,
    dedup_id: Option<String>,
    sender_id: Option<String>,
}

/// The message a SendMessage (or a batch entry) asks to send.
fn parse_outgoing(
    body: String,
    delay: Option<i32>,
    attributes: Option<BTreeMap<String, model::MessageAttributeValue>>,
    system_attributes: Option<BTreeMap<String, model::MessageSystemAttributeValue>>,
    group_id: Option<String>,
    dedup_id: Option<String>,
) -> Result<Outgoing, ApiError> {
    if body.is_empty() {
        return Err(missing_parameter("MessageBody"));
    }
    if let Some(d) = delay.filter(|d| !(0..=900).contains(d)) {
        return Err(invalid_parameter(format!(
            "Value {d} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900."
        )));
    }
    let attributes = attributes.unwrap_or_default().into_iter().map(|(name, v)| {
        let value = stored(v.data_type, v.string_value, v.binary_value);
        (name, value)
    });
    let system_attributes = system_attributes
        .unwrap_or_default()
        .into_iter()
        .map(|(name, v)| {
            let value = stored(v.data_type, v.string_value, v.binary_value);
            (name, value)
        });
    Ok(Outgoing {
        body,
        delay: delay.map(i64::from),
        attributes: checked_attributes(attributes)?,
        system_attributes: checked_attributes(system_attributes)?,
        group_id,
        dedup_id,
        sender_id: None,
    })
}

/// A message attribute as the state keeps it (binary values in base64).
fn stored(
    data_type: String,
    string_value: Option<String>,
    binary_value: Option<crate::model::Blob>,
) -> AttributeValue {
    AttributeValue {
        data_type,
        string_value,
        binary_value: binary_value.map(|b| BASE64.encode(b.0)),
    }
}

/// At most 10 attributes, each with a type its value fits.
fn checked_attributes(
    attributes: impl ExactSizeIterator<Item = (String, AttributeValue)>,
) -> Result<BTreeMap<String, AttributeValue>, ApiError> {
    if attributes.len() > 10 {
        return Err(invalid_parameter(
            "Number of message attributes cannot exceed 10.",
        ));
    }
    let mut out = BTreeMap::new();
    for (name, attribute) in attributes {
        validate_attribute(&name, &attribute)?;
        out.insert(name, attribute);
    }
    Ok(out)
}

/// Whether `name` is a valid message attribute name (SQS Developer Guide, "Message attribute
/// components"): up to 256 of A-Z, a-z, 0-9, `_`, `-` and `.`, not starting with `AWS.` or
/// `Amazon.`, not starting or ending with `.`, no two `.` in a row.
fn valid_attribute_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    !name.is_empty()
        && name.len() <= 256
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        && !lower.starts_with("aws.")
        && !lower.starts_with("amazon.")
        && !name.starts_with('.')
        && !name.ends_with('.')
        && !name.contains("..")
}

fn validate_attribute(name: &str, value: &AttributeValue) -> Result<(), ApiError> {
    if !valid_attribute_name(name) {
        return Err(invalid_parameter(format!(
            "The message attribute name '{name}' is invalid. Attribute name can contain A-Z, a-z, 0-9, underscore (_), hyphen (-), and period (.) characters."
        )));
    }
    let base = value.data_type.split('.').next().unwrap_or("");
    let ok = match base {
        "String" | "Number" => value.string_value.is_some(),
        "Binary" => value.binary_value.is_some(),
        _ => {
            return Err(invalid_parameter(format!(
                "The message attribute '{name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String."
            )))
        }
    };
    if !ok {
        return Err(invalid_parameter(format!(
            "The message attribute '{name}' has an invalid type or value."
        )));
    }
    Ok(())
}

/// Builds the journal entry and the result of sending one message to `queue`.
fn prepare_send(
    queue_ref: &QueueRef,
    queue: &Queue,
    outgoing: Outgoing,
) -> Result<(Option<Entry>, model::SendMessageResult), ApiError> {
    let max_size = queue_int(queue, "MaximumMessageSize", 1_048_576) as usize;
    if outgoing.body.len() > max_size {
        return Err(invalid_parameter(format!(
            "One or more parameters are invalid. Reason: Message must be shorter than {max_size} bytes."
        )));
    }
    let fifo = is_fifo(queue);
    if let Some(d) = outgoing.delay.filter(|d| fifo && *d != 0) {
        // FIFO queues take a delay per queue only (SendMessage: "you can't set DelaySeconds
        // per message" on FIFO queues).
        return Err(invalid_parameter(format!(
            "Value {d} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type."
        )));
    }
    let now = now_millis();
    let (dedup_id, sequence) = if fifo {
        fifo_fields(queue, &outgoing)?
    } else {
        (None, None)
    };
    let md5_attributes = attributes_md5(&outgoing.attributes);
    let md5_system = attributes_md5(&outgoing.system_attributes);
    let mut result = model::SendMessageResult {
        md5_of_message_body: Some(md5_hex(outgoing.body.as_bytes())),
        md5_of_message_attributes: md5_attributes.clone(),
        md5_of_message_system_attributes: md5_system.clone(),
        ..Default::default()
    };
    if let Some((_, id)) = dedup_id
        .as_ref()
        .and_then(|d| queue.dedup.get(d))
        .filter(|(sent, _)| now - sent < DEDUP_WINDOW_MS)
    {
        result.message_id = Some(id.clone());
        return Ok((None, result));
    }
    let id = uuid::Uuid::new_v4().to_string();
    result.message_id = Some(id.clone());
    result.sequence_number = sequence.clone();
    let delay = outgoing
        .delay
        .unwrap_or_else(|| queue_int(queue, "DelaySeconds", 0));
    let message = MessageData {
        id,
        md5_body: md5_hex(outgoing.body.as_bytes()),
        body: outgoing.body,
        attributes: outgoing.attributes,
        md5_attributes,
        system_attributes: outgoing.system_attributes,
        md5_system_attributes: md5_system,
        sent_ms: now,
        delay_seconds: u32::try_from(delay).unwrap_or(0),
        group_id: outgoing.group_id,
        dedup_id,
        sequence,
        sender_id: outgoing.sender_id,
    };
    let record = Record::MessageSent {
        account: queue_ref.account.clone(),
        region: queue_ref.region.clone(),
        queue: queue_ref.name.clone(),
        message,
    };
    Ok((Some(Entry::new(record)), result))
}

/// The deduplication id and sequence number of a FIFO send.
fn fifo_fields(
    queue: &Queue,
    outgoing: &Outgoing,
) -> Result<(Option<String>, Option<String>), ApiError> {
    check_fifo_ids(
        queue,
        outgoing.group_id.is_some(),
        outgoing.dedup_id.is_some(),
    )?;
    let dedup = match &outgoing.dedup_id {
        Some(id) => id.clone(),
        // SQS derives it from the body with SHA-256 (and returns it as MessageDeduplicationId).
        None => hex::encode(Sha256::digest(outgoing.body.as_bytes())),
    };
    let sequence = format!("{:020}", queue.next_sequence);
    Ok((Some(dedup), Some(sequence)))
}

/// A FIFO send needs a group id, and a deduplication id unless the queue derives one.
fn check_fifo_ids(queue: &Queue, has_group: bool, has_dedup: bool) -> Result<(), ApiError> {
    if !has_group {
        return Err(missing_parameter("MessageGroupId"));
    }
    let content_based = queue
        .meta
        .attributes
        .get("ContentBasedDeduplication")
        .map(String::as_str)
        == Some("true");
    if !has_dedup && !content_based {
        return Err(invalid_parameter(
            "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
        ));
    }
    Ok(())
}

pub fn send(
    sqs: &Sqs,
    ctx: &Context,
    input: model::SendMessageRequest,
) -> Result<model::SendMessageResult, ApiError> {
    let queue = queue_ref(ctx, &input.queue_url)?;
    let outgoing = parse_outgoing(
        input.message_body,
        input.delay_seconds,
        input.message_attributes,
        input.message_system_attributes,
        input.message_group_id,
        input.message_deduplication_id,
    )?;
    let outgoing = Outgoing {
        sender_id: Some(ctx.account.clone()),
        ..outgoing
    };
    sqs.state.commit_sqs(|store| {
        let state = queue.find(store)?;
        let (entry, result) = prepare_send(&queue, state, outgoing)?;
        Ok((entry.into_iter().collect(), result))
    })
}

/// A message another service sends into a queue (SNS fan-out), checked and journaled as
/// SendMessage would; answers the message id.
pub fn deliver(
    state: &crate::state::State,
    queue: &QueueRef,
    body: String,
    attributes: BTreeMap<String, AttributeValue>,
    group_id: Option<String>,
    dedup_id: Option<String>,
) -> Result<String, ApiError> {
    let outgoing = Outgoing {
        body,
        delay: None,
        attributes,
        system_attributes: BTreeMap::new(),
        group_id,
        dedup_id,
        sender_id: None,
    };
    state.commit_sqs(|store| {
        let target = queue.find(store)?;
        let (entry, result) = prepare_send(queue, target, outgoing)?;
        let id = result.message_id.unwrap_or_default();
        Ok((entry.into_iter().collect(), id))
    })
}

/// Checks every batch shares: 1 to 10 entries (of type `entry`, named in the error) with
/// distinct, well-formed ids.
fn check_batch<'a>(
    entry: &str,
    ids: impl ExactSizeIterator<Item = &'a str>,
) -> Result<(), ApiError> {
    if ids.len() == 0 {
        return Err(empty_batch(entry));
    }
    if ids.len() > 10 {
        return Err(too_many_entries(ids.len()));
    }
    let mut seen = HashSet::new();
    for id in ids {
        let valid = !id.is_empty()
            && id.len() <= 80
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid {
            return Err(invalid_batch_entry_id());
        }
        if !seen.insert(id) {
            return Err(ids_not_distinct(id));
        }
    }
    Ok(())
}

fn failure(id: String, err: &ApiError) -> model::BatchResultErrorEntry {
    model::BatchResultErrorEntry {
        id,
        sender_fault: err.sender_fault,
        code: err.query_code.clone().unwrap_or_else(|| err.code.clone()),
        message: Some(err.message.clone()),
    }
}

pub fn send_batch(
    sqs: &Sqs,
    ctx: &Context,
    input: model::SendMessageBatchRequest,
) -> Result<model::SendMessageBatchResult, ApiError> {
    let queue = queue_ref(ctx, &input.queue_url)?;
    check_batch(
        "SendMessageBatchRequestEntry",
        input.entries.iter().map(|e| e.id.as_str()),
    )?;
    check_batch_size(&input.entries)?;
    sqs.state.commit_sqs(|store| {
        let state = queue.find(store)?;
        if is_fifo(state) {
            for entry in &input.entries {
                check_fifo_ids(
                    state,
                    entry.message_group_id.is_some(),
                    entry.message_deduplication_id.is_some(),
                )?;
            }
        }
        let mut journal = Vec::new();
        let mut result = model::SendMessageBatchResult::default();
        for entry in input.entries {
            let id = entry.id;
            let prepared = parse_outgoing(
                entry.message_body,
                entry.delay_seconds,
                entry.message_attributes,
                entry.message_system_attributes,
                entry.message_group_id,
                entry.message_deduplication_id,
            )
            .map(|o| Outgoing {
                sender_id: Some(ctx.account.clone()),
                ..o
            })
            .and_then(|o| prepare_send(&queue, state, o));
            match prepared {
                Ok((record, sent)) => {
                    journal.extend(record);
                    result.successful.push(model::SendMessageBatchResultEntry {
                        id,
                        message_id: sent.message_id.unwrap_or_default(),
                        md5_of_message_body: sent.md5_of_message_body.unwrap_or_default(),
                        md5_of_message_attributes: sent.md5_of_message_attributes,
                        md5_of_message_system_attributes: sent.md5_of_message_system_attributes,
                        sequence_number: sent.sequence_number,
                    });
                }
                Err(err) => result.failed.push(failure(id, &err)),
            }
        }
        Ok((journal, result))
    })
}

/// The largest SendMessageBatch SQS takes: the sum of its messages, 1 MiB.
const MAX_BATCH_BYTES: usize = 1_048_576;

/// The whole batch's bodies and attributes within [`MAX_BATCH_BYTES`].
fn check_batch_size(entries: &[model::SendMessageBatchRequestEntry]) -> Result<(), ApiError> {
    let size: usize = entries.iter().map(entry_size).sum();
    if size > MAX_BATCH_BYTES {
        return Err(super::errors::batch_too_long(MAX_BATCH_BYTES, size));
    }
    Ok(())
}

/// A batch entry's size as SQS counts it: body plus attribute names, types and values.
fn entry_size(entry: &model::SendMessageBatchRequestEntry) -> usize {
    let attributes = entry.message_attributes.iter().flatten().map(|(name, v)| {
        name.len()
            + v.data_type.len()
            + v.string_value.as_ref().map_or(0, String::len)
            + v.binary_value.as_ref().map_or(0, |b| b.0.len())
    });
    entry.message_body.len() + attributes.sum::<usize>()
}

/// A receipt handle names its message: base64 of `message-id:nonce`.
pub fn receipt_handle(message_id: &str) -> String {
    BASE64.encode(format!("{message_id}:{}", uuid::Uuid::new_v4().simple()))
}

fn message_id_of(handle: &str) -> Result<String, ApiError> {
    BASE64
        .decode(handle)
        .ok()
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|text| text.split_once(':').map(|(id, _)| id.to_string()))
        .ok_or_else(|| receipt_handle_invalid(handle))
}

fn delete_entry(queue: &QueueRef, state: &Queue, handle: &str) -> Result<Option<Entry>, ApiError> {
    let message_id = message_id_of(handle)?;
    if !state.messages.iter().any(|m| m.data.id == message_id) {
        return Ok(None);
    }
    Ok(Some(Entry::new(Record::MessageDeleted {
        account: queue.account.clone(),
        region: queue.region.clone(),
        queue: queue.name.clone(),
        message_id,
    })))
}

pub fn delete(
    sqs: &Sqs,
    ctx: &Context,
    input: model::DeleteMessageRequest,
) -> Result<Empty, ApiError> {
    let queue = queue_ref(ctx, &input.queue_url)?;
    sqs.state.commit_sqs(|store| {
        let state = queue.find(store)?;
        let entry = delete_entry(&queue, state, &input.receipt_handle)?;
        Ok((entry.into_iter().collect(), Empty {}))
    })
}

pub fn delete_batch(
    sqs: &Sqs,
    ctx: &Context,
    input: model::DeleteMessageBatchRequest,
) -> Result<model::DeleteMessageBatchResult, ApiError> {
    let queue = queue_ref(ctx, &input.queue_url)?;
    check_batch(
        "DeleteMessageBatchRequestEntry",
        input.entries.iter().map(|e| e.id.as_str()),
    )?;
    sqs.state.commit_sqs(|store| {
        let state = queue.find(store)?;
        let mut journal = Vec::new();
        let mut result = model::DeleteMessageBatchResult::default();
        for entry in input.entries {
            match delete_entry(&queue, state, &entry.receipt_handle) {
                Ok(record) => {
                    journal.extend(record);
                    result
                        .successful
                        .push(model::DeleteMessageBatchResultEntry { id: entry.id });
                }
                Err(err) => result.failed.push(failure(entry.id, &err)),
            }
        }
        Ok((journal, result))
    })
}

/// Sets how long an in-flight message stays hidden (not journaled: delivery state).
fn set_visibility(
    sqs: &Sqs,
    queue: &QueueRef,
    handle: &str,
    timeout: Option<i32>,
) -> Result<(), ApiError> {
    let timeout = i64::from(timeout.ok_or_else(|| missing_parameter("VisibilityTimeout"))?);
    if !(0..=43_200).contains(&timeout) {
        return Err(invalid_parameter(
            "VisibilityTimeout must be between 0 and 43200",
        ));
    }
    let message_id = message_id_of(handle)?;
    let mut store = sqs.state.sqs();
    let state = store
        .queue_mut(&queue.account, &queue.region, &queue.name)
        .ok_or_else(queue_does_not_exist)?;
    let now = now_millis();
    let message = state
        .messages
        .iter_mut()
        // The message in flight under any of its receipt handles: SQS accepts a handle of
        // an earlier receive of the same message.
        .find(|m| m.data.id == message_id && m.receipt.is_some() && m.visible_at_ms > now)
        .ok_or_else(message_not_inflight)?;
    message.visible_at_ms = now + timeout * 1000;
    if timeout == 0 {
        state.notify.notify_waiters();
    }
    Ok(())
}

pub fn change_visibility(
    sqs: &Sqs,
    ctx: &Context,
    input: model::ChangeMessageVisibilityRequest,
) -> Result<Empty, ApiError> {
    let queue = queue_ref(ctx, &input.queue_url)?;
    set_visibility(
        sqs,
        &queue,
        &input.receipt_handle,
        Some(input.visibility_timeout),
    )?;
    Ok(Empty {})
}

pub fn change_visibility_batch(
    sqs: &Sqs,
    ctx: &Context,
    input: model::ChangeMessageVisibilityBatchRequest,
) -> Result<model::ChangeMessageVisibilityBatchResult, ApiError> {
    let queue = queue_ref(ctx, &input.queue_url)?;
    check_batch(
        "ChangeMessageVisibilityBatchRequestEntry",
        input.entries.iter().map(|e| e.id.as_str()),
    )?;
    let mut result = model::ChangeMessageVisibilityBatchResult::default();
    for entry in input.entries {
        match set_visibility(sqs, &queue, &entry.receipt_handle, entry.visibility_timeout) {
            Ok(()) => result
                .successful
                .push(model::ChangeMessageVisibilityBatchResultEntry { id: entry.id }),
            Err(err) if err.code == "QueueDoesNotExist" => return Err(err),
            Err(err) => result.failed.push(failure(entry.id, &err)),
        }
    }
    Ok(result)
}
