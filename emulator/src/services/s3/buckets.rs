//! Bucket operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation.
use super::errors::{malformed_xml, no_such_bucket};
use super::{respond, timestamp, Call};
use crate::error::ApiError;
use crate::generated::s3::{
    self, errors, CreateBucketOutput, GetBucketLocationOutput, HeadBucketOutput, ListBucketsOutput,
    Owner,
};
use crate::http::Response;
use crate::model::Empty;
use crate::protocols::xml;
use crate::state::record::{Entry, Record};
use crate::timefmt::now_millis;

pub fn list(call: &Call) -> Result<Response, ApiError> {
    let store = call.state.s3();
    let buckets = store.accounts.get(call.account()).into_iter().flatten();
    let output = ListBucketsOutput {
        buckets: Some(
            buckets
                .map(|(name, bucket)| s3::Bucket {
                    name: Some(name.clone()),
                    creation_date: Some(timestamp(bucket.created_ms)),
                    bucket_region: Some(bucket.region.clone()),
                    ..Default::default()
                })
                .collect(),
        ),
        owner: Some(Owner {
            id: Some(call.account().to_string()),
            display_name: Some("awsredirect".to_string()),
        }),
        ..Default::default()
    };
    respond(call, "ListBuckets", output)
}

pub fn create(call: &Call) -> Result<Response, ApiError> {
    validate_name(call.bucket())?;
    let region = location_constraint(&call.req.body)?.unwrap_or_else(|| call.ctx.region.clone());
    call.state.commit_s3(|store| {
        match store.owner_of(call.bucket()) {
            Some(owner) if owner == call.account() => {
                return Err(errors::BUCKET_ALREADY_OWNED_BY_YOU
                    .with("Your previous request to create the named bucket succeeded and you already own it.")
                    .with_field("BucketName", call.bucket()));
            }
            Some(_) => {
                return Err(errors::BUCKET_ALREADY_EXISTS
                    .with("The requested bucket name is not available.")
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
    let output = CreateBucketOutput {
        location: Some(format!("/{}", call.bucket())),
        ..Default::default()
    };
    respond(call, "CreateBucket", output)
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
    let output = HeadBucketOutput {
        bucket_region: Some(bucket.region.clone()),
        ..Default::default()
    };
    respond(call, "HeadBucket", output)
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
    respond(call, "DeleteBucket", Empty {})
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
    let output = GetBucketLocationOutput {
        location_constraint: Some(region.to_string()),
    };
    respond(call, "GetBucketLocation", output)
}
