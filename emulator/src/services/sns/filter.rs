//! Subscription filter policies: which published messages a subscription receives, by message
//! attributes or (with `FilterPolicyScope` `MessageBody`) by the JSON body.
use serde_json::{Map, Value};

use super::{invalid, rules};
use crate::error::ApiError;
use crate::pattern;

/// SNS's documented limit on a filter policy's size: 256 KB.
pub const MAX_POLICY_BYTES: usize = 256 * 1024;

/// SNS's documented limit on the nesting of a (message body) filter policy's keys.
pub const MAX_NESTING: usize = 5;

/// SNS's documented limit on a policy's complexity: the product, over every array of values,
/// of its length times the depth of its key, must not exceed 150.
pub const MAX_COMBINATIONS: u64 = 150;

/// SNS's documented limit on a policy's keys (of a nested policy, only the top level counts).
pub const MAX_KEYS: usize = 5;

/// The call a policy came with: AWS words Subscribe's errors "Invalid parameter: Attributes
/// Reason: FilterPolicy: ..." and SetSubscriptionAttributes' "Invalid parameter: FilterPolicy:
/// ..." (AWS responses recorded in LocalStack's validated SNS snapshots).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Origin {
    Subscribe,
    SetAttributes,
}

/// A policy error's reason in AWS's words.
type Reason = String;

fn policy_error(origin: Origin, reason: &str) -> ApiError {
    match origin {
        Origin::Subscribe => invalid(format!(
            "Invalid parameter: Attributes Reason: FilterPolicy: {reason}"
        )),
        Origin::SetAttributes => invalid(format!("Invalid parameter: FilterPolicy: {reason}")),
    }
}

/// Checks a policy the way SNS does when a subscription takes it: JSON within the size limit,
/// no nesting unless the scope is the message body, every rule well formed, at most five keys
/// and 150 combinations of values.
pub fn validate(policy: &str, body_scope: bool, origin: Origin) -> Result<(), ApiError> {
    if policy.trim().is_empty() {
        return Ok(());
    }
    let fail = |reason: &str| policy_error(origin, reason);
    if policy.len() > MAX_POLICY_BYTES {
        return Err(fail(&format!(
            "Filter policy is too long ({} bytes; the limit is {MAX_POLICY_BYTES})",
            policy.len()
        )));
    }
    // serde_json refuses documents nested deeper than 128 levels, with an error.
    let parsed: Value =
        serde_json::from_str(policy).map_err(|e| fail(&format!("failed to parse JSON: {e}")))?;
    // AWS checks the rules on the policy's compact text and says where they went wrong.
    let compact = rules::compact(policy);
    let refused = |refusal: rules::Refusal| fail(&refusal.message(&compact));
    let Some(object) = parsed.as_object() else {
        return rules::check(&compact).map_err(refused);
    };
    // An empty JSON body removes filtering (SNS Developer Guide, "Removing a subscription
    // filter policy").
    if object.is_empty() {
        return Ok(());
    }
    if !body_scope && is_nested(object) {
        return Err(invalid(
            "Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy",
        ));
    }
    rules::check(&compact).map_err(refused)?;
    if key_count(object) > MAX_KEYS {
        return Err(fail(&format!(
            "Filter policy can not have more than {MAX_KEYS} keys"
        )));
    }
    let combinations = validate_object(object, 1).map_err(|reason| fail(&reason))?;
    if combinations > MAX_COMBINATIONS {
        return Err(fail("Filter policy is too complex"));
    }
    Ok(())
}

/// Whether a key (outside `$or`) holds an object: a nested policy.
fn is_nested(object: &Map<String, Value>) -> bool {
    object.iter().any(|(key, rules)| match rules {
        Value::Object(_) => true,
        Value::Array(alternatives) if key == "$or" => alternatives
            .iter()
            .filter_map(Value::as_object)
            .any(is_nested),
        _ => false,
    })
}

