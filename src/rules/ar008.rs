//! AR008 possible-aws-client: `<receiver>.client("s3")` on a receiver that does not resolve.

use super::{Code, Rule};

pub const RULE: Rule = Rule {
    code: Code::AR008,
    name: "possible-aws-client",
    summary: "possible AWS client; receiver not resolved",
    fix_title: Some("Add an endpoint override (an unsafe fix)"),
    what_it_does: "Flags `<receiver>.client(\"svc\")`, `.resource(\"svc\")` and \
`.create_client(\"svc\")` calls whose receiver awsredirect cannot resolve (a parameter without \
an annotation, a name from elsewhere, a subscript) but whose service argument is a literal naming \
a real AWS service (the names in botocore's service models). Receivers that resolve to something \
else (`redis`, `httpx`, a class of the file's own) are never flagged.",
    why_it_matters: "Such a call is almost certainly a boto3 session building a client, and it \
talks to real AWS; passing sessions around is exactly how clients escape a source-level \
redirect.",
    example: "def handler(session):\n    return session.client(\"s3\")",
    use_instead: "def handler(session: boto3.Session):\n    return session.client(\"s3\", \
endpoint_url=\"http://localhost:4566\")\n(An annotation lets awsredirect resolve the session; \
`awsredirect patch --unsafe-fixes` adds the endpoint either way.)",
};

pub fn message(what: &str) -> String {
    format!("{what} looks like an AWS client, but its receiver does not resolve to an AWS SDK session; it may talk to real AWS")
}
