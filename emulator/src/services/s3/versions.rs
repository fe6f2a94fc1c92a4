//! Object versioning (S3 user guide, "Using versioning in S3 buckets"): finding the version a
//! request addresses (`versionId`, delete markers), the version id a write gets, what a delete
//! does, and ListObjectVersions. The versions themselves live in `state/s3_versions.rs`.
use super::errors::{invalid_argument, no_such_bucket, no_such_key};
use super::{respond, timestamp, Call};
use crate::error::ApiError;
use crate::generated::s3::{
    CommonPrefix, DeleteMarkerEntry, ListObjectVersionsOutput, ObjectVersion, Owner,
};
use crate::http::Response;
use crate::state::record::Record;
use crate::state::s3::{Bucket, Object, ObjectMeta};
use crate::state::s3_versions::{object_version_id, Found};
use crate::timefmt::now_millis;

pub use crate::state::s3_versions::NULL_VERSION;

/// Why the addressed object cannot be read: an error, or a delete marker (which S3 answers with
/// `x-amz-delete-marker` headers).
pub enum Miss {
    Error(ApiError),
    /// `named`: the request's `versionId` names the marker (405), else it is the latest (404).
    Marker {
        id: String,
        named: bool,
    },
}

impl Miss {
    /// The error, without the marker's headers.
    pub fn into_error(self, key: &str) -> ApiError {
        match self {
            Miss::Error(err) => err,
            Miss::Marker { named: false, .. } => no_such_key(key),
            Miss::Marker { named: true, .. } => method_not_allowed(),
        }
    }
}

impl From<ApiError> for Miss {
    fn from(err: ApiError) -> Self {
        Miss::Error(err)
    }
}

fn method_not_allowed() -> ApiError {
    ApiError::new(
        405,
        "MethodNotAllowed",
        "The specified method is not allowed against this resource.",
    )
    .with_field("ResourceType", "DeleteMarker")
}

/// The version of `key` that `version` names (the latest without one).
pub fn lookup<'a>(
    bucket: &'a Bucket,
    key: &str,
    version: Option<&str>,
) -> Result<&'a Object, Miss> {
    let found = match version {
        None => bucket.latest(key).ok_or_else(|| no_such_key(key))?,
        Some(id) => bucket
            .version(key, id)
            .ok_or_else(|| missing_version(bucket, key, id))?,
    };
    match found {
        Found::Object(object) => Ok(object),
        Found::Marker(id) => Err(Miss::Marker {
            id: id.to_string(),
            named: version.is_some(),
        }),
    }
}

/// The error for a version id that names nothing: S3 answers 400 for an id it never issued in a
/// bucket that never had versioning, `NoSuchVersion` otherwise.
fn missing_version(bucket: &Bucket, key: &str, id: &str) -> ApiError {
    if id == NULL_VERSION {
        no_such_key(key)
    } else if bucket.versioning().is_some() || !bucket.noncurrent.is_empty() {
        no_such_version(key, id)
    } else {
        invalid_version_id(id)
    }
}

fn invalid_version_id(id: &str) -> ApiError {
    invalid_argument("Invalid version id specified")
        .with_field("ArgumentName", "versionId")
        .with_field("ArgumentValue", id)
}

/// The object the request addresses (its key and `versionId`), cloned (the body is shared).
pub fn addressed(call: &Call) -> Result<(Object, Option<String>), Miss> {
    let store = call.state.s3();
    let bucket = store
        .bucket(call.account(), call.bucket())
        .ok_or_else(|| no_such_bucket(call.bucket()))?;
    let object = lookup(bucket, call.key(), call.req.query_param("versionId"))?;
    Ok((object.clone(), version_header(bucket, &object.meta)))
}

/// The 404 or 405 answer for a delete marker, with its `x-amz-delete-marker` and
/// `x-amz-version-id` headers.
pub fn marker_response(call: &Call, id: &str, named: bool) -> Response {
    let err = Miss::Marker {
        id: id.to_string(),
        named,
    }
    .into_error(call.key());
    let is_head = call.req.method == hyper::Method::HEAD;
    let mut response =
        crate::protocols::rest_xml::error_response(&err, &call.ctx.request_id, is_head);
    let headers = response.headers_mut();
    headers.insert(
        "x-amz-delete-marker",
        hyper::header::HeaderValue::from_static("true"),
    );
    if let Ok(value) = hyper::header::HeaderValue::from_str(id) {
        headers.insert("x-amz-version-id", value);
    }
    if named {
        headers.insert("allow", hyper::header::HeaderValue::from_static("DELETE"));
    }
    response
}

/// The version id a write into this bucket gets: a new one while versioning is enabled, else
/// none (the `null` version).
pub fn new_version_id(bucket: &Bucket) -> Option<String> {
    (bucket.versioning() == Some("Enabled")).then(|| uuid::Uuid::new_v4().simple().to_string())
}

