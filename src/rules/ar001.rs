//! AR001 client-without-endpoint: an AWS SDK client that talks to real AWS.

use super::{Code, Rule};

pub const RULE: Rule = Rule {
    code: Code::AR001,
    name: "client-without-endpoint",
    summary: "AWS SDK client without an endpoint override",
    fix_title: Some("Add an endpoint override pointing at the local endpoint"),
    what_it_does: "Flags every construction of an AWS SDK client (boto3 / botocore / aioboto3 / \
aiobotocore in Python; AWS SDK v2 and v3 in JavaScript and TypeScript) that does not pass an \
endpoint override.",
    why_it_matters: "Code meant to run against LocalStack, moto or the bundled emulator silently \
sends such a client's calls to real AWS: real resources, real costs, real data.",
    example: "s3 = boto3.client(\"s3\")\nconst s3 = new S3Client({ region: \"us-east-1\" });",
    use_instead: "s3 = boto3.client(\"s3\", endpoint_url=\"http://localhost:4566\")\n\
const s3 = new S3Client({ region: \"us-east-1\", endpoint: \"http://localhost:4566\", forcePathStyle: true });\n\
(`awsredirect patch` makes exactly this change.)",
};

pub fn message(what: &str) -> String {
    format!("{what} has no endpoint override: it talks to real AWS")
}
