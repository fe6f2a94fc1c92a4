//! Rules and their targets: PutRule, DescribeRule, ListRules, Enable/DisableRule, DeleteRule,
//! PutTargets, RemoveTargets, ListTargetsByRule and ListRuleNamesByTarget.
use serde_json::{json, Value};

use super::{
    bus_name, buses, not_found, page, rule_arn, rule_key, rule_scope, schedule, transform,
    validation, DEFAULT_BUS,
};
use crate::context::Context;
use crate::error::ApiError;
use crate::generated::events::{self as model, errors};
use crate::model::Empty;
use crate::pattern;
use crate::server::App;
use crate::services::delivery::{self, Kind};
use crate::state::docs::{self, DocStore};
use crate::timefmt;

/// EventBridge's default quota of targets per rule.
pub const MAX_TARGETS: usize = 5;

fn rule_missing(name: &str, bus: &str) -> ApiError {
    not_found(format!("Rule {name} does not exist on EventBus {bus}."))
}

/// An event pattern as PutRule and TestEventPattern take it, or AWS's
/// `InvalidEventPatternException`.
pub fn parse_pattern(text: &str) -> Result<Value, ApiError> {
    let invalid = |reason: String| {
        errors::INVALID_EVENT_PATTERN_EXCEPTION
            .with(format!("Event pattern is not valid. Reason: {reason}"))
    };
    let value: Value = serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
    pattern::validate(&value).map_err(invalid)?;
    Ok(value)
}

/// The stored rule `name` on `bus`, or ResourceNotFoundException.
fn find(store: &DocStore, ctx: &Context, bus: &str, name: &str) -> Result<Value, ApiError> {
    store
        .get(&rule_scope(&ctx.account, &ctx.region), &rule_key(bus, name))
        .cloned()
        .ok_or_else(|| rule_missing(name, bus))
}

fn require_bus(store: &DocStore, ctx: &Context, bus: &str) -> Result<(), ApiError> {
    if buses::exists(store, ctx, bus) {
        Ok(())
    } else {
        Err(not_found(format!("Event bus {bus} does not exist.")))
    }
}

pub fn put(
    app: &App,
    ctx: &Context,
    input: model::PutRuleRequest,
) -> Result<model::PutRuleResponse, ApiError> {
    let bus = bus_name(input.event_bus_name.as_deref());
    let name = input.name;
    if input.event_pattern.is_none() && input.schedule_expression.is_none() {
        return Err(validation(
            "Parameter(s) EventPattern or ScheduleExpression must be specified.",
        ));
    }
    if let Some(text) = &input.event_pattern {
        parse_pattern(text)?;
    }
    if let Some(expression) = &input.schedule_expression {
        if bus != DEFAULT_BUS {
            return Err(validation(
                "ScheduleExpression is supported only on the default event bus.",
            ));
        }
        schedule::Schedule::parse(expression).map_err(|reason| {
            validation(format!(
                "Parameter ScheduleExpression is not valid. {reason}"
            ))
        })?;
    }
    let arn = rule_arn(&ctx.account, &ctx.region, &bus, &name);
    let scope = rule_scope(&ctx.account, &ctx.region);
    let key = rule_key(&bus, &name);
    let output = model::PutRuleResponse {
        rule_arn: Some(arn.clone()),
    };
    let output = app.state.commit_docs(|store| {
        require_bus(store, ctx, &bus)?;
        let existing = store.get(&scope, &key);
        let targets = existing.map_or_else(|| json!([]), |r| r["Targets"].clone());
        let created = existing
            .and_then(|r| r["CreatedAt"].as_f64())
            .unwrap_or_else(timefmt::now_seconds);
        let doc = json!({
            "Name": name,
            "Arn": arn,
            "EventBusName": bus,
            "EventPattern": input.event_pattern,
            "ScheduleExpression": input.schedule_expression,
            "State": input.state.as_deref().unwrap_or("ENABLED"),
            "Description": input.description,
            "RoleArn": input.role_arn,
            "CreatedAt": created,
            "Targets": targets,
        });
        Ok((vec![docs::put(&scope, &key, doc)], output))
    })?;
    schedule::rules_changed();
    Ok(output)
}

fn text(doc: &Value, field: &str) -> Option<String> {
    doc[field].as_str().map(str::to_string)
}

/// A stored rule as ListRules answers it.
pub fn rule_of(doc: &Value) -> model::Rule {
    model::Rule {
        name: text(doc, "Name"),
        arn: text(doc, "Arn"),
        event_pattern: text(doc, "EventPattern"),
        state: text(doc, "State"),
        description: text(doc, "Description"),
        schedule_expression: text(doc, "ScheduleExpression"),
        role_arn: text(doc, "RoleArn"),
        event_bus_name: text(doc, "EventBusName"),
        managed_by: None,
    }
}

