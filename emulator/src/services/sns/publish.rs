//! Publish and PublishBatch: the message goes to every matching subscription; `sqs`
//! subscriptions receive the SNS JSON envelope (or the raw message) in the emulator's queues.
use std::collections::{BTreeMap, HashSet};

use serde_json::{json, Map, Value};

use super::topics::{check_topic_arn, find_topic, requested_topic, subscription_scope};
use super::{filter, invalid, is_true, Call};
use crate::error::ApiError;
use crate::generated::sns::{self as model, errors};
use crate::services::delivery::{self, Delivery};
use crate::state::sqs::AttributeValue;
use crate::timefmt::{iso8601, now_millis};

const MAX_MESSAGE_BYTES: usize = 262_144;

/// One message to publish, as parsed from a request or batch entry.
struct Outgoing {
    message: String,
    subject: Option<String>,
    structure_json: bool,
    attributes: Map<String, Value>,
    group_id: Option<String>,
    dedup_id: Option<String>,
}

/// The members of a message to publish, as Publish and PublishBatch entries carry them.
struct Parts {
    message: String,
    subject: Option<String>,
    message_structure: Option<String>,
    message_attributes: Option<BTreeMap<String, model::MessageAttributeValue>>,
    group_id: Option<String>,
    dedup_id: Option<String>,
}

fn parse_outgoing(parts: Parts) -> Result<Outgoing, ApiError> {
    let message = parts.message;
    if message.is_empty() {
        return Err(invalid("Invalid parameter: Empty message"));
    }
    if message.len() > MAX_MESSAGE_BYTES {
        return Err(invalid("Invalid parameter: Message too long"));
    }
    if parts
        .subject
        .as_ref()
        .is_some_and(|s| s.chars().count() > 100)
    {
        return Err(invalid("Subject must be less than 100 characters"));
    }
    let structure_json = parts.message_structure.as_deref() == Some("json");
    if structure_json {
        let parsed: Value = serde_json::from_str(&message).map_err(|_| {
            invalid("Invalid parameter: Message Structure - JSON message body failed to parse")
        })?;
        if parsed.get("default").is_none() {
            return Err(invalid(
                "Invalid parameter: Message Structure - No default entry in JSON message body",
            ));
        }
    }
    Ok(Outgoing {
        message,
        subject: parts.subject,
        structure_json,
        attributes: message_attributes(parts.message_attributes.unwrap_or_default())?,
        group_id: parts.group_id,
        dedup_id: parts.dedup_id,
    })
}

/// Message attributes as `{name: {DataType, StringValue | BinaryValue}}`, the form delivery and
/// filter policies read.
fn message_attributes(
    attributes: BTreeMap<String, model::MessageAttributeValue>,
) -> Result<Map<String, Value>, ApiError> {
    let mut out = Map::new();
    for (name, value) in attributes {
        let base = value.data_type.split('.').next().unwrap_or("");
        let has_value = value.string_value.is_some() || value.binary_value.is_some();
        if name.is_empty() || !matches!(base, "String" | "Number" | "Binary") || !has_value {
            return Err(invalid(format!(
                "Invalid parameter: MessageAttributes Reason: The message attribute '{name}' has an invalid type or value."
            )));
        }
        let value = serde_json::to_value(value).unwrap_or_default();
        out.insert(name, value);
    }
    Ok(out)
}

