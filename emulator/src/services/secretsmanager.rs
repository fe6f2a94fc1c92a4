//! Secrets Manager over JSON 1.1 (`X-Amz-Target: secretsmanager.Operation`): secrets with
//! versions and staging labels, deletion with a recovery window or at once.
use serde_json::{json, Map, Value};

use crate::context::Context;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::protocols::json;
use crate::state::docs::{self, DocStore, Scope};
use crate::state::State;
use crate::timefmt::now_millis;

const NAMESPACE: &str = "com.amazonaws.secretsmanager";
const CURRENT: &str = "AWSCURRENT";
const PREVIOUS: &str = "AWSPREVIOUS";

/// Answers a Secrets Manager request.
pub fn handle(state: &State, ctx: &Context, req: &Request) -> Response {
    json::answer_1_1(req, &ctx.request_id, NAMESPACE, |operation, input| {
        run(state, ctx, operation, input)
    })
}

pub fn error_response(err: &ApiError, request_id: &str) -> Response {
    json::error_response(err, "1.1", NAMESPACE, false, request_id)
}

fn run(state: &State, ctx: &Context, operation: &str, input: &Value) -> Result<Value, ApiError> {
    let scope = docs::scope("secretsmanager", &ctx.account, &ctx.region, "secret");
    let call = Call {
        state,
        ctx,
        input,
        scope,
    };
    match operation {
        "CreateSecret" => create(&call),
        "GetSecretValue" => get_value(&call),
        "PutSecretValue" => put_value(&call),
        "UpdateSecret" => update(&call),
        "DescribeSecret" => describe(&call),
        "ListSecrets" => list(&call),
        "DeleteSecret" => delete(&call),
        "RestoreSecret" => restore(&call),
        other => Err(ApiError::not_implemented("Secrets Manager", other)),
    }
}

struct Call<'a> {
    state: &'a State,
    ctx: &'a Context,
    input: &'a Value,
    scope: Scope,
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
    ApiError::new(400, "InvalidParameterException", message)
}

fn not_found() -> ApiError {
    ApiError::new(
        400,
        "ResourceNotFoundException",
        "Secrets Manager can't find the specified secret.",
    )
}

fn marked_for_deletion(action: &str) -> ApiError {
    ApiError::new(
        400,
        "InvalidRequestException",
        format!("You can't perform this operation on the secret because it was marked for deletion. ({action})"),
    )
}

fn now() -> f64 {
    now_millis() as f64 / 1000.0
}

fn secret_id(input: &Value) -> Result<&str, ApiError> {
    input
        .get("SecretId")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null"))
}

/// The stored secret a name, full ARN or partial ARN names: (name, document).
fn find(store: &DocStore, scope: &Scope, id: &str) -> Result<(String, Value), ApiError> {
    if let Some(doc) = store.get(scope, id) {
        return Ok((id.to_string(), doc.clone()));
    }
    store
        .all(scope)
        .into_iter()
        .flatten()
        .find(|(name, doc)| {
            let arn = doc["ARN"].as_str().unwrap_or("");
            arn == id
                || (arn.rsplit_once('-').is_some_and(|(base, _)| base == id)
                    && id.ends_with(name.as_str()))
        })
        .map(|(name, doc)| (name.clone(), doc.clone()))
        .ok_or_else(not_found)
}

/// The value fields of a request, if it carries a value.
fn value_of(input: &Value) -> Result<Option<Map<String, Value>>, ApiError> {
    let string = input.get("SecretString");
    let binary = input.get("SecretBinary");
    match (string, binary) {
        (Some(_), Some(_)) => Err(invalid(
            "You can't specify both a binary secret value and a string secret value in the same secret.",
        )),
        (Some(s), None) => Ok(Some(Map::from_iter([("SecretString".to_string(), s.clone())]))),
        (None, Some(b)) => Ok(Some(Map::from_iter([("SecretBinary".to_string(), b.clone())]))),
        (None, None) => Ok(None),
    }
}

