//! Content patterns, the matching language of EventBridge event patterns and of SNS filter
//! policies (a subset): exact values, arrays as "any of", nested objects, `prefix`, `suffix`,
//! `anything-but`, `numeric`, `exists`, `equals-ignore-case`, `wildcard`, `cidr` and `$or`
//! (EventBridge User Guide, "Content filtering in Amazon EventBridge event patterns").
//!
//! Matching is total: any JSON pattern against any JSON document answers yes or no, never
//! panics, and recurses no deeper than the pattern (bounded by [`MAX_DEPTH`]).
use std::net::IpAddr;

use serde_json::{Map, Value};

/// How deep a pattern may nest (objects and `$or` alternatives); deeper patterns are refused by
/// [`validate`] and do not match.
pub const MAX_DEPTH: usize = 64;

/// Whether `document` matches `pattern` (an object of keys to rule lists or nested objects).
pub fn object_matches(pattern: &Map<String, Value>, document: &Map<String, Value>) -> bool {
    object_matches_at(pattern, document, 0)
}

fn object_matches_at(
    pattern: &Map<String, Value>,
    document: &Map<String, Value>,
    depth: usize,
) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    pattern.iter().all(|(key, rules)| {
        if key == "$or" {
            return rules.as_array().is_some_and(|alternatives| {
                alternatives.iter().any(|alt| {
                    alt.as_object()
                        .is_some_and(|alt| object_matches_at(alt, document, depth + 1))
                })
            });
        }
        key_matches(key, rules, document, depth)
    })
}

/// One key of a pattern against the document. EventBridge joins nested field names with `.`
/// when it compiles a pattern, so `"detail.state"` names the same field as
/// `{"detail": {"state": …}}` (EventBridge User Guide, "Event pattern syntax"): a key the
/// document does not have is looked up through the objects its dotted prefixes name.
fn key_matches(key: &str, rules: &Value, document: &Map<String, Value>, depth: usize) -> bool {
    if let Some(value) = document.get(key) {
        return field_matches(rules, Some(value), depth);
    }
    for (dot, _) in key.match_indices('.') {
        if let Some(inner) = document.get(&key[..dot]) {
            let rest = Map::from_iter([(key[dot + 1..].to_string(), rules.clone())]);
            return field_matches(&Value::Object(rest), Some(inner), depth + 1);
        }
    }
    field_matches(rules, None, depth)
}

/// One key of a pattern against the document's value for it (`None` when absent).
fn field_matches(rules: &Value, value: Option<&Value>, depth: usize) -> bool {
    match (rules, value) {
        (Value::Object(nested), Some(Value::Object(inner))) => {
            object_matches_at(nested, inner, depth + 1)
        }
        (Value::Object(nested), Some(Value::Array(items))) => items.iter().any(|item| {
            item.as_object()
                .is_some_and(|inner| object_matches_at(nested, inner, depth + 1))
        }),
        (Value::Object(nested), _) => nested_absent_matches(nested, depth + 1),
        (_, value) => {
            let values = value.map(|v| match v {
                Value::Array(items) => items.clone(),
                other => vec![other.clone()],
            });
            rules_match(rules, values.as_deref())
        }
    }
}

/// A nested pattern against a missing object: it matches only if every leaf asks for absence
/// (`{"exists": false}`).
fn nested_absent_matches(pattern: &Map<String, Value>, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    pattern.iter().all(|(_, rules)| match rules {
        Value::Object(nested) => nested_absent_matches(nested, depth + 1),
        other => rules_match(other, None),
    })
}

/// A leaf's rule list against the field's values (several for an array; `None` when absent).
pub fn rules_match(rules: &Value, values: Option<&[Value]>) -> bool {
    let Some(list) = rules.as_array() else {
        return false;
    };
    list.iter().any(|rule| rule_matches(rule, values))
}

fn rule_matches(rule: &Value, values: Option<&[Value]>) -> bool {
    if let Some(exists) = rule.get("exists").and_then(Value::as_bool) {
        return values.is_some_and(|v| !v.is_empty()) == exists;
    }
    let Some(values) = values else {
        return false;
    };
    if let Some(excluded) = rule.get("anything-but") {
        // Every value must avoid the excluded ones (an array field with one excluded element
        // is excluded).
        return !values.is_empty() && values.iter().all(|v| !excluded_by(excluded, v));
    }
    values.iter().any(|value| value_matches(rule, value))
}

