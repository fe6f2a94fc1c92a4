//! Presigned URLs: the expiry S3 enforces (SigV4 `X-Amz-Date` + `X-Amz-Expires`, SigV2
//! `Expires`) and the headers a presigned URL carries in its query string (`x-amz-meta-*`,
//! `x-amz-*`, `Content-Type`, `Content-MD5`), which count as the request's headers.
use hyper::header::{HeaderName, HeaderValue};

use crate::error::ApiError;
use crate::http::Request;
use crate::timefmt::iso8601_seconds;

/// SigV4 query-authentication parameters: never request headers.
const SIGV4_AUTH: [&str; 6] = [
    "x-amz-algorithm",
    "x-amz-credential",
    "x-amz-date",
    "x-amz-expires",
    "x-amz-signedheaders",
    "x-amz-signature",
];

/// The longest validity a SigV4 presigned URL may ask for: seven days.
const MAX_SIGV4_EXPIRES: i64 = 604_800;

/// Headers that may travel in a presigned URL's query besides `x-amz-*` ones.
const QUERY_HEADERS: [&str; 2] = ["content-type", "content-md5"];

/// When a presigned URL stops being valid, as it says.
#[derive(Debug, PartialEq, Eq)]
enum Expiry {
    /// SigV4: signed at `X-Amz-Date`, valid `X-Amz-Expires` seconds.
    SigV4 { expires_ms: i64, seconds: i64 },
    /// SigV2: `Expires`, epoch seconds.
    SigV2 { expires_ms: i64 },
}

fn is_presigned(req: &Request) -> bool {
    req.has_query("X-Amz-Credential")
        || (req.has_query("AWSAccessKeyId") && req.has_query("Signature"))
}

fn expiry(req: &Request) -> Option<Expiry> {
    if req.has_query("X-Amz-Credential") {
        let signed_ms = parse_amz_date(req.query_param("X-Amz-Date")?)?;
        let seconds = req
            .query_param("X-Amz-Expires")?
            .trim()
            .parse::<i64>()
            .ok()?;
        let expires_ms = signed_ms.checked_add(seconds.checked_mul(1000)?)?;
        return Some(Expiry::SigV4 {
            expires_ms,
            seconds,
        });
    }
    if req.has_query("AWSAccessKeyId") && req.has_query("Signature") {
        let seconds = req.query_param("Expires")?.trim().parse::<i64>().ok()?;
        return Some(Expiry::SigV2 {
            expires_ms: seconds.checked_mul(1000)?,
        });
    }
    None
}

/// `20240102T030405Z` as milliseconds since the epoch.
pub(super) fn parse_amz_date(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.len() != 16 || !text.is_ascii() || &text[8..9] != "T" || &text[15..] != "Z" {
        return None;
    }
    let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().ok();
    let year = i32::try_from(number(0..4)?).ok()?;
    let month = time::Month::try_from(u8::try_from(number(4..6)?).ok()?).ok()?;
    let day = u8::try_from(number(6..8)?).ok()?;
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    let hms = |range| number(range).and_then(|n| u8::try_from(n).ok());
    let clock = time::Time::from_hms(hms(9..11)?, hms(11..13)?, hms(13..15)?).ok()?;
    let seconds = time::PrimitiveDateTime::new(date, clock)
        .assume_utc()
        .unix_timestamp();
    seconds.checked_mul(1000)
}

/// Refuses a presigned URL whose expiry has passed as S3 does: `403 AccessDenied`, "Request
/// has expired", with the expiry and the server's time (and SigV4's `X-Amz-Expires`); a SigV4
/// URL asking for more than a week is `AuthorizationQueryParametersError`.
pub fn check_expiry(req: &Request, now_ms: i64) -> Result<(), ApiError> {
    let (expires_ms, seconds) = match expiry(req) {
        Some(Expiry::SigV4 { seconds, .. }) if seconds > MAX_SIGV4_EXPIRES => {
            return Err(ApiError::new(
                400,
                "AuthorizationQueryParametersError",
                "X-Amz-Expires must be less than a week (in seconds) that is 604800",
            ));
        }
        Some(Expiry::SigV4 {
            expires_ms,
            seconds,
        }) => (expires_ms, Some(seconds)),
        Some(Expiry::SigV2 { expires_ms }) => (expires_ms, None),
        None => return Ok(()),
    };
    if now_ms <= expires_ms {
        return Ok(());
    }
    let mut err = ApiError::new(403, "AccessDenied", "Request has expired");
    if let Some(seconds) = seconds {
        err = err.with_field("X-Amz-Expires", seconds.to_string());
    }
    Err(err
        .with_field("Expires", iso8601_seconds(expires_ms))
        .with_field("ServerTime", iso8601_seconds(now_ms)))
}

/// Refuses a SigV4 presigned request that lacks a header the URL signed (`X-Amz-SignedHeaders`
/// besides `host`): S3 cannot compute the signature the URL was made with, `403
/// SignatureDoesNotMatch`. Run after [`hoist_query_headers`]. Header values are not checked (the
/// emulator does not verify signatures).
pub fn check_signed_headers(req: &Request) -> Result<(), ApiError> {
    let Some(signed) = req.query_param("X-Amz-SignedHeaders") else {
        return Ok(());
    };
    let missing = signed
        .split(';')
        .map(str::trim)
        .filter(|name| !name.is_empty() && *name != "host")
        .any(|name| req.header(name).is_none());
    if missing {
        return Err(ApiError::new(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
        ));
    }
    Ok(())
}

