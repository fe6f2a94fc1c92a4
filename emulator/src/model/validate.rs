//! Input validation from the model: required members, enum values, lengths, ranges and
//! patterns, reported as AWS does (`2 validation errors detected: Value null at 'name' failed
//! to satisfy constraint: Member must not be null; ...`).
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use regex::Regex;
use serde_json::Value;

use super::{Model, ServiceModel, Shape};
use crate::error::ApiError;

/// AWS stops listing after this many violations; so does the emulator.
const MAX_REPORTED: usize = 10;
/// Values quoted in messages are cut to this many characters.
const MAX_QUOTED: usize = 256;

/// One broken constraint: its text in AWS's form, and the member's name when the constraint
/// is that a required member is there.
struct Violation {
    text: String,
    missing: Option<String>,
}

/// The violations found so far.
type Found = Vec<Violation>;

fn push(found: &mut Found, text: String) {
    found.push(Violation {
        text,
        missing: None,
    });
}

/// Checks `input` against the input shape of `operation`. A missing required member is answered
/// with the service's missing-member code (SQS: `MissingParameter`, "The request must contain
/// the parameter X." for the first one) where the service has its own; otherwise the first
/// [`MAX_REPORTED`] violations become one error with the service's validation code.
pub fn check(model: &ServiceModel, operation: &str, input: &Value) -> Result<(), ApiError> {
    let parsed = model.get();
    let Some(shape) = parsed.input_of(operation) else {
        return Ok(());
    };
    let mut found = Vec::new();
    let walker = Walker {
        model: parsed,
        lists_whole: model.list_members_whole,
    };
    walker.walk(shape, input, "", &mut found);
    report(model, found)
}

/// Checks one value against a named shape of the model, as a member at `path` (`tableName`),
/// reporting any violations as [`check`] does. For the members a service reads in more than
/// one form (DynamoDB's `TableName`, a name or an ARN), once it knows which form it was given.
pub fn check_value(
    model: &ServiceModel,
    shape: &str,
    value: &Value,
    path: &str,
) -> Result<(), ApiError> {
    let mut found = Vec::new();
    let walker = Walker {
        model: model.get(),
        lists_whole: model.list_members_whole,
    };
    walker.walk(shape, value, path, &mut found);
    report(model, found)
}

/// The error for the violations found, if any.
fn report(model: &ServiceModel, mut found: Found) -> Result<(), ApiError> {
    if found.is_empty() {
        return Ok(());
    }
    let first_missing = found.iter().find_map(|v| v.missing.as_deref());
    if let (Some(name), Some(template)) = (first_missing, model.missing_message) {
        return Err(ApiError::new(
            400,
            model.missing_code,
            template.replace("{name}", name),
        ));
    }
    let code = match first_missing {
        Some(_) => model.missing_code,
        None => model.validation_code,
    };
    let count = found.len();
    found.truncate(MAX_REPORTED);
    let noun = if count == 1 { "error" } else { "errors" };
    let texts: Vec<&str> = found.iter().map(|v| v.text.as_str()).collect();
    Err(ApiError::new(
        400,
        code,
        format!("{count} validation {noun} detected: {}", texts.join("; ")),
    ))
}

/// The model a request is checked against, and how the service reports broken list items.
struct Walker<'a> {
    model: &'a Model,
    lists_whole: bool,
}

