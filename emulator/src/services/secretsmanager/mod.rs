//! Secrets Manager over JSON 1.1 (`X-Amz-Target: secretsmanager.Operation`): secrets with
//! versions and staging labels, deletion with a recovery window or at once, tags, batch reads,
//! random passwords (`password.rs`) and rotation by a Lambda function (`rotation.rs`).
mod password;
mod rotation;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::context::Context;
use crate::error::ApiError;
use crate::generated::secretsmanager::{self as sm, errors};
use crate::http::{Request, Response};
use crate::model::{Blob, Empty};
use crate::protocols::modeled;
use crate::server::App;
use crate::state::docs::{self, DocStore, Scope};
use crate::timefmt::now_seconds;

const CURRENT: &str = "AWSCURRENT";
const PREVIOUS: &str = "AWSPREVIOUS";

/// Answers a Secrets Manager request.
pub async fn handle(app: &App, ctx: &Context, req: &Request) -> Response {
    sm::handle(&SecretsManager { app }, ctx, req).await
}

pub fn error_response(err: &ApiError, request_id: &str) -> Response {
    modeled::error_response(&sm::MODEL, err, request_id)
}

/// The Secrets Manager operations over the emulator's state.
pub struct SecretsManager<'a> {
    pub app: &'a App,
}

/// A secret as the document store keeps it (the journal's format: do not rename fields).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Secret {
    #[serde(rename = "ARN")]
    arn: String,
    name: String,
    created_date: f64,
    last_changed_date: f64,
    #[serde(default)]
    versions: BTreeMap<String, Version>,
    /// `None` until the secret is first tagged: DescribeSecret shows `Tags` only from then on
    /// (an empty list once every tag was removed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tags: Option<Vec<sm::Tag>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kms_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deleted_date: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rotation: Option<rotation::Rotation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_rotated_date: Option<f64>,
}

/// One version of a secret: its value, staging labels and creation time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Version {
    #[serde(flatten)]
    value: SecretValue,
    #[serde(default)]
    stages: Vec<String>,
    created_date: f64,
}

/// A secret value: a string or binary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SecretValue {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    secret_string: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    secret_binary: Option<Blob>,
}

impl SecretValue {
    /// A version without a value: the `AWSPENDING` placeholder a rotation starts with.
    fn is_empty(&self) -> bool {
        self.secret_string.is_none() && self.secret_binary.is_none()
    }
}

impl Secret {
    fn from_doc(doc: &Value) -> Result<Secret, ApiError> {
        serde_json::from_value(doc.clone()).map_err(|e| {
            ApiError::new(
                500,
                "InternalFailure",
                format!("a stored secret is unreadable: {e}"),
            )
        })
    }

    fn to_doc(&self) -> Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    fn is_deleted(&self) -> bool {
        self.deleted_date.is_some()
    }

    /// Stages by version id, as DescribeSecret and ListSecrets show them.
    fn stages(&self) -> BTreeMap<String, Vec<String>> {
        self.versions
            .iter()
            .map(|(id, v)| (id.clone(), v.stages.clone()))
            .collect()
    }
}

fn scope(ctx: &Context) -> Scope {
    docs::scope("secretsmanager", &ctx.account, &ctx.region, "secret")
}

/// Six characters for a secret ARN's suffix, as Secrets Manager adds.
fn random_suffix() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let mut out = String::new();
    for (i, c) in id.chars().take(6).enumerate() {
        out.push(if i % 2 == 0 {
            c.to_ascii_uppercase()
        } else {
            c
        });
    }
    out
}

fn invalid(message: impl Into<String>) -> ApiError {
    errors::INVALID_PARAMETER_EXCEPTION.with(message)
}

fn not_found() -> ApiError {
    errors::RESOURCE_NOT_FOUND_EXCEPTION.with("Secrets Manager can't find the specified secret.")
}

fn marked_for_deletion(action: &str) -> ApiError {
    errors::INVALID_REQUEST_EXCEPTION.with(format!(
        "You can't perform this operation on the secret because it was marked for deletion. ({action})"
    ))
}

fn now() -> f64 {
    now_seconds()
}