fn excluded_by(excluded: &Value, value: &Value) -> bool {
    match excluded {
        Value::Array(list) => list.iter().any(|r| value_matches(r, value)),
        other => value_matches(other, value),
    }
}

/// Whether two numbers are equal as the services compare them: to six digits after the decimal
/// point (EventBridge documents "15 digits of precision, or six digits to the right of the
/// decimal point"; SNS documents five, so SNS values that differ only in the sixth do not
/// match here).
fn same_number(a: f64, b: f64) -> bool {
    (a * 1e6).round() == (b * 1e6).round()
}

/// One rule (a literal or an operator object) against one value.
fn value_matches(rule: &Value, value: &Value) -> bool {
    let text = value.as_str();
    match rule {
        Value::String(s) => text == Some(s.as_str()),
        Value::Number(n) => value
            .as_f64()
            .zip(n.as_f64())
            .is_some_and(|(a, b)| same_number(a, b)),
        Value::Bool(_) | Value::Null => value == rule,
        Value::Object(op) => operator_matches(op, value),
        Value::Array(_) => false,
    }
}

fn operator_matches(op: &Map<String, Value>, value: &Value) -> bool {
    let Some((name, argument)) = op.iter().next() else {
        return false;
    };
    let text = value.as_str();
    match name.as_str() {
        "prefix" => text.is_some_and(|t| affix_matches(argument, t, true)),
        "suffix" => text.is_some_and(|t| affix_matches(argument, t, false)),
        "equals-ignore-case" => text
            .zip(argument.as_str())
            .is_some_and(|(t, p)| t.to_lowercase() == p.to_lowercase()),
        "wildcard" => text
            .zip(argument.as_str())
            .is_some_and(|(t, p)| wildcard_matches(p, t)),
        "cidr" => text
            .zip(argument.as_str())
            .is_some_and(|(t, p)| cidr_matches(p, t)),
        "numeric" => argument
            .as_array()
            .is_some_and(|terms| numeric_matches(terms, value.as_f64())),
        "anything-but" => !excluded_by(argument, value),
        _ => false,
    }
}

/// `prefix` / `suffix`: a string, or `{"equals-ignore-case": string}`.
fn affix_matches(argument: &Value, text: &str, prefix: bool) -> bool {
    let (wanted, fold) = match argument {
        Value::String(s) => (s.clone(), false),
        Value::Object(o) => match o.get("equals-ignore-case").and_then(Value::as_str) {
            Some(s) => (s.to_lowercase(), true),
            None => return false,
        },
        _ => return false,
    };
    let text = if fold {
        text.to_lowercase()
    } else {
        text.to_string()
    };
    if prefix {
        text.starts_with(&wanted)
    } else {
        text.ends_with(&wanted)
    }
}

/// `*` stands for any run of characters; `\*` and `\\` for themselves.
pub fn wildcard_matches(pattern: &str, text: &str) -> bool {
    let mut pieces: Vec<String> = vec![String::new()];
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let (Some(next), Some(piece)) = (chars.next(), pieces.last_mut()) {
                    piece.push(next);
                }
            }
            '*' => pieces.push(String::new()),
            other => {
                if let Some(p) = pieces.last_mut() {
                    p.push(other);
                }
            }
        }
    }
    let (first, rest) = pieces.split_first().expect("one piece at least");
    let Some(mut remaining) = text.strip_prefix(first.as_str()) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return remaining.is_empty();
    };
    for piece in middle {
        match remaining.find(piece.as_str()) {
            Some(at) => remaining = &remaining[at + piece.len()..],
            None => return false,
        }
    }
    remaining.ends_with(last.as_str())
}

/// `value` is an IP address inside the CIDR block `block` (IPv4 or IPv6).
pub fn cidr_matches(block: &str, value: &str) -> bool {
    let Some((network, bits)) = parse_cidr(block) else {
        return false;
    };
    let Ok(address) = value.parse::<IpAddr>() else {
        return false;
    };
    match (network, address) {
        (IpAddr::V4(n), IpAddr::V4(a)) => {
            masked(u128::from(u32::from(n)), u128::from(u32::from(a)), bits, 32)
        }
        (IpAddr::V6(n), IpAddr::V6(a)) => masked(u128::from(n), u128::from(a), bits, 128),
        _ => false,
    }
}

fn masked(network: u128, address: u128, bits: u32, width: u32) -> bool {
    if bits == 0 {
        return true;
    }
    let shift = width - bits;
    (network >> shift) == (address >> shift)
}

