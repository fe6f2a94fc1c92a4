//! What a target receives: the event, a constant `Input`, the part of the event an `InputPath`
//! names, or an `InputTransformer`'s template filled from the event (EventBridge User Guide,
//! "Amazon EventBridge input transformation").
use std::collections::BTreeMap;

use serde_json::Value;

use crate::generated::events as model;

/// The most keys an `InputPathsMap` may have (EventBridge's documented limit).
pub const MAX_PATHS: usize = 100;

/// A JSONPath of the subset EventBridge takes here: `$`, `$.a.b`, `$.a[0].b`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// The steps of `path`, or why it is not in the subset.
pub fn parse_path(path: &str) -> Result<Vec<Step>, String> {
    let invalid = || {
        format!("Invalid InputPath or InputPathsMap value: {path} (awsredirect serve takes $, $.a.b and $.a[0])")
    };
    let rest = path.strip_prefix('$').ok_or_else(invalid)?;
    let mut steps = Vec::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                let mut key = String::new();
                while let Some(&next) = chars.peek() {
                    if next == '.' || next == '[' {
                        break;
                    }
                    key.push(next);
                    chars.next();
                }
                if key.is_empty() {
                    return Err(invalid());
                }
                steps.push(Step::Key(key));
            }
            '[' => {
                let mut digits = String::new();
                for next in chars.by_ref() {
                    if next == ']' {
                        break;
                    }
                    digits.push(next);
                }
                let index = digits.parse().map_err(|_| invalid())?;
                steps.push(Step::Index(index));
            }
            _ => return Err(invalid()),
        }
    }
    Ok(steps)
}

/// The value `path` names in `event`, if any.
pub fn select<'a>(event: &'a Value, path: &str) -> Option<&'a Value> {
    let steps = parse_path(path).ok()?;
    steps.iter().try_fold(event, |value, step| match step {
        Step::Key(key) => value.get(key.as_str()),
        Step::Index(i) => value.get(*i),
    })
}

/// Checks an input transformer's paths and template.
pub fn check_transformer(transformer: &model::InputTransformer) -> Result<(), String> {
    let paths = transformer.input_paths_map.clone().unwrap_or_default();
    if paths.len() > MAX_PATHS {
        return Err(format!(
            "InputPathsMap may have at most {MAX_PATHS} entries."
        ));
    }
    for (name, path) in &paths {
        if name.starts_with("aws.") {
            return Err(format!(
                "Input transformer variable {name} uses the reserved prefix aws."
            ));
        }
        parse_path(path)?;
    }
    if transformer.input_template.trim().is_empty() {
        return Err("InputTemplate must not be empty.".to_string());
    }
    Ok(())
}

/// What the rule's context adds to a transformer's variables.
pub struct RuleContext<'a> {
    pub rule_arn: &'a str,
    pub rule_name: &'a str,
    pub ingestion_time: &'a str,
}

/// The message a target receives for `event`.
pub fn render(target: &model::Target, event: &Value, rule: &RuleContext) -> String {
    if let Some(input) = &target.input {
        return input.clone();
    }
    if let Some(path) = &target.input_path {
        return select(event, path).map_or_else(String::new, Value::to_string);
    }
    let Some(transformer) = &target.input_transformer else {
        return event.to_string();
    };
    let mut variables: BTreeMap<String, Value> = BTreeMap::new();
    for (name, path) in transformer.input_paths_map.iter().flatten() {
        if let Some(value) = select(event, path) {
            variables.insert(name.clone(), value.clone());
        }
    }
    variables.insert("aws.events.rule-arn".into(), Value::from(rule.rule_arn));
    variables.insert("aws.events.rule-name".into(), Value::from(rule.rule_name));
    variables.insert(
        "aws.events.event.ingestion-time".into(),
        Value::from(rule.ingestion_time),
    );
    variables.insert("aws.events.event".into(), event.clone());
    variables.insert("aws.events.event.json".into(), event.clone());
    fill(&transformer.input_template, &variables)
}

