//! Function management: CreateFunction, GetFunction(Configuration), ListFunctions,
//! DeleteFunction, UpdateFunctionCode and UpdateFunctionConfiguration. Each function is one
//! journaled document (configuration and tags) whose binary part is the zip: raw bytes in the
//! journal record's payload, shared in memory by downloads and invocations, never copied.
//! Journals written before that kept the zip base64 in the document's `Zip` field, which is
//! still read.
use std::io::Cursor;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use bytes::Bytes;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::{invalid, json_response, not_found};
use crate::context::Context;
use crate::error::ApiError;
use crate::http::{Request, Response, ResponseBuilder};
use crate::server::App;
use crate::state::docs::{self, Scope};
use crate::timefmt::{iso8601, now_millis};

/// Where `GetFunction`'s `Code.Location` lets a client download the zip:
/// `CODE_PATH<account>/<region>/<name>.zip`.
const CODE_PATH: &str = "/_awsredirect/lambda-code/";

/// The answer to a download of a function's zip from `Code.Location`, or `None` if the request
/// is not one.
pub fn code_download(app: &App, method: &hyper::Method, path: &str) -> Option<Response> {
    let rest = path.strip_prefix(CODE_PATH)?;
    if method != hyper::Method::GET {
        return None;
    }
    let parts: Vec<&str> = rest.split('/').collect();
    let [account, region, file] = parts.as_slice() else {
        return Some(ResponseBuilder::new(404).empty());
    };
    let name = file.strip_suffix(".zip").unwrap_or(file);
    let scope = docs::scope("lambda", account, region, "function");
    Some(match code(&app.state.docs(), &scope, name) {
        Some(bytes) => ResponseBuilder::new(200)
            .header("content-type", "application/zip")
            .body(bytes),
        None => ResponseBuilder::new(404).empty(),
    })
}

/// The largest zip accepted (Lambda's direct-upload limit).
const MAX_ZIP_BYTES: usize = 50 * 1024 * 1024;

pub fn scope(ctx: &Context) -> Scope {
    docs::scope("lambda", &ctx.account, &ctx.region, "function")
}

pub fn arn(ctx: &Context, name: &str) -> String {
    format!(
        "arn:aws:lambda:{}:{}:function:{name}",
        ctx.region, ctx.account
    )
}

/// The zip of function `name`: the document's binary part, or the base64 `Zip` field of a
/// document journaled before zips were stored as binary.
pub fn code(store: &docs::DocStore, scope: &Scope, name: &str) -> Option<Bytes> {
    if let Some(zip) = store.blob(scope, name) {
        return Some(zip.clone());
    }
    let legacy = store.get(scope, name)?.get("Zip")?.as_str()?;
    BASE64.decode(legacy).ok().map(Bytes::from)
}

/// The stored function document: `Configuration` and `Tags` (the zip is [`code`]).
pub fn load(app: &App, ctx: &Context, name: &str) -> Result<Value, ApiError> {
    app.state
        .docs()
        .get(&scope(ctx), name)
        .cloned()
        .ok_or_else(|| not_found(&arn(ctx, name)))
}

/// The zip bytes of a `Code` / UpdateFunctionCode input: inline or from the emulator's S3.
fn zip_bytes(app: &App, ctx: &Context, code: &Value) -> Result<Bytes, ApiError> {
    let bytes = if let Some(zip) = code.get("ZipFile").and_then(Value::as_str) {
        BASE64
            .decode(zip)
            .map(Bytes::from)
            .map_err(|_| invalid("ZipFile is not valid base64"))?
    } else if let (Some(bucket), Some(key)) = (
        code.get("S3Bucket").and_then(Value::as_str),
        code.get("S3Key").and_then(Value::as_str),
    ) {
        let store = app.state.s3();
        let object = store
            .bucket(&ctx.account, bucket)
            .and_then(|b| b.objects.get(key))
            .ok_or_else(|| {
                invalid(format!(
                    "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist. (bucket {bucket}, key {key})"
                ))
            })?;
        object.body.clone()
    } else if code.get("ImageUri").is_some() {
        return Err(ApiError::not_implemented(
            "Lambda",
            "container image functions (ImageUri)",
        ));
    } else {
        return Err(invalid(
            "Please provide a source for function code (ZipFile or S3Bucket and S3Key).",
        ));
    };
    if bytes.len() > MAX_ZIP_BYTES {
        return Err(ApiError::new(
            413,
            "RequestEntityTooLargeException",
            "Request must be smaller than 52428800 bytes for the CreateFunction operation",
        ));
    }
    if zip::ZipArchive::new(Cursor::new(&bytes[..])).is_err() {
        return Err(invalid(
            "Could not unzip uploaded file. Please check your file, then try to upload again.",
        ));
    }
    Ok(bytes)
}

