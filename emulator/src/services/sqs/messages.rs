//! Message operations: SendMessage(Batch), DeleteMessage(Batch) and
//! ChangeMessageVisibility(Batch).
use std::collections::{BTreeMap, HashSet};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde_json::{json, Map, Value};

use super::digest::{attributes_md5, md5_hex};
use super::errors::{
    empty_batch, ids_not_distinct, invalid_batch_entry_id, invalid_parameter, message_not_inflight,
    missing_parameter, queue_does_not_exist, receipt_handle_invalid, too_many_entries,
};
use super::input::Input;
use super::queues::{is_fifo, queue_int, queue_ref, QueueRef};
use super::Call;
use crate::error::ApiError;
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
}

fn parse_outgoing(input: &Input) -> Result<Outgoing, ApiError> {
    let body = input.required_str("MessageBody")?;
    if body.is_empty() {
        return Err(invalid_parameter(
            "The request must contain the parameter MessageBody.",
        ));
    }
    let delay = input.int("DelaySeconds")?;
    if delay.is_some_and(|d| !(0..=900).contains(&d)) {
        return Err(invalid_parameter("DelaySeconds must be between 0 and 900"));
    }
    Ok(Outgoing {
        body: body.to_string(),
        delay,
        attributes: parse_attributes(input.object("MessageAttributes"))?,
        system_attributes: parse_attributes(input.object("MessageSystemAttributes"))?,
        group_id: input.str("MessageGroupId").map(str::to_string),
        dedup_id: input.str("MessageDeduplicationId").map(str::to_string),
    })
}

/// Message attributes: `{name: {DataType, StringValue | BinaryValue}}`.
fn parse_attributes(
    object: Option<&Map<String, Value>>,
) -> Result<BTreeMap<String, AttributeValue>, ApiError> {
    let mut out = BTreeMap::new();
    let Some(object) = object else {
        return Ok(out);
    };
    if object.len() > 10 {
        return Err(invalid_parameter(
            "Number of message attributes cannot exceed 10.",
        ));
    }
    for (name, value) in object {
        let field = |f: &str| value.get(f).and_then(Value::as_str).map(str::to_string);
        let data_type = field("DataType").ok_or_else(|| {
            invalid_parameter(format!(
                "The message attribute '{name}' must contain a non-empty attribute type."
            ))
        })?;
        let attribute = AttributeValue {
            string_value: field("StringValue"),
            binary_value: field("BinaryValue"),
            data_type,
        };
        validate_attribute(name, &attribute)?;
        out.insert(name.clone(), attribute);
    }
    Ok(out)
}

fn validate_attribute(name: &str, value: &AttributeValue) -> Result<(), ApiError> {
    let base = value.data_type.split('.').next().unwrap_or("");
    let ok = match base {
        "String" | "Number" => value.string_value.is_some(),
        "Binary" => value
            .binary_value
            .as_ref()
            .is_some_and(|b| BASE64.decode(b).is_ok()),
        _ => false,
    };
    if name.is_empty() || !ok {
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
) -> Result<(Option<Entry>, Value), ApiError> {
    let max_size = queue_int(queue, "MaximumMessageSize", 262_144) as usize;
    if outgoing.body.len() > max_size {
        return Err(invalid_parameter(format!(
            "One or more parameters are invalid. Reason: Message must be shorter than {max_size} bytes."
        )));
    }
    let fifo = is_fifo(queue);
    let now = now_millis();
    let (dedup_id, sequence) = if fifo {
        fifo_fields(queue, &outgoing)?
    } else {
        (None, None)
    };
    let md5_attributes = attributes_md5(&outgoing.attributes);
    let md5_system = attributes_md5(&outgoing.system_attributes);
    let mut result = json!({ "MD5OfMessageBody": md5_hex(outgoing.body.as_bytes()) });
    if let Some(md5) = &md5_attributes {
        result["MD5OfMessageAttributes"] = json!(md5);
    }
    if let Some(md5) = &md5_system {
        result["MD5OfMessageSystemAttributes"] = json!(md5);
    }
    if let Some((_, id)) = dedup_id
        .as_ref()
        .and_then(|d| queue.dedup.get(d))
        .filter(|(sent, _)| now - sent < DEDUP_WINDOW_MS)
    {
        result["MessageId"] = json!(id);
        return Ok((None, result));
    }
    let id = uuid::Uuid::new_v4().to_string();
    result["MessageId"] = json!(id);
    if let Some(sequence) = &sequence {
        result["SequenceNumber"] = json!(sequence);
    }
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
    if outgoing.group_id.is_none() {
        return Err(missing_parameter("MessageGroupId"));
    }
    let content_based = queue
        .meta
        .attributes
        .get("ContentBasedDeduplication")
        .map(String::as_str)
        == Some("true");
    let dedup = match &outgoing.dedup_id {
        Some(id) => id.clone(),
        None if content_based => md5_hex(outgoing.body.as_bytes()),
        None => {
            return Err(invalid_parameter(
                "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
            ))
        }
    };
    let sequence = format!("{:020}", queue.next_sequence);
    Ok((Some(dedup), Some(sequence)))
}

pub fn send(call: &Call) -> Result<Value, ApiError> {
    let queue = queue_ref(call)?;
    let outgoing = parse_outgoing(&Input(call.input))?;
    call.state.commit_sqs(|store| {
        let state = store
            .queue(&queue.account, &queue.region, &queue.name)
            .ok_or_else(queue_does_not_exist)?;
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
    };
    state.commit_sqs(|store| {
        let target = store
            .queue(&queue.account, &queue.region, &queue.name)
            .ok_or_else(queue_does_not_exist)?;
        let (entry, result) = prepare_send(queue, target, outgoing)?;
        let id = result["MessageId"].as_str().unwrap_or("").to_string();
        Ok((entry.into_iter().collect(), id))
    })
}

/// The `Entries` of a batch request after the checks every batch shares.
fn batch_entries<'a>(call: &Call<'a>) -> Result<&'a [Value], ApiError> {
    let entries = Input(call.input).list("Entries");
    if entries.is_empty() {
        return Err(empty_batch());
    }
    if entries.len() > 10 {
        return Err(too_many_entries());
    }
    let mut seen = HashSet::new();
    for entry in entries {
        let id = entry.get("Id").and_then(Value::as_str).unwrap_or("");
        let valid = !id.is_empty()
            && id.len() <= 80
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid {
            return Err(invalid_batch_entry_id());
        }
        if !seen.insert(id) {
            return Err(ids_not_distinct());
        }
    }
    Ok(entries)
}

