//! Object operations: PutObject, GetObject / HeadObject (Range, conditionals), DeleteObject,
//! DeleteObjects and CopyObject.
use percent_encoding::percent_decode_str;

use super::body::{encryption, etag, meta_from_headers, received};
use super::errors::{invalid_argument, malformed_xml, no_such_bucket};
use super::notifications::{notify, ObjectEvent};
use super::versions::{self, addressed, copy_source_version, lookup, marker_response, Miss};
use super::{acl, attributes};
use super::{checksum, multipart};
use super::{require_bucket, respond, timestamp, Call};
use crate::error::ApiError;
use crate::generated::s3::{
    self, errors, CopyObjectOutput, CopyObjectResult, DeleteObjectOutput, DeleteObjectsOutput,
    DeletedObject, PutObjectOutput,
};
use crate::http::{Response, ResponseBuilder};
use crate::protocols::xml;
use crate::state::record::{Entry, Record};
use crate::state::s3::{Object, ObjectMeta};
use crate::timefmt::{http_date, now_millis, parse_http_date};

pub fn put(call: &Call) -> Result<Response, ApiError> {
    let (data, sent_checksum) = received(call.req)?;
    let mut meta = meta_from_headers(call.req)?;
    meta.acl = acl::from_headers(call.req, call.account())?;
    meta.etag = etag(&data);
    meta.checksum = sent_checksum;
    let fields = checksum::fields(meta.checksum.as_ref());
    let sse = encryption(&meta);
    meta.last_modified_ms = now_millis();
    let tag = meta.etag.clone();
    let size = data.len();
    let stored = meta.clone();
    let version_id = call.state.commit_s3(|store| {
        require_bucket(store, call)?;
        let bucket = store
            .bucket(call.account(), call.bucket())
            .ok_or_else(|| no_such_bucket(call.bucket()))?;
        meta.version_id = versions::new_version_id(bucket);
        let version_id = versions::version_header(bucket, &meta);
        let record = Record::ObjectPut {
            account: call.account().to_string(),
            bucket: call.bucket().to_string(),
            key: call.key().to_string(),
            meta,
        };
        Ok((vec![Entry::with_payload(record, data)], version_id))
    })?;
    let object = ObjectEvent {
        key: call.key(),
        size: Some(size),
        etag: Some(&tag),
    };
    notify(call, "ObjectCreated:Put", &[object]);
    let output = PutObjectOutput {
        e_tag: Some(tag),
        checksum_crc32: fields.crc32,
        checksum_crc32_c: fields.crc32c,
        checksum_crc64_nvme: fields.crc64nvme,
        checksum_sha1: fields.sha1,
        checksum_sha256: fields.sha256,
        checksum_type: fields.kind,
        server_side_encryption: sse.algorithm,
        ssekms_key_id: sse.key_id,
        bucket_key_enabled: sse.bucket_key,
        version_id,
        ..Default::default()
    };
    let response = respond(call, "PutObject", output)?;
    Ok(attributes::echo_encryption(&stored, response))
}

/// GetObject, or HeadObject when `head` is set.
pub fn get(call: &Call, head: bool) -> Result<Response, ApiError> {
    let (object, version_id) = match addressed(call) {
        Ok(found) => found,
        Err(Miss::Marker { id, named }) => return Ok(marker_response(call, &id, named)),
        Err(Miss::Error(err)) => return Err(err),
    };
    if let Some((status, condition)) = precondition_status(call, &object.meta) {
        return Ok(precondition_response(call, &object.meta, status, condition));
    }
    if !head {
        attributes::check_readable(&object.meta)?;
    }
    let total = object.body.len();
    let part = multipart::requested_part(call.req, &object.meta, total)?;
    let range = match (part, call.req.header("range")) {
        (Some(part), _) => Some(part),
        (None, Some(spec)) => parse_range(spec, total)?,
        (None, None) => None,
    };
    let mut builder = object_headers(call, &object, if range.is_some() { 206 } else { 200 });
    if let Some(id) = &version_id {
        builder = builder.header("x-amz-version-id", id);
    }
    let body = match range {
        Some((start, end)) => {
            builder = builder.header("content-range", &format!("bytes {start}-{end}/{total}"));
            object.body.slice(start..=end)
        }
        None => object.body.clone(),
    };
    builder = builder.header("content-length", &body.len().to_string());
    Ok(if head {
        builder.empty()
    } else {
        builder.body(body)
    })
}

/// The headers GetObject's `response-*` query parameters set (AWS S3 API reference, GetObject:
/// `response-cache-control`, ...; `response-content-type` is handled with the stored type).
const OVERRIDABLE: [&str; 5] = [
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-language",
    "expires",
];

