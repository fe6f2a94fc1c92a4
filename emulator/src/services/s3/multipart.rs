//! Multipart uploads: CreateMultipartUpload, UploadPart, UploadPartCopy,
//! CompleteMultipartUpload, AbortMultipartUpload, ListParts and ListMultipartUploads, and the
//! parts of an assembled object (`partNumber` on GET / HEAD).
use bytes::BytesMut;

use super::body::{encryption, etag, meta_from_headers, multipart_etag, received};
use super::checksum;
use super::errors::{
    invalid_argument, malformed_xml, no_such_bucket, no_such_upload, schema_mismatch,
};
use super::notifications::{notify, ObjectEvent};
use super::objects::copy_source;
use super::{require_bucket, respond, timestamp, Call};
use crate::error::ApiError;
use crate::generated::s3::{
    AbortMultipartUploadOutput, CommonPrefix, CompleteMultipartUploadOutput, CopyPartResult,
    CreateMultipartUploadOutput, Initiator, ListMultipartUploadsOutput, ListPartsOutput,
    MultipartUpload, Owner, Part, UploadPartCopyOutput, UploadPartOutput,
};
use crate::http::{Request, Response};
use crate::protocols::xml;
use crate::state::record::{Entry, Record};
use crate::state::s3::{ObjectMeta, S3Store, StoredChecksum, Upload};
use crate::timefmt::now_millis;

/// Every part but the last must be at least this large.
const MIN_PART_SIZE: usize = 5 * 1024 * 1024;

fn upload_id<'a>(call: &'a Call) -> &'a str {
    call.req.query_param("uploadId").unwrap_or("")
}

fn find_upload<'a>(store: &'a S3Store, call: &Call) -> Result<&'a Upload, ApiError> {
    let bucket = store
        .bucket(call.account(), call.bucket())
        .ok_or_else(|| no_such_bucket(call.bucket()))?;
    bucket
        .uploads
        .get(upload_id(call))
        .filter(|u| u.key == call.key())
        .ok_or_else(|| no_such_upload(upload_id(call)))
}

pub fn create(call: &Call) -> Result<Response, ApiError> {
    let mut meta = meta_from_headers(call.req)?;
    meta.acl = super::acl::from_headers(call.req, call.account())?;
    meta.checksum = requested_checksum(call.req)?;
    // An upload's "last modified" is when it was initiated.
    meta.last_modified_ms = now_millis();
    let fields = checksum_fields_of(&meta);
    let sse = encryption(&meta);
    let id = uuid::Uuid::new_v4().simple().to_string();
    call.state.commit_s3(|store| {
        require_bucket(store, call)?;
        let record = Record::UploadCreated {
            account: call.account().to_string(),
            bucket: call.bucket().to_string(),
            key: call.key().to_string(),
            upload_id: id.clone(),
            meta,
        };
        Ok((vec![Entry::new(record)], ()))
    })?;
    let output = CreateMultipartUploadOutput {
        bucket: Some(call.bucket().to_string()),
        key: Some(call.key().to_string()),
        upload_id: Some(id),
        checksum_algorithm: fields.0,
        checksum_type: fields.1,
        server_side_encryption: sse.algorithm,
        ssekms_key_id: sse.key_id,
        bucket_key_enabled: sse.bucket_key,
        ..Default::default()
    };
    respond(call, "CreateMultipartUpload", output)
}

/// The algorithm and type an upload's parts are checksummed with
/// (`x-amz-checksum-algorithm`, `x-amz-checksum-type`), stored with an empty value.
fn requested_checksum(req: &Request) -> Result<Option<StoredChecksum>, ApiError> {
    let Some(name) = req.header("x-amz-checksum-algorithm") else {
        return Ok(None);
    };
    let algorithm = checksum::supported(name).ok_or_else(|| {
        invalid_argument(format!("Checksum algorithm {name} is not supported"))
            .with_field("ArgumentName", "x-amz-checksum-algorithm")
            .with_field("ArgumentValue", name)
    })?;
    let kind = req
        .header("x-amz-checksum-type")
        .map(str::to_ascii_uppercase)
        .unwrap_or_else(|| checksum::default_kind(algorithm).to_string());
    if kind != "COMPOSITE" && kind != "FULL_OBJECT" {
        return Err(invalid_argument(format!(
            "Value for x-amz-checksum-type header is invalid: {kind}"
        )));
    }
    Ok(Some(StoredChecksum {
        algorithm: algorithm.to_string(),
        value: String::new(),
        kind,
    }))
}

