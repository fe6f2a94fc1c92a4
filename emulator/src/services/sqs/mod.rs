//! SQS over both its JSON protocol (current SDKs) and the query protocol (older ones). The
//! protocol layer decodes either into one JSON value; the operations never see the wire.
mod digest;
mod errors;
mod input;
mod messages;
mod query_wire;
mod queues;
mod receive;

pub use messages::deliver;
pub use queues::QueueRef;
use serde_json::Value;

use crate::context::Context;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::protocols::{json, query};
use crate::server::App;
use crate::state::State;

pub const XMLNS: &str = "http://queue.amazonaws.com/doc/2012-11-05/";

/// One SQS call: the state, the caller and the decoded parameters.
pub struct Call<'a> {
    pub state: &'a State,
    pub ctx: &'a Context,
    pub input: &'a Value,
    /// Turns true when the server shuts down.
    pub stopping: &'a tokio::sync::watch::Receiver<bool>,
}

/// Answers an SQS request in the protocol it came in.
pub async fn handle(app: &App, ctx: &Context, req: Request) -> Response {
    if let Some((_, operation)) = json::target(&req) {
        let operation = operation.to_string();
        let result = match json::parse_body(&req) {
            Ok(input) => run(app, ctx, &operation, &input).await,
            Err(err) => Err(err),
        };
        return match result {
            Ok(output) => json::ok_response("1.0", &ctx.request_id, &output),
            Err(err) => json_error(&err, &ctx.request_id),
        };
    }
    if req.header("x-amz-target").is_some() {
        // A JSON-protocol request whose target names no operation: answered in JSON too.
        let err = ApiError::new(
            400,
            "UnknownOperationException",
            "X-Amz-Target must be AmazonSQS.<Operation>",
        );
        return json_error(&err, &ctx.request_id);
    }
    let (action, result) = match decode_query(&req) {
        Ok((action, input)) => {
            let result = run(app, ctx, &action, &input).await;
            (action, result)
        }
        Err(err) => (String::new(), Err(err)),
    };
    match result {
        Ok(output) => query::ok_response(
            &action,
            XMLNS,
            &ctx.request_id,
            &query_wire::result_xml(&action, &output),
        ),
        Err(err) => query::error_response(&err, XMLNS, &ctx.request_id),
    }
}

/// The action and JSON-shaped input of a query request; a queue URL path stands in for
/// a missing `QueueUrl` parameter.
fn decode_query(req: &Request) -> Result<(String, Value), ApiError> {
    let params = query::params(req)?;
    let action = query::action(&params)
        .ok_or_else(|| ApiError::new(400, "MissingAction", "the request names no Action"))?
        .to_string();
    let mut input = query_wire::normalize_input(query::unflatten(&params));
    let path = req.path.trim_matches('/');
    if input.get("QueueUrl").is_none() && path.contains('/') {
        let host = req.header("host").unwrap_or("127.0.0.1");
        input["QueueUrl"] = Value::String(format!("http://{host}/{path}"));
    }
    Ok((action, input))
}

/// An SQS error in the JSON protocol, with the legacy code in `x-amzn-query-error`.
pub fn json_error(err: &ApiError, request_id: &str) -> Response {
    json::error_response(err, "1.0", "com.amazonaws.sqs", true, request_id)
}

async fn run(app: &App, ctx: &Context, operation: &str, input: &Value) -> Result<Value, ApiError> {
    let call = Call {
        state: &app.state,
        ctx,
        input,
        stopping: &app.stopping,
    };
    match operation {
        "CreateQueue" => queues::create(&call),
        "GetQueueUrl" => queues::get_url(&call),
        "ListQueues" => queues::list(&call),
        "DeleteQueue" => queues::delete(&call),
        "PurgeQueue" => queues::purge(&call),
        "GetQueueAttributes" => queues::get_attributes(&call),
        "SetQueueAttributes" => queues::set_attributes(&call),
        "TagQueue" => queues::tag(&call),
        "UntagQueue" => queues::untag(&call),
        "ListQueueTags" => queues::list_tags(&call),
        "SendMessage" => messages::send(&call),
        "SendMessageBatch" => messages::send_batch(&call),
        "DeleteMessage" => messages::delete(&call),
        "DeleteMessageBatch" => messages::delete_batch(&call),
        "ChangeMessageVisibility" => messages::change_visibility(&call),
        "ChangeMessageVisibilityBatch" => messages::change_visibility_batch(&call),
        "ReceiveMessage" => receive::receive(&call).await,
        other => Err(ApiError::not_implemented("SQS", other)),
    }
}
