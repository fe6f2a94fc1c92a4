//! The AWS emulator behind `awsredirect serve`: one loopback HTTP endpoint that speaks S3, SQS,
//! STS, DynamoDB, SNS, SSM Parameter Store, Secrets Manager and Lambda.
//!
//! It depends on nothing else in the workspace and never prints; the caller gets the bound
//! address through the `on_ready` callback and does its own reporting.
mod context;
pub mod dns;
mod error;
#[doc(hidden)]
pub mod fuzzing;
mod gateway;
mod health;
mod http;
mod protocols;
mod server;
mod services;
mod state;
mod timefmt;

pub use error::EmulatorError;
pub use server::{run, Ready, ServeConfig};
pub use services::NAMES as SERVICES;
pub use state::journal::Recovery;
