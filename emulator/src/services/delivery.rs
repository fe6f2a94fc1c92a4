//! The one path by which a service hands an event to another service's resource — an SQS queue,
//! an SNS topic or a Lambda function, named by ARN — with retries and a dead-letter target.
//!
//! SNS subscriptions, S3 event notifications and EventBridge targets all deliver through
//! [`send`]. Queues and topics are in this process, so the first attempt runs at once (a
//! message published to a topic is in its subscribed queues when Publish answers); a failed
//! attempt (the queue is gone, a FIFO queue refuses the message) and every Lambda delivery go on
//! in a background task. After the last failed attempt the message goes to the delivery's
//! dead-letter target, if it has one, as AWS does for SNS subscriptions' and EventBridge targets'
//! dead-letter queues. A Lambda target counts as delivered once Lambda accepts the event (the
//! function exists and can run); what happens to it then is Lambda's asynchronous invocation
//! (its own retries and the function's `DeadLetterConfig`, in `lambda::invoke_async`).
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::context::Context;
use crate::error::ApiError;
use crate::server::App;
use crate::services::{lambda, sns, sqs};
use crate::state::sqs::AttributeValue;

/// How many times a failed delivery is retried. AWS retries for longer (SNS for hours,
/// EventBridge for a day); the emulator gives up sooner so a dead-letter outcome shows while a
/// test or a developer is watching.
pub const RETRIES: u32 = 2;

/// The wait before retry `n` (1-based): 1 s, then 2 s.
pub fn retry_delay(n: u32) -> Duration {
    Duration::from_secs(u64::from(n.clamp(1, 2)))
}

/// One message for one target.
#[derive(Debug, Clone, Default)]
pub struct Delivery {
    /// `arn:<partition>:sqs|sns|lambda:<region>:<account>:<name>` (a function ARN may carry a
    /// qualifier).
    pub target: String,
    /// The SQS message body, the SNS message or the Lambda event (JSON).
    pub message: String,
    /// Message attributes (SQS and SNS targets).
    pub attributes: BTreeMap<String, AttributeValue>,
    /// For FIFO queues and topics.
    pub group_id: Option<String>,
    pub dedup_id: Option<String>,
    /// An SQS queue or SNS topic ARN that receives the message after the last failed attempt.
    pub dead_letter: Option<String>,
    /// Retries after the first attempt.
    pub retries: u32,
}

impl Delivery {
    /// A delivery of `message` to `target` with the default retries and no dead-letter target.
    pub fn new(target: impl Into<String>, message: impl Into<String>) -> Delivery {
        Delivery {
            target: target.into(),
            message: message.into(),
            retries: RETRIES,
            ..Default::default()
        }
    }
}

/// The kind of resource an ARN names, with its account and region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    pub kind: Kind,
    pub account: String,
    pub region: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Queue(String),
    Topic,
    Function,
}

/// What `arn` names, if it is a queue, topic or function ARN.
pub fn destination(arn: &str) -> Option<Destination> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, _partition, service, region, account, resource] = parts[..] else {
        return None;
    };
    if prefix != "arn" || region.is_empty() || account.is_empty() || resource.is_empty() {
        return None;
    }
    let kind = match service {
        "sqs" if !resource.contains(':') => Kind::Queue(resource.to_string()),
        "sns" if !resource.contains(':') => Kind::Topic,
        "lambda" if resource.starts_with("function:") => Kind::Function,
        _ => return None,
    };
    Some(Destination {
        kind,
        account: account.to_string(),
        region: region.to_string(),
    })
}

/// Whether the queue, topic or function `arn` names exists (as S3 checks a notification's
/// destinations before storing them); `origin` supplies the host and credentials.
pub fn exists(app: &App, origin: &Context, arn: &str) -> bool {
    let Some(dest) = destination(arn) else {
        return false;
    };
    match &dest.kind {
        Kind::Queue(name) => app
            .state
            .sqs()
            .queue(&dest.account, &dest.region, name)
            .is_some(),
        Kind::Topic => sns::topic_exists(&app.state, arn),
        Kind::Function => lambda::function_exists(app, &target_context(origin, &dest), arn),
    }
}

