//! Rotation: RotateSecret records the rotation function and rules and, unless
//! `RotateImmediately` is false, adds an `AWSPENDING` placeholder version and invokes the
//! function's four steps (`createSecret`, `setSecret`, `testSecret`, `finishSecret`) in order,
//! each with AWS's event (`Step`, `SecretId`, `ClientRequestToken`), waiting for each. AWS runs
//! them after answering; running them before keeps tests deterministic. A failing step ends the
//! rotation with the placeholder left pending, as in AWS, where the next RotateSecret refuses
//! until it is cancelled. Also UpdateSecretVersionStage and CancelRotateSecret.
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{find, marked_for_deletion, now, scope, token, Secret, SecretValue, Version};
use super::{invalid, CURRENT, PREVIOUS};
use crate::context::Context;
use crate::error::ApiError;
use crate::generated::secretsmanager::{self as sm, errors};
use crate::server::App;
use crate::state::docs;

pub const PENDING: &str = "AWSPENDING";
const STEPS: [&str; 4] = ["createSecret", "setSecret", "testSecret", "finishSecret"];
const DAY_SECONDS: f64 = 86_400.0;

/// A secret's rotation settings (the journal's format: do not rename fields).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Rotation {
    pub lambda_arn: String,
    #[serde(default)]
    pub rules: sm::RotationRulesType,
    pub enabled: bool,
}

pub fn enabled(secret: &Secret) -> bool {
    secret.rotation.as_ref().is_some_and(|r| r.enabled)
}

/// When the next scheduled rotation is due (`AutomaticallyAfterDays` after the last one).
pub fn next_date(secret: &Secret) -> Option<f64> {
    let rotation = secret.rotation.as_ref().filter(|r| r.enabled)?;
    let days = rotation.rules.automatically_after_days?;
    let from = secret.last_rotated_date.unwrap_or(secret.created_date);
    Some(from + days as f64 * DAY_SECONDS)
}

/// The version holding `AWSPENDING` that is not also current: a rotation not yet finished.
fn pending_version(secret: &Secret) -> Option<&String> {
    secret.versions.iter().find_map(|(id, v)| {
        let pending = v.stages.iter().any(|s| s == PENDING);
        let current = v.stages.iter().any(|s| s == CURRENT);
        (pending && !current).then_some(id)
    })
}

pub async fn rotate(
    app: &App,
    ctx: &Context,
    input: sm::RotateSecretRequest,
) -> Result<sm::RotateSecretResponse, ApiError> {
    let immediately = input.rotate_immediately.unwrap_or(true);
    let version_id = token(input.client_request_token.clone());
    let (arn, name, function) = configure(app, ctx, &input, immediately.then_some(&version_id))?;
    if immediately {
        run_steps(app, ctx, &arn, &function, &version_id).await?;
        finish(app, ctx, &arn, &version_id)?;
    }
    Ok(sm::RotateSecretResponse {
        arn: Some(arn),
        name: Some(name),
        version_id: immediately.then_some(version_id),
    })
}

/// Stores the rotation settings and, when rotating now, the `AWSPENDING` placeholder:
/// (ARN, name, rotation function).
fn configure(
    app: &App,
    ctx: &Context,
    input: &sm::RotateSecretRequest,
    placeholder: Option<&String>,
) -> Result<(String, String, String), ApiError> {
    let scope = scope(ctx);
    app.state.commit_docs(|store| {
        let (name, mut secret) = find(store, &scope, &input.secret_id)?;
        if secret.is_deleted() {
            return Err(marked_for_deletion("RotateSecret"));
        }
        if pending_version(&secret).is_some_and(|id| Some(id) != placeholder) {
            return Err(errors::INVALID_REQUEST_EXCEPTION
                .with("A previous rotation isn't complete. That rotation will be reattempted."));
        }
        let previous = secret.rotation.take();
        let function = input
            .rotation_lambda_arn
            .clone()
            .or_else(|| previous.as_ref().map(|r| r.lambda_arn.clone()))
            .ok_or_else(|| {
                errors::INVALID_REQUEST_EXCEPTION
                    .with("No Lambda rotation function ARN is associated with this secret.")
            })?;
        let rules = input
            .rotation_rules
            .clone()
            .or_else(|| previous.map(|r| r.rules))
            .unwrap_or_default();
        secret.rotation = Some(Rotation {
            lambda_arn: function.clone(),
            rules,
            enabled: true,
        });
        if let Some(id) = placeholder {
            secret.versions.entry(id.clone()).or_insert(Version {
                value: SecretValue::default(),
                stages: vec![PENDING.to_string()],
                created_date: now(),
            });
        }
        let out = (secret.arn.clone(), name.clone(), function);
        Ok((vec![docs::put(&scope, &name, secret.to_doc())], out))
    })
}

/// Invokes the rotation function's four steps in order, stopping at the first that fails.
async fn run_steps(
    app: &App,
    ctx: &Context,
    arn: &str,
    function: &str,
    version_id: &str,
) -> Result<(), ApiError> {
    for step in STEPS {
        let event = json!({"Step": step, "SecretId": arn, "ClientRequestToken": version_id});
        let outcome = crate::services::lambda::invoke_waiting(
            app,
            ctx,
            function,
            event.to_string().into_bytes(),
        )
        .await
        .map_err(|e| {
            errors::RESOURCE_NOT_FOUND_EXCEPTION.with(format!(
                "Lambda does not exist or could not be accessed: {function} ({})",
                e.message
            ))
        })?;
        if outcome.is_err() {
            // As in AWS: the rotation stops, the version stays AWSPENDING, RotateSecret succeeded.
            return Ok(());
        }
    }
    Ok(())
}