/// The stored secret a name, full ARN or partial ARN names: (name, secret).
fn find(store: &DocStore, scope: &Scope, id: &str) -> Result<(String, Secret), ApiError> {
    if let Some(doc) = store.get(scope, id) {
        return Ok((id.to_string(), Secret::from_doc(doc)?));
    }
    let (name, doc) = store
        .all(scope)
        .into_iter()
        .flatten()
        .find(|(name, doc)| {
            let arn = doc["ARN"].as_str().unwrap_or("");
            arn == id
                || (arn.rsplit_once('-').is_some_and(|(base, _)| base == id)
                    && id.ends_with(name.as_str()))
        })
        .ok_or_else(not_found)?;
    Ok((name.clone(), Secret::from_doc(doc)?))
}

/// The value a request carries, if any.
fn value_of(string: Option<String>, binary: Option<Blob>) -> Result<Option<SecretValue>, ApiError> {
    if string.is_some() && binary.is_some() {
        return Err(invalid(
            "You can't specify both a binary secret value and a string secret value in the same secret.",
        ));
    }
    if string.is_none() && binary.is_none() {
        return Ok(None);
    }
    Ok(Some(SecretValue {
        secret_string: string,
        secret_binary: binary,
    }))
}

/// A `ClientRequestToken` that names an existing version with another value.
fn token_in_use(token: &str, arn: &str) -> ApiError {
    errors::RESOURCE_EXISTS_EXCEPTION.with(format!(
        "You can't use ClientRequestToken {token} because that value is already in use for a version of secret {arn}."
    ))
}

