//! Who is calling and where: account and region derived from the request's credentials.

/// The account, region and addressing of one request.
#[derive(Debug, Clone)]
pub struct Context {
    pub account: String,
    pub region: String,
    pub access_key: String,
    pub request_id: String,
    /// `host:port` the client used to reach us, for URLs we hand back (SQS queue URLs).
    pub host: String,
    /// Whether the client reached us over HTTPS (`serve --tls-port`).
    pub scheme: Scheme,
}

/// The scheme a connection speaks; the TLS listener marks its requests with `Scheme::Https`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scheme {
    #[default]
    Http,
    Https,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

impl Context {
    /// `scheme://host` as the client addressed us, the base of every URL handed back (queue
    /// URLs, `Location`s), so a client that came by `https://sqs.eu-west-1.amazonaws.com` is
    /// sent back there.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme.as_str(), self.host)
    }

    /// The partition of the caller's region (`aws`, `aws-cn`, ...), see [`partition`].
    pub fn partition(&self) -> &'static str {
        partition(&self.region)
    }

    /// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` of a regional resource of the caller's
    /// account and region.
    pub fn arn(&self, service: &str, resource: &str) -> String {
        arn(&self.region, service, &self.account, resource)
    }

    /// `arn:PARTITION:SERVICE::ACCOUNT:RESOURCE` of a global resource (IAM, STS), whose ARN
    /// has no region but is still in the caller's partition.
    pub fn global_arn(&self, service: &str, account: &str, resource: &str) -> String {
        format!("arn:{}:{service}::{account}:{resource}", self.partition())
    }
}

/// The partition a region belongs to, the second field of every ARN: `aws-cn` for China
/// (`cn-*`), `aws-us-gov` for GovCloud (`us-gov-*`), `aws-iso` / `aws-iso-b` / `aws-iso-e` /
/// `aws-iso-f` for the isolated regions (`us-iso-*`, `us-isob-*`, `eu-isoe-*`, `us-isof-*`),
/// `aws` for every other (AWS General Reference, "Amazon Resource Names": partitions).
pub fn partition(region: &str) -> &'static str {
    const PREFIXES: [(&str, &str); 6] = [
        ("cn-", "aws-cn"),
        ("us-gov-", "aws-us-gov"),
        ("us-isob-", "aws-iso-b"),
        ("us-isof-", "aws-iso-f"),
        ("eu-isoe-", "aws-iso-e"),
        ("us-iso-", "aws-iso"),
    ];
    PREFIXES
        .iter()
        .find(|(prefix, _)| region.starts_with(prefix))
        .map_or("aws", |(_, partition)| partition)
}

/// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`, the partition derived from `region`.
pub fn arn(region: &str, service: &str, account: &str, resource: &str) -> String {
    format!(
        "arn:{}:{service}:{region}:{account}:{resource}",
        partition(region)
    )
}

/// The account of requests whose access key names none, unless `ServeConfig::default_account`
/// (`serve --account-id`) says otherwise.
pub const DEFAULT_ACCOUNT: &str = "000000000000";
pub const DEFAULT_REGION: &str = "us-east-1";

/// What an account id looks like, for error messages.
pub const ACCOUNT_ID_FORMAT: &str = "an AWS account id is 12 digits, such as 123456789012";

/// `value` as an account id: exactly 12 ASCII digits, as every AWS account id is.
pub fn parse_account_id(value: &str) -> Result<String, String> {
    if is_account_id(value) {
        Ok(value.to_string())
    } else {
        Err(ACCOUNT_ID_FORMAT.to_string())
    }
}

fn is_account_id(value: &str) -> bool {
    value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit())
}

/// The account an access key id names: a 12-digit key is the account itself, anything else is
/// `default_account` (the server's, `serve --account-id`).
pub fn account_for_access_key(access_key: &str, default_account: &str) -> String {
    if is_account_id(access_key) {
        access_key.to_string()
    } else {
        default_account.to_string()
    }
}

/// A fresh request id.
pub fn new_request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_12_digit_key_names_its_account_and_others_the_default() {
        assert_eq!(
            account_for_access_key("111122223333", "999999999999"),
            "111122223333"
        );
        assert_eq!(
            account_for_access_key("test", "999999999999"),
            "999999999999"
        );
        assert_eq!(
            account_for_access_key("AKIA11112222", DEFAULT_ACCOUNT),
            DEFAULT_ACCOUNT
        );
    }

    #[test]
    fn the_partition_follows_the_region() {
        for (region, expected) in [
            ("us-east-1", "aws"),
            ("eu-west-1", "aws"),
            ("cn-north-1", "aws-cn"),
            ("cn-northwest-1", "aws-cn"),
            ("us-gov-west-1", "aws-us-gov"),
            ("us-iso-east-1", "aws-iso"),
            ("us-isob-east-1", "aws-iso-b"),
            ("us-isof-south-1", "aws-iso-f"),
            ("eu-isoe-west-1", "aws-iso-e"),
        ] {
            assert_eq!(partition(region), expected, "{region}");
        }
        assert_eq!(
            arn("cn-north-1", "sqs", "123456789012", "q"),
            "arn:aws-cn:sqs:cn-north-1:123456789012:q"
        );
    }

    #[test]
    fn an_account_id_is_12_digits() {
        assert_eq!(parse_account_id("123456789012").unwrap(), "123456789012");
        for bad in [
            "",
            "12345678901",
            "1234567890123",
            "12345678901a",
            "１23456789012",
        ] {
            assert!(parse_account_id(bad).is_err(), "{bad:?}");
        }
    }
}