/// The message text an `sqs` subscription receives.
fn text_for_sqs(outgoing: &Outgoing) -> String {
    if !outgoing.structure_json {
        return outgoing.message.clone();
    }
    let parsed: Value = serde_json::from_str(&outgoing.message).unwrap_or(Value::Null);
    let text = parsed.get("sqs").or_else(|| parsed.get("default"));
    match text {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// Message attributes as they appear in the envelope: `{name: {Type, Value}}`.
fn envelope_attributes(attributes: &Map<String, Value>) -> Map<String, Value> {
    attributes
        .iter()
        .map(|(name, v)| {
            let value = v
                .get("StringValue")
                .or_else(|| v.get("BinaryValue"))
                .cloned();
            (
                name.clone(),
                json!({ "Type": v["DataType"], "Value": value }),
            )
        })
        .collect()
}

/// The standard SNS notification envelope.
fn envelope(call: &Call, topic_arn: &str, sub_arn: &str, id: &str, outgoing: &Outgoing) -> String {
    let mut body = json!({
        "Type": "Notification",
        "MessageId": id,
        "TopicArn": topic_arn,
        "Message": text_for_sqs(outgoing),
        "Timestamp": iso8601(now_millis()),
        "SignatureVersion": "1",
        "Signature": "YXdzcmVkaXJlY3Q=",
        "SigningCertURL": format!("{}/_awsredirect/sns-signing-cert.pem", call.ctx.base_url()),
        "UnsubscribeURL": format!("{}/?Action=Unsubscribe&SubscriptionArn={sub_arn}", call.ctx.base_url()),
    });
    if let Some(subject) = &outgoing.subject {
        body["Subject"] = json!(subject);
    }
    if !outgoing.attributes.is_empty() {
        body["MessageAttributes"] = Value::Object(envelope_attributes(&outgoing.attributes));
    }
    body.to_string()
}

fn sqs_attributes(attributes: &Map<String, Value>) -> BTreeMap<String, AttributeValue> {
    attributes
        .iter()
        .map(|(name, v)| {
            let text = |f: &str| v.get(f).and_then(Value::as_str).map(str::to_string);
            (
                name.clone(),
                AttributeValue {
                    data_type: v["DataType"].as_str().unwrap_or("String").to_string(),
                    string_value: text("StringValue"),
                    binary_value: text("BinaryValue"),
                },
            )
        })
        .collect()
}

/// Invokes a `lambda` subscription's function with SNS's event (`Records[0].Sns`), without
/// waiting; a missing function loses the message, as with SNS.
fn deliver_to_lambda(call: &Call, topic_arn: &str, sub: &Value, id: &str, outgoing: &Outgoing) {
    let endpoint = sub["Endpoint"].as_str().unwrap_or("");
    if !delivery::destination(endpoint).is_some_and(|d| d.kind == delivery::Kind::Function) {
        return;
    }
    let sub_arn = sub["SubscriptionArn"].as_str().unwrap_or("");
    let envelope: Value = serde_json::from_str(&envelope(call, topic_arn, sub_arn, id, outgoing))
        .unwrap_or(Value::Null);
    let mut sns = envelope;
    for (from, to) in [
        ("SigningCertURL", "SigningCertUrl"),
        ("UnsubscribeURL", "UnsubscribeUrl"),
    ] {
        if let Some(v) = sns.as_object_mut().and_then(|o| o.remove(from)) {
            sns[to] = v;
        }
    }
    if sns.get("Subject").is_none() {
        sns["Subject"] = Value::Null;
    }
    if sns.get("MessageAttributes").is_none() {
        sns["MessageAttributes"] = json!({});
    }
    let event = json!({ "Records": [{
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": sub_arn,
        "Sns": sns,
    }] });
    let mut delivery = Delivery::new(endpoint, event.to_string());
    delivery.dead_letter = dead_letter_of(sub);
    delivery::send(call.app, call.ctx, delivery);
}

/// The `deadLetterTargetArn` of a subscription's `RedrivePolicy`.
fn dead_letter_of(sub: &Value) -> Option<String> {
    let policy = sub["Attributes"]["RedrivePolicy"].as_str()?;
    let policy: Value = serde_json::from_str(policy).ok()?;
    policy["deadLetterTargetArn"].as_str().map(str::to_string)
}

/// Publishes one message to a topic; answers the message id and, for FIFO topics, the
/// sequence number.
fn publish_one(
    call: &Call,
    topic_arn: &str,
    outgoing: &Outgoing,
) -> Result<(String, Option<String>), ApiError> {
    let (fifo, content_dedup, subscriptions) = {
        let store = call.state.docs();
        let (scope, _, topic) = find_topic(&store, topic_arn)?;
        let subs = subscription_scope(&scope.1, &scope.2);
        let list: Vec<Value> = store
            .all(&subs)
            .into_iter()
            .flatten()
            .filter(|(_, s)| s["TopicArn"] == topic_arn)
            .map(|(_, s)| s.clone())
            .collect();
        let attrs = &topic["Attributes"];
        (
            is_true(&attrs["FifoTopic"]),
            is_true(&attrs["ContentBasedDeduplication"]),
            list,
        )
    };
    if !fifo && outgoing.dedup_id.is_some() {
        return Err(invalid(
            "Invalid parameter: The request includes MessageDeduplicationId parameter that is not valid for this topic type",
        ));
    }
    if fifo && outgoing.group_id.is_none() {
        return Err(invalid(
            "Invalid parameter: The MessageGroupId parameter is required for FIFO topics",
        ));
    }
    if fifo && outgoing.dedup_id.is_none() && !content_dedup {
        return Err(invalid(
            "Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
        ));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let envelope_attrs = envelope_attributes(&outgoing.attributes);
    for sub in &subscriptions {
        let protocol = sub["Protocol"].as_str().unwrap_or("");
        if !matches!(protocol, "sqs" | "lambda") {
            continue;
        }
        let attributes = &sub["Attributes"];
        if let Some(policy) = attributes["FilterPolicy"].as_str() {
            let body_scope = attributes["FilterPolicyScope"] == "MessageBody";
            if !filter::passes(policy, body_scope, &envelope_attrs, &text_for_sqs(outgoing)) {
                continue;
            }
        }
        if protocol == "lambda" {
            deliver_to_lambda(call, topic_arn, sub, &id, outgoing);
            continue;
        }
        let raw = is_true(&attributes["RawMessageDelivery"]);
        let sub_arn = sub["SubscriptionArn"].as_str().unwrap_or("");
        let (body, attrs) = if raw {
            (text_for_sqs(outgoing), sqs_attributes(&outgoing.attributes))
        } else {
            (
                envelope(call, topic_arn, sub_arn, &id, outgoing),
                BTreeMap::new(),
            )
        };
        let dedup = outgoing
            .dedup_id
            .clone()
            .or_else(|| fifo.then(|| content_digest(outgoing.message.as_bytes())));
        let endpoint = sub["Endpoint"].as_str().unwrap_or("");
        delivery::send(
            call.app,
            call.ctx,
            Delivery {
                attributes: attrs,
                group_id: outgoing.group_id.clone(),
                dedup_id: dedup,
                dead_letter: dead_letter_of(sub),
                ..Delivery::new(endpoint, body)
            },
        );
    }
    let sequence = fifo.then(|| format!("{:020}", now_millis()));
    Ok((id, sequence))
}

/// The deduplication id content-based deduplication derives from the message: its SHA-256,
/// as SNS documents.
fn content_digest(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}

/// Publishes a message another service delivers to a topic (an S3 notification, an EventBridge
/// target, a Lambda dead-letter topic) as the topic's owner would; answers the message id.
pub fn publish_from(
    app: &crate::server::App,
    ctx: &crate::context::Context,
    topic_arn: &str,
    delivery: &Delivery,
) -> Result<String, ApiError> {
    let attributes = delivery
        .attributes
        .iter()
        .map(|(name, v)| {
            let mut value = json!({ "DataType": v.data_type });
            if let Some(text) = &v.string_value {
                value["StringValue"] = json!(text);
            }
            if let Some(binary) = &v.binary_value {
                value["BinaryValue"] = json!(binary);
            }
            (name.clone(), value)
        })
        .collect();
    let outgoing = Outgoing {
        message: delivery.message.clone(),
        subject: None,
        structure_json: false,
        attributes,
        group_id: delivery.group_id.clone(),
        dedup_id: delivery.dedup_id.clone(),
    };
    let call = Call {
        app,
        state: &app.state,
        ctx,
    };
    publish_one(&call, topic_arn, &outgoing).map(|(id, _)| id)
}

pub fn publish(
    call: &Call,
    input: model::PublishInput,
) -> Result<model::PublishResponse, ApiError> {
    if let (None, None, Some(number)) = (&input.topic_arn, &input.target_arn, &input.phone_number) {
        super::sms::check_publish(number, &input.message)?;
        return Ok(model::PublishResponse {
            message_id: Some(uuid::Uuid::new_v4().to_string()),
            sequence_number: None,
        });
    }
    let topic_arn = input.topic_arn.or(input.target_arn).ok_or_else(|| {
        invalid("Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter")
    })?;
    check_topic_arn(call.ctx, &topic_arn)?;
    let outgoing = parse_outgoing(Parts {
        message: input.message,
        subject: input.subject,
        message_structure: input.message_structure,
        message_attributes: input.message_attributes,
        group_id: input.message_group_id,
        dedup_id: input.message_deduplication_id,
    })?;
    let (id, sequence) = publish_one(call, &topic_arn, &outgoing)?;
    Ok(model::PublishResponse {
        message_id: Some(id),
        sequence_number: sequence,
    })
}

pub fn publish_batch(
    call: &Call,
    input: model::PublishBatchInput,
) -> Result<model::PublishBatchResponse, ApiError> {
    let topic_arn = input.topic_arn;
    let entries = input.publish_batch_request_entries;
    if entries.is_empty() {
        return Err(errors::EMPTY_BATCH_REQUEST_EXCEPTION
            .with("The batch request doesn't contain any entries"));
    }
    if entries.len() > 10 {
        return Err(errors::TOO_MANY_ENTRIES_IN_BATCH_REQUEST_EXCEPTION
            .with("The batch request contains more entries than permissible"));
    }
    let ids: HashSet<&str> = entries.iter().map(|e| e.id.as_str()).collect();
    if ids.len() != entries.len() {
        return Err(errors::BATCH_ENTRY_IDS_NOT_DISTINCT_EXCEPTION
            .with("Two or more batch entries in the request have the same Id"));
    }
    {
        let store = call.state.docs();
        requested_topic(call.ctx, &store, &topic_arn)?;
    }
    let mut successful = Vec::new();
    let mut failed = Vec::new();
    for entry in entries {
        let parts = Parts {
            message: entry.message,
            subject: entry.subject,
            message_structure: entry.message_structure,
            message_attributes: entry.message_attributes,
            group_id: entry.message_group_id,
            dedup_id: entry.message_deduplication_id,
        };
        match parse_outgoing(parts).and_then(|o| publish_one(call, &topic_arn, &o)) {
            Ok((message_id, sequence)) => successful.push(model::PublishBatchResultEntry {
                id: Some(entry.id),
                message_id: Some(message_id),
                sequence_number: sequence,
            }),
            Err(err) => failed.push(model::BatchResultErrorEntry {
                id: entry.id,
                code: err.code,
                message: Some(err.message),
                sender_fault: true,
            }),
        }
    }
    Ok(model::PublishBatchResponse {
        successful: Some(successful),
        failed: Some(failed),
    })
}
