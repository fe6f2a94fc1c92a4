//! The JSON 1.0 / 1.1 protocol: `X-Amz-Target` names the operation, JSON in and out.
use serde_json::Value;

use crate::error::ApiError;
use crate::http::{Request, Response, ResponseBuilder};

/// The operation named by `X-Amz-Target: Prefix.Operation`, split as (prefix, operation).
pub fn target(req: &Request) -> Option<(&str, &str)> {
    req.header("x-amz-target")?.rsplit_once('.')
}

/// The request body as a JSON object; an empty body counts as `{}`.
pub fn parse_body(req: &Request) -> Result<Value, ApiError> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err(serialization_error(
            "the request body must be a JSON object",
        )),
        Err(e) => Err(serialization_error(&format!("malformed JSON body: {e}"))),
    }
}

fn serialization_error(message: &str) -> ApiError {
    ApiError::new(400, "SerializationException", message)
}

/// A successful answer with a JSON body.
pub fn ok_response(version: &str, request_id: &str, body: &Value) -> Response {
    ResponseBuilder::new(200)
        .header("content-type", &format!("application/x-amz-json-{version}"))
        .header("x-amzn-requestid", request_id)
        .body(body.to_string())
}

/// An error: `__type` carries `namespace#Code`; for services that moved from the query protocol
/// (`awsQueryCompatible`), `x-amzn-query-error` carries `LegacyCode;Sender|Receiver`, which
/// SDKs use to pick the typed exception.
pub fn error_response(
    err: &ApiError,
    version: &str,
    namespace: &str,
    query_compatible: bool,
    request_id: &str,
) -> Response {
    let mut body = serde_json::json!({
        "__type": format!("{namespace}#{}", err.code),
        "message": err.message,
    });
    // Modeled members of the error beyond its message (DynamoDB's `Item` of a failed condition,
    // `CancellationReasons` of a cancelled transaction), carried as JSON text.
    for (name, value) in &err.fields {
        if let Ok(parsed) = serde_json::from_str::<Value>(value) {
            body[*name] = parsed;
        }
    }
    let mut builder = ResponseBuilder::new(err.status)
        .header("content-type", &format!("application/x-amz-json-{version}"))
        .header("x-amzn-requestid", request_id);
    if query_compatible {
        let code = err.query_code.as_deref().unwrap_or(&err.code);
        let fault = if err.sender_fault {
            "Sender"
        } else {
            "Receiver"
        };
        builder = builder.header("x-amzn-query-error", &format!("{code};{fault}"));
    }
    builder.body(body.to_string())
}
