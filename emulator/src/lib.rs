//! The AWS emulator behind `awsredirect serve`: one loopback HTTP endpoint (and, with `tls`, an
//! HTTPS one with a local CA) that speaks S3, SQS, STS, DynamoDB, SNS, SSM Parameter Store,
//! Secrets Manager, Lambda and IAM.
//!
//! It depends on nothing else in the workspace and never prints; the caller gets the bound
//! address through the `on_ready` callback and does its own reporting.
mod admin;
mod context;
pub mod dns;
mod error;
#[doc(hidden)]
pub mod fuzzing;
mod gateway;
mod generated;
mod health;
mod hostname;
mod http;
mod model;
mod pattern;
mod protocols;
mod server;
mod services;
mod state;
mod timefmt;
pub mod tls;

pub use context::{parse_account_id, DEFAULT_ACCOUNT};
pub use error::EmulatorError;
pub use server::{run, run_until, Ready, ServeConfig};
pub use services::NAMES as SERVICES;
pub use state::journal::Recovery;
