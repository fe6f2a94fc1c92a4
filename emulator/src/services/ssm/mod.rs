//! SSM Parameter Store over JSON 1.1 (`X-Amz-Target: AmazonSSM.Operation`): parameters with
//! versions, hierarchies and SecureString values, on the shapes generated from the SSM model;
//! version labels and tags in `labels.rs`, parameter policies (expiration honoured) in
//! `policies.rs`, Run Command (recorded, never run) in `commands.rs`.
mod commands;
mod filters;
mod labels;
mod policies;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde_json::{json, Value};

use crate::context::Context;
use crate::error::ApiError;
use crate::generated::ssm::{self as model, errors, Operations};
use crate::http::{Request, Response};
use crate::protocols::modeled;
use crate::services::iam::credentials;
use crate::state::docs::{self, Scope};
use crate::state::State;
use crate::timefmt::now_seconds;

/// Answers an SSM request.
pub async fn handle(state: &State, ctx: &Context, req: &Request) -> Response {
    if let Err(err) = policies::expire(state, &scope(ctx)) {
        return error_response(&err, &ctx.request_id);
    }
    model::handle(&Ssm { state }, ctx, req).await
}

pub fn error_response(err: &ApiError, request_id: &str) -> Response {
    modeled::error_response(&model::MODEL, err, request_id)
}

/// The Parameter Store of one server.
struct Ssm<'a> {
    state: &'a State,
}

fn scope(ctx: &Context) -> Scope {
    docs::scope("ssm", &ctx.account, &ctx.region, "parameter")
}

impl Operations for Ssm<'_> {
    async fn delete_parameter(
        &self,
        ctx: &Context,
        input: model::DeleteParameterRequest,
    ) -> Result<model::DeleteParameterResult, ApiError> {
        delete(self.state, &scope(ctx), &input.name)
    }

    async fn delete_parameters(
        &self,
        ctx: &Context,
        input: model::DeleteParametersRequest,
    ) -> Result<model::DeleteParametersResult, ApiError> {
        delete_many(self.state, &scope(ctx), &input.names)
    }

    async fn describe_parameters(
        &self,
        ctx: &Context,
        input: model::DescribeParametersRequest,
    ) -> Result<model::DescribeParametersResult, ApiError> {
        describe(self.state, ctx, input)
    }

    async fn get_parameter(
        &self,
        ctx: &Context,
        input: model::GetParameterRequest,
    ) -> Result<model::GetParameterResult, ApiError> {
        get(self.state, ctx, &input)
    }

    async fn get_parameter_history(
        &self,
        ctx: &Context,
        input: model::GetParameterHistoryRequest,
    ) -> Result<model::GetParameterHistoryResult, ApiError> {
        history(self.state, &scope(ctx), &input)
    }

    async fn get_parameters(
        &self,
        ctx: &Context,
        input: model::GetParametersRequest,
    ) -> Result<model::GetParametersResult, ApiError> {
        get_many(self.state, ctx, &input)
    }

    async fn get_parameters_by_path(
        &self,
        ctx: &Context,
        input: model::GetParametersByPathRequest,
    ) -> Result<model::GetParametersByPathResult, ApiError> {
        by_path(self.state, ctx, &input)
    }

    async fn put_parameter(
        &self,
        ctx: &Context,
        input: model::PutParameterRequest,
    ) -> Result<model::PutParameterResult, ApiError> {
        let user = credentials::caller(self.state, ctx).arn;
        put(self.state, &scope(ctx), &user, input)
    }

    async fn label_parameter_version(
        &self,
        ctx: &Context,
        input: model::LabelParameterVersionRequest,
    ) -> Result<model::LabelParameterVersionResult, ApiError> {
        self.label(&scope(ctx), input)
    }

    async fn unlabel_parameter_version(
        &self,
        ctx: &Context,
        input: model::UnlabelParameterVersionRequest,
    ) -> Result<model::UnlabelParameterVersionResult, ApiError> {
        self.unlabel(&scope(ctx), input)
    }

    async fn add_tags_to_resource(
        &self,
        ctx: &Context,
        input: model::AddTagsToResourceRequest,
    ) -> Result<model::AddTagsToResourceResult, ApiError> {
        let (kind, id) = (&input.resource_type, &input.resource_id);
        self.change_tags(&scope(ctx), kind, id, |tags| {
            for tag in input.tags {
                tags.retain(|t| t.key != tag.key);
                tags.push(tag);
            }
        })?;
        Ok(model::AddTagsToResourceResult {})
    }

    async fn remove_tags_from_resource(
        &self,
        ctx: &Context,
        input: model::RemoveTagsFromResourceRequest,
    ) -> Result<model::RemoveTagsFromResourceResult, ApiError> {
        let (kind, id) = (&input.resource_type, &input.resource_id);
        self.change_tags(&scope(ctx), kind, id, |tags| {
            tags.retain(|t| !input.tag_keys.contains(&t.key));
        })?;
        Ok(model::RemoveTagsFromResourceResult {})
    }

    async fn send_command(
        &self,
        ctx: &Context,
        input: model::SendCommandRequest,
    ) -> Result<model::SendCommandResult, ApiError> {
        commands::send(self.state, ctx, input)
    }

    async fn list_commands(
        &self,
        ctx: &Context,
        input: model::ListCommandsRequest,
    ) -> Result<model::ListCommandsResult, ApiError> {
        commands::list(self.state, ctx, input)
    }

    async fn list_command_invocations(
        &self,
        ctx: &Context,
        input: model::ListCommandInvocationsRequest,
    ) -> Result<model::ListCommandInvocationsResult, ApiError> {
        commands::list_invocations(self.state, ctx, input)
    }

    async fn get_command_invocation(
        &self,
        ctx: &Context,
        input: model::GetCommandInvocationRequest,
    ) -> Result<model::GetCommandInvocationResult, ApiError> {
        commands::get_invocation(self.state, ctx, input)
    }

    async fn list_tags_for_resource(
        &self,
        ctx: &Context,
        input: model::ListTagsForResourceRequest,
    ) -> Result<model::ListTagsForResourceResult, ApiError> {
        let tags = self.tags(&scope(ctx), &input.resource_type, &input.resource_id)?;
        Ok(model::ListTagsForResourceResult {
            tag_list: Some(tags),
        })
    }
}

