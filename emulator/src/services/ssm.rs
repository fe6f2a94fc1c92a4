//! SSM Parameter Store over JSON 1.1 (`X-Amz-Target: AmazonSSM.Operation`): parameters with
//! versions, hierarchies and SecureString values.
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde_json::{json, Value};

use crate::context::Context;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::protocols::json;
use crate::state::docs::{self, Scope};
use crate::state::State;
use crate::timefmt::now_millis;

const NAMESPACE: &str = "com.amazonaws.ssm";

/// Answers an SSM request.
pub fn handle(state: &State, ctx: &Context, req: &Request) -> Response {
    json::answer_1_1(req, &ctx.request_id, NAMESPACE, |operation, input| {
        run(state, ctx, operation, input)
    })
}

pub fn error_response(err: &ApiError, request_id: &str) -> Response {
    json::error_response(err, "1.1", NAMESPACE, false, request_id)
}

fn run(state: &State, ctx: &Context, operation: &str, input: &Value) -> Result<Value, ApiError> {
    let scope = docs::scope("ssm", &ctx.account, &ctx.region, "parameter");
    match operation {
        "PutParameter" => put(state, ctx, &scope, input),
        "GetParameter" => get(state, ctx, &scope, input),
        "GetParameters" => get_many(state, ctx, &scope, input),
        "GetParametersByPath" => by_path(state, ctx, &scope, input),
        "DeleteParameter" => delete(state, &scope, input),
        "DeleteParameters" => delete_many(state, &scope, input),
        "DescribeParameters" => describe(state, &scope, input),
        "GetParameterHistory" => history(state, ctx, &scope, input),
        other => Err(ApiError::not_implemented("SSM", other)),
    }
}

fn validation(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "ValidationException", message)
}

fn not_found(name: &str) -> ApiError {
    ApiError::new(
        400,
        "ParameterNotFound",
        format!("Parameter {name} not found."),
    )
}

fn required<'v>(input: &'v Value, field: &str) -> Result<&'v str, ApiError> {
    input.get(field).and_then(Value::as_str).ok_or_else(|| {
        validation(format!(
            "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
            lower_first(field)
        ))
    })
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
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

fn arn(ctx: &Context, name: &str) -> String {
    let path = name.trim_start_matches('/');
    format!(
        "arn:aws:ssm:{}:{}:parameter/{path}",
        ctx.region, ctx.account
    )
}

fn validate_name(name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 2048
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-/".contains(c))
        && !name.ends_with('/')
        && !name
            .to_ascii_lowercase()
            .trim_start_matches('/')
            .starts_with("aws")
        && !name
            .to_ascii_lowercase()
            .trim_start_matches('/')
            .starts_with("ssm");
    if ok {
        Ok(())
    } else {
        Err(validation(format!(
            "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive), must use only a-zA-Z0-9_.-/ and must not end with a slash: {name}"
        )))
    }
}

