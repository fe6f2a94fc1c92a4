//! Bucket operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation.
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;

use super::errors::{invalid_argument, malformed_xml, no_such_bucket};
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

/// ListBuckets in name order: `prefix` and `bucket-region` filter, `max-buckets` (1 to 10000)
/// pages, `continuation-token` (the last name listed, base64) resumes.
pub fn list(call: &Call) -> Result<Response, ApiError> {
    let prefix = call.req.query_param("prefix").unwrap_or("");
    let region = call.req.query_param("bucket-region");
    let max = match call.req.query_param("max-buckets") {
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=10000).contains(&n) => Some(n),
            _ => {
                return Err(invalid_argument(
                    "Argument max-buckets must be an integer between 1 and 10000",
                )
                .with_field("ArgumentName", "max-buckets")
                .with_field("ArgumentValue", text))
            }
        },
        None => None,
    };
    let token = call.req.query_param("continuation-token");
    let after = match token {
        Some(token) => Some(decode_token(token)?),
        None => None,
    };
    let store = call.state.s3();
    let buckets = store.accounts.get(call.account()).into_iter().flatten();
    let mut listed: Vec<s3::Bucket> = buckets
        .filter(|(name, _)| name.starts_with(prefix))
        .filter(|(name, _)| after.as_ref().is_none_or(|a| name.as_str() > a.as_str()))
        .filter(|(_, bucket)| region.is_none_or(|r| bucket.region == r))
        .map(|(name, bucket)| s3::Bucket {
            name: Some(name.clone()),
            creation_date: Some(timestamp(bucket.created_ms)),
            bucket_region: Some(bucket.region.clone()),
            bucket_arn: Some(format!("arn:aws:s3:::{name}")),
        })
        .collect();
    let truncated = max.is_some_and(|n| listed.len() > n);
    if let Some(n) = max {
        listed.truncate(n);
    }
    let next = listed
        .last()
        .and_then(|b| b.name.as_deref())
        .filter(|_| truncated)
        .map(|name| BASE64.encode(name));
    let output = ListBucketsOutput {
        buckets: Some(listed),
        owner: Some(Owner {
            id: Some(call.account().to_string()),
            display_name: Some("awsredirect".to_string()),
        }),
        continuation_token: next,
        prefix: call.req.query_param("prefix").map(str::to_string),
    };
    respond(call, "ListBuckets", output)
}

fn decode_token(token: &str) -> Result<String, ApiError> {
    BASE64
        .decode(token)
        .ok()
        .and_then(|raw| String::from_utf8(raw).ok())
        .ok_or_else(|| invalid_argument("The continuation token provided is incorrect"))
}

const US_EAST_1: &str = "us-east-1";

/// The region a CreateBucket puts the bucket in, by AWS's rules: the us-east-1 endpoint takes any
/// location constraint but an explicit `us-east-1`; a regional endpoint takes only its own region,
/// and needs it stated.
fn bucket_region(endpoint: &str, constraint: Option<String>) -> Result<String, ApiError> {
    let illegal = |what: &str| {
        ApiError::new(
            400,
            "IllegalLocationConstraintException",
            format!("The {what} location constraint is incompatible for the region specific endpoint this request was sent to."),
        )
    };
    match constraint {
        Some(c) if c == US_EAST_1 && endpoint == US_EAST_1 => Err(ApiError::new(
            400,
            "InvalidLocationConstraint",
            "The specified location-constraint is not valid",
        )),
        Some(c) if endpoint == US_EAST_1 || c == endpoint => Ok(c),
        Some(c) => Err(illegal(&c)),
        None if endpoint == US_EAST_1 => Ok(US_EAST_1.to_string()),
        None => Err(illegal("unspecified")),
    }
}

