//! Subscription filter policies: which published messages a subscription receives, by message
//! attributes or (with `FilterPolicyScope` `MessageBody`) by the JSON body.
use serde_json::{Map, Value};

use super::invalid;
use crate::error::ApiError;
use crate::pattern;

/// SNS's documented limit on a filter policy's size: 256 KB.
pub const MAX_POLICY_BYTES: usize = 256 * 1024;

/// SNS's documented limit on the nesting of a (message body) filter policy's keys.
pub const MAX_NESTING: usize = 5;

/// SNS's documented limit on a policy's complexity: the product, over every array of values,
/// of its length times the depth of its key, must not exceed 150.
pub const MAX_COMBINATIONS: u64 = 150;

fn policy_error(reason: &str) -> ApiError {
    invalid(format!("Invalid parameter: FilterPolicy: {reason}"))
}

/// Checks a policy is within SNS's limits and uses only the rules this emulator evaluates.
pub fn validate(policy: &str) -> Result<(), ApiError> {
    if policy.trim().is_empty() {
        return Ok(());
    }
    if policy.len() > MAX_POLICY_BYTES {
        return Err(policy_error(&format!(
            "Filter policy is too long ({} bytes; the limit is {MAX_POLICY_BYTES})",
            policy.len()
        )));
    }
    // serde_json refuses documents nested deeper than 128 levels, with an error.
    let parsed: Value = serde_json::from_str(policy)
        .map_err(|e| policy_error(&format!("failed to parse JSON: {e}")))?;
    let object = parsed
        .as_object()
        .ok_or_else(|| policy_error("must be a JSON object"))?;
    let combinations = validate_object(object, 1)?;
    if combinations > MAX_COMBINATIONS {
        return Err(policy_error("Filter policy is too complex"));
    }
    Ok(())
}

/// Validates the keys of `object` at `depth` (1 for the top level) and returns the
/// combinations of values they add.
fn validate_object(object: &Map<String, Value>, depth: usize) -> Result<u64, ApiError> {
    if depth > MAX_NESTING {
        return Err(policy_error(&format!(
            "Filter policy can not have more than {MAX_NESTING} levels of nesting"
        )));
    }
    let mut combinations: u64 = 1;
    for (key, rules) in object {
        let added = match rules {
            Value::Array(alternatives) if key == "$or" => {
                validate_alternatives(alternatives, depth)?
            }
            Value::Object(nested) => validate_object(nested, depth + 1)?,
            Value::Array(list) => {
                for rule in list {
                    validate_rule(key, rule)?;
                }
                (list.len() as u64).saturating_mul(depth as u64)
            }
            _ => {
                return Err(invalid(format!(
                    "Invalid parameter: FilterPolicy: \"{key}\" must be an object or an array"
                )))
            }
        };
        combinations = combinations.saturating_mul(added.max(1));
    }
    Ok(combinations)
}

/// `$or`: at least two non-empty objects, each validated as the policy at this level; their
/// combinations add up.
fn validate_alternatives(alternatives: &[Value], depth: usize) -> Result<u64, ApiError> {
    if alternatives.len() < 2 {
        return Err(policy_error("\"$or\" must have at least 2 elements"));
    }
    let mut total: u64 = 0;
    for alternative in alternatives {
        let object = alternative
            .as_object()
            .filter(|o| !o.is_empty())
            .ok_or_else(|| policy_error("\"$or\" elements must be non-empty objects"))?;
        total = total.saturating_add(validate_object(object, depth)?);
    }
    Ok(total)
}

fn validate_rule(key: &str, rule: &Value) -> Result<(), ApiError> {
    let Some(object) = rule.as_object() else {
        return Ok(());
    };
    for operator in object.keys() {
        if !matches!(
            operator.as_str(),
            "prefix" | "suffix" | "anything-but" | "exists" | "numeric" | "equals-ignore-case"
        ) {
            return Err(invalid(format!(
                "Invalid parameter: FilterPolicy: Unrecognized match type {operator} for key {key} (awsredirect serve evaluates prefix, suffix, anything-but, exists, numeric and equals-ignore-case)"
            )));
        }
    }
    Ok(())
}

