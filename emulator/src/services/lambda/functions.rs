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

use super::versions::{self, Target};
use super::{invalid, not_found};
use crate::context::Context;
use crate::error::ApiError;
use crate::generated::lambda::{self as model, errors};
use crate::http::{Response, ResponseBuilder};
use crate::server::App;
use crate::state::docs::{self, Scope};
use crate::state::s3_versions::Found;
use crate::timefmt::{iso8601, now_millis};

/// Where `GetFunction`'s `Code.Location` lets a client download the zip:
/// `CODE_PATH<account>/<region>/<name>.zip`, and a published version's at
/// `CODE_PATH<account>/<region>/<name>/<version>.zip`.
const CODE_PATH: &str = "/_awsredirect/lambda-code/";

/// The answer to a download of a function's zip from `Code.Location`, or `None` if the request
/// is not one.
pub fn code_download(app: &App, method: &hyper::Method, path: &str) -> Option<Response> {
    let rest = path.strip_prefix(CODE_PATH)?;
    if method != hyper::Method::GET {
        return None;
    }
    let parts: Vec<&str> = rest.split('/').collect();
    let found = match parts.as_slice() {
        [account, region, file] => file
            .strip_suffix(".zip")
            .map(|name| (*account, *region, name, None)),
        [account, region, name, file] => file
            .strip_suffix(".zip")
            .map(|version| (*account, *region, *name, Some(version))),
        _ => None,
    };
    let Some((account, region, name, version)) = found else {
        return Some(ResponseBuilder::new(404).empty());
    };
    let store = app.state.docs();
    let zip = match version {
        None => code(
            &store,
            &docs::scope("lambda", account, region, "function"),
            name,
        ),
        Some(v) => store
            .blob(
                &docs::scope("lambda", account, region, "version"),
                &format!("{name}:{v}"),
            )
            .cloned(),
    };
    Some(match zip {
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
    ctx.arn("lambda", &format!("function:{name}"))
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

/// Where a CreateFunction `Code` or an UpdateFunctionCode input takes the zip from.
struct CodeSource<'a> {
    zip_file: Option<crate::model::Blob>,
    s3_bucket: Option<&'a str>,
    s3_key: Option<&'a str>,
    s3_object_version: Option<&'a str>,
}

/// The zip bytes of a code source: inline or from the emulator's S3.
fn zip_bytes(app: &App, ctx: &Context, source: CodeSource) -> Result<Bytes, ApiError> {
    let bytes = if let Some(zip) = source.zip_file {
        Bytes::from(zip.0)
    } else if let (Some(bucket), Some(key)) = (source.s3_bucket, source.s3_key) {
        let store = app.state.s3();
        let s3_error = |code: &str, message: &str| {
            invalid(format!(
                "Error occurred while GetObject. S3 Error Code: {code}. S3 Error Message: {message}"
            ))
        };
        let found = store
            .bucket(&ctx.account, bucket)
            .ok_or_else(|| s3_error("NoSuchBucket", "The specified bucket does not exist"))?;
        let object = match source.s3_object_version {
            Some(id) => match found.version(key, id) {
                Some(Found::Object(object)) => object,
                _ => {
                    return Err(s3_error(
                        "NoSuchVersion",
                        "The specified version does not exist.",
                    ))
                }
            },
            None => found
                .objects
                .get(key)
                .ok_or_else(|| s3_error("NoSuchKey", "The specified key does not exist."))?,
        };
        object.body.clone()
    } else {
        return Err(invalid(
            "Please provide a source for function code (ZipFile or S3Bucket and S3Key).",
        ));
    };
    if bytes.len() > MAX_ZIP_BYTES {
        return Err(errors::REQUEST_TOO_LARGE_EXCEPTION
            .with("Request must be smaller than 52428800 bytes for the CreateFunction operation"));
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

/// Applies the settable configuration fields of an input (CreateFunction's or
/// UpdateFunctionConfiguration's, as a JSON object). `Layers` are ARNs in and `{Arn}` objects in
/// the configuration, as Lambda answers them.
fn apply_settings(config: &mut Value, input: &Value) -> Result<(), ApiError> {
    for field in [
        "Runtime",
        "Role",
        "Handler",
        "Description",
        "Timeout",
        "MemorySize",
        "Environment",
        "TracingConfig",
        "EphemeralStorage",
        "DeadLetterConfig",
        "VpcConfig",
        "KMSKeyArn",
        "FileSystemConfigs",
    ] {
        if let Some(v) = input.get(field) {
            config[field] = v.clone();
        }
    }
    if let Some(layers) = input.get("Layers").and_then(Value::as_array) {
        let objects: Vec<Value> = layers.iter().map(|arn| json!({ "Arn": arn })).collect();
        config["Layers"] = Value::Array(objects);
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

/// A stored configuration as Lambda answers it. Configurations journaled before layers were
/// stored as objects held their ARNs as strings; those are read as objects.
pub fn configuration(stored: &Value) -> Result<model::FunctionConfiguration, ApiError> {
    let mut config = stored.clone();
    if let Some(layers) = config.get_mut("Layers").and_then(Value::as_array_mut) {
        for layer in layers.iter_mut().filter(|l| l.is_string()) {
            *layer = json!({ "Arn": layer.take() });
        }
    }
    serde_json::from_value(config).map_err(|e| {
        errors::SERVICE_EXCEPTION.with(format!(
            "the stored function configuration is unreadable: {e}"
        ))
    })
}

fn as_json<T: serde::Serialize>(input: &T) -> Value {
    serde_json::to_value(input).unwrap_or_default()
}

pub fn create(
    app: &App,
    ctx: &Context,
    mut input: model::CreateFunctionRequest,
) -> Result<model::FunctionConfiguration, ApiError> {
    let name = super::function_name(&input.function_name);
    validate_name(&name)?;
    if input.package_type.as_deref() == Some("Image") {
        return create_image(app, ctx, input);
    }
    let missing = [
        ("Role", input.role.is_empty()),
        ("Runtime", input.runtime.is_none()),
        ("Handler", input.handler.is_none()),
    ];
    if let Some((field, _)) = missing.iter().find(|(_, missing)| *missing) {
        return Err(invalid(format!(
            "The {field} parameter is required for zip functions"
        )));
    }
    // Out of the input first, so the zip is not turned back into base64 with the settings.
    let code = std::mem::take(&mut input.code);
    let settings = as_json(&input);
    let zip = zip_bytes(
        app,
        ctx,
        CodeSource {
            zip_file: code.zip_file,
            s3_bucket: code.s3_bucket.as_deref(),
            s3_key: code.s3_key.as_deref(),
            s3_object_version: code.s3_object_version.as_deref(),
        },
    )?;
    let mut config = initial_configuration(ctx, &name, input.architectures.take());
    apply_settings(&mut config, &settings)?;
    code_fields(&mut config, &zip);
    store_new(app, ctx, &name, config, input.tags, zip)
}

/// A new function's configuration before the request's settings apply.
fn initial_configuration(ctx: &Context, name: &str, architectures: Option<Vec<String>>) -> Value {
    let architectures = architectures.unwrap_or_else(|| vec!["x86_64".to_string()]);
    json!({
        "FunctionName": name,
        "FunctionArn": arn(ctx, name),
        "Description": "",
        "Timeout": 3,
        "MemorySize": 128,
        "Version": "$LATEST",
        "TracingConfig": {"Mode": "PassThrough"},
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": architectures,
        "EphemeralStorage": {"Size": 512},
    })
}

/// Stores a new function (refused if the name is taken) and answers its configuration.
fn store_new(
    app: &App,
    ctx: &Context,
    name: &str,
    config: Value,
    tags: Option<std::collections::BTreeMap<String, String>>,
    zip: Bytes,
) -> Result<model::FunctionConfiguration, ApiError> {
    let name = name.to_string();
    let answer = configuration(&config)?;
    let doc = json!({
        "Configuration": config,
        "Tags": tags.unwrap_or_default(),
    });
    let scope = scope(ctx);
    app.state.commit_docs(|store| {
        if store.get(&scope, &name).is_some() {
            return Err(
                errors::RESOURCE_CONFLICT_EXCEPTION.with(format!("Function already exist: {name}"))
            );
        }
        Ok((vec![docs::put_with_blob(&scope, &name, doc, zip)], ()))
    })?;
    Ok(answer)
}

/// CreateFunction for a container image function: stored and described as Lambda does. The
/// emulator has no image registry and no container runtime: the image is not pulled (its
/// `CodeSha256` is derived from the URI) and invoking the function is refused as not
/// implemented.
fn create_image(
    app: &App,
    ctx: &Context,
    mut input: model::CreateFunctionRequest,
) -> Result<model::FunctionConfiguration, ApiError> {
    let name = super::function_name(&input.function_name);
    let Some(uri) = input.code.image_uri.take() else {
        return Err(invalid(
            "Please provide ImageUri when creating a function with packageType Image.",
        ));
    };
    input.code = Default::default();
    let image_config = input.image_config.take();
    let tags = input.tags.take();
    let settings = as_json(&input);
    let mut config = initial_configuration(ctx, &name, input.architectures.take());
    config["PackageType"] = json!("Image");
    apply_settings(&mut config, &settings)?;
    image_fields(&mut config, &uri);
    if let Some(image_config) = image_config {
        config["ImageConfigResponse"] = json!({ "ImageConfig": image_config });
    }
    store_new(app, ctx, &name, config, tags, Bytes::new())
}

/// The code fields of an image function: the URI and a digest derived from it.
fn image_fields(config: &mut Value, uri: &str) {
    config["ImageUri"] = json!(uri);
    config["CodeSha256"] = json!(format!("{:x}", Sha256::digest(uri.as_bytes())));
    config["CodeSize"] = json!(0);
    touch(config);
}

/// `GetFunction`'s `Code` for an image function.
fn image_location(config: &Value) -> model::FunctionCodeLocation {
    let uri = config["ImageUri"].as_str().unwrap_or_default();
    let repository = uri.rsplit_once(':').map_or(uri, |(repo, _tag)| repo);
    let digest = config["CodeSha256"].as_str().unwrap_or_default();
    model::FunctionCodeLocation {
        repository_type: Some("ECR".to_string()),
        image_uri: Some(uri.to_string()),
        resolved_image_uri: Some(format!("{repository}@sha256:{digest}")),
        ..Default::default()
    }
}

/// Whether a configuration is a container image function's.
pub fn is_image(config: &Value) -> bool {
    config["PackageType"] == "Image"
}

pub fn get(
    app: &App,
    ctx: &Context,
    target: &Target,
) -> Result<model::GetFunctionResponse, ApiError> {
    let doc = load(app, ctx, &target.name)?;
    let name = &target.name;
    let file = match &target.version {
        None => format!("{name}.zip"),
        Some(v) => format!("{name}/{v}.zip"),
    };
    let location = format!(
        "{}{CODE_PATH}{}/{}/{file}",
        ctx.base_url(),
        ctx.account,
        ctx.region
    );
    let config = versions::stored_configuration(app, ctx, target)?;
    let code = match is_image(&config) {
        true => image_location(&config),
        false => model::FunctionCodeLocation {
            repository_type: Some("S3".to_string()),
            location: Some(location),
            ..Default::default()
        },
    };
    let concurrency = doc["Concurrency"]
        .as_i64()
        .and_then(|n| i32::try_from(n).ok());
    Ok(model::GetFunctionResponse {
        configuration: Some(configuration(&config)?),
        code: Some(code),
        tags: serde_json::from_value(doc["Tags"].clone()).ok(),
        concurrency: concurrency.map(|n| model::Concurrency {
            reserved_concurrent_executions: Some(n),
        }),
        ..Default::default()
    })
}

pub fn list(
    app: &App,
    ctx: &Context,
    input: &model::ListFunctionsRequest,
) -> Result<model::ListFunctionsResponse, ApiError> {
    let store = app.state.docs();
    let latest = store
        .all(&scope(ctx))
        .into_iter()
        .flatten()
        .map(|(_, doc)| doc["Configuration"].clone());
    // `FunctionVersion=ALL` lists every function's versions after its `$LATEST`.
    let all: Vec<Value> = match input.function_version.as_deref() {
        Some("ALL") => latest
            .flat_map(|config| versions::with_versions(&store, ctx, config))
            .collect(),
        _ => latest.collect(),
    };
    let (page, next_marker) = versions::page(&all, input.marker.as_deref(), input.max_items)?;
    Ok(model::ListFunctionsResponse {
        functions: Some(page.iter().map(configuration).collect::<Result<_, _>>()?),
        next_marker,
    })
}

/// Deletes a function with its versions and aliases.
pub fn delete(app: &App, ctx: &Context, name: &str) -> Result<(), ApiError> {
    let scope = scope(ctx);
    app.state.commit_docs(|store| {
        if store.get(&scope, name).is_none() {
            return Err(not_found(&arn(ctx, name)));
        }
        let mut entries = versions::delete_all(store, ctx, name);
        entries.push(docs::delete(&scope, name));
        Ok((entries, ()))
    })
}

/// Replaces a function's document through `change`, and its zip by `new_zip` (kept otherwise),
/// answering its new configuration.
fn change(
    app: &App,
    ctx: &Context,
    name: &str,
    new_zip: Option<Bytes>,
    change: impl FnOnce(&mut Value) -> Result<(), ApiError>,
) -> Result<model::FunctionConfiguration, ApiError> {
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
    configuration(&config)
}

pub fn update_code(
    app: &App,
    ctx: &Context,
    name: &str,
    input: model::UpdateFunctionCodeRequest,
) -> Result<model::FunctionConfiguration, ApiError> {
    if let Some(uri) = input.image_uri.as_deref() {
        return change(app, ctx, name, None, |doc| {
            let config = &mut doc["Configuration"];
            if !is_image(config) {
                return Err(invalid(
                    "Please don't provide ImageUri when updating a function with packageType Zip.",
                ));
            }
            image_fields(config, uri);
            Ok(())
        });
    }
    let source = CodeSource {
        zip_file: input.zip_file,
        s3_bucket: input.s3_bucket.as_deref(),
        s3_key: input.s3_key.as_deref(),
        s3_object_version: input.s3_object_version.as_deref(),
    };
    let zip = zip_bytes(app, ctx, source)?;
    change(app, ctx, name, Some(zip.clone()), |doc| {
        if is_image(&doc["Configuration"]) {
            return Err(invalid(
                "Please provide ImageUri when updating a function with packageType Image.",
            ));
        }
        code_fields(&mut doc["Configuration"], &zip);
        Ok(())
    })
}

pub fn update_configuration(
    app: &App,
    ctx: &Context,
    name: &str,
    input: model::UpdateFunctionConfigurationRequest,
) -> Result<model::FunctionConfiguration, ApiError> {
    let settings = as_json(&input);
    change(app, ctx, name, None, |doc| {
        let config = &mut doc["Configuration"];
        apply_settings(config, &settings)?;
        touch(config);
        Ok(())
    })
}
