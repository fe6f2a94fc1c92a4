//! ListObjects (v1) and ListObjectsV2: prefix, delimiter with CommonPrefixes, max-keys,
//! markers and continuation tokens, and `encoding-type=url`.
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::errors::{invalid_argument, no_such_bucket};
use super::{respond, timestamp, Call};
use crate::error::ApiError;
use crate::generated::s3::{self, CommonPrefix, ListObjectsOutput, ListObjectsV2Output};
use crate::http::Response;
use crate::state::s3::Bucket;

/// What the `encoding-type=url` encoding leaves alone.
const KEY_SAFE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// One listing request's parameters.
struct Query {
    prefix: String,
    delimiter: Option<String>,
    max_keys: usize,
    /// List strictly after this key or common prefix.
    after: Option<String>,
    url_encode: bool,
    /// Each object's owner, when the listing names owners (ListObjects, or ListObjectsV2 with
    /// `fetch-owner=true`).
    owner: Option<s3::Owner>,
}

/// One listed entry: an object or a common prefix.
enum Item {
    Object(String),
    Prefix(String),
}

/// A page of a listing.
struct Page {
    items: Vec<Item>,
    truncated: bool,
}

impl Item {
    fn name(&self) -> &str {
        match self {
            Item::Object(key) | Item::Prefix(key) => key,
        }
    }
}

/// A listing's `max-keys`: at most 1000, the default.
pub(super) fn max_keys(call: &Call) -> Result<usize, ApiError> {
    match call.req.query_param("max-keys") {
        Some(n) => Ok(n
            .parse::<usize>()
            .map_err(|_| {
                invalid_argument("Provided max-keys not an integer or within integer range")
            })?
            .min(1000)),
        None => Ok(1000),
    }
}

fn query(call: &Call, after: Option<String>, with_owner: bool) -> Result<Query, ApiError> {
    let max_keys = max_keys(call)?;
    Ok(Query {
        prefix: call.req.query_param("prefix").unwrap_or("").to_string(),
        delimiter: call
            .req
            .query_param("delimiter")
            .filter(|d| !d.is_empty())
            .map(str::to_string),
        max_keys,
        after,
        url_encode: call.req.query_param("encoding-type") == Some("url"),
        owner: with_owner.then(|| s3::Owner {
            id: Some(call.account().to_string()),
            display_name: Some("awsredirect".to_string()),
        }),
    })
}

/// Walks the bucket's keys in order, folding keys under a delimiter into common prefixes.
fn page(bucket: &Bucket, q: &Query) -> Page {
    let mut items: Vec<Item> = Vec::new();
    let start = match &q.after {
        Some(after) if after.as_str() > q.prefix.as_str() => after.clone(),
        _ => q.prefix.clone(),
    };
    let range = bucket.objects.range(start..);
    for key in range.map(|(k, _)| k) {
        if !key.starts_with(&q.prefix) {
            if key.as_str() > q.prefix.as_str() && !q.prefix.is_empty() {
                break;
            }
            continue;
        }
        if let Some(after) = &q.after {
            let inside_after_prefix = q
                .delimiter
                .as_ref()
                .is_some_and(|d| after.ends_with(d.as_str()))
                && key.starts_with(after.as_str());
            if key <= after || inside_after_prefix {
                continue;
            }
        }
        let item = match common_prefix(key, q) {
            Some(prefix) => {
                if items.last().is_some_and(|last| last.name() == prefix) {
                    continue;
                }
                Item::Prefix(prefix)
            }
            None => Item::Object(key.clone()),
        };
        if items.len() == q.max_keys {
            // `max-keys=0` asks for an empty page, which S3 answers as complete (no token).
            return Page {
                items,
                truncated: q.max_keys > 0,
            };
        }
        items.push(item);
    }
    Page {
        items,
        truncated: false,
    }
}

fn common_prefix(key: &str, q: &Query) -> Option<String> {
    let delimiter = q.delimiter.as_deref()?;
    let rest = &key[q.prefix.len()..];
    let at = rest.find(delimiter)?;
    Some(format!("{}{}", q.prefix, &rest[..at + delimiter.len()]))
}

fn encode(text: &str, q: &Query) -> String {
    if q.url_encode {
        url_encoded(text)
    } else {
        text.to_string()
    }
}

/// A key or prefix as `encoding-type=url` answers it.
pub fn url_encoded(text: &str) -> String {
    utf8_percent_encode(text, KEY_SAFE).to_string()
}

