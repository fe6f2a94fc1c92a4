//! What a real AWS hostname says about a request: the service, the region and, for S3's
//! virtual-hosted addressing, the bucket (`my-bucket.s3.eu-west-1.amazonaws.com`). Used when a
//! request carries no better signal (an unsigned request reaching us through DNS or
//! `/etc/hosts` redirection), and by S3 for the bucket of every request.

/// The parts of an AWS hostname.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsHost {
    /// The service's endpoint prefix without `-fips` (`s3`, `sqs`, `dynamodb`, `sts`, ...).
    pub service: String,
    /// `None` for global names (`s3.amazonaws.com`, `sts.amazonaws.com`, `iam.amazonaws.com`).
    pub region: Option<String>,
    /// The bucket of an S3 virtual-hosted name.
    pub bucket: Option<String>,
}

/// The domains AWS endpoints live under (commercial, China, the newer dual-stack domain).
const SUFFIXES: &[&str] = &[
    ".amazonaws.com.cn",
    ".amazonaws.com",
    ".api.amazonwebservices.com.cn",
    ".api.aws",
];

/// Parses a `Host` header value (a port is ignored); `None` for anything that is not an AWS
/// service hostname.
pub fn parse(host: &str) -> Option<AwsHost> {
    let name = without_port(host)
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let rest = SUFFIXES.iter().find_map(|s| name.strip_suffix(s))?;
    let labels: Vec<&str> = rest.split('.').collect();
    if labels.iter().any(|l| l.is_empty()) {
        return None;
    }
    s3_host(&labels)
        .or_else(|| legacy_sqs_host(&labels))
        .or_else(|| service_host(&labels))
}

/// `host:port` without the port (IPv6 literals are not AWS names and are left alone).
pub fn without_port(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        _ => host,
    }
}

/// `[bucket.]s3[-fips|-accelerate|-external-1|-<region>][.dualstack][.<region>]`.
fn s3_host(labels: &[&str]) -> Option<AwsHost> {
    let mut end = labels.len();
    let mut region = None;
    while end > 0 && (labels[end - 1] == "dualstack" || is_region(labels[end - 1])) {
        if is_region(labels[end - 1]) && region.is_none() {
            region = Some(labels[end - 1].to_string());
        }
        end -= 1;
    }
    let label_region = s3_label(labels.get(end.checked_sub(1)?)?)?;
    let bucket = labels[..end - 1].join(".");
    Some(AwsHost {
        service: "s3".to_string(),
        region: region.or(label_region),
        bucket: (!bucket.is_empty()).then_some(bucket),
    })
}

/// Whether a label names S3's endpoint, and the region it carries (`s3-us-west-2`).
fn s3_label(label: &str) -> Option<Option<String>> {
    match label {
        "s3" | "s3-fips" | "s3-accelerate" => Some(None),
        "s3-external-1" => Some(Some("us-east-1".to_string())),
        _ => {
            let region = label.strip_prefix("s3-")?;
            is_region(region).then(|| Some(region.to_string()))
        }
    }
}

/// SQS's legacy names: `queue.amazonaws.com` (us-east-1) and `<region>.queue.amazonaws.com`.
fn legacy_sqs_host(labels: &[&str]) -> Option<AwsHost> {
    let region = match labels {
        ["queue"] => None,
        [region, "queue"] if is_region(region) => Some(region.to_string()),
        _ => return None,
    };
    Some(AwsHost {
        service: "sqs".to_string(),
        region,
        bucket: None,
    })
}

/// `<service>[-fips][.dualstack][.<region>]`: `sqs.eu-west-1`, `dynamodb-fips.us-east-1`,
/// `sts`, `lambda.us-west-2`.
fn service_host(labels: &[&str]) -> Option<AwsHost> {
    let (first, rest) = labels.split_first()?;
    let rest: Vec<&str> = rest.iter().copied().filter(|l| *l != "dualstack").collect();
    let region = match rest.as_slice() {
        [] => None,
        [region] if is_region(region) => Some(region.to_string()),
        _ => return None,
    };
    let service = first.strip_suffix("-fips").unwrap_or(first);
    let valid = !service.is_empty()
        && service
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    valid.then(|| AwsHost {
        service: signing_name(service).to_string(),
        region,
        bucket: None,
    })
}