/// Headers of a GET / HEAD answer: ETag, dates, type, metadata, and `response-*` overrides.
fn object_headers(call: &Call, object: &Object, status: u16) -> ResponseBuilder {
    let meta = &object.meta;
    let mut builder = ResponseBuilder::new(status)
        .header("etag", &meta.etag)
        .header("last-modified", &http_date(meta.last_modified_ms))
        .header("accept-ranges", "bytes")
        .header("x-amz-request-id", &call.ctx.request_id);
    let content_type = call
        .req
        .query_param("response-content-type")
        .or(meta.content_type.as_deref());
    if let Some(content_type) = content_type {
        builder = builder.header("content-type", content_type);
    }
    let overridden = |name: &str| call.req.query_param(&format!("response-{name}"));
    for (name, value) in &meta.headers {
        if !OVERRIDABLE.contains(&name.as_str()) || overridden(name).is_none() {
            builder = builder.header(name, value);
        }
    }
    for name in OVERRIDABLE {
        if let Some(value) = overridden(name) {
            builder = builder.header(name, value);
        }
    }
    for (name, value) in &meta.metadata {
        builder = builder.header(&format!("x-amz-meta-{name}"), value);
    }
    if !meta.tags.is_empty() {
        builder = builder.header("x-amz-tagging-count", &meta.tags.len().to_string());
    }
    // The stored checksum covers the whole object: a range or part answer goes without it.
    let whole = status == 200;
    let extra = checksum::object_headers(call.req, meta, whole)
        .into_iter()
        .chain(multipart::parts_headers(call.req, meta));
    for (name, value) in extra {
        builder = builder.header(&name, &value);
    }
    builder
}

/// 304 or 412 when a conditional header says so, with the header that decided it.
fn precondition_status(call: &Call, meta: &ObjectMeta) -> Option<(u16, &'static str)> {
    let req = call.req;
    if let Some(wanted) = req.header("if-match") {
        if !etag_matches(wanted, &meta.etag) {
            return Some((412, "If-Match"));
        }
    } else if let Some(since) = req.header("if-unmodified-since").and_then(parse_http_date) {
        if meta.last_modified_ms / 1000 > since / 1000 {
            return Some((412, "If-Unmodified-Since"));
        }
    }
    if let Some(unwanted) = req.header("if-none-match") {
        if etag_matches(unwanted, &meta.etag) {
            return Some((304, "If-None-Match"));
        }
    } else if let Some(since) = req.header("if-modified-since").and_then(parse_http_date) {
        if meta.last_modified_ms / 1000 <= since / 1000 {
            return Some((304, "If-Modified-Since"));
        }
    }
    None
}

fn etag_matches(list: &str, etag: &str) -> bool {
    let bare = etag.trim_matches('"');
    list.split(',')
        .map(|t| t.trim().trim_start_matches("W/").trim_matches('"'))
        .any(|t| t == "*" || t == bare)
}

fn precondition_response(call: &Call, meta: &ObjectMeta, status: u16, condition: &str) -> Response {
    if status == 304 {
        return ResponseBuilder::new(304)
            .header("etag", &meta.etag)
            .header("last-modified", &http_date(meta.last_modified_ms))
            .header("x-amz-request-id", &call.ctx.request_id)
            .empty();
    }
    let err = ApiError::new(
        412,
        "PreconditionFailed",
        "At least one of the pre-conditions you specified did not hold",
    )
    .with_field("Condition", condition);
    let is_head = call.req.method == hyper::Method::HEAD;
    crate::protocols::rest_xml::error_response(&err, &call.ctx.request_id, is_head)
}

/// `bytes=a-b`, `bytes=a-` or `bytes=-n` as an inclusive range; `None` means the whole object.
fn parse_range(spec: &str, total: usize) -> Result<Option<(usize, usize)>, ApiError> {
    let Some(range) = spec.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if range.contains(',') {
        return Ok(None);
    }
    let (first, last) = range.split_once('-').unwrap_or((range, ""));
    // A range whose last byte comes before its first is invalid and ignored (RFC 9110 14.1.1):
    // the whole object is answered.
    if let (Ok(start), Ok(end)) = (first.trim().parse::<usize>(), last.trim().parse::<usize>()) {
        if end < start {
            return Ok(None);
        }
    }
    let unsatisfiable = || {
        ApiError::new(
            416,
            "InvalidRange",
            "The requested range is not satisfiable",
        )
        .with_field("RangeRequested", spec.trim())
        .with_field("ActualObjectSize", total.to_string())
    };
    // A range that is not `a-b`, `a-` or `-n` in digits is not a range: the whole object is
    // answered (RFC 9110 14.2), as for `bytes=0--1` or `bytes=-1-`.
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    let (first_text, last_text) = (first.trim(), last.trim());
    if !(digits(first_text) || first_text.is_empty())
        || !(digits(last_text) || last_text.is_empty())
    {
        return Ok(None);
    }
    let parsed = match (first_text, last_text) {
        ("", "") => return Ok(None),
        ("", n) => {
            let n: usize = n.parse().map_err(|_| unsatisfiable())?;
            if n == 0 || total == 0 {
                return Err(unsatisfiable());
            }
            (total.saturating_sub(n), total - 1)
        }
        (a, b) => {
            let start: usize = a.parse().map_err(|_| unsatisfiable())?;
            let end: usize = if b.is_empty() {
                total.saturating_sub(1)
            } else {
                b.parse::<usize>()
                    .map_err(|_| unsatisfiable())?
                    .min(total.saturating_sub(1))
            };
            if start >= total || end < start {
                return Err(unsatisfiable());
            }
            (start, end)
        }
    };
    Ok(Some(parsed))
}

