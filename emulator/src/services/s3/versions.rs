//! Object versions as an unversioned bucket has them: every object is its only version, with
//! the version id `null` (S3 user guide, "Working with objects in a versioning-suspended
//! bucket"). ListObjectVersions (prefix, delimiter, key-marker, max-keys), and the check that a
//! `versionId` names that version.
use super::errors::{invalid_argument, no_such_bucket};
use super::{respond, timestamp, Call};
use crate::error::ApiError;
use crate::generated::s3::{CommonPrefix, ListObjectVersionsOutput, ObjectVersion, Owner};
use crate::http::Response;

/// The version id of an object in a bucket that never had versioning.
pub const NULL_VERSION: &str = "null";

/// Whether versioning was ever configured on the addressed bucket. Object versions are not
/// kept (every object is its `null` version), so what depends on them is refused there rather
/// than answered wrongly.
fn versioned(call: &Call) -> bool {
    let store = call.state.s3();
    let bucket = store.bucket(call.account(), call.bucket());
    bucket.is_some_and(|b| b.config.contains_key("versioning"))
}

/// A `versionId` other than `null` names no version: S3 answers 400 in a bucket that never had
/// versioning, `NoSuchVersion` in one that has (no version ids are issued).
pub fn check_version_id(call: &Call) -> Result<(), ApiError> {
    match call.req.query_param("versionId") {
        None | Some(NULL_VERSION) => Ok(()),
        Some(other) if versioned(call) => Err(no_such_version(call.key(), other)),
        Some(other) => Err(invalid_argument("Invalid version id specified")
            .with_field("ArgumentName", "versionId")
            .with_field("ArgumentValue", other)),
    }
}

/// The same check for a CopyObject source (`x-amz-copy-source: bucket/key?versionId=..`).
pub fn check_copy_source_version(call: &Call, bucket: &str, key: &str) -> Result<(), ApiError> {
    let header = call.req.header("x-amz-copy-source").unwrap_or("");
    let version = header
        .split_once('?')
        .and_then(|(_, query)| {
            form_urlencoded::parse(query.as_bytes()).find(|(name, _)| name == "versionId")
        })
        .map(|(_, value)| value.into_owned());
    match version.as_deref() {
        None | Some(NULL_VERSION) => Ok(()),
        Some(other) => {
            let store = call.state.s3();
            let source = store.bucket(call.account(), bucket);
            if source.is_some_and(|b| b.config.contains_key("versioning")) {
                return Err(no_such_version(key, other));
            }
            Err(invalid_argument("Invalid version id specified")
                .with_field("ArgumentName", "versionId")
                .with_field("ArgumentValue", other))
        }
    }
}

pub fn no_such_version(key: &str, version: &str) -> ApiError {
    ApiError::new(
        404,
        "NoSuchVersion",
        "The specified version does not exist.",
    )
    .with_field("Key", key)
    .with_field("VersionId", version)
}

struct Query {
    prefix: String,
    delimiter: Option<String>,
    max_keys: usize,
    key_marker: Option<String>,
}

fn query(call: &Call) -> Result<Query, ApiError> {
    let max_keys = super::listing::max_keys(call)?;
    let text = |name| call.req.query_param(name).filter(|v| !v.is_empty());
    Ok(Query {
        prefix: text("prefix").unwrap_or("").to_string(),
        delimiter: text("delimiter").map(str::to_string),
        max_keys,
        key_marker: text("key-marker").map(str::to_string),
    })
}

/// The common prefix a key folds into under the delimiter, if any.
fn folded(key: &str, q: &Query) -> Option<String> {
    let delimiter = q.delimiter.as_deref()?;
    let rest = &key[q.prefix.len()..];
    let at = rest.find(delimiter)?;
    Some(format!("{}{}", q.prefix, &rest[..at + delimiter.len()]))
}

pub fn list(call: &Call) -> Result<Response, ApiError> {
    let q = query(call)?;
    if versioned(call) {
        return Err(ApiError::not_implemented(
            "S3",
            "ListObjectVersions of a bucket with versioning configured",
        ));
    }
    let store = call.state.s3();
    let bucket = store
        .bucket(call.account(), call.bucket())
        .ok_or_else(|| no_such_bucket(call.bucket()))?;
    let mut versions = Vec::new();
    let mut prefixes: Vec<String> = Vec::new();
    let mut last = None;
    let mut truncated = false;
    for (key, object) in bucket.objects.range(q.prefix.clone()..) {
        if !key.starts_with(&q.prefix) {
            break;
        }
        if q.key_marker.as_ref().is_some_and(|m| key <= m) {
            continue;
        }
        let prefix = folded(key, &q);
        if let Some(prefix) = &prefix {
            if prefixes.last() == Some(prefix) {
                continue;
            }
            if q.key_marker
                .as_ref()
                .is_some_and(|m| m.starts_with(prefix.as_str()))
            {
                continue;
            }
        }
        if versions.len() + prefixes.len() == q.max_keys {
            truncated = true;
            break;
        }
        match prefix {
            Some(prefix) => {
                last = Some(prefix.clone());
                prefixes.push(prefix);
            }
            None => {
                last = Some(key.clone());
                versions.push(ObjectVersion {
                    e_tag: Some(object.meta.etag.clone()),
                    size: Some(object.body.len() as i64),
                    storage_class: Some(super::attributes::storage_class(&object.meta).to_string()),
                    key: Some(key.clone()),
                    version_id: Some(NULL_VERSION.to_string()),
                    is_latest: Some(true),
                    last_modified: Some(timestamp(object.meta.last_modified_ms)),
                    owner: Some(Owner {
                        id: Some(call.account().to_string()),
                        display_name: Some("awsredirect".to_string()),
                    }),
                    ..Default::default()
                });
            }
        }
    }
    let output = ListObjectVersionsOutput {
        is_truncated: Some(truncated),
        key_marker: Some(q.key_marker.clone().unwrap_or_default()),
        version_id_marker: Some(
            call.req
                .query_param("version-id-marker")
                .unwrap_or("")
                .to_string(),
        ),
        next_key_marker: last.clone().filter(|_| truncated),
        next_version_id_marker: last.filter(|_| truncated).map(|_| NULL_VERSION.to_string()),
        versions: (!versions.is_empty()).then_some(versions),
        name: Some(call.bucket().to_string()),
        prefix: Some(q.prefix.clone()),
        delimiter: q.delimiter.clone(),
        max_keys: Some(q.max_keys as i32),
        common_prefixes: (!prefixes.is_empty()).then(|| {
            prefixes
                .into_iter()
                .map(|p| CommonPrefix { prefix: Some(p) })
                .collect()
        }),
        ..Default::default()
    };
    respond(call, "ListObjectVersions", output)
}
