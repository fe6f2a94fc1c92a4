//! S3's error codes, as SDKs map them to typed exceptions (the modeled ones from the model's
//! error shapes).
use crate::error::ApiError;
use crate::generated::s3::errors;

pub fn no_such_bucket(bucket: &str) -> ApiError {
    errors::NO_SUCH_BUCKET
        .with("The specified bucket does not exist")
        .with_field("BucketName", bucket)
}

pub fn no_such_key(key: &str) -> ApiError {
    errors::NO_SUCH_KEY
        .with("The specified key does not exist.")
        .with_field("Key", key)
}

pub fn no_such_upload(upload_id: &str) -> ApiError {
    errors::NO_SUCH_UPLOAD
        .with("The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.")
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

/// `MalformedXML` as S3 words it for a well-formed document that breaks the schema (an empty
/// CompleteMultipartUpload, for one).
pub fn schema_mismatch() -> ApiError {
    ApiError::new(
        400,
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema",
    )
}
