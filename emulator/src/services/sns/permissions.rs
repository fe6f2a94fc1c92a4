//! A topic's access policy (its default, AddPermission / RemovePermission statements) and its
//! tags. Policies are stored and answered as SNS answers them; nothing is enforced.
use serde_json::{json, Value};

use super::topics::{check_topic_arn, requested_topic};
use super::{invalid, Call};
use crate::error::ApiError;
use crate::generated::sns::{self as model, errors};
use crate::model::Empty;
use crate::state::docs;

/// The actions a topic policy statement may grant (SNS API Reference, AddPermission).
const ACTIONS: [&str; 8] = [
    "GetTopicAttributes",
    "SetTopicAttributes",
    "AddPermission",
    "RemovePermission",
    "DeleteTopic",
    "Subscribe",
    "ListSubscriptionsByTopic",
    "Publish",
];

/// The policy SNS gives a new topic: its owner's account may do everything.
pub fn default_policy(topic_arn: &str, owner: &str) -> Value {
    json!({
        "Version": "2008-10-17",
        "Id": "__default_policy_ID",
        "Statement": [{
            "Effect": "Allow",
            "Sid": "__default_statement_ID",
            "Principal": {"AWS": "*"},
            "Action": ACTIONS.iter().map(|a| format!("SNS:{a}")).collect::<Vec<_>>(),
            "Resource": topic_arn,
            "Condition": {"StringEquals": {"AWS:SourceOwner": owner}},
        }],
    })
}

/// A topic's policy: the stored `Policy` attribute, else the default.
fn policy_of(topic: &Value, arn: &str, owner: &str) -> Value {
    topic["Attributes"]["Policy"]
        .as_str()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_else(|| default_policy(arn, owner))
}

/// One value, or a list when there are several (as SNS writes principals and actions).
fn one_or_list(values: Vec<String>) -> Value {
    match <[String; 1]>::try_from(values) {
        Ok([one]) => json!(one),
        Err(many) => json!(many),
    }
}

pub fn add(call: &Call, input: model::AddPermissionInput) -> Result<Empty, ApiError> {
    if input
        .action_name
        .iter()
        .any(|a| !ACTIONS.contains(&a.as_str()))
    {
        return Err(invalid("Policy statement action out of service scope!"));
    }
    call.state.commit_docs(|store| {
        let (scope, name, mut topic) = requested_topic(call.ctx, store, &input.topic_arn)?;
        let mut policy = policy_of(&topic, &input.topic_arn, &scope.1);
        let statements = policy["Statement"].as_array().cloned().unwrap_or_default();
        if statements.iter().any(|s| s["Sid"] == input.label.as_str()) {
            return Err(invalid("Statement already exists"));
        }
        let principals = input
            .aws_account_id
            .iter()
            .map(|account| format!("arn:aws:iam::{account}:root"))
            .collect();
        let actions = input
            .action_name
            .iter()
            .map(|a| format!("SNS:{a}"))
            .collect();
        let mut all = statements;
        all.push(json!({
            "Sid": input.label,
            "Effect": "Allow",
            "Principal": {"AWS": one_or_list(principals)},
            "Action": one_or_list(actions),
            "Resource": input.topic_arn,
        }));
        policy["Statement"] = Value::Array(all);
        topic["Attributes"]["Policy"] = json!(policy.to_string());
        Ok((vec![docs::put(&scope, &name, topic)], Empty {}))
    })
}

pub fn remove(call: &Call, input: model::RemovePermissionInput) -> Result<Empty, ApiError> {
    call.state.commit_docs(|store| {
        let (scope, name, mut topic) = requested_topic(call.ctx, store, &input.topic_arn)?;
        let mut policy = policy_of(&topic, &input.topic_arn, &scope.1);
        if let Some(list) = policy["Statement"].as_array_mut() {
            list.retain(|s| s["Sid"] != input.label.as_str());
        }
        topic["Attributes"]["Policy"] = json!(policy.to_string());
        Ok((vec![docs::put(&scope, &name, topic)], Empty {}))
    })
}

/// The topic a tagging call names; a missing one is `ResourceNotFound`, as SNS answers.
fn tagged_topic(
    call: &Call,
    store: &docs::DocStore,
    arn: &str,
) -> Result<(docs::Scope, String, Value), ApiError> {
    check_topic_arn(call.ctx, arn)?;
    super::topics::find_topic(store, arn)
        .map_err(|_| errors::RESOURCE_NOT_FOUND_EXCEPTION.with("Resource does not exist"))
}

fn tags_of(topic: &Value) -> Vec<model::Tag> {
    serde_json::from_value(topic["Tags"].clone()).unwrap_or_default()
}

pub fn list_tags(call: &Call, arn: &str) -> Result<model::ListTagsForResourceResponse, ApiError> {
    let store = call.state.docs();
    let (_, _, topic) = tagged_topic(call, &store, arn)?;
    Ok(model::ListTagsForResourceResponse {
        tags: Some(tags_of(&topic)),
    })
}

/// Sets `tags` (replacing values of keys already there), then removes `remove`; at most 50.
pub fn change_tags(
    call: &Call,
    arn: &str,
    tags: Vec<model::Tag>,
    remove: &[String],
) -> Result<(), ApiError> {
    call.state.commit_docs(|store| {
        let (scope, name, mut topic) = tagged_topic(call, store, arn)?;
        let mut all = tags_of(&topic);
        // A tag that exists keeps its place with the new value.
        for tag in tags {
            match all.iter_mut().find(|t| t.key == tag.key) {
                Some(existing) => existing.value = tag.value,
                None => all.push(tag),
            }
        }
        all.retain(|t| !remove.contains(&t.key));
        if all.len() > 50 {
            return Err(errors::TAG_LIMIT_EXCEEDED_EXCEPTION
                .with("Could not complete request: tag quota of per resource exceeded"));
        }
        topic["Tags"] = json!(all);
        Ok((vec![docs::put(&scope, &name, topic)], ()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_principal_is_a_string_and_several_a_list() {
        assert_eq!(one_or_list(vec!["a".into()]), json!("a"));
        assert_eq!(one_or_list(vec!["a".into(), "b".into()]), json!(["a", "b"]));
    }

    #[test]
    fn the_default_policy_lets_the_owner_do_everything() {
        let policy = default_policy("arn:aws:sns:us-east-1:123456789012:t", "123456789012");
        let statement = &policy["Statement"][0];
        assert_eq!(statement["Action"].as_array().unwrap().len(), ACTIONS.len());
        assert_eq!(
            statement["Condition"]["StringEquals"]["AWS:SourceOwner"],
            "123456789012"
        );
    }
}
