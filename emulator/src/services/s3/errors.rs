//! S3's error codes, as SDKs map them to typed exceptions.
use crate::error::ApiError;

pub fn no_such_bucket(bucket: &str) -> ApiError {
    ApiError::new(404, "NoSuchBucket", "The specified bucket does not exist")
        .with_field("BucketName", bucket)
}

pub fn no_such_key(key: &str) -> ApiError {
    ApiError::new(404, "NoSuchKey", "The specified key does not exist.").with_field("Key", key)
}

pub fn no_such_upload(upload_id: &str) -> ApiError {
    ApiError::new(
        404,
        "NoSuchUpload",
        "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
    )
    .with_field("UploadId", upload_id)
}

pub fn malformed_xml(detail: &str) -> ApiError {
    ApiError::new(
        400,
        "MalformedXML",
        format!("The XML you provided was not well-formed or did not validate against our published schema: {detail}"),
    )
}

pub fn invalid_argument(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidArgument", message)
}

pub fn bad_digest(what: &str) -> ApiError {
    ApiError::new(
        400,
        "BadDigest",
        format!("The {what} you specified did not match the calculated checksum."),
    )
}
