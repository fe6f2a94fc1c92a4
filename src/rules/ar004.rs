//! AR004 cannot-redirect-automatically: a construction awsredirect cannot safely rewrite.

use super::{Code, Rule};

pub const RULE: Rule = Rule {
    code: Code::AR004,
    name: "cannot-redirect-automatically",
    summary: "AWS client or CLI call that cannot be redirected automatically",
    fix_title: None,
    what_it_does: "Flags client constructions whose arguments are unpacked (`*args`, `**kwargs`) \
and CLI commands built from variables or `eval`, where awsredirect cannot tell whether an \
endpoint is already set.",
    why_it_matters: "Adding an endpoint there could collide with one the unpacked arguments \
already carry (a `TypeError` at run time), and leaving it could send calls to real AWS; a person \
has to decide.",
    example: "boto3.client(\"s3\", **options)\n$AWS s3 ls",
    use_instead: "boto3.client(\"s3\", **{**options, \"endpoint_url\": ENDPOINT})\n\
aws --endpoint-url \"$ENDPOINT\" s3 ls",
};

pub fn message(what: &str, reason: &str) -> String {
    format!("{what} cannot be redirected automatically: {reason}")
}