/// The algorithm and type of an upload's checksum, for CreateMultipartUpload's answer.
fn checksum_fields_of(meta: &ObjectMeta) -> (Option<String>, Option<String>) {
    match &meta.checksum {
        Some(c) => (Some(c.algorithm.clone()), Some(c.kind.clone())),
        None => (None, None),
    }
}

/// The `partNumber` of UploadPart / UploadPartCopy. A number that is not a positive integer
/// names no part of any upload (`NoSuchUpload`); one above 10,000 is an invalid argument.
fn part_number(call: &Call) -> Result<u32, ApiError> {
    let text = call.req.query_param("partNumber").unwrap_or("");
    match text.parse::<i64>() {
        Ok(n) if (1..=10_000).contains(&n) => Ok(n as u32),
        Ok(n) if n > 10_000 => Err(invalid_argument(
            "Part number must be an integer between 1 and 10000, inclusive",
        )
        .with_field("ArgumentName", "partNumber")
        .with_field("ArgumentValue", text)),
        _ => Err(no_such_upload(upload_id(call))),
    }
}

/// The checksum of a part in its upload's algorithm: the one the request sent when it is that
/// algorithm (already verified), else computed here.
fn part_checksum(upload: &Upload, sent: Option<&StoredChecksum>, data: &[u8]) -> Option<String> {
    let wanted = upload.meta.checksum.as_ref()?;
    match sent {
        Some(c) if c.algorithm == wanted.algorithm => Some(c.value.clone()),
        _ => Some(checksum::encoded(&wanted.algorithm, data)),
    }
}

pub fn upload_part(call: &Call) -> Result<Response, ApiError> {
    let number = part_number(call)?;
    let (data, sent) = received(call.req)?;
    let tag = etag(&data);
    let (part_sum, sse) = call.state.commit_s3(|store| {
        let upload = find_upload(store, call)?;
        let part_sum = part_checksum(upload, sent.as_ref(), &data);
        let record = part_record(call, number, &tag, part_sum.clone());
        let sse = encryption(&upload.meta);
        Ok((vec![Entry::with_payload(record, data)], (part_sum, sse)))
    })?;
    // The part's checksum in its upload's algorithm, else the one it was sent with.
    let shown = match (part_sum, sent) {
        (Some(value), _) => upload_checksum_of(call, value),
        (None, sent) => sent,
    };
    let fields = checksum::fields(shown.as_ref());
    let output = UploadPartOutput {
        e_tag: Some(tag),
        checksum_crc32: fields.crc32,
        checksum_crc32_c: fields.crc32c,
        checksum_crc64_nvme: fields.crc64nvme,
        checksum_sha1: fields.sha1,
        checksum_sha256: fields.sha256,
        server_side_encryption: sse.algorithm,
        ssekms_key_id: sse.key_id,
        bucket_key_enabled: sse.bucket_key,
        ..Default::default()
    };
    respond(call, "UploadPart", output)
}

/// A part's checksum value labelled with its upload's algorithm.
fn upload_checksum_of(call: &Call, value: String) -> Option<StoredChecksum> {
    let store = call.state.s3();
    let upload = find_upload(&store, call).ok()?;
    let wanted = upload.meta.checksum.as_ref()?;
    Some(StoredChecksum {
        algorithm: wanted.algorithm.clone(),
        value,
        kind: "FULL_OBJECT".to_string(),
    })
}

