//! Event source mappings (Create / Get / List / Update / DeleteEventSourceMapping) for SQS
//! queues: each mapping is one journaled document in `state::docs` (kind
//! `event-source-mapping`, named by its UUID) holding its `EventSourceMappingConfiguration`
//! with `State` `Enabled` or `Disabled`; the [`super::poller`] reads them. Other event sources
//! (DynamoDB and Kinesis streams, Kafka, MQ) are refused.
use serde_json::{json, Value};

use super::versions;
use super::{function_name, invalid};
use crate::context::Context;
use crate::error::ApiError;
use crate::generated::lambda::{self as model, errors};
use crate::server::App;
use crate::services::sqs;
use crate::state::docs::{self, Scope};
use crate::timefmt::now_seconds;

/// The document kind of mappings.
pub const KIND: &str = "event-source-mapping";

/// Lambda's default batch size for SQS sources, and the largest a FIFO queue allows.
const DEFAULT_BATCH_SIZE: i32 = 10;
const FIFO_MAX_BATCH_SIZE: i32 = 10;

pub fn scope(ctx: &Context) -> Scope {
    docs::scope("lambda", &ctx.account, &ctx.region, KIND)
}

/// An SQS queue named by its ARN: `arn:aws:sqs:<region>:<account>:<name>`.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueArn {
    pub region: String,
    pub account: String,
    pub name: String,
}

/// The queue an event source ARN names, or why it is not one the emulator can map.
pub fn parse_queue_arn(arn: &str) -> Result<QueueArn, ApiError> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", _, "sqs", region, account, name] if !name.is_empty() => Ok(QueueArn {
            region: (*region).to_string(),
            account: (*account).to_string(),
            name: (*name).to_string(),
        }),
        ["arn", _, service, ..] => Err(invalid(format!(
            "awsredirect serve emulates event source mappings for SQS queues only; the {service} event source {arn} is not emulated"
        ))),
        _ => Err(invalid(format!(
            "awsredirect serve emulates event source mappings for SQS queues only; EventSourceArn {arn} is not an SQS queue ARN"
        ))),
    }
}

/// Lambda's answer for an unknown UUID (it does not repeat the UUID).
fn not_found() -> ApiError {
    errors::RESOURCE_NOT_FOUND_EXCEPTION.with("The resource you requested does not exist.")
}

/// The filters of a `FilterCriteria`, each pattern a JSON object, or why one is not.
fn check_filters(filters: Option<&model::FilterCriteria>) -> Result<Vec<String>, ApiError> {
    let patterns: Vec<String> = filters
        .and_then(|f| f.filters.as_ref())
        .into_iter()
        .flatten()
        .filter_map(|f| f.pattern.clone())
        .collect();
    for pattern in &patterns {
        if !matches!(serde_json::from_str::<Value>(pattern), Ok(Value::Object(_))) {
            return Err(invalid(format!(
                "Invalid filter pattern definition: {pattern} is not a JSON object"
            )));
        }
    }
    Ok(patterns)
}

/// `FilterCriteria` as stored and answered: `{"Filters": [{"Pattern": ...}]}`, none if empty.
fn filter_criteria(patterns: &[String]) -> Value {
    let filters: Vec<Value> = patterns.iter().map(|p| json!({ "Pattern": p })).collect();
    json!({ "Filters": filters })
}

/// Checks the batching settings against the queue type, as Lambda does for SQS sources.
fn check_batching(fifo: bool, batch_size: i32, window: i32) -> Result<(), ApiError> {
    if fifo && batch_size > FIFO_MAX_BATCH_SIZE {
        return Err(invalid(format!(
            "BatchSize {batch_size} is not valid for a FIFO queue: it must be between 1 and {FIFO_MAX_BATCH_SIZE}"
        )));
    }
    if fifo && window > 0 {
        return Err(invalid(
            "Batching window is not supported for FIFO queues (MaximumBatchingWindowInSeconds)",
        ));
    }
    if batch_size > 10 && window < 1 {
        return Err(invalid(
            "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10",
        ));
    }
    Ok(())
}

/// The queue's settings, if it exists in the mapping's region.
fn queue_settings(app: &App, ctx: &Context, arn: &str) -> Result<sqs::QueueSettings, ApiError> {
    let queue = parse_queue_arn(arn)?;
    let missing = || {
        invalid(format!(
            "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist: {arn}"
        ))
    };
    if queue.region != ctx.region {
        return Err(missing());
    }
    sqs::queue_settings(&app.state, &queue.account, &queue.region, &queue.name).ok_or_else(missing)
}

/// Lambda refuses a queue whose visibility timeout is shorter than the function's timeout (a
/// batch would become visible again while the function still runs).
fn check_visibility(
    app: &App,
    ctx: &Context,
    target: &versions::Target,
    queue: &sqs::QueueSettings,
) -> Result<(), ApiError> {
    let config = versions::stored_configuration(app, ctx, target)?;
    let timeout = config["Timeout"].as_i64().unwrap_or(3);
    if queue.visibility_timeout < timeout {
        return Err(invalid(format!(
            "Queue visibility timeout: {} seconds is less than Function timeout: {timeout} seconds",
            queue.visibility_timeout
        )));
    }
    Ok(())
}

