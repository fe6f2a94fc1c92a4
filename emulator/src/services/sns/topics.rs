//! Topics and subscriptions: create, list, delete, attributes, subscribe and unsubscribe.
use serde_json::{json, Map, Value};

use super::{entries, invalid, not_found, parse_arn, required, Call};
use crate::error::ApiError;
use crate::protocols::xml::XmlWriter;
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

fn validate_name(name: &str, fifo: bool) -> Result<(), ApiError> {
    let base = name.strip_suffix(".fifo").unwrap_or(name);
    let ok = !base.is_empty()
        && name.len() <= 256
        && base
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && (name.ends_with(".fifo") == fifo);
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "Invalid parameter: Topic Name must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.",
        ))
    }
}

pub fn create(call: &Call) -> Result<String, ApiError> {
    let name = required(call.input, "Name")?.to_string();
    let attributes = entries(call.input, "Attributes");
    let fifo = attributes.get("FifoTopic").and_then(Value::as_str) == Some("true");
    validate_name(&name, fifo)?;
    let arn = format!(
        "arn:aws:sns:{}:{}:{name}",
        call.ctx.region, call.ctx.account
    );
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
            return Ok((Vec::new(), arn_result(&arn)));
        }
        let doc = json!({
            "Arn": arn,
            "Name": name,
            "Attributes": attributes,
            "Tags": call.input.get("Tags").and_then(|t| t.get("member")).cloned().unwrap_or(json!([])),
        });
        Ok((vec![docs::put(&scope, &name, doc)], arn_result(&arn)))
    })
}

fn arn_result(arn: &str) -> String {
    let mut w = XmlWriter::default();
    w.elem("TopicArn", arn);
    w.finish()
}

/// The position a `NextToken` stands for.
fn start_of(call: &Call) -> Result<usize, ApiError> {
    match call.input.get("NextToken").and_then(Value::as_str) {
        Some(token) => token
            .parse()
            .map_err(|_| invalid("Invalid parameter: NextToken")),
        None => Ok(0),
    }
}

pub fn list(call: &Call) -> Result<String, ApiError> {
    let start = start_of(call)?;
    let store = call.state.docs();
    let scope = topic_scope(&call.ctx.account, &call.ctx.region);
    let arns: Vec<String> = store
        .all(&scope)
        .into_iter()
        .flatten()
        .filter_map(|(_, t)| t["Arn"].as_str().map(str::to_string))
        .collect();
    let mut w = XmlWriter::default();
    w.open("Topics", None);
    for arn in arns.iter().skip(start).take(PAGE) {
        w.open("member", None).elem("TopicArn", arn).close("member");
    }
    w.close("Topics");
    if start + PAGE < arns.len() {
        w.elem("NextToken", &(start + PAGE).to_string());
    }
    Ok(w.finish())
}

pub fn delete(call: &Call) -> Result<String, ApiError> {
    let arn = required(call.input, "TopicArn")?.to_string();
    call.state.commit_docs(|store| {
        let Ok((scope, name, _)) = find_topic(store, &arn) else {
            return Ok((Vec::new(), String::new()));
        };
        let mut changes = vec![docs::delete(&scope, &name)];
        let subs = subscription_scope(&scope.1, &scope.2);
        for (id, sub) in store.all(&subs).into_iter().flatten() {
            if sub["TopicArn"] == arn.as_str() {
                changes.push(docs::delete(&subs, id));
            }
        }
        Ok((changes, String::new()))
    })
}

fn attributes_xml(attributes: &Map<String, Value>) -> String {
    let mut w = XmlWriter::default();
    w.open("Attributes", None);
    for (k, v) in attributes {
        let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
        w.open("entry", None)
            .elem("key", k)
            .elem("value", &text)
            .close("entry");
    }
    w.close("Attributes");
    w.finish()
}

pub fn get_attributes(call: &Call) -> Result<String, ApiError> {
    let arn = required(call.input, "TopicArn")?;
    let store = call.state.docs();
    let (scope, _, topic) = find_topic(&store, arn)?;
    let subs = subscription_scope(&scope.1, &scope.2);
    let count = store
        .all(&subs)
        .into_iter()
        .flatten()
        .filter(|(_, s)| s["TopicArn"] == arn)
        .count();
    let mut attributes = topic["Attributes"].as_object().cloned().unwrap_or_default();
    attributes.insert("TopicArn".into(), json!(arn));
    attributes.insert("Owner".into(), json!(scope.1));
    attributes.insert("SubscriptionsConfirmed".into(), json!(count.to_string()));
    attributes.insert("SubscriptionsPending".into(), json!("0"));
    attributes.insert("SubscriptionsDeleted".into(), json!("0"));
    attributes.entry("DisplayName").or_insert_with(|| json!(""));
    Ok(attributes_xml(&attributes))
}

