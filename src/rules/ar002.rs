//! AR002 cli-without-endpoint-url: an `aws` CLI call that talks to real AWS.

use super::{Code, Rule};

pub const RULE: Rule = Rule {
    code: Code::AR002,
    name: "cli-without-endpoint-url",
    summary: "`aws` CLI call without `--endpoint-url`",
    fix_title: Some("Add `--endpoint-url` right after `aws`"),
    what_it_does:
        "Flags every `aws` command in a shell script that does not pass `--endpoint-url`.",
    why_it_matters: "Without it the AWS CLI talks to real AWS, even when the rest of the script \
targets a local emulator.",
    example: "aws s3 ls s3://bucket",
    use_instead: "aws --endpoint-url http://localhost:4566 s3 ls s3://bucket\n\
(`awsredirect patch` makes exactly this change.)",
};

pub fn message(what: &str) -> String {
    format!("{what} has no --endpoint-url: it talks to real AWS")
}
