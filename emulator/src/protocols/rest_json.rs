//! The rest-json protocol's errors (API Gateway, AppSync, EKS, ...): the code in the
//! `x-amzn-ErrorType` header and a JSON body with `message`, as SDKs read them.
use serde_json::json;

use crate::error::ApiError;
use crate::http::{Response, ResponseBuilder};

/// An error in the rest-json shape. The body also carries `__type` (`namespace#Code`), so a
/// client of a JSON-protocol service that sent no `X-Amz-Target` reads it too.
pub fn error_response(err: &ApiError, namespace: &str, request_id: &str) -> Response {
    ResponseBuilder::new(err.status)
        .header("content-type", "application/json")
        .header("x-amzn-requestid", request_id)
        .header("x-amzn-errortype", &err.code)
        .body(
            json!({ "__type": format!("{namespace}#{}", err.code), "message": err.message })
                .to_string(),
        )
}