fn validation(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "ValidationException", message)
}

fn not_found(name: &str) -> ApiError {
    errors::PARAMETER_NOT_FOUND.with(format!("Parameter {name} not found."))
}
/// A parameter name from a name or an ARN.
fn plain_name(name: &str) -> String {
    match name.split_once(":parameter") {
        Some((_, rest)) if name.starts_with("arn:") => {
            if rest.starts_with("//") {
                rest[1..].to_string()
            } else if rest.starts_with('/') && rest[1..].contains('/') {
                rest.to_string()
            } else {
                rest.trim_start_matches('/').to_string()
            }
        }
        _ => name.to_string(),
    }
}

/// The key a parameter is stored under: its plain name, where a one-level name's leading `/`
/// is optional (`/x` and `x` are one parameter, ARN `…:parameter/x`, as in SSM).
fn key_of(name: &str) -> String {
    let name = plain_name(name);
    match name.strip_prefix('/') {
        Some(rest) if !rest.contains('/') => rest.to_string(),
        _ => name,
    }
}

/// A name with its leading `/` (hierarchy comparisons treat `x` as `/x`).
fn full_name(name: &str) -> String {
    if name.starts_with('/') {
        name.to_string()
    } else {
        format!("/{name}")
    }
}

fn arn(ctx: &Context, name: &str) -> String {
    let path = name.trim_start_matches('/');
    ctx.arn("ssm", &format!("parameter/{path}"))
}