fn part_record(call: &Call, number: u32, tag: &str, checksum: Option<String>) -> Record {
    Record::PartPut {
        account: call.account().to_string(),
        bucket: call.bucket().to_string(),
        upload_id: upload_id(call).to_string(),
        part_number: number,
        etag: tag.to_string(),
        modified_ms: now_millis(),
        checksum,
    }
}

/// UploadPartCopy: a part taken from an existing object, whole or `x-amz-copy-source-range`.
pub fn upload_part_copy(call: &Call) -> Result<Response, ApiError> {
    let number = part_number(call)?;
    let (src_bucket, src_key) = copy_source(call.req.header("x-amz-copy-source").unwrap_or(""))?;
    let range = call.req.header("x-amz-copy-source-range");
    let (tag, modified) = call.state.commit_s3(|store| {
        let upload = find_upload(store, call)?;
        let source_bucket = store
            .bucket(call.account(), &src_bucket)
            .ok_or_else(|| no_such_bucket(&src_bucket))?;
        let src_version = super::versions::copy_source_version(call);
        let source = super::versions::lookup(source_bucket, &src_key, src_version.as_deref())
            .map_err(|miss| miss.into_error(&src_key))?;
        let data = match range {
            Some(spec) => copy_range(spec, &source.body)?,
            None => source.body.clone(),
        };
        let tag = etag(&data);
        let part_sum = part_checksum(upload, None, &data);
        let record = part_record(call, number, &tag, part_sum);
        let modified = now_millis();
        Ok((vec![Entry::with_payload(record, data)], (tag, modified)))
    })?;
    let output = UploadPartCopyOutput {
        copy_part_result: Some(CopyPartResult {
            e_tag: Some(tag),
            last_modified: Some(timestamp(modified)),
            ..Default::default()
        }),
        ..Default::default()
    };
    respond(call, "UploadPartCopy", output)
}

/// `bytes=first-last` of `x-amz-copy-source-range` (both required, inclusive, inside the
/// source).
fn copy_range(spec: &str, body: &bytes::Bytes) -> Result<bytes::Bytes, ApiError> {
    let invalid = || {
        invalid_argument(
            "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy",
        )
        .with_field("ArgumentName", "x-amz-copy-source-range")
        .with_field("ArgumentValue", spec)
    };
    // The reference asks for `bytes=first-last`; a bare `first-last` is read the same.
    let trimmed = spec.trim();
    let (first, last) = trimmed
        .strip_prefix("bytes=")
        .unwrap_or(trimmed)
        .split_once('-')
        .ok_or_else(invalid)?;
    let first: usize = first.trim().parse().map_err(|_| invalid())?;
    let last: usize = last.trim().parse().map_err(|_| invalid())?;
    if last < first {
        return Err(invalid());
    }
    if last >= body.len() {
        return Err(ApiError::new(
            416,
            "InvalidRange",
            "The requested range is not satisfiable",
        )
        .with_field("RangeRequested", spec)
        .with_field("ActualObjectSize", body.len().to_string()));
    }
    Ok(body.slice(first..=last))
}

/// The (part number, ETag) list of a CompleteMultipartUpload body.
fn requested_parts(body: &[u8]) -> Result<Vec<(u32, String)>, ApiError> {
    let doc = xml::parse(body).map_err(|e| malformed_xml(&e))?;
    if doc.name != "CompleteMultipartUpload" {
        return Err(malformed_xml("expected CompleteMultipartUpload"));
    }
    let mut parts = Vec::new();
    for part in doc.children_named("Part") {
        let number = part
            .child_text("PartNumber")
            .and_then(|n| n.trim().parse::<u32>().ok())
            .ok_or_else(|| malformed_xml("every Part needs a PartNumber"))?;
        let tag = part.child_text("ETag").unwrap_or("").trim().to_string();
        parts.push((number, tag));
    }
    if parts.is_empty() {
        return Err(schema_mismatch());
    }
    Ok(parts)
}