pub fn create(call: &Call) -> Result<Response, ApiError> {
    validate_name(call.bucket())?;
    let region = bucket_region(&call.ctx.region, location_constraint(&call.req.body)?)?;
    check_namespace(
        call.bucket(),
        call.req.header("x-amz-bucket-namespace"),
        call.account(),
        &region,
    )?;
    call.state.commit_s3(|store| {
        match store.owner_of(call.bucket()) {
            // us-east-1 answers a repeated create of a us-east-1 bucket with success and changes
            // nothing (S3 API reference, error BucketAlreadyOwnedByYou).
            Some(owner)
                if owner == call.account()
                    && region == US_EAST_1
                    && store
                        .bucket(owner, call.bucket())
                        .is_some_and(|b| b.region == US_EAST_1) =>
            {
                return Ok((Vec::new(), false));
            }
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
        Ok((vec![Entry::new(record)], true))
    })?;
    let output = CreateBucketOutput {
        location: Some(format!("/{}", call.bucket())),
        bucket_arn: Some(format!("arn:aws:s3:::{}", call.bucket())),
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

/// The `x-amz-bucket-namespace` rules of CreateBucket (S3 user guide, "Namespaces for general
/// purpose buckets"): a bucket in the account-regional namespace is named
/// `<prefix>-<account id>-<region>-an` for the caller's account and the bucket's region, and a
/// name of that form cannot be requested in the global namespace.
fn check_namespace(
    name: &str,
    namespace: Option<&str>,
    account: &str,
    region: &str,
) -> Result<(), ApiError> {
    let suffix = format!("-{account}-{region}-an");
    let own = name.len() > suffix.len() && name.ends_with(&suffix);
    let refuse = |message: String| {
        Err(ApiError::new(400, "InvalidNamespaceHeader", message).with_field("BucketName", name))
    };
    match namespace {
        Some("account-regional") if !own => refuse(format!(
            "The requested bucket name did not include the account-regional namespace suffix, \
             but the provided x-amz-bucket-namespace header value is account-regional. Specify \
             {suffix} as the bucket name suffix to create a bucket in your account-regional \
             namespace, or remove the header."
        )),
        Some("global") if own => refuse(format!(
            "The requested bucket name ends with the account-regional namespace suffix {suffix}, \
             but the provided x-amz-bucket-namespace header value is global. Specify \
             account-regional as the header value, or choose another bucket name."
        )),
        _ => Ok(()),
    }
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
        if !bucket.is_empty() {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_constraints_follow_the_endpoint() {
        let code = |endpoint: &str, constraint: Option<&str>| {
            bucket_region(endpoint, constraint.map(str::to_string)).map_err(|e| e.code)
        };
        assert_eq!(code("us-east-1", None), Ok("us-east-1".to_string()));
        assert_eq!(
            code("us-east-1", Some("eu-west-1")),
            Ok("eu-west-1".to_string())
        );
        assert_eq!(
            code("eu-west-1", Some("eu-west-1")),
            Ok("eu-west-1".to_string())
        );
        assert_eq!(
            code("us-east-1", Some("us-east-1")),
            Err("InvalidLocationConstraint".to_string())
        );
        assert_eq!(
            code("us-west-2", Some("us-east-2")),
            Err("IllegalLocationConstraintException".to_string())
        );
        assert_eq!(
            code("eu-west-1", None),
            Err("IllegalLocationConstraintException".to_string())
        );
    }

    #[test]
    fn account_regional_names_carry_the_callers_suffix() {
        let code = |name: &str, namespace: Option<&str>| {
            check_namespace(name, namespace, "123456789012", "us-west-2").map_err(|e| e.code)
        };
        let own = "logs-123456789012-us-west-2-an";
        assert_eq!(code(own, Some("account-regional")), Ok(()));
        assert_eq!(code(own, None), Ok(()));
        let refused = Err("InvalidNamespaceHeader".to_string());
        assert_eq!(code(own, Some("global")), refused);
        assert_eq!(code("logs-wrong-suffix", Some("account-regional")), refused);
        assert_eq!(
            code("logs-210987654321-us-west-2-an", Some("account-regional")),
            refused
        );
        assert_eq!(
            code("logs-123456789012-eu-west-1-an", Some("account-regional")),
            refused
        );
        assert_eq!(
            code("-123456789012-us-west-2-an", Some("account-regional")),
            refused
        );
        assert_eq!(code("plain-name", None), Ok(()));
    }
}