fn token(input: &Value) -> String {
    input
        .get("ClientRequestToken")
        .and_then(Value::as_str)
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_string)
}

/// Adds a version holding `value` and moves the labels (AWSCURRENT by default) to it.
fn add_version(
    doc: &mut Value,
    version_id: &str,
    value: Map<String, Value>,
    stages: Vec<String>,
) -> Result<bool, ApiError> {
    if let Some(existing) = doc["Versions"].get(version_id) {
        let same = value.iter().all(|(k, v)| existing.get(k) == Some(v));
        if same {
            return Ok(false);
        }
        return Err(ApiError::new(
            400,
            "ResourceExistsException",
            "You can't modify an existing version, you can only create a new version.",
        ));
    }
    let moves_current = stages.iter().any(|s| s == CURRENT);
    let versions = doc["Versions"].as_object_mut().ok_or_else(not_found)?;
    for version in versions.values_mut() {
        let labels: Vec<String> = version["Stages"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        let was_current = labels.iter().any(|l| l == CURRENT);
        let mut kept: Vec<String> = labels
            .into_iter()
            .filter(|l| !(stages.contains(l) || (moves_current && l == PREVIOUS)))
            .collect();
        if moves_current && was_current {
            kept.push(PREVIOUS.to_string());
        }
        version["Stages"] = json!(kept);
    }
    versions.retain(|_, v| v["Stages"].as_array().is_some_and(|s| !s.is_empty()));
    let mut version = Value::Object(value);
    version["Stages"] = json!(stages);
    version["CreatedDate"] = json!(now());
    versions.insert(version_id.to_string(), version);
    doc["LastChangedDate"] = json!(now());
    Ok(true)
}

fn create(call: &Call) -> Result<Value, ApiError> {
    let name = call
        .input
        .get("Name")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null"))?
        .to_string();
    if name.is_empty()
        || name.len() > 512
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c))
    {
        return Err(invalid("Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!"));
    }
    let value = value_of(call.input)?;
    let version_id = token(call.input);
    call.state.commit_docs(|store| {
        if let Some(existing) = store.get(&call.scope, &name) {
            let message = if existing.get("DeletedDate").is_some() {
                "You can't create this secret because a secret with this name is already scheduled for deletion."
            } else {
                "The operation failed because the secret already exists."
            };
            return Err(ApiError::new(400, "ResourceExistsException", message));
        }
        let arn = format!(
            "arn:aws:secretsmanager:{}:{}:secret:{name}-{}",
            call.ctx.region,
            call.ctx.account,
            random_suffix()
        );
        let mut doc = json!({
            "ARN": arn,
            "Name": name,
            "CreatedDate": now(),
            "LastChangedDate": now(),
            "Versions": {},
            "Tags": call.input.get("Tags").cloned().unwrap_or(json!([])),
        });
        for optional in ["Description", "KmsKeyId"] {
            if let Some(v) = call.input.get(optional) {
                doc[optional] = v.clone();
            }
        }
        let mut output = json!({ "ARN": arn, "Name": name });
        if let Some(value) = value {
            add_version(&mut doc, &version_id, value, vec![CURRENT.to_string()])?;
            output["VersionId"] = json!(version_id);
        }
        Ok((vec![docs::put(&call.scope, &name, doc)], output))
    })
}

