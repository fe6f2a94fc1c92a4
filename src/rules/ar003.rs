//! AR003 hardcoded-aws-endpoint: a literal AWS URL in code, which bypasses any redirection.

use super::{Code, Rule};

pub const RULE: Rule = Rule {
    code: Code::AR003,
    name: "hardcoded-aws-endpoint",
    summary: "hard-coded AWS endpoint or URL",
    fix_title: None,
    what_it_does:
        "Flags string literals holding a real AWS URL (`https://<...>.amazonaws.com...`), \
such as `endpoint_url=\"https://s3.amazonaws.com\"` or a literal SQS queue URL.",
    why_it_matters: "A literal AWS URL sends calls to real AWS whatever endpoint the client was \
given, so redirecting the client is not enough.",
    example: "queue_url = \"https://sqs.us-east-1.amazonaws.com/123456789012/orders\"",
    use_instead: "Look the URL up at run time (`sqs.get_queue_url(QueueName=\"orders\")`) or read \
it from configuration.",
};

pub fn message(url: &str) -> String {
    format!("hard-coded AWS URL `{url}` bypasses any endpoint redirection")
}
