//! Browser-form uploads (POST Object, what `generate_presigned_post` prepares): a
//! `multipart/form-data` POST to the bucket whose fields name the key, content type, metadata
//! and the base64 policy, followed by the file. Follows the S3 API reference ("POST Object",
//! "Creating a POST policy"): the policy's expiration and conditions are checked (the signature
//! is not), the object is stored as PutObject stores it, and the answer is a 303 to
//! `success_action_redirect`, or `success_action_status` (200, 201 with a `PostResponse`
//! document, or the default 204).
use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use bytes::Bytes;
use serde_json::Value;

use super::body::{etag, STORED_HEADERS};
use super::errors::invalid_argument;
use super::notifications::{notify, ObjectEvent};
use super::{require_bucket, Call, XMLNS};
use crate::error::ApiError;
use crate::http::{Response, ResponseBuilder};
use crate::state::record::{Entry, Record};
use crate::state::s3::ObjectMeta;
use crate::timefmt::now_millis;

/// A parsed form: fields by lower-case name, and the file's bytes.
pub struct Form {
    pub fields: BTreeMap<String, String>,
    pub file: Bytes,
    pub filename: Option<String>,
}

pub fn post_object(call: &Call) -> Result<Response, ApiError> {
    let boundary = call
        .req
        .header("content-type")
        .and_then(boundary_of)
        .ok_or_else(|| malformed_post("no multipart boundary"))?;
    let form = parse_form(&call.req.body, &boundary)?;
    let key = form_key(&form)?;
    check_policy(&form, &key, now_millis())?;
    let meta = form_meta(&form);
    let tag = meta.etag.clone();
    let size = form.file.len();
    call.state.commit_s3(|store| {
        require_bucket(store, call)?;
        let record = Record::ObjectPut {
            account: call.account().to_string(),
            bucket: call.bucket().to_string(),
            key: key.clone(),
            meta,
        };
        Ok((vec![Entry::with_payload(record, form.file.clone())], ()))
    })?;
    let object = ObjectEvent {
        key: &key,
        size: Some(size),
        etag: Some(&tag),
    };
    notify(call, "ObjectCreated:Post", &[object]);
    Ok(answer(call, &form, &key, &tag))
}

fn malformed_post(detail: &str) -> ApiError {
    ApiError::new(
        400,
        "MalformedPOSTRequest",
        format!("The body of your POST request is not well-formed multipart/form-data. ({detail})"),
    )
}

fn boundary_of(content_type: &str) -> Option<String> {
    content_type.split(';').find_map(|p| {
        let (name, value) = p.split_once('=')?;
        (name.trim().eq_ignore_ascii_case("boundary"))
            .then(|| value.trim().trim_matches('"').to_string())
    })
}

/// Splits a `multipart/form-data` body into its fields and its file part.
pub fn parse_form(body: &[u8], boundary: &str) -> Result<Form, ApiError> {
    let delimiter = format!("--{boundary}").into_bytes();
    let mut fields = BTreeMap::new();
    let mut file = None;
    let mut filename = None;
    let mut pos = find(body, &delimiter, 0).ok_or_else(|| malformed_post("no boundary"))?;
    loop {
        pos += delimiter.len();
        if body[pos..].starts_with(b"--") {
            break;
        }
        let head_start = pos + 2;
        let head_end = find(body, b"\r\n\r\n", head_start)
            .ok_or_else(|| malformed_post("part without headers"))?;
        let head = String::from_utf8_lossy(&body[head_start..head_end]).into_owned();
        let data_start = head_end + 4;
        let mut closing = b"\r\n".to_vec();
        closing.extend_from_slice(&delimiter);
        let data_end =
            find(body, &closing, data_start).ok_or_else(|| malformed_post("unterminated part"))?;
        let data = &body[data_start..data_end];
        let (name, part_filename) = disposition(&head);
        let name = name.ok_or_else(|| malformed_post("part without a name"))?;
        if name.eq_ignore_ascii_case("file") || part_filename.is_some() {
            file = Some(Bytes::copy_from_slice(data));
            filename = part_filename;
        } else {
            let value = String::from_utf8_lossy(data).into_owned();
            fields.insert(name.to_ascii_lowercase(), value);
        }
        pos = data_end + 2;
    }
    Ok(Form {
        fields,
        file: file.ok_or_else(|| {
            invalid_argument("POST requires exactly one file upload per request.")
                .with_field("ArgumentName", "file")
                .with_field("ArgumentValue", "0")
        })?,
        filename,
    })
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from > haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|at| at + from)
}

