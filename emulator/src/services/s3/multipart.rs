//! Multipart uploads: CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
//! AbortMultipartUpload and ListParts.
use bytes::BytesMut;

use super::body::{etag, meta_from_headers, multipart_etag, object_bytes};
use super::errors::{invalid_argument, malformed_xml, no_such_bucket, no_such_upload};
use super::notifications::{notify, ObjectEvent};
use super::{require_bucket, respond, timestamp, Call};
use crate::error::ApiError;
use crate::generated::s3::{
    AbortMultipartUploadOutput, CompleteMultipartUploadOutput, CreateMultipartUploadOutput,
    ListPartsOutput, Part, UploadPartOutput,
};
use crate::http::Response;
use crate::protocols::xml;
use crate::state::record::{Entry, Record};
use crate::state::s3::{S3Store, Upload};
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
    let meta = meta_from_headers(call.req)?;
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
        ..Default::default()
    };
    respond(call, "CreateMultipartUpload", output)
}

pub fn upload_part(call: &Call) -> Result<Response, ApiError> {
    let number = call
        .req
        .query_param("partNumber")
        .and_then(|n| n.parse::<u32>().ok())
        .filter(|n| (1..=10_000).contains(n))
        .ok_or_else(|| {
            invalid_argument("Part number must be an integer between 1 and 10000, inclusive")
        })?;
    let data = object_bytes(call.req)?;
    let tag = etag(&data);
    call.state.commit_s3(|store| {
        find_upload(store, call)?;
        let record = Record::PartPut {
            account: call.account().to_string(),
            bucket: call.bucket().to_string(),
            upload_id: upload_id(call).to_string(),
            part_number: number,
            etag: tag.clone(),
            modified_ms: now_millis(),
        };
        Ok((vec![Entry::with_payload(record, data)], ()))
    })?;
    let output = UploadPartOutput {
        e_tag: Some(tag),
        ..Default::default()
    };
    respond(call, "UploadPart", output)
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
        return Err(malformed_xml("CompleteMultipartUpload lists no Part"));
    }
    Ok(parts)
}

pub fn complete(call: &Call) -> Result<Response, ApiError> {
    let wanted = requested_parts(&call.req.body)?;
    let (tag, size) = call.state.commit_s3(|store| {
        let upload = find_upload(store, call)?;
        let (body, tag) = assemble(upload, &wanted)?;
        let size = body.len();
        let mut meta = upload.meta.clone();
        meta.etag = tag.clone();
        meta.last_modified_ms = now_millis();
        let put = Record::ObjectPut {
            account: call.account().to_string(),
            bucket: call.bucket().to_string(),
            key: call.key().to_string(),
            meta,
        };
        let ended = Record::UploadEnded {
            account: call.account().to_string(),
            bucket: call.bucket().to_string(),
            upload_id: upload_id(call).to_string(),
        };
        let entries = vec![Entry::with_payload(put, body), Entry::new(ended)];
        Ok((entries, (tag, size)))
    })?;
    let object = ObjectEvent {
        key: call.key(),
        size: Some(size),
        etag: Some(&tag),
    };
    notify(call, "ObjectCreated:CompleteMultipartUpload", &[object]);
    let location = format!("{}/{}/{}", call.ctx.base_url(), call.bucket(), call.key());
    let output = CompleteMultipartUploadOutput {
        location: Some(location),
        bucket: Some(call.bucket().to_string()),
        key: Some(call.key().to_string()),
        e_tag: Some(tag),
        ..Default::default()
    };
    respond(call, "CompleteMultipartUpload", output)
}

/// Joins the requested parts after checking order, ETags and sizes.
fn assemble(upload: &Upload, wanted: &[(u32, String)]) -> Result<(bytes::Bytes, String), ApiError> {
    if wanted.windows(2).any(|w| w[0].0 >= w[1].0) {
        return Err(ApiError::new(
            400,
            "InvalidPartOrder",
            "The list of parts was not in ascending order. The parts list must be specified in order by part number.",
        ));
    }
    let mut body = BytesMut::new();
    let mut tags = Vec::new();
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
            })?;
        let is_last = index + 1 == wanted.len();
        if !is_last && part.body.len() < MIN_PART_SIZE {
            return Err(ApiError::new(
                400,
                "EntityTooSmall",
                "Your proposed upload is smaller than the minimum allowed object size.",
            ));
        }
        body.extend_from_slice(&part.body);
        tags.push(part.etag.as_str());
    }
    Ok((body.freeze(), multipart_etag(&tags)))
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

pub fn list_parts(call: &Call) -> Result<Response, ApiError> {
    let store = call.state.s3();
    let upload = find_upload(&store, call)?;
    let max_parts = call
        .req
        .query_param("max-parts")
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(1000)
        .min(1000);
    let marker = call
        .req
        .query_param("part-number-marker")
        .and_then(|n| n.parse::<u32>().ok())
        .unwrap_or(0);
    let mut parts = upload.parts.range(marker.saturating_add(1)..);
    let page: Vec<_> = parts.by_ref().take(max_parts).collect();
    let truncated = parts.next().is_some();
    let output = ListPartsOutput {
        bucket: Some(call.bucket().to_string()),
        key: Some(call.key().to_string()),
        upload_id: Some(upload_id(call).to_string()),
        part_number_marker: Some(marker as i32),
        next_part_number_marker: page.last().map(|(last, _)| **last as i32),
        max_parts: Some(max_parts as i32),
        is_truncated: Some(truncated),
        parts: Some(
            page.iter()
                .map(|(number, part)| Part {
                    part_number: Some(**number as i32),
                    last_modified: Some(timestamp(part.modified_ms)),
                    e_tag: Some(part.etag.clone()),
                    size: Some(part.body.len() as i64),
                    ..Default::default()
                })
                .collect(),
        ),
        storage_class: Some("STANDARD".to_string()),
        ..Default::default()
    };
    respond(call, "ListParts", output)
}
