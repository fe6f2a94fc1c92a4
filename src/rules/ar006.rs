//! AR006 global-endpoint-config: an SDK-wide endpoint setting (`AWS.config.update({ endpoint })`).

use super::{Code, Rule};

pub const RULE: Rule = Rule {
    code: Code::AR006,
    name: "global-endpoint-config",
    summary: "SDK-wide endpoint setting",
    fix_title: None,
    what_it_does:
        "Flags `AWS.config.update({ endpoint: ... })` in AWS SDK for JavaScript v2 code. \
awsredirect leaves it alone.",
    why_it_matters:
        "A global setting redirects only the v2 clients created after it runs, and only \
in that process; it is easy to mistake for a redirect of every client, and it hides which clients \
really talk to the local endpoint.",
    example: "AWS.config.update({ region: \"us-east-1\", endpoint: \"http://localhost:4566\" });",
    use_instead: "Give each client its endpoint (`awsredirect patch` does), and keep only the \
region in the global configuration.",
};

pub fn message(constructor: &str) -> String {
    format!("`{constructor}` sets a global endpoint for the SDK v2 clients created after it; awsredirect leaves it alone")
}
