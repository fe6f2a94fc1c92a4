//! Timestamps in the formats the wire protocols use.
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, now.
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Now, in seconds since the epoch with milliseconds (the JSON protocols' timestamps).
pub fn now_seconds() -> f64 {
    now_millis() as f64 / 1000.0
}

/// ISO 8601 with milliseconds, as S3 XML bodies use: `2024-01-02T03:04:05.678Z`.
pub fn iso8601(millis: i64) -> String {
    let nanos = i128::from(millis) * 1_000_000;
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp_nanos(nanos) else {
        return "1970-01-01T00:00:00.000Z".to_string();
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// ISO 8601 to the second, as S3's error documents write times: `2024-01-02T03:04:05Z`.
pub fn iso8601_seconds(millis: i64) -> String {
    let with_millis = iso8601(millis.div_euclid(1000) * 1000);
    format!("{}Z", &with_millis[..with_millis.len() - 5])
}

/// RFC 7231 HTTP date, as `Last-Modified` uses.
pub fn http_date(millis: i64) -> String {
    let secs = u64::try_from(millis / 1000).unwrap_or(0);
    httpdate::fmt_http_date(UNIX_EPOCH + std::time::Duration::from_secs(secs))
}

/// Parses an HTTP date into milliseconds since the epoch.
pub fn parse_http_date(text: &str) -> Option<i64> {
    let t = httpdate::parse_http_date(text).ok()?;
    let d = t.duration_since(UNIX_EPOCH).ok()?;
    Some(d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_iso8601_with_millis() {
        assert_eq!(
            super::iso8601(1_700_000_000_123),
            "2023-11-14T22:13:20.123Z"
        );
        assert_eq!(
            super::iso8601_seconds(1_700_000_000_923),
            "2023-11-14T22:13:20Z"
        );
    }
}