impl Walker<'_> {
    fn walk(&self, shape_name: &str, value: &Value, path: &str, found: &mut Found) {
        let Some(shape) = self.model.shape(shape_name) else {
            return;
        };
        if found.len() > MAX_REPORTED {
            return;
        }
        match (shape.kind.as_str(), value) {
            ("structure", Value::Object(object)) => {
                for (name, member) in shape.members.iter() {
                    let child = join(path, name);
                    match object.get(name) {
                        None | Some(Value::Null) if shape.required.contains(name) => {
                            found.push(Violation {
                                text: format!(
                                    "Value null at '{child}' failed to satisfy constraint: Member must not be null"
                                ),
                                missing: Some(name.clone()),
                            });
                        }
                        None | Some(Value::Null) => {}
                        Some(inner) => self.walk(&member.shape, inner, &child, found),
                    }
                }
            }
            ("list", Value::Array(items)) => {
                check_size(shape, items.len(), value, path, found);
                if let Some(member) = &shape.member {
                    if self.lists_whole && self.items_broken(&member.shape, items) {
                        self.report_list(&member.shape, value, path, found);
                        return;
                    }
                    for (i, item) in items.iter().enumerate() {
                        let child = format!("{path}.{}.member", i + 1);
                        self.walk(&member.shape, item, &child, found);
                    }
                }
            }
            ("map", Value::Object(entries)) => {
                check_size(shape, entries.len(), value, path, found);
                for (key, item) in entries {
                    if let Some(key_shape) = &shape.key {
                        let child = format!("{path}.{key}.key");
                        self.walk(&key_shape.shape, &Value::String(key.clone()), &child, found);
                    }
                    if let Some(value_shape) = &shape.value {
                        self.walk(
                            &value_shape.shape,
                            item,
                            &format!("{path}.{key}.value"),
                            found,
                        );
                    }
                }
            }
            ("string", Value::String(text)) => {
                check_size(shape, text.chars().count(), value, path, found);
                check_enum(shape, text, path, found);
                check_pattern(shape, text, path, found);
            }
            ("integer" | "long" | "double" | "float", Value::Number(n)) => {
                check_range(shape, n.as_f64().unwrap_or(0.0), value, path, found);
            }
            _ => {}
        }
    }

    /// Whether any of `items`, plain values of `item_shape`, breaks one of its constraints.
    fn items_broken(&self, item_shape: &str, items: &[Value]) -> bool {
        let Some(shape) = self.model.shape(item_shape) else {
            return false;
        };
        if !matches!(
            shape.kind.as_str(),
            "string" | "integer" | "long" | "double" | "float"
        ) {
            return false;
        }
        items.iter().any(|item| {
            let mut found = Vec::new();
            self.walk(item_shape, item, "", &mut found);
            !found.is_empty()
        })
    }

    /// One violation for the whole list, naming every constraint of its item shape.
    fn report_list(&self, item_shape: &str, list: &Value, path: &str, found: &mut Found) {
        let Some(shape) = self.model.shape(item_shape) else {
            return;
        };
        let numeric = shape.kind != "string";
        let measure = if numeric { "value" } else { "length" };
        let mut rules = Vec::new();
        if let Some(values) = &shape.enum_values {
            rules.push(format!(
                "Member must satisfy enum value set: [{}]",
                values.join(", ")
            ));
        }
        if let Some(max) = shape.max {
            rules.push(format!(
                "Member must have {measure} less than or equal to {max}"
            ));
        }
        if let Some(min) = shape.min {
            rules.push(format!(
                "Member must have {measure} greater than or equal to {min}"
            ));
        }
        if let Some(pattern) = &shape.pattern {
            rules.push(format!(
                "Member must satisfy regular expression pattern: {pattern}"
            ));
        }
        push(
            found,
            format!(
                "{} at '{path}' failed to satisfy constraint: Member must satisfy constraint: [{}]",
                quoted(shape, list),
                rules.join(", ")
            ),
        );
    }
}

fn join(path: &str, member: &str) -> String {
    let mut chars = member.chars();
    let lowered: String = match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    };
    if path.is_empty() {
        lowered
    } else {
        format!("{path}.{lowered}")
    }
}

fn quoted(shape: &Shape, value: &Value) -> String {
    if shape.sensitive {
        return "Value".to_string();
    }
    let text = match value {
        Value::String(s) => s.clone(),
        // A list of plain values is shown as AWS's services print it: `[a, b, c]`.
        Value::Array(items) if items.iter().all(is_plain) => {
            let shown: Vec<String> = items.iter().map(plain_text).collect();
            format!("[{}]", shown.join(", "))
        }
        Value::Array(_) | Value::Object(_) => return "Value".to_string(),
        other => other.to_string(),
    };
    let cut: String = text.chars().take(MAX_QUOTED).collect();
    format!("Value '{cut}'")
}

fn is_plain(value: &Value) -> bool {
    !matches!(value, Value::Array(_) | Value::Object(_))
}

fn plain_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn check_size(shape: &Shape, size: usize, value: &Value, path: &str, found: &mut Found) {
    let size = size as f64;
    if let Some(min) = shape.min.filter(|min| size < *min) {
        push(
            found,
            format!(
            "{} at '{path}' failed to satisfy constraint: Member must have length greater than or equal to {min}",
            quoted(shape, value)
        ));
    }
    if let Some(max) = shape.max.filter(|max| size > *max) {
        push(
            found,
            format!(
            "{} at '{path}' failed to satisfy constraint: Member must have length less than or equal to {max}",
            quoted(shape, value)
        ));
    }
}

fn check_range(shape: &Shape, number: f64, value: &Value, path: &str, found: &mut Found) {
    if let Some(min) = shape.min.filter(|min| number < *min) {
        push(
            found,
            format!(
            "{} at '{path}' failed to satisfy constraint: Member must have value greater than or equal to {min}",
            quoted(shape, value)
        ));
    }
    if let Some(max) = shape.max.filter(|max| number > *max) {
        push(
            found,
            format!(
            "{} at '{path}' failed to satisfy constraint: Member must have value less than or equal to {max}",
            quoted(shape, value)
        ));
    }
}

fn check_enum(shape: &Shape, text: &str, path: &str, found: &mut Found) {
    let Some(values) = &shape.enum_values else {
        return;
    };
    if !values.iter().any(|v| v == text) {
        push(
            found,
            format!(
            "{} at '{path}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            quoted(shape, &Value::String(text.to_string())),
            values.join(", ")
        ),
        );
    }
}

