//! ReceiveMessage: visibility timeouts with redelivery, FIFO group ordering, and long polling
//! that sleeps on a per-queue notification instead of busy-waiting.
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Map, Value};
use tokio::sync::Notify;

use super::errors::{invalid_parameter, queue_does_not_exist};
use super::input::Input;
use super::messages::receipt_handle;
use super::queues::{is_fifo, queue_int, queue_ref, QueueRef};
use super::Call;
use crate::emulator::context::Context;
use crate::emulator::error::ApiError;
use crate::emulator::state::sqs::{AttributeValue, Message, Queue};
use crate::emulator::timefmt::now_millis;

/// What a receive asks for.
struct Request {
    max: usize,
    visibility: Option<i64>,
    wait_seconds: Option<i64>,
    system_names: Vec<String>,
    attribute_names: Vec<String>,
}

fn parse(input: &Input) -> Result<Request, ApiError> {
    let max = input.int("MaxNumberOfMessages")?.unwrap_or(1);
    if !(1..=10).contains(&max) {
        return Err(invalid_parameter(
            "Value for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10.",
        ));
    }
    let visibility = input.int("VisibilityTimeout")?;
    if visibility.is_some_and(|v| !(0..=43_200).contains(&v)) {
        return Err(invalid_parameter(
            "VisibilityTimeout must be between 0 and 43200",
        ));
    }
    let wait_seconds = input.int("WaitTimeSeconds")?;
    if wait_seconds.is_some_and(|w| !(0..=20).contains(&w)) {
        return Err(invalid_parameter(
            "WaitTimeSeconds must be between 0 and 20",
        ));
    }
    let mut system_names = input.string_list("AttributeNames");
    system_names.extend(input.string_list("MessageSystemAttributeNames"));
    Ok(Request {
        max: max as usize,
        visibility,
        wait_seconds,
        system_names,
        attribute_names: input.string_list("MessageAttributeNames"),
    })
}

pub async fn receive(call: &Call<'_>) -> Result<Value, ApiError> {
    let queue = queue_ref(call)?;
    let request = parse(&Input(call.input))?;
    let wait = match request.wait_seconds {
        Some(wait) => wait,
        None => {
            let store = call.state.sqs();
            let state = store
                .queue(&queue.account, &queue.region, &queue.name)
                .ok_or_else(queue_does_not_exist)?;
            queue_int(state, "ReceiveMessageWaitTimeSeconds", 0)
        }
    };
    let deadline = now_millis() + wait * 1000;
    let mut stopping = call.stopping.clone();
    loop {
        let notify = queue_notify(call, &queue)?;
        let notified = notify.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let (messages, next_change) = take_visible(call, &queue, &request)?;
        let now = now_millis();
        if !messages.is_empty() || now >= deadline || *stopping.borrow() {
            return Ok(render(messages));
        }
        let wake_at = next_change.map_or(deadline, |t| t.min(deadline));
        let sleep = Duration::from_millis(u64::try_from(wake_at - now).unwrap_or(0).max(1));
        tokio::select! {
            _ = &mut notified => {}
            _ = tokio::time::sleep(sleep) => {}
            _ = stopping.changed() => {}
        }
    }
}

fn render(messages: Vec<Value>) -> Value {
    if messages.is_empty() {
        return json!({});
    }
    json!({ "Messages": messages })
}

fn queue_notify(call: &Call, queue: &QueueRef) -> Result<Arc<Notify>, ApiError> {
    let store = call.state.sqs();
    let state = store
        .queue(&queue.account, &queue.region, &queue.name)
        .ok_or_else(queue_does_not_exist)?;
    Ok(state.notify.clone())
}