fn token(token: Option<String>) -> String {
    token.unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// Adds a version holding `value` and moves the labels (AWSCURRENT by default) to it; false if
/// the version already holds that value.
fn add_version(
    secret: &mut Secret,
    version_id: &str,
    value: SecretValue,
    stages: Vec<String>,
) -> Result<bool, ApiError> {
    if let Some(existing) = secret.versions.get(version_id) {
        if existing.value == value {
            return Ok(false);
        }
        if !existing.value.is_empty() {
            return Err(token_in_use(version_id, &secret.arn));
        }
    }
    let moves_current = stages.iter().any(|s| s == CURRENT);
    for version in secret.versions.values_mut() {
        let was_current = version.stages.iter().any(|l| l == CURRENT);
        version
            .stages
            .retain(|l| !(stages.contains(l) || (moves_current && l == PREVIOUS)));
        if moves_current && was_current {
            version.stages.push(PREVIOUS.to_string());
        }
    }
    secret.versions.retain(|_, v| !v.stages.is_empty());
    let version = Version {
        value,
        stages,
        created_date: now(),
    };
    secret.versions.insert(version_id.to_string(), version);
    secret.last_changed_date = now();
    Ok(true)
}

/// Whether a secret passes ListSecrets' `Filters`.
fn passes(secret: &Secret, filters: &[sm::Filter]) -> bool {
    let description = || secret.description.clone().unwrap_or_default();
    filters.iter().all(|filter| {
        let fields: Vec<String> = match filter.key.as_deref().unwrap_or("") {
            "name" => vec![secret.name.clone()],
            "description" => vec![description()],
            "tag-key" => secret
                .tags
                .iter()
                .flatten()
                .filter_map(|t| t.key.clone())
                .collect(),
            "tag-value" => secret
                .tags
                .iter()
                .flatten()
                .filter_map(|t| t.value.clone())
                .collect(),
            _ => vec![secret.name.clone(), description()],
        };
        filter
            .values
            .iter()
            .flatten()
            .any(|v| match v.strip_prefix('!') {
                Some(negated) => !fields.iter().any(|f| f.starts_with(negated)),
                None => fields.iter().any(|f| f.starts_with(v.as_str())),
            })
    })
}

fn list_entry(secret: &Secret) -> sm::SecretListEntry {
    sm::SecretListEntry {
        arn: Some(secret.arn.clone()),
        name: Some(secret.name.clone()),
        description: secret.description.clone(),
        kms_key_id: secret.kms_key_id.clone(),
        created_date: Some(secret.created_date),
        last_changed_date: Some(secret.last_changed_date),
        deleted_date: secret.deleted_date,
        tags: Some(secret.tags.clone().unwrap_or_default()),
        secret_versions_to_stages: Some(secret.stages()),
        rotation_enabled: Some(rotation::enabled(secret)),
        rotation_lambda_arn: secret.rotation.as_ref().map(|r| r.lambda_arn.clone()),
        rotation_rules: secret.rotation.as_ref().map(|r| r.rules.clone()),
        last_rotated_date: secret.last_rotated_date,
        next_rotation_date: rotation::next_date(secret),
        ..Default::default()
    }
}

/// CreateSecret for a name that exists: a retry (same `ClientRequestToken`, same value) answers
/// as the first call did; anything else is refused.
fn repeated_create(
    existing: &Secret,
    version_id: &str,
    value: Option<&SecretValue>,
) -> Result<sm::CreateSecretResponse, ApiError> {
    if existing.is_deleted() {
        return Err(errors::RESOURCE_EXISTS_EXCEPTION.with(
            "You can't create this secret because a secret with this name is already scheduled for deletion.",
        ));
    }
    match (existing.versions.get(version_id), value) {
        (Some(version), Some(value)) if &version.value == value => Ok(sm::CreateSecretResponse {
            arn: Some(existing.arn.clone()),
            name: Some(existing.name.clone()),
            version_id: Some(version_id.to_string()),
            ..Default::default()
        }),
        (Some(_), _) => Err(token_in_use(version_id, &existing.arn)),
        (None, _) => Err(errors::RESOURCE_EXISTS_EXCEPTION.with(format!(
            "The operation failed because the secret {} already exists.",
            existing.name
        ))),
    }
}

impl sm::Operations for SecretsManager<'_> {
    async fn create_secret(
        &self,
        ctx: &Context,
        input: sm::CreateSecretRequest,
    ) -> Result<sm::CreateSecretResponse, ApiError> {
        let name = input.name;
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c))
        {
            return Err(invalid("Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!"));
        }
        let value = value_of(input.secret_string, input.secret_binary)?;
        let version_id = token(input.client_request_token);
        let scope = scope(ctx);
        self.app.state.commit_docs(|store| {
            if let Some(existing) = store.get(&scope, &name) {
                let existing = Secret::from_doc(existing)?;
                return repeated_create(&existing, &version_id, value.as_ref())
                    .map(|output| (Vec::new(), output));
            }
            let arn = ctx.arn(
                "secretsmanager",
                &format!("secret:{name}-{}", random_suffix()),
            );
            let mut secret = Secret {
                arn: arn.clone(),
                name: name.clone(),
                created_date: now(),
                last_changed_date: now(),
                versions: BTreeMap::new(),
                tags: input.tags.filter(|tags| !tags.is_empty()),
                description: input.description,
                kms_key_id: input.kms_key_id,
                deleted_date: None,
                rotation: None,
                last_rotated_date: None,
            };
            let mut output = sm::CreateSecretResponse {
                arn: Some(arn),
                name: Some(name.clone()),
                ..Default::default()
            };
            if let Some(value) = value {
                add_version(&mut secret, &version_id, value, vec![CURRENT.to_string()])?;
                output.version_id = Some(version_id);
            }
            Ok((vec![docs::put(&scope, &name, secret.to_doc())], output))
        })
    }

    async fn get_secret_value(
        &self,
        ctx: &Context,
        input: sm::GetSecretValueRequest,
    ) -> Result<sm::GetSecretValueResponse, ApiError> {
        let (_, secret) = find(&self.app.state.docs(), &scope(ctx), &input.secret_id)?;
        if secret.is_deleted() {
            return Err(marked_for_deletion("GetSecretValue"));
        }
        let wanted_version = input.version_id.as_deref();
        let wanted_stage = input.version_stage.as_deref();
        let stage = wanted_stage.unwrap_or(CURRENT);
        let found = secret.versions.iter().find(|(id, v)| {
            if v.value.is_empty() {
                return false;
            }
            let has_stage = v.stages.iter().any(|x| x == stage);
            match wanted_version {
                Some(wanted) => id.as_str() == wanted && (wanted_stage.is_none() || has_stage),
                None => has_stage,
            }
        });
        let Some((version_id, version)) = found else {
            return Err(errors::RESOURCE_NOT_FOUND_EXCEPTION.with(match wanted_version {
                Some(v) => format!("Secrets Manager can't find the specified secret value for VersionId: {v}"),
                None => format!("Secrets Manager can't find the specified secret value for staging label: {stage}"),
            }));
        };
        Ok(sm::GetSecretValueResponse {
            arn: Some(secret.arn.clone()),
            name: Some(secret.name.clone()),
            version_id: Some(version_id.clone()),
            secret_string: version.value.secret_string.clone(),
            secret_binary: version.value.secret_binary.clone(),
            version_stages: Some(version.stages.clone()),
            created_date: Some(version.created_date),
        })
    }

    async fn put_secret_value(
        &self,
        ctx: &Context,
        input: sm::PutSecretValueRequest,
    ) -> Result<sm::PutSecretValueResponse, ApiError> {
        let value = value_of(input.secret_string, input.secret_binary)?.ok_or_else(|| {
            errors::INVALID_REQUEST_EXCEPTION
                .with("You must provide either SecretString or SecretBinary.")
        })?;
        let version_id = token(input.client_request_token);
        let mut stages = input
            .version_stages
            .unwrap_or_else(|| vec![CURRENT.to_string()]);
        let scope = scope(ctx);
        self.app.state.commit_docs(|store| {
            let (name, mut secret) = find(store, &scope, &input.secret_id)?;
            if secret.is_deleted() {
                return Err(marked_for_deletion("PutSecretValue"));
            }
            // "If this operation creates the first version for the secret, then Secrets
            // Manager automatically attaches the staging label AWSCURRENT to the new version."
            // (API Reference, PutSecretValue)
            if secret.versions.is_empty() && !stages.iter().any(|s| s == CURRENT) {
                stages.push(CURRENT.to_string());
            }
            let changed = add_version(&mut secret, &version_id, value, stages)?;
            let output = sm::PutSecretValueResponse {
                arn: Some(secret.arn.clone()),
                name: Some(name.clone()),
                version_stages: secret.versions.get(&version_id).map(|v| v.stages.clone()),
                version_id: Some(version_id),
            };
            let entries = if changed {
                vec![docs::put(&scope, &name, secret.to_doc())]
            } else {
                Vec::new()
            };
            Ok((entries, output))
        })
    }

    async fn update_secret(
        &self,
        ctx: &Context,
        input: sm::UpdateSecretRequest,
    ) -> Result<sm::UpdateSecretResponse, ApiError> {
        let value = value_of(input.secret_string, input.secret_binary)?;
        let version_id = token(input.client_request_token);
        let scope = scope(ctx);
        self.app.state.commit_docs(|store| {
            let (name, mut secret) = find(store, &scope, &input.secret_id)?;
            if secret.is_deleted() {
                return Err(marked_for_deletion("UpdateSecret"));
            }
            if input.description.is_some() {
                secret.description = input.description;
            }
            if input.kms_key_id.is_some() {
                secret.kms_key_id = input.kms_key_id;
            }
            secret.last_changed_date = now();
            let mut output = sm::UpdateSecretResponse {
                arn: Some(secret.arn.clone()),
                name: Some(name.clone()),
                version_id: None,
            };
            if let Some(value) = value {
                add_version(&mut secret, &version_id, value, vec![CURRENT.to_string()])?;
                output.version_id = Some(version_id);
            }
            Ok((vec![docs::put(&scope, &name, secret.to_doc())], output))
        })
    }

    async fn describe_secret(
        &self,
        ctx: &Context,
        input: sm::DescribeSecretRequest,
    ) -> Result<sm::DescribeSecretResponse, ApiError> {
        let (_, secret) = find(&self.app.state.docs(), &scope(ctx), &input.secret_id)?;
        Ok(sm::DescribeSecretResponse {
            arn: Some(secret.arn.clone()),
            name: Some(secret.name.clone()),
            description: secret.description.clone(),
            kms_key_id: secret.kms_key_id.clone(),
            created_date: Some(secret.created_date),
            last_changed_date: Some(secret.last_changed_date),
            deleted_date: secret.deleted_date,
            version_ids_to_stages: (!secret.versions.is_empty()).then(|| secret.stages()),
            // Shown once rotation was configured, as Secrets Manager does.
            rotation_enabled: secret.rotation.as_ref().map(|_| rotation::enabled(&secret)),
            rotation_lambda_arn: secret.rotation.as_ref().map(|r| r.lambda_arn.clone()),
            rotation_rules: secret.rotation.as_ref().map(|r| r.rules.clone()),
            last_rotated_date: secret.last_rotated_date,
            next_rotation_date: rotation::next_date(&secret),
            tags: secret.tags,
            ..Default::default()
        })
    }

    async fn list_secrets(
        &self,
        ctx: &Context,
        input: sm::ListSecretsRequest,
    ) -> Result<sm::ListSecretsResponse, ApiError> {
        let filters = input.filters.unwrap_or_default();
        let include_deleted = input.include_planned_deletion.unwrap_or(false);
        let store = self.app.state.docs();
        let found = matching(&store, &scope(ctx), &filters, include_deleted)?;
        let (page, next_token) = page(found, input.next_token.as_deref(), input.max_results)?;
        Ok(sm::ListSecretsResponse {
            secret_list: Some(page.iter().map(list_entry).collect()),
            next_token,
        })
    }

    async fn delete_secret(
        &self,
        ctx: &Context,
        input: sm::DeleteSecretRequest,
    ) -> Result<sm::DeleteSecretResponse, ApiError> {
        let force = input.force_delete_without_recovery.unwrap_or(false);
        let window = input.recovery_window_in_days;
        if window.is_some_and(|days| !(7..=30).contains(&days)) {
            return Err(invalid(
                "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).",
            ));
        }
        if force && window.is_some() {
            return Err(invalid(
                "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
            ));
        }
        let days = window.unwrap_or(30);
        if !force && !(7..=30).contains(&days) {
            return Err(invalid(
                "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).",
            ));
        }
        let scope = scope(ctx);
        self.app.state.commit_docs(|store| {
            let found = find(store, &scope, &input.secret_id);
            if force && found.is_err() {
                return Ok((Vec::new(), forced_absent(ctx, &input.secret_id)));
            }
            let (name, mut secret) = found?;
            let mut output = sm::DeleteSecretResponse {
                arn: Some(secret.arn.clone()),
                name: Some(name.clone()),
                deletion_date: Some(now()),
            };
            if force {
                return Ok((vec![docs::delete(&scope, &name)], output));
            }
            if secret.is_deleted() {
                return Err(marked_for_deletion("DeleteSecret"));
            }
            output.deletion_date = Some(now() + (days * 86_400) as f64);
            secret.deleted_date = Some(now());
            Ok((vec![docs::put(&scope, &name, secret.to_doc())], output))
        })
    }

    async fn restore_secret(
        &self,
        ctx: &Context,
        input: sm::RestoreSecretRequest,
    ) -> Result<sm::RestoreSecretResponse, ApiError> {
        let scope = scope(ctx);
        self.app.state.commit_docs(|store| {
            let (name, mut secret) = find(store, &scope, &input.secret_id)?;
            secret.deleted_date = None;
            let output = sm::RestoreSecretResponse {
                arn: Some(secret.arn.clone()),
                name: Some(name.clone()),
            };
            Ok((vec![docs::put(&scope, &name, secret.to_doc())], output))
        })
    }

    async fn rotate_secret(
        &self,
        ctx: &Context,
        input: sm::RotateSecretRequest,
    ) -> Result<sm::RotateSecretResponse, ApiError> {
        rotation::rotate(self.app, ctx, input).await
    }

    async fn cancel_rotate_secret(
        &self,
        ctx: &Context,
        input: sm::CancelRotateSecretRequest,
    ) -> Result<sm::CancelRotateSecretResponse, ApiError> {
        rotation::cancel(self.app, ctx, &input)
    }

    async fn update_secret_version_stage(
        &self,
        ctx: &Context,
        input: sm::UpdateSecretVersionStageRequest,
    ) -> Result<sm::UpdateSecretVersionStageResponse, ApiError> {
        rotation::move_stage(self.app, ctx, &input)
    }

    async fn get_random_password(
        &self,
        _ctx: &Context,
        input: sm::GetRandomPasswordRequest,
    ) -> Result<sm::GetRandomPasswordResponse, ApiError> {
        Ok(sm::GetRandomPasswordResponse {
            random_password: Some(password::generate(&input)?),
        })
    }

    async fn list_secret_version_ids(
        &self,
        ctx: &Context,
        input: sm::ListSecretVersionIdsRequest,
    ) -> Result<sm::ListSecretVersionIdsResponse, ApiError> {
        let (name, secret) = find(&self.app.state.docs(), &scope(ctx), &input.secret_id)?;
        let entries: Vec<sm::SecretVersionsListEntry> = secret
            .versions
            .iter()
            .map(|(id, v)| sm::SecretVersionsListEntry {
                version_id: Some(id.clone()),
                version_stages: Some(v.stages.clone()),
                created_date: Some(v.created_date),
                ..Default::default()
            })
            .collect();
        let (page, next_token) = page(entries, input.next_token.as_deref(), input.max_results)?;
        Ok(sm::ListSecretVersionIdsResponse {
            versions: Some(page),
            next_token,
            arn: Some(secret.arn),
            name: Some(name),
        })
    }

    async fn batch_get_secret_value(
        &self,
        ctx: &Context,
        input: sm::BatchGetSecretValueRequest,
    ) -> Result<sm::BatchGetSecretValueResponse, ApiError> {
        let store = self.app.state.docs();
        let scope = scope(ctx);
        let (ids, filters) = (input.secret_id_list, input.filters);
        let (found, errors, next_token) = match (ids, filters) {
            (Some(ids), None) => {
                if input.max_results.is_some() {
                    return Err(invalid(
                        "'Filters' not specified. 'Filters' must also be specified when 'MaxResults' is provided.",
                    ));
                }
                let (found, errors) = by_ids(&store, &scope, &ids);
                (found, errors, None)
            }
            (None, Some(filters)) => {
                let matching = matching(&store, &scope, &filters, false)?;
                let (page, next) = page(matching, input.next_token.as_deref(), input.max_results)?;
                if page.iter().any(|secret| current_value(secret).is_none()) {
                    return Err(no_current_value());
                }
                (page, Vec::new(), next)
            }
            _ => {
                return Err(invalid(
                    "Either 'SecretIdList' or 'Filters' must be provided, but not both.",
                ))
            }
        };
        Ok(sm::BatchGetSecretValueResponse {
            secret_values: Some(found.iter().filter_map(current_value).collect()),
            errors: Some(errors),
            next_token,
        })
    }

    async fn tag_resource(
        &self,
        ctx: &Context,
        input: sm::TagResourceRequest,
    ) -> Result<Empty, ApiError> {
        self.change_tags(ctx, &input.secret_id, |tags| {
            for tag in input.tags {
                tags.retain(|t| t.key != tag.key);
                tags.push(tag);
            }
        })
    }

    async fn untag_resource(
        &self,
        ctx: &Context,
        input: sm::UntagResourceRequest,
    ) -> Result<Empty, ApiError> {
        self.change_tags(ctx, &input.secret_id, |tags| {
            tags.retain(|t| !t.key.as_ref().is_some_and(|k| input.tag_keys.contains(k)));
        })
    }
}

