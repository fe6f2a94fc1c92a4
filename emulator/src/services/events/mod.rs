//! EventBridge over JSON 1.1: event buses, rules with event patterns or schedules, targets, and
//! PutEvents, which routes each event to the targets of the rules it matches (SQS queues, SNS
//! topics, Lambda functions) through `services::delivery`.
mod buses;
mod put;
mod rules;
pub mod schedule;
mod transform;

use crate::context::Context;
use crate::error::ApiError;
use crate::generated::events::{self as model, errors};
use crate::http::{Request, Response};
use crate::model::Empty;
use crate::protocols::modeled;
use crate::server::App;
use crate::state::docs::{self, Scope};

/// The bus every account has in every region.
pub const DEFAULT_BUS: &str = "default";

/// The EventBridge operations over the emulator's state (and its queues, topics and functions,
/// for delivery).
pub struct Events<'a> {
    pub app: &'a App,
}

/// Answers an EventBridge request.
pub async fn handle(app: &App, ctx: &Context, req: &Request) -> Response {
    model::handle(&Events { app }, ctx, req).await
}

pub fn error_response(err: &ApiError, request_id: &str) -> Response {
    modeled::error_response(&model::MODEL, err, request_id)
}

pub fn validation(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "ValidationException", message)
}

pub fn not_found(message: impl Into<String>) -> ApiError {
    errors::RESOURCE_NOT_FOUND_EXCEPTION.with(message)
}

pub fn bus_scope(account: &str, region: &str) -> Scope {
    docs::scope("events", account, region, "bus")
}

pub fn rule_scope(account: &str, region: &str) -> Scope {
    docs::scope("events", account, region, "rule")
}

/// The name a bus parameter stands for: a name, an ARN (`...:event-bus/NAME`), or the default.
pub fn bus_name(parameter: Option<&str>) -> String {
    match parameter {
        None | Some("") => DEFAULT_BUS.to_string(),
        Some(arn) if arn.starts_with("arn:") => arn
            .split_once(":event-bus/")
            .map_or(arn, |(_, name)| name)
            .to_string(),
        Some(name) => name.to_string(),
    }
}

pub fn bus_arn(ctx: &Context, name: &str) -> String {
    ctx.arn("events", &format!("event-bus/{name}"))
}

/// A rule's ARN: `rule/NAME` on the default bus, `rule/BUS/NAME` on another.
pub fn rule_arn(account: &str, region: &str, bus: &str, name: &str) -> String {
    if bus == DEFAULT_BUS {
        crate::context::arn(region, "events", account, &format!("rule/{name}"))
    } else {
        crate::context::arn(region, "events", account, &format!("rule/{bus}/{name}"))
    }
}

/// The key of a rule's document: bus and name (neither may contain `|`).
pub fn rule_key(bus: &str, name: &str) -> String {
    format!("{bus}|{name}")
}

/// The position a `NextToken` stands for.
fn start_of(token: Option<&str>) -> Result<usize, ApiError> {
    match token {
        Some(token) => token
            .parse()
            .map_err(|_| validation("The NextToken provided is not valid.")),
        None => Ok(0),
    }
}

/// One page of `items` from `token`, at most `limit` (100 when absent), with the next token.
fn page<T>(
    items: Vec<T>,
    token: Option<&str>,
    limit: Option<i32>,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let start = start_of(token)?;
    let limit = limit.map_or(100, |l| usize::try_from(l).unwrap_or(100).max(1));
    let total = items.len();
    let taken: Vec<T> = items.into_iter().skip(start).take(limit).collect();
    let end = start + taken.len();
    let next = (end < total).then(|| end.to_string());
    Ok((taken, next))
}

impl model::Operations for Events<'_> {
    async fn create_event_bus(
        &self,
        ctx: &Context,
        input: model::CreateEventBusRequest,
    ) -> Result<model::CreateEventBusResponse, ApiError> {
        buses::create(self.app, ctx, input)
    }

    async fn delete_event_bus(
        &self,
        ctx: &Context,
        input: model::DeleteEventBusRequest,
    ) -> Result<Empty, ApiError> {
        buses::delete(self.app, ctx, &input.name)
    }

    async fn delete_rule(
        &self,
        ctx: &Context,
        input: model::DeleteRuleRequest,
    ) -> Result<Empty, ApiError> {
        rules::delete(self.app, ctx, input)
    }

    async fn describe_event_bus(
        &self,
        ctx: &Context,
        input: model::DescribeEventBusRequest,
    ) -> Result<model::DescribeEventBusResponse, ApiError> {
        buses::describe(self.app, ctx, input.name.as_deref())
    }

    async fn describe_rule(
        &self,
        ctx: &Context,
        input: model::DescribeRuleRequest,
    ) -> Result<model::DescribeRuleResponse, ApiError> {
        rules::describe(self.app, ctx, input)
    }

    async fn disable_rule(
        &self,
        ctx: &Context,
        input: model::DisableRuleRequest,
    ) -> Result<Empty, ApiError> {
        rules::set_state(
            self.app,
            ctx,
            &input.name,
            input.event_bus_name.as_deref(),
            "DISABLED",
        )
    }

    async fn enable_rule(
        &self,
        ctx: &Context,
        input: model::EnableRuleRequest,
    ) -> Result<Empty, ApiError> {
        rules::set_state(
            self.app,
            ctx,
            &input.name,
            input.event_bus_name.as_deref(),
            "ENABLED",
        )
    }

    async fn list_event_buses(
        &self,
        ctx: &Context,
        input: model::ListEventBusesRequest,
    ) -> Result<model::ListEventBusesResponse, ApiError> {
        buses::list(self.app, ctx, input)
    }

    async fn list_rule_names_by_target(
        &self,
        ctx: &Context,
        input: model::ListRuleNamesByTargetRequest,
    ) -> Result<model::ListRuleNamesByTargetResponse, ApiError> {
        rules::names_by_target(self.app, ctx, input)
    }

    async fn list_rules(
        &self,
        ctx: &Context,
        input: model::ListRulesRequest,
    ) -> Result<model::ListRulesResponse, ApiError> {
        rules::list(self.app, ctx, input)
    }

    async fn list_targets_by_rule(
        &self,
        ctx: &Context,
        input: model::ListTargetsByRuleRequest,
    ) -> Result<model::ListTargetsByRuleResponse, ApiError> {
        rules::list_targets(self.app, ctx, input)
    }

    async fn put_events(
        &self,
        ctx: &Context,
        input: model::PutEventsRequest,
    ) -> Result<model::PutEventsResponse, ApiError> {
        put::put_events(self.app, ctx, input)
    }

    async fn put_rule(
        &self,
        ctx: &Context,
        input: model::PutRuleRequest,
    ) -> Result<model::PutRuleResponse, ApiError> {
        rules::put(self.app, ctx, input)
    }

    async fn put_targets(
        &self,
        ctx: &Context,
        input: model::PutTargetsRequest,
    ) -> Result<model::PutTargetsResponse, ApiError> {
        rules::put_targets(self.app, ctx, input)
    }

    async fn remove_targets(
        &self,
        ctx: &Context,
        input: model::RemoveTargetsRequest,
    ) -> Result<model::RemoveTargetsResponse, ApiError> {
        rules::remove_targets(self.app, ctx, input)
    }

    async fn test_event_pattern(
        &self,
        _ctx: &Context,
        input: model::TestEventPatternRequest,
    ) -> Result<model::TestEventPatternResponse, ApiError> {
        put::test_event_pattern(&input.event_pattern, &input.event)
    }
}