pub fn complete(call: &Call) -> Result<Response, ApiError> {
    let wanted = requested_parts(&call.req.body)?;
    if let Some(meta) = already_completed(call) {
        return complete_response(call, &meta);
    }
    let (meta, size) = call.state.commit_s3(|store| {
        let upload = find_upload(store, call)?;
        let assembled = assemble(upload, &wanted)?;
        let size = assembled.body.len();
        let mut meta = upload.meta.clone();
        meta.etag = assembled.etag;
        meta.last_modified_ms = now_millis();
        meta.checksum = assembled.checksum;
        meta.part_sizes = assembled.part_sizes;
        meta.upload_id = Some(upload_id(call).to_string());
        let bucket = store
            .bucket(call.account(), call.bucket())
            .ok_or_else(|| no_such_bucket(call.bucket()))?;
        meta.version_id = super::versions::new_version_id(bucket);
        let put = Record::ObjectPut {
            account: call.account().to_string(),
            bucket: call.bucket().to_string(),
            key: call.key().to_string(),
            meta: meta.clone(),
        };
        let ended = Record::UploadEnded {
            account: call.account().to_string(),
            bucket: call.bucket().to_string(),
            upload_id: upload_id(call).to_string(),
        };
        let entries = vec![Entry::with_payload(put, assembled.body), Entry::new(ended)];
        Ok((entries, (meta, size)))
    })?;
    let object = ObjectEvent {
        key: call.key(),
        size: Some(size),
        etag: Some(&meta.etag),
    };
    notify(call, "ObjectCreated:CompleteMultipartUpload", &[object]);
    complete_response(call, &meta)
}

/// The object a repeated CompleteMultipartUpload of an upload that is already complete made:
/// S3 answers the same again.
fn already_completed(call: &Call) -> Option<ObjectMeta> {
    let store = call.state.s3();
    let bucket = store.bucket(call.account(), call.bucket())?;
    if bucket.uploads.contains_key(upload_id(call)) {
        return None;
    }
    let object = bucket.objects.get(call.key())?;
    (object.meta.upload_id.as_deref() == Some(upload_id(call))).then(|| object.meta.clone())
}

fn complete_response(call: &Call, meta: &ObjectMeta) -> Result<Response, ApiError> {
    let location = format!("{}/{}/{}", call.ctx.base_url(), call.bucket(), call.key());
    let fields = checksum::fields(meta.checksum.as_ref());
    let sse = encryption(meta);
    let output = CompleteMultipartUploadOutput {
        location: Some(location),
        bucket: Some(call.bucket().to_string()),
        key: Some(call.key().to_string()),
        e_tag: Some(meta.etag.clone()),
        checksum_crc32: fields.crc32,
        checksum_crc32_c: fields.crc32c,
        checksum_crc64_nvme: fields.crc64nvme,
        checksum_sha1: fields.sha1,
        checksum_sha256: fields.sha256,
        checksum_type: fields.kind,
        server_side_encryption: sse.algorithm,
        ssekms_key_id: sse.key_id,
        bucket_key_enabled: sse.bucket_key,
        version_id: meta.version_id.clone(),
        ..Default::default()
    };
    respond(call, "CompleteMultipartUpload", output)
}

/// An upload's requested parts joined: the body, its ETag, its checksum and the part sizes.
struct Assembled {
    body: bytes::Bytes,
    etag: String,
    checksum: Option<StoredChecksum>,
    part_sizes: Vec<u64>,
}

