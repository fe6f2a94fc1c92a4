//! Run Command without instances: SendCommand records a command (document, parameters,
//! instance ids, output settings) and nothing runs. The emulator has no managed nodes, so no
//! invocation is ever delivered: a command and its invocations stay `Pending` (AWS: "the
//! command hasn't been sent to the managed node") until the delivery timeout passes, then read
//! `TimedOut` / `Delivery Timed Out`, as AWS reports a command no node picked up.
use serde_json::{json, Value};

use super::{as_shape, paginate, validation};
use crate::context::Context;
use crate::error::ApiError;
use crate::generated::ssm::{self as model, errors};
use crate::state::docs::{self, Scope};
use crate::state::State;
use crate::timefmt::{iso8601_seconds, now_seconds};

/// AWS's default delivery timeout (SendCommand `TimeoutSeconds`: 3600 when not given).
const DEFAULT_TIMEOUT: i64 = 3600;
/// The default execution timeout of AWS's command documents (`executionTimeout`, 3600 s).
const EXECUTION_TIMEOUT: i64 = 3600;

fn scope(ctx: &Context) -> Scope {
    docs::scope("ssm", &ctx.account, &ctx.region, "command")
}

/// The plugin each of AWS's shell documents runs; other documents' plugins are not known.
fn plugin_of(document: &str) -> Option<&'static str> {
    match document {
        "AWS-RunShellScript" => Some("aws:runShellScript"),
        "AWS-RunPowerShellScript" => Some("aws:runPowerShellScript"),
        _ => None,
    }
}