fn put(state: &State, _ctx: &Context, scope: &Scope, input: &Value) -> Result<Value, ApiError> {
    let name = plain_name(required(input, "Name")?);
    validate_name(&name)?;
    let value = required(input, "Value")?.to_string();
    if value.is_empty() {
        return Err(validation(
            "1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ));
    }
    let overwrite = input
        .get("Overwrite")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    state.commit_docs(|store| {
        let existing = store.get(scope, &name);
        if existing.is_some() && !overwrite {
            return Err(ApiError::new(
                400,
                "ParameterAlreadyExists",
                "The parameter already exists. To overwrite this request, set the overwrite option in the request to true.",
            ));
        }
        let kind = match (input.get("Type").and_then(Value::as_str), existing) {
            (Some(kind), _) => kind.to_string(),
            (None, Some(old)) => old["Type"].as_str().unwrap_or("String").to_string(),
            (None, None) => {
                return Err(validation(
                    "A parameter type is required when you create a parameter.",
                ))
            }
        };
        if !matches!(kind.as_str(), "String" | "StringList" | "SecureString") {
            return Err(validation(format!(
                "1 validation error detected: Value '{kind}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]"
            )));
        }
        if let Some(pattern) = input.get("AllowedPattern").and_then(Value::as_str) {
            let matches = regex::Regex::new(&format!("^(?:{pattern})$"))
                .map(|r| r.is_match(&value))
                .unwrap_or(false);
            if !matches {
                return Err(ApiError::new(
                    400,
                    "ParameterPatternMismatchException",
                    format!("Parameter value, cannot be validated against allowedPattern: {pattern}"),
                ));
            }
        }
        let version = existing.and_then(|p| p["Version"].as_u64()).unwrap_or(0) + 1;
        let now = now_millis() as f64 / 1000.0;
        let mut history = existing
            .and_then(|p| p["History"].as_array().cloned())
            .unwrap_or_default();
        let tier = input.get("Tier").and_then(Value::as_str).unwrap_or("Standard");
        let mut entry = json!({
            "Name": name,
            "Type": kind,
            "Value": value,
            "Version": version,
            "LastModifiedDate": now,
            "DataType": input.get("DataType").and_then(Value::as_str).unwrap_or("text"),
            "Tier": tier,
            "Labels": [],
            "Policies": [],
        });
        for optional in ["Description", "AllowedPattern", "KeyId"] {
            if let Some(v) = input.get(optional) {
                entry[optional] = v.clone();
            } else if let Some(old) = existing.and_then(|p| p.get(optional)) {
                entry[optional] = old.clone();
            }
        }
        if kind == "SecureString" && entry.get("KeyId").is_none() {
            entry["KeyId"] = json!("alias/aws/ssm");
        }
        history.push(entry.clone());
        let mut doc = entry;
        doc["History"] = Value::Array(history);
        let output = json!({ "Version": version, "Tier": tier });
        Ok((vec![docs::put(scope, &name, doc)], output))
    })
}

/// A version of a parameter as GetParameter answers it.
fn shown(ctx: &Context, version: &Value, decrypt: bool) -> Value {
    let name = version["Name"].as_str().unwrap_or("");
    let mut value = version["Value"].clone();
    if version["Type"] == "SecureString" && !decrypt {
        let cipher = format!(
            "awsredirect-kms:{}:{}",
            version["KeyId"].as_str().unwrap_or(""),
            value.as_str().unwrap_or("")
        );
        value = json!(BASE64.encode(cipher));
    }
    json!({
        "Name": name,
        "Type": version["Type"],
        "Value": value,
        "Version": version["Version"],
        "LastModifiedDate": version["LastModifiedDate"],
        "ARN": arn(ctx, name),
        "DataType": version["DataType"],
    })
}

/// Finds `name`, `name:version` or `name:label`.
fn lookup(store: &docs::DocStore, scope: &Scope, selector: &str) -> Result<Value, ApiError> {
    let selector = plain_name(selector);
    let (name, which) = match selector.rsplit_once(':') {
        Some((n, v)) => (n.to_string(), Some(v.to_string())),
        None => (selector.clone(), None),
    };
    let doc = store
        .get(scope, &name)
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
        ApiError::new(
            400,
            "ParameterVersionNotFound",
            format!("Systems Manager could not find version {which} of {name}. Verify the version and try again."),
        )
    })
}

