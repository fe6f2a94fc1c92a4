//! Additional checksums (`x-amz-checksum-*`): CRC32, CRC32C, CRC64NVME, SHA1 and SHA256 computed,
//! verified against a header or an aws-chunked trailer (`BadDigest`), stored with an object and
//! combined for multipart uploads (composite `…-N` or full-object). Algorithms and wire names
//! follow the S3 API reference ("Checking object integrity") and the botocore model.
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use crc::{Crc, CRC_32_ISCSI, CRC_64_NVME};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::errors::bad_digest;
use crate::error::ApiError;
use crate::http::Request;
use crate::state::s3::{ObjectMeta, StoredChecksum};

const CRC32C: Crc<u32> = Crc::<u32>::new(&CRC_32_ISCSI);
const CRC64NVME: Crc<u64> = Crc::<u64>::new(&CRC_64_NVME);

/// The checksum algorithms the emulator computes.
pub const ALGORITHMS: [&str; 5] = ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"];

/// `x-amz-checksum-crc32` for `CRC32`.
pub fn header_name(algorithm: &str) -> String {
    format!("x-amz-checksum-{}", algorithm.to_ascii_lowercase())
}

/// The canonical (upper-case) name of a supported algorithm.
pub fn supported(name: &str) -> Option<&'static str> {
    ALGORITHMS
        .iter()
        .copied()
        .find(|a| a.eq_ignore_ascii_case(name.trim()))
}

/// The raw digest of `data`.
pub fn digest(algorithm: &str, data: &[u8]) -> Vec<u8> {
    match algorithm {
        "CRC32" => crc32fast::hash(data).to_be_bytes().to_vec(),
        "CRC32C" => CRC32C.checksum(data).to_be_bytes().to_vec(),
        "CRC64NVME" => CRC64NVME.checksum(data).to_be_bytes().to_vec(),
        "SHA1" => Sha1::digest(data).to_vec(),
        _ => Sha256::digest(data).to_vec(),
    }
}

/// The base64 digest of `data`, as the `x-amz-checksum-*` headers carry it.
pub fn encoded(algorithm: &str, data: &[u8]) -> String {
    BASE64.encode(digest(algorithm, data))
}

/// The checksum a request carries for `data` (header or aws-chunked trailer), verified.
/// `None` when it names none of the supported algorithms.
pub fn from_request(
    req: &Request,
    trailers: &[(String, String)],
    data: &[u8],
) -> Result<Option<StoredChecksum>, ApiError> {
    for algorithm in ALGORITHMS {
        let name = header_name(algorithm);
        let sent = trailers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .or_else(|| req.header(&name));
        if let Some(sent) = sent {
            let actual = encoded(algorithm, data);
            if actual != sent.trim() {
                return Err(bad_digest(algorithm));
            }
            return Ok(Some(StoredChecksum {
                algorithm: algorithm.to_string(),
                value: actual,
                kind: "FULL_OBJECT".to_string(),
            }));
        }
    }
    Ok(None)
}

/// The checksum of a completed multipart upload: `COMPOSITE` is the digest of the parts' raw
/// digests followed by `-N`; `FULL_OBJECT` is the digest of the whole body.
pub fn combine(algorithm: &str, kind: &str, part_digests: &[Vec<u8>], body: &[u8]) -> String {
    if kind == "FULL_OBJECT" {
        return encoded(algorithm, body);
    }
    let joined: Vec<u8> = part_digests.concat();
    format!("{}-{}", encoded(algorithm, &joined), part_digests.len())
}

/// The default checksum type of an algorithm in CreateMultipartUpload: CRC64NVME only has
/// full-object checksums, the others are composite unless asked otherwise.
pub fn default_kind(algorithm: &str) -> &'static str {
    if algorithm == "CRC64NVME" {
        "FULL_OBJECT"
    } else {
        "COMPOSITE"
    }
}

/// A stored checksum as the output members of PutObject, UploadPart, CompleteMultipartUpload
/// and the like.
#[derive(Default)]
pub struct Fields {
    pub crc32: Option<String>,
    pub crc32c: Option<String>,
    pub crc64nvme: Option<String>,
    pub sha1: Option<String>,
    pub sha256: Option<String>,
    pub kind: Option<String>,
}

pub fn fields(stored: Option<&StoredChecksum>) -> Fields {
    let Some(stored) = stored.filter(|c| !c.value.is_empty()) else {
        return Fields::default();
    };
    let value = Some(stored.value.clone());
    let mut fields = Fields {
        kind: Some(stored.kind.clone()),
        ..Fields::default()
    };
    match stored.algorithm.as_str() {
        "CRC32" => fields.crc32 = value,
        "CRC32C" => fields.crc32c = value,
        "CRC64NVME" => fields.crc64nvme = value,
        "SHA1" => fields.sha1 = value,
        _ => fields.sha256 = value,
    }
    fields
}

/// The checksum headers of a GET / HEAD answer: only when asked for with
/// `x-amz-checksum-mode: ENABLED`, and only when the answer is the `whole` object (the stored
/// value says nothing about a range).
pub fn object_headers(req: &Request, meta: &ObjectMeta, whole: bool) -> Vec<(String, String)> {
    let enabled = whole
        && req
            .header("x-amz-checksum-mode")
            .is_some_and(|m| m.eq_ignore_ascii_case("ENABLED"));
    match meta.checksum.as_ref().filter(|c| !c.value.is_empty()) {
        Some(stored) if enabled => vec![
            (header_name(&stored.algorithm), stored.value.clone()),
            ("x-amz-checksum-type".to_string(), stored.kind.clone()),
        ],
        _ => Vec::new(),
    }
}

/// Decodes a stored base64 checksum (without any `-N` suffix) to its raw digest.
pub fn raw(value: &str) -> Vec<u8> {
    let bare = value.split('-').next().unwrap_or("");
    BASE64.decode(bare).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computes_known_digests() {
        // Check values of the catalogued CRCs over "123456789".
        assert_eq!(digest("CRC32", b"123456789"), 0xCBF4_3926u32.to_be_bytes());
        assert_eq!(digest("CRC32C", b"123456789"), 0xE306_9283u32.to_be_bytes());
        assert_eq!(
            digest("CRC64NVME", b"123456789"),
            0xAE8B_1486_0A79_9888u64.to_be_bytes()
        );
        assert_eq!(encoded("SHA1", b"abc"), "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
        assert_eq!(
            encoded("SHA256", b"abc"),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
    }

    #[test]
    fn combines_composite_and_full_object_checksums() {
        let parts = vec![digest("SHA256", b"ab"), digest("SHA256", b"c")];
        let mut joined = parts[0].clone();
        joined.extend_from_slice(&parts[1]);
        assert_eq!(
            combine("SHA256", "COMPOSITE", &parts, b"abc"),
            format!("{}-2", encoded("SHA256", &joined))
        );
        assert_eq!(
            combine("CRC32", "FULL_OBJECT", &parts, b"abc"),
            encoded("CRC32", b"abc")
        );
    }

    #[test]
    fn names_algorithms() {
        assert_eq!(supported("crc32c"), Some("CRC32C"));
        assert_eq!(supported("MD4"), None);
        assert_eq!(header_name("CRC64NVME"), "x-amz-checksum-crc64nvme");
        assert_eq!(raw("AAAAAQ==-3"), vec![0, 0, 0, 1]);
    }
}
