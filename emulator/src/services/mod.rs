//! The emulated services and how each one's requests and errors are dispatched and rendered.
pub mod delivery;
pub mod dynamodb;
pub mod events;
pub mod iam;
pub mod lambda;
pub mod s3;
pub mod secretsmanager;
pub mod sns;
pub mod sqs;
pub mod ssm;
pub mod sts;
mod unimplemented;

use hyper::header::HeaderMap;
use hyper::Method;

use super::context::Context;
use super::error::ApiError;
use super::http::{header_str, Request, Response};
use super::protocols::{query, rest_xml};
use super::server::App;

/// The services the emulator has, by signing name (which is also each one's endpoint prefix,
/// as in `sqs.us-east-1.amazonaws.com`): the one list `awsredirect infra` and the docs derive
/// from. [`Service::from_signing_name`] maps each to its variant (checked by a test).
pub const NAMES: &[&str] = &[
    "s3",
    "sqs",
    "sts",
    "dynamodb",
    "sns",
    "ssm",
    "secretsmanager",
    "lambda",
    "iam",
    "events",
];

/// A service a request is addressed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Service {
    S3,
    Sqs,
    Sts,
    DynamoDb,
    Ssm,
    Sns,
    SecretsManager,
    Lambda,
    Iam,
    Events,
    /// A service this emulator does not have, by signing name or target prefix.
    Other(String),
}

impl Service {
    /// The service for a SigV4 signing name.
    pub fn from_signing_name(name: &str) -> Service {
        match name {
            "s3" => Service::S3,
            "sqs" => Service::Sqs,
            "sts" => Service::Sts,
            "dynamodb" => Service::DynamoDb,
            "ssm" => Service::Ssm,
            "sns" => Service::Sns,
            "secretsmanager" => Service::SecretsManager,
            "lambda" => Service::Lambda,
            "iam" => Service::Iam,
            "events" => Service::Events,
            other => Service::Other(other.to_string()),
        }
    }
}

/// Hands a request to its service.
pub async fn dispatch(app: &App, service: &Service, ctx: &Context, req: Request) -> Response {
    match service {
        Service::S3 => s3::handle(app, ctx, req),
        Service::Sqs => sqs::handle(app, ctx, req).await,
        Service::Sts => sts::handle(&app.state, &app.default_account, ctx, &req).await,
        Service::DynamoDb => dynamodb::handle(&app.state, ctx, &req).await,
        Service::Ssm => ssm::handle(&app.state, ctx, &req).await,
        Service::Sns => sns::handle(app, ctx, &req).await,
        Service::SecretsManager => secretsmanager::handle(app, ctx, &req).await,
        Service::Lambda => lambda::handle(app, ctx, req).await,
        Service::Iam => iam::handle(&app.state, ctx, &req).await,
        Service::Events => events::handle(app, ctx, &req).await,
        Service::Other(name) => unimplemented::answer(name, &req, &ctx.request_id),
    }
}

/// An error in the protocol the client used for this service.
pub fn render_error(
    service: &Service,
    headers: &HeaderMap,
    method: &Method,
    err: &ApiError,
    request_id: &str,
) -> Response {
    let uses_json = header_str(headers, "x-amz-target").is_some();
    match service {
        Service::S3 => rest_xml::error_response(err, request_id, method == Method::HEAD),
        Service::Sqs if uses_json => sqs::json_error(err, request_id),
        Service::Sqs => query::error_response(err, sqs::XMLNS, request_id),
        Service::Sts => sts::error_response(err, request_id),
        Service::DynamoDb => dynamodb::error_response(err, request_id),
        Service::Ssm => ssm::error_response(err, request_id),
        Service::Sns => sns::error_response(err, request_id),
        Service::SecretsManager => secretsmanager::error_response(err, request_id),
        Service::Lambda => lambda::error_response(err, request_id),
        Service::Iam => iam::error_response(err, request_id),
        Service::Events => events::error_response(err, request_id),
        Service::Other(name) => {
            unimplemented::error(name, headers, err, request_id, method == Method::HEAD)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_service_is_emulated() {
        for name in NAMES {
            assert!(
                !matches!(Service::from_signing_name(name), Service::Other(_)),
                "{name}"
            );
        }
        assert_eq!(NAMES.len(), 10);
    }
}