/// SSM's name rules. A path-form name (`/ssm/...`, `/aws/...`) is answered as SSM answers
/// it: `/aws` paths are reserved for AWS's public parameters (AccessDeniedException, "No access
/// to reserved parameter name"), `/ssm` paths get the long sub-path rule; a plain name with
/// either prefix gets the short prefix rule.
fn validate_name(name: &str) -> Result<(), ApiError> {
    let lower = name.to_ascii_lowercase();
    if let Some(path) = lower.strip_prefix('/') {
        if path.starts_with("aws") {
            return Err(ApiError::new(
                400,
                "AccessDeniedException",
                format!("No access to reserved parameter name: {name}."),
            ));
        }
        if path.starts_with("ssm") {
            return Err(validation(
                "Parameter name: can't be prefixed with \"ssm\" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_",
            ));
        }
    } else if lower.starts_with("aws") || lower.starts_with("ssm") {
        return Err(validation(
            "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive).",
        ));
    }
    let ok = !name.is_empty()
        && name.len() <= 2048
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-/".contains(c))
        && !name.ends_with('/');
    if ok {
        Ok(())
    } else {
        Err(validation(format!(
            "Parameter name: must use only a-zA-Z0-9_.-/ and must not end with a slash: {name}"
        )))
    }
}

/// The data types PutParameter accepts (SSM User Guide, "Native parameter support for Amazon
/// Machine Image IDs").
fn check_data_type(data_type: Option<&str>) -> Result<(), ApiError> {
    match data_type {
        None | Some("text" | "aws:ec2:image" | "aws:ssm:integration") => Ok(()),
        Some(other) => Err(validation(format!(
            "The following data type is not supported: {other} (Data type names are all lowercase.)"
        ))),
    }
}

/// How many versions SSM keeps of a parameter; older ones are deleted as new ones are written.
const VERSION_LIMIT: usize = 100;

/// Drops the oldest version once a parameter has more than `VERSION_LIMIT`, unless it has a
/// label, which SSM refuses.
fn keep_version_limit(name: &str, history: &mut Vec<Value>) -> Result<(), ApiError> {
    if history.len() <= VERSION_LIMIT {
        return Ok(());
    }
    let oldest = &history[0];
    if oldest["Labels"].as_array().is_some_and(|l| !l.is_empty()) {
        return Err(errors::PARAMETER_MAX_VERSION_LIMIT_EXCEEDED.with(format!(
            "You attempted to create a new version of {name} by calling the PutParameter API with the overwrite flag. Version {}, the oldest version, can't be deleted because it has a label associated with it. Move the label to another version of the parameter, and try again.",
            oldest["Version"]
        )));
    }
    history.remove(0);
    Ok(())
}

