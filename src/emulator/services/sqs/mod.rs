//! SQS over both its JSON protocol (current SDKs) and the query protocol (older ones).
use crate::emulator::context::Context;
use crate::emulator::error::ApiError;
use crate::emulator::http::{Request, Response};
use crate::emulator::protocols::json;
use crate::emulator::server::App;

pub const XMLNS: &str = "http://queue.amazonaws.com/doc/2012-11-05/";

pub async fn handle(_app: &App, ctx: &Context, _req: Request) -> Response {
    json_error(&ApiError::not_implemented("SQS", "x"), &ctx.request_id)
}

/// An SQS error in the JSON protocol, with the legacy code in `x-amzn-query-error`.
pub fn json_error(err: &ApiError, request_id: &str) -> Response {
    json::error_response(err, "1.0", "com.amazonaws.sqs", true, request_id)
}