fn mapping_arn(ctx: &Context, uuid: &str) -> String {
    ctx.arn("lambda", &format!("{KIND}:{uuid}"))
}

/// The stored mapping as Lambda answers it, with `state` in place of the stored one when the
/// answer describes a transition (`Creating`, `Updating`, `Deleting`).
fn answer(
    stored: &Value,
    state: Option<&str>,
) -> Result<model::EventSourceMappingConfiguration, ApiError> {
    let mut config: model::EventSourceMappingConfiguration = serde_json::from_value(stored.clone())
        .map_err(|e| {
            errors::SERVICE_EXCEPTION.with(format!(
                "the stored event source mapping is unreadable: {e}"
            ))
        })?;
    if let Some(state) = state {
        config.state = Some(state.to_string());
    }
    Ok(config)
}

fn state_name(enabled: bool) -> &'static str {
    if enabled {
        "Enabled"
    } else {
        "Disabled"
    }
}

pub fn create(
    app: &App,
    ctx: &Context,
    input: model::CreateEventSourceMappingRequest,
) -> Result<model::EventSourceMappingConfiguration, ApiError> {
    let source = input.event_source_arn.clone().ok_or_else(|| {
        invalid("awsredirect serve emulates event source mappings for SQS queues only; EventSourceArn is required")
    })?;
    let queue = queue_settings(app, ctx, &source)?;
    let patterns = check_filters(input.filter_criteria.as_ref())?;
    let target = versions::resolve(app, ctx, &input.function_name, None)?;
    check_visibility(app, ctx, &target, &queue)?;
    let function_arn = target.arn(ctx);
    let batch_size = input.batch_size.unwrap_or(DEFAULT_BATCH_SIZE);
    let window = input.maximum_batching_window_in_seconds.unwrap_or(0);
    check_batching(queue.fifo, batch_size, window)?;
    let uuid = uuid::Uuid::new_v4().to_string();
    let mut doc = json!({
        "UUID": uuid,
        "EventSourceMappingArn": mapping_arn(ctx, &uuid),
        "EventSourceArn": source,
        "FunctionArn": function_arn,
        "BatchSize": batch_size,
        "MaximumBatchingWindowInSeconds": window,
        "FunctionResponseTypes": input.function_response_types.unwrap_or_default(),
        "LastModified": now_seconds(),
        "State": state_name(input.enabled.unwrap_or(true)),
        "StateTransitionReason": "USER_INITIATED",
    });
    if let Some(scaling) = &input.scaling_config {
        doc["ScalingConfig"] = json!(scaling);
    }
    if !patterns.is_empty() {
        doc["FilterCriteria"] = filter_criteria(&patterns);
    }
    let scope = scope(ctx);
    app.state.commit_docs(|store| {
        let existing = store.all(&scope).into_iter().flatten().find(|(_, m)| {
            m["EventSourceArn"] == doc["EventSourceArn"] && m["FunctionArn"] == doc["FunctionArn"]
        });
        if let Some((existing, _)) = existing {
            return Err(errors::RESOURCE_CONFLICT_EXCEPTION.with(format!(
                "An event source mapping with SQS arn (\" {source} \") and function (\" {} \") already exists. Please update or delete the existing mapping with UUID {existing}",
                target.name
            )));
        }
        Ok((vec![docs::put(&scope, &uuid, doc.clone())], ()))
    })?;
    app.event_sources_changed.notify_one();
    answer(&doc, Some("Creating"))
}

fn load(app: &App, ctx: &Context, uuid: &str) -> Result<Value, ApiError> {
    app.state
        .docs()
        .get(&scope(ctx), uuid)
        .cloned()
        .ok_or_else(not_found)
}

pub fn get(
    app: &App,
    ctx: &Context,
    uuid: &str,
) -> Result<model::EventSourceMappingConfiguration, ApiError> {
    answer(&load(app, ctx, uuid)?, None)
}

/// Whether a mapping's function is the one a `FunctionName` filter names: by name, and by the
/// qualified ARN when the filter carries a qualifier.
fn function_matches(
    app: &App,
    ctx: &Context,
    mapping: &Value,
    filter: &str,
) -> Result<bool, ApiError> {
    let arn = mapping["FunctionArn"].as_str().unwrap_or("");
    if versions::qualifier_in(filter).is_some() {
        let target = versions::resolve(app, ctx, filter, None)?;
        return Ok(arn == target.arn(ctx));
    }
    Ok(function_name(arn) == function_name(filter))
}

