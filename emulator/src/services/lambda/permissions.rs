//! Function resource policies (AddPermission, RemovePermission, GetPolicy), stored as data: per
//! function and qualifier, a journaled policy document (`policy` kind, named
//! `<function>:<qualifier>`) with the statements AWS builds from AddPermission's parameters and a
//! revision id. Nothing is enforced: invocations are not checked against it.
use serde_json::{json, Map, Value};

use super::versions::{self, Target};
use crate::context::Context;
use crate::error::ApiError;
use crate::generated::lambda::{self as model, errors};
use crate::server::App;
use crate::state::docs::{self, Scope};

pub(super) fn scope(ctx: &Context) -> Scope {
    docs::scope("lambda", &ctx.account, &ctx.region, "policy")
}

fn key(target: &Target) -> String {
    format!(
        "{}:{}",
        target.name,
        target.qualifier.as_deref().unwrap_or("$LATEST")
    )
}

fn no_policy() -> ApiError {
    errors::RESOURCE_NOT_FOUND_EXCEPTION.with("No policy is associated with the given resource.")
}

/// The `Principal` of a statement: a service, everyone, or an account or ARN.
fn principal(ctx: &Context, text: &str) -> Value {
    if text == "*" {
        json!("*")
    } else if text.ends_with(".amazonaws.com") || text.ends_with(".amazonaws.com.cn") {
        json!({ "Service": text })
    } else if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
        json!({ "AWS": ctx.global_arn("iam", text, "root") })
    } else {
        json!({ "AWS": text })
    }
}

/// The statement AddPermission adds, with the conditions its parameters ask for.
fn statement(ctx: &Context, target: &Target, input: &model::AddPermissionRequest) -> Value {
    let mut conditions = Map::new();
    let mut equals = Map::new();
    if let Some(arn) = &input.source_arn {
        conditions.insert("ArnLike".into(), json!({ "AWS:SourceArn": arn }));
    }
    if let Some(account) = &input.source_account {
        equals.insert("AWS:SourceAccount".into(), json!(account));
    }
    if let Some(org) = &input.principal_org_id {
        equals.insert("aws:PrincipalOrgID".into(), json!(org));
    }
    if let Some(token) = &input.event_source_token {
        equals.insert("lambda:EventSourceToken".into(), json!(token));
    }
    if let Some(auth) = &input.function_url_auth_type {
        equals.insert("lambda:FunctionUrlAuthType".into(), json!(auth));
    }
    if !equals.is_empty() {
        conditions.insert("StringEquals".into(), Value::Object(equals));
    }
    let mut statement = json!({
        "Sid": input.statement_id,
        "Effect": "Allow",
        "Principal": principal(ctx, &input.principal),
        "Action": input.action,
        "Resource": target.arn(ctx),
    });
    if !conditions.is_empty() {
        statement["Condition"] = Value::Object(conditions);
    }
    statement
}

pub fn add(
    app: &App,
    ctx: &Context,
    input: model::AddPermissionRequest,
) -> Result<model::AddPermissionResponse, ApiError> {
    let target = versions::resolve(app, ctx, &input.function_name, input.qualifier.as_deref())?;
    let name = key(&target);
    let scope = scope(ctx);
    let added = statement(ctx, &target, &input);
    app.state.commit_docs(|store| {
        let mut policy = store.get(&scope, &name).cloned().unwrap_or_else(|| {
            json!({ "Version": "2012-10-17", "Id": "default", "Statement": [] })
        });
        versions::check_revision(&policy, input.revision_id.as_deref(), "GetPolicy")?;
        let statements = policy["Statement"].as_array().cloned().unwrap_or_default();
        if statements.iter().any(|s| s["Sid"] == added["Sid"]) {
            return Err(errors::RESOURCE_CONFLICT_EXCEPTION.with(format!(
                "The statement id ({}) provided already exists. Please provide a new statement id, or remove the existing statement.",
                input.statement_id
            )));
        }
        if let Some(statements) = policy["Statement"].as_array_mut() {
            statements.push(added.clone());
        }
        policy["RevisionId"] = json!(uuid::Uuid::new_v4().to_string());
        Ok((vec![docs::put(&scope, &name, policy)], ()))
    })?;
    Ok(model::AddPermissionResponse {
        statement: Some(added.to_string()),
    })
}

pub fn get(
    app: &App,
    ctx: &Context,
    input: &model::GetPolicyRequest,
) -> Result<model::GetPolicyResponse, ApiError> {
    let target = versions::resolve(app, ctx, &input.function_name, input.qualifier.as_deref())?;
    let store = app.state.docs();
    let mut policy = store
        .get(&scope(ctx), &key(&target))
        .cloned()
        .ok_or_else(|| {
            errors::RESOURCE_NOT_FOUND_EXCEPTION.with("The resource you requested does not exist.")
        })?;
    let revision = policy
        .as_object_mut()
        .and_then(|fields| fields.remove("RevisionId"))
        .and_then(|r| r.as_str().map(str::to_string));
    Ok(model::GetPolicyResponse {
        policy: Some(policy.to_string()),
        revision_id: revision,
    })
}

pub fn remove(
    app: &App,
    ctx: &Context,
    input: &model::RemovePermissionRequest,
) -> Result<(), ApiError> {
    let target = versions::resolve(app, ctx, &input.function_name, input.qualifier.as_deref())?;
    let name = key(&target);
    let scope = scope(ctx);
    app.state.commit_docs(|store| {
        let mut policy = store.get(&scope, &name).cloned().ok_or_else(no_policy)?;
        versions::check_revision(&policy, input.revision_id.as_deref(), "GetPolicy")?;
        let statements = policy["Statement"].as_array().cloned().unwrap_or_default();
        let kept: Vec<Value> = statements
            .iter()
            .filter(|s| s["Sid"].as_str() != Some(input.statement_id.as_str()))
            .cloned()
            .collect();
        if kept.len() == statements.len() {
            return Err(errors::RESOURCE_NOT_FOUND_EXCEPTION.with(format!(
                "Statement {} is not found in resource policy.",
                input.statement_id
            )));
        }
        if kept.is_empty() {
            return Ok((vec![docs::delete(&scope, &name)], ()));
        }
        policy["Statement"] = Value::Array(kept);
        policy["RevisionId"] = json!(uuid::Uuid::new_v4().to_string());
        Ok((vec![docs::put(&scope, &name, policy)], ()))
    })
}
