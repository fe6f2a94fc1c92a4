//! The AWS service names boto3 accepts, from data/aws-services.txt (generated from the public
//! botocore service models by scripts/gen-aws-services.py; not typed by hand).

use std::collections::HashSet;
use std::sync::OnceLock;

const SERVICES: &str = include_str!("../../data/aws-services.txt");

fn names() -> &'static HashSet<&'static str> {
    static NAMES: OnceLock<HashSet<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        SERVICES
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// Whether `name` is a service name boto3 accepts (`s3`, `dynamodb`, `lambda`, ...).
pub fn is_aws_service(name: &str) -> bool {
    names().contains(name)
}

#[cfg(test)]
mod tests {
    use super::is_aws_service;

    #[test]
    fn knows_real_services_only() {
        for name in ["s3", "sqs", "dynamodb", "lambda", "sts", "secretsmanager"] {
            assert!(is_aws_service(name), "{name}");
        }
        for name in ["redis", "http", "client", "S3", ""] {
            assert!(!is_aws_service(name), "{name}");
        }
    }
}
