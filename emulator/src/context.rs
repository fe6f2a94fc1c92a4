//! Who is calling and where: account and region derived from the request's credentials.

/// The account, region and addressing of one request.
#[derive(Debug, Clone)]
pub struct Context {
    pub account: String,
    pub region: String,
    pub access_key: String,
    pub request_id: String,
    /// `host:port` the client used to reach us, for URLs we hand back (SQS queue URLs).
    pub host: String,
    /// Whether the client reached us over HTTPS (`serve --tls-port`).
    pub scheme: Scheme,
}

/// The scheme a connection speaks; the TLS listener marks its requests with `Scheme::Https`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scheme {
    #[default]
    Http,
    Https,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

impl Context {
    /// `scheme://host` as the client addressed us, the base of every URL handed back (queue
    /// URLs, `Location`s), so a client that came by `https://sqs.eu-west-1.amazonaws.com` is
    /// sent back there.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme.as_str(), self.host)
    }
}

pub const DEFAULT_ACCOUNT: &str = "000000000000";
pub const DEFAULT_REGION: &str = "us-east-1";

/// The account an access key id names: a 12-digit key is the account itself, anything else is
/// the default account.
pub fn account_for_access_key(access_key: &str) -> String {
    if access_key.len() == 12 && access_key.bytes().all(|b| b.is_ascii_digit()) {
        access_key.to_string()
    } else {
        DEFAULT_ACCOUNT.to_string()
    }
}

/// A fresh request id.
pub fn new_request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
