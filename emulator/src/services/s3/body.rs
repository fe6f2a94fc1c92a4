//! Request bodies as S3 receives them: aws-chunked decoding (with trailing checksums),
//! Content-MD5 and additional checksum verification, ETags, and the metadata headers stored with an object.
use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use bytes::Bytes;
use md5::{Digest, Md5};

use super::checksum;
use super::errors::{bad_digest, invalid_argument};
use crate::error::ApiError;
use crate::http::Request;
use crate::state::s3::{ObjectMeta, StoredChecksum};

/// Representation headers stored with an object and returned on GET / HEAD, and the
/// server-side encryption settings an object was written with (stored as asked, not applied).
pub const STORED_HEADERS: [&str; 8] = [
    "content-encoding",
    "content-disposition",
    "content-language",
    "cache-control",
    "expires",
    "x-amz-server-side-encryption",
    "x-amz-server-side-encryption-aws-kms-key-id",
    "x-amz-server-side-encryption-bucket-key-enabled",
];

/// The object bytes of a PUT and the additional checksum it carried (header or trailer), both
/// verified.
pub fn received(req: &Request) -> Result<(Bytes, Option<StoredChecksum>), ApiError> {
    let (data, trailers) = if is_aws_chunked(req) {
        decode_aws_chunked(&req.body)?
    } else {
        (req.body.clone(), Vec::new())
    };
    if let Some(expected) = req
        .header("x-amz-decoded-content-length")
        .and_then(|v| v.parse::<usize>().ok())
    {
        if expected != data.len() {
            return Err(ApiError::new(
                400,
                "IncompleteBody",
                format!("expected {expected} decoded bytes, got {}", data.len()),
            ));
        }
    }
    verify_content_md5(req, &data)?;
    let checksum = checksum::from_request(req, &trailers, &data)?;
    Ok((data, checksum))
}

fn is_aws_chunked(req: &Request) -> bool {
    req.header("content-encoding")
        .is_some_and(|e| e.split(',').any(|p| p.trim() == "aws-chunked"))
        || req
            .header("x-amz-content-sha256")
            .is_some_and(|v| v.starts_with("STREAMING-"))
}

/// Decodes `hex-size[;chunk-signature=..]\r\n data \r\n ... 0\r\n trailers \r\n`.
pub fn decode_aws_chunked(body: &[u8]) -> Result<(Bytes, Vec<(String, String)>), ApiError> {
    let malformed = |what: &str| {
        ApiError::new(
            400,
            "InvalidRequest",
            format!("malformed aws-chunked body: {what}"),
        )
    };
    let mut out = Vec::with_capacity(body.len());
    let mut pos = 0;
    loop {
        let line = read_line(body, &mut pos).ok_or_else(|| malformed("missing chunk header"))?;
        let size_text = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| malformed("chunk size is not hexadecimal"))?;
        if size == 0 {
            break;
        }
        let end = pos
            .checked_add(size)
            .filter(|end| *end <= body.len())
            .ok_or_else(|| malformed("chunk longer than the body"))?;
        out.extend_from_slice(&body[pos..end]);
        pos = end;
        if body.get(pos..pos + 2) != Some(b"\r\n") {
            return Err(malformed("chunk not followed by CRLF"));
        }
        pos += 2;
    }
    let mut trailers = Vec::new();
    while let Some(line) = read_line(body, &mut pos) {
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            trailers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    Ok((Bytes::from(out), trailers))
}

/// The text up to the next CRLF (or the end), advancing `pos` past it.
fn read_line<'a>(body: &'a [u8], pos: &mut usize) -> Option<&'a str> {
    if *pos >= body.len() {
        return None;
    }
    let rest = &body[*pos..];
    let len = rest
        .windows(2)
        .position(|w| w == b"\r\n")
        .unwrap_or(rest.len());
    *pos += (len + 2).min(rest.len());
    std::str::from_utf8(&rest[..len]).ok()
}