/// Marks up to `max` visible messages as received; also returns when the next hidden message
/// becomes visible, so a long poll can wake for it.
fn take_visible(
    call: &Call,
    queue: &QueueRef,
    request: &Request,
) -> Result<(Vec<Value>, Option<i64>), ApiError> {
    let mut store = call.state.sqs();
    let state = store
        .queue_mut(&queue.account, &queue.region, &queue.name)
        .ok_or_else(queue_does_not_exist)?;
    let now = now_millis();
    drop_expired(state, now);
    let visibility = request
        .visibility
        .unwrap_or_else(|| queue_int(state, "VisibilityTimeout", 30));
    let fifo = is_fifo(state);
    let mut blocked_groups: HashSet<String> = HashSet::new();
    let mut taken = Vec::new();
    let mut next_change: Option<i64> = None;
    for message in state.messages.iter_mut() {
        if message.visible_at_ms > now {
            next_change =
                Some(next_change.map_or(message.visible_at_ms, |t| t.min(message.visible_at_ms)));
            if let (true, Some(group)) = (fifo, &message.data.group_id) {
                blocked_groups.insert(group.clone());
            }
            continue;
        }
        if taken.len() == request.max {
            continue;
        }
        if let (true, Some(group)) = (fifo, &message.data.group_id) {
            if blocked_groups.contains(group) {
                continue;
            }
        }
        mark_received(message, now, visibility);
        taken.push(render_message(call.ctx, message, request));
    }
    Ok((taken, next_change))
}

/// Messages past the queue's retention period are gone.
fn drop_expired(state: &mut Queue, now: i64) {
    let retention_ms = queue_int(state, "MessageRetentionPeriod", 345_600) * 1000;
    state
        .messages
        .retain(|m| now - m.data.sent_ms < retention_ms);
}

fn mark_received(message: &mut Message, now: i64, visibility: i64) {
    message.receive_count += 1;
    message.first_receive_ms.get_or_insert(now);
    message.visible_at_ms = now + visibility * 1000;
    message.receipt = Some(receipt_handle(&message.data.id));
}

fn render_message(ctx: &Context, message: &Message, request: &Request) -> Value {
    let data = &message.data;
    let mut out = json!({
        "MessageId": data.id,
        "ReceiptHandle": message.receipt.clone().unwrap_or_default(),
        "MD5OfBody": data.md5_body,
        "Body": data.body,
    });
    let system = system_attributes(ctx, message, &request.system_names);
    if !system.is_empty() {
        out["Attributes"] = Value::Object(system);
    }
    let selected: Map<String, Value> = data
        .attributes
        .iter()
        .filter(|(name, _)| wants_attribute(&request.attribute_names, name))
        .map(|(name, value)| (name.clone(), attribute_json(value)))
        .collect();
    if !selected.is_empty() {
        out["MessageAttributes"] = Value::Object(selected);
        if let Some(md5) = &data.md5_attributes {
            out["MD5OfMessageAttributes"] = json!(md5);
        }
    }
    out
}

fn wants_attribute(names: &[String], name: &str) -> bool {
    names.iter().any(|wanted| {
        wanted == "All"
            || wanted == ".*"
            || wanted == name
            || wanted
                .strip_suffix(".*")
                .is_some_and(|prefix| name.starts_with(prefix))
    })
}

fn attribute_json(value: &AttributeValue) -> Value {
    let mut out = json!({ "DataType": value.data_type });
    if let Some(s) = &value.string_value {
        out["StringValue"] = json!(s);
    }
    if let Some(b) = &value.binary_value {
        out["BinaryValue"] = json!(b);
    }
    out
}

fn system_attributes(ctx: &Context, message: &Message, names: &[String]) -> Map<String, Value> {
    let data = &message.data;
    let mut all: Vec<(&str, String)> = vec![
        ("SenderId", ctx.access_key.clone()),
        ("SentTimestamp", data.sent_ms.to_string()),
        ("ApproximateReceiveCount", message.receive_count.to_string()),
        (
            "ApproximateFirstReceiveTimestamp",
            message.first_receive_ms.unwrap_or(data.sent_ms).to_string(),
        ),
    ];
    let optional = [
        ("MessageGroupId", data.group_id.clone()),
        ("MessageDeduplicationId", data.dedup_id.clone()),
        ("SequenceNumber", data.sequence.clone()),
        (
            "AWSTraceHeader",
            data.system_attributes
                .get("AWSTraceHeader")
                .and_then(|v| v.string_value.clone()),
        ),
    ];
    all.extend(optional.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
    all.into_iter()
        .filter(|(name, _)| names.iter().any(|n| n == "All" || n == name))
        .map(|(name, value)| (name.to_string(), Value::String(value)))
        .collect()
}