/// Whether a message passes `policy`; `attributes` are SNS message attributes
/// (`{name: {Type, Value}}`), `body` the message text. The matching is EventBridge's
/// (`crate::pattern`), of which filter policies are a subset.
pub fn passes(policy: &str, scope_body: bool, attributes: &Map<String, Value>, body: &str) -> bool {
    let Ok(Value::Object(policy)) = serde_json::from_str::<Value>(policy) else {
        return true;
    };
    if scope_body {
        let Ok(Value::Object(document)) = serde_json::from_str::<Value>(body) else {
            return false;
        };
        return pattern::object_matches(&policy, &document);
    }
    policy.iter().all(|(key, rules)| {
        if key == "$or" {
            return rules.as_array().is_some_and(|alternatives| {
                alternatives.iter().any(|alt| {
                    alt.as_object().is_some_and(|alt| {
                        alt.iter().all(|(k, r)| attribute_passes(attributes, k, r))
                    })
                })
            });
        }
        attribute_passes(attributes, key, rules)
    })
}

fn attribute_passes(attributes: &Map<String, Value>, key: &str, rules: &Value) -> bool {
    let values = attributes.get(key).map(attribute_values);
    pattern::rules_match(rules, values.as_deref())
}

/// The values a message attribute stands for (`String.Array` holds several). A number only
/// matches numeric rules (and numbers in a policy) when it is one: a `Number` attribute; a
/// `String` attribute `"5"` is text, as in SNS.
fn attribute_values(attribute: &Value) -> Vec<Value> {
    let kind = attribute["Type"].as_str().unwrap_or("String");
    let text = attribute["Value"].as_str().unwrap_or("");
    match kind {
        "Number" => vec![text.parse::<f64>().map_or(Value::Null, Value::from)],
        // A `String.Array` value that is a single JSON value (`"100"`) stands for that value.
        "String.Array" => match serde_json::from_str::<Value>(text) {
            Ok(Value::Array(items)) => items,
            Ok(Value::Object(_)) | Err(_) => vec![Value::String(text.to_string())],
            Ok(scalar) => vec![scalar],
        },
        _ => vec![Value::String(text.to_string())],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(policy: &str) -> String {
        validate(policy).unwrap_err().message
    }

    #[test]
    fn refuses_policies_over_the_limits() {
        let deep = format!("{}[\"x\"]{}", "{\"a\":".repeat(6), "}".repeat(6));
        assert!(message(&deep).contains("more than 5 levels of nesting"));
        let five = format!("{}[\"x\"]{}", "{\"a\":".repeat(5), "}".repeat(5));
        validate(&five).unwrap();
        let values: Vec<String> = (0..151).map(|i| format!("\"v{i}\"")).collect();
        let wide = format!("{{\"a\": [{}]}}", values.join(","));
        assert!(message(&wide).ends_with("Filter policy is too complex"));
        validate(&format!("{{\"a\": [{}]}}", values[..150].join(","))).unwrap();
        // 3 values at depth 2 times 30 at depth 1: 6 * 30 = 180.
        let product = format!(
            "{{\"a\": {{\"b\": [1,2,3]}}, \"c\": [{}]}}",
            values[..30].join(",")
        );
        assert!(message(&product).ends_with("Filter policy is too complex"));
        let long = format!("{{\"a\": [\"{}\"]}}", "x".repeat(MAX_POLICY_BYTES));
        assert!(message(&long).contains("Filter policy is too long"));
        let nested_arrays = format!("{{\"a\": {}1{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(message(&nested_arrays).contains("failed to parse JSON"));
    }

    #[test]
    fn matches_attributes() {
        let attrs = json!({"color": {"Type": "String", "Value": "red"}, "n": {"Type": "Number", "Value": "5"}});
        let attrs = attrs.as_object().unwrap();
        assert!(passes(r#"{"color": ["red", "blue"]}"#, false, attrs, ""));
        assert!(!passes(
            r#"{"color": [{"anything-but": "red"}]}"#,
            false,
            attrs,
            ""
        ));
        assert!(passes(
            r#"{"n": [{"numeric": [">", 1, "<=", 5]}]}"#,
            false,
            attrs,
            ""
        ));
        assert!(!passes(r#"{"size": [{"exists": true}]}"#, false, attrs, ""));
        assert!(passes(
            r#"{"a": {"b": ["x"]}}"#,
            true,
            attrs,
            r#"{"a": {"b": "x"}}"#
        ));
    }
}

#[cfg(test)]
mod numeric_tests {
    use super::*;
    use serde_json::json;

    fn attrs(kind: &str, value: &str) -> Map<String, Value> {
        json!({"n": {"Type": kind, "Value": value}})
            .as_object()
            .unwrap()
            .clone()
    }

    #[test]
    fn numeric_rules_match_numbers_only_and_bound_both_ways() {
        let cases = [
            (r#"{"n": [{"numeric": ["=", 5]}]}"#, "Number", "5", true),
            (r#"{"n": [{"numeric": ["=", 5]}]}"#, "Number", "5.0", true),
            (r#"{"n": [{"numeric": ["=", 5]}]}"#, "Number", "6", false),
            (r#"{"n": [{"numeric": ["<", 5]}]}"#, "Number", "4", true),
            (r#"{"n": [{"numeric": ["<", 5]}]}"#, "Number", "5", false),
            (
                r#"{"n": [{"numeric": [">", 0, "<=", 150]}]}"#,
                "Number",
                "150",
                true,
            ),
            (
                r#"{"n": [{"numeric": [">", 0, "<=", 150]}]}"#,
                "Number",
                "0",
                false,
            ),
            (
                r#"{"n": [{"numeric": [">", 0, "<=", 150]}]}"#,
                "Number",
                "151",
                false,
            ),
            (r#"{"n": [{"numeric": ["=", 5]}]}"#, "String", "5", false),
            (r#"{"n": [5]}"#, "Number", "5", true),
            (r#"{"n": [{"anything-but": [5]}]}"#, "Number", "6", true),
            (r#"{"n": [5]}"#, "String", "5", false),
            // Numbers compare to six decimal places; String.Array items and a lone value count.
            (r#"{"n": [100.123456789]}"#, "Number", "100.1234567", true),
            (r#"{"n": [100.1234]}"#, "Number", "100.1235", false),
            (
                r#"{"n": [100.123456789, 500]}"#,
                "String.Array",
                "[100.1234567, 50]",
                true,
            ),
            (r#"{"n": [100, 500]}"#, "String.Array", "100", true),
            (r#"{"n": [100, 500]}"#, "String.Array", "[50]", false),
        ];
        for (policy, kind, value, expected) in cases {
            validate(policy).unwrap();
            assert_eq!(
                passes(policy, false, &attrs(kind, value), ""),
                expected,
                "{policy} {kind} {value}"
            );
        }
    }

    #[test]
    fn or_alternatives_are_validated_and_matched() {
        let policy = r#"{"source": ["cw"], "$or": [{"metric": ["cpu"]}, {"ns": ["ec2"]}]}"#;
        validate(policy).unwrap();
        let attrs = |pairs: &[(&str, &str)]| {
            let mut map = Map::new();
            for (k, v) in pairs {
                map.insert(k.to_string(), json!({"Type": "String", "Value": v}));
            }
            map
        };
        assert!(passes(
            policy,
            false,
            &attrs(&[("source", "cw"), ("metric", "cpu")]),
            ""
        ));
        assert!(passes(
            policy,
            false,
            &attrs(&[("source", "cw"), ("ns", "ec2")]),
            ""
        ));
        assert!(!passes(policy, false, &attrs(&[("source", "cw")]), ""));
        assert!(validate(r#"{"$or": [{"a": ["x"]}]}"#).is_err());
        assert!(validate(r#"{"$or": [{"a": ["x"]}, {}]}"#).is_err());
    }
}
