//! Event buses: the account's `default` bus (always there, never stored) and custom buses.
use serde_json::{json, Value};

use super::{bus_arn, bus_name, bus_scope, not_found, page, rule_scope, validation, DEFAULT_BUS};
use crate::context::Context;
use crate::error::ApiError;
use crate::generated::events::{self as model, errors};
use crate::model::Empty;
use crate::server::App;
use crate::state::docs::{self, DocStore};
use crate::timefmt;

fn missing(name: &str) -> ApiError {
    not_found(format!("Event bus {name} does not exist."))
}

/// Whether bus `name` exists for the caller.
pub fn exists(store: &DocStore, ctx: &Context, name: &str) -> bool {
    name == DEFAULT_BUS
        || store
            .get(&bus_scope(&ctx.account, &ctx.region), name)
            .is_some()
}

pub fn create(
    app: &App,
    ctx: &Context,
    input: model::CreateEventBusRequest,
) -> Result<model::CreateEventBusResponse, ApiError> {
    let name = input.name;
    if input.event_source_name.is_some() || name.starts_with("aws.") {
        return Err(validation(
            "awsredirect serve does not emulate partner event buses (EventSourceName, aws.partner/ names)",
        ));
    }
    let arn = bus_arn(ctx, &name);
    let scope = bus_scope(&ctx.account, &ctx.region);
    let output = model::CreateEventBusResponse {
        event_bus_arn: Some(arn.clone()),
        description: input.description.clone(),
        ..Default::default()
    };
    app.state.commit_docs(|store| {
        if name == DEFAULT_BUS || store.get(&scope, &name).is_some() {
            return Err(errors::RESOURCE_ALREADY_EXISTS_EXCEPTION
                .with(format!("Event bus {name} already exists.")));
        }
        let now = timefmt::now_seconds();
        let doc = json!({
            "Name": name,
            "Arn": arn,
            "Description": input.description,
            "CreationTime": now,
            "LastModifiedTime": now,
        });
        Ok((vec![docs::put(&scope, &name, doc)], output))
    })
}

fn bus_of(ctx: &Context, name: &str, doc: Option<&Value>) -> model::EventBus {
    let Some(doc) = doc else {
        return model::EventBus {
            name: Some(name.to_string()),
            arn: Some(bus_arn(ctx, name)),
            ..Default::default()
        };
    };
    model::EventBus {
        name: Some(name.to_string()),
        arn: doc["Arn"].as_str().map(str::to_string),
        description: doc["Description"].as_str().map(str::to_string),
        creation_time: doc["CreationTime"].as_f64(),
        last_modified_time: doc["LastModifiedTime"].as_f64(),
        ..Default::default()
    }
}

pub fn describe(
    app: &App,
    ctx: &Context,
    name: Option<&str>,
) -> Result<model::DescribeEventBusResponse, ApiError> {
    let name = bus_name(name);
    let store = app.state.docs();
    let doc = store.get(&bus_scope(&ctx.account, &ctx.region), &name);
    if doc.is_none() && name != DEFAULT_BUS {
        return Err(missing(&name));
    }
    let bus = bus_of(ctx, &name, doc);
    Ok(model::DescribeEventBusResponse {
        name: bus.name,
        arn: bus.arn,
        description: bus.description,
        creation_time: bus.creation_time,
        last_modified_time: bus.last_modified_time,
        ..Default::default()
    })
}

pub fn list(
    app: &App,
    ctx: &Context,
    input: model::ListEventBusesRequest,
) -> Result<model::ListEventBusesResponse, ApiError> {
    let prefix = input.name_prefix.unwrap_or_default();
    let store = app.state.docs();
    let mut buses = vec![bus_of(ctx, DEFAULT_BUS, None)];
    if let Some(all) = store.all(&bus_scope(&ctx.account, &ctx.region)) {
        buses.extend(all.iter().map(|(name, doc)| bus_of(ctx, name, Some(doc))));
    }
    buses.retain(|b| b.name.as_deref().is_some_and(|n| n.starts_with(&prefix)));
    let (event_buses, next_token) = page(buses, input.next_token.as_deref(), input.limit)?;
    Ok(model::ListEventBusesResponse {
        event_buses: Some(event_buses),
        next_token,
    })
}

/// Deletes a custom bus and its rules; deleting one that is not there succeeds, as in AWS.
pub fn delete(app: &App, ctx: &Context, name: &str) -> Result<Empty, ApiError> {
    let name = bus_name(Some(name));
    if name == DEFAULT_BUS {
        return Err(validation("Cannot delete event bus default."));
    }
    let scope = bus_scope(&ctx.account, &ctx.region);
    let rules = rule_scope(&ctx.account, &ctx.region);
    let prefix = super::rule_key(&name, "");
    app.state.commit_docs(|store| {
        if store.get(&scope, &name).is_none() {
            return Ok((Vec::new(), Empty {}));
        }
        let mut entries = vec![docs::delete(&scope, &name)];
        if let Some(all) = store.all(&rules) {
            entries.extend(
                all.keys()
                    .filter(|key| key.starts_with(&prefix))
                    .map(|key| docs::delete(&rules, key)),
            );
        }
        Ok((entries, Empty {}))
    })?;
    super::schedule::rules_changed();
    Ok(Empty {})
}
