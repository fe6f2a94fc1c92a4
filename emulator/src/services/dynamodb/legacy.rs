//! DynamoDB's legacy (pre-expression) parameters, translated into the expression AST so that
//! the one evaluator in `eval` runs them: `AttributeUpdates` into update actions; `Expected`,
//! `KeyConditions`, `QueryFilter` and `ScanFilter` (with `ConditionalOperator`) into
//! conditions. The operators and their operand counts follow the API reference's `Condition`
//! and `ExpectedAttributeValue` shapes; `ADD` of a list appends, as `AttributeValueUpdate`
//! documents.
use serde_json::{json, Map, Value};

use super::errors::validation;
use super::expr::{Action, Cmp, Cond, Operand, Path, Step};
use crate::error::ApiError;

/// The expression parameters and the legacy parameters they replace.
const EXPRESSION_PARAMETERS: [&str; 5] = [
    "UpdateExpression",
    "ConditionExpression",
    "KeyConditionExpression",
    "FilterExpression",
    "ProjectionExpression",
];
const LEGACY_PARAMETERS: [&str; 7] = [
    "AttributeUpdates",
    "AttributesToGet",
    "Expected",
    "ConditionalOperator",
    "KeyConditions",
    "QueryFilter",
    "ScanFilter",
];

/// Refuses a request that mixes expression and legacy parameters, as DynamoDB does.
pub fn check_not_mixed(input: &Value) -> Result<(), ApiError> {
    let given = |names: &[&str]| -> Vec<String> {
        names
            .iter()
            .filter(|n| input.get(**n).is_some())
            .map(|n| n.to_string())
            .collect()
    };
    let legacy = given(&LEGACY_PARAMETERS);
    let expressions = given(&EXPRESSION_PARAMETERS);
    if legacy.is_empty() || expressions.is_empty() {
        return Ok(());
    }
    Err(validation(format!(
        "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {{{}}} Expression parameters: {{{}}}",
        legacy.join(", "),
        expressions.join(", ")
    )))
}

fn path(name: &str) -> Path {
    vec![Step::Name(name.to_string())]
}

fn value(v: &Value) -> Operand {
    Operand::Value(v.clone())
}

/// The update actions of `AttributeUpdates` (`PUT` when no `Action` is given).
pub fn attribute_updates(updates: &Map<String, Value>) -> Result<Vec<Action>, ApiError> {
    let mut actions = Vec::new();
    for (name, update) in updates {
        let action = update
            .get("Action")
            .and_then(Value::as_str)
            .unwrap_or("PUT");
        let given = update.get("Value");
        let target = path(name);
        actions.push(match (action, given) {
            ("PUT", Some(v)) => Action::Set(target, value(v)),
            ("DELETE", None) => Action::Remove(target),
            ("DELETE", Some(v)) => Action::Delete(target, value(v)),
            ("ADD", Some(v)) if v.get("L").is_some() => Action::Set(
                target.clone(),
                Operand::Call(
                    "list_append".to_string(),
                    vec![
                        Operand::Call(
                            "if_not_exists".to_string(),
                            vec![Operand::Path(target), value(&json!({"L": []}))],
                        ),
                        value(v),
                    ],
                ),
            ),
            ("ADD", Some(v)) => Action::Add(target, value(v)),
            _ => {
                return Err(validation(format!(
                    "One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified: {name}"
                )))
            }
        });
    }
    Ok(actions)
}

/// The condition of `Expected` (an `ExpectedAttributeValue` per attribute), if given.
pub fn expected(input: &Value) -> Result<Option<Cond>, ApiError> {
    let Some(expected) = input.get("Expected").and_then(Value::as_object) else {
        return Ok(None);
    };
    let mut parts = Vec::new();
    for (name, spec) in expected {
        parts.push(expected_one(name, spec)?);
    }
    Ok(combine(parts, or_given(input)))
}

/// Whether `ConditionalOperator` is `OR` (it is `AND` when absent).
fn or_given(input: &Value) -> bool {
    input.get("ConditionalOperator").and_then(Value::as_str) == Some("OR")
}

fn expected_one(name: &str, spec: &Value) -> Result<Cond, ApiError> {
    let exists = spec.get("Exists").and_then(Value::as_bool);
    let given = spec.get("Value");
    if spec.get("ComparisonOperator").is_some() {
        if given.is_some() || exists.is_some() {
            return Err(validation(
                "One or more parameter values were invalid: Value or Exists cannot be used with ComparisonOperator",
            ));
        }
        return condition(name, spec);
    }
    match (exists, given) {
        (Some(false), None) => Ok(function("attribute_not_exists", name, None)),
        (Some(false), Some(_)) => Err(validation(
            "One or more parameter values were invalid: Value cannot be used when Exists is false",
        )),
        (_, Some(v)) => Ok(Cond::Compare(Operand::Path(path(name)), Cmp::Eq, value(v))),
        (_, None) => Err(validation(
            "One or more parameter values were invalid: Value must be provided when Exists is true",
        )),
    }
}

