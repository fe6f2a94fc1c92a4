//! Topics and subscriptions: create, list, delete, attributes, subscribe and unsubscribe.
use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::filter::{self, Origin};
use super::{invalid, is_true, not_found, parse_arn, Call};
use crate::context::Context;
use crate::error::ApiError;
use crate::generated::sns::{self as model, errors};
use crate::model::Empty;
use crate::state::docs::{self, DocStore, Scope};

const PAGE: usize = 100;

pub fn topic_scope(account: &str, region: &str) -> Scope {
    docs::scope("sns", account, region, "topic")
}

pub fn subscription_scope(account: &str, region: &str) -> Scope {
    docs::scope("sns", account, region, "subscription")
}

/// The topic an ARN names, with its scope and name.
pub fn find_topic(store: &DocStore, arn: &str) -> Result<(Scope, String, Value), ApiError> {
    let missing = || not_found("Topic does not exist");
    let (account, region, name) = parse_arn(arn).ok_or_else(|| {
        invalid(format!(
            "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not {arn}"
        ))
    })?;
    let scope = topic_scope(&account, &region);
    let topic = store.get(&scope, &name).cloned().ok_or_else(missing)?;
    Ok((scope, name, topic))
}

/// A topic ARN an API request names must be of the request's region: SNS answers
/// `InvalidParameter` "Invalid parameter: TopicArn" for another region's (boto3#1084,
/// terraform-provider-aws#1763), and "Invalid parameter: Topic Name" for a name no topic can
/// have (a subscription ARN). Deliveries between the emulator's services do not ask.
pub fn check_topic_arn(ctx: &Context, arn: &str) -> Result<(), ApiError> {
    match parse_arn(arn) {
        Some((_, region, _)) if region != ctx.region => Err(invalid("Invalid parameter: TopicArn")),
        Some((_, _, name)) if !is_topic_name(&name) => Err(topic_name_error()),
        _ => Ok(()),
    }
}

/// The topic an API request names: of the request's region ([`check_topic_arn`]), and existing.
pub fn requested_topic(
    ctx: &Context,
    store: &DocStore,
    arn: &str,
) -> Result<(Scope, String, Value), ApiError> {
    check_topic_arn(ctx, arn)?;
    find_topic(store, arn)
}

