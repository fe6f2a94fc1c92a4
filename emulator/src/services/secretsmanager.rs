//! Secrets Manager over JSON 1.1 (`X-Amz-Target: secretsmanager.Operation`): secrets with
//! versions and staging labels, deletion with a recovery window or at once.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::context::Context;
use crate::error::ApiError;
use crate::generated::secretsmanager::{self as sm, errors};
use crate::http::{Request, Response};
use crate::model::Blob;
use crate::protocols::modeled;
use crate::state::docs::{self, DocStore, Scope};
use crate::state::State;
use crate::timefmt::now_millis;

const CURRENT: &str = "AWSCURRENT";
const PREVIOUS: &str = "AWSPREVIOUS";

/// Answers a Secrets Manager request.
pub async fn handle(state: &State, ctx: &Context, req: &Request) -> Response {
    sm::handle(&SecretsManager { state }, ctx, req).await
}

pub fn error_response(err: &ApiError, request_id: &str) -> Response {
    modeled::error_response(&sm::MODEL, err, request_id)
}

/// The Secrets Manager operations over the emulator's state.
pub struct SecretsManager<'a> {
    pub state: &'a State,
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
    #[serde(default)]
    tags: Vec<sm::Tag>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kms_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deleted_date: Option<f64>,
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
    now_millis() as f64 / 1000.0
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
        return Err(errors::RESOURCE_EXISTS_EXCEPTION
            .with("You can't modify an existing version, you can only create a new version."));
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
            "tag-key" => secret.tags.iter().filter_map(|t| t.key.clone()).collect(),
            "tag-value" => secret.tags.iter().filter_map(|t| t.value.clone()).collect(),
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
        tags: Some(secret.tags.clone()),
        secret_versions_to_stages: Some(secret.stages()),
        ..Default::default()
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
        self.state.commit_docs(|store| {
            if let Some(existing) = store.get(&scope, &name) {
                let message = if existing.get("DeletedDate").is_some() {
                    "You can't create this secret because a secret with this name is already scheduled for deletion."
                } else {
                    "The operation failed because the secret already exists."
                };
                return Err(errors::RESOURCE_EXISTS_EXCEPTION.with(message));
            }
            let arn = format!(
                "arn:aws:secretsmanager:{}:{}:secret:{name}-{}",
                ctx.region,
                ctx.account,
                random_suffix()
            );
            let mut secret = Secret {
                arn: arn.clone(),
                name: name.clone(),
                created_date: now(),
                last_changed_date: now(),
                versions: BTreeMap::new(),
                tags: input.tags.unwrap_or_default(),
                description: input.description,
                kms_key_id: input.kms_key_id,
                deleted_date: None,
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
        let (_, secret) = find(&self.state.docs(), &scope(ctx), &input.secret_id)?;
        if secret.is_deleted() {
            return Err(marked_for_deletion("GetSecretValue"));
        }
        let wanted_version = input.version_id.as_deref();
        let wanted_stage = input.version_stage.as_deref();
        let stage = wanted_stage.unwrap_or(CURRENT);
        let found = secret.versions.iter().find(|(id, v)| {
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
        let value = value_of(input.secret_string, input.secret_binary)?
            .ok_or_else(|| invalid("You must provide either SecretString or SecretBinary."))?;
        let version_id = token(input.client_request_token);
        let stages = input
            .version_stages
            .unwrap_or_else(|| vec![CURRENT.to_string()]);
        let scope = scope(ctx);
        self.state.commit_docs(|store| {
            let (name, mut secret) = find(store, &scope, &input.secret_id)?;
            if secret.is_deleted() {
                return Err(marked_for_deletion("PutSecretValue"));
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
        self.state.commit_docs(|store| {
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
        let (_, secret) = find(&self.state.docs(), &scope(ctx), &input.secret_id)?;
        Ok(sm::DescribeSecretResponse {
            arn: Some(secret.arn.clone()),
            name: Some(secret.name.clone()),
            description: secret.description.clone(),
            kms_key_id: secret.kms_key_id.clone(),
            created_date: Some(secret.created_date),
            last_changed_date: Some(secret.last_changed_date),
            deleted_date: secret.deleted_date,
            version_ids_to_stages: Some(secret.stages()),
            tags: Some(secret.tags),
            ..Default::default()
        })
    }

    async fn list_secrets(
        &self,
        ctx: &Context,
        input: sm::ListSecretsRequest,
    ) -> Result<sm::ListSecretsResponse, ApiError> {
        let size = input.max_results.unwrap_or(100) as usize;
        let start = match input.next_token.as_deref() {
            Some(t) => t
                .parse::<usize>()
                .map_err(|_| invalid("Invalid NextToken"))?,
            None => 0,
        };
        let filters = input.filters.unwrap_or_default();
        let include_deleted = input.include_planned_deletion.unwrap_or(false);
        let store = self.state.docs();
        let mut matching = Vec::new();
        for doc in store.all(&scope(ctx)).into_iter().flatten().map(|(_, d)| d) {
            let secret = Secret::from_doc(doc)?;
            if (include_deleted || !secret.is_deleted()) && passes(&secret, &filters) {
                matching.push(secret);
            }
        }
        let page = matching.iter().skip(start).take(size).map(list_entry);
        Ok(sm::ListSecretsResponse {
            secret_list: Some(page.collect()),
            next_token: (start + size < matching.len()).then(|| (start + size).to_string()),
        })
    }

    async fn delete_secret(
        &self,
        ctx: &Context,
        input: sm::DeleteSecretRequest,
    ) -> Result<sm::DeleteSecretResponse, ApiError> {
        let force = input.force_delete_without_recovery.unwrap_or(false);
        let window = input.recovery_window_in_days;
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
        self.state.commit_docs(|store| {
            let (name, mut secret) = find(store, &scope, &input.secret_id)?;
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
        self.state.commit_docs(|store| {
            let (name, mut secret) = find(store, &scope, &input.secret_id)?;
            secret.deleted_date = None;
            let output = sm::RestoreSecretResponse {
                arn: Some(secret.arn.clone()),
                name: Some(name.clone()),
            };
            Ok((vec![docs::put(&scope, &name, secret.to_doc())], output))
        })
    }
}