fn get_value(call: &Call) -> Result<Value, ApiError> {
    let id = secret_id(call.input)?;
    let store = call.state.docs();
    let (_, doc) = find(&store, &call.scope, id)?;
    if doc.get("DeletedDate").is_some() {
        return Err(marked_for_deletion("GetSecretValue"));
    }
    let wanted_version = call.input.get("VersionId").and_then(Value::as_str);
    let wanted_stage = call.input.get("VersionStage").and_then(Value::as_str);
    let stage = wanted_stage.unwrap_or(CURRENT);
    let versions = doc["Versions"].as_object().cloned().unwrap_or_default();
    let found = versions.iter().find(|(id, v)| {
        let has_stage = v["Stages"]
            .as_array()
            .is_some_and(|s| s.iter().any(|x| x == stage));
        match wanted_version {
            Some(wanted) => id.as_str() == wanted && (wanted_stage.is_none() || has_stage),
            None => has_stage,
        }
    });
    let Some((version_id, version)) = found else {
        return Err(ApiError::new(
            400,
            "ResourceNotFoundException",
            match wanted_version {
                Some(v) => format!("Secrets Manager can't find the specified secret value for VersionId: {v}"),
                None => format!("Secrets Manager can't find the specified secret value for staging label: {stage}"),
            },
        ));
    };
    let mut output = json!({
        "ARN": doc["ARN"],
        "Name": doc["Name"],
        "VersionId": version_id,
        "VersionStages": version["Stages"],
        "CreatedDate": version["CreatedDate"],
    });
    for field in ["SecretString", "SecretBinary"] {
        if let Some(v) = version.get(field) {
            output[field] = v.clone();
        }
    }
    Ok(output)
}

fn put_value(call: &Call) -> Result<Value, ApiError> {
    let id = secret_id(call.input)?.to_string();
    let value = value_of(call.input)?
        .ok_or_else(|| invalid("You must provide either SecretString or SecretBinary."))?;
    let version_id = token(call.input);
    let stages: Vec<String> = match call.input.get("VersionStages").and_then(Value::as_array) {
        Some(list) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        None => vec![CURRENT.to_string()],
    };
    call.state.commit_docs(|store| {
        let (name, mut doc) = find(store, &call.scope, &id)?;
        if doc.get("DeletedDate").is_some() {
            return Err(marked_for_deletion("PutSecretValue"));
        }
        let changed = add_version(&mut doc, &version_id, value, stages.clone())?;
        let output = json!({
            "ARN": doc["ARN"],
            "Name": name,
            "VersionId": version_id,
            "VersionStages": doc["Versions"][&version_id]["Stages"],
        });
        let entries = if changed {
            vec![docs::put(&call.scope, &name, doc)]
        } else {
            Vec::new()
        };
        Ok((entries, output))
    })
}

fn update(call: &Call) -> Result<Value, ApiError> {
    let id = secret_id(call.input)?.to_string();
    let value = value_of(call.input)?;
    let version_id = token(call.input);
    call.state.commit_docs(|store| {
        let (name, mut doc) = find(store, &call.scope, &id)?;
        if doc.get("DeletedDate").is_some() {
            return Err(marked_for_deletion("UpdateSecret"));
        }
        for optional in ["Description", "KmsKeyId"] {
            if let Some(v) = call.input.get(optional) {
                doc[optional] = v.clone();
            }
        }
        doc["LastChangedDate"] = json!(now());
        let mut output = json!({ "ARN": doc["ARN"], "Name": name });
        if let Some(value) = value {
            add_version(&mut doc, &version_id, value, vec![CURRENT.to_string()])?;
            output["VersionId"] = json!(version_id);
        }
        Ok((vec![docs::put(&call.scope, &name, doc)], output))
    })
}

/// The DescribeSecret / ListSecrets shape of a secret.
fn description(doc: &Value, stages_field: &str) -> Value {
    let mut out = json!({
        "ARN": doc["ARN"],
        "Name": doc["Name"],
        "CreatedDate": doc["CreatedDate"],
        "LastChangedDate": doc["LastChangedDate"],
        "Tags": doc["Tags"],
    });
    for optional in ["Description", "KmsKeyId", "DeletedDate"] {
        if let Some(v) = doc.get(optional) {
            out[optional] = v.clone();
        }
    }
    let stages: Map<String, Value> = doc["Versions"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(id, v)| (id.clone(), v["Stages"].clone()))
        .collect();
    out[stages_field] = Value::Object(stages);
    out
}

fn describe(call: &Call) -> Result<Value, ApiError> {
    let id = secret_id(call.input)?;
    let store = call.state.docs();
    let (_, doc) = find(&store, &call.scope, id)?;
    Ok(description(&doc, "VersionIdsToStages"))
}

