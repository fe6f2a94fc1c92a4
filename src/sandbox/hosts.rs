//! The `/etc/hosts` of the `run` sandbox: every emulated service's AWS hostnames in every
//! commercial region (regional, FIPS, dual-stack and global names) on 127.0.0.1, until a DNS
//! responder inside the sandbox answers every `*.amazonaws.com` name itself.

/// Endpoint prefixes of the services the emulator has, plus a few it answers with a clear
/// `NotImplemented` (better than a name that does not resolve).
const SERVICES: &[&str] = &[
    "s3",
    "sqs",
    "sts",
    "dynamodb",
    "sns",
    "ssm",
    "secretsmanager",
    "lambda",
    "iam",
    "events",
    "ec2",
    "cloudformation",
    "kinesis",
    "states",
    "logs",
    "kms",
];

/// The commercial regions.
pub const REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-south-1",
    "eu-south-2",
    "eu-north-1",
    "il-central-1",
    "me-south-1",
    "me-central-1",
    "mx-central-1",
    "sa-east-1",
];

/// The hosts file: loopback names, this machine's name, every AWS name above and `extra`
/// (names such as S3 virtual-hosted buckets, `bucket.s3.us-east-1.amazonaws.com`).
pub fn hosts_file(hostname: Option<&str>, extra: &[String]) -> String {
    let mut out = String::from(
        "# awsredirect run: AWS names are the emulator on 127.0.0.1; nothing else is reachable.\n\
         127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n",
    );
    if let Some(name) = hostname.filter(|n| !n.is_empty()) {
        out.push_str(&format!("127.0.0.1 {name}\n"));
    }
    for name in aws_names().iter().chain(extra) {
        out.push_str("127.0.0.1 ");
        out.push_str(name);
        out.push('\n');
    }
    out
}

/// Every name of every service in [`SERVICES`] and region in [`REGIONS`].
pub fn aws_names() -> Vec<String> {
    let mut names = vec![
        "queue.amazonaws.com".to_string(),
        "s3-external-1.amazonaws.com".to_string(),
    ];
    for service in SERVICES {
        names.push(format!("{service}.amazonaws.com"));
        for region in REGIONS {
            names.push(format!("{service}.{region}.amazonaws.com"));
            names.push(format!("{service}-fips.{region}.amazonaws.com"));
            names.push(format!("{service}.{region}.api.aws"));
        }
    }
    for region in REGIONS {
        names.push(format!("s3.dualstack.{region}.amazonaws.com"));
        names.push(format!("s3-{region}.amazonaws.com"));
        names.push(format!("{region}.queue.amazonaws.com"));
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_maps_a_name_to_loopback() {
        let text = hosts_file(Some("box"), &["data.s3.amazonaws.com".to_string()]);
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let mut fields = line.split_whitespace();
            let address = fields.next().unwrap();
            assert!(address == "127.0.0.1" || address == "::1", "{line}");
            assert!(fields.next().is_some(), "{line}");
        }
        for name in [
            "sqs.eu-west-1.amazonaws.com",
            "s3.amazonaws.com",
            "dynamodb.us-west-2.amazonaws.com",
            "sts.amazonaws.com",
            "data.s3.amazonaws.com",
            "127.0.0.1 box",
        ] {
            assert!(text.contains(name), "{name}");
        }
    }
}