pub fn set_attributes(call: &Call) -> Result<String, ApiError> {
    let arn = required(call.input, "TopicArn")?.to_string();
    let name = required(call.input, "AttributeName")?.to_string();
    let value = call
        .input
        .get("AttributeValue")
        .cloned()
        .unwrap_or(json!(""));
    call.state.commit_docs(|store| {
        let (scope, topic_name, mut topic) = find_topic(store, &arn)?;
        topic["Attributes"][&name] = value;
        Ok((vec![docs::put(&scope, &topic_name, topic)], String::new()))
    })
}

pub fn subscribe(call: &Call) -> Result<String, ApiError> {
    let topic_arn = required(call.input, "TopicArn")?.to_string();
    let protocol = required(call.input, "Protocol")?.to_string();
    let endpoint = call
        .input
        .get("Endpoint")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let attributes = entries(call.input, "Attributes");
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
    if protocol == "sqs" && !endpoint.starts_with("arn:aws:sqs:") {
        return Err(invalid("Invalid parameter: SQS endpoint ARN"));
    }
    if let Some(policy) = attributes.get("FilterPolicy").and_then(Value::as_str) {
        super::filter::validate(policy)?;
    }
    call.state.commit_docs(|store| {
        let (scope, _, _) = find_topic(store, &topic_arn)?;
        let subs = subscription_scope(&scope.1, &scope.2);
        let existing = store.all(&subs).into_iter().flatten().find(|(_, s)| {
            s["TopicArn"] == topic_arn.as_str()
                && s["Protocol"] == protocol.as_str()
                && s["Endpoint"] == endpoint.as_str()
        });
        if let Some((_, sub)) = existing {
            return Ok((
                Vec::new(),
                subscription_result(sub["SubscriptionArn"].as_str().unwrap_or("")),
            ));
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
        Ok((vec![docs::put(&subs, &id, doc)], subscription_result(&arn)))
    })
}

fn subscription_result(arn: &str) -> String {
    let mut w = XmlWriter::default();
    w.elem("SubscriptionArn", arn);
    w.finish()
}

/// The subscription an ARN names, with its scope and id.
fn find_subscription(store: &DocStore, arn: &str) -> Result<(Scope, String, Value), ApiError> {
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

pub fn unsubscribe(call: &Call) -> Result<String, ApiError> {
    let arn = required(call.input, "SubscriptionArn")?.to_string();
    call.state.commit_docs(|store| {
        let (scope, id, _) = find_subscription(store, &arn)?;
        Ok((vec![docs::delete(&scope, &id)], String::new()))
    })
}

pub fn list_subscriptions(call: &Call, topic: Option<&str>) -> Result<String, ApiError> {
    let start = start_of(call)?;
    let store = call.state.docs();
    if let Some(arn) = topic {
        find_topic(&store, arn)?;
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
    let mut w = XmlWriter::default();
    w.open("Subscriptions", None);
    for sub in subs.iter().skip(start).take(PAGE) {
        w.open("member", None);
        for field in [
            "SubscriptionArn",
            "Owner",
            "Protocol",
            "Endpoint",
            "TopicArn",
        ] {
            w.elem(field, sub[field].as_str().unwrap_or(""));
        }
        w.close("member");
    }
    w.close("Subscriptions");
    if start + PAGE < subs.len() {
        w.elem("NextToken", &(start + PAGE).to_string());
    }
    Ok(w.finish())
}

pub fn get_subscription_attributes(call: &Call) -> Result<String, ApiError> {
    let arn = required(call.input, "SubscriptionArn")?;
    let store = call.state.docs();
    let (_, _, sub) = find_subscription(&store, arn)?;
    let mut attributes = sub["Attributes"].as_object().cloned().unwrap_or_default();
    for field in [
        "SubscriptionArn",
        "TopicArn",
        "Protocol",
        "Endpoint",
        "Owner",
    ] {
        attributes.insert(field.to_string(), sub[field].clone());
    }
    attributes.insert("ConfirmationWasAuthenticated".into(), json!("true"));
    attributes.insert("PendingConfirmation".into(), json!("false"));
    attributes
        .entry("RawMessageDelivery")
        .or_insert_with(|| json!("false"));
    Ok(attributes_xml(&attributes))
}

pub fn set_subscription_attributes(call: &Call) -> Result<String, ApiError> {
    let arn = required(call.input, "SubscriptionArn")?.to_string();
    let name = required(call.input, "AttributeName")?.to_string();
    let value = call
        .input
        .get("AttributeValue")
        .cloned()
        .unwrap_or(json!(""));
    if !matches!(
        name.as_str(),
        "RawMessageDelivery"
            | "FilterPolicy"
            | "FilterPolicyScope"
            | "RedrivePolicy"
            | "DeliveryPolicy"
            | "SubscriptionRoleArn"
    ) {
        return Err(invalid(format!("Invalid parameter: AttributeName {name}")));
    }
    if name == "FilterPolicy" {
        super::filter::validate(value.as_str().unwrap_or(""))?;
    }
    call.state.commit_docs(|store| {
        let (scope, id, mut sub) = find_subscription(store, &arn)?;
        sub["Attributes"][&name] = value;
        Ok((vec![docs::put(&scope, &id, sub)], String::new()))
    })
}