/// The keys a message is matched on at the top level: the plain keys and, for `$or`, those of
/// its largest alternative.
fn key_count(object: &Map<String, Value>) -> usize {
    object
        .iter()
        .map(|(key, rules)| match rules {
            Value::Array(alternatives) if key == "$or" => alternatives
                .iter()
                .filter_map(Value::as_object)
                .map(key_count)
                .max()
                .unwrap_or(0),
            _ => 1,
        })
        .sum()
}

/// Checks the nesting depth and returns the combinations of values the keys of `object` (at
/// `depth`, 1 for the top level) add.
fn validate_object(object: &Map<String, Value>, depth: usize) -> Result<u64, Reason> {
    if depth > MAX_NESTING {
        return Err(format!(
            "Filter policy can not have more than {MAX_NESTING} levels of nesting"
        ));
    }
    let mut combinations: u64 = 1;
    for (key, rules) in object {
        let added = match rules {
            Value::Array(alternatives) if key == "$or" => {
                let mut total: u64 = 0;
                for alternative in alternatives.iter().filter_map(Value::as_object) {
                    total = total.saturating_add(validate_object(alternative, depth)?);
                }
                total
            }
            Value::Object(nested) => validate_object(nested, depth + 1)?,
            Value::Array(list) => (list.len() as u64).saturating_mul(depth as u64),
            _ => 1,
        };
        combinations = combinations.saturating_mul(added.max(1));
    }
    Ok(combinations)
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
        validate(policy, true, Origin::SetAttributes)
            .unwrap_err()
            .message
    }

    #[test]
    fn refuses_policies_over_the_limits() {
        let deep = format!("{}[\"x\"]{}", "{\"a\":".repeat(6), "}".repeat(6));
        assert!(message(&deep).contains("more than 5 levels of nesting"));
        let five = format!("{}[\"x\"]{}", "{\"a\":".repeat(5), "}".repeat(5));
        validate(&five, true, Origin::Subscribe).unwrap();
        let values: Vec<String> = (0..151).map(|i| format!("\"v{i}\"")).collect();
        let wide = format!("{{\"a\": [{}]}}", values.join(","));
        assert!(message(&wide).ends_with("Filter policy is too complex"));
        validate(
            &format!("{{\"a\": [{}]}}", values[..150].join(",")),
            false,
            Origin::Subscribe,
        )
        .unwrap();
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

    /// Reasons as AWS words them (responses recorded against AWS in LocalStack's validated
    /// SNS filter-policy snapshots), without the parser location AWS appends.
    #[test]
    fn refuses_malformed_rules_in_aws_words() {
        let cases = [
            (
                r#"{"key": [["value"]]}"#,
                "Match value must be String, number, true, false, or null",
            ),
            (
                r#"{"key": [{"wrong-operator": true}]}"#,
                "Unrecognized match type wrong-operator",
            ),
            (
                r#"{"key": [{"suffix": "value", "prefix": "value2"}]}"#,
                "Only one key allowed in match expression",
            ),
            (
                r#"{"key": [{"suffix": 100}]}"#,
                "suffix match pattern must be a string",
            ),
            (
                r#"{"key": [{"suffix": []}]}"#,
                "suffix match pattern must be a string",
            ),
            (
                r#"{"key": "value"}"#,
                "\"key\" must be an object or an array",
            ),
            (
                r#"{"key": [{"numeric": []}]}"#,
                "Invalid member in numeric match: ]",
            ),
            (
                r#"{"key": [{"numeric": ["operator"]}]}"#,
                "Unrecognized numeric range operator: operator",
            ),
            (
                r#"{"key": [{"numeric": [1, "<="]}]}"#,
                "Invalid member in numeric match: 1",
            ),
            (
                r#"{"key": [{"numeric": ["=", "000"]}]}"#,
                "Value of equals must be numeric",
            ),
            (
                r#"{"key": [{"numeric": [">="]}]}"#,
                "Value of >= must be numeric",
            ),
            (
                r#"{"key": [{"numeric": ["<", 100, ">", 10]}]}"#,
                "Too many elements in numeric expression",
            ),
            (
                r#"{"key": [{"numeric": [">=", 1, ">", 2]}]}"#,
                "Bad numeric range operator: >",
            ),
            (
                r#"{"key": [{"numeric": [">", 3, "<", 1]}]}"#,
                "Bottom must be less than top",
            ),
            (
                r#"{"key": [{"numeric": [">", 20, "<="]}]}"#,
                "Value of <= must be numeric",
            ),
            (
                r#"{"key": [{"numeric": [">", 20, 30]}]}"#,
                "Bad value in numeric range: 30",
            ),
            (
                r#"{"key": [{"numeric": [">", 20, "test"]}]}"#,
                "Bad numeric range operator: test",
            ),
            (
                r#"{"key": [{"numeric": [">", "20", "<", "30"]}]}"#,
                "Value of > must be numeric",
            ),
            (
                r#"{"key": [{"numeric": [">", 20, "<", 30, "<", 50]}]}"#,
                "Too many terms in numeric range expression",
            ),
            (
                r#"{"key": [{"exists": null}]}"#,
                "exists match pattern must be either true or false.",
            ),
            (
                r#"{"key": [{"exists": "no"}]}"#,
                "exists match pattern must be either true or false.",
            ),
            (
                r#"{"a": ["1"], "b": ["2"], "c": ["3"], "d": ["4"], "e": ["5"], "f": ["6"]}"#,
                "Filter policy can not have more than 5 keys",
            ),
        ];
        for (policy, reason) in cases {
            // The rule errors go on with the place AWS's parser stopped at; the limits do not.
            let subscribe = validate(policy, false, Origin::Subscribe).unwrap_err();
            let expected = format!("Invalid parameter: Attributes Reason: FilterPolicy: {reason}");
            assert!(
                subscribe.message.starts_with(&expected),
                "{}",
                subscribe.message
            );
            let set = validate(policy, false, Origin::SetAttributes).unwrap_err();
            let expected = format!("Invalid parameter: FilterPolicy: {reason}");
            assert!(set.message.starts_with(&expected), "{}", set.message);
        }
        let located = validate(
            r#"{"key": [{"exists": null}]}"#,
            false,
            Origin::SetAttributes,
        );
        assert_eq!(
            located.unwrap_err().message,
            "Invalid parameter: FilterPolicy: exists match pattern must be either true or false.\n at [Source: (String)\"{\"key\":[{\"exists\":null}]}\"; line: 1, column: 23]"
        );
        let nested = validate(r#"{"a": {"b": ["x"]}}"#, false, Origin::Subscribe).unwrap_err();
        assert_eq!(
            nested.message,
            "Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy"
        );
        for valid in [
            "{}",
            r#"{"key": [{"anything-but": {"prefix": "test-"}}]}"#,
            r#"{"key": [{"anything-but": ["a", "b"]}, {"numeric": [">", 0, "<=", 5]}]}"#,
            r#"{"key": [null, {"anything-but": "whatever"}, {"cidr": "10.0.0.0/24"}]}"#,
        ] {
            validate(valid, false, Origin::Subscribe).unwrap();
        }
        // (4 * 6) + (4 * 4 * 4) + (4 * 4 * 4) = 152 combinations.
        let or_policy = r#"{"source": ["a", "b", "c", "d"], "$or": [
            {"metricName": [1, 2, 3, 4, 5, 6]},
            {"metricType": [1, 2, 3, 4], "$or": [{"metricId": [1, 2, 3, 4]}, {"spaceId": [1, 2, 3, 4]}]}]}"#;
        let complex = validate(or_policy, false, Origin::Subscribe).unwrap_err();
        assert!(complex.message.ends_with("Filter policy is too complex"));
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
            validate(policy, false, Origin::Subscribe).unwrap();
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
        validate(policy, false, Origin::Subscribe).unwrap();
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
        assert!(validate(r#"{"$or": [{"a": ["x"]}]}"#, false, Origin::Subscribe).is_err());
        assert!(validate(r#"{"$or": [{"a": ["x"]}, {}]}"#, false, Origin::Subscribe).is_err());
    }
}