/// Whether `name` is a topic name: 1 to 256 ASCII letters, digits, hyphens and underscores,
/// `.fifo` last for a FIFO topic.
fn is_topic_name(name: &str) -> bool {
    let base = name.strip_suffix(".fifo").unwrap_or(name);
    !base.is_empty()
        && name.len() <= 256
        && base
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A topic name SNS refuses, in its words: "Invalid parameter: Topic Name" (as AWS's SDKs
/// report it, for CreateTopic and for calls naming an ARN whose name is not a topic's, such as
/// a subscription ARN).
fn topic_name_error() -> ApiError {
    invalid("Invalid parameter: Topic Name")
}

fn validate_name(name: &str, fifo: bool) -> Result<(), ApiError> {
    match (is_topic_name(name) && name.ends_with(".fifo") == fifo, fifo) {
        (true, _) => Ok(()),
        (false, true) => Err(invalid(
            "Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.",
        )),
        (false, false) => Err(topic_name_error()),
    }
}

/// The delivery policy SNS reports when none is set (SNS Developer Guide, "Creating an HTTP/S
/// delivery policy": three retries, 20 s apart, linear backoff).
fn default_delivery_policy() -> String {
    json!({
        "defaultHealthyRetryPolicy": {
            "numNoDelayRetries": 0,
            "numMinDelayRetries": 0,
            "minDelayTarget": 20,
            "maxDelayTarget": 20,
            "numMaxDelayRetries": 0,
            "numRetries": 3,
            "backoffFunction": "linear",
        },
        "sicklyRetryPolicy": null,
        "throttlePolicy": null,
        "guaranteed": false,
    })
    .to_string()
}

/// Attributes as the documents keep them: a JSON object of strings.
fn stored(attributes: Option<BTreeMap<String, String>>) -> Map<String, Value> {
    attributes
        .into_iter()
        .flatten()
        .map(|(k, v)| (k, Value::String(v)))
        .collect()
}

/// A document's `Attributes` as the string map the wire carries.
fn attribute_strings(doc: &Value) -> BTreeMap<String, String> {
    doc["Attributes"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            (k.clone(), text)
        })
        .collect()
}

pub fn create(
    call: &Call,
    input: model::CreateTopicInput,
) -> Result<model::CreateTopicResponse, ApiError> {
    let name = input.name;
    let attributes = stored(input.attributes);
    let fifo = attributes.get("FifoTopic").is_some_and(is_true);
    validate_name(&name, fifo)?;
    let arn = call.ctx.arn("sns", &name);
    let output = model::CreateTopicResponse {
        topic_arn: Some(arn.clone()),
    };
    let scope = topic_scope(&call.ctx.account, &call.ctx.region);
    call.state.commit_docs(|store| {
        if let Some(existing) = store.get(&scope, &name) {
            let same = attributes
                .iter()
                .all(|(k, v)| existing["Attributes"].get(k) == Some(v));
            if !same {
                return Err(invalid(
                    "Invalid parameter: Attributes Reason: Topic already exists with different attributes",
                ));
            }
            return Ok((Vec::new(), output));
        }
        let doc = json!({
            "Arn": arn,
            "Name": name,
            "Attributes": attributes,
            "Tags": input.tags.unwrap_or_default(),
        });
        Ok((vec![docs::put(&scope, &name, doc)], output))
    })
}

/// The position a `NextToken` stands for.
fn start_of(token: Option<&str>) -> Result<usize, ApiError> {
    match token {
        Some(token) => token
            .parse()
            .map_err(|_| invalid("Invalid parameter: NextToken")),
        None => Ok(0),
    }
}

/// The token of the page after the one starting at `start`, if there is one.
fn next_token(start: usize, total: usize) -> Option<String> {
    (start + PAGE < total).then(|| (start + PAGE).to_string())
}

pub fn list(call: &Call, token: Option<&str>) -> Result<model::ListTopicsResponse, ApiError> {
    let start = start_of(token)?;
    let store = call.state.docs();
    let scope = topic_scope(&call.ctx.account, &call.ctx.region);
    let arns: Vec<String> = store
        .all(&scope)
        .into_iter()
        .flatten()
        .filter_map(|(_, t)| t["Arn"].as_str().map(str::to_string))
        .collect();
    let topics = arns.iter().skip(start).take(PAGE).map(|arn| model::Topic {
        topic_arn: Some(arn.clone()),
    });
    Ok(model::ListTopicsResponse {
        topics: Some(topics.collect()),
        next_token: next_token(start, arns.len()),
    })
}

pub fn delete(call: &Call, arn: &str) -> Result<Empty, ApiError> {
    check_topic_arn(call.ctx, arn)?;
    call.state.commit_docs(|store| {
        let Ok((scope, name, _)) = find_topic(store, arn) else {
            return Ok((Vec::new(), Empty {}));
        };
        let mut changes = vec![docs::delete(&scope, &name)];
        let subs = subscription_scope(&scope.1, &scope.2);
        for (id, sub) in store.all(&subs).into_iter().flatten() {
            if sub["TopicArn"] == arn {
                changes.push(docs::delete(&subs, id));
            }
        }
        Ok((changes, Empty {}))
    })
}

pub fn get_attributes(
    call: &Call,
    arn: &str,
) -> Result<model::GetTopicAttributesResponse, ApiError> {
    let store = call.state.docs();
    let (scope, _, topic) = requested_topic(call.ctx, &store, arn)?;
    let subs = subscription_scope(&scope.1, &scope.2);
    let count = store
        .all(&subs)
        .into_iter()
        .flatten()
        .filter(|(_, s)| s["TopicArn"] == arn)
        .count();
    let mut attributes = attribute_strings(&topic);
    attributes.insert("TopicArn".into(), arn.to_string());
    attributes.insert("Owner".into(), scope.1.clone());
    attributes.insert("SubscriptionsConfirmed".into(), count.to_string());
    attributes.insert("SubscriptionsPending".into(), "0".into());
    attributes.insert("SubscriptionsDeleted".into(), "0".into());
    attributes.entry("DisplayName".into()).or_default();
    attributes.entry("DeliveryPolicy".into()).or_default();
    attributes
        .entry("Policy".into())
        .or_insert_with(|| super::permissions::default_policy(arn, &scope.1).to_string());
    let delivery = match attributes["DeliveryPolicy"].as_str() {
        "" => default_delivery_policy(),
        set => set.to_string(),
    };
    attributes.insert("EffectiveDeliveryPolicy".into(), delivery);
    if attributes
        .get("FifoTopic")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        attributes
            .entry("ContentBasedDeduplication".into())
            .or_insert_with(|| "false".into());
    } else {
        attributes.remove("FifoTopic");
    }
    Ok(model::GetTopicAttributesResponse {
        attributes: Some(attributes),
    })
}

