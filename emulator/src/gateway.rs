//! The gateway: works out which service a request is for (credential scope, `X-Amz-Target`,
//! presigned-URL credentials, an AWS `Host` name, `Action=`), reads the body within the size
//! limit, and dispatches.
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::http::request::Parts;

use super::admin;
use super::context::{new_request_id, Context, Scheme, DEFAULT_REGION};
use super::error::ApiError;
use super::health;
use super::hostname::{self, AwsHost};
use super::http::{header_str, parse_query, Request, Response};
use super::protocols::query;
use super::server::App;
use super::services::{self, Service};

/// Where a request goes, as far as its headers and URL tell.
struct Route {
    service: Option<Service>,
    access_key: String,
    region: String,
}

/// Answers one HTTP request.
pub async fn handle(app: Arc<App>, request: hyper::Request<Incoming>) -> Response {
    let (parts, body) = request.into_parts();
    if let Some(response) = health::answer(&parts.method, parts.uri.path()) {
        return response;
    }
    if let Some(response) =
        admin::answer(&app, &parts.method, parts.uri.path(), parts.uri.query()).await
    {
        return response;
    }
    if let Some(response) = services::lambda::code_download(&app, &parts.method, parts.uri.path()) {
        return response;
    }
    let route = route(&parts);
    let request_id = new_request_id();
    let body = match read_body(body, &parts, app.max_body_bytes).await {
        Ok(body) => body,
        Err(err) => {
            let service = route.service.clone().unwrap_or(Service::S3);
            return services::render_error(
                &service,
                &parts.headers,
                &parts.method,
                &err,
                &request_id,
            );
        }
    };
    // The TLS listener marks its requests; plain HTTP ones carry no mark.
    let scheme = parts
        .extensions
        .get::<Scheme>()
        .copied()
        .unwrap_or_default();
    let request = Request {
        method: parts.method.clone(),
        path: parts.uri.path().to_string(),
        query: parse_query(parts.uri.query()),
        headers: parts.headers,
        body,
    };
    let service = match route.service {
        Some(service) => service,
        None => service_for_action(&request),
    };
    let context = Context {
        // A key the emulator issued (IAM, STS) acts in its own account.
        account: services::iam::credentials::account_for(
            &app.state,
            &route.access_key,
            &app.default_account,
        ),
        region: route.region,
        access_key: route.access_key,
        request_id,
        host: request.header("host").unwrap_or("127.0.0.1").to_string(),
        scheme,
    };
    if !app.state.persists() {
        return services::dispatch(&app, &service, &context, request).await;
    }
    // With a journal the answer waits until the request's changes are on disk.
    let (headers, method) = (request.headers.clone(), request.method.clone());
    let answer = services::dispatch(&app, &service, &context, request);
    match app.state.acknowledged(answer).await {
        Ok(response) => response,
        Err(err) => services::render_error(&service, &headers, &method, &err, &context.request_id),
    }
}

/// Decides the service from headers and URL; `None` means "look at the `Action` parameter".
/// Signals in order: `X-Amz-Target`, the credential scope, an AWS hostname in `Host`
/// (`sqs.eu-west-1.amazonaws.com`, `bucket.s3.amazonaws.com`), a query form, else S3.
fn route(parts: &Parts) -> Route {
    let scope = header_str(&parts.headers, "authorization")
        .and_then(scope_from_authorization)
        .or_else(|| presigned_scope(parts.uri.query()));
    let host = aws_host(parts);
    let (access_key, region, scope_service) = match scope {
        Some(scope) => (scope.access_key, scope.region, Some(scope.service)),
        None => (
            "test".to_string(),
            host_region(host.as_ref()).to_string(),
            None,
        ),
    };
    let service = if let Some(target) = header_str(&parts.headers, "x-amz-target") {
        Some(service_for_target(target, scope_service.as_deref()))
    } else if let Some(name) = scope_service {
        Some(Service::from_signing_name(&name))
    } else if let Some(host) = host {
        Some(Service::from_signing_name(&host.service))
    } else if is_form(parts) {
        None
    } else {
        Some(Service::S3)
    };
    Route {
        service,
        access_key,
        region,
    }
}

/// The AWS hostname the request was sent to, from `Host` or an absolute-form URI.
fn aws_host(parts: &Parts) -> Option<AwsHost> {
    header_str(&parts.headers, "host")
        .or_else(|| parts.uri.host())
        .and_then(hostname::parse)
}