/// Replaces each `<name>` of `template` with its variable. Inside a JSON string literal a value
/// goes in as text (a string without its quotes, escaped for JSON); elsewhere a template that
/// is JSON takes the value as JSON (a string with its quotes), and a plain-text template takes
/// it as text. A name without a variable becomes empty text / `null`.
pub fn fill(template: &str, variables: &BTreeMap<String, Value>) -> String {
    let json_template = matches!(template.trim_start().chars().next(), Some('{' | '[' | '"'));
    let mut out = String::with_capacity(template.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = template;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            if let Some(end) = rest.find('>') {
                let name = &rest[1..end];
                if is_variable_name(name) {
                    let value = variables.get(name);
                    out.push_str(&substitute(value, json_template && !in_string, in_string));
                    rest = &rest[end + 1..];
                    continue;
                }
            }
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' && json_template {
            in_string = true;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn is_variable_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

fn substitute(value: Option<&Value>, as_json: bool, in_json_string: bool) -> String {
    match (value, as_json) {
        (None, true) => "null".to_string(),
        (None, false) => String::new(),
        (Some(v), true) => v.to_string(),
        (Some(Value::String(s)), false) if in_json_string => {
            let quoted = Value::String(s.clone()).to_string();
            quoted[1..quoted.len() - 1].to_string()
        }
        (Some(Value::String(s)), false) => s.clone(),
        (Some(other), false) if in_json_string => {
            let text = other.to_string();
            let quoted = Value::String(text).to_string();
            quoted[1..quoted.len() - 1].to_string()
        }
        (Some(other), false) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event() -> Value {
        json!({"id": "e1", "source": "shop", "detail": {"order": {"id": "o-1", "n": 3}, "items": ["a", "b"]}})
    }

    fn target() -> model::Target {
        model::Target {
            id: "t".into(),
            arn: "arn:aws:sqs:us-east-1:000000000000:q".into(),
            ..Default::default()
        }
    }

    fn rule() -> RuleContext<'static> {
        RuleContext {
            rule_arn: "arn:aws:events:us-east-1:000000000000:rule/r",
            rule_name: "r",
            ingestion_time: "2024-01-01T00:00:00Z",
        }
    }

    #[test]
    fn paths_select_parts_of_the_event() {
        assert_eq!(select(&event(), "$"), Some(&event()));
        assert_eq!(select(&event(), "$.detail.order.id"), Some(&json!("o-1")));
        assert_eq!(select(&event(), "$.detail.items[1]"), Some(&json!("b")));
        assert_eq!(select(&event(), "$.detail.missing"), None);
        for bad in ["detail", "$..a", "$.a[x]", "$a", "$.", ""] {
            assert!(parse_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn input_and_input_path() {
        let mut t = target();
        t.input = Some("{\"fixed\": 1}".into());
        assert_eq!(render(&t, &event(), &rule()), "{\"fixed\": 1}");
        let mut t = target();
        t.input_path = Some("$.detail.order".into());
        assert_eq!(render(&t, &event(), &rule()), r#"{"id":"o-1","n":3}"#);
        t.input_path = Some("$.source".into());
        assert_eq!(render(&t, &event(), &rule()), "\"shop\"");
        assert_eq!(render(&target(), &event(), &rule()), event().to_string());
    }

    #[test]
    fn templates_substitute_text_in_strings_and_json_outside() {
        let mut t = target();
        t.input_transformer = Some(model::InputTransformer {
            input_paths_map: Some(
                [("order".to_string(), "$.detail.order.id".to_string()), ("n".into(), "$.detail.order.n".into()), ("items".into(), "$.detail.items".into())]
                    .into_iter()
                    .collect(),
            ),
            input_template: r#"{"text": "order <order> x<n>", "id": <order>, "n": <n>, "items": <items>, "rule": "<aws.events.rule-name>", "none": <missing>}"#.into(),
        });
        let out: Value = serde_json::from_str(&render(&t, &event(), &rule())).unwrap();
        assert_eq!(
            out,
            json!({"text": "order o-1 x3", "id": "o-1", "n": 3, "items": ["a", "b"], "rule": "r", "none": null})
        );
        let plain = fill(
            "Order <order> has <n> items",
            &[("order".to_string(), json!("o-1")), ("n".into(), json!(3))]
                .into_iter()
                .collect(),
        );
        assert_eq!(plain, "Order o-1 has 3 items");
        let quoted = fill(
            "\"Order <order>\"",
            &[("order".to_string(), json!("o\"1"))].into_iter().collect(),
        );
        assert_eq!(quoted, r#""Order o\"1""#);
    }

    #[test]
    fn the_whole_event_is_a_predefined_variable() {
        let mut t = target();
        t.input_transformer = Some(model::InputTransformer {
            input_paths_map: None,
            input_template: r#"{"wrapped": <aws.events.event.json>}"#.into(),
        });
        let out: Value = serde_json::from_str(&render(&t, &event(), &rule())).unwrap();
        assert_eq!(out, json!({"wrapped": event()}));
    }
}