/// `name` and `filename` of a part's `Content-Disposition: form-data; name="…"; filename="…"`.
fn disposition(head: &str) -> (Option<String>, Option<String>) {
    let line = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))
        .unwrap_or("");
    let mut name = None;
    let mut filename = None;
    for param in line.split(';').skip(1) {
        if let Some((k, v)) = param.split_once('=') {
            let v = v.trim().trim_matches('"').to_string();
            match k.trim().to_ascii_lowercase().as_str() {
                "name" => name = Some(v),
                "filename" => filename = Some(v),
                _ => {}
            }
        }
    }
    (name, filename)
}

/// The `key` field, `${filename}` replaced by the uploaded file's name.
fn form_key(form: &Form) -> Result<String, ApiError> {
    let key = form.fields.get("key").ok_or_else(|| {
        invalid_argument("Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.")
            .with_field("ArgumentName", "key")
            .with_field("ArgumentValue", "")
    })?;
    let filename = form.filename.as_deref().unwrap_or("");
    Ok(key.replace("${filename}", filename))
}

/// The stored metadata of a form upload: its ETag, content type, `x-amz-meta-*` fields and
/// the representation / encryption fields PutObject keeps as headers.
fn form_meta(form: &Form) -> ObjectMeta {
    let metadata = form
        .fields
        .iter()
        .filter_map(|(n, v)| Some((n.strip_prefix("x-amz-meta-")?.to_string(), v.clone())))
        .collect();
    let headers = STORED_HEADERS
        .iter()
        .filter_map(|n| Some((n.to_string(), form.fields.get(*n)?.clone())))
        .collect();
    ObjectMeta {
        etag: etag(&form.file),
        last_modified_ms: now_millis(),
        content_type: Some(
            form.fields
                .get("content-type")
                .cloned()
                .unwrap_or_else(|| "binary/octet-stream".to_string()),
        ),
        metadata,
        headers,
        ..ObjectMeta::default()
    }
}

fn policy_failed(detail: String) -> ApiError {
    ApiError::new(
        403,
        "AccessDenied",
        format!("Invalid according to Policy: {detail}"),
    )
}

/// Checks the base64 JSON `policy` field, if any: not expired, every condition met.
pub fn check_policy(form: &Form, key: &str, now_ms: i64) -> Result<(), ApiError> {
    let Some(encoded) = form.fields.get("policy") else {
        return Ok(());
    };
    let policy: Value = BASE64
        .decode(encoded.trim())
        .ok()
        .and_then(|raw| serde_json::from_slice(&raw).ok())
        .ok_or_else(|| invalid_argument("Invalid Policy: Invalid JSON."))?;
    if let Some(expiration) = policy.get("expiration").and_then(Value::as_str) {
        let expires = parse_expiration(expiration).unwrap_or(i64::MAX);
        if now_ms > expires {
            return Err(policy_failed("Policy expired.".to_string()));
        }
    }
    let empty = Vec::new();
    let conditions = policy
        .get("conditions")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    for condition in conditions {
        check_condition(condition, form, key)?;
    }
    Ok(())
}

/// `2024-01-02T03:04:05(.000)Z` as milliseconds since the epoch.
fn parse_expiration(text: &str) -> Option<i64> {
    let whole_seconds = text.trim().split('.').next()?.trim_end_matches('Z');
    let compact: String = whole_seconds
        .chars()
        .filter(|c| *c != '-' && *c != ':')
        .collect();
    super::presigned::parse_amz_date(&format!("{compact}Z"))
}

fn field_value<'a>(form: &'a Form, key: &'a str, name: &str) -> &'a str {
    let name = name.trim_start_matches('$').to_ascii_lowercase();
    if name == "key" {
        return key;
    }
    form.fields.get(&name).map_or("", String::as_str)
}

fn check_condition(condition: &Value, form: &Form, key: &str) -> Result<(), ApiError> {
    let failed = |what: &str| {
        policy_failed(format!(
            "Policy Condition failed: {}",
            serde_json::to_string(condition).unwrap_or_default()
        ))
        .with_field("Condition", what.to_string())
    };
    if let Some(object) = condition.as_object() {
        for (name, wanted) in object {
            if name.eq_ignore_ascii_case("bucket") {
                continue;
            }
            if Some(field_value(form, key, name)) != wanted.as_str() {
                return Err(failed("eq"));
            }
        }
        return Ok(());
    }
    let Some(items) = condition.as_array() else {
        return Ok(());
    };
    let op = items.first().and_then(Value::as_str).unwrap_or("");
    match op.to_ascii_lowercase().as_str() {
        "content-length-range" => {
            let bound = |i: usize| items.get(i).and_then(Value::as_u64).unwrap_or(0);
            let size = form.file.len() as u64;
            if size < bound(1) {
                return Err(entity_size("EntityTooSmall", "smaller than the minimum"));
            }
            if size > bound(2) {
                return Err(entity_size("EntityTooLarge", "exceeds the maximum"));
            }
        }
        "eq" | "starts-with" => {
            let name = items.get(1).and_then(Value::as_str).unwrap_or("");
            if name.trim_start_matches('$').eq_ignore_ascii_case("bucket") {
                return Ok(());
            }
            let wanted = items.get(2).and_then(Value::as_str).unwrap_or("");
            let actual = field_value(form, key, name);
            let holds = if op.eq_ignore_ascii_case("eq") {
                actual == wanted
            } else {
                actual.starts_with(wanted)
            };
            if !holds {
                return Err(failed(op));
            }
        }
        _ => {}
    }
    Ok(())
}