/// The signing name of the few services whose endpoint prefix differs from it.
fn signing_name(endpoint_prefix: &str) -> &str {
    match endpoint_prefix {
        "email" => "ses",
        "queue" => "sqs",
        other => other,
    }
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`, `ap-southeast-4`: letters,
/// dash-separated words, a trailing number.
pub fn is_region(label: &str) -> bool {
    let mut parts = label.split('-');
    let Some(geo) = parts.next() else {
        return false;
    };
    let words: Vec<&str> = parts.collect();
    let Some((number, middle)) = words.split_last() else {
        return false;
    };
    geo.len() == 2
        && geo.bytes().all(|b| b.is_ascii_lowercase())
        && !middle.is_empty()
        && middle
            .iter()
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(service: &str, region: Option<&str>, bucket: Option<&str>) -> Option<AwsHost> {
        Some(AwsHost {
            service: service.to_string(),
            region: region.map(str::to_string),
            bucket: bucket.map(str::to_string),
        })
    }

    #[test]
    fn regional_service_names() {
        assert_eq!(
            parse("sqs.eu-west-1.amazonaws.com"),
            host("sqs", Some("eu-west-1"), None)
        );
        assert_eq!(
            parse("dynamodb.us-west-2.amazonaws.com:443"),
            host("dynamodb", Some("us-west-2"), None)
        );
        assert_eq!(parse("sts.amazonaws.com"), host("sts", None, None));
        assert_eq!(
            parse("lambda.cn-north-1.amazonaws.com.cn"),
            host("lambda", Some("cn-north-1"), None)
        );
        assert_eq!(
            parse("email.us-east-1.amazonaws.com"),
            host("ses", Some("us-east-1"), None)
        );
    }

    #[test]
    fn fips_and_dual_stack_names() {
        assert_eq!(
            parse("dynamodb-fips.us-gov-west-1.amazonaws.com"),
            host("dynamodb", Some("us-gov-west-1"), None)
        );
        assert_eq!(
            parse("sqs.us-east-1.api.aws"),
            host("sqs", Some("us-east-1"), None)
        );
        assert_eq!(
            parse("s3.dualstack.eu-west-1.amazonaws.com"),
            host("s3", Some("eu-west-1"), None)
        );
        assert_eq!(
            parse("b1.s3-fips.dualstack.us-east-2.amazonaws.com"),
            host("s3", Some("us-east-2"), Some("b1"))
        );
    }

    #[test]
    fn legacy_sqs_names() {
        assert_eq!(parse("queue.amazonaws.com"), host("sqs", None, None));
        assert_eq!(
            parse("ap-southeast-2.queue.amazonaws.com"),
            host("sqs", Some("ap-southeast-2"), None)
        );
    }

    #[test]
    fn s3_path_style_and_virtual_hosted_names() {
        assert_eq!(parse("s3.amazonaws.com"), host("s3", None, None));
        assert_eq!(
            parse("s3.us-west-2.amazonaws.com"),
            host("s3", Some("us-west-2"), None)
        );
        assert_eq!(
            parse("my-bucket.s3.amazonaws.com"),
            host("s3", None, Some("my-bucket"))
        );
        assert_eq!(
            parse("My-Bucket.s3.us-east-1.amazonaws.com."),
            host("s3", Some("us-east-1"), Some("my-bucket"))
        );
        assert_eq!(
            parse("logs.example.com.s3.eu-central-1.amazonaws.com"),
            host("s3", Some("eu-central-1"), Some("logs.example.com"))
        );
        assert_eq!(
            parse("old.s3-us-west-2.amazonaws.com"),
            host("s3", Some("us-west-2"), Some("old"))
        );
        assert_eq!(
            parse("s3-external-1.amazonaws.com"),
            host("s3", Some("us-east-1"), None)
        );
        assert_eq!(
            parse("fast.s3-accelerate.amazonaws.com"),
            host("s3", None, Some("fast"))
        );
        // A bucket may itself be called `s3`.
        assert_eq!(
            parse("s3.s3.us-east-1.amazonaws.com"),
            host("s3", Some("us-east-1"), Some("s3"))
        );
    }

    #[test]
    fn other_names_are_not_aws_hosts() {
        assert_eq!(parse("localhost:4566"), None);
        assert_eq!(parse("127.0.0.1:4566"), None);
        assert_eq!(parse("example.com"), None);
        assert_eq!(parse("amazonaws.com"), None);
        assert_eq!(parse("notamazonaws.com"), None);
        assert_eq!(parse("a..s3.amazonaws.com"), None);
        assert_eq!(parse("[::1]:443"), None);
        assert_eq!(parse("x.y.z.amazonaws.com"), None);
    }

    #[test]
    fn regions() {
        for region in ["us-east-1", "us-gov-west-1", "cn-north-1", "ap-southeast-4"] {
            assert!(is_region(region), "{region}");
        }
        for label in [
            "us",
            "us-east",
            "s3",
            "dualstack",
            "us-1",
            "use-east-1",
            "us-east-x",
        ] {
            assert!(!is_region(label), "{label}");
        }
    }
}
