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
use crate::context::Context;
use crate::error::ApiError;
use crate::state::record::{Entry, Record};
use crate::state::sqs::{AttributeValue, Message, MessageData, Queue};
use crate::timefmt::now_millis;

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
        let taken = take_visible(call, &queue, &request)?;
        if let Some(target) = &taken.dead_letter_queue {
            if !taken.dead.is_empty() {
                move_to_dead_letter_queue(call, &queue, target, taken.dead);
            }
        }
        let (messages, next_change) = (taken.messages, taken.next_change);
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

/// Messages taken by one receive pass, and those due for the dead-letter queue.
struct Taken {
    messages: Vec<Value>,
    /// When the next hidden message becomes visible.
    next_change: Option<i64>,
    /// Messages received `maxReceiveCount` times, with the dead-letter queue's name.
    dead: Vec<MessageData>,
    dead_letter_queue: Option<String>,
}

/// Marks up to `max` visible messages as received and hides those due for the dead-letter
/// queue (they are moved, journaled, by [`move_to_dead_letter_queue`]).
fn take_visible(call: &Call, queue: &QueueRef, request: &Request) -> Result<Taken, ApiError> {
    let mut store = call.state.sqs();
    let redrive = {
        let state = store
            .queue(&queue.account, &queue.region, &queue.name)
            .ok_or_else(queue_does_not_exist)?;
        redrive_policy(state).filter(|p| {
            store
                .queue(&queue.account, &queue.region, &p.target)
                .is_some()
        })
    };
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
    let mut taken = Taken {
        messages: Vec::new(),
        next_change: None,
        dead: Vec::new(),
        dead_letter_queue: redrive.as_ref().map(|p| p.target.clone()),
    };
    for message in &mut state.messages {
        if message.visible_at_ms > now {
            let at = message.visible_at_ms;
            taken.next_change = Some(taken.next_change.map_or(at, |t| t.min(at)));
            if let (true, Some(group)) = (fifo, &message.data.group_id) {
                blocked_groups.insert(group.clone());
            }
            continue;
        }
        if taken.messages.len() == request.max {
            continue;
        }
        if let (true, Some(group)) = (fifo, &message.data.group_id) {
            if blocked_groups.contains(group) {
                continue;
            }
        }
        if redrive
            .as_ref()
            .is_some_and(|p| message.receive_count >= p.max_receives)
        {
            message.visible_at_ms = i64::MAX;
            taken.dead.push(message.data.clone());
            continue;
        }
        mark_received(message, now, visibility);
        taken
            .messages
            .push(render_message(call.ctx, message, request));
    }
    Ok(taken)
}

/// A queue's `RedrivePolicy`: where messages go after `max_receives` receives.
struct Redrive {
    target: String,
    max_receives: u32,
}

fn redrive_policy(queue: &Queue) -> Option<Redrive> {
    let policy: Value = serde_json::from_str(queue.meta.attributes.get("RedrivePolicy")?).ok()?;
    let arn = policy.get("deadLetterTargetArn")?.as_str()?;
    let max = match policy.get("maxReceiveCount")? {
        Value::Number(n) => n.as_u64()?,
        Value::String(s) => s.parse().ok()?,
        _ => return None,
    };
    Some(Redrive {
        target: arn.rsplit(':').next()?.to_string(),
        max_receives: u32::try_from(max).ok()?,
    })
}

/// Moves messages to the dead-letter queue (journaled: a delete here, a send there).
fn move_to_dead_letter_queue(call: &Call, queue: &QueueRef, target: &str, dead: Vec<MessageData>) {
    let moved = call.state.commit_sqs(|store| {
        let source = store
            .queue(&queue.account, &queue.region, &queue.name)
            .ok_or_else(queue_does_not_exist)?;
        let mut entries = Vec::new();
        for data in &dead {
            if !source.messages.iter().any(|m| m.data.id == data.id) {
                continue;
            }
            entries.push(Entry::new(Record::MessageDeleted {
                account: queue.account.clone(),
                region: queue.region.clone(),
                queue: queue.name.clone(),
                message_id: data.id.clone(),
            }));
            let mut message = data.clone();
            message.delay_seconds = 0;
            entries.push(Entry::new(Record::MessageSent {
                account: queue.account.clone(),
                region: queue.region.clone(),
                queue: target.to_string(),
                message,
            }));
        }
        Ok((entries, ()))
    });
    if moved.is_err() {
        // Could not journal the move: make the messages receivable again rather than lose them.
        let mut store = call.state.sqs();
        if let Some(state) = store.queue_mut(&queue.account, &queue.region, &queue.name) {
            for message in state
                .messages
                .iter_mut()
                .filter(|m| m.visible_at_ms == i64::MAX)
            {
                message.visible_at_ms = now_millis();
            }
        }
    }
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
