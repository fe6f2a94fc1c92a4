//! Tags: the checks AWS applies to bucket and object tag sets, object tags from the
//! `x-amz-tagging` header (PutObject, CreateMultipartUpload, CopyObject) and
//! Put/Get/DeleteObjectTagging. Tags are stored, never enforced.
use serde_json::{json, Value};

use super::config::payload;
use super::errors::no_such_bucket;
use super::{respond, Call};
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::model::Empty;
use crate::state::record::{Entry, Record};
use crate::state::s3::ObjectMeta;

/// S3 API reference (Tagging, PutObjectTagging): at most 50 tags on a bucket, 10 on an object.
pub const BUCKET_TAG_LIMIT: usize = 50;
pub const OBJECT_TAG_LIMIT: usize = 10;

/// The `(key, value)` pairs of a `Tagging` value (`{"TagSet": [{"Key", "Value"}]}`).
pub fn tag_list(value: &Value) -> Vec<(String, String)> {
    let set = value.get("TagSet").and_then(Value::as_array);
    set.into_iter()
        .flatten()
        .map(|tag| {
            let text = |name| tag.get(name).and_then(Value::as_str).unwrap_or("");
            (text("Key").to_string(), text("Value").to_string())
        })
        .collect()
}

/// The `Tagging` value of a tag list.
pub fn tag_set(tags: &[(String, String)]) -> Value {
    let set: Vec<Value> = tags
        .iter()
        .map(|(k, v)| json!({"Key": k, "Value": v}))
        .collect();
    json!({ "TagSet": set })
}

fn invalid_tag(message: &str) -> ApiError {
    ApiError::new(400, "InvalidTag", message)
}

/// Key and value lengths, unique keys, no `aws:` keys and the tag count.
pub fn validate(tags: &[(String, String)], limit: usize) -> Result<(), ApiError> {
    if tags.len() > limit {
        return Err(if limit == OBJECT_TAG_LIMIT {
            ApiError::new(400, "BadRequest", "Object tags cannot be greater than 10")
        } else {
            invalid_tag("Bucket tag count cannot be greater than 50")
        });
    }
    for (i, (key, value)) in tags.iter().enumerate() {
        if key.chars().count() > 128 {
            return Err(invalid_tag(
                "The TagKey you have provided is too long, max 128",
            ));
        }
        if value.chars().count() > 256 {
            return Err(invalid_tag(
                "The TagValue you have provided is too long, max 256",
            ));
        }
        if key.starts_with("aws:") {
            return Err(invalid_tag(
                "System tags cannot be added/updated by requester",
            ));
        }
        if tags[..i].iter().any(|(k, _)| k == key) {
            return Err(invalid_tag(
                "Cannot provide multiple Tags with the same key",
            ));
        }
    }
    Ok(())
}

/// The tags of an `x-amz-tagging` header (URL-encoded `k1=v1&k2=v2`), checked.
pub fn from_header(req: &Request) -> Result<Vec<(String, String)>, ApiError> {
    let Some(header) = req.header("x-amz-tagging") else {
        return Ok(Vec::new());
    };
    let tags: Vec<(String, String)> = form_urlencoded::parse(header.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    validate(&tags, OBJECT_TAG_LIMIT)?;
    Ok(tags)
}

/// The metadata of the addressed object.
pub fn object_meta(call: &Call) -> Result<ObjectMeta, ApiError> {
    let store = call.state.s3();
    let bucket = store
        .bucket(call.account(), call.bucket())
        .ok_or_else(|| no_such_bucket(call.bucket()))?;
    let version = call.req.query_param("versionId");
    let object = super::versions::lookup(bucket, call.key(), version)
        .map_err(|miss| miss.into_error(call.key()))?;
    Ok(object.meta.clone())
}

/// Replaces the addressed object's metadata by `change(meta)`, journaled without the body.
pub fn update_meta(call: &Call, change: impl FnOnce(&mut ObjectMeta)) -> Result<(), ApiError> {
    call.state.commit_s3(|store| {
        let bucket = store
            .bucket(call.account(), call.bucket())
            .ok_or_else(|| no_such_bucket(call.bucket()))?;
        let version = call.req.query_param("versionId");
        let object = super::versions::lookup(bucket, call.key(), version)
            .map_err(|miss| miss.into_error(call.key()))?;
        let mut meta = object.meta.clone();
        change(&mut meta);
        let record = Record::ObjectMetaSet {
            account: call.account().to_string(),
            bucket: call.bucket().to_string(),
            key: call.key().to_string(),
            meta,
        };
        Ok((vec![Entry::new(record)], ()))
    })
}

pub fn put_object_tagging(call: &Call) -> Result<Response, ApiError> {
    let tags = tag_list(&payload(call, "PutObjectTagging")?);
    validate(&tags, OBJECT_TAG_LIMIT)?;
    update_meta(call, |meta| meta.tags = tags)?;
    respond(call, "PutObjectTagging", Empty {})
}

pub fn get_object_tagging(call: &Call) -> Result<Response, ApiError> {
    let meta = object_meta(call)?;
    respond(call, "GetObjectTagging", tag_set(&meta.tags))
}

pub fn delete_object_tagging(call: &Call) -> Result<Response, ApiError> {
    update_meta(call, |meta| meta.tags.clear())?;
    respond(call, "DeleteObjectTagging", Empty {})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn checks_tag_sets() {
        assert!(validate(&tags(&[("a", "1"), ("b", "")]), OBJECT_TAG_LIMIT).is_ok());
        let duplicate = validate(&tags(&[("a", "1"), ("a", "2")]), BUCKET_TAG_LIMIT);
        assert_eq!(duplicate.unwrap_err().code, "InvalidTag");
        let system = validate(&tags(&[("aws:x", "1")]), BUCKET_TAG_LIMIT);
        assert_eq!(system.unwrap_err().code, "InvalidTag");
        let eleven: Vec<(String, String)> =
            (0..11).map(|i| (i.to_string(), String::new())).collect();
        assert!(validate(&eleven, OBJECT_TAG_LIMIT).is_err());
        assert!(validate(&eleven, BUCKET_TAG_LIMIT).is_ok());
        let long_key = "k".repeat(129);
        assert!(validate(&tags(&[(&long_key, "v")]), BUCKET_TAG_LIMIT).is_err());
    }

    #[test]
    fn round_trips_tag_sets() {
        let pairs = tags(&[("b", "2"), ("a", "1")]);
        assert_eq!(tag_list(&tag_set(&pairs)), pairs);
    }
}