fn decrypt_flag(input: &Value) -> bool {
    input
        .get("WithDecryption")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

fn get(state: &State, ctx: &Context, scope: &Scope, input: &Value) -> Result<Value, ApiError> {
    let selector = required(input, "Name")?;
    let store = state.docs();
    let version = lookup(&store, scope, selector)?;
    let mut parameter = shown(ctx, &version, decrypt_flag(input));
    if selector.contains(':') && !selector.starts_with("arn:") {
        parameter["Selector"] = json!(format!(
            ":{}",
            selector.rsplit_once(':').map_or("", |s| s.1)
        ));
    }
    Ok(json!({ "Parameter": parameter }))
}

fn get_many(state: &State, ctx: &Context, scope: &Scope, input: &Value) -> Result<Value, ApiError> {
    let names = input
        .get("Names")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if names.is_empty() || names.len() > 10 {
        return Err(validation(
            "1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length less than or equal to 10 and greater than or equal to 1",
        ));
    }
    let store = state.docs();
    let mut found = Vec::new();
    let mut invalid = Vec::new();
    for name in names.iter().filter_map(Value::as_str) {
        match lookup(&store, scope, name) {
            Ok(version) => found.push(shown(ctx, &version, decrypt_flag(input))),
            Err(_) => invalid.push(json!(name)),
        }
    }
    Ok(json!({ "Parameters": found, "InvalidParameters": invalid }))
}

/// A page of a sorted list, by a token that is the next item's position.
fn paginate(
    items: Vec<Value>,
    input: &Value,
    default: usize,
    max: usize,
) -> Result<(Vec<Value>, Option<String>), ApiError> {
    let size = input
        .get("MaxResults")
        .and_then(Value::as_u64)
        .map_or(default, |n| n as usize);
    if size == 0 || size > max {
        return Err(validation(format!(
            "1 validation error detected: Value '{size}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to {max}"
        )));
    }
    let start = match input.get("NextToken").and_then(Value::as_str) {
        Some(token) => token
            .parse::<usize>()
            .map_err(|_| validation("The specified NextToken is not valid."))?,
        None => 0,
    };
    let page: Vec<Value> = items.iter().skip(start).take(size).cloned().collect();
    let next = (start + size < items.len()).then(|| (start + size).to_string());
    Ok((page, next))
}

fn by_path(state: &State, ctx: &Context, scope: &Scope, input: &Value) -> Result<Value, ApiError> {
    let path = required(input, "Path")?;
    let recursive = input
        .get("Recursive")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let prefix = if path.ends_with('/') {
        path.to_string()
    } else {
        format!("{path}/")
    };
    let store = state.docs();
    let matching: Vec<Value> = store
        .all(scope)
        .into_iter()
        .flatten()
        .filter(|(name, _)| {
            let under = if prefix == "/" {
                name.starts_with('/')
            } else {
                name.starts_with(&prefix)
            };
            under && (recursive || !name[prefix.len()..].contains('/'))
        })
        .map(|(_, doc)| shown(ctx, doc, decrypt_flag(input)))
        .collect();
    let (page, next) = paginate(matching, input, 10, 10)?;
    let mut output = json!({ "Parameters": page });
    if let Some(next) = next {
        output["NextToken"] = json!(next);
    }
    Ok(output)
}

fn delete(state: &State, scope: &Scope, input: &Value) -> Result<Value, ApiError> {
    let name = plain_name(required(input, "Name")?);
    state.commit_docs(|store| {
        if store.get(scope, &name).is_none() {
            return Err(not_found(&name));
        }
        Ok((vec![docs::delete(scope, &name)], json!({})))
    })
}

fn delete_many(state: &State, scope: &Scope, input: &Value) -> Result<Value, ApiError> {
    let names: Vec<String> = input
        .get("Names")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(plain_name)
        .collect();
    state.commit_docs(|store| {
        let (deleted, invalid): (Vec<String>, Vec<String>) = names
            .iter()
            .cloned()
            .partition(|n| store.get(scope, n).is_some());
        let entries = deleted.iter().map(|n| docs::delete(scope, n)).collect();
        Ok((
            entries,
            json!({ "DeletedParameters": deleted, "InvalidParameters": invalid }),
        ))
    })
}

/// Whether a parameter passes DescribeParameters' `ParameterFilters` and `Filters`.
fn passes(doc: &Value, filters: &[Value]) -> bool {
    filters.iter().all(|filter| {
        let key = filter["Key"].as_str().unwrap_or("");
        let option = filter["Option"].as_str().unwrap_or("Equals");
        let values: Vec<&str> = filter["Values"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let name = doc["Name"].as_str().unwrap_or("");
        let field = match key {
            "Name" => name.to_string(),
            "Type" => doc["Type"].as_str().unwrap_or("").to_string(),
            "KeyId" => doc["KeyId"].as_str().unwrap_or("").to_string(),
            "Tier" => doc["Tier"].as_str().unwrap_or("").to_string(),
            "Path" => {
                return values.iter().any(|p| {
                    let prefix = format!("{}/", p.trim_end_matches('/'));
                    name.starts_with(&prefix)
                        && (option == "Recursive" || !name[prefix.len()..].contains('/'))
                })
            }
            _ => return true,
        };
        values.iter().any(|v| match option {
            "BeginsWith" => field.starts_with(v) || field.trim_start_matches('/').starts_with(v),
            "Contains" => field.contains(v),
            _ => {
                field == *v
                    || (key == "Name" && field.trim_start_matches('/') == v.trim_start_matches('/'))
            }
        })
    })
}

fn describe(state: &State, scope: &Scope, input: &Value) -> Result<Value, ApiError> {
    let mut filters: Vec<Value> = input
        .get("ParameterFilters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for legacy in input
        .get("Filters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        filters
            .push(json!({ "Key": legacy["Key"], "Option": "Equals", "Values": legacy["Values"] }));
    }
    let store = state.docs();
    let matching: Vec<Value> = store
        .all(scope)
        .into_iter()
        .flatten()
        .filter(|(_, doc)| passes(doc, &filters))
        .map(|(_, doc)| {
            let mut meta = doc.clone();
            if let Some(o) = meta.as_object_mut() {
                o.remove("History");
                o.remove("Value");
            }
            meta
        })
        .collect();
    let (page, next) = paginate(matching, input, 50, 50)?;
    let mut output = json!({ "Parameters": page });
    if let Some(next) = next {
        output["NextToken"] = json!(next);
    }
    Ok(output)
}

fn history(state: &State, _ctx: &Context, scope: &Scope, input: &Value) -> Result<Value, ApiError> {
    let name = plain_name(required(input, "Name")?);
    let store = state.docs();
    let doc = store.get(scope, &name).ok_or_else(|| not_found(&name))?;
    let decrypt = decrypt_flag(input);
    let versions: Vec<Value> = doc["History"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| {
            let mut v = v.clone();
            if v["Type"] == "SecureString" && !decrypt {
                v["Value"] = json!(BASE64.encode(v["Value"].as_str().unwrap_or("")));
            }
            v
        })
        .collect();
    let (page, next) = paginate(versions, input, 50, 50)?;
    let mut output = json!({ "Parameters": page });
    if let Some(next) = next {
        output["NextToken"] = json!(next);
    }
    Ok(output)
}
