//! Which S3 operation a request is: bucket and key from the host (virtual-hosted `bucket.localhost`
//! or `bucket.s3.<region>.amazonaws.com`) or path, then method and
//! subresource query parameters.
use hyper::Method;
use percent_encoding::percent_decode_str;

use crate::http::Request;

/// The S3 operations this emulator knows, and the name of any other one it was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    ListBuckets,
    CreateBucket,
    HeadBucket,
    DeleteBucket,
    GetBucketLocation,
    /// Also the legacy GetBucketNotification, the same request.
    GetBucketNotificationConfiguration,
    /// Also the legacy PutBucketNotification, the same request.
    PutBucketNotificationConfiguration,
    ListObjects,
    ListObjectsV2,
    DeleteObjects,
    PutObject,
    CopyObject,
    GetObject,
    HeadObject,
    DeleteObject,
    CreateMultipartUpload,
    UploadPart,
    CompleteMultipartUpload,
    AbortMultipartUpload,
    ListParts,
    UploadPartCopy,
    ListMultipartUploads,
    /// A browser-form upload (POST to the bucket, `multipart/form-data`).
    PostObject,
    /// A stored bucket configuration (`config.rs`).
    Config(super::config::Request),
    GetBucketAcl,
    PutBucketAcl,
    GetObjectAcl,
    PutObjectAcl,
    GetObjectTagging,
    PutObjectTagging,
    DeleteObjectTagging,
    RestoreObject,
    ListObjectVersions,
    /// Recognised but not implemented; the name is the S3 operation's.
    Unsupported(String),
}

/// The bucket and key a request addresses (either may be empty).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Address {
    pub bucket: String,
    pub key: String,
}

/// Query parameters that do not name a subresource.
const PLAIN_PARAMS: &[&str] = &[
    "prefix",
    "delimiter",
    "max-keys",
    "marker",
    "continuation-token",
    "start-after",
    "encoding-type",
    "fetch-owner",
    "list-type",
    "partNumber",
    "uploadId",
    "versionId",
    "max-parts",
    "part-number-marker",
    "key-marker",
    "upload-id-marker",
    "max-uploads",
    "x-id",
    "id",
    "key-marker",
    "version-id-marker",
    "max-buckets",
    "bucket-region",
    "AWSAccessKeyId",
    "Signature",
    "Expires",
];

/// Bucket from a virtual host (`bucket.localhost`), else from the first path segment.
pub fn address(req: &Request) -> Address {
    let path = req.path.strip_prefix('/').unwrap_or(&req.path);
    if let Some(bucket) = req.header("host").and_then(virtual_host_bucket) {
        return Address {
            bucket,
            key: decode(path),
        };
    }
    let (bucket, key) = path.split_once('/').unwrap_or((path, ""));
    Address {
        bucket: decode(bucket),
        key: decode(key),
    }
}

fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

/// `my-bucket.localhost:4566`, `my-bucket.s3.localhost` and the real S3 names
/// (`my-bucket.s3.amazonaws.com`, `my-bucket.s3.eu-west-1.amazonaws.com`, dual-stack, FIPS)
/// name `my-bucket`.
fn virtual_host_bucket(host: &str) -> Option<String> {
    if let Some(aws) = crate::hostname::parse(host) {
        return aws.bucket.filter(|_| aws.service == "s3");
    }
    let name = crate::hostname::without_port(host);
    let prefix = name.strip_suffix(".localhost")?;
    let prefix = prefix.strip_suffix(".s3").unwrap_or(prefix);
    (!prefix.is_empty() && prefix != "s3").then(|| prefix.to_string())
}

/// The first query parameter that names a subresource (`acl`, `uploads`, `tagging`, ...).
fn subresource(req: &Request) -> Option<&str> {
    req.query.iter().map(|(k, _)| k.as_str()).find(|k| {
        !PLAIN_PARAMS.contains(k) && !k.starts_with("X-Amz-") && !k.starts_with("response-")
    })
}

/// The operation a request asks for.
pub fn operation(req: &Request, addr: &Address) -> Operation {
    if addr.bucket.is_empty() {
        return match req.method {
            Method::GET => Operation::ListBuckets,
            _ => unsupported(&req.method, "Service", None),
        };
    }
    if addr.key.is_empty() {
        bucket_operation(req)
    } else {
        object_operation(req)
    }
}

fn bucket_operation(req: &Request) -> Operation {
    let sub = subresource(req);
    if let Some(op) = stored_data_operation(req, sub, true) {
        return op;
    }
    match (&req.method, sub) {
        (&Method::GET, None) if req.query_param("list-type") == Some("2") => {
            Operation::ListObjectsV2
        }
        (&Method::GET, None) => Operation::ListObjects,
        (&Method::GET, Some("location")) => Operation::GetBucketLocation,
        (&Method::GET, Some("notification")) => Operation::GetBucketNotificationConfiguration,
        (&Method::PUT, Some("notification")) => Operation::PutBucketNotificationConfiguration,
        (&Method::PUT, None) => Operation::CreateBucket,
        (&Method::HEAD, None) => Operation::HeadBucket,
        (&Method::DELETE, None) => Operation::DeleteBucket,
        (&Method::POST, Some("delete")) => Operation::DeleteObjects,
        (&Method::POST, None) if is_form_upload(req) => Operation::PostObject,
        (&Method::GET, Some("uploads")) => Operation::ListMultipartUploads,
        (method, sub) => unsupported(method, "Bucket", sub),
    }
}