/// Joins the requested parts after checking order, ETags and sizes.
fn assemble(upload: &Upload, wanted: &[(u32, String)]) -> Result<Assembled, ApiError> {
    if wanted.windows(2).any(|w| w[0].0 >= w[1].0) {
        return Err(ApiError::new(
            400,
            "InvalidPartOrder",
            "The list of parts was not in ascending order. The parts list must be specified in order by part number.",
        ));
    }
    let mut body = BytesMut::new();
    let mut tags = Vec::new();
    let mut digests = Vec::new();
    let mut part_sizes = Vec::new();
    for (index, (number, tag)) in wanted.iter().enumerate() {
        let part = upload
            .parts
            .get(number)
            .filter(|p| p.etag.trim_matches('"') == tag.trim_matches('"'))
            .ok_or_else(|| {
                ApiError::new(
                    400,
                    "InvalidPart",
                    "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
                )
                .with_field("PartNumber", number.to_string())
                .with_field("ETag", tag.clone())
            })?;
        let is_last = index + 1 == wanted.len();
        if !is_last && part.body.len() < MIN_PART_SIZE {
            return Err(ApiError::new(
                400,
                "EntityTooSmall",
                "Your proposed upload is smaller than the minimum allowed object size.",
            )
            .with_field("ProposedSize", part.body.len().to_string())
            .with_field("MinSizeAllowed", MIN_PART_SIZE.to_string())
            .with_field("PartNumber", number.to_string())
            .with_field("ETag", part.etag.trim_matches('"').to_string()));
        }
        body.extend_from_slice(&part.body);
        tags.push(part.etag.as_str());
        digests.push(
            part.checksum
                .as_deref()
                .map(checksum::raw)
                .unwrap_or_default(),
        );
        part_sizes.push(part.body.len() as u64);
    }
    let body = body.freeze();
    let checksum = upload.meta.checksum.as_ref().map(|c| StoredChecksum {
        algorithm: c.algorithm.clone(),
        value: checksum::combine(&c.algorithm, &c.kind, &digests, &body),
        kind: c.kind.clone(),
    });
    Ok(Assembled {
        etag: multipart_etag(&tags),
        body,
        checksum,
        part_sizes,
    })
}

pub fn abort(call: &Call) -> Result<Response, ApiError> {
    call.state.commit_s3(|store| {
        find_upload(store, call)?;
        let record = Record::UploadEnded {
            account: call.account().to_string(),
            bucket: call.bucket().to_string(),
            upload_id: upload_id(call).to_string(),
        };
        Ok((vec![Entry::new(record)], ()))
    })?;
    respond(
        call,
        "AbortMultipartUpload",
        AbortMultipartUploadOutput::default(),
    )
}

/// A ListParts paging argument: 0..=2147483647, with S3's two messages for a negative number
/// and for one that is not an `int`.
fn paging_argument(call: &Call, name: &str) -> Result<Option<i64>, ApiError> {
    let Some(text) = call.req.query_param(name) else {
        return Ok(None);
    };
    match text.trim().parse::<i32>() {
        Ok(n) if n >= 0 => Ok(Some(n.into())),
        Ok(_) => Err(invalid_argument(format!(
            "Argument {name} must be an integer between 0 and 2147483647"
        ))
        .with_field("ArgumentName", name.to_string())
        .with_field("ArgumentValue", text)),
        Err(_) => Err(invalid_argument(format!(
            "Provided {name} not an integer or within integer range"
        ))
        .with_field("ArgumentName", name.to_string())
        .with_field("ArgumentValue", text)),
    }
}

fn owner(call: &Call) -> Owner {
    Owner {
        id: Some(call.account().to_string()),
        display_name: Some("awsredirect".to_string()),
    }
}

fn initiator(call: &Call) -> Initiator {
    Initiator {
        id: Some(call.account().to_string()),
        display_name: Some("awsredirect".to_string()),
    }
}