/// The `Contents` and `CommonPrefixes` of a page.
fn items(bucket: &Bucket, page: &Page, q: &Query) -> (Vec<s3::Object>, Vec<CommonPrefix>) {
    let mut contents = Vec::new();
    let mut prefixes = Vec::new();
    for item in &page.items {
        match item {
            Item::Object(key) => {
                let Some(object) = bucket.objects.get(key) else {
                    continue;
                };
                let (checksum_algorithm, checksum_type) =
                    super::attributes::listed_checksum(&object.meta);
                contents.push(s3::Object {
                    key: Some(encode(key, q)),
                    last_modified: Some(timestamp(object.meta.last_modified_ms)),
                    e_tag: Some(object.meta.etag.clone()),
                    size: Some(object.body.len() as i64),
                    storage_class: Some(super::attributes::storage_class(&object.meta).to_string()),
                    checksum_algorithm,
                    checksum_type,
                    owner: q.owner.clone(),
                    ..Default::default()
                });
            }
            Item::Prefix(prefix) => prefixes.push(CommonPrefix {
                prefix: Some(encode(prefix, q)),
            }),
        }
    }
    (contents, prefixes)
}

pub fn list_v2(call: &Call) -> Result<Response, ApiError> {
    let token = call.req.query_param("continuation-token");
    let after = match token {
        Some(token) => Some(decode_token(token)?),
        None => call
            .req
            .query_param("start-after")
            .filter(|s| !s.is_empty())
            .map(str::to_string),
    };
    let fetch_owner = call.req.query_param("fetch-owner") == Some("true");
    let q = query(call, after, fetch_owner)?;
    let store = call.state.s3();
    let bucket = store
        .bucket(call.account(), call.bucket())
        .ok_or_else(|| no_such_bucket(call.bucket()))?;
    let page = page(bucket, &q);
    let (contents, common_prefixes) = items(bucket, &page, &q);
    let next = page.items.last().filter(|_| page.truncated);
    let output = ListObjectsV2Output {
        is_truncated: Some(page.truncated),
        contents: (!contents.is_empty()).then_some(contents),
        name: Some(call.bucket().to_string()),
        prefix: Some(encode(&q.prefix, &q)),
        delimiter: q.delimiter.as_ref().map(|d| encode(d, &q)),
        max_keys: Some(q.max_keys as i32),
        common_prefixes: (!common_prefixes.is_empty()).then_some(common_prefixes),
        encoding_type: q.url_encode.then(|| "url".to_string()),
        key_count: Some(page.items.len() as i32),
        continuation_token: token.map(str::to_string),
        next_continuation_token: next.map(|last| BASE64.encode(last.name())),
        // A continuation token replaces StartAfter, which is then not echoed.
        start_after: call
            .req
            .query_param("start-after")
            .filter(|_| token.is_none())
            .map(|s| encode(s, &q)),
        ..Default::default()
    };
    respond(call, "ListObjectsV2", output)
}

fn decode_token(token: &str) -> Result<String, ApiError> {
    BASE64
        .decode(token)
        .ok()
        .filter(|raw| !raw.is_empty())
        .and_then(|raw| String::from_utf8(raw).ok())
        .ok_or_else(|| invalid_argument("The continuation token provided is incorrect"))
}

pub fn list_v1(call: &Call) -> Result<Response, ApiError> {
    let marker = call.req.query_param("marker").filter(|m| !m.is_empty());
    let q = query(call, marker.map(str::to_string), true)?;
    let store = call.state.s3();
    let bucket = store
        .bucket(call.account(), call.bucket())
        .ok_or_else(|| no_such_bucket(call.bucket()))?;
    let page = page(bucket, &q);
    let (contents, common_prefixes) = items(bucket, &page, &q);
    // S3 names a NextMarker only when a delimiter was given; otherwise the last key listed is
    // the next marker, as the ListObjects reference says.
    let next = page
        .items
        .last()
        .filter(|_| page.truncated && q.delimiter.is_some());
    let output = ListObjectsOutput {
        is_truncated: Some(page.truncated),
        marker: Some(encode(marker.unwrap_or(""), &q)),
        next_marker: next.map(|last| encode(last.name(), &q)),
        contents: (!contents.is_empty()).then_some(contents),
        name: Some(call.bucket().to_string()),
        prefix: Some(encode(&q.prefix, &q)),
        delimiter: q.delimiter.as_ref().map(|d| encode(d, &q)),
        max_keys: Some(q.max_keys as i32),
        common_prefixes: (!common_prefixes.is_empty()).then_some(common_prefixes),
        encoding_type: q.url_encode.then(|| "url".to_string()),
        ..Default::default()
    };
    respond(call, "ListObjects", output)
}