pub fn set_attributes(
    call: &Call,
    input: model::SetTopicAttributesInput,
) -> Result<Empty, ApiError> {
    let mut value = input.attribute_value.unwrap_or_default();
    if input.attribute_name == "Policy" {
        // SNS keeps a policy as compact JSON, whatever spacing it was given with.
        if let Ok(policy) = serde_json::from_str::<Value>(&value) {
            value = policy.to_string();
        }
    }
    call.state.commit_docs(|store| {
        let (scope, topic_name, mut topic) = requested_topic(call.ctx, store, &input.topic_arn)?;
        topic["Attributes"][&input.attribute_name] = json!(value);
        Ok((vec![docs::put(&scope, &topic_name, topic)], Empty {}))
    })
}

pub fn subscribe(
    call: &Call,
    input: model::SubscribeInput,
) -> Result<model::SubscribeResponse, ApiError> {
    let topic_arn = input.topic_arn;
    let protocol = input.protocol;
    let endpoint = input.endpoint.unwrap_or_default();
    let attributes = stored(input.attributes);
    if !matches!(
        protocol.as_str(),
        "sqs"
            | "http"
            | "https"
            | "email"
            | "email-json"
            | "sms"
            | "lambda"
            | "application"
            | "firehose"
    ) {
        return Err(invalid(
            "Invalid parameter: Amazon SNS does not support this protocol string",
        ));
    }
    {
        let store = call.state.docs();
        let (_, _, topic) = requested_topic(call.ctx, &store, &topic_arn)?;
        let fifo_topic = is_true(&topic["Attributes"]["FifoTopic"]);
        if protocol == "sqs" && endpoint.ends_with(".fifo") && !fifo_topic {
            return Err(invalid(
                "Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics",
            ));
        }
    }
    if protocol == "sms" {
        super::sms::check_endpoint(&endpoint)?;
    }
    if protocol == "sqs" && !is_sqs_arn(&endpoint) {
        return Err(invalid("Invalid parameter: SQS endpoint ARN"));
    }
    if let Some(name) = attributes
        .keys()
        .find(|k| !SUBSCRIPTION_ATTRIBUTES.contains(&k.as_str()))
    {
        return Err(invalid(format!(
            "Invalid parameter: Attributes Reason: Unknown attribute {name}"
        )));
    }
    let scope = attributes.get("FilterPolicyScope").and_then(Value::as_str);
    let body_scope = check_policy_scope(scope)?;
    if let Some(policy) = attributes.get("FilterPolicy").and_then(Value::as_str) {
        filter::validate(policy, body_scope, Origin::Subscribe)?;
    }
    let result = |arn: &str| model::SubscribeResponse {
        subscription_arn: Some(arn.to_string()),
    };
    call.state.commit_docs(|store| {
        let (scope, _, _) = find_topic(store, &topic_arn)?;
        let subs = subscription_scope(&scope.1, &scope.2);
        let existing = store.all(&subs).into_iter().flatten().find(|(_, s)| {
            s["TopicArn"] == topic_arn.as_str()
                && s["Protocol"] == protocol.as_str()
                && s["Endpoint"] == endpoint.as_str()
        });
        if let Some((_, sub)) = existing {
            let arn = sub["SubscriptionArn"].as_str().unwrap_or("");
            return Ok((Vec::new(), result(arn)));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let arn = format!("{topic_arn}:{id}");
        let doc = json!({
            "SubscriptionArn": arn,
            "TopicArn": topic_arn,
            "Protocol": protocol,
            "Endpoint": endpoint,
            "Owner": scope.1,
            "Attributes": attributes,
        });
        Ok((vec![docs::put(&subs, &id, doc)], result(&arn)))
    })
}

/// The subscription an ARN names, with its scope and id.
fn find_subscription(store: &DocStore, arn: &str) -> Result<(Scope, String, Value), ApiError> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() == 6 && parts[0] == "arn" && parts[2] != "sns" {
        return Err(not_found("Subscription does not exist"));
    }
    let (account, region, rest) =
        parse_arn(arn).ok_or_else(|| invalid("Invalid parameter: SubscriptionArn"))?;
    let id = rest.rsplit(':').next().unwrap_or("").to_string();
    let scope = subscription_scope(&account, &region);
    let sub = store
        .get(&scope, &id)
        .cloned()
        .ok_or_else(|| not_found("Subscription does not exist"))?;
    Ok((scope, id, sub))
}