fn code_fields(config: &mut Value, zip: &[u8]) {
    config["CodeSize"] = json!(zip.len());
    config["CodeSha256"] = json!(BASE64.encode(Sha256::digest(zip)));
    touch(config);
}

fn touch(config: &mut Value) {
    let stamp = iso8601(now_millis()).replace('Z', "+0000");
    config["LastModified"] = json!(stamp);
    config["RevisionId"] = json!(uuid::Uuid::new_v4().to_string());
}

fn validate_name(name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "1 validation error detected: Value '{name}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+"
        )))
    }
}

/// Applies the settable configuration fields of an input.
fn apply_settings(config: &mut Value, input: &Value) -> Result<(), ApiError> {
    for field in [
        "Runtime",
        "Role",
        "Handler",
        "Description",
        "Timeout",
        "MemorySize",
        "Environment",
        "Layers",
        "TracingConfig",
        "EphemeralStorage",
        "DeadLetterConfig",
        "VpcConfig",
    ] {
        if let Some(v) = input.get(field) {
            config[field] = v.clone();
        }
    }
    let timeout = config["Timeout"].as_u64().unwrap_or(3);
    if !(1..=900).contains(&timeout) {
        return Err(invalid(format!(
            "1 validation error detected: Value '{timeout}' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900"
        )));
    }
    let memory = config["MemorySize"].as_u64().unwrap_or(128);
    if !(128..=10240).contains(&memory) {
        return Err(invalid(format!(
            "1 validation error detected: Value '{memory}' at 'memorySize' failed to satisfy constraint: Member must have value between 128 and 10240"
        )));
    }
    Ok(())
}

pub fn create(app: &App, ctx: &Context, input: &Value) -> Result<Response, ApiError> {
    let name = input
        .get("FunctionName")
        .and_then(Value::as_str)
        .map(super::function_name)
        .ok_or_else(|| invalid("FunctionName is required"))?;
    validate_name(&name)?;
    if input.get("PackageType").and_then(Value::as_str) == Some("Image") {
        return Err(ApiError::not_implemented(
            "Lambda",
            "container image functions (PackageType Image)",
        ));
    }
    for field in ["Role", "Runtime", "Handler"] {
        if input.get(field).and_then(Value::as_str).is_none() {
            return Err(invalid(format!(
                "The {field} parameter is required for zip functions"
            )));
        }
    }
    let zip = zip_bytes(app, ctx, input.get("Code").unwrap_or(&Value::Null))?;
    let mut config = json!({
        "FunctionName": name,
        "FunctionArn": arn(ctx, &name),
        "Description": "",
        "Timeout": 3,
        "MemorySize": 128,
        "Version": "$LATEST",
        "TracingConfig": {"Mode": "PassThrough"},
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": input.get("Architectures").cloned().unwrap_or(json!(["x86_64"])),
        "EphemeralStorage": {"Size": 512},
    });
    apply_settings(&mut config, input)?;
    code_fields(&mut config, &zip);
    let doc = json!({
        "Configuration": config,
        "Tags": input.get("Tags").cloned().unwrap_or(json!({})),
    });
    let scope = scope(ctx);
    app.state.commit_docs(|store| {
        if store.get(&scope, &name).is_some() {
            return Err(ApiError::new(
                409,
                "ResourceConflictException",
                format!("Function already exist: {name}"),
            ));
        }
        Ok((vec![docs::put_with_blob(&scope, &name, doc, zip)], ()))
    })?;
    Ok(json_response(201, &ctx.request_id, &config))
}