impl SecretsManager<'_> {
    fn change_tags(
        &self,
        ctx: &Context,
        secret_id: &str,
        change: impl FnOnce(&mut Vec<sm::Tag>),
    ) -> Result<Empty, ApiError> {
        let scope = scope(ctx);
        self.app.state.commit_docs(|store| {
            let (name, mut secret) = find(store, &scope, secret_id)?;
            change(secret.tags.get_or_insert_with(Vec::new));
            Ok((vec![docs::put(&scope, &name, secret.to_doc())], Empty {}))
        })
    }
}

/// The secrets BatchGetSecretValue's `SecretIdList` names, and an error entry for each it
/// cannot read.
fn by_ids(store: &DocStore, scope: &Scope, ids: &[String]) -> (Vec<Secret>, Vec<sm::APIErrorType>) {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for id in ids {
        match find(store, scope, id) {
            Ok((_, secret)) if secret.is_deleted() => errors.push(batch_error(id, &deleted())),
            Ok((_, secret)) if current_value(&secret).is_none() => {
                errors.push(batch_error(id, &no_current_value()));
            }
            Ok((_, secret)) => found.push(secret),
            Err(e) => errors.push(batch_error(id, &e)),
        }
    }
    (found, errors)
}

/// DeleteSecret with `ForceDeleteWithoutRecovery` of a secret that does not exist: Secrets
/// Manager answers as if it deleted it (the call is idempotent), naming the id it was given.
fn forced_absent(ctx: &Context, id: &str) -> sm::DeleteSecretResponse {
    let (arn, name) = if id.starts_with("arn:") {
        (id.to_string(), name_in_arn(id))
    } else {
        let suffixed = format!("secret:{id}-{}", random_suffix());
        (ctx.arn("secretsmanager", &suffixed), id.to_string())
    };
    sm::DeleteSecretResponse {
        arn: Some(arn),
        name: Some(name),
        deletion_date: Some(now()),
    }
}