/// The `x-amz-version-id` an answer about this object carries: in a bucket that has (or had)
/// versioning configured, its version id, `null` included.
pub fn version_header(bucket: &Bucket, meta: &ObjectMeta) -> Option<String> {
    match &meta.version_id {
        Some(id) => Some(id.clone()),
        None => bucket.versioning().map(|_| NULL_VERSION.to_string()),
    }
}

/// The `versionId` of a CopyObject / UploadPartCopy source (`bucket/key?versionId=..`).
pub fn copy_source_version(call: &Call) -> Option<String> {
    let header = call.req.header("x-amz-copy-source").unwrap_or("");
    let (_, query) = header.split_once('?')?;
    form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "versionId")
        .map(|(_, value)| value.into_owned())
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

/// What a delete of `key` (with or without a version id) does.
pub struct Removal {
    /// The change to journal, if any (deleting what is not there changes nothing).
    pub record: Option<Record>,
    /// A delete marker was made or removed.
    pub marker: bool,
    /// The version id of the marker made, or of the version removed.
    pub version_id: Option<String>,
}

/// DeleteObject's effect (AWS S3 API reference, DeleteObject): with a version id that version
/// goes for good; without one a bucket with versioning enabled or suspended gets a delete marker
/// (`null` when suspended) and an unversioned bucket loses the object.
pub fn removal(
    call: &Call,
    bucket: &Bucket,
    key: &str,
    version: Option<&str>,
) -> Result<Removal, ApiError> {
    let (account, name) = (call.account().to_string(), call.bucket().to_string());
    let Some(id) = version else {
        let Some(status) = bucket.versioning() else {
            return Ok(Removal {
                record: Some(Record::ObjectDeleted {
                    account,
                    bucket: name,
                    key: key.to_string(),
                }),
                marker: false,
                version_id: None,
            });
        };
        let id = if status == "Enabled" {
            uuid::Uuid::new_v4().simple().to_string()
        } else {
            NULL_VERSION.to_string()
        };
        return Ok(Removal {
            record: Some(Record::DeleteMarkerPut {
                account,
                bucket: name,
                key: key.to_string(),
                version_id: id.clone(),
                modified_ms: now_millis(),
            }),
            marker: true,
            version_id: Some(id),
        });
    };
    let found = bucket.version(key, id);
    let never_versioned = bucket.versioning().is_none() && bucket.noncurrent.is_empty();
    if found.is_none() && id != NULL_VERSION && never_versioned {
        return Err(invalid_version_id(id));
    }
    let marker = matches!(found, Some(Found::Marker(_)));
    let record = found.map(|_| Record::VersionDeleted {
        account,
        bucket: name,
        key: key.to_string(),
        version_id: id.to_string(),
    });
    Ok(Removal {
        record,
        marker,
        version_id: Some(id.to_string()),
    })
}

struct Query {
    prefix: String,
    delimiter: Option<String>,
    max_keys: usize,
    key_marker: Option<String>,
    version_id_marker: Option<String>,
    url_encode: bool,
}

fn query(call: &Call) -> Result<Query, ApiError> {
    let max_keys = super::listing::max_keys(call)?;
    let text = |name| call.req.query_param(name).filter(|v| !v.is_empty());
    Ok(Query {
        prefix: text("prefix").unwrap_or("").to_string(),
        delimiter: text("delimiter").map(str::to_string),
        max_keys,
        key_marker: text("key-marker").map(str::to_string),
        version_id_marker: text("version-id-marker").map(str::to_string),
        url_encode: call.req.query_param("encoding-type") == Some("url"),
    })
}

impl Query {
    fn encode(&self, text: &str) -> String {
        if self.url_encode {
            super::listing::url_encoded(text)
        } else {
            text.to_string()
        }
    }
}

/// The common prefix a key folds into under the delimiter, if any.
fn folded(key: &str, q: &Query) -> Option<String> {
    let delimiter = q.delimiter.as_deref()?;
    let rest = &key[q.prefix.len()..];
    let at = rest.find(delimiter)?;
    Some(format!("{}{}", q.prefix, &rest[..at + delimiter.len()]))
}

/// One entry of a ListObjectVersions page.
enum Item<'a> {
    Version(&'a str, Found<'a>, bool),
    Prefix(String),
}

/// The keys of a bucket at or after `prefix` that start with it, in order, with or without a
/// current object.
fn keys_from<'a>(bucket: &'a Bucket, prefix: &str) -> Vec<&'a String> {
    let within = |k: &&String| k.starts_with(prefix);
    let current = bucket.objects.range(prefix.to_string()..).map(|(k, _)| k);
    let older = bucket
        .noncurrent
        .range(prefix.to_string()..)
        .map(|(k, _)| k);
    let mut keys: Vec<&String> = current
        .take_while(within)
        .chain(older.take_while(within))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// A page of versions, markers and common prefixes, and whether more follow.
