//! PutEvents and TestEventPattern: events as EventBridge builds them, matched against the
//! rules of their bus and handed to the rules' targets through `services::delivery`.
use serde_json::{json, Map, Value};

use super::rules::{parse_pattern, rules_on, targets_of};
use super::transform::{self, RuleContext};
use super::{bus_name, buses, validation};
use crate::context::Context;
use crate::error::ApiError;
use crate::generated::events as model;
use crate::pattern;
use crate::server::App;
use crate::services::delivery::{self, Delivery};
use crate::timefmt;

/// EventBridge's limit on the size of a PutEvents request's entries: 256 KiB.
pub const MAX_ENTRIES_BYTES: usize = 256 * 1024;

/// An entry's size as EventBridge counts it (EventBridge User Guide, "Calculating Amazon
/// EventBridge PutEvents event entry size"): 14 bytes for a time, then the UTF-8 lengths of
/// the source, detail type, detail and resources.
pub fn entry_size(entry: &model::PutEventsRequestEntry) -> usize {
    let text = |s: &Option<String>| s.as_ref().map_or(0, String::len);
    let time = if entry.time.is_some() { 14 } else { 0 };
    let resources: usize = entry.resources.iter().flatten().map(String::len).sum();
    time + text(&entry.source) + text(&entry.detail_type) + text(&entry.detail) + resources
}

fn failure(code: &str, message: impl Into<String>) -> model::PutEventsResultEntry {
    model::PutEventsResultEntry {
        event_id: None,
        error_code: Some(code.to_string()),
        error_message: Some(message.into()),
    }
}

fn required(name: &str) -> model::PutEventsResultEntry {
    failure(
        "InvalidArgument",
        format!("Parameter {name} is not valid. Reason: {name} is a required argument."),
    )
}

/// The event an entry stands for, or the entry's error.
fn event_of(
    ctx: &Context,
    entry: &model::PutEventsRequestEntry,
) -> Result<Value, model::PutEventsResultEntry> {
    let present = |s: &Option<String>| s.as_deref().filter(|s| !s.is_empty()).map(str::to_string);
    let source = present(&entry.source).ok_or_else(|| required("Source"))?;
    let detail_type = present(&entry.detail_type).ok_or_else(|| required("DetailType"))?;
    let detail = present(&entry.detail).ok_or_else(|| required("Detail"))?;
    let Ok(Value::Object(detail)) = serde_json::from_str::<Value>(&detail) else {
        return Err(failure("MalformedDetail", "Detail is malformed."));
    };
    if source.starts_with("aws.") {
        return Err(failure(
            "NotAuthorizedForSourceException",
            "Not authorized for the source.",
        ));
    }
    let millis = entry
        .time
        .map_or_else(timefmt::now_millis, |t| (t * 1000.0) as i64);
    Ok(build_event(
        ctx,
        &source,
        &detail_type,
        entry.resources.clone().unwrap_or_default(),
        Value::Object(detail),
        millis,
    ))
}

/// An event as EventBridge delivers it.
pub fn build_event(
    ctx: &Context,
    source: &str,
    detail_type: &str,
    resources: Vec<String>,
    detail: Value,
    millis: i64,
) -> Value {
    json!({
        "version": "0",
        "id": uuid::Uuid::new_v4().to_string(),
        "detail-type": detail_type,
        "source": source,
        "account": ctx.account,
        "time": timefmt::iso8601_seconds(millis),
        "region": ctx.region,
        "resources": resources,
        "detail": detail,
    })
}

pub fn put_events(
    app: &App,
    ctx: &Context,
    input: model::PutEventsRequest,
) -> Result<model::PutEventsResponse, ApiError> {
    let total: usize = input.entries.iter().map(entry_size).sum();
    if total > MAX_ENTRIES_BYTES {
        return Err(validation(
            "Total size of the entries in the request is over the limit.",
        ));
    }
    let mut results = Vec::with_capacity(input.entries.len());
    for entry in &input.entries {
        let bus = bus_name(entry.event_bus_name.as_deref());
        let result = match event_of(ctx, entry) {
            Err(failed) => failed,
            Ok(_) if !buses::exists(&app.state.docs(), ctx, &bus) => failure(
                "ResourceNotFoundException",
                format!("Event bus {bus} does not exist."),
            ),
            Ok(event) => {
                route(app, ctx, &bus, &event);
                model::PutEventsResultEntry {
                    event_id: event["id"].as_str().map(str::to_string),
                    ..Default::default()
                }
            }
        };
        results.push(result);
    }
    let failed = results.iter().filter(|r| r.error_code.is_some()).count();
    Ok(model::PutEventsResponse {
        failed_entry_count: Some(i32::try_from(failed).unwrap_or(i32::MAX)),
        entries: Some(results),
    })
}