/// Moves the headers a presigned URL carries in its query into the request's headers, so that a
/// presigned PutObject stores its metadata and content type. The URL's value wins over a header
/// of the same name: it is what the signer fixed, while an uploader's HTTP library adds headers
/// of its own (Python's urllib sends `Content-Type: application/x-www-form-urlencoded`).
pub fn hoist_query_headers(req: &mut Request) {
    if !is_presigned(req) {
        return;
    }
    let query = std::mem::take(&mut req.query);
    for (name, value) in query {
        let lower = name.to_ascii_lowercase();
        let is_header = (lower.starts_with("x-amz-") && !SIGV4_AUTH.contains(&lower.as_str()))
            || QUERY_HEADERS.contains(&lower.as_str());
        let parsed = HeaderName::from_bytes(lower.as_bytes())
            .ok()
            .zip(HeaderValue::from_str(&value).ok());
        match parsed {
            Some((header, header_value)) if is_header => {
                req.headers.insert(header, header_value);
            }
            _ => req.query.push((name, value)),
        }
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use hyper::header::HeaderMap;
    use hyper::Method;

    use super::*;
    use crate::http::parse_query;

    fn request(query: &str) -> Request {
        Request {
            method: Method::PUT,
            path: "/b/k".to_string(),
            query: parse_query(Some(query)),
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    #[test]
    fn refuses_requests_missing_signed_headers() {
        let url = "X-Amz-Credential=a&X-Amz-SignedHeaders=content-type%3Bhost&X-Amz-Signature=s";
        let mut req = request(url);
        let err = check_signed_headers(&req).unwrap_err();
        assert_eq!(
            (err.status, err.code.as_str()),
            (403, "SignatureDoesNotMatch")
        );
        req.headers
            .insert("content-type", HeaderValue::from_static("app/sth"));
        assert!(check_signed_headers(&req).is_ok());
        assert!(check_signed_headers(&request("X-Amz-Credential=a")).is_ok());
    }

    #[test]
    fn reads_sigv4_and_sigv2_expiries() {
        let v4 = request("X-Amz-Credential=a%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=60");
        assert_eq!(
            expiry(&v4),
            Some(Expiry::SigV4 {
                expires_ms: 1_704_067_260_000,
                seconds: 60
            })
        );
        let v2 = request("AWSAccessKeyId=a&Signature=s&Expires=1704067200");
        assert_eq!(
            expiry(&v2),
            Some(Expiry::SigV2 {
                expires_ms: 1_704_067_200_000
            })
        );
        assert_eq!(expiry(&request("X-Amz-Credential=a&X-Amz-Date=2024")), None);
        assert_eq!(parse_amz_date("20241301T000000Z"), None);
    }

    #[test]
    fn refuses_expired_urls_only() {
        let v4 = request("X-Amz-Credential=a&X-Amz-Date=20240101T000000Z&X-Amz-Expires=60");
        assert!(check_expiry(&v4, 1_704_067_260_000).is_ok());
        let err = check_expiry(&v4, 1_704_067_261_000).unwrap_err();
        assert_eq!((err.status, err.code.as_str()), (403, "AccessDenied"));
        assert_eq!(err.message, "Request has expired");
        assert_eq!(
            err.fields,
            vec![
                ("X-Amz-Expires", "60".to_string()),
                ("Expires", "2024-01-01T00:01:00Z".to_string()),
                ("ServerTime", "2024-01-01T00:01:01Z".to_string()),
            ]
        );
        assert!(check_expiry(&request("prefix=a"), i64::MAX).is_ok());
        let long = request("X-Amz-Credential=a&X-Amz-Date=20240101T000000Z&X-Amz-Expires=604801");
        let err = check_expiry(&long, 0).unwrap_err();
        assert_eq!(
            (err.status, err.code.as_str()),
            (400, "AuthorizationQueryParametersError")
        );
        let week = request("X-Amz-Credential=a&X-Amz-Date=20240101T000000Z&X-Amz-Expires=604800");
        assert!(check_expiry(&week, 1_704_067_200_000).is_ok());
    }

    #[test]
    fn hoists_headers_of_presigned_urls_only() {
        let mut req = request(
            "AWSAccessKeyId=a&Signature=s&Expires=1&x-amz-meta-owner=me&content-type=text%2Fplain&uploadId=u",
        );
        hoist_query_headers(&mut req);
        assert_eq!(req.header("x-amz-meta-owner"), Some("me"));
        assert_eq!(req.header("content-type"), Some("text/plain"));
        assert!(!req.has_query("x-amz-meta-owner") && req.has_query("uploadId"));
        let mut v4 = request("X-Amz-Credential=a&X-Amz-Date=d&X-Amz-Meta-Colour=blue");
        hoist_query_headers(&mut v4);
        assert_eq!(v4.header("x-amz-meta-colour"), Some("blue"));
        assert!(v4.has_query("X-Amz-Date") && v4.header("x-amz-date").is_none());
        let mut sent = request("AWSAccessKeyId=a&Signature=s&content-type=text%2Fcsv");
        sent.headers.insert(
            "content-type",
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        hoist_query_headers(&mut sent);
        assert_eq!(sent.header("content-type"), Some("text/csv"));
        let mut plain = request("x-amz-meta-owner=me");
        hoist_query_headers(&mut plain);
        assert!(plain.header("x-amz-meta-owner").is_none());
    }
}
