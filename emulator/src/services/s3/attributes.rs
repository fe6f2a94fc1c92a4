//! Object attributes S3 takes from request headers and answers on GET / HEAD: storage class,
//! server-side encryption settings and website redirect location (stored, never acted on),
//! plus tags (`x-amz-tagging`); what a CopyObject keeps or replaces of them; and RestoreObject
//! for archived storage classes.
use serde_json::Value;

use super::config::payload;
use super::errors::invalid_argument;
use super::tagging::{from_header, update_meta};
use super::Call;
use crate::error::ApiError;
use crate::generated::s3::MODEL;
use crate::http::{Request, Response, ResponseBuilder};
use crate::state::s3::ObjectMeta;
use crate::timefmt::{http_date, now_millis};

/// Headers stored with an object and answered as sent (S3 API reference, PutObject / GetObject).
pub const AMZ_HEADERS: [&str; 8] = [
    "x-amz-storage-class",
    "x-amz-website-redirect-location",
    "x-amz-server-side-encryption",
    "x-amz-server-side-encryption-aws-kms-key-id",
    "x-amz-server-side-encryption-bucket-key-enabled",
    "x-amz-server-side-encryption-context",
    "x-amz-server-side-encryption-customer-algorithm",
    "x-amz-server-side-encryption-customer-key-md5",
];

const STORAGE_CLASS: &str = "x-amz-storage-class";
const RESTORE: &str = "x-amz-restore";

/// Storage classes whose objects must be restored before they can be read.
const ARCHIVED: [&str; 2] = ["GLACIER", "DEEP_ARCHIVE"];

/// Adds the stored `x-amz-*` attributes and the tags of a PutObject / CreateMultipartUpload.
pub fn add_from_headers(req: &Request, meta: &mut ObjectMeta) -> Result<(), ApiError> {
    for name in AMZ_HEADERS {
        if let Some(value) = req.header(name) {
            meta.headers.insert(name.to_string(), value.to_string());
        }
    }
    if let Some(class) = meta.headers.get(STORAGE_CLASS) {
        check_storage_class(class)?;
        // GET and HEAD leave out the header for STANDARD objects.
        if class == "STANDARD" {
            meta.headers.remove(STORAGE_CLASS);
        }
    }
    meta.tags = from_header(req)?;
    Ok(())
}

fn check_storage_class(class: &str) -> Result<(), ApiError> {
    let model = MODEL.get();
    let known = model
        .shape("StorageClass")
        .and_then(|s| s.enum_values.as_ref())
        .is_some_and(|values| values.iter().any(|v| v == class));
    if known {
        return Ok(());
    }
    Err(ApiError::new(
        400,
        "InvalidStorageClass",
        "The storage class you specified is not valid",
    )
    .with_field("StorageClassRequested", class))
}

/// A listed object's `ChecksumAlgorithm` and `ChecksumType` (none when it has no checksum).
pub fn listed_checksum(meta: &ObjectMeta) -> (Option<Vec<String>>, Option<String>) {
    match &meta.checksum {
        Some(c) => (Some(vec![c.algorithm.clone()]), Some(c.kind.clone())),
        None => (None, None),
    }
}

/// The storage class of an object (`STANDARD` when none was given).
pub fn storage_class(meta: &ObjectMeta) -> &str {
    meta.headers
        .get(STORAGE_CLASS)
        .map_or("STANDARD", String::as_str)
}

/// The encryption headers S3 repeats in a PutObject, CopyObject or CompleteMultipartUpload
/// answer.
pub fn echo_encryption(meta: &ObjectMeta, mut response: Response) -> Response {
    for name in AMZ_HEADERS
        .iter()
        .filter(|n| n.starts_with("x-amz-server-side-encryption"))
    {
        let value = meta.headers.get(*name).and_then(|v| v.parse().ok());
        if let Some(value) = value {
            response.headers_mut().insert(*name, value);
        }
    }
    response
}

/// Whether a CopyObject request changes attributes, which lets an object be copied onto itself.
pub fn copy_changes_attributes(req: &Request) -> bool {
    AMZ_HEADERS.iter().any(|name| req.header(name).is_some())
}

/// A copy's attributes: storage class, encryption and redirect come from the request (not the
/// source); tags from the source unless `x-amz-tagging-directive: REPLACE`.
pub fn for_copy(req: &Request, source: &ObjectMeta, meta: &mut ObjectMeta) -> Result<(), ApiError> {
    for name in AMZ_HEADERS {
        meta.headers.remove(name);
    }
    meta.headers.remove(RESTORE);
    add_from_headers(req, meta)?;
    match req.header("x-amz-tagging-directive") {
        Some("REPLACE") => {}
        None | Some("COPY") => meta.tags = source.tags.clone(),
        Some(other) => {
            return Err(invalid_argument(format!(
                "Unknown tagging directive: {other}"
            )))
        }
    }
    Ok(())
}

/// GetObject refuses an archived object that has not been restored.
pub fn check_readable(meta: &ObjectMeta) -> Result<(), ApiError> {
    let class = storage_class(meta);
    if ARCHIVED.contains(&class) && !meta.headers.contains_key(RESTORE) {
        return Err(invalid_object_state(class));
    }
    Ok(())
}

fn invalid_object_state(class: &str) -> ApiError {
    ApiError::new(
        403,
        "InvalidObjectState",
        "The operation is not valid for the object's storage class",
    )
    .with_field("StorageClass", class)
}

/// RestoreObject: a temporary copy of an archived object, available at once. 202 the first time,
/// 200 when it only extends the expiry.
pub fn restore(call: &Call) -> Result<Response, ApiError> {
    let days = if call.req.body.iter().all(u8::is_ascii_whitespace) {
        1
    } else {
        let request = payload(call, "RestoreObject")?;
        request.get("Days").and_then(Value::as_i64).unwrap_or(1)
    };
    let meta = super::tagging::object_meta(call)?;
    let class = storage_class(&meta);
    if !ARCHIVED.contains(&class) {
        return Err(invalid_object_state(class));
    }
    let again = meta.headers.contains_key(RESTORE);
    let expiry = now_millis() + days.max(1) * 86_400_000;
    let value = format!(
        "ongoing-request=\"false\", expiry-date=\"{}\"",
        http_date(expiry)
    );
    update_meta(call, |meta| {
        meta.headers.insert(RESTORE.to_string(), value);
    })?;
    Ok(ResponseBuilder::new(if again { 200 } else { 202 })
        .header("x-amz-request-id", &call.ctx.request_id)
        .empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_the_models_storage_classes() {
        assert!(check_storage_class("GLACIER").is_ok());
        assert_eq!(
            check_storage_class("COLD").unwrap_err().code,
            "InvalidStorageClass"
        );
    }

    #[test]
    fn archived_objects_need_a_restore() {
        let mut meta = ObjectMeta::default();
        assert!(check_readable(&meta).is_ok());
        meta.headers
            .insert(STORAGE_CLASS.to_string(), "GLACIER".to_string());
        assert_eq!(check_readable(&meta).unwrap_err().status, 403);
        meta.headers.insert(RESTORE.to_string(), "x".to_string());
        assert!(check_readable(&meta).is_ok());
    }
}