/// Whether a stored rule takes events (and schedules fire): enabled in either enabled state.
pub fn enabled(rule: &Value) -> bool {
    rule["State"]
        .as_str()
        .is_some_and(|s| s.starts_with("ENABLED"))
}

/// Sends `event` to the targets of every enabled rule on `bus` whose pattern it matches.
pub fn route(app: &App, ctx: &Context, bus: &str, event: &Value) {
    let rules = rules_on(&app.state.docs(), ctx, bus);
    let Some(document) = event.as_object() else {
        return;
    };
    for rule in rules.iter().filter(|r| enabled(r)) {
        if matches_rule(rule, document) {
            send_to_targets(app, ctx, rule, event);
        }
    }
}

fn matches_rule(rule: &Value, event: &Map<String, Value>) -> bool {
    let Some(text) = rule["EventPattern"].as_str() else {
        return false;
    };
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(p)) => pattern::object_matches(&p, event),
        _ => false,
    }
}

/// Hands `event` to each of `rule`'s targets, transformed as the target asks.
pub fn send_to_targets(app: &App, ctx: &Context, rule: &Value, event: &Value) {
    let ingestion_time = timefmt::iso8601_seconds(timefmt::now_millis());
    let rule_context = RuleContext {
        rule_arn: rule["Arn"].as_str().unwrap_or(""),
        rule_name: rule["Name"].as_str().unwrap_or(""),
        ingestion_time: &ingestion_time,
    };
    for target in targets_of(rule) {
        let message = transform::render(&target, event, &rule_context);
        delivery::send(app, ctx, delivery_for(&target, message, event));
    }
}

/// The delivery of `message` to `target`: its FIFO group, retry policy and dead-letter queue.
fn delivery_for(target: &model::Target, message: String, event: &Value) -> Delivery {
    let mut d = Delivery::new(target.arn.clone(), message);
    d.group_id = target
        .sqs_parameters
        .as_ref()
        .and_then(|p| p.message_group_id.clone());
    if d.group_id.is_some() {
        d.dedup_id = event["id"].as_str().map(str::to_string);
    }
    if let Some(retries) = target
        .retry_policy
        .as_ref()
        .and_then(|p| p.maximum_retry_attempts)
    {
        d.retries = u32::try_from(retries).unwrap_or(0);
    }
    d.dead_letter = target
        .dead_letter_config
        .as_ref()
        .and_then(|c| c.arn.clone());
    d
}

/// The fields TestEventPattern requires of its event.
const EVENT_FIELDS: [&str; 6] = ["id", "account", "source", "time", "region", "detail-type"];

pub fn test_event_pattern(
    pattern_text: &str,
    event_text: &str,
) -> Result<model::TestEventPatternResponse, ApiError> {
    let pattern = parse_pattern(pattern_text)?;
    let event: Value = serde_json::from_str(event_text)
        .map_err(|_| validation("Parameter Event is not valid."))?;
    let Some(document) = event.as_object() else {
        return Err(validation("Parameter Event is not valid."));
    };
    if let Some(missing) = EVENT_FIELDS.iter().find(|f| !document.contains_key(**f)) {
        return Err(validation(format!(
            "Parameter Event is not valid. Reason: Provided Event must have a {missing} field."
        )));
    }
    let result = pattern
        .as_object()
        .is_some_and(|p| pattern::object_matches(p, document));
    Ok(model::TestEventPatternResponse {
        result: Some(result),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_delivery_carries_its_group_retries_and_dead_letter_queue() {
        let event = json!({"id": "event-1"});
        let plain = model::Target {
            id: "t".into(),
            arn: "arn:aws:sqs:us-east-1:000000000000:q".into(),
            ..Default::default()
        };
        let d = delivery_for(&plain, "m".into(), &event);
        assert_eq!(
            (d.retries, d.dead_letter, d.group_id),
            (delivery::RETRIES, None, None)
        );
        let configured = model::Target {
            sqs_parameters: Some(model::SqsParameters {
                message_group_id: Some("g".into()),
            }),
            retry_policy: Some(model::RetryPolicy {
                maximum_retry_attempts: Some(0),
                maximum_event_age_in_seconds: None,
            }),
            dead_letter_config: Some(model::DeadLetterConfig {
                arn: Some("arn:aws:sqs:us-east-1:000000000000:dlq".into()),
            }),
            ..plain
        };
        let d = delivery_for(&configured, "m".into(), &event);
        assert_eq!(d.retries, 0);
        assert_eq!(
            d.dead_letter.as_deref(),
            Some("arn:aws:sqs:us-east-1:000000000000:dlq")
        );
        assert_eq!(
            (d.group_id.as_deref(), d.dedup_id.as_deref()),
            (Some("g"), Some("event-1"))
        );
    }
}
