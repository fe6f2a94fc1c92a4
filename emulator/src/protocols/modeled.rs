//! The codec for services built on generated shapes: picks the wire protocol from the model's
//! metadata (JSON 1.0 / 1.1, query or rest-json), decodes a request into the operation's input value and
//! validates it against the model, and encodes the typed output or the error in the same
//! protocol. A service on this codec implements operations and never formats JSON or XML.
use serde_json::Value;

use super::xml::XmlWriter;
use super::{json, query};
use crate::error::ApiError;
use crate::http::{Request, Response, ResponseBuilder};
use crate::model::{rest, validate, wire, ServiceModel};

/// The operation a request names and its validated input.
pub fn decode(model: &ServiceModel, req: &Request) -> Result<(String, Value), ApiError> {
    let parsed = model.get();
    let (operation, input) = match parsed.metadata.protocol.as_str() {
        "query" => {
            let params = query::params(req)?;
            let operation = query::action(&params)
                .ok_or_else(|| ApiError::new(400, "MissingAction", "the request names no Action"))?
                .to_string();
            let input = wire::query_input(parsed, &operation, &params);
            (operation, input)
        }
        "rest-json" => {
            let service = &parsed.metadata.service_id;
            let described = format!("{} {}", req.method, req.path);
            let route = rest::route(parsed, req)
                .ok_or_else(|| ApiError::not_implemented(service, &described))?;
            let input = rest::input(parsed, &route, req)?;
            (route.operation.to_string(), input)
        }
        _ => {
            let operation = json::target(req).map(|(_, op)| op.to_string());
            let operation = operation.ok_or_else(|| {
                ApiError::new(
                    400,
                    "UnknownOperationException",
                    "X-Amz-Target must be <TargetPrefix>.<Operation>",
                )
            })?;
            (operation, json::parse_body(req)?)
        }
    };
    if !parsed.operations.contains_key(&operation) {
        return Err(ApiError::not_implemented(
            &parsed.metadata.service_id,
            &operation,
        ));
    }
    validate::check(model, &operation, &input)?;
    Ok((operation, input))
}

/// The response for an operation's output or error.
pub fn encode(
    model: &ServiceModel,
    operation: &str,
    result: Result<Value, ApiError>,
    request_id: &str,
) -> Response {
    match result {
        Ok(output) => ok_response(model, operation, &output, request_id),
        Err(err) => error_response(model, &err, request_id),
    }
}

fn ok_response(
    model: &ServiceModel,
    operation: &str,
    output: &Value,
    request_id: &str,
) -> Response {
    let parsed = model.get();
    let meta = &parsed.metadata;
    if meta.protocol == "query" {
        let mut w = XmlWriter::default();
        let spec = parsed
            .operations
            .get(operation)
            .and_then(|op| op.output.as_ref());
        if let Some(spec) = spec {
            wire::write_members(parsed, &spec.shape, output, &mut w);
        }
        let xmlns = meta.xml_namespace.as_deref().unwrap_or_default();
        let inner = w.finish();
        let inner = spec.map(|_| inner.as_str());
        return query::ok_response(operation, xmlns, request_id, inner);
    }
    if meta.protocol == "rest-json" {
        return rest_json_response(model, operation, output, request_id);
    }
    json::ok_response(json_version(model), request_id, output)
}

/// An error in the service's protocol.
pub fn error_response(model: &ServiceModel, err: &ApiError, request_id: &str) -> Response {
    let meta = &model.get().metadata;
    if meta.protocol == "query" {
        let xmlns = meta.xml_namespace.as_deref().unwrap_or_default();
        return query::error_response(err, xmlns, request_id);
    }
    if meta.protocol == "rest-json" {
        return rest_json_error(err, request_id);
    }
    let namespace = model.namespace();
    let compatible = meta.aws_query_compatible.is_some();
    json::error_response(err, json_version(model), &namespace, compatible, request_id)
}

fn json_version(model: &ServiceModel) -> &str {
    model
        .get()
        .metadata
        .json_version
        .as_deref()
        .unwrap_or("1.1")
}

fn rest_json_response(
    model: &ServiceModel,
    operation: &str,
    output: &Value,
    request_id: &str,
) -> Response {
    let parsed = model.get();
    let spec = parsed.operations.get(operation);
    let shape = spec
        .and_then(|op| op.output.as_ref())
        .map(|o| o.shape.as_str());
    let split = rest::output(parsed, shape.unwrap_or_default(), output);
    let modeled_status = spec
        .and_then(|op| op.http.as_ref())
        .and_then(|h| h.response_code);
    let status = split.status.or(modeled_status).unwrap_or(200);
    // Lambda labels raw payloads (Invoke's) `application/json` too.
    let mut builder = ResponseBuilder::new(status)
        .header("content-type", "application/json")
        .header("x-amzn-requestid", request_id);
    for (name, value) in &split.headers {
        builder = builder.header(name, value);
    }
    builder.body(split.body)
}

/// A rest-json error: the code in `x-amzn-ErrorType`, `Type` (`User` or `Service`) and
/// `message` in the body, as Lambda sends them.
fn rest_json_error(err: &ApiError, request_id: &str) -> Response {
    let kind = if err.sender_fault { "User" } else { "Service" };
    ResponseBuilder::new(err.status)
        .header("content-type", "application/json")
        .header("x-amzn-requestid", request_id)
        .header("x-amzn-errortype", &err.code)
        .body(serde_json::json!({ "Type": kind, "message": err.message }).to_string())
}