fn page<'a>(bucket: &'a Bucket, q: &Query) -> (Vec<Item<'a>>, bool) {
    let mut items: Vec<Item<'a>> = Vec::new();
    let mut last_prefix: Option<String> = None;
    for key in keys_from(bucket, &q.prefix) {
        if q.key_marker
            .as_ref()
            .is_some_and(|m| key.as_str() < m.as_str())
        {
            continue;
        }
        let at_marker = q.key_marker.as_deref() == Some(key.as_str());
        if let Some(prefix) = folded(key, q) {
            let marker_inside = q
                .key_marker
                .as_ref()
                .is_some_and(|m| m.starts_with(prefix.as_str()));
            if last_prefix.as_ref() == Some(&prefix) || marker_inside {
                continue;
            }
            if items.len() == q.max_keys {
                return (items, true);
            }
            last_prefix = Some(prefix.clone());
            items.push(Item::Prefix(prefix));
            continue;
        }
        let versions = bucket.versions_of(key);
        let skip = match (&q.version_id_marker, at_marker) {
            (_, false) => 0,
            (None, true) => versions.len(),
            (Some(marker), true) => versions
                .iter()
                .position(|v| found_id(v) == marker)
                .map_or(versions.len(), |at| at + 1),
        };
        for (index, version) in versions.into_iter().enumerate().skip(skip) {
            if items.len() == q.max_keys {
                return (items, true);
            }
            items.push(Item::Version(key, version, index == 0));
        }
    }
    (items, false)
}

fn found_id<'a>(found: &Found<'a>) -> &'a str {
    match found {
        Found::Object(object) => object_version_id(object),
        Found::Marker(id) => id,
    }
}

pub fn list(call: &Call) -> Result<Response, ApiError> {
    let q = query(call)?;
    let store = call.state.s3();
    let bucket = store
        .bucket(call.account(), call.bucket())
        .ok_or_else(|| no_such_bucket(call.bucket()))?;
    let (items, truncated) = page(bucket, &q);
    let owner = Owner {
        id: Some(call.account().to_string()),
        display_name: Some("awsredirect".to_string()),
    };
    let mut versions = Vec::new();
    let mut markers = Vec::new();
    let mut prefixes = Vec::new();
    let mut next = (None, None);
    for item in &items {
        match item {
            Item::Prefix(prefix) => {
                next = (Some(prefix.clone()), None);
                prefixes.push(CommonPrefix {
                    prefix: Some(q.encode(prefix)),
                });
            }
            Item::Version(key, Found::Object(object), latest) => {
                next = (
                    Some(key.to_string()),
                    Some(object_version_id(object).to_string()),
                );
                let (checksum_algorithm, checksum_type) =
                    super::attributes::listed_checksum(&object.meta);
                versions.push(ObjectVersion {
                    e_tag: Some(object.meta.etag.clone()),
                    size: Some(object.body.len() as i64),
                    storage_class: Some(super::attributes::storage_class(&object.meta).to_string()),
                    key: Some(q.encode(key)),
                    version_id: Some(object_version_id(object).to_string()),
                    is_latest: Some(*latest),
                    last_modified: Some(timestamp(object.meta.last_modified_ms)),
                    owner: Some(owner.clone()),
                    checksum_algorithm,
                    checksum_type,
                    ..Default::default()
                });
            }
            Item::Version(key, Found::Marker(id), latest) => {
                next = (Some(key.to_string()), Some(id.to_string()));
                markers.push(DeleteMarkerEntry {
                    owner: Some(owner.clone()),
                    key: Some(q.encode(key)),
                    version_id: Some(id.to_string()),
                    is_latest: Some(*latest),
                    last_modified: Some(timestamp(marker_modified(bucket, key, id))),
                });
            }
        }
    }
    let (next_key, next_version) = if truncated { next } else { (None, None) };
    let output = ListObjectVersionsOutput {
        is_truncated: Some(truncated),
        key_marker: Some(q.key_marker.clone().unwrap_or_default()),
        version_id_marker: Some(q.version_id_marker.clone().unwrap_or_default()),
        next_key_marker: next_key.map(|k| q.encode(&k)),
        next_version_id_marker: next_version,
        versions: (!versions.is_empty()).then_some(versions),
        delete_markers: (!markers.is_empty()).then_some(markers),
        name: Some(call.bucket().to_string()),
        prefix: Some(q.encode(&q.prefix)),
        delimiter: q.delimiter.clone(),
        max_keys: Some(q.max_keys as i32),
        common_prefixes: (!prefixes.is_empty()).then_some(prefixes),
        encoding_type: q.url_encode.then(|| "url".to_string()),
        ..Default::default()
    };
    respond(call, "ListObjectVersions", output)
}

/// When a delete marker was made.
fn marker_modified(bucket: &Bucket, key: &str, id: &str) -> i64 {
    let mut older = bucket.noncurrent.get(key).into_iter().flatten();
    older
        .find(|v| v.id() == id)
        .map_or(0, crate::state::s3_versions::Version::modified_ms)
}