/// The targets stored on a rule.
pub fn targets_of(doc: &Value) -> Vec<model::Target> {
    serde_json::from_value(doc["Targets"].clone()).unwrap_or_default()
}

pub fn describe(
    app: &App,
    ctx: &Context,
    input: model::DescribeRuleRequest,
) -> Result<model::DescribeRuleResponse, ApiError> {
    let bus = bus_name(input.event_bus_name.as_deref());
    let doc = find(&app.state.docs(), ctx, &bus, &input.name)?;
    let rule = rule_of(&doc);
    Ok(model::DescribeRuleResponse {
        name: rule.name,
        arn: rule.arn,
        event_pattern: rule.event_pattern,
        schedule_expression: rule.schedule_expression,
        state: rule.state,
        description: rule.description,
        role_arn: rule.role_arn,
        managed_by: None,
        event_bus_name: rule.event_bus_name,
        created_by: Some(ctx.account.clone()),
    })
}

/// Rewrites rule `name` on `bus` with `change`.
fn update(
    app: &App,
    ctx: &Context,
    bus: &str,
    name: &str,
    change: impl FnOnce(&mut Value) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    let scope = rule_scope(&ctx.account, &ctx.region);
    let key = rule_key(bus, name);
    app.state.commit_docs(|store| {
        let mut doc = find(store, ctx, bus, name)?;
        change(&mut doc)?;
        Ok((vec![docs::put(&scope, &key, doc)], ()))
    })
}

pub fn set_state(
    app: &App,
    ctx: &Context,
    name: &str,
    bus: Option<&str>,
    state: &str,
) -> Result<Empty, ApiError> {
    let bus = bus_name(bus);
    update(app, ctx, &bus, name, |doc| {
        doc["State"] = json!(state);
        Ok(())
    })?;
    schedule::rules_changed();
    Ok(Empty {})
}

/// Deletes a rule; refused while it has targets (unless `Force`), as in AWS; a rule that is not
/// there is deleted already.
pub fn delete(
    app: &App,
    ctx: &Context,
    input: model::DeleteRuleRequest,
) -> Result<Empty, ApiError> {
    let bus = bus_name(input.event_bus_name.as_deref());
    let scope = rule_scope(&ctx.account, &ctx.region);
    let key = rule_key(&bus, &input.name);
    app.state.commit_docs(|store| {
        let Some(doc) = store.get(&scope, &key) else {
            return Ok((Vec::new(), ()));
        };
        let has_targets = doc["Targets"].as_array().is_some_and(|t| !t.is_empty());
        if has_targets && input.force != Some(true) {
            return Err(validation("Rule can't be deleted since it has targets."));
        }
        Ok((vec![docs::delete(&scope, &key)], ()))
    })?;
    schedule::rules_changed();
    Ok(Empty {})
}

/// The rules on `bus`, in name order.
pub fn rules_on(store: &DocStore, ctx: &Context, bus: &str) -> Vec<Value> {
    let prefix = rule_key(bus, "");
    store
        .all(&rule_scope(&ctx.account, &ctx.region))
        .into_iter()
        .flatten()
        .filter(|(key, _)| key.starts_with(&prefix))
        .map(|(_, doc)| doc.clone())
        .collect()
}

pub fn list(
    app: &App,
    ctx: &Context,
    input: model::ListRulesRequest,
) -> Result<model::ListRulesResponse, ApiError> {
    let bus = bus_name(input.event_bus_name.as_deref());
    let store = app.state.docs();
    require_bus(&store, ctx, &bus)?;
    let prefix = input.name_prefix.unwrap_or_default();
    let rules: Vec<model::Rule> = rules_on(&store, ctx, &bus)
        .iter()
        .filter(|doc| doc["Name"].as_str().is_some_and(|n| n.starts_with(&prefix)))
        .map(rule_of)
        .collect();
    let (rules, next_token) = page(rules, input.next_token.as_deref(), input.limit)?;
    Ok(model::ListRulesResponse {
        rules: Some(rules),
        next_token,
    })
}

pub fn names_by_target(
    app: &App,
    ctx: &Context,
    input: model::ListRuleNamesByTargetRequest,
) -> Result<model::ListRuleNamesByTargetResponse, ApiError> {
    let bus = bus_name(input.event_bus_name.as_deref());
    let store = app.state.docs();
    require_bus(&store, ctx, &bus)?;
    let names: Vec<String> = rules_on(&store, ctx, &bus)
        .iter()
        .filter(|doc| targets_of(doc).iter().any(|t| t.arn == input.target_arn))
        .filter_map(|doc| text(doc, "Name"))
        .collect();
    let (names, next_token) = page(names, input.next_token.as_deref(), input.limit)?;
    Ok(model::ListRuleNamesByTargetResponse {
        rule_names: Some(names),
        next_token,
    })
}