pub fn list_parts(call: &Call) -> Result<Response, ApiError> {
    let max_parts = paging_argument(call, "max-parts")?
        .unwrap_or(1000)
        .min(1000) as usize;
    let marker = paging_argument(call, "part-number-marker")?.unwrap_or(0);
    let store = call.state.s3();
    let upload = find_upload(&store, call)?;
    let first = u32::try_from(marker.saturating_add(1)).unwrap_or(u32::MAX);
    let mut parts = upload.parts.range(first..);
    let page: Vec<_> = parts.by_ref().take(max_parts).collect();
    let truncated = parts.next().is_some();
    let algorithm = upload.meta.checksum.as_ref().map(|c| c.algorithm.clone());
    let output = ListPartsOutput {
        bucket: Some(call.bucket().to_string()),
        key: Some(call.key().to_string()),
        upload_id: Some(upload_id(call).to_string()),
        part_number_marker: Some(marker as i32),
        next_part_number_marker: Some(page.last().map_or(marker as i32, |(n, _)| **n as i32)),
        max_parts: Some(max_parts as i32),
        is_truncated: Some(truncated),
        parts: (!page.is_empty()).then(|| {
            page.iter()
                .map(|(number, part)| listed_part(**number, part, algorithm.as_deref()))
                .collect()
        }),
        initiator: Some(initiator(call)),
        owner: Some(owner(call)),
        storage_class: Some("STANDARD".to_string()),
        checksum_algorithm: algorithm.clone(),
        checksum_type: upload.meta.checksum.as_ref().map(|c| c.kind.clone()),
        ..Default::default()
    };
    respond(call, "ListParts", output)
}

fn listed_part(number: u32, part: &crate::state::s3::Part, algorithm: Option<&str>) -> Part {
    let stored = algorithm
        .zip(part.checksum.as_ref())
        .map(|(a, v)| StoredChecksum {
            algorithm: a.to_string(),
            value: v.clone(),
            kind: String::new(),
        });
    let fields = checksum::fields(stored.as_ref());
    Part {
        part_number: Some(number as i32),
        last_modified: Some(timestamp(part.modified_ms)),
        e_tag: Some(part.etag.clone()),
        size: Some(part.body.len() as i64),
        checksum_crc32: fields.crc32,
        checksum_crc32_c: fields.crc32c,
        checksum_crc64_nvme: fields.crc64nvme,
        checksum_sha1: fields.sha1,
        checksum_sha256: fields.sha256,
        ..Default::default()
    }
}

/// ListMultipartUploads: the bucket's uploads in progress by key, then initiation time, with
/// prefix, delimiter (common prefixes), key / upload-id markers and max-uploads.
pub fn list_uploads(call: &Call) -> Result<Response, ApiError> {
    let req = call.req;
    let prefix = req.query_param("prefix").unwrap_or("");
    let delimiter = req.query_param("delimiter").filter(|d| !d.is_empty());
    let key_marker = req.query_param("key-marker").unwrap_or("");
    let id_marker = req
        .query_param("upload-id-marker")
        .filter(|_| !key_marker.is_empty());
    let max_uploads = match req.query_param("max-uploads") {
        Some(text) => text.parse::<usize>().map_err(|_| {
            invalid_argument("Provided max-uploads not an integer or within integer range")
                .with_field("ArgumentName", "max-uploads")
                .with_field("ArgumentValue", text)
        })?,
        None => 1000,
    }
    .min(1000);
    let store = call.state.s3();
    let bucket = store
        .bucket(call.account(), call.bucket())
        .ok_or_else(|| no_such_bucket(call.bucket()))?;
    let mut all: Vec<(&String, &Upload)> = bucket
        .uploads
        .iter()
        .filter(|(_, u)| u.key.starts_with(prefix))
        .collect();
    all.sort_by(|a, b| {
        (&a.1.key, a.1.meta.last_modified_ms, a.0).cmp(&(&b.1.key, b.1.meta.last_modified_ms, b.0))
    });
    let after_marker = |id: &str, upload: &Upload| match id_marker {
        _ if key_marker.is_empty() => true,
        Some(marker) if upload.key == key_marker => id > marker,
        _ => upload.key.as_str() > key_marker,
    };
    let mut uploads = Vec::new();
    let mut prefixes: Vec<String> = Vec::new();
    let mut truncated = false;
    let mut last: Option<(String, String)> = None;
    for (id, upload) in all.into_iter().filter(|(id, u)| after_marker(id, u)) {
        let folded = delimiter.and_then(|d| {
            let rest = &upload.key[prefix.len()..];
            rest.find(d)
                .map(|at| format!("{prefix}{}", &rest[..at + d.len()]))
        });
        if let Some(common) = &folded {
            if prefixes.last() == Some(common) || key_marker.starts_with(common.as_str()) {
                continue;
            }
        }
        if uploads.len() + prefixes.len() == max_uploads {
            truncated = true;
            break;
        }
        match folded {
            Some(common) => {
                last = Some((common.clone(), String::new()));
                prefixes.push(common);
            }
            None => {
                last = Some((upload.key.clone(), id.clone()));
                uploads.push(listed_upload(call, id, upload));
            }
        }
    }
    let (next_key, next_id) = last.filter(|_| truncated).unzip();
    let output = ListMultipartUploadsOutput {
        bucket: Some(call.bucket().to_string()),
        key_marker: Some(key_marker.to_string()),
        upload_id_marker: Some(id_marker.unwrap_or("").to_string()),
        next_key_marker: next_key,
        next_upload_id_marker: next_id,
        prefix: Some(prefix.to_string()),
        delimiter: delimiter.map(str::to_string),
        max_uploads: Some(max_uploads as i32),
        is_truncated: Some(truncated),
        uploads: (!uploads.is_empty()).then_some(uploads),
        common_prefixes: (!prefixes.is_empty()).then(|| {
            prefixes
                .into_iter()
                .map(|p| CommonPrefix { prefix: Some(p) })
                .collect()
        }),
        ..Default::default()
    };
    respond(call, "ListMultipartUploads", output)
}