/// A CIDR block's network and prefix length.
pub fn parse_cidr(block: &str) -> Option<(IpAddr, u32)> {
    let (address, bits) = block.split_once('/')?;
    let address: IpAddr = address.parse().ok()?;
    let bits: u32 = bits.parse().ok()?;
    let width = if address.is_ipv4() { 32 } else { 128 };
    (bits <= width).then_some((address, bits))
}

fn numeric_matches(terms: &[Value], value: Option<f64>) -> bool {
    let Some(value) = value else {
        return false;
    };
    !terms.is_empty()
        && terms.chunks(2).all(|pair| {
            let (Some(op), Some(bound)) = (pair[0].as_str(), pair.get(1).and_then(Value::as_f64))
            else {
                return false;
            };
            match op {
                "=" => same_number(value, bound),
                "<" => value < bound,
                "<=" => value <= bound,
                ">" => value > bound,
                ">=" => value >= bound,
                _ => false,
            }
        })
}

/// Checks a pattern the way EventBridge does before a rule takes it; the error is the reason,
/// to follow "Event pattern is not valid. Reason: ".
pub fn validate(pattern: &Value) -> Result<(), String> {
    let object = pattern
        .as_object()
        .ok_or_else(|| "Filter is not an object".to_string())?;
    if object.is_empty() {
        return Err("Empty objects are not allowed".to_string());
    }
    validate_object(object, 0)
}

fn validate_object(object: &Map<String, Value>, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!("Patterns may nest at most {MAX_DEPTH} levels"));
    }
    for (key, rules) in object {
        match rules {
            Value::Array(alternatives) if key == "$or" => {
                if alternatives.len() < 2 {
                    return Err("\"$or\" must have at least 2 elements".to_string());
                }
                for alt in alternatives {
                    let alt = alt
                        .as_object()
                        .filter(|a| !a.is_empty())
                        .ok_or_else(|| "\"$or\" elements must be non-empty objects".to_string())?;
                    validate_object(alt, depth + 1)?;
                }
            }
            Value::Object(nested) if !nested.is_empty() => validate_object(nested, depth + 1)?,
            Value::Object(_) => return Err("Empty objects are not allowed".to_string()),
            Value::Array(list) => {
                for rule in list {
                    validate_rule(rule)?;
                }
            }
            _ => return Err(format!("\"{key}\" must be an object or an array")),
        }
    }
    Ok(())
}

fn validate_rule(rule: &Value) -> Result<(), String> {
    let Value::Object(op) = rule else {
        return match rule {
            Value::Array(_) => {
                Err("Match value must be String, number, true, false, or null".to_string())
            }
            _ => Ok(()),
        };
    };
    if op.len() != 1 {
        return Err("Match object must have exactly one match type".to_string());
    }
    let (name, argument) = op.iter().next().expect("one entry");
    match name.as_str() {
        "prefix" | "suffix" => validate_affix(name, argument),
        "equals-ignore-case" => string_argument(name, argument),
        "wildcard" => {
            string_argument(name, argument)?;
            if argument.as_str().is_some_and(|p| p.contains("**")) {
                return Err("Consecutive wildcard characters at pos 0".to_string());
            }
            Ok(())
        }
        "cidr" => match argument.as_str().and_then(parse_cidr) {
            Some(_) => Ok(()),
            None => Err(format!("Malformed CIDR, one '/' required: {argument}")),
        },
        "exists" => match argument {
            Value::Bool(_) => Ok(()),
            _ => Err("exists match pattern must be either true or false.".to_string()),
        },
        "numeric" => validate_numeric(argument),
        "anything-but" => validate_anything_but(argument),
        other => Err(format!("Unrecognized match type {other}")),
    }
}

fn string_argument(name: &str, argument: &Value) -> Result<(), String> {
    if argument.is_string() {
        Ok(())
    } else {
        Err(format!("{name} match pattern must be a string"))
    }
}

fn validate_affix(name: &str, argument: &Value) -> Result<(), String> {
    match argument {
        Value::String(_) => Ok(()),
        Value::Object(o)
            if o.len() == 1 && o.get("equals-ignore-case").is_some_and(Value::is_string) =>
        {
            Ok(())
        }
        _ => Err(format!(
            "{name} match pattern must be a string or an equals-ignore-case object"
        )),
    }
}