/// Writes a new version of a parameter; `user` (the caller's ARN) is its `LastModifiedUser`.
fn put(
    state: &State,
    scope: &Scope,
    user: &str,
    input: model::PutParameterRequest,
) -> Result<model::PutParameterResult, ApiError> {
    let name = plain_name(&input.name);
    validate_name(&name)?;
    check_data_type(input.data_type.as_deref())?;
    let key = key_of(&name);
    let value = input.value;
    if value.is_empty() {
        // The model declares no length for the (sensitive) value; the service refuses empty ones.
        return Err(validation(
            "1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ));
    }
    if input.tags.is_some() && input.overwrite == Some(true) {
        return Err(validation(
            "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags on an existing parameter, please use AddTagsToResource",
        ));
    }
    state.commit_docs(|store| {
        let existing = store.get(scope, &key);
        if existing.is_some() && !input.overwrite.unwrap_or(false) {
            return Err(errors::PARAMETER_ALREADY_EXISTS.with(
                "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.",
            ));
        }
        let kind = match (&input.r#type, existing) {
            (Some(kind), _) => kind.clone(),
            (None, Some(old)) => old["Type"].as_str().unwrap_or("String").to_string(),
            (None, None) => {
                return Err(validation(
                    "A parameter type is required when you create a parameter.",
                ))
            }
        };
        if let Some(pattern) = &input.allowed_pattern {
            let matches = regex::Regex::new(&format!("^(?:{pattern})$"))
                .map(|r| r.is_match(&value))
                .unwrap_or(false);
            if !matches {
                return Err(errors::PARAMETER_PATTERN_MISMATCH_EXCEPTION.with(format!(
                    "Parameter value, cannot be validated against allowedPattern: {pattern}"
                )));
            }
        }
        let version = existing.and_then(|p| p["Version"].as_i64()).unwrap_or(0) + 1;
        let now = now_seconds();
        let mut history = existing
            .and_then(|p| p["History"].as_array().cloned())
            .unwrap_or_default();
        let tier = input
            .tier
            .clone()
            .or_else(|| existing.and_then(|p| p["Tier"].as_str().map(str::to_string)))
            .unwrap_or_else(|| "Standard".to_string());
        let mut entry = json!({
            "Name": name,
            "Type": kind,
            "Value": value,
            "Version": version,
            "LastModifiedDate": now,
            "LastModifiedUser": user,
            "DataType": input.data_type.as_deref().unwrap_or("text"),
            "Tier": tier,
            "Labels": [],
        });
        let given = [
            ("Description", &input.description),
            ("AllowedPattern", &input.allowed_pattern),
            ("KeyId", &input.key_id),
        ];
        for (field, value) in given {
            if let Some(v) = value {
                entry[field] = json!(v);
            } else if let Some(old) = existing.and_then(|p| p.get(field)) {
                entry[field] = old.clone();
            }
        }
        match (input.policies.as_deref().map(policies::parse).transpose()?, existing) {
            (Some(list), _) if !list.is_empty() => entry["Policies"] = Value::Array(list),
            (None, Some(old)) if old.get("Policies").is_some() => {
                entry["Policies"] = old["Policies"].clone();
            }
            _ => {}
        }
        if kind == "SecureString" && entry.get("KeyId").is_none() {
            entry["KeyId"] = json!("alias/aws/ssm");
        }
        history.push(entry.clone());
        keep_version_limit(&name, &mut history)?;
        let mut doc = entry;
        doc["History"] = Value::Array(history);
        let tags = match (&input.tags, existing) {
            (Some(tags), _) => json!(tags),
            (None, Some(old)) => old["Tags"].clone(),
            (None, None) => Value::Null,
        };
        if !tags.is_null() {
            doc["Tags"] = tags;
        }
        let output = model::PutParameterResult {
            version: Some(version),
            tier: Some(tier),
        };
        Ok((vec![docs::put(scope, &key, doc)], output))
    })
}

/// A stored document (a parameter or one of its versions) as the shape `T` answers it.
fn as_shape<T: serde::de::DeserializeOwned + Default>(doc: &Value) -> T {
    serde_json::from_value(doc.clone()).unwrap_or_default()
}

/// The stand-in ciphertext of a SecureString version (its key id and value, base64), the same
/// in GetParameter(s), GetParametersByPath and GetParameterHistory.
fn ciphertext(version: &Value) -> String {
    let cipher = format!(
        "awsredirect-kms:{}:{}",
        version["KeyId"].as_str().unwrap_or(""),
        version["Value"].as_str().unwrap_or("")
    );
    BASE64.encode(cipher)
}

/// A version of a parameter as GetParameter answers it.
fn shown(ctx: &Context, version: &Value, decrypt: bool) -> model::Parameter {
    let mut parameter: model::Parameter = as_shape(version);
    let name = parameter.name.clone().unwrap_or_default();
    if parameter.r#type.as_deref() == Some("SecureString") && !decrypt {
        parameter.value = Some(ciphertext(version));
    }
    parameter.arn = Some(arn(ctx, &name));
    parameter
}

/// Finds `name`, `name:version` or `name:label`.
fn lookup(store: &docs::DocStore, scope: &Scope, selector: &str) -> Result<Value, ApiError> {
    let selector = plain_name(selector);
    let (name, which) = match selector.rsplit_once(':') {
        Some((n, v)) => (n.to_string(), Some(v.to_string())),
        None => (selector.clone(), None),
    };
    let doc = store
        .get(scope, &key_of(&name))
        .ok_or_else(|| not_found(&selector))?;
    let Some(which) = which else {
        let mut latest = doc.clone();
        if let Some(o) = latest.as_object_mut() {
            o.remove("History");
        }
        return Ok(latest);
    };
    let history = doc["History"].as_array().cloned().unwrap_or_default();
    let found = history.into_iter().find(|v| {
        v["Version"].as_u64().map(|n| n.to_string()) == Some(which.clone())
            || v["Labels"]
                .as_array()
                .is_some_and(|l| l.iter().any(|x| x == which.as_str()))
    });
    found.ok_or_else(|| {
        errors::PARAMETER_VERSION_NOT_FOUND.with(format!(
            "Systems Manager could not find version {which} of {name}. Verify the version and try again."
        ))
    })
}

fn get(
    state: &State,
    ctx: &Context,
    input: &model::GetParameterRequest,
) -> Result<model::GetParameterResult, ApiError> {
    let selector = input.name.as_str();
    let store = state.docs();
    let version = lookup(&store, &scope(ctx), selector)?;
    let mut parameter = shown(ctx, &version, input.with_decryption.unwrap_or(false));
    if selector.contains(':') && !selector.starts_with("arn:") {
        let suffix = selector.rsplit_once(':').map_or("", |s| s.1);
        parameter.selector = Some(format!(":{suffix}"));
    }
    Ok(model::GetParameterResult {
        parameter: Some(parameter),
    })
}

fn get_many(
    state: &State,
    ctx: &Context,
    input: &model::GetParametersRequest,
) -> Result<model::GetParametersResult, ApiError> {
    let store = state.docs();
    let decrypt = input.with_decryption.unwrap_or(false);
    let mut found = Vec::new();
    let mut invalid = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for name in input.names.iter().filter(|n| seen.insert(n.as_str())) {
        match lookup(&store, &scope(ctx), name) {
            Ok(version) => found.push(shown(ctx, &version, decrypt)),
            Err(_) => invalid.push(name.clone()),
        }
    }
    Ok(model::GetParametersResult {
        parameters: Some(found),
        invalid_parameters: Some(invalid),
    })
}

/// A page of a sorted list, by a token that is the next item's position. A full page carries a
/// token even when nothing follows it, so the page after it may be empty: the API reference of
/// SSM's paged operations ("the number of items returned can be between zero and the value of
/// MaxResults"), as DynamoDB's Query pages do.
fn paginate<T>(
    items: Vec<T>,
    max_results: Option<i32>,
    next_token: Option<&str>,
    default: usize,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let size = max_results.map_or(default, |n| usize::try_from(n).unwrap_or(default));
    let start = match next_token {
        Some(token) => token
            .parse::<usize>()
            .map_err(|_| validation("The specified NextToken is not valid."))?,
        None => 0,
    };
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(start).take(size).collect();
    let next = (size > 0 && start + size <= total).then(|| (start + size).to_string());
    Ok((page, next))
}

fn by_path(
    state: &State,
    ctx: &Context,
    input: &model::GetParametersByPathRequest,
) -> Result<model::GetParametersByPathResult, ApiError> {
    let filters = input.parameter_filters.as_deref().unwrap_or_default();
    filters::check_by_path(filters)?;
    let recursive = input.recursive.unwrap_or(false);
    let decrypt = input.with_decryption.unwrap_or(false);
    let store = state.docs();
    let matching: Vec<model::Parameter> = store
        .all(&scope(ctx))
        .into_iter()
        .flatten()
        .filter(|(_, doc)| {
            let name = full_name(doc["Name"].as_str().unwrap_or(""));
            filters::under(&name, &input.path, recursive) && filters::passes(doc, filters)
        })
        .map(|(_, doc)| shown(ctx, doc, decrypt))
        .collect();
    let (page, next) = paginate(matching, input.max_results, input.next_token.as_deref(), 10)?;
    Ok(model::GetParametersByPathResult {
        parameters: Some(page),
        next_token: next,
    })
}

fn delete(
    state: &State,
    scope: &Scope,
    name: &str,
) -> Result<model::DeleteParameterResult, ApiError> {
    let key = key_of(name);
    state.commit_docs(|store| {
        if store.get(scope, &key).is_none() {
            return Err(not_found(&plain_name(name)));
        }
        Ok((vec![docs::delete(scope, &key)], Default::default()))
    })
}

fn delete_many(
    state: &State,
    scope: &Scope,
    names: &[String],
) -> Result<model::DeleteParametersResult, ApiError> {
    let names: Vec<String> = names.iter().map(|n| plain_name(n)).collect();
    state.commit_docs(|store| {
        let (deleted, invalid): (Vec<String>, Vec<String>) = names
            .iter()
            .cloned()
            .partition(|n| store.get(scope, &key_of(n)).is_some());
        let entries = deleted
            .iter()
            .map(|n| docs::delete(scope, &key_of(n)))
            .collect();
        let output = model::DeleteParametersResult {
            deleted_parameters: Some(deleted),
            invalid_parameters: Some(invalid),
        };
        Ok((entries, output))
    })
}

fn describe(
    state: &State,
    ctx: &Context,
    input: model::DescribeParametersRequest,
) -> Result<model::DescribeParametersResult, ApiError> {
    if input.filters.is_some() && input.parameter_filters.is_some() {
        return Err(validation(
            "You can use either Filters or ParameterFilters in a single request.",
        ));
    }
    let mut filters = input.parameter_filters.unwrap_or_default();
    for legacy in input.filters.unwrap_or_default() {
        filters.push(model::ParameterStringFilter {
            key: legacy.key,
            option: Some("Equals".to_string()),
            values: Some(legacy.values),
        });
    }
    filters::check_describe(&filters)?;
    let store = state.docs();
    let matching: Vec<model::ParameterMetadata> = store
        .all(&scope(ctx))
        .into_iter()
        .flatten()
        .filter(|(_, doc)| filters::passes(doc, &filters))
        .map(|(_, doc)| {
            let mut metadata: model::ParameterMetadata = as_shape(doc);
            metadata.arn = Some(arn(ctx, doc["Name"].as_str().unwrap_or("")));
            metadata
        })
        .collect();
    let (page, next) = paginate(matching, input.max_results, input.next_token.as_deref(), 10)?;
    Ok(model::DescribeParametersResult {
        parameters: Some(page),
        next_token: next,
    })
}

fn history(
    state: &State,
    scope: &Scope,
    input: &model::GetParameterHistoryRequest,
) -> Result<model::GetParameterHistoryResult, ApiError> {
    let name = plain_name(&input.name);
    let store = state.docs();
    let doc = store
        .get(scope, &key_of(&name))
        .ok_or_else(|| not_found(&name))?;
    let decrypt = input.with_decryption.unwrap_or(false);
    let versions: Vec<model::ParameterHistory> = doc["History"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| {
            let mut version: model::ParameterHistory = as_shape(v);
            if version.r#type.as_deref() == Some("SecureString") && !decrypt {
                version.value = Some(ciphertext(v));
            }
            version
        })
        .collect();
    let (page, next) = paginate(versions, input.max_results, input.next_token.as_deref(), 50)?;
    Ok(model::GetParameterHistoryResult {
        parameters: Some(page),
        next_token: next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_prefixes_are_refused_as_ssm_words_them() {
        let plain = validate_name("SSM_test").unwrap_err();
        assert_eq!(plain.code, "ValidationException");
        assert!(
            plain.message.contains("\"aws\" or \"ssm\""),
            "{}",
            plain.message
        );
        let ssm_path = validate_name("/ssm/a").unwrap_err();
        assert!(
            ssm_path.message.ends_with("the following 3 symbols .-_"),
            "{}",
            ssm_path.message
        );
        let aws_path = validate_name("/AWS/x/y").unwrap_err();
        assert_eq!(aws_path.code, "AccessDeniedException");
        assert_eq!(
            aws_path.message,
            "No access to reserved parameter name: /AWS/x/y."
        );
        assert!(validate_name("/app/aws/x").is_ok());
    }
}