/// Records a command; answers it in AWS's `Command` shape.
pub fn send(
    state: &State,
    ctx: &Context,
    input: model::SendCommandRequest,
) -> Result<model::SendCommandResult, ApiError> {
    if input.instance_ids.is_some() && input.targets.is_some() {
        return Err(validation(
            "Specify either InstanceIds or Targets in a single request, not both.",
        ));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let now = now_seconds();
    let timeout = input.timeout_seconds.map_or(DEFAULT_TIMEOUT, i64::from);
    let instances = input.instance_ids.clone().unwrap_or_default();
    let mut command = json!({
        "CommandId": id,
        "DocumentName": input.document_name,
        "DocumentVersion": input.document_version.as_deref().unwrap_or("$DEFAULT"),
        "Comment": input.comment.as_deref().unwrap_or(""),
        "ExpiresAfter": now + (timeout + EXECUTION_TIMEOUT) as f64,
        "Parameters": input.parameters.clone().unwrap_or_default(),
        "InstanceIds": instances,
        "Targets": input.targets.clone().unwrap_or_default(),
        "RequestedDateTime": now,
        "OutputS3Region": input.output_s3_region.as_deref().unwrap_or(&ctx.region),
        "OutputS3BucketName": input.output_s3_bucket_name.as_deref().unwrap_or(""),
        "OutputS3KeyPrefix": input.output_s3_key_prefix.as_deref().unwrap_or(""),
        "MaxConcurrency": input.max_concurrency.as_deref().unwrap_or("50"),
        "MaxErrors": input.max_errors.as_deref().unwrap_or("0"),
        // Targets select managed nodes by tag or resource group; there are none to select.
        "TargetCount": instances.len(),
        "CompletedCount": 0,
        "ErrorCount": 0,
        "DeliveryTimedOutCount": 0,
        "TimeoutSeconds": timeout,
        "ServiceRole": input.service_role_arn.as_deref().unwrap_or(""),
    });
    let optional = [
        (
            "NotificationConfig",
            serde_json::to_value(&input.notification_config),
        ),
        (
            "CloudWatchOutputConfig",
            serde_json::to_value(&input.cloud_watch_output_config),
        ),
        (
            "AlarmConfiguration",
            serde_json::to_value(&input.alarm_configuration),
        ),
    ];
    for (field, value) in optional {
        match value {
            Ok(value) if !value.is_null() => command[field] = value,
            _ => {}
        }
    }
    let shown = with_status(&command, now);
    state.commit_docs(|_| Ok((vec![docs::put(&scope(ctx), &id, command)], ())))?;
    Ok(model::SendCommandResult {
        command: Some(as_shape(&shown)),
    })
}

/// Whether the command's delivery window has passed (`at`: epoch seconds).
fn expired(command: &Value, at: f64) -> bool {
    command["ExpiresAfter"].as_f64().is_some_and(|end| at > end)
}

/// The command with its status as of `at`: pending, or timed out once its window has passed.
fn with_status(command: &Value, at: f64) -> Value {
    let mut shown = command.clone();
    let count = shown["TargetCount"].as_u64().unwrap_or(0);
    if expired(command, at) {
        shown["Status"] = json!("TimedOut");
        shown["StatusDetails"] = json!("Delivery Timed Out");
        shown["CompletedCount"] = json!(count);
        shown["DeliveryTimedOutCount"] = json!(count);
    } else {
        shown["Status"] = json!("Pending");
        shown["StatusDetails"] = json!("Pending");
    }
    shown
}

/// (Status, StatusDetails) of one invocation of `command` as of `at`.
fn invocation_status(command: &Value, at: f64) -> (&'static str, &'static str) {
    if expired(command, at) {
        ("TimedOut", "Delivery Timed Out")
    } else {
        ("Pending", "Pending")
    }
}

fn invalid_command_id() -> ApiError {
    errors::INVALID_COMMAND_ID
        .with("The specified command ID isn't valid. Verify the ID and try again.")
}

/// The recorded commands, newest first.
fn recorded(state: &State, ctx: &Context) -> Vec<Value> {
    let store = state.docs();
    let mut commands: Vec<Value> = store
        .all(&scope(ctx))
        .into_iter()
        .flatten()
        .map(|(_, doc)| doc.clone())
        .collect();
    commands.sort_by(|a, b| {
        let time = |c: &Value| c["RequestedDateTime"].as_f64().unwrap_or(0.0);
        time(b).total_cmp(&time(a))
    });
    commands
}

/// Whether `command` passes ListCommands / ListCommandInvocations filters (`at`: now).
fn passes(command: &Value, filters: &[model::CommandFilter], at: f64) -> Result<bool, ApiError> {
    let requested_millis = (command["RequestedDateTime"].as_f64().unwrap_or(0.0) * 1000.0) as i64;
    let requested = iso8601_seconds(requested_millis);
    for filter in filters {
        let value = filter.value.as_str();
        let keep = match filter.key.as_str() {
            "DocumentName" => command["DocumentName"] == value,
            "Status" => with_status(command, at)["Status"] == value,
            // ISO 8601 times in one form compare as text.
            "InvokedAfter" => requested.as_str() >= value,
            "InvokedBefore" => requested.as_str() <= value,
            "ExecutionStage" => value == "Executing" && !expired(command, at),
            other => {
                return Err(errors::INVALID_FILTER_KEY
                    .with(format!("The specified key {other} isn't valid.")))
            }
        };
        if !keep {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The commands a ListCommands / ListCommandInvocations request selects.
fn selected(
    state: &State,
    ctx: &Context,
    command_id: Option<&str>,
    instance_id: Option<&str>,
    filters: &[model::CommandFilter],
) -> Result<Vec<Value>, ApiError> {
    let at = now_seconds();
    let commands = recorded(state, ctx);
    if let Some(id) = command_id {
        if !commands.iter().any(|c| c["CommandId"] == id) {
            return Err(invalid_command_id());
        }
    }
    let mut kept = Vec::new();
    for command in commands {
        let by_id = command_id.is_none_or(|id| command["CommandId"] == id);
        let by_instance = instance_id.is_none_or(|i| targets_instance(&command, i));
        if by_id && by_instance && passes(&command, filters, at)? {
            kept.push(command);
        }
    }
    Ok(kept)
}

fn targets_instance(command: &Value, instance: &str) -> bool {
    command["InstanceIds"]
        .as_array()
        .is_some_and(|ids| ids.iter().any(|i| i == instance))
}

pub fn list(
    state: &State,
    ctx: &Context,
    input: model::ListCommandsRequest,
) -> Result<model::ListCommandsResult, ApiError> {
    let filters = input.filters.unwrap_or_default();
    let at = now_seconds();
    let commands: Vec<model::Command> = selected(
        state,
        ctx,
        input.command_id.as_deref(),
        input.instance_id.as_deref(),
        &filters,
    )?
    .iter()
    .map(|c| as_shape(&with_status(c, at)))
    .collect();
    let (page, next) = paginate(commands, input.max_results, input.next_token.as_deref(), 50)?;
    Ok(model::ListCommandsResult {
        commands: Some(page),
        next_token: next,
    })
}

/// The invocation of `command` on `instance` in the `CommandInvocation` shape.
fn invocation(command: &Value, instance: &str, at: f64, details: bool) -> Value {
    let (status, details_text) = invocation_status(command, at);
    let mut shown = json!({
        "CommandId": command["CommandId"],
        "InstanceId": instance,
        "InstanceName": "",
        "Comment": command["Comment"],
        "DocumentName": command["DocumentName"],
        "DocumentVersion": command["DocumentVersion"],
        "RequestedDateTime": command["RequestedDateTime"],
        "Status": status,
        "StatusDetails": details_text,
        "TraceOutput": "",
        "StandardOutputUrl": "",
        "StandardErrorUrl": "",
        "ServiceRole": command["ServiceRole"],
    });
    for field in ["NotificationConfig", "CloudWatchOutputConfig"] {
        if let Some(value) = command.get(field) {
            shown[field] = value.clone();
        }
    }
    if details {
        let plugins: Vec<Value> = plugin_of(command["DocumentName"].as_str().unwrap_or(""))
            .map(|name| {
                json!({
                    "Name": name,
                    "Status": status,
                    "StatusDetails": details_text,
                    "ResponseCode": -1,
                    "Output": "",
                    "StandardOutputUrl": "",
                    "StandardErrorUrl": "",
                    "OutputS3Region": command["OutputS3Region"],
                    "OutputS3BucketName": command["OutputS3BucketName"],
                    "OutputS3KeyPrefix": command["OutputS3KeyPrefix"],
                })
            })
            .into_iter()
            .collect();
        shown["CommandPlugins"] = Value::Array(plugins);
    }
    shown
}

pub fn list_invocations(
    state: &State,
    ctx: &Context,
    input: model::ListCommandInvocationsRequest,
) -> Result<model::ListCommandInvocationsResult, ApiError> {
    let filters = input.filters.unwrap_or_default();
    let at = now_seconds();
    let details = input.details.unwrap_or(false);
    let instance = input.instance_id.as_deref();
    let mut invocations: Vec<model::CommandInvocation> = Vec::new();
    for command in selected(state, ctx, input.command_id.as_deref(), instance, &filters)? {
        for id in command["InstanceIds"].as_array().into_iter().flatten() {
            let id = id.as_str().unwrap_or("");
            if instance.is_none_or(|wanted| wanted == id) {
                invocations.push(as_shape(&invocation(&command, id, at, details)));
            }
        }
    }
    let (page, next) = paginate(
        invocations,
        input.max_results,
        input.next_token.as_deref(),
        50,
    )?;
    Ok(model::ListCommandInvocationsResult {
        command_invocations: Some(page),
        next_token: next,
    })
}

pub fn get_invocation(
    state: &State,
    ctx: &Context,
    input: model::GetCommandInvocationRequest,
) -> Result<model::GetCommandInvocationResult, ApiError> {
    let store = state.docs();
    let command = store
        .get(&scope(ctx), &input.command_id)
        .cloned()
        .ok_or_else(invalid_command_id)?;
    drop(store);
    if !targets_instance(&command, &input.instance_id) {
        return Err(errors::INVOCATION_DOES_NOT_EXIST.with(""));
    }
    let document = command["DocumentName"].as_str().unwrap_or("");
    if let (Some(asked), Some(known)) = (input.plugin_name.as_deref(), plugin_of(document)) {
        if asked != known {
            return Err(errors::INVALID_PLUGIN_NAME.with(""));
        }
    }
    let (status, details) = invocation_status(&command, now_seconds());
    let shown = json!({
        "CommandId": command["CommandId"],
        "InstanceId": input.instance_id,
        "Comment": command["Comment"],
        "DocumentName": document,
        "DocumentVersion": command["DocumentVersion"],
        "PluginName": input.plugin_name.as_deref().or(plugin_of(document)),
        "ResponseCode": -1,
        "ExecutionStartDateTime": "",
        "ExecutionElapsedTime": "",
        "ExecutionEndDateTime": "",
        "Status": status,
        "StatusDetails": details,
        "StandardOutputContent": "",
        "StandardOutputUrl": "",
        "StandardErrorContent": "",
        "StandardErrorUrl": "",
        "CloudWatchOutputConfig": command.get("CloudWatchOutputConfig"),
    });
    Ok(as_shape(&shown))
}