fn validate_anything_but(argument: &Value) -> Result<(), String> {
    match argument {
        Value::String(_) | Value::Number(_) => Ok(()),
        Value::Array(list) if !list.is_empty() => {
            let same_kind = list.iter().all(Value::is_string) || list.iter().all(Value::is_number);
            if same_kind {
                Ok(())
            } else {
                Err("Inside anything but list, start|null|boolean is not supported.".to_string())
            }
        }
        Value::Object(o) if o.len() == 1 => {
            let (name, inner) = o.iter().next().expect("one entry");
            match name.as_str() {
                "prefix" | "suffix" | "wildcard" | "equals-ignore-case" => {
                    let strings = match inner {
                        Value::String(_) => true,
                        Value::Array(l) => !l.is_empty() && l.iter().all(Value::is_string),
                        _ => false,
                    };
                    if strings {
                        Ok(())
                    } else {
                        Err(format!(
                            "Value of {name} inside anything-but must be a string"
                        ))
                    }
                }
                other => Err(format!("Unsupported anything-but pattern: {other}")),
            }
        }
        _ => {
            Err("Value of anything-but must be an array or single string/number value.".to_string())
        }
    }
}

fn validate_numeric(argument: &Value) -> Result<(), String> {
    let terms = argument
        .as_array()
        .filter(|t| !t.is_empty() && t.len() % 2 == 0 && t.len() <= 4)
        .ok_or_else(|| "Value of numeric must be an array.".to_string())?;
    let (mut lower, mut upper): (Option<f64>, Option<f64>) = (None, None);
    for pair in terms.chunks(2) {
        let op = pair[0].as_str().unwrap_or("");
        let bound = pair[1]
            .as_f64()
            .ok_or_else(|| "Value of numeric must be a number".to_string())?;
        match op {
            "=" if terms.len() == 2 => {}
            ">" | ">=" if lower.is_none() => lower = Some(bound),
            "<" | "<=" if upper.is_none() => upper = Some(bound),
            _ => return Err(format!("Unrecognized numeric range operator: {op}")),
        }
    }
    if let (Some(low), Some(high)) = (lower, upper) {
        if low >= high {
            return Err("Bottom must be less than top".to_string());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn matches(pattern: Value, event: Value) -> bool {
        validate(&pattern).unwrap();
        object_matches(pattern.as_object().unwrap(), event.as_object().unwrap())
    }

    #[test]
    fn dotted_keys_name_nested_fields() {
        let event = json!({"source": "app", "detail": {"order": {"state": "paid"}, "n": 1}});
        assert!(matches(
            json!({"detail.order.state": ["paid"]}),
            event.clone()
        ));
        assert!(matches(
            json!({"detail": {"order.state": ["paid"]}}),
            event.clone()
        ));
        assert!(!matches(
            json!({"detail.order.state": ["open"]}),
            event.clone()
        ));
        assert!(matches(
            json!({"detail.missing": [{"exists": false}]}),
            event.clone()
        ));
        assert!(!matches(
            json!({"detail.order.state": [{"exists": false}]}),
            event
        ));
        let literal = json!({"a.b": "x", "a": {"b": "y"}});
        assert!(matches(json!({"a.b": ["x"]}), literal));
    }

    #[test]
    fn exact_values_and_arrays_are_any_of() {
        let p = json!({"source": ["a", "b"], "detail": {"n": [5], "ok": [true], "z": [null]}});
        assert!(matches(
            p.clone(),
            json!({"source": "b", "detail": {"n": 5.0, "ok": true, "z": null}})
        ));
        assert!(!matches(
            p.clone(),
            json!({"source": "c", "detail": {"n": 5, "ok": true, "z": null}})
        ));
        assert!(!matches(
            p.clone(),
            json!({"source": "a", "detail": {"n": "5", "ok": true, "z": null}})
        ));
        assert!(!matches(
            p,
            json!({"source": "a", "detail": {"n": 5, "ok": true}})
        ));
        // An array in the event matches when any element does.
        assert!(matches(json!({"r": ["x"]}), json!({"r": ["w", "x"]})));
        assert!(!matches(json!({"r": ["x"]}), json!({"r": ["w"]})));
        // Nested objects inside an array.
        assert!(matches(
            json!({"a": {"b": ["x"]}}),
            json!({"a": [{"b": "y"}, {"b": "x"}]})
        ));
    }

    #[test]
    fn prefix_suffix_and_ignore_case() {
        assert!(matches(
            json!({"k": [{"prefix": "ab"}]}),
            json!({"k": "abc"})
        ));
        assert!(!matches(
            json!({"k": [{"prefix": "ab"}]}),
            json!({"k": "Abc"})
        ));
        assert!(matches(
            json!({"k": [{"prefix": {"equals-ignore-case": "AB"}}]}),
            json!({"k": "abc"})
        ));
        assert!(matches(
            json!({"k": [{"suffix": ".png"}]}),
            json!({"k": "a.png"})
        ));
        assert!(!matches(
            json!({"k": [{"suffix": ".png"}]}),
            json!({"k": "a.jpg"})
        ));
        assert!(matches(
            json!({"k": [{"suffix": {"equals-ignore-case": ".PNG"}}]}),
            json!({"k": "a.png"})
        ));
        assert!(matches(
            json!({"k": [{"equals-ignore-case": "AlIcE"}]}),
            json!({"k": "alice"})
        ));
        assert!(!matches(
            json!({"k": [{"equals-ignore-case": "alice"}]}),
            json!({"k": "bob"})
        ));
        assert!(!matches(json!({"k": [{"prefix": "1"}]}), json!({"k": 12})));
    }

    #[test]
    fn anything_but_values_prefixes_and_suffixes() {
        let p = json!({"k": [{"anything-but": ["a", "b"]}]});
        assert!(matches(p.clone(), json!({"k": "c"})));
        assert!(!matches(p.clone(), json!({"k": "a"})));
        assert!(
            !matches(p, json!({})),
            "an absent field is not anything-but"
        );
        assert!(matches(
            json!({"k": [{"anything-but": 3}]}),
            json!({"k": 4})
        ));
        assert!(!matches(
            json!({"k": [{"anything-but": 3}]}),
            json!({"k": 3})
        ));
        assert!(matches(
            json!({"k": [{"anything-but": {"prefix": "x"}}]}),
            json!({"k": "yz"})
        ));
        assert!(!matches(
            json!({"k": [{"anything-but": {"prefix": "x"}}]}),
            json!({"k": "xy"})
        ));
        assert!(!matches(
            json!({"k": [{"anything-but": {"suffix": "y"}}]}),
            json!({"k": "xy"})
        ));
        assert!(!matches(
            json!({"k": [{"anything-but": {"wildcard": "*.txt"}}]}),
            json!({"k": "a.txt"})
        ));
        assert!(!matches(
            json!({"k": [{"anything-but": "a"}]}),
            json!({"k": ["b", "a"]})
        ));
    }

    #[test]
    fn numeric_comparisons_and_ranges() {
        let p = json!({"n": [{"numeric": [">", 0, "<=", 5]}]});
        assert!(matches(p.clone(), json!({"n": 5})));
        assert!(matches(p.clone(), json!({"n": 0.5})));
        assert!(!matches(p.clone(), json!({"n": 0})));
        assert!(!matches(p.clone(), json!({"n": 6})));
        assert!(!matches(p, json!({"n": "3"})));
        assert!(matches(
            json!({"n": [{"numeric": ["=", 3]}]}),
            json!({"n": 3.0})
        ));
        assert!(matches(
            json!({"n": [{"numeric": [">=", 10]}]}),
            json!({"n": 10})
        ));
        assert!(!matches(
            json!({"n": [{"numeric": ["<", 10]}]}),
            json!({"n": 10})
        ));
    }

    #[test]
    fn exists() {
        assert!(matches(json!({"k": [{"exists": true}]}), json!({"k": "v"})));
        assert!(!matches(
            json!({"k": [{"exists": true}]}),
            json!({"j": "v"})
        ));
        assert!(matches(
            json!({"k": [{"exists": false}]}),
            json!({"j": "v"})
        ));
        assert!(!matches(
            json!({"k": [{"exists": false}]}),
            json!({"k": "v"})
        ));
        assert!(matches(json!({"a": {"b": [{"exists": false}]}}), json!({})));
        assert!(!matches(json!({"a": {"b": [{"exists": true}]}}), json!({})));
    }

    #[test]
    fn wildcard() {
        assert!(matches(
            json!({"k": [{"wildcard": "dir/*.png"}]}),
            json!({"k": "dir/a.png"})
        ));
        assert!(matches(json!({"k": [{"wildcard": "*"}]}), json!({"k": ""})));
        assert!(matches(
            json!({"k": [{"wildcard": "a*b*c"}]}),
            json!({"k": "aXbYc"})
        ));
        assert!(!matches(
            json!({"k": [{"wildcard": "a*b*c"}]}),
            json!({"k": "aXcYb"})
        ));
        assert!(!matches(
            json!({"k": [{"wildcard": "dir/*.png"}]}),
            json!({"k": "dir/a.jpg"})
        ));
        assert!(matches(
            json!({"k": [{"wildcard": "a\\*"}]}),
            json!({"k": "a*"})
        ));
        assert!(!matches(
            json!({"k": [{"wildcard": "a\\*"}]}),
            json!({"k": "ab"})
        ));
    }

    #[test]
    fn cidr() {
        let p = json!({"ip": [{"cidr": "10.0.0.0/24"}]});
        assert!(matches(p.clone(), json!({"ip": "10.0.0.255"})));
        assert!(!matches(p.clone(), json!({"ip": "10.0.1.0"})));
        assert!(!matches(p.clone(), json!({"ip": "not an ip"})));
        assert!(!matches(p, json!({"ip": "::1"})));
        assert!(matches(
            json!({"ip": [{"cidr": "2001:db8::/32"}]}),
            json!({"ip": "2001:db8::1"})
        ));
        assert!(!matches(
            json!({"ip": [{"cidr": "2001:db8::/32"}]}),
            json!({"ip": "2001:db9::1"})
        ));
        assert!(matches(
            json!({"ip": [{"cidr": "0.0.0.0/0"}]}),
            json!({"ip": "1.2.3.4"})
        ));
    }

    #[test]
    fn or_alternatives() {
        let p = json!({"source": ["s"], "$or": [{"a": ["1"]}, {"b": [{"numeric": [">", 2]}]}]});
        assert!(matches(p.clone(), json!({"source": "s", "a": "1"})));
        assert!(matches(p.clone(), json!({"source": "s", "b": 3})));
        assert!(!matches(
            p.clone(),
            json!({"source": "s", "a": "2", "b": 1})
        ));
        assert!(!matches(p, json!({"source": "t", "a": "1"})));
    }

    #[test]
    fn invalid_patterns_are_refused_with_a_reason() {
        for (pattern, reason) in [
            (json!([]), "Filter is not an object"),
            (json!({}), "Empty objects are not allowed"),
            (json!({"a": "x"}), "\"a\" must be an object or an array"),
            (
                json!({"a": [{"bogus": 1}]}),
                "Unrecognized match type bogus",
            ),
            (json!({"a": [{"prefix": 1}]}), "prefix match pattern"),
            (
                json!({"a": [{"numeric": [">", "x"]}]}),
                "numeric must be a number",
            ),
            (
                json!({"a": [{"numeric": [">", 5, "<", 1]}]}),
                "Bottom must be less than top",
            ),
            (json!({"a": [{"exists": "yes"}]}), "exists match pattern"),
            (json!({"a": [{"cidr": "10.0.0.0"}]}), "Malformed CIDR"),
            (json!({"a": [{"wildcard": "a**"}]}), "Consecutive wildcard"),
            (json!({"$or": [{"a": ["x"]}]}), "at least 2"),
            (
                json!({"a": [{"prefix": "x", "suffix": "y"}]}),
                "exactly one",
            ),
            (json!({"a": [[1]]}), "Match value must be"),
        ] {
            let error = validate(&pattern).unwrap_err();
            assert!(error.contains(reason), "{pattern}: {error}");
        }
    }

    #[test]
    fn no_json_makes_it_panic_or_recurse_without_bound() {
        let mut deep = json!({"k": ["v"]});
        for _ in 0..200 {
            deep = json!({ "a": deep });
        }
        assert!(validate(&deep).is_err());
        let document = json!({"a": 1});
        assert!(!object_matches(
            deep.as_object().unwrap(),
            document.as_object().unwrap()
        ));
        let odd = [
            json!({"k": [{}]}),
            json!({"k": [{"numeric": [">"]}]}),
            json!({"k": [{"anything-but": {}}]}),
            json!({"$or": 5}),
            json!({"k": [{"prefix": {"x": 1}}]}),
        ];
        for pattern in odd {
            let object = pattern.as_object().unwrap();
            for doc in [
                json!({}),
                json!({"k": "v"}),
                json!({"k": [1, "v", null, {"a": 1}]}),
            ] {
                let _ = object_matches(object, doc.as_object().unwrap());
            }
        }
    }
}