fn entity_size(code: &str, what: &str) -> ApiError {
    ApiError::new(
        400,
        code,
        format!("Your proposed upload {what} allowed size"),
    )
}

/// The answer the form asked for: a redirect, or a status (201 with a `PostResponse`).
fn answer(call: &Call, form: &Form, key: &str, tag: &str) -> Response {
    let redirect = form
        .fields
        .get("success_action_redirect")
        .or_else(|| form.fields.get("redirect"))
        .filter(|r| !r.is_empty());
    let base = ResponseBuilder::new(204)
        .header("etag", tag)
        .header("x-amz-request-id", &call.ctx.request_id);
    if let Some(target) = redirect {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("bucket", call.bucket())
            .append_pair("key", key)
            .append_pair("etag", tag)
            .finish();
        let separator = if target.contains('?') { '&' } else { '?' };
        let location = format!("{target}{separator}{query}");
        return ResponseBuilder::new(303)
            .header("location", &location)
            .header("etag", tag)
            .header("x-amz-request-id", &call.ctx.request_id)
            .empty();
    }
    let location = format!("{}/{}/{}", call.ctx.base_url(), call.bucket(), key);
    match form.fields.get("success_action_status").map(String::as_str) {
        Some("200") => ResponseBuilder::new(200)
            .header("etag", tag)
            .header("location", &location)
            .header("x-amz-request-id", &call.ctx.request_id)
            .empty(),
        Some("201") => {
            let doc = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PostResponse xmlns=\"{XMLNS}\"><Location>{}</Location><Bucket>{}</Bucket><Key>{}</Key><ETag>{}</ETag></PostResponse>",
                escape(&location),
                escape(call.bucket()),
                escape(key),
                escape(tag)
            );
            ResponseBuilder::new(201)
                .header("etag", tag)
                .header("location", &location)
                .header("x-amz-request-id", &call.ctx.request_id)
                .header("content-type", "application/xml")
                .body(doc)
        }
        _ => base.header("location", &location).empty(),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form_body() -> Vec<u8> {
        let mut body = Vec::new();
        body.extend_from_slice(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nuploads/${filename}\r\n",
        );
        body.extend_from_slice(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"Content-Type\"\r\n\r\ntext/plain\r\n",
        );
        body.extend_from_slice(b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nline one\r\nline two\r\n--XyZ--\r\n");
        body
    }

    #[test]
    fn parses_form_fields_and_file() {
        let form = parse_form(&form_body(), "XyZ").unwrap();
        assert_eq!(form.fields["content-type"], "text/plain");
        assert_eq!(&form.file[..], b"line one\r\nline two");
        assert_eq!(form_key(&form).unwrap(), "uploads/a.txt");
        assert_eq!(
            boundary_of("multipart/form-data; boundary=XyZ").unwrap(),
            "XyZ"
        );
    }

    #[test]
    fn checks_policy_conditions() {
        let mut form = parse_form(&form_body(), "XyZ").unwrap();
        let policy = |json: &str| BASE64.encode(json);
        form.fields.insert(
            "policy".into(),
            policy(r#"{"expiration":"2999-01-01T00:00:00Z","conditions":[["starts-with","$key","uploads/"],{"Content-Type":"text/plain"},["content-length-range",1,100]]}"#),
        );
        assert!(check_policy(&form, "uploads/a.txt", 0).is_ok());
        form.fields.insert(
            "policy".into(),
            policy(r#"{"expiration":"2999-01-01T00:00:00Z","conditions":[["content-length-range",1,5]]}"#),
        );
        let err = check_policy(&form, "uploads/a.txt", 0).unwrap_err();
        assert_eq!(err.code, "EntityTooLarge");
        form.fields.insert(
            "policy".into(),
            policy(r#"{"expiration":"2000-01-01T00:00:00Z","conditions":[]}"#),
        );
        assert_eq!(
            check_policy(&form, "uploads/a.txt", now_millis())
                .unwrap_err()
                .code,
            "AccessDenied"
        );
    }
}