fn verify_content_md5(req: &Request, data: &[u8]) -> Result<(), ApiError> {
    let Some(expected) = req.header("content-md5") else {
        return Ok(());
    };
    let expected = BASE64.decode(expected.trim()).map_err(|_| {
        ApiError::new(
            400,
            "InvalidDigest",
            "The Content-MD5 you specified was invalid.",
        )
    })?;
    if expected.as_slice() != Md5::digest(data).as_slice() {
        return Err(bad_digest("Content-MD5"));
    }
    Ok(())
}

/// The quoted MD5 ETag of a body.
pub fn etag(data: &[u8]) -> String {
    format!("\"{}\"", hex::encode(Md5::digest(data)))
}

/// The multipart ETag: MD5 of the parts' binary MD5s, then `-N`.
pub fn multipart_etag(part_etags: &[&str]) -> String {
    let mut hasher = Md5::new();
    for etag in part_etags {
        let raw = hex::decode(etag.trim_matches('"')).unwrap_or_default();
        hasher.update(raw);
    }
    format!(
        "\"{}-{}\"",
        hex::encode(hasher.finalize()),
        part_etags.len()
    )
}

/// The server-side encryption an upload or object was asked for: algorithm, KMS key id and
/// whether an S3 bucket key is used, as the outputs' members.
pub struct Encryption {
    pub algorithm: Option<String>,
    pub key_id: Option<String>,
    pub bucket_key: Option<bool>,
}

pub fn encryption(meta: &ObjectMeta) -> Encryption {
    let header = |name: &str| meta.headers.get(name).cloned();
    Encryption {
        algorithm: header("x-amz-server-side-encryption"),
        key_id: header("x-amz-server-side-encryption-aws-kms-key-id"),
        bucket_key: header("x-amz-server-side-encryption-bucket-key-enabled")
            .map(|v| v.eq_ignore_ascii_case("true")),
    }
}

/// Content type, user metadata and representation headers taken from a request.
pub fn meta_from_headers(req: &Request) -> Result<ObjectMeta, ApiError> {
    let mut metadata = BTreeMap::new();
    for (name, value) in &req.headers {
        if let Some(short) = name.as_str().strip_prefix("x-amz-meta-") {
            let value = value
                .to_str()
                .map_err(|_| invalid_argument("metadata values must be ASCII"))?;
            metadata.insert(short.to_string(), value.to_string());
        }
    }
    let mut headers = BTreeMap::new();
    for name in STORED_HEADERS {
        if let Some(value) = req.header(name) {
            let value = strip_aws_chunked(name, value);
            if !value.is_empty() {
                headers.insert(name.to_string(), value);
            }
        }
    }
    let mut meta = ObjectMeta {
        content_type: Some(
            req.header("content-type")
                .unwrap_or("binary/octet-stream")
                .to_string(),
        ),
        metadata,
        headers,
        ..ObjectMeta::default()
    };
    super::attributes::add_from_headers(req, &mut meta)?;
    Ok(meta)
}

/// `aws-chunked` is a transfer detail, not part of the stored content encoding.
fn strip_aws_chunked(name: &str, value: &str) -> String {
    if name != "content-encoding" {
        return value.to_string();
    }
    value
        .split(',')
        .map(str::trim)
        .filter(|p| *p != "aws-chunked" && !p.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_aws_chunked_with_trailers() {
        let body = b"5;chunk-signature=abc\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
        let (data, trailers) = decode_aws_chunked(body).unwrap();
        assert_eq!(&data[..], b"hello world");
        assert_eq!(trailers[0].0, "x-amz-checksum-crc32");
        assert_eq!(trailers[0].1, checksum::encoded("CRC32", &data));
    }

    #[test]
    fn rejects_malformed_chunks() {
        assert!(decode_aws_chunked(b"zz\r\nabc").is_err());
        assert!(decode_aws_chunked(b"ff\r\nabc\r\n").is_err());
    }

    #[test]
    fn computes_multipart_etags() {
        let a = etag(b"a");
        let b = etag(b"b");
        let combined = multipart_etag(&[&a, &b]);
        // hashlib.md5(md5(b"a").digest() + md5(b"b").digest()).hexdigest() + "-2"
        assert_eq!(combined, "\"96e024ba2074fe77e8e965ba43a704be-2\"");
    }
}