/// After the steps: the token's version, now current, loses `AWSPENDING`; the rotation date.
fn finish(app: &App, ctx: &Context, arn: &str, version_id: &str) -> Result<(), ApiError> {
    let scope = scope(ctx);
    app.state.commit_docs(|store| {
        let (name, mut secret) = find(store, &scope, arn)?;
        let Some(version) = secret.versions.get_mut(version_id) else {
            return Ok((Vec::new(), ()));
        };
        if !version.stages.iter().any(|s| s == CURRENT) {
            return Ok((Vec::new(), ()));
        }
        version.stages.retain(|s| s != PENDING);
        secret.last_rotated_date = Some(now());
        secret.last_changed_date = now();
        Ok((vec![docs::put(&scope, &name, secret.to_doc())], ()))
    })
}

pub fn cancel(
    app: &App,
    ctx: &Context,
    input: &sm::CancelRotateSecretRequest,
) -> Result<sm::CancelRotateSecretResponse, ApiError> {
    let scope = scope(ctx);
    app.state.commit_docs(|store| {
        let (name, mut secret) = find(store, &scope, &input.secret_id)?;
        if secret.is_deleted() {
            return Err(marked_for_deletion("CancelRotateSecret"));
        }
        let Some(rotation) = secret.rotation.as_mut() else {
            return Err(errors::INVALID_REQUEST_EXCEPTION
                .with("You can't cancel rotation: the secret has no rotation configured."));
        };
        rotation.enabled = false;
        let pending = pending_version(&secret).cloned();
        if let Some(id) = &pending {
            if let Some(v) = secret.versions.get_mut(id) {
                v.stages.retain(|s| s != PENDING);
            }
        }
        secret
            .versions
            .retain(|_, v| !v.stages.is_empty() && !v.value.is_empty());
        let output = sm::CancelRotateSecretResponse {
            arn: Some(secret.arn.clone()),
            name: Some(name.clone()),
            version_id: pending,
        };
        Ok((vec![docs::put(&scope, &name, secret.to_doc())], output))
    })
}

/// UpdateSecretVersionStage: moves a staging label to `MoveToVersionId` and/or off
/// `RemoveFromVersionId`. Moving `AWSCURRENT` makes the version that had it `AWSPREVIOUS`.
pub fn move_stage(
    app: &App,
    ctx: &Context,
    input: &sm::UpdateSecretVersionStageRequest,
) -> Result<sm::UpdateSecretVersionStageResponse, ApiError> {
    let scope = scope(ctx);
    let stage = input.version_stage.as_str();
    app.state.commit_docs(|store| {
        let (name, mut secret) = find(store, &scope, &input.secret_id)?;
        if secret.is_deleted() {
            return Err(marked_for_deletion("UpdateSecretVersionStage"));
        }
        let holder = secret
            .versions
            .iter()
            .find(|(_, v)| v.stages.iter().any(|s| s == stage))
            .map(|(id, _)| id.clone());
        check_move(&secret, stage, holder.as_deref(), input)?;
        if let Some(from) = &input.remove_from_version_id {
            if let Some(v) = secret.versions.get_mut(from) {
                v.stages.retain(|s| s != stage);
            }
        }
        if let Some(to) = &input.move_to_version_id {
            if stage == CURRENT {
                mark_previous(&mut secret, holder.as_deref(), to);
            }
            if let Some(v) = secret.versions.get_mut(to) {
                if !v.stages.iter().any(|s| s == stage) {
                    v.stages.push(stage.to_string());
                }
            }
        }
        secret.versions.retain(|_, v| !v.stages.is_empty());
        secret.last_changed_date = now();
        let output = sm::UpdateSecretVersionStageResponse {
            arn: Some(secret.arn.clone()),
            name: Some(name.clone()),
        };
        Ok((vec![docs::put(&scope, &name, secret.to_doc())], output))
    })
}

/// The checks AWS makes before moving a label.
fn check_move(
    secret: &Secret,
    stage: &str,
    holder: Option<&str>,
    input: &sm::UpdateSecretVersionStageRequest,
) -> Result<(), ApiError> {
    let exists = |id: &str| secret.versions.contains_key(id);
    for id in [&input.move_to_version_id, &input.remove_from_version_id]
        .into_iter()
        .flatten()
    {
        if !exists(id) {
            return Err(errors::RESOURCE_NOT_FOUND_EXCEPTION.with(format!(
                "Secrets Manager can't find the specified secret version: {id}"
            )));
        }
    }
    if let Some(from) = &input.remove_from_version_id {
        if holder != Some(from.as_str()) {
            return Err(invalid(format!(
                "The staging label {stage} is not attached to version {from}, so you can't remove it."
            )));
        }
    }
    if let (Some(to), Some(holder)) = (&input.move_to_version_id, holder) {
        let removing = input.remove_from_version_id.as_deref() == Some(holder);
        if holder != to && !removing {
            return Err(invalid(format!(
                "The parameter RemoveFromVersionId can't be empty. Staging label {stage} is currently attached to version {holder}, so you must explicitly reference that version in RemoveFromVersionId."
            )));
        }
    }
    Ok(())
}

/// `AWSPREVIOUS` moves to the version losing `AWSCURRENT`.
fn mark_previous(secret: &mut Secret, old_current: Option<&str>, new_current: &str) {
    let Some(old) = old_current.filter(|old| *old != new_current) else {
        return;
    };
    for (id, v) in &mut secret.versions {
        if id == old {
            v.stages.retain(|s| s != CURRENT);
            v.stages.push(PREVIOUS.to_string());
        } else {
            v.stages.retain(|s| s != PREVIOUS);
        }
    }
}