pub fn list(
    app: &App,
    ctx: &Context,
    input: &model::ListEventSourceMappingsRequest,
) -> Result<model::ListEventSourceMappingsResponse, ApiError> {
    if let Some(function) = &input.function_name {
        versions::resolve(app, ctx, function, None)?;
    }
    let all: Vec<Value> = app
        .state
        .docs()
        .all(&scope(ctx))
        .into_iter()
        .flatten()
        .map(|(_, doc)| doc.clone())
        .collect();
    let mut chosen = Vec::new();
    for mapping in all {
        let source_ok = input
            .event_source_arn
            .as_ref()
            .is_none_or(|arn| mapping["EventSourceArn"].as_str() == Some(arn));
        let function_ok = match &input.function_name {
            Some(filter) => function_matches(app, ctx, &mapping, filter)?,
            None => true,
        };
        if source_ok && function_ok {
            chosen.push(mapping);
        }
    }
    let max_items = input.max_items.map(|n| n.min(100));
    let (page, next_marker) = versions::page(&chosen, input.marker.as_deref(), max_items)?;
    Ok(model::ListEventSourceMappingsResponse {
        event_source_mappings: Some(
            page.iter()
                .map(|m| answer(m, None))
                .collect::<Result<_, _>>()?,
        ),
        next_marker,
    })
}

pub fn update(
    app: &App,
    ctx: &Context,
    input: model::UpdateEventSourceMappingRequest,
) -> Result<model::EventSourceMappingConfiguration, ApiError> {
    let mut doc = load(app, ctx, &input.uuid)?;
    if input.filter_criteria.is_some() {
        let patterns = check_filters(input.filter_criteria.as_ref())?;
        match patterns.is_empty() {
            true => {
                if let Some(fields) = doc.as_object_mut() {
                    fields.remove("FilterCriteria");
                }
            }
            false => doc["FilterCriteria"] = filter_criteria(&patterns),
        }
    }
    let queue = queue_settings(app, ctx, doc["EventSourceArn"].as_str().unwrap_or(""))?;
    if let Some(function) = &input.function_name {
        let target = versions::resolve(app, ctx, function, None)?;
        check_visibility(app, ctx, &target, &queue)?;
        doc["FunctionArn"] = json!(target.arn(ctx));
    }
    if let Some(size) = input.batch_size {
        doc["BatchSize"] = json!(size);
    }
    if let Some(window) = input.maximum_batching_window_in_seconds {
        doc["MaximumBatchingWindowInSeconds"] = json!(window);
    }
    if let Some(types) = &input.function_response_types {
        doc["FunctionResponseTypes"] = json!(types);
    }
    if let Some(scaling) = &input.scaling_config {
        doc["ScalingConfig"] = json!(scaling);
    }
    // Lambda answers an update with the transition it starts.
    let transition = match input.enabled {
        Some(enabled) if doc["State"] != state_name(enabled) => {
            doc["State"] = json!(state_name(enabled));
            if enabled {
                "Enabling"
            } else {
                "Disabling"
            }
        }
        _ => "Updating",
    };
    let int = |field: &str| {
        doc[field]
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .unwrap_or(0)
    };
    check_batching(
        queue.fifo,
        int("BatchSize"),
        int("MaximumBatchingWindowInSeconds"),
    )?;
    doc["LastModified"] = json!(now_seconds());
    doc["StateTransitionReason"] = json!("USER_INITIATED");
    let scope = scope(ctx);
    app.state.commit_docs(|store| {
        if store.get(&scope, &input.uuid).is_none() {
            return Err(not_found());
        }
        Ok((vec![docs::put(&scope, &input.uuid, doc.clone())], ()))
    })?;
    app.event_sources_changed.notify_one();
    answer(&doc, Some(transition))
}

pub fn delete(
    app: &App,
    ctx: &Context,
    uuid: &str,
) -> Result<model::EventSourceMappingConfiguration, ApiError> {
    let scope = scope(ctx);
    let doc = app.state.commit_docs(|store| {
        let doc = store.get(&scope, uuid).cloned().ok_or_else(not_found)?;
        Ok((vec![docs::delete(&scope, uuid)], doc))
    })?;
    app.event_sources_changed.notify_one();
    answer(&doc, Some("Deleting"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_sqs_arn_names_its_queue_and_other_sources_are_refused_by_name() {
        let queue = parse_queue_arn("arn:aws:sqs:us-east-1:000000000000:jobs.fifo").unwrap();
        assert_eq!(
            queue,
            QueueArn {
                region: "us-east-1".into(),
                account: "000000000000".into(),
                name: "jobs.fifo".into()
            }
        );
        let err = parse_queue_arn(
            "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2024-01-01T00:00:00.000",
        )
        .unwrap_err();
        assert_eq!(err.code, "InvalidParameterValueException");
        assert!(err.message.contains("SQS queues only"), "{}", err.message);
        assert!(err.message.contains("dynamodb"), "{}", err.message);
        assert!(parse_queue_arn("not-an-arn").is_err());
    }

    #[test]
    fn batching_follows_the_queue_type() {
        assert!(check_batching(false, 10, 0).is_ok());
        assert!(check_batching(false, 10000, 1).is_ok());
        assert!(check_batching(false, 11, 0).is_err());
        assert!(check_batching(true, 10, 0).is_ok());
        assert!(check_batching(true, 11, 1).is_err());
        assert!(check_batching(true, 5, 2).is_err());
    }
}