/// Unsubscribe; a subscription that is already gone (or whose topic was deleted) is no error, as
/// in SNS.
pub fn unsubscribe(call: &Call, arn: &str) -> Result<Empty, ApiError> {
    call.state
        .commit_docs(|store| match find_subscription(store, arn) {
            Ok((scope, id, _)) => Ok((vec![docs::delete(&scope, &id)], Empty {})),
            Err(e) if e.code == errors::NOT_FOUND_EXCEPTION.code => Ok((Vec::new(), Empty {})),
            Err(e) => Err(e),
        })
}

/// One page of subscriptions (of a topic, or all of the caller's) and the next page's token.
pub fn list_subscriptions(
    call: &Call,
    topic: Option<&str>,
    token: Option<&str>,
) -> Result<(Vec<model::Subscription>, Option<String>), ApiError> {
    let start = start_of(token)?;
    let store = call.state.docs();
    if let Some(arn) = topic {
        requested_topic(call.ctx, &store, arn)?;
    }
    let scope = subscription_scope(&call.ctx.account, &call.ctx.region);
    let subs: Vec<&Value> = store
        .all(&scope)
        .into_iter()
        .flatten()
        .map(|(_, s)| s)
        .filter(|s| match topic {
            Some(arn) => s["TopicArn"] == arn,
            None => true,
        })
        .collect();
    let text = |sub: &Value, field: &str| Some(sub[field].as_str().unwrap_or("").to_string());
    let page = subs
        .iter()
        .skip(start)
        .take(PAGE)
        .map(|sub| model::Subscription {
            subscription_arn: text(sub, "SubscriptionArn"),
            owner: text(sub, "Owner"),
            protocol: text(sub, "Protocol"),
            endpoint: text(sub, "Endpoint"),
            topic_arn: text(sub, "TopicArn"),
        });
    Ok((page.collect(), next_token(start, subs.len())))
}