pub fn list_targets(
    app: &App,
    ctx: &Context,
    input: model::ListTargetsByRuleRequest,
) -> Result<model::ListTargetsByRuleResponse, ApiError> {
    let bus = bus_name(input.event_bus_name.as_deref());
    let doc = find(&app.state.docs(), ctx, &bus, &input.rule)?;
    let (targets, next_token) = page(targets_of(&doc), input.next_token.as_deref(), input.limit)?;
    Ok(model::ListTargetsByRuleResponse {
        targets: Some(targets),
        next_token,
    })
}

/// Checks what AWS refuses for the whole PutTargets call: more than one input setting, input
/// that is not JSON, paths outside the JSONPath subset, a FIFO queue without a group id.
fn check_target(target: &model::Target) -> Result<(), ApiError> {
    let settings = [
        target.input.is_some(),
        target.input_path.is_some(),
        target.input_transformer.is_some(),
    ];
    if settings.iter().filter(|s| **s).count() > 1 {
        return Err(validation(format!(
            "Only one of Input, InputPath, or InputTransformer must be provided for target {}.",
            target.id
        )));
    }
    if let Some(input) = &target.input {
        serde_json::from_str::<Value>(input).map_err(|_| {
            validation(format!(
                "Input for target {} is not valid JSON text.",
                target.id
            ))
        })?;
    }
    if let Some(path) = &target.input_path {
        transform::parse_path(path).map_err(validation)?;
    }
    if let Some(transformer) = &target.input_transformer {
        transform::check_transformer(transformer).map_err(validation)?;
    }
    let fifo = matches!(delivery::destination(&target.arn), Some(d) if matches!(&d.kind, Kind::Queue(name) if name.ends_with(".fifo")));
    let group = target
        .sqs_parameters
        .as_ref()
        .and_then(|p| p.message_group_id.as_ref());
    if fifo && group.is_none() {
        return Err(validation(format!(
            "Parameter(s) SqsParameters must be specified for target: {}.",
            target.id
        )));
    }
    Ok(())
}

/// Why a target cannot be kept, if the emulator does not deliver to its kind.
fn unsupported(target: &model::Target) -> Option<String> {
    if delivery::destination(&target.arn).is_some() {
        return None;
    }
    Some(format!(
        "awsredirect serve delivers EventBridge events only to SQS queues, SNS topics and Lambda functions; {} is not one",
        target.arn
    ))
}

pub fn put_targets(
    app: &App,
    ctx: &Context,
    input: model::PutTargetsRequest,
) -> Result<model::PutTargetsResponse, ApiError> {
    let bus = bus_name(input.event_bus_name.as_deref());
    for target in &input.targets {
        check_target(target)?;
    }
    let mut failed = Vec::new();
    let mut accepted = Vec::new();
    for target in input.targets {
        match unsupported(&target) {
            Some(message) => failed.push(model::PutTargetsResultEntry {
                target_id: Some(target.id.clone()),
                error_code: Some("ValidationException".to_string()),
                error_message: Some(message),
            }),
            None => accepted.push(target),
        }
    }
    update(app, ctx, &bus, &input.rule, |doc| {
        let mut targets = targets_of(doc);
        for target in accepted {
            match targets.iter_mut().find(|t| t.id == target.id) {
                Some(slot) => *slot = target,
                None => targets.push(target),
            }
        }
        if targets.len() > MAX_TARGETS {
            return Err(errors::LIMIT_EXCEEDED_EXCEPTION
                .with("The requested resource exceeds the maximum number allowed."));
        }
        doc["Targets"] = serde_json::to_value(&targets).unwrap_or_else(|_| json!([]));
        Ok(())
    })?;
    Ok(model::PutTargetsResponse {
        failed_entry_count: Some(i32::try_from(failed.len()).unwrap_or(i32::MAX)),
        failed_entries: Some(failed),
    })
}

pub fn remove_targets(
    app: &App,
    ctx: &Context,
    input: model::RemoveTargetsRequest,
) -> Result<model::RemoveTargetsResponse, ApiError> {
    let bus = bus_name(input.event_bus_name.as_deref());
    update(app, ctx, &bus, &input.rule, |doc| {
        let mut targets = targets_of(doc);
        targets.retain(|t| !input.ids.contains(&t.id));
        doc["Targets"] = serde_json::to_value(&targets).unwrap_or_else(|_| json!([]));
        Ok(())
    })?;
    Ok(model::RemoveTargetsResponse {
        failed_entry_count: Some(0),
        failed_entries: Some(Vec::new()),
    })
}