/// The secret name in a secret ARN (`…:secret:NAME-XXXXXX`), without the random suffix.
fn name_in_arn(arn: &str) -> String {
    let resource = arn.split_once(":secret:").map_or(arn, |(_, r)| r);
    match resource.rsplit_once('-') {
        Some((name, suffix)) if suffix.len() == 6 => name.to_string(),
        _ => resource.to_string(),
    }
}

/// A batch entry naming a secret that is scheduled for deletion.
fn deleted() -> ApiError {
    errors::INVALID_REQUEST_EXCEPTION
        .with("You tried to perform the operation on a secret that's currently marked deleted.")
}

/// GetSecretValue's answer for a secret without an `AWSCURRENT` value.
fn no_current_value() -> ApiError {
    errors::RESOURCE_NOT_FOUND_EXCEPTION.with(format!(
        "Secrets Manager can't find the specified secret value for staging label: {CURRENT}"
    ))
}

fn batch_error(id: &str, err: &ApiError) -> sm::APIErrorType {
    sm::APIErrorType {
        secret_id: Some(id.to_string()),
        error_code: Some(err.code.to_string()),
        message: Some(err.message.clone()),
    }
}

/// The `AWSCURRENT` value of a secret, as BatchGetSecretValue lists it.
fn current_value(secret: &Secret) -> Option<sm::SecretValueEntry> {
    let (id, version) = secret
        .versions
        .iter()
        .find(|(_, v)| v.stages.iter().any(|s| s == CURRENT) && !v.value.is_empty())?;
    Some(sm::SecretValueEntry {
        arn: Some(secret.arn.clone()),
        name: Some(secret.name.clone()),
        version_id: Some(id.clone()),
        secret_string: version.value.secret_string.clone(),
        secret_binary: version.value.secret_binary.clone(),
        version_stages: Some(version.stages.clone()),
        created_date: Some(version.created_date),
    })
}

/// The secrets passing `filters`, in name order.
fn matching(
    store: &DocStore,
    scope: &Scope,
    filters: &[sm::Filter],
    include_deleted: bool,
) -> Result<Vec<Secret>, ApiError> {
    let mut found = Vec::new();
    for doc in store.all(scope).into_iter().flatten().map(|(_, d)| d) {
        let secret = Secret::from_doc(doc)?;
        if (include_deleted || !secret.is_deleted()) && passes(&secret, filters) {
            found.push(secret);
        }
    }
    Ok(found)
}

/// One page of `all` from a `NextToken` (an index) and `MaxResults` (100 by default).
fn page<T>(
    all: Vec<T>,
    next_token: Option<&str>,
    max_results: Option<i32>,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let size = max_results.map_or(100, |n| usize::try_from(n).unwrap_or(100));
    let start = match next_token {
        Some(t) => t
            .parse::<usize>()
            .map_err(|_| invalid("Invalid NextToken"))?,
        None => 0,
    };
    let total = all.len();
    let end = start.saturating_add(size).min(total);
    let next = (end < total).then(|| end.to_string());
    Ok((all.into_iter().skip(start).take(size).collect(), next))
}