fn failure(id: &str, err: &ApiError) -> Value {
    json!({
        "Id": id,
        "SenderFault": err.sender_fault,
        "Code": err.query_code.as_deref().unwrap_or(&err.code),
        "Message": err.message,
    })
}

fn batch_result(successful: Vec<Value>, failed: Vec<Value>) -> Value {
    json!({ "Successful": successful, "Failed": failed })
}

pub fn send_batch(call: &Call) -> Result<Value, ApiError> {
    let queue = queue_ref(call)?;
    let entries = batch_entries(call)?;
    call.state.commit_sqs(|store| {
        let state = store
            .queue(&queue.account, &queue.region, &queue.name)
            .ok_or_else(queue_does_not_exist)?;
        let mut journal = Vec::new();
        let (mut successful, mut failed) = (Vec::new(), Vec::new());
        for entry in entries {
            let input = Input(entry);
            let id = input.str("Id").unwrap_or("");
            let prepared = parse_outgoing(&input).and_then(|o| prepare_send(&queue, state, o));
            match prepared {
                Ok((record, mut result)) => {
                    journal.extend(record);
                    result["Id"] = json!(id);
                    successful.push(result);
                }
                Err(err) => failed.push(failure(id, &err)),
            }
        }
        Ok((journal, batch_result(successful, failed)))
    })
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

pub fn delete(call: &Call) -> Result<Value, ApiError> {
    let queue = queue_ref(call)?;
    let handle = Input(call.input).required_str("ReceiptHandle")?;
    call.state.commit_sqs(|store| {
        let state = store
            .queue(&queue.account, &queue.region, &queue.name)
            .ok_or_else(queue_does_not_exist)?;
        let entry = delete_entry(&queue, state, handle)?;
        Ok((entry.into_iter().collect(), json!({})))
    })
}

pub fn delete_batch(call: &Call) -> Result<Value, ApiError> {
    let queue = queue_ref(call)?;
    let entries = batch_entries(call)?;
    call.state.commit_sqs(|store| {
        let state = store
            .queue(&queue.account, &queue.region, &queue.name)
            .ok_or_else(queue_does_not_exist)?;
        let mut journal = Vec::new();
        let (mut successful, mut failed) = (Vec::new(), Vec::new());
        for entry in entries {
            let input = Input(entry);
            let id = input.str("Id").unwrap_or("");
            let result = input
                .required_str("ReceiptHandle")
                .and_then(|h| delete_entry(&queue, state, h));
            match result {
                Ok(record) => {
                    journal.extend(record);
                    successful.push(json!({ "Id": id }));
                }
                Err(err) => failed.push(failure(id, &err)),
            }
        }
        Ok((journal, batch_result(successful, failed)))
    })
}

/// Sets how long an in-flight message stays hidden (not journaled: delivery state).
fn set_visibility(
    call: &Call,
    queue: &QueueRef,
    handle: &str,
    timeout: Option<i64>,
) -> Result<(), ApiError> {
    let timeout = timeout.ok_or_else(|| missing_parameter("VisibilityTimeout"))?;
    if !(0..=43_200).contains(&timeout) {
        return Err(invalid_parameter(
            "VisibilityTimeout must be between 0 and 43200",
        ));
    }
    let message_id = message_id_of(handle)?;
    let mut store = call.state.sqs();
    let state = store
        .queue_mut(&queue.account, &queue.region, &queue.name)
        .ok_or_else(queue_does_not_exist)?;
    let now = now_millis();
    let message = state
        .messages
        .iter_mut()
        .find(|m| {
            m.data.id == message_id && m.receipt.as_deref() == Some(handle) && m.visible_at_ms > now
        })
        .ok_or_else(message_not_inflight)?;
    message.visible_at_ms = now + timeout * 1000;
    if timeout == 0 {
        state.notify.notify_waiters();
    }
    Ok(())
}

pub fn change_visibility(call: &Call) -> Result<Value, ApiError> {
    let queue = queue_ref(call)?;
    let input = Input(call.input);
    let handle = input.required_str("ReceiptHandle")?;
    set_visibility(call, &queue, handle, input.int("VisibilityTimeout")?)?;
    Ok(json!({}))
}

pub fn change_visibility_batch(call: &Call) -> Result<Value, ApiError> {
    let queue = queue_ref(call)?;
    let entries = batch_entries(call)?;
    let (mut successful, mut failed) = (Vec::new(), Vec::new());
    for entry in entries {
        let input = Input(entry);
        let id = input.str("Id").unwrap_or("");
        let result = input.required_str("ReceiptHandle").and_then(|handle| {
            set_visibility(call, &queue, handle, input.int("VisibilityTimeout")?)
        });
        match result {
            Ok(()) => successful.push(json!({ "Id": id })),
            Err(err) if err.code == "QueueDoesNotExist" => return Err(err),
            Err(err) => failed.push(failure(id, &err)),
        }
    }
    Ok(batch_result(successful, failed))
}