pub fn get_subscription_attributes(
    call: &Call,
    arn: &str,
) -> Result<model::GetSubscriptionAttributesResponse, ApiError> {
    let store = call.state.docs();
    let (_, _, sub) = find_subscription(&store, arn)?;
    let mut attributes = attribute_strings(&sub);
    for field in [
        "SubscriptionArn",
        "TopicArn",
        "Protocol",
        "Endpoint",
        "Owner",
    ] {
        let value = &sub[field];
        let text = value
            .as_str()
            .map_or_else(|| value.to_string(), str::to_string);
        attributes.insert(field.to_string(), text);
    }
    attributes.insert("ConfirmationWasAuthenticated".into(), "true".into());
    attributes.insert("PendingConfirmation".into(), "false".into());
    attributes
        .entry("RawMessageDelivery".into())
        .or_insert_with(|| "false".into());
    if attributes.contains_key("FilterPolicy") {
        attributes
            .entry("FilterPolicyScope".into())
            .or_insert_with(|| "MessageAttributes".into());
    }
    let delivery = attributes
        .get("DeliveryPolicy")
        .cloned()
        .unwrap_or_else(default_delivery_policy);
    attributes.insert("EffectiveDeliveryPolicy".into(), delivery);
    Ok(model::GetSubscriptionAttributesResponse {
        attributes: Some(attributes),
    })
}

/// The attributes a subscription can be given (SNS API Reference, SetSubscriptionAttributes).
const SUBSCRIPTION_ATTRIBUTES: [&str; 7] = [
    "RawMessageDelivery",
    "FilterPolicy",
    "FilterPolicyScope",
    "RedrivePolicy",
    "DeliveryPolicy",
    "SubscriptionRoleArn",
    "ReplayPolicy",
];

pub fn set_subscription_attributes(
    call: &Call,
    input: model::SetSubscriptionAttributesInput,
) -> Result<Empty, ApiError> {
    let name = input.attribute_name;
    let value = input.attribute_value.unwrap_or_default();
    if !SUBSCRIPTION_ATTRIBUTES.contains(&name.as_str()) {
        return Err(invalid(format!("Invalid parameter: AttributeName {name}")));
    }
    if name == "FilterPolicyScope" {
        check_policy_scope(Some(&value))?;
    }
    // An empty filter policy removes it (SNS API Reference, SetSubscriptionAttributes).
    let removing = name == "FilterPolicy" && value.is_empty();
    call.state.commit_docs(|store| {
        let (scope, id, mut sub) = find_subscription(store, &input.subscription_arn)?;
        if name == "FilterPolicy" && !removing {
            let body_scope = sub["Attributes"]["FilterPolicyScope"] == "MessageBody";
            filter::validate(&value, body_scope, Origin::SetAttributes)?;
        }
        match sub["Attributes"].as_object_mut() {
            Some(attributes) if removing => {
                attributes.remove("FilterPolicy");
                attributes.remove("FilterPolicyScope");
            }
            _ => sub["Attributes"][&name] = json!(value),
        }
        Ok((vec![docs::put(&scope, &id, sub)], Empty {}))
    })
}

/// Whether a `FilterPolicyScope` (absent: `MessageAttributes`) is the message body; any other
/// value is refused in SNS's words.
fn check_policy_scope(scope: Option<&str>) -> Result<bool, ApiError> {
    match scope {
        None | Some("MessageAttributes") => Ok(false),
        Some("MessageBody") => Ok(true),
        Some(other) => Err(invalid(format!(
            "Invalid parameter: FilterPolicyScope: Invalid value [{other}]. Please use either MessageBody or MessageAttributes"
        ))),
    }
}

/// ConfirmSubscription. A token confirms the pending subscription of the topic it was sent
/// for; the emulator confirms every subscription when it is made and sends no confirmation
/// message (it connects to nothing beyond loopback), so no subscription is pending and no
/// token it could be given is known: SNS's answer to an unknown token.
pub fn confirm_subscription(
    call: &Call,
    input: model::ConfirmSubscriptionInput,
) -> Result<model::ConfirmSubscriptionResponse, ApiError> {
    requested_topic(call.ctx, &call.state.docs(), &input.topic_arn)?;
    Err(invalid("Invalid parameter: Token"))
}

/// Whether `endpoint` is an SQS queue ARN (`arn:<partition>:sqs:...`), in any partition.
fn is_sqs_arn(endpoint: &str) -> bool {
    let mut parts = endpoint.split(':');
    parts.next() == Some("arn") && parts.nth(1) == Some("sqs")
}