fn check_pattern(shape: &Shape, text: &str, path: &str, found: &mut Found) {
    let Some(pattern) = &shape.pattern else {
        return;
    };
    let Some(regex) = compiled(pattern) else {
        return;
    };
    if !regex.is_match(text) {
        push(
            found,
            format!(
            "{} at '{path}' failed to satisfy constraint: Member must satisfy regular expression pattern: {pattern}",
            quoted(shape, &Value::String(text.to_string()))
        ));
    }
}

/// The model's pattern, anchored as AWS matches it (the whole value). Patterns in a dialect the
/// `regex` crate does not speak (look-around) are not checked, rather than checked wrongly.
fn compiled(pattern: &str) -> Option<Regex> {
    static CACHE: OnceLock<Mutex<HashMap<String, Option<Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    cache
        .entry(pattern.to_string())
        .or_insert_with(|| Regex::new(&format!("^(?:{pattern})$")).ok())
        .clone()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::generated::ssm::MODEL;

    #[test]
    fn reports_missing_members_enums_and_lengths_as_aws_does() {
        let err = check(&MODEL, "PutParameter", &json!({"Type": "Text"})).unwrap_err();
        assert_eq!(err.code, "ValidationException");
        assert!(
            err.message.starts_with("3 validation errors detected: "),
            "{}",
            err.message
        );
        assert!(err.message.contains(
            "Value null at 'name' failed to satisfy constraint: Member must not be null"
        ));
        assert!(err
            .message
            .contains("Value 'Text' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [String, StringList, SecureString]"));
        let long = "a".repeat(3000);
        let err = check(&MODEL, "GetParameter", &json!({"Name": long})).unwrap_err();
        assert!(
            err.message
                .contains("Member must have length less than or equal to 2048"),
            "{}",
            err.message
        );
        assert!(check(&MODEL, "GetParameter", &json!({"Name": "/a/b"})).is_ok());
    }

    #[test]
    fn answers_missing_members_with_each_services_code() {
        use crate::generated::{dynamodb, secretsmanager, sns, sqs};
        let err = check(&sqs::MODEL, "SendMessage", &json!({"QueueUrl": "u"})).unwrap_err();
        assert_eq!((err.status, err.code.as_str()), (400, "MissingParameter"));
        assert_eq!(
            err.message,
            "The request must contain the parameter MessageBody."
        );
        let err = check(&sns::MODEL, "CreateTopic", &json!({})).unwrap_err();
        assert_eq!(err.code, "InvalidParameter");
        assert_eq!(
            err.message,
            "Invalid parameter: Name Reason: no value for required parameter"
        );
        let err = check(&dynamodb::MODEL, "GetItem", &json!({"Key": {}})).unwrap_err();
        assert_eq!(err.code, "ValidationException");
        assert!(err.message.contains(
            "Value null at 'tableName' failed to satisfy constraint: Member must not be null"
        ));
        let err = check(&secretsmanager::MODEL, "GetSecretValue", &json!({})).unwrap_err();
        assert_eq!(err.code, "ValidationException");
    }

    #[test]
    fn checks_numbers_and_list_sizes() {
        let err = check(
            &MODEL,
            "GetParametersByPath",
            &json!({"Path": "/a", "MaxResults": 11}),
        )
        .unwrap_err();
        assert!(
            err.message
                .contains("Member must have value less than or equal to 10"),
            "{}",
            err.message
        );
        let names: Vec<String> = (0..11).map(|i| format!("n{i}")).collect();
        let err = check(&MODEL, "GetParameters", &json!({ "Names": names })).unwrap_err();
        assert!(err.message.contains("Value '[n0, n1, n2, n3, n4, n5, n6, n7, n8, n9, n10]' at 'names' failed to satisfy constraint: Member must have length less than or equal to 10"), "{}", err.message);
    }

    #[test]
    fn reports_broken_list_items_at_the_list_where_the_service_does() {
        let label = "a".repeat(101);
        let input = json!({"Name": "p", "Labels": [label.clone()]});
        let err = check(&MODEL, "LabelParameterVersion", &input).unwrap_err();
        assert_eq!(
            err.message,
            format!("1 validation error detected: Value '[{label}]' at 'labels' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 100, Member must have length greater than or equal to 1]")
        );
        assert!(check(
            &MODEL,
            "LabelParameterVersion",
            &json!({"Name": "p", "Labels": ["ok"]})
        )
        .is_ok());
        // Services without the setting report the item itself.
        use crate::generated::sns;
        let input = json!({"ResourceArn": "arn:aws:sns:us-east-1:000000000000:t", "TagKeys": [""]});
        let err = check(&sns::MODEL, "UntagResource", &input).unwrap_err();
        assert!(err.message.contains("at 'tagKeys.1.member' failed to satisfy constraint: Member must have length greater than or equal to 1"), "{}", err.message);
    }
}