fn object_operation(req: &Request) -> Operation {
    let sub = subresource(req);
    if let Some(op) = stored_data_operation(req, sub, false) {
        return op;
    }
    let upload = req.has_query("uploadId");
    let copy = req.header("x-amz-copy-source").is_some();
    match (&req.method, sub) {
        (&Method::PUT, None) if upload && copy => Operation::UploadPartCopy,
        (&Method::PUT, None) if upload => Operation::UploadPart,
        (&Method::PUT, None) if copy => Operation::CopyObject,
        (&Method::PUT, None) => Operation::PutObject,
        (&Method::GET, None) if upload => Operation::ListParts,
        (&Method::GET, None) => Operation::GetObject,
        (&Method::HEAD, None) => Operation::HeadObject,
        (&Method::DELETE, None) if upload => Operation::AbortMultipartUpload,
        (&Method::DELETE, None) => Operation::DeleteObject,
        (&Method::POST, Some("uploads")) => Operation::CreateMultipartUpload,
        (&Method::POST, None) if upload => Operation::CompleteMultipartUpload,
        (method, sub) => unsupported(method, "Object", sub),
    }
}

fn is_form_upload(req: &Request) -> bool {
    req.header("content-type")
        .is_some_and(|t| t.trim_start().starts_with("multipart/form-data"))
}

/// The operations on data S3 stores without acting on it: configurations, ACLs, tags, restores
/// and the version listing.
fn stored_data_operation(req: &Request, sub: Option<&str>, bucket: bool) -> Option<Operation> {
    let op = match (&req.method, sub, bucket) {
        (&Method::GET, Some("acl"), true) => Operation::GetBucketAcl,
        (&Method::PUT, Some("acl"), true) => Operation::PutBucketAcl,
        (&Method::GET, Some("versions"), true) => Operation::ListObjectVersions,
        (method, sub, true) => {
            Operation::Config(super::config::route(method, sub, req.has_query("id"))?)
        }
        (&Method::GET, Some("acl"), false) => Operation::GetObjectAcl,
        (&Method::PUT, Some("acl"), false) => Operation::PutObjectAcl,
        (&Method::GET, Some("tagging"), false) => Operation::GetObjectTagging,
        (&Method::PUT, Some("tagging"), false) => Operation::PutObjectTagging,
        (&Method::DELETE, Some("tagging"), false) => Operation::DeleteObjectTagging,
        (&Method::POST, Some("restore"), false) => Operation::RestoreObject,
        _ => return None,
    };
    Some(op)
}

/// A plausible S3 operation name for an unimplemented request, e.g. `GetBucketTagging`.
fn unsupported(method: &Method, noun: &str, sub: Option<&str>) -> Operation {
    let verb = match *method {
        Method::GET | Method::HEAD => "Get",
        Method::PUT => "Put",
        Method::DELETE => "Delete",
        Method::POST => "Post",
        _ => "Unknown",
    };
    let sub = sub.map(capitalize).unwrap_or_default();
    Operation::Unsupported(format!("{verb}{noun}{sub}"))
}

fn capitalize(text: &str) -> String {
    text.split('-')
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_virtual_host_buckets() {
        assert_eq!(
            virtual_host_bucket("data.localhost:4566"),
            Some("data".into())
        );
        assert_eq!(
            virtual_host_bucket("data.s3.localhost"),
            Some("data".into())
        );
        assert_eq!(virtual_host_bucket("localhost:4566"), None);
        assert_eq!(virtual_host_bucket("127.0.0.1:4566"), None);
        assert_eq!(
            virtual_host_bucket("data.s3.us-east-1.amazonaws.com"),
            Some("data".to_string())
        );
        assert_eq!(
            virtual_host_bucket("data.s3.amazonaws.com:443"),
            Some("data".to_string())
        );
        assert_eq!(virtual_host_bucket("s3.eu-west-1.amazonaws.com"), None);
        assert_eq!(virtual_host_bucket("sqs.eu-west-1.amazonaws.com"), None);
    }

    #[test]
    fn names_unsupported_operations() {
        assert_eq!(
            unsupported(&Method::GET, "Bucket", Some("tagging")),
            Operation::Unsupported("GetBucketTagging".into())
        );
        assert_eq!(
            unsupported(&Method::PUT, "Bucket", Some("public-access-block")),
            Operation::Unsupported("PutBucketPublicAccessBlock".into())
        );
    }
}
