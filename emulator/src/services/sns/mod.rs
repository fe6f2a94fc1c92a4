//! SNS over the query protocol: topics, subscriptions and publishing, with `sqs` subscriptions
//! delivered into the emulator's own queues and `lambda` subscriptions invoking its functions.
pub(crate) mod filter;
mod publish;
mod topics;

use serde_json::{Map, Value};

use crate::context::Context;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::protocols::query;
use crate::server::App;
use crate::state::State;

pub const XMLNS: &str = "http://sns.amazonaws.com/doc/2010-03-31/";

/// One SNS call: the state, the caller and the unflattened parameters.
pub struct Call<'a> {
    pub app: &'a App,
    pub state: &'a State,
    pub ctx: &'a Context,
    pub input: &'a Value,
}

/// Answers an SNS request.
pub fn handle(app: &App, ctx: &Context, req: &Request) -> Response {
    let params = match query::params(req) {
        Ok(params) => params,
        Err(err) => return query::error_response(&err, XMLNS, &ctx.request_id),
    };
    let Some(action) = query::action(&params).map(str::to_string) else {
        let err = ApiError::new(400, "MissingAction", "the request names no Action");
        return query::error_response(&err, XMLNS, &ctx.request_id);
    };
    let input = query::unflatten(&params);
    let call = Call {
        app,
        state: &app.state,
        ctx,
        input: &input,
    };
    match run(&call, &action) {
        Ok(inner) => query::ok_response(&action, XMLNS, &ctx.request_id, &inner),
        Err(err) => query::error_response(&err, XMLNS, &ctx.request_id),
    }
}

fn run(call: &Call, action: &str) -> Result<String, ApiError> {
    match action {
        "CreateTopic" => topics::create(call),
        "ListTopics" => topics::list(call),
        "DeleteTopic" => topics::delete(call),
        "GetTopicAttributes" => topics::get_attributes(call),
        "SetTopicAttributes" => topics::set_attributes(call),
        "Subscribe" => topics::subscribe(call),
        "Unsubscribe" => topics::unsubscribe(call),
        "ListSubscriptions" => topics::list_subscriptions(call, None),
        "ListSubscriptionsByTopic" => {
            let arn = required(call.input, "TopicArn")?;
            topics::list_subscriptions(call, Some(arn))
        }
        "GetSubscriptionAttributes" => topics::get_subscription_attributes(call),
        "SetSubscriptionAttributes" => topics::set_subscription_attributes(call),
        "Publish" => publish::publish(call),
        "PublishBatch" => publish::publish_batch(call),
        other => Err(ApiError::not_implemented("SNS", other)),
    }
}

pub fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidParameter", message)
}

pub fn not_found(message: impl Into<String>) -> ApiError {
    ApiError::new(404, "NotFound", message)
}

pub fn required<'v>(input: &'v Value, name: &str) -> Result<&'v str, ApiError> {
    input.get(name).and_then(Value::as_str).ok_or_else(|| {
        invalid(format!(
            "Invalid parameter: {name} Reason: no value for required parameter"
        ))
    })
}

/// `Attributes.entry.N.key/value` as a map.
pub fn entries(input: &Value, name: &str) -> Map<String, Value> {
    let mut out = Map::new();
    let list = input.get(name).and_then(|a| a.get("entry"));
    for entry in list.and_then(Value::as_array).into_iter().flatten() {
        if let (Some(k), Some(v)) = (entry["key"].as_str(), entry.get("value")) {
            out.insert(k.to_string(), v.clone());
        }
    }
    out
}

/// The (account, region, name) an SNS ARN names.
pub fn parse_arn(arn: &str) -> Option<(String, String, String)> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" || parts[2] != "sns" {
        return None;
    }
    Some((
        parts[4].to_string(),
        parts[3].to_string(),
        parts[5].to_string(),
    ))
}