/// Sends `delivery` on behalf of the request in `origin` (whose host and credentials the target
/// sees); never fails the caller: what cannot be delivered goes to the dead-letter target.
pub fn send(app: &App, origin: &Context, delivery: Delivery) {
    let Some(dest) = destination(&delivery.target) else {
        dead_letter(app, origin, &delivery);
        return;
    };
    let ctx = target_context(origin, &dest);
    if dest.kind != Kind::Function && attempt(app, &ctx, &dest, &delivery).is_ok() {
        return;
    }
    let Some(app) = app.handle() else { return };
    let first = if dest.kind == Kind::Function { 0 } else { 1 };
    tokio::spawn(async move { keep_trying(app, ctx, dest, delivery, first).await });
}

/// Attempts `first..=retries` with their delays, then the dead-letter target.
async fn keep_trying(app: Arc<App>, ctx: Context, dest: Destination, d: Delivery, first: u32) {
    for n in first..=d.retries {
        if n > 0 {
            tokio::time::sleep(retry_delay(n)).await;
        }
        if attempt(&app, &ctx, &dest, &d).is_ok() {
            return;
        }
    }
    dead_letter(&app, &ctx, &d);
}

/// One attempt: the message is in the queue, published to the topic, or accepted by Lambda.
fn attempt(app: &App, ctx: &Context, dest: &Destination, d: &Delivery) -> Result<(), ApiError> {
    match &dest.kind {
        Kind::Queue(name) => {
            let queue = sqs::QueueRef {
                account: dest.account.clone(),
                region: dest.region.clone(),
                name: name.clone(),
            };
            let (group, dedup) = (d.group_id.clone(), d.dedup_id.clone());
            let attributes = d.attributes.clone();
            sqs::deliver(
                &app.state,
                &queue,
                d.message.clone(),
                attributes,
                group,
                dedup,
            )
            .map(drop)
        }
        Kind::Topic => sns::publish_from(app, ctx, &d.target, d).map(drop),
        Kind::Function => lambda::invoke_async(app, ctx, &d.target, d.message.clone().into_bytes()),
    }
}

/// Hands an undeliverable message to its dead-letter target, once (no retries, no further
/// dead letter).
fn dead_letter(app: &App, ctx: &Context, d: &Delivery) {
    let Some(target) = &d.dead_letter else { return };
    let Some(dest) = destination(target) else {
        return;
    };
    let last = Delivery {
        target: target.clone(),
        dead_letter: None,
        retries: 0,
        ..d.clone()
    };
    let ctx = target_context(ctx, &dest);
    if dest.kind != Kind::Function {
        let _ = attempt(app, &ctx, &dest, &last);
    }
}

/// The context a delivery acts in: the target's account and region, the origin's host, scheme
/// and credentials, a request id of its own.
fn target_context(origin: &Context, dest: &Destination) -> Context {
    Context {
        account: dest.account.clone(),
        region: dest.region.clone(),
        request_id: uuid::Uuid::new_v4().to_string(),
        ..origin.clone()
    }
}

/// A `String` message attribute.
pub fn string_attribute(value: &str) -> AttributeValue {
    AttributeValue {
        data_type: "String".to_string(),
        string_value: Some(value.to_string()),
        binary_value: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_are_read_from_arns() {
        let queue = destination("arn:aws:sqs:eu-west-1:123456789012:jobs.fifo").unwrap();
        assert_eq!(queue.kind, Kind::Queue("jobs.fifo".to_string()));
        assert_eq!(
            (queue.account.as_str(), queue.region.as_str()),
            ("123456789012", "eu-west-1")
        );
        let topic = destination("arn:aws-cn:sns:cn-north-1:123456789012:alerts").unwrap();
        assert_eq!(topic.kind, Kind::Topic);
        let function =
            destination("arn:aws:lambda:us-east-1:123456789012:function:f:live").unwrap();
        assert_eq!(function.kind, Kind::Function);
        for not_a_target in [
            "arn:aws:s3:::bucket",
            "arn:aws:sqs:us-east-1:123456789012",
            "arn:aws:lambda:us-east-1:123456789012:layer:l",
            "arn:aws:sns:us-east-1:123456789012:topic:sub-id",
            "sqs:us-east-1:123456789012:q",
            "",
        ] {
            assert_eq!(destination(not_a_target), None, "{not_a_target}");
        }
    }

    #[test]
    fn retries_wait_one_then_two_seconds() {
        assert_eq!(retry_delay(1), Duration::from_secs(1));
        assert_eq!(retry_delay(2), Duration::from_secs(2));
        assert_eq!(retry_delay(9), Duration::from_secs(2));
    }
}