fn listed_upload(call: &Call, id: &str, upload: &Upload) -> MultipartUpload {
    MultipartUpload {
        upload_id: Some(id.to_string()),
        key: Some(upload.key.clone()),
        initiated: Some(timestamp(upload.meta.last_modified_ms)),
        storage_class: Some("STANDARD".to_string()),
        owner: Some(owner(call)),
        initiator: Some(initiator(call)),
        checksum_algorithm: upload.meta.checksum.as_ref().map(|c| c.algorithm.clone()),
        checksum_type: upload.meta.checksum.as_ref().map(|c| c.kind.clone()),
        ..Default::default()
    }
}

/// The inclusive byte range of part `partNumber` of an object (GET / HEAD `?partNumber=`): an
/// object written in one piece has the single part 1.
pub fn requested_part(
    req: &Request,
    meta: &ObjectMeta,
    total: usize,
) -> Result<Option<(usize, usize)>, ApiError> {
    let Some(text) = req.query_param("partNumber") else {
        return Ok(None);
    };
    let number: usize = text
        .parse()
        .ok()
        .filter(|n| (1..=10_000).contains(n))
        .ok_or_else(|| {
            invalid_argument("Part number must be an integer between 1 and 10000, inclusive")
                .with_field("ArgumentName", "partNumber")
                .with_field("ArgumentValue", text)
        })?;
    let sizes: Vec<u64> = if meta.part_sizes.is_empty() {
        vec![u64::MAX]
    } else {
        meta.part_sizes.clone()
    };
    if number > sizes.len() {
        return Err(ApiError::new(
            416,
            "InvalidPartNumber",
            "The requested partnumber is not satisfiable",
        )
        .with_field("PartNumberRequested", text)
        .with_field("ActualPartCount", sizes.len().to_string()));
    }
    if meta.part_sizes.is_empty() {
        // The one part is the whole object, answered as a range (206, `Content-Range`).
        return Ok(total.checked_sub(1).map(|last| (0, last)));
    }
    let start: u64 = sizes[..number - 1].iter().sum();
    let size = sizes[number - 1];
    if size == 0 {
        return Ok(None);
    }
    Ok(Some((start as usize, (start + size - 1) as usize)))
}

/// `x-amz-mp-parts-count` on a GET / HEAD that names a part of a multipart object.
pub fn parts_headers(req: &Request, meta: &ObjectMeta) -> Vec<(String, String)> {
    if !req.has_query("partNumber") || meta.part_sizes.is_empty() {
        return Vec::new();
    }
    vec![(
        "x-amz-mp-parts-count".to_string(),
        meta.part_sizes.len().to_string(),
    )]
}