/// The region a hostname names; global names (`s3.amazonaws.com`) are us-east-1's.
fn host_region(host: Option<&AwsHost>) -> &str {
    host.and_then(|h| h.region.as_deref())
        .unwrap_or(DEFAULT_REGION)
}

fn is_form(parts: &Parts) -> bool {
    header_str(&parts.headers, "content-type")
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"))
        || parts.uri.query().is_some_and(|q| q.contains("Action="))
}

/// The service of a JSON-protocol request, named by its signing name where there is one.
fn service_for_target(target: &str, signing_name: Option<&str>) -> Service {
    let prefix = target.split('.').next().unwrap_or("");
    match prefix {
        "AmazonSQS" => Service::Sqs,
        "DynamoDB_20120810" => Service::DynamoDb,
        "AmazonSSM" => Service::Ssm,
        "secretsmanager" => Service::SecretsManager,
        "AWSEvents" => Service::Events,
        // No other service here is addressed by target: an unknown prefix is a service this
        // emulator does not have, answered in the JSON protocol the request used.
        _ => Service::Other(signing_name.unwrap_or(prefix).to_string()),
    }
}

/// For unsigned query requests: STS actions go to STS, every other action to SQS.
fn service_for_action(request: &Request) -> Service {
    // A form the query protocol refuses (too many or too deep parameters) is still a query
    // request: SQS's query binding answers it with an `<ErrorResponse>`.
    let Ok(params) = query::params(request) else {
        return Service::Sqs;
    };
    match query::action(&params) {
        Some(action) if services::sts::handles(action) => Service::Sts,
        Some(_) => Service::Sqs,
        None => Service::S3,
    }
}

/// The parts of a SigV4 credential scope we use.
struct Scope {
    access_key: String,
    region: String,
    service: String,
}

/// `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/s3/aws4_request, ...`
fn scope_from_authorization(header: &str) -> Option<Scope> {
    if let Some(rest) = header.strip_prefix("AWS ") {
        // SigV2 (`AWS AKID:signature`): S3 only.
        let access_key = rest.split(':').next()?.trim().to_string();
        return Some(Scope {
            access_key,
            region: DEFAULT_REGION.to_string(),
            service: "s3".to_string(),
        });
    }
    let start = header.find("Credential=")? + "Credential=".len();
    let credential = header[start..].split([',', ' ']).next()?;
    parse_credential(credential)
}

/// `X-Amz-Credential=AKID%2F...` in a presigned URL (or SigV2's `AWSAccessKeyId`).
fn presigned_scope(query: Option<&str>) -> Option<Scope> {
    let params = parse_query(query);
    for (name, value) in &params {
        if name == "X-Amz-Credential" {
            return parse_credential(value);
        }
        if name == "AWSAccessKeyId" {
            return Some(Scope {
                access_key: value.clone(),
                region: DEFAULT_REGION.to_string(),
                service: "s3".to_string(),
            });
        }
    }
    None
}

fn parse_credential(credential: &str) -> Option<Scope> {
    let mut fields = credential.split('/');
    let access_key = fields.next()?.to_string();
    let _date = fields.next()?;
    let region = fields.next()?.to_string();
    // `Credential=////` names no service: routed as if unsigned.
    let service = fields.next().filter(|s| !s.is_empty())?.to_string();
    Some(Scope {
        access_key,
        region,
        service,
    })
}

/// Reads the whole body, refusing one over `limit` bytes.
async fn read_body(body: Incoming, parts: &Parts, limit: usize) -> Result<Bytes, ApiError> {
    let declared = header_str(&parts.headers, "content-length").and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::body_too_large(limit));
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
            Err(ApiError::body_too_large(limit))
        }
        Err(e) => Err(ApiError::new(
            400,
            "IncompleteBody",
            format!("cannot read the request body: {e}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_credential_scope() {
        let scope = scope_from_authorization(
            "AWS4-HMAC-SHA256 Credential=123456789012/20240101/eu-west-1/sqs/aws4_request, SignedHeaders=host, Signature=abc",
        )
        .unwrap();
        assert_eq!(scope.access_key, "123456789012");
        assert_eq!(scope.region, "eu-west-1");
        assert_eq!(scope.service, "sqs");
    }

    #[test]
    fn reads_presigned_credentials() {
        let scope = presigned_scope(Some(
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=test%2F20240101%2Fus-west-2%2Fs3%2Faws4_request",
        ))
        .unwrap();
        assert_eq!(scope.region, "us-west-2");
        assert_eq!(scope.service, "s3");
    }
}
