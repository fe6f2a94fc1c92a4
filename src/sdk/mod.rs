//! What counts as an AWS client, per language: turns language facts into `Site`s.
//!
//! A site is one construction of an AWS SDK client (or, later, one `aws` CLI call) together with
//! whether it already talks to a custom endpoint.

pub mod javascript;
pub mod python;
pub mod services;
pub mod shell;

use std::ops::Range;

use crate::lang::{self, Language};

/// The standard variable the AWS SDKs and CLI read an endpoint override from.
pub const ENDPOINT_ENV_VARIABLE: &str = "AWS_ENDPOINT_URL";

/// One found construction of an AWS client.
#[derive(Debug, Clone)]
pub struct Site {
    /// The whole construction (the call expression).
    pub range: Range<usize>,
    pub language: Language,
    pub kind: SiteKind,
    /// The resolved constructor, e.g. `boto3.client` or `boto3.Session().resource`.
    pub constructor: String,
    /// The AWS service, when it is written as a literal.
    pub service: Option<String>,
    pub state: SiteState,
    /// The shape the fixer edits.
    pub target: Target,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteKind {
    /// A low-level client (`client`, `create_client`).
    Client,
    /// A boto3 resource.
    Resource,
    /// A global SDK setting that redirects later clients (`AWS.config.update({ endpoint })`):
    /// never edited, reported by `check`.
    GlobalConfig,
    /// An `aws` CLI invocation in a shell script.
    CliCall,
    /// `<receiver>.client("s3")` on a receiver that does not resolve, with a literal AWS service
    /// name: almost certainly a client; fixed only with `--unsafe-fixes`.
    PossibleClient,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiteState {
    /// Talks to real AWS: the site `patch` redirects and `check` reports.
    NotRedirected,
    /// Already has an endpoint override.
    Redirected(Redirect),
    /// Cannot be redirected automatically; the reason says why.
    CannotTell(String),
    /// Has an endpoint override whose value is statically empty or absent (`""`, `None`,
    /// `null`, `--endpoint-url=`), so the SDK falls back to real AWS. The value is the author's:
    /// `patch` leaves it alone and `check` reports it. Holds the override as written.
    PointsNowhere(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The endpoint, when it is written as a literal.
    pub endpoint: Option<String>,
    /// Whether the endpoint is read from the `AWS_ENDPOINT_URL` environment variable.
    pub from_env: bool,
    /// A setting a local endpoint also needs that the construction lacks (S3's path-style flag).
    pub missing: Option<&'static str>,
}

/// The syntax a fix edits, per language.
#[derive(Debug, Clone)]
pub enum Target {
    PythonCall(lang::python::ArgList),
    /// A JavaScript / TypeScript `new` expression.
    JsNew(javascript::NewTarget),
    /// A global configuration call; nothing to edit.
    JsGlobalConfig,
    /// Nothing to edit (a factory passed as a value).
    Nothing,
    ShellCommand(lang::shell::Command),
}

/// Everything found in one file.
#[derive(Debug, Clone)]
pub struct Detection {
    pub sites: Vec<Site>,
    /// String literals holding a real AWS URL (they bypass any redirection), with their values.
    pub aws_urls: Vec<(Range<usize>, String)>,
    /// The quote character the file uses most, for new string literals.
    pub preferred_quote: char,
    /// Whether code in the file can read environment variables without a new import.
    pub env_readable: bool,
    /// Where a new import goes.
    pub import_point: usize,
    /// The module-level functions that return an SDK session or client, with what they return
    /// (Python; the project-wide facts other modules' resolution uses).
    pub factories: Vec<(String, String)>,
}

impl Detection {
    /// A detection with no URL literals, in a language that reads the environment without an
    /// import.
    pub fn new(sites: Vec<Site>, preferred_quote: char) -> Detection {
        Detection {
            sites,
            aws_urls: Vec::new(),
            preferred_quote,
            env_readable: true,
            import_point: 0,
            factories: Vec::new(),
        }
    }
}

/// The quote character new string literals in a file get where nothing nearer decides (the call's
/// or object's own literals): the one place both engines take it from, so the AST and the regex
/// engine quote alike for the same file.
pub fn preferred_quote(language: Language, text: &str) -> char {
    match language {
        Language::Python | Language::JavaScript | Language::TypeScript | Language::Tsx => {
            lang::preferred_quote(text)
        }
        Language::Shell => '\'',
    }
}

/// Finds the AWS client constructions in a parsed file.
/// `project` tells what functions of other modules return, where the walk gathered it.
pub fn detect(
    language: Language,
    tree: &tree_sitter::Tree,
    text: &str,
    project: Option<lang::python::ProjectReturns>,
) -> Detection {
    match language {
        Language::Python => python::detect(tree, text, project),
        Language::JavaScript | Language::TypeScript | Language::Tsx => {
            javascript::detect(language, tree, text)
        }
        Language::Shell => shell::detect(tree, text),
    }
}

/// Whether a text mentions anything this language's detectors look for. A file that does not
/// cannot hold a site or an AWS URL, so it need not be parsed: this literal prefilter is what
/// lets `check` skip most of a large tree at the speed of reading it.
pub fn mentions_aws(language: Language, text: &str) -> bool {
    let markers: &[&str] = match language {
        // `client(` and `resource(` let a session passed in from elsewhere be found (AR008).
        Language::Python => &["boto", "amazonaws", "client(", "resource("],
        Language::JavaScript | Language::TypeScript | Language::Tsx => &["aws-sdk", "amazonaws"],
        Language::Shell => &["aws"],
    };
    markers
        .iter()
        .any(|m| memchr::memmem::find(text.as_bytes(), m.as_bytes()).is_some())
}

/// The second, narrower prefilter, for a text that mentions an SDK: whether it also holds a
/// token that every site or AWS URL of its language is written with. Python: a client method or
/// factory name (`client`, `resource`, `create_client`, also passed as a value) or `amazonaws`;
/// JavaScript / TypeScript: the `new` keyword, `config` (v2's global configuration) or
/// `amazonaws`; shell: the first prefilter's `aws` already is the token.
pub fn may_construct(language: Language, text: &str) -> bool {
    let has = |m: &str| memchr::memmem::find(text.as_bytes(), m.as_bytes()).is_some();
    match language {
        Language::Python => has("client") || has("resource") || has("amazonaws"),
        Language::JavaScript | Language::TypeScript | Language::Tsx => {
            has_keyword(text, "new") || has("config") || has("amazonaws")
        }
        Language::Shell => true,
    }
}

/// Whether `word` occurs with no ASCII identifier character on either side (anything else,
/// such as a non-ASCII space, may end a keyword).
fn has_keyword(text: &str, word: &str) -> bool {
    let bytes = text.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
    memchr::memmem::find_iter(bytes, word.as_bytes()).any(|at| {
        let before = at.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(at + word.len()).copied();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

/// The AWS URLs among string literals, each as the URL itself (a literal may hold prose around
/// it), not the whole literal.
pub fn aws_urls(literals: Vec<(Range<usize>, String)>) -> Vec<(Range<usize>, String)> {
    literals
        .into_iter()
        .filter_map(|(range, value)| aws_url_in(&value).map(|url| (range, url.to_string())))
        .collect()
}

/// The first URL in `text` that points at real AWS: from its scheme to the first character that
/// cannot be part of a URL.
pub fn aws_url_in(text: &str) -> Option<&str> {
    let is_scheme = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.');
    let ends_url = |c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>');
    text.match_indices("://").find_map(|(at, _)| {
        let start = text[..at]
            .char_indices()
            .rev()
            .take_while(|(_, c)| is_scheme(*c))
            .last()
            .map_or(at, |(i, _)| i);
        let end = text[at..].find(ends_url).map_or(text.len(), |i| at + i);
        let url = &text[start..end];
        (start < at && is_aws_url(url)).then_some(url)
    })
}

/// Whether a URL points at real AWS (`*.amazonaws.com`, also the China partition).
pub fn is_aws_url(url: &str) -> bool {
    let Some((_, rest)) = url.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = host.split(':').next().unwrap_or("").to_ascii_lowercase();
    ["amazonaws.com", "amazonaws.com.cn"]
        .iter()
        .any(|domain| host == *domain || host.ends_with(&format!(".{domain}")))
}

#[cfg(test)]
mod tests {
    use super::{aws_url_in, is_aws_url, may_construct};
    use crate::lang::Language;

    #[test]
    fn the_second_prefilter_keeps_every_construction_token() {
        let js = |t: &str| may_construct(Language::JavaScript, t);
        assert!(js("const s3 = new S3Client({})"));
        assert!(js("x = new\tAWS.S3()"));
        assert!(js("x = new(AWS.S3)"));
        assert!(js("AWS.config.update({})"));
        assert!(js("const u = 'https://s3.amazonaws.com'"));
        assert!(!js(
            "import { S3Client } from '@aws-sdk/client-s3'; renewal(); news.x"
        ));
        let py = |t: &str| may_construct(Language::Python, t);
        assert!(py("f = functools.partial(boto3.client, 's3')"));
        assert!(py("boto3.resource ('s3')"));
        assert!(!py("from botocore.exceptions import ClientError"));
        assert!(may_construct(Language::Shell, "echo"));
    }

    #[test]
    fn recognises_real_aws_hosts_only() {
        assert!(is_aws_url("https://s3.amazonaws.com"));
        assert!(is_aws_url(
            "https://sqs.eu-west-1.amazonaws.com/123456789012/orders"
        ));
        assert!(is_aws_url("https://s3.cn-north-1.amazonaws.com.cn/x"));
        assert!(!is_aws_url("http://localhost:4566"));
        assert!(!is_aws_url("https://amazonaws.com.evil.example/x"));
        assert!(!is_aws_url("https://docs.example.com/amazonaws.com"));
    }

    #[test]
    fn finds_the_url_inside_prose() {
        assert_eq!(
            aws_url_in("see https://s3.amazonaws.com/b/k for details"),
            Some("https://s3.amazonaws.com/b/k")
        );
        assert_eq!(
            aws_url_in("http://localhost:4566 then https://sqs.us-east-1.amazonaws.com/1/q"),
            Some("https://sqs.us-east-1.amazonaws.com/1/q")
        );
        assert_eq!(aws_url_in("://s3.amazonaws.com"), None);
        assert_eq!(aws_url_in("no url at all"), None);
    }
}
