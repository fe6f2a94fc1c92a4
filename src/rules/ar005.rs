//! AR005 s3-without-path-style: a redirected JavaScript S3 client without the path-style flag.

use super::{Code, Rule};

pub const RULE: Rule = Rule {
    code: Code::AR005,
    name: "s3-without-path-style",
    summary: "redirected JavaScript S3 client without the path-style flag",
    fix_title: None,
    what_it_does: "Flags JavaScript and TypeScript S3 clients that set an endpoint but not \
`forcePathStyle: true` (SDK v3) or `s3ForcePathStyle: true` (SDK v2).",
    why_it_matters: "Without path-style addressing the SDK puts the bucket into the host name \
(`bucket.localhost`), which a local endpoint usually cannot resolve.",
    example: "new S3Client({ endpoint: \"http://localhost:4566\" })",
    use_instead: "new S3Client({ endpoint: \"http://localhost:4566\", forcePathStyle: true })",
};

pub fn message(what: &str, flag: &str) -> String {
    format!("{what} is redirected without `{flag}: true`: S3 puts the bucket into the host name, which a local endpoint cannot serve")
}
