//! Asynchronous invocation settings (Put/Get/Update/Delete/ListFunctionEventInvokeConfigs): per
//! function and qualifier, a journaled document (`event-invoke-config` kind, named
//! `<function>:<qualifier>`) holding the `FunctionEventInvokeConfig` Lambda answers. `invoke`
//! reads it for `Event` invocations: the retry count, the maximum event age and the
//! success / failure destinations that receive AWS's invocation record.
use serde_json::{json, Value};

use super::versions::{self, Target};
use crate::context::Context;
use crate::error::ApiError;
use crate::generated::lambda::{self as model, errors};
use crate::server::App;
use crate::state::docs::{self, DocStore, Scope};
use crate::timefmt::{iso8601, now_millis, now_seconds};

pub(super) fn scope(ctx: &Context) -> Scope {
    docs::scope("lambda", &ctx.account, &ctx.region, "event-invoke-config")
}

/// The qualifier a configuration belongs to: the caller's, `$LATEST` when none.
fn qualifier(target: &Target) -> &str {
    target.qualifier.as_deref().unwrap_or("$LATEST")
}

fn key(name: &str, qualifier: &str) -> String {
    format!("{name}:{qualifier}")
}

/// The settings an `Event` invocation of `name` through `qualifier` runs with, if any are set.
pub fn lookup(
    store: &DocStore,
    ctx: &Context,
    name: &str,
    qualifier: &str,
) -> Option<model::FunctionEventInvokeConfig> {
    let doc = store.get(&scope(ctx), &key(name, qualifier))?;
    serde_json::from_value(doc.clone()).ok()
}

fn not_found(ctx: &Context, target: &Target) -> ApiError {
    errors::RESOURCE_NOT_FOUND_EXCEPTION.with(format!(
        "The function {} doesn't have an EventInvokeConfig",
        target.arn(ctx)
    ))
}

/// The settings of one request, merged onto `current` (Update) or onto nothing (Put).
struct Settings {
    retries: Option<i32>,
    max_age: Option<i32>,
    destinations: Option<model::DestinationConfig>,
}

fn stored(
    ctx: &Context,
    target: &Target,
    current: Option<model::FunctionEventInvokeConfig>,
    settings: Settings,
) -> model::FunctionEventInvokeConfig {
    let mut config = current.unwrap_or_default();
    config.maximum_retry_attempts = settings.retries.or(config.maximum_retry_attempts);
    config.maximum_event_age_in_seconds = settings.max_age.or(config.maximum_event_age_in_seconds);
    if let Some(d) = settings.destinations {
        config.destination_config = Some(d);
    }
    // Lambda answers both destinations, empty when unset, and the qualified ARN.
    let mut destinations = config.destination_config.take().unwrap_or_default();
    destinations.on_success.get_or_insert_with(Default::default);
    destinations.on_failure.get_or_insert_with(Default::default);
    config.destination_config = Some(destinations);
    config.function_arn = Some(format!(
        "{}:{}",
        super::functions::arn(ctx, &target.name),
        qualifier(target)
    ));
    config.last_modified = Some(now_seconds());
    config
}

fn save(
    app: &App,
    ctx: &Context,
    function: &str,
    qualifier_param: Option<&str>,
    replace: bool,
    settings: Settings,
) -> Result<model::FunctionEventInvokeConfig, ApiError> {
    let target = versions::resolve(app, ctx, function, qualifier_param)?;
    let name = key(&target.name, qualifier(&target));
    let scope = scope(ctx);
    app.state.commit_docs(|store| {
        let current = match replace {
            true => None,
            false => store
                .get(&scope, &name)
                .and_then(|doc| serde_json::from_value(doc.clone()).ok()),
        };
        let config = stored(ctx, &target, current, settings);
        let doc = serde_json::to_value(&config).unwrap_or_default();
        Ok((vec![docs::put(&scope, &name, doc)], config))
    })
}

pub fn put(
    app: &App,
    ctx: &Context,
    input: model::PutFunctionEventInvokeConfigRequest,
) -> Result<model::FunctionEventInvokeConfig, ApiError> {
    let settings = Settings {
        retries: input.maximum_retry_attempts,
        max_age: input.maximum_event_age_in_seconds,
        destinations: input.destination_config,
    };
    save(
        app,
        ctx,
        &input.function_name,
        input.qualifier.as_deref(),
        true,
        settings,
    )
}

