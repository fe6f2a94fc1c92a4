//! Bucket operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation.
use super::errors::{malformed_xml, no_such_bucket};
use super::{Call, XMLNS};
use crate::error::ApiError;
use crate::http::{Response, ResponseBuilder};
use crate::protocols::rest_xml::xml_response;
use crate::protocols::xml::{self, XmlWriter};
use crate::state::record::{Entry, Record};
use crate::timefmt::{iso8601, now_millis};

pub fn list(call: &Call) -> Result<Response, ApiError> {
    let store = call.state.s3();
    let mut w = XmlWriter::new();
    w.open("ListAllMyBucketsResult", Some(XMLNS));
    w.open("Owner", None)
        .elem("ID", call.account())
        .elem("DisplayName", "awsredirect")
        .close("Owner");
    w.open("Buckets", None);
    if let Some(buckets) = store.accounts.get(call.account()) {
        for (name, bucket) in buckets {
            w.open("Bucket", None)
                .elem("Name", name)
                .elem("CreationDate", &iso8601(bucket.created_ms))
                .elem("BucketRegion", &bucket.region)
                .close("Bucket");
        }
    }
    w.close("Buckets").close("ListAllMyBucketsResult");
    Ok(xml_response(w.finish(), &call.ctx.request_id))
}

pub fn create(call: &Call) -> Result<Response, ApiError> {
    validate_name(call.bucket())?;
    let region = location_constraint(&call.req.body)?.unwrap_or_else(|| call.ctx.region.clone());
    call.state.commit_s3(|store| {
        match store.owner_of(call.bucket()) {
            Some(owner) if owner == call.account() => {
                return Err(ApiError::new(
                    409,
                    "BucketAlreadyOwnedByYou",
                    "Your previous request to create the named bucket succeeded and you already own it.",
                )
                .with_field("BucketName", call.bucket()));
            }
            Some(_) => {
                return Err(ApiError::new(
                    409,
                    "BucketAlreadyExists",
                    "The requested bucket name is not available.",
                )
                .with_field("BucketName", call.bucket()));
            }
            None => {}
        }
        let record = Record::BucketCreated {
            account: call.account().to_string(),
            bucket: call.bucket().to_string(),
            region,
            created_ms: now_millis(),
        };
        Ok((vec![Entry::new(record)], ()))
    })?;
    Ok(ResponseBuilder::new(200)
        .header("location", &format!("/{}", call.bucket()))
        .header("x-amz-request-id", &call.ctx.request_id)
        .empty())
}

/// The optional `CreateBucketConfiguration/LocationConstraint` of a CreateBucket body.
fn location_constraint(body: &[u8]) -> Result<Option<String>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let doc = xml::parse(body).map_err(|e| malformed_xml(&e))?;
    if doc.name != "CreateBucketConfiguration" {
        return Err(malformed_xml("expected CreateBucketConfiguration"));
    }
    Ok(doc
        .child_text("LocationConstraint")
        .filter(|r| !r.is_empty())
        .map(str::to_string))
}

/// S3's bucket naming rules (the common subset).
fn validate_name(name: &str) -> Result<(), ApiError> {
    let allowed = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    let ends_ok = name
        .bytes()
        .next()
        .zip(name.bytes().last())
        .is_some_and(|(a, z)| a.is_ascii_alphanumeric() && z.is_ascii_alphanumeric());
    if (3..=63).contains(&name.len()) && allowed && ends_ok && !name.contains("..") {
        return Ok(());
    }
    Err(ApiError::new(
        400,
        "InvalidBucketName",
        "The specified bucket is not valid.",
    )
    .with_field("BucketName", name))
}

pub fn head(call: &Call) -> Result<Response, ApiError> {
    let store = call.state.s3();
    let bucket = store
        .bucket(call.account(), call.bucket())
        .ok_or_else(|| no_such_bucket(call.bucket()))?;
    Ok(ResponseBuilder::new(200)
        .header("x-amz-bucket-region", &bucket.region)
        .header("x-amz-request-id", &call.ctx.request_id)
        .empty())
}

pub fn delete(call: &Call) -> Result<Response, ApiError> {
    call.state.commit_s3(|store| {
        let bucket = store
            .bucket(call.account(), call.bucket())
            .ok_or_else(|| no_such_bucket(call.bucket()))?;
        if !bucket.objects.is_empty() {
            return Err(ApiError::new(
                409,
                "BucketNotEmpty",
                "The bucket you tried to delete is not empty",
            )
            .with_field("BucketName", call.bucket()));
        }
        let record = Record::BucketDeleted {
            account: call.account().to_string(),
            bucket: call.bucket().to_string(),
        };
        Ok((vec![Entry::new(record)], ()))
    })?;
    Ok(ResponseBuilder::new(204)
        .header("x-amz-request-id", &call.ctx.request_id)
        .empty())
}

pub fn location(call: &Call) -> Result<Response, ApiError> {
    let store = call.state.s3();
    let bucket = store
        .bucket(call.account(), call.bucket())
        .ok_or_else(|| no_such_bucket(call.bucket()))?;
    let region = if bucket.region == "us-east-1" {
        ""
    } else {
        bucket.region.as_str()
    };
    let mut w = XmlWriter::new();
    w.open("LocationConstraint", Some(XMLNS));
    let mut body = w.finish();
    body.push_str(&quick_xml::escape::escape(region));
    body.push_str("</LocationConstraint>");
    Ok(xml_response(body, &call.ctx.request_id))
}
