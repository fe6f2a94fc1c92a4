//! Lambda over rest-json (`/2015-03-31/functions/...`): function management, and Invoke, which
//! runs Python and Node.js handlers from the stored zip in a local subprocess.
mod functions;
mod invoke;

pub use functions::code_download;
pub use invoke::invoke_detached;

use hyper::Method;
use percent_encoding::percent_decode_str;
use serde_json::{json, Value};

use crate::context::Context;
use crate::error::ApiError;
use crate::http::{Request, Response, ResponseBuilder};
use crate::server::App;

const PREFIX: &str = "/2015-03-31/functions";

/// Answers a Lambda request.
pub async fn handle(app: &App, ctx: &Context, req: Request) -> Response {
    let result = route(app, ctx, &req).await;
    match result {
        Ok(response) => response,
        Err(err) => error_response(&err, &ctx.request_id),
    }
}

async fn route(app: &App, ctx: &Context, req: &Request) -> Result<Response, ApiError> {
    let Some(rest) = req.path.strip_prefix(PREFIX) else {
        return Err(ApiError::not_implemented("Lambda", &describe(req)));
    };
    let segments: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    let method = &req.method;
    let name = segments.first().map(|s| function_name(s));
    if let Some(first) = segments.first() {
        check_qualifier(first, req.query_param("Qualifier"))?;
    }
    let tail = segments.get(1).map(String::as_str);
    match (method, name.as_deref(), tail, segments.len()) {
        (&Method::POST, None, _, 0) => functions::create(app, ctx, &body(req)?),
        (&Method::GET, None, _, 0) => functions::list(app, ctx, req),
        (&Method::GET, Some(name), None, 1) => functions::get(app, ctx, name),
        (&Method::DELETE, Some(name), None, 1) => functions::delete(app, ctx, name),
        (&Method::GET, Some(name), Some("configuration"), 2) => {
            functions::get_configuration(app, ctx, name)
        }
        (&Method::PUT, Some(name), Some("configuration"), 2) => {
            functions::update_configuration(app, ctx, name, &body(req)?)
        }
        (&Method::PUT, Some(name), Some("code"), 2) => {
            functions::update_code(app, ctx, name, &body(req)?)
        }
        (&Method::POST, Some(name), Some("invocations"), 2) => {
            invoke::invoke(app, ctx, name, req).await
        }
        _ => Err(ApiError::not_implemented("Lambda", &describe(req))),
    }
}

fn describe(req: &Request) -> String {
    format!("{} {}", req.method, req.path)
}

/// A function name from a name, a partial ARN or a full ARN (any qualifier dropped).
pub fn function_name(text: &str) -> String {
    match text.split_once(":function:") {
        Some((_, rest)) => rest.split(':').next().unwrap_or(rest).to_string(),
        None => text.split(':').next().unwrap_or(text).to_string(),
    }
}

/// Only `$LATEST` exists (no published versions or aliases): any other qualifier, in the name
/// or as `Qualifier`, names a function version that is not there.
fn check_qualifier(text: &str, qualifier: Option<&str>) -> Result<(), ApiError> {
    let name = function_name(text);
    let in_name = match text.split_once(":function:") {
        Some((_, rest)) => rest.split(':').nth(1),
        None => text.split(':').nth(1),
    };
    match in_name.or(qualifier) {
        Some(q) if q != "$LATEST" => Err(ApiError::new(
            404,
            "ResourceNotFoundException",
            format!("Function not found: {name}:{q} (awsredirect serve keeps only $LATEST; versions and aliases are not implemented)"),
        )),
        _ => Ok(()),
    }
}

fn body(req: &Request) -> Result<Value, ApiError> {
    if req.body.is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_slice(&req.body)
        .map_err(|e| invalid(format!("the request body is not valid JSON: {e}")))
}

pub fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidParameterValueException", message)
}

pub fn not_found(arn: &str) -> ApiError {
    ApiError::new(
        404,
        "ResourceNotFoundException",
        format!("Function not found: {arn}"),
    )
}

/// A JSON answer with a status code.
pub fn json_response(status: u16, request_id: &str, body: &Value) -> Response {
    ResponseBuilder::new(status)
        .header("content-type", "application/json")
        .header("x-amzn-requestid", request_id)
        .body(body.to_string())
}

/// A Lambda error: the code in `x-amzn-ErrorType`, `Type` and `message` in the body.
pub fn error_response(err: &ApiError, request_id: &str) -> Response {
    let kind = if err.sender_fault { "User" } else { "Service" };
    ResponseBuilder::new(err.status)
        .header("content-type", "application/json")
        .header("x-amzn-requestid", request_id)
        .header("x-amzn-errortype", &err.code)
        .body(json!({ "Type": kind, "message": err.message }).to_string())
}
