//! ReceiveMessage: visibility timeouts with redelivery, FIFO group ordering, and long polling
//! that sleeps on a per-queue notification instead of busy-waiting.
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde_json::Value;
use tokio::sync::Notify;

use super::digest::attributes_md5;
use super::errors::{invalid_parameter, queue_does_not_exist};
use super::messages::receipt_handle;
use super::queues::{is_fifo, queue_int, queue_ref, QueueRef};
use super::Sqs;
use crate::context::Context;
use crate::error::ApiError;
use crate::generated::sqs as model;
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

fn parse(input: model::ReceiveMessageRequest) -> Result<Request, ApiError> {
    let max = input.max_number_of_messages.unwrap_or(1);
    if !(1..=10).contains(&max) {
        return Err(invalid_parameter(
            "Value for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10.",
        ));
    }
    let visibility = input.visibility_timeout.map(i64::from);
    if visibility.is_some_and(|v| !(0..=43_200).contains(&v)) {
        return Err(invalid_parameter(
            "VisibilityTimeout must be between 0 and 43200",
        ));
    }
    let wait_seconds = input.wait_time_seconds.map(i64::from);
    if wait_seconds.is_some_and(|w| !(0..=20).contains(&w)) {
        return Err(invalid_parameter(
            "WaitTimeSeconds must be between 0 and 20",
        ));
    }
    let mut system_names = input.attribute_names.unwrap_or_default();
    system_names.extend(input.message_system_attribute_names.unwrap_or_default());
    Ok(Request {
        max: max as usize,
        visibility,
        wait_seconds,
        system_names,
        attribute_names: input.message_attribute_names.unwrap_or_default(),
    })
}

pub async fn receive(
    sqs: &Sqs<'_>,
    ctx: &Context,
    input: model::ReceiveMessageRequest,
) -> Result<model::ReceiveMessageResult, ApiError> {
    let queue = queue_ref(ctx, &input.queue_url)?;
    let request = parse(input)?;
    let wait = match request.wait_seconds {
        Some(wait) => wait,
        None => {
            let store = sqs.state.sqs();
            let state = queue.find(&store)?;
            queue_int(state, "ReceiveMessageWaitTimeSeconds", 0)
        }
    };
    let deadline = now_millis() + wait * 1000;
    let mut stopping = sqs.stopping.clone();
    loop {
        let notify = queue_notify(sqs, &queue)?;
        let notified = notify.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let taken = take_visible(sqs, ctx, &queue, &request)?;
        if let Some(target) = &taken.dead_letter_queue {
            if !taken.dead.is_empty() {
                move_to_dead_letter_queue(sqs, &queue, target, taken.dead);
            }
        }
        let (messages, next_change) = (taken.messages, taken.next_change);
        let now = now_millis();
        if !messages.is_empty() || now >= deadline || *stopping.borrow() {
            return Ok(model::ReceiveMessageResult {
                messages: (!messages.is_empty()).then_some(messages),
            });
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

fn queue_notify(sqs: &Sqs, queue: &QueueRef) -> Result<Arc<Notify>, ApiError> {
    let store = sqs.state.sqs();
    let state = queue.find(&store)?;
    Ok(state.notify.clone())
}

/// Messages taken by one receive pass, and those due for the dead-letter queue.
struct Taken {
    messages: Vec<model::Message>,
    /// When the next hidden message becomes visible.
    next_change: Option<i64>,
    /// Messages received `maxReceiveCount` times, with the dead-letter queue's name.
    dead: Vec<MessageData>,
    dead_letter_queue: Option<String>,
}

/// Marks up to `max` visible messages as received and hides those due for the dead-letter
/// queue (they are moved, journaled, by [`move_to_dead_letter_queue`]).
fn take_visible(
    sqs: &Sqs,
    ctx: &Context,
    queue: &QueueRef,
    request: &Request,
) -> Result<Taken, ApiError> {
    let mut store = sqs.state.sqs();
    let redrive = {
        let state = queue.find(&store)?;
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
        taken.messages.push(render_message(ctx, message, request));
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
fn move_to_dead_letter_queue(sqs: &Sqs, queue: &QueueRef, target: &str, dead: Vec<MessageData>) {
    let moved = sqs.state.commit_sqs(|store| {
        let source = queue.find(store)?;
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
        let mut store = sqs.state.sqs();
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

fn render_message(ctx: &Context, message: &Message, request: &Request) -> model::Message {
    let data = &message.data;
    let system = system_attributes(ctx, message, &request.system_names);
    let chosen: BTreeMap<String, AttributeValue> = data
        .attributes
        .iter()
        .filter(|(name, _)| wants_attribute(&request.attribute_names, name))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    // The digest covers the attributes answered, not all the message has.
    let md5_of_message_attributes = attributes_md5(&chosen);
    let selected: BTreeMap<String, model::MessageAttributeValue> = chosen
        .iter()
        .map(|(name, value)| (name.clone(), attribute_value(value)))
        .collect();
    model::Message {
        message_id: Some(data.id.clone()),
        receipt_handle: Some(message.receipt.clone().unwrap_or_default()),
        md5_of_body: Some(data.md5_body.clone()),
        body: Some(data.body.clone()),
        attributes: (!system.is_empty()).then_some(system),
        md5_of_message_attributes,
        message_attributes: (!selected.is_empty()).then_some(selected),
    }
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

fn attribute_value(value: &AttributeValue) -> model::MessageAttributeValue {
    model::MessageAttributeValue {
        data_type: value.data_type.clone(),
        string_value: value.string_value.clone(),
        binary_value: value
            .binary_value
            .as_ref()
            .map(|b| crate::model::Blob(BASE64.decode(b).unwrap_or_default())),
        ..Default::default()
    }
}

fn system_attributes(
    ctx: &Context,
    message: &Message,
    names: &[String],
) -> BTreeMap<String, String> {
    let data = &message.data;
    let mut all: Vec<(&str, String)> = vec![
        // The sender's identity, not the receiver's; without one (older journals, deliveries
        // by SNS) the queue's own account.
        (
            "SenderId",
            data.sender_id
                .clone()
                .unwrap_or_else(|| ctx.account.clone()),
        ),
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
        .map(|(name, value)| (name.to_string(), value))
        .collect()
}
