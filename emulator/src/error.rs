//! Errors that stop the emulator from starting or running, and the per-request API error type.
use std::path::PathBuf;

/// Why the emulator could not start or keep running.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("invalid host {0:?}: expected an IP address or `localhost`")]
    InvalidHost(String),
    #[error("invalid account id {0:?}: {fmt}", fmt = crate::context::ACCOUNT_ID_FORMAT)]
    InvalidAccountId(String),
    #[error("state directory {path}: {source}")]
    StateIo {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Tls(#[from] crate::tls::ca::CaError),
    #[error("state file {path} is corrupt at byte {offset}: {reason}; refusing to start so that no state is silently lost (`--recover` moves it aside and starts with every record that still verifies)")]
    CorruptState {
        path: PathBuf,
        offset: u64,
        reason: String,
    },
}

/// An error answered to one request, rendered by the protocol of the service that raised it.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status code.
    pub status: u16,
    /// The error code (for SQS: the modeled shape name, e.g. `QueueDoesNotExist`).
    pub code: String,
    /// The legacy query-protocol code where it differs from `code` (SQS only).
    pub query_code: Option<String>,
    pub message: String,
    /// Whether the caller is at fault (`Sender`) rather than the server (`Receiver`).
    pub sender_fault: bool,
    /// Extra elements some protocols add to the error body (S3: `BucketName`, `Key`, ...).
    pub fields: Vec<(&'static str, String)>,
}

impl ApiError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.to_string(),
            query_code: None,
            message: message.into(),
            sender_fault: status < 500,
            fields: Vec::new(),
        }
    }

    pub fn with_field(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.fields.push((name, value.into()));
        self
    }

    /// An operation this emulator does not implement; the message names it.
    pub fn not_implemented(service: &str, operation: &str) -> Self {
        ApiError::new(
            501,
            "NotImplemented",
            format!("{service} operation {operation} is not implemented by awsredirect serve"),
        )
    }

    /// A request body over the configured limit.
    pub fn body_too_large(limit: usize) -> Self {
        ApiError::new(
            413,
            "RequestEntityTooLarge",
            format!("request body exceeds the emulator's limit of {limit} bytes (see `awsredirect serve --max-body-bytes`)"),
        )
    }
}