/// The condition of a `KeyConditions`, `QueryFilter` or `ScanFilter` member, if given
/// (`ConditionalOperator` joins filters; key conditions are always joined with `AND`).
pub fn conditions(input: &Value, member: &str) -> Result<Option<Cond>, ApiError> {
    let Some(conditions) = input.get(member).and_then(Value::as_object) else {
        return Ok(None);
    };
    let mut parts = Vec::new();
    for (name, spec) in conditions {
        parts.push(condition(name, spec)?);
    }
    Ok(combine(parts, member != "KeyConditions" && or_given(input)))
}

/// Joins conditions with `OR` or `AND`.
fn combine(parts: Vec<Cond>, or: bool) -> Option<Cond> {
    parts.into_iter().reduce(|a, b| match or {
        true => Cond::Or(Box::new(a), Box::new(b)),
        false => Cond::And(Box::new(a), Box::new(b)),
    })
}

fn function(name: &str, attribute: &str, argument: Option<&Value>) -> Cond {
    let mut args = vec![Operand::Path(path(attribute))];
    args.extend(argument.map(value));
    Cond::Func(name.to_string(), args)
}

/// One `Condition`: `ComparisonOperator` over `AttributeValueList`.
fn condition(name: &str, spec: &Value) -> Result<Cond, ApiError> {
    let operator = spec
        .get("ComparisonOperator")
        .and_then(Value::as_str)
        .unwrap_or("");
    let list: Vec<Value> = spec
        .get("AttributeValueList")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let wanted = match operator {
        "NULL" | "NOT_NULL" => 0..=0,
        "BETWEEN" => 2..=2,
        "IN" => 1..=usize::MAX,
        _ => 1..=1,
    };
    if !wanted.contains(&list.len()) {
        return Err(validation(format!(
            "One or more parameter values were invalid: Invalid number of argument(s) for the {operator} ComparisonOperator"
        )));
    }
    let subject = || Operand::Path(path(name));
    let compare = |cmp| Cond::Compare(subject(), cmp, value(&list[0]));
    Ok(match operator {
        "EQ" => compare(Cmp::Eq),
        "NE" => compare(Cmp::Ne),
        "LT" => compare(Cmp::Lt),
        "LE" => compare(Cmp::Le),
        "GT" => compare(Cmp::Gt),
        "GE" => compare(Cmp::Ge),
        "NULL" => function("attribute_not_exists", name, None),
        "NOT_NULL" => function("attribute_exists", name, None),
        "CONTAINS" => function("contains", name, Some(&list[0])),
        "NOT_CONTAINS" => Cond::Not(Box::new(function("contains", name, Some(&list[0])))),
        "BEGINS_WITH" => function("begins_with", name, Some(&list[0])),
        "IN" => Cond::In(subject(), list.iter().map(value).collect()),
        "BETWEEN" => Cond::Between(subject(), value(&list[0]), value(&list[1])),
        other => {
            return Err(validation(format!(
                "1 validation error detected: Value '{other}' at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]"
            )))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::dynamodb::eval::{apply_update, holds};
    use crate::state::dynamodb::Item;

    fn item(v: Value) -> Item {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn attribute_updates_put_add_and_delete() {
        let updates = json!({
            "name": {"Value": {"S": "new"}},
            "count": {"Action": "ADD", "Value": {"N": "2"}},
            "list": {"Action": "ADD", "Value": {"L": [{"S": "b"}]}},
            "tags": {"Action": "DELETE", "Value": {"SS": ["x"]}},
            "gone": {"Action": "DELETE"},
        });
        let actions = attribute_updates(updates.as_object().unwrap()).unwrap();
        let before = item(json!({
            "count": {"N": "1"},
            "list": {"L": [{"S": "a"}]},
            "tags": {"SS": ["x", "y"]},
            "gone": {"S": "here"},
        }));
        let after = apply_update(&before, &actions).unwrap();
        assert_eq!(
            Value::Object(after),
            json!({
                "name": {"S": "new"},
                "count": {"N": "3"},
                "list": {"L": [{"S": "a"}, {"S": "b"}]},
                "tags": {"SS": ["y"]},
            })
        );
    }

    #[test]
    fn expected_with_or_and_operators() {
        let input = json!({
            "Expected": {
                "a": {"Value": {"S": "x"}},
                "b": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "5"}]},
            },
            "ConditionalOperator": "OR",
        });
        let cond = expected(&input).unwrap().unwrap();
        let matches_b = item(json!({"a": {"S": "y"}, "b": {"N": "6"}}));
        let matches_none = item(json!({"a": {"S": "y"}, "b": {"N": "5"}}));
        assert!(holds(&matches_b, &cond).unwrap());
        assert!(!holds(&matches_none, &cond).unwrap());
        let absent = json!({"Expected": {"a": {"Exists": false}}});
        let cond = expected(&absent).unwrap().unwrap();
        assert!(holds(&item(json!({})), &cond).unwrap());
        assert!(!holds(&matches_b, &cond).unwrap());
    }

    #[test]
    fn mixing_expression_and_legacy_parameters_is_refused() {
        let input = json!({"AttributeUpdates": {}, "UpdateExpression": "SET a = :a"});
        let err = check_not_mixed(&input).unwrap_err();
        assert!(err.message.contains(
            "Non-expression parameters: {AttributeUpdates} Expression parameters: {UpdateExpression}"
        ));
    }
}
