//! AR007 empty-endpoint-override: an endpoint override whose value is empty or absent at run time.

use super::{Code, Rule};

pub const RULE: Rule = Rule {
    code: Code::AR007,
    name: "empty-endpoint-override",
    summary: "endpoint override that points nowhere",
    fix_title: None,
    what_it_does: "Flags endpoint overrides whose value is statically empty or absent: \
`endpoint_url=\"\"` or `endpoint_url=None` in Python, `endpoint: \"\"`, `null` or `undefined` in \
JavaScript and TypeScript, `--endpoint-url \"\"` or `--endpoint-url=` in shell. awsredirect leaves \
the value alone: it is the author's, not awsredirect's to remove.",
    why_it_matters: "An empty or absent override is no override: the SDK and the CLI fall back to \
their default endpoint, which is real AWS, while the code looks redirected.",
    example: "s3 = boto3.client(\"s3\", endpoint_url=None)",
    use_instead: "Give the override a value (`endpoint_url=\"http://localhost:4566\"`, or a \
variable holding one), or remove it and let `awsredirect patch` add one.",
};

pub fn message(what: &str, value: &str) -> String {
    format!("{what} has an endpoint override of `{value}`, which points nowhere: the SDK falls back to real AWS")
}