pub fn get(app: &App, ctx: &Context, name: &str) -> Result<Response, ApiError> {
    let doc = load(app, ctx, name)?;
    let output = json!({
        "Configuration": doc["Configuration"],
        "Code": {
            "RepositoryType": "S3",
            "Location": format!(
                "{}{CODE_PATH}{}/{}/{name}.zip",
                ctx.base_url(),
                ctx.account,
                ctx.region
            ),
        },
        "Tags": doc["Tags"],
    });
    Ok(json_response(200, &ctx.request_id, &output))
}

pub fn get_configuration(app: &App, ctx: &Context, name: &str) -> Result<Response, ApiError> {
    let doc = load(app, ctx, name)?;
    Ok(json_response(200, &ctx.request_id, &doc["Configuration"]))
}

pub fn list(app: &App, ctx: &Context, req: &Request) -> Result<Response, ApiError> {
    let size = match req.query_param("MaxItems") {
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=10_000).contains(n))
            .ok_or_else(|| invalid("MaxItems must be between 1 and 10000"))?,
        None => 50,
    };
    let start = match req.query_param("Marker") {
        Some(marker) => marker
            .parse::<usize>()
            .map_err(|_| invalid("Invalid Marker"))?,
        None => 0,
    };
    let store = app.state.docs();
    let all: Vec<Value> = store
        .all(&scope(ctx))
        .into_iter()
        .flatten()
        .map(|(_, doc)| doc["Configuration"].clone())
        .collect();
    let page: Vec<Value> = all.iter().skip(start).take(size).cloned().collect();
    let mut output = json!({ "Functions": page });
    if start + size < all.len() {
        output["NextMarker"] = json!((start + size).to_string());
    }
    Ok(json_response(200, &ctx.request_id, &output))
}

pub fn delete(app: &App, ctx: &Context, name: &str) -> Result<Response, ApiError> {
    let scope = scope(ctx);
    app.state.commit_docs(|store| {
        if store.get(&scope, name).is_none() {
            return Err(not_found(&arn(ctx, name)));
        }
        Ok((vec![docs::delete(&scope, name)], ()))
    })?;
    Ok(ResponseBuilder::new(204)
        .header("x-amzn-requestid", &ctx.request_id)
        .empty())
}

/// Replaces a function's document through `change`, and its zip by `new_zip` (kept otherwise),
/// answering its new configuration.
fn change(
    app: &App,
    ctx: &Context,
    name: &str,
    new_zip: Option<Bytes>,
    change: impl FnOnce(&mut Value) -> Result<(), ApiError>,
) -> Result<Response, ApiError> {
    let scope = scope(ctx);
    let config = app.state.commit_docs(|store| {
        let mut doc = store
            .get(&scope, name)
            .cloned()
            .ok_or_else(|| not_found(&arn(ctx, name)))?;
        change(&mut doc)?;
        let zip = match new_zip {
            Some(zip) => {
                // A document from an older journal keeps its zip inline until its code changes.
                if let Some(fields) = doc.as_object_mut() {
                    fields.remove("Zip");
                }
                zip
            }
            None => store.blob(&scope, name).cloned().unwrap_or_default(),
        };
        let config = doc["Configuration"].clone();
        Ok((vec![docs::put_with_blob(&scope, name, doc, zip)], config))
    })?;
    Ok(json_response(200, &ctx.request_id, &config))
}

pub fn update_code(
    app: &App,
    ctx: &Context,
    name: &str,
    input: &Value,
) -> Result<Response, ApiError> {
    let zip = zip_bytes(app, ctx, input)?;
    change(app, ctx, name, Some(zip.clone()), |doc| {
        code_fields(&mut doc["Configuration"], &zip);
        Ok(())
    })
}

pub fn update_configuration(
    app: &App,
    ctx: &Context,
    name: &str,
    input: &Value,
) -> Result<Response, ApiError> {
    change(app, ctx, name, None, |doc| {
        let config = &mut doc["Configuration"];
        apply_settings(config, input)?;
        touch(config);
        Ok(())
    })
}