pub fn delete(call: &Call) -> Result<Response, ApiError> {
    let version = call.req.query_param("versionId");
    let removal = call.state.commit_s3(|store| {
        let bucket = store
            .bucket(call.account(), call.bucket())
            .ok_or_else(|| no_such_bucket(call.bucket()))?;
        let mut removal = versions::removal(call, bucket, call.key(), version)?;
        let entries = removal.record.take().map(Entry::new).into_iter().collect();
        Ok((entries, removal))
    })?;
    let event = if removal.marker && version.is_none() {
        "ObjectRemoved:DeleteMarkerCreated"
    } else {
        "ObjectRemoved:Delete"
    };
    notify(call, event, &[removed(call.key())]);
    let output = DeleteObjectOutput {
        delete_marker: removal.marker.then_some(true),
        version_id: removal.version_id,
        ..Default::default()
    };
    respond(call, "DeleteObject", output)
}

/// The event description of a removed object: its key only.
fn removed(key: &str) -> ObjectEvent<'_> {
    ObjectEvent {
        key,
        size: None,
        etag: None,
    }
}

pub fn delete_many(call: &Call) -> Result<Response, ApiError> {
    let doc = xml::parse(&call.req.body).map_err(|e| malformed_xml(&e))?;
    if doc.name != "Delete" {
        return Err(malformed_xml("expected a Delete element"));
    }
    let requested: Vec<(String, Option<String>)> = doc
        .children_named("Object")
        .filter_map(|o| {
            let key = o.child_text("Key")?.to_string();
            Some((key, o.child_text("VersionId").map(str::to_string)))
        })
        .collect();
    if requested.is_empty() || requested.len() > 1000 {
        return Err(malformed_xml(
            "Delete needs between 1 and 1000 Object elements",
        ));
    }
    let quiet = doc.child_text("Quiet") == Some("true");
    let outcomes = call.state.commit_s3(|store| {
        let bucket = store
            .bucket(call.account(), call.bucket())
            .ok_or_else(|| no_such_bucket(call.bucket()))?;
        let mut entries = Vec::new();
        let mut outcomes = Vec::new();
        for (key, version) in requested {
            let outcome = versions::removal(call, bucket, &key, version.as_deref());
            let outcome = outcome.map(|mut removal| {
                entries.extend(removal.record.take().map(Entry::new));
                removal
            });
            outcomes.push((key, version, outcome));
        }
        Ok((entries, outcomes))
    })?;
    let events: Vec<ObjectEvent> = outcomes
        .iter()
        .filter(|(_, _, outcome)| outcome.is_ok())
        .map(|(key, _, _)| removed(key))
        .collect();
    notify(call, "ObjectRemoved:Delete", &events);
    let mut deleted = Vec::new();
    let mut errors = Vec::new();
    for (key, version, outcome) in outcomes {
        match outcome {
            Ok(removal) => deleted.push(deleted_object(key, version, removal)),
            // An id no version ever had is answered per key as a version that does not exist
            // (DeleteObject alone answers 400 for it).
            Err(_) => errors.push(s3::ErrorShape {
                code: Some("NoSuchVersion".to_string()),
                message: Some("The specified version does not exist.".to_string()),
                key: Some(key),
                version_id: version,
            }),
        }
    }
    if quiet {
        deleted.clear();
    }
    let output = DeleteObjectsOutput {
        deleted: Some(deleted),
        errors: (!errors.is_empty()).then_some(errors),
        ..Default::default()
    };
    respond(call, "DeleteObjects", output)
}

/// A DeleteObjects `Deleted` entry: the version removed, or the delete marker made.
fn deleted_object(
    key: String,
    version: Option<String>,
    removal: versions::Removal,
) -> DeletedObject {
    let made_marker = removal.marker && version.is_none();
    DeletedObject {
        key: Some(key),
        version_id: version,
        delete_marker: removal.marker.then_some(true),
        delete_marker_version_id: if made_marker {
            removal.version_id
        } else {
            None
        },
    }
}