/// Whether a secret passes ListSecrets' `Filters`.
fn passes(doc: &Value, filters: &[Value]) -> bool {
    filters.iter().all(|filter| {
        let key = filter["Key"].as_str().unwrap_or("");
        let tags: Vec<&Value> = doc["Tags"].as_array().into_iter().flatten().collect();
        let fields: Vec<String> = match key {
            "name" => vec![doc["Name"].as_str().unwrap_or("").to_string()],
            "description" => vec![doc["Description"].as_str().unwrap_or("").to_string()],
            "tag-key" => tags
                .iter()
                .filter_map(|t| t["Key"].as_str().map(str::to_string))
                .collect(),
            "tag-value" => tags
                .iter()
                .filter_map(|t| t["Value"].as_str().map(str::to_string))
                .collect(),
            _ => {
                let mut all = vec![doc["Name"].as_str().unwrap_or("").to_string()];
                all.push(doc["Description"].as_str().unwrap_or("").to_string());
                all
            }
        };
        filter["Values"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .any(|v| match v.strip_prefix('!') {
                Some(negated) => !fields.iter().any(|f| f.starts_with(negated)),
                None => fields.iter().any(|f| f.starts_with(v)),
            })
    })
}

fn list(call: &Call) -> Result<Value, ApiError> {
    let size = call
        .input
        .get("MaxResults")
        .and_then(Value::as_u64)
        .unwrap_or(100) as usize;
    if !(1..=100).contains(&size) {
        return Err(invalid("MaxResults must be between 1 and 100"));
    }
    let start = match call.input.get("NextToken").and_then(Value::as_str) {
        Some(t) => t
            .parse::<usize>()
            .map_err(|_| invalid("Invalid NextToken"))?,
        None => 0,
    };
    let filters = call
        .input
        .get("Filters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let include_deleted = call
        .input
        .get("IncludePlannedDeletion")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let store = call.state.docs();
    let matching: Vec<Value> = store
        .all(&call.scope)
        .into_iter()
        .flatten()
        .map(|(_, doc)| doc)
        .filter(|doc| include_deleted || doc.get("DeletedDate").is_none())
        .filter(|doc| passes(doc, &filters))
        .map(|doc| description(doc, "SecretVersionsToStages"))
        .collect();
    let page: Vec<Value> = matching.iter().skip(start).take(size).cloned().collect();
    let mut output = json!({ "SecretList": page });
    if start + size < matching.len() {
        output["NextToken"] = json!((start + size).to_string());
    }
    Ok(output)
}

fn delete(call: &Call) -> Result<Value, ApiError> {
    let id = secret_id(call.input)?.to_string();
    let force = call
        .input
        .get("ForceDeleteWithoutRecovery")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let window = call
        .input
        .get("RecoveryWindowInDays")
        .and_then(Value::as_i64);
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
    call.state.commit_docs(|store| {
        let (name, mut doc) = find(store, &call.scope, &id)?;
        if force {
            let output = json!({ "ARN": doc["ARN"], "Name": name, "DeletionDate": now() });
            return Ok((vec![docs::delete(&call.scope, &name)], output));
        }
        if doc.get("DeletedDate").is_some() {
            return Err(marked_for_deletion("DeleteSecret"));
        }
        let deletion = now() + (days * 86_400) as f64;
        doc["DeletedDate"] = json!(now());
        let output = json!({ "ARN": doc["ARN"], "Name": name, "DeletionDate": deletion });
        Ok((vec![docs::put(&call.scope, &name, doc)], output))
    })
}

fn restore(call: &Call) -> Result<Value, ApiError> {
    let id = secret_id(call.input)?.to_string();
    call.state.commit_docs(|store| {
        let (name, mut doc) = find(store, &call.scope, &id)?;
        if let Some(o) = doc.as_object_mut() {
            o.remove("DeletedDate");
        }
        let output = json!({ "ARN": doc["ARN"], "Name": name });
        Ok((vec![docs::put(&call.scope, &name, doc)], output))
    })
}
