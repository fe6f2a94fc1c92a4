//! DynamoDB over JSON 1.0 (`X-Amz-Target: DynamoDB_20120810.Operation`): tables, items,
//! expressions, queries, scans, batches and transactions.
mod batch;
mod errors;
pub(crate) mod eval;
pub(crate) mod expr;
mod items;
mod query;
mod tables;
pub mod values;

use serde_json::{json, Value};

use crate::context::Context;
use crate::error::ApiError;
use crate::http::{Request, Response, ResponseBuilder};
use crate::protocols::json;
use crate::state::State;

const NAMESPACE: &str = "com.amazonaws.dynamodb.v20120810";

/// One DynamoDB call: the state, the caller and the request body.
pub struct Call<'a> {
    pub state: &'a State,
    pub ctx: &'a Context,
    pub input: &'a Value,
}

/// Answers a DynamoDB request.
pub fn handle(state: &State, ctx: &Context, req: &Request) -> Response {
    let operation = json::target(req).map(|(_, op)| op.to_string());
    let result = match (operation, json::parse_body(req)) {
        (Some(op), Ok(input)) => run(
            &Call {
                state,
                ctx,
                input: &input,
            },
            &op,
        ),
        (None, _) => Err(ApiError::new(
            400,
            "UnknownOperationException",
            "the request names no operation",
        )),
        (_, Err(err)) => Err(err),
    };
    match result {
        Ok(output) => json::ok_response("1.0", &ctx.request_id, &output),
        Err(err) => error_response(&err, &ctx.request_id),
    }
}

/// Parameters of DynamoDB's legacy (pre-expression) API, which this emulator refuses rather
/// than ignores.
const LEGACY: [&str; 6] = [
    "Expected",
    "ConditionalOperator",
    "KeyConditions",
    "QueryFilter",
    "ScanFilter",
    "AttributeUpdates",
];

fn run(call: &Call, operation: &str) -> Result<Value, ApiError> {
    if let Some(legacy) = LEGACY.iter().find(|p| call.input.get(**p).is_some()) {
        return Err(ApiError::not_implemented(
            "DynamoDB",
            &format!("{operation} with the legacy parameter {legacy} (use expressions)"),
        ));
    }
    match operation {
        "CreateTable" => tables::create(call),
        "DescribeTable" => tables::describe(call),
        "ListTables" => tables::list(call),
        "DeleteTable" => tables::delete(call),
        "UpdateTable" => tables::update(call),
        "PutItem" => items::put(call),
        "GetItem" => items::get(call),
        "DeleteItem" => items::delete(call),
        "UpdateItem" => items::update(call),
        "Query" => query::query(call),
        "Scan" => query::scan(call),
        "BatchGetItem" => batch::batch_get(call),
        "BatchWriteItem" => batch::batch_write(call),
        "TransactWriteItems" => batch::transact_write(call),
        "TransactGetItems" => batch::transact_get(call),
        other => Err(ApiError::not_implemented("DynamoDB", other)),
    }
}

/// A DynamoDB error: `__type` with the service namespace, and the cancellation reasons of a
/// cancelled transaction (carried as a JSON field of the error).
pub fn error_response(err: &ApiError, request_id: &str) -> Response {
    let mut body = json!({
        "__type": format!("{NAMESPACE}#{}", err.code),
        "message": err.message,
    });
    for (name, value) in &err.fields {
        if let Ok(parsed) = serde_json::from_str::<Value>(value) {
            body[*name] = parsed;
        }
    }
    ResponseBuilder::new(err.status)
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amzn-requestid", request_id)
        .body(body.to_string())
}