pub fn update(
    app: &App,
    ctx: &Context,
    input: model::UpdateFunctionEventInvokeConfigRequest,
) -> Result<model::FunctionEventInvokeConfig, ApiError> {
    let settings = Settings {
        retries: input.maximum_retry_attempts,
        max_age: input.maximum_event_age_in_seconds,
        destinations: input.destination_config,
    };
    save(
        app,
        ctx,
        &input.function_name,
        input.qualifier.as_deref(),
        false,
        settings,
    )
}

pub fn get(
    app: &App,
    ctx: &Context,
    function: &str,
    qualifier_param: Option<&str>,
) -> Result<model::FunctionEventInvokeConfig, ApiError> {
    let target = versions::resolve(app, ctx, function, qualifier_param)?;
    lookup(&app.state.docs(), ctx, &target.name, qualifier(&target))
        .ok_or_else(|| not_found(ctx, &target))
}

pub fn delete(
    app: &App,
    ctx: &Context,
    function: &str,
    qualifier_param: Option<&str>,
) -> Result<(), ApiError> {
    let target = versions::resolve(app, ctx, function, qualifier_param)?;
    let name = key(&target.name, qualifier(&target));
    let scope = scope(ctx);
    app.state.commit_docs(|store| {
        if store.get(&scope, &name).is_none() {
            return Err(not_found(ctx, &target));
        }
        Ok((vec![docs::delete(&scope, &name)], ()))
    })
}

pub fn list(
    app: &App,
    ctx: &Context,
    input: &model::ListFunctionEventInvokeConfigsRequest,
) -> Result<model::ListFunctionEventInvokeConfigsResponse, ApiError> {
    let target = versions::resolve(app, ctx, &input.function_name, None)?;
    let store = app.state.docs();
    let all: Vec<model::FunctionEventInvokeConfig> =
        versions::of_function(&store, &scope(ctx), &target.name)
            .into_iter()
            .filter_map(|(_, doc)| serde_json::from_value(doc.clone()).ok())
            .collect();
    let (page, next_marker) = versions::page(&all, input.marker.as_deref(), input.max_items)?;
    Ok(model::ListFunctionEventInvokeConfigsResponse {
        function_event_invoke_configs: Some(page.to_vec()),
        next_marker,
    })
}

/// Why an asynchronous event reached its destination (AWS's `requestContext.condition`).
pub enum Condition {
    Success,
    RetriesExhausted,
    EventAgeExceeded,
}

impl Condition {
    fn as_str(&self) -> &'static str {
        match self {
            Condition::Success => "Success",
            Condition::RetriesExhausted => "RetriesExhausted",
            Condition::EventAgeExceeded => "EventAgeExceeded",
        }
    }
}

/// What one asynchronous event came to, for its invocation record.
pub struct AsyncOutcome<'a> {
    pub request_id: &'a str,
    pub function_arn: &'a str,
    pub condition: Condition,
    pub attempts: u32,
    pub event: &'a [u8],
    pub executed_version: &'a str,
    /// The function's answer, and whether it was an error; `None` if it never ran to an answer.
    pub response: Option<(&'a str, bool)>,
}

/// The invocation record Lambda sends to a destination (AWS Lambda developer guide,
/// "Invocation records"): the request, why it was sent, and the function's response.
pub fn invocation_record(result: &AsyncOutcome) -> String {
    let as_json = |text: &[u8]| {
        serde_json::from_slice::<Value>(text)
            .unwrap_or_else(|_| json!(String::from_utf8_lossy(text)))
    };
    let mut record = json!({
        "version": "1.0",
        "timestamp": iso8601(now_millis()),
        "requestContext": {
            "requestId": result.request_id,
            "functionArn": result.function_arn,
            "condition": result.condition.as_str(),
            "approximateInvokeCount": result.attempts,
        },
        "requestPayload": as_json(result.event),
        "responseContext": {
            "statusCode": 200,
            "executedVersion": result.executed_version,
        },
    });
    if let Some((payload, failed)) = result.response {
        if failed {
            record["responseContext"]["functionError"] = json!("Unhandled");
        }
        record["responsePayload"] = as_json(payload.as_bytes());
    }
    record.to_string()
}