pub fn copy(call: &Call) -> Result<Response, ApiError> {
    let (src_bucket, src_key) = copy_source(call.req.header("x-amz-copy-source").unwrap_or(""))?;
    let replace = call.req.header("x-amz-metadata-directive") == Some("REPLACE");
    let changes = replace || attributes::copy_changes_attributes(call.req);
    if src_bucket == call.bucket() && src_key == call.key() && !changes {
        return Err(errors::INVALID_REQUEST.with(
            "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
        ));
    }
    let src_version = copy_source_version(call);
    let requested = meta_from_headers(call.req)?;
    let acl = acl::from_headers(call.req, call.account())?;
    let (meta, size, source_version, version_id) = call.state.commit_s3(|store| {
        require_bucket(store, call)?;
        let source_bucket = store
            .bucket(call.account(), &src_bucket)
            .ok_or_else(|| no_such_bucket(&src_bucket))?;
        let source = lookup(source_bucket, &src_key, src_version.as_deref())
            .map_err(|miss| miss.into_error(&src_key))?;
        let source_version = versions::version_header(source_bucket, &source.meta);
        let target = store
            .bucket(call.account(), call.bucket())
            .ok_or_else(|| no_such_bucket(call.bucket()))?;
        attributes::check_readable(&source.meta)?;
        let mut meta = if replace {
            requested
        } else {
            source.meta.clone()
        };
        attributes::for_copy(call.req, &source.meta, &mut meta)?;
        meta.acl = acl;
        // The copy is written in one piece: its ETag is its MD5, even when the source was
        // assembled from parts (`"…-N"`).
        meta.etag = etag(&source.body);
        meta.last_modified_ms = now_millis();
        meta.version_id = versions::new_version_id(target);
        let version_id = versions::version_header(target, &meta);
        let record = Record::ObjectPut {
            account: call.account().to_string(),
            bucket: call.bucket().to_string(),
            key: call.key().to_string(),
            meta: meta.clone(),
        };
        let size = source.body.len();
        Ok((
            vec![Entry::with_payload(record, source.body.clone())],
            (meta, size, source_version, version_id),
        ))
    })?;
    let object = ObjectEvent {
        key: call.key(),
        size: Some(size),
        etag: Some(&meta.etag),
    };
    notify(call, "ObjectCreated:Copy", &[object]);
    let output = CopyObjectOutput {
        copy_object_result: Some(CopyObjectResult {
            e_tag: Some(meta.etag.clone()),
            last_modified: Some(timestamp(meta.last_modified_ms)),
            ..Default::default()
        }),
        copy_source_version_id: source_version,
        version_id,
        ..Default::default()
    };
    let response = respond(call, "CopyObject", output)?;
    Ok(attributes::echo_encryption(&meta, response))
}

/// `x-amz-copy-source`: `[/]bucket/key[?versionId=..]`, percent-encoded.
pub fn copy_source(header: &str) -> Result<(String, String), ApiError> {
    let without_version = header.split('?').next().unwrap_or("");
    let decoded = percent_decode_str(without_version).decode_utf8_lossy();
    let trimmed = decoded.trim_start_matches('/');
    match trimmed.split_once('/') {
        Some((bucket, key)) if !bucket.is_empty() && !key.is_empty() => {
            Ok((bucket.to_string(), key.to_string()))
        }
        _ => Err(invalid_argument(
            "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ranges() {
        assert_eq!(parse_range("bytes=0-9", 100).unwrap(), Some((0, 9)));
        assert_eq!(parse_range("bytes=90-", 100).unwrap(), Some((90, 99)));
        assert_eq!(parse_range("bytes=-10", 100).unwrap(), Some((90, 99)));
        assert_eq!(parse_range("bytes=50-500", 100).unwrap(), Some((50, 99)));
        assert!(parse_range("bytes=100-", 100).is_err());
        assert_eq!(parse_range("bytes=9-3", 100).unwrap(), None);
        assert_eq!(parse_range("bytes=0--1", 100).unwrap(), None);
        assert_eq!(parse_range("bytes=-1-", 100).unwrap(), None);
        assert!(parse_range("bytes=-0", 100).is_err());
        assert!(parse_range("bytes=101-200", 100).is_err());
    }

    #[test]
    fn parses_copy_sources() {
        assert_eq!(
            copy_source("/b/dir/a%20b.txt?versionId=1").unwrap(),
            ("b".to_string(), "dir/a b.txt".to_string())
        );
        assert!(copy_source("nokey").is_err());
    }
}
