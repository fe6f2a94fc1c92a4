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
