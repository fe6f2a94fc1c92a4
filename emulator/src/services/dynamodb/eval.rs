//! Evaluates parsed expressions against items: conditions, update actions and projections.
use std::cmp::Ordering;

use bigdecimal::BigDecimal;
use serde_json::{json, Map, Value};

use super::errors::validation;
use super::expr::{Action, Cmp, Cond, Operand, Path, Step};
use super::values::{compare, equal, number_text, parse_number, set_members, set_value, size, tag};
use crate::error::ApiError;
use crate::state::dynamodb::Item;

/// The value at a document path, if there is one.
pub fn resolve<'a>(item: &'a Item, path: &Path) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    let Step::Name(name) = first else {
        return None;
    };
    let mut current = item.get(name)?;
    for step in rest {
        current = match (step, tag(current)?) {
            (Step::Name(key), ("M", Value::Object(map))) => map.get(key)?,
            (Step::Index(i), ("L", Value::Array(list))) => list.get(*i)?,
            _ => return None,
        };
    }
    Some(current)
}

/// The value an operand evaluates to on `item`.
pub fn operand(item: &Item, op: &Operand) -> Result<Option<Value>, ApiError> {
    match op {
        Operand::Path(path) => Ok(resolve(item, path).cloned()),
        Operand::Value(value) => Ok(Some(value.clone())),
        Operand::Call(name, args) => call(item, name, args),
        Operand::Add(a, b) => arithmetic(item, a, b, true),
        Operand::Sub(a, b) => arithmetic(item, a, b, false),
    }
}

fn call(item: &Item, name: &str, args: &[Operand]) -> Result<Option<Value>, ApiError> {
    match name {
        "size" => {
            let value = operand(item, &args[0])?;
            Ok(value
                .as_ref()
                .and_then(size)
                .map(|n| json!({ "N": n.to_string() })))
        }
        "if_not_exists" => match operand(item, &args[0])? {
            Some(existing) => Ok(Some(existing)),
            None => operand(item, &args[1]),
        },
        "list_append" => {
            let left = list_items(operand(item, &args[0])?)?;
            let right = list_items(operand(item, &args[1])?)?;
            let joined: Vec<Value> = [left, right].concat();
            Ok(Some(json!({ "L": joined })))
        }
        other => Err(validation(format!(
            "Invalid expression: Invalid function name; function: {other}"
        ))),
    }
}

fn list_items(value: Option<Value>) -> Result<Vec<Value>, ApiError> {
    match value.as_ref().and_then(tag) {
        Some(("L", Value::Array(items))) => Ok(items.clone()),
        Some(_) => Err(validation(
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: not a list",
        )),
        None => Err(missing_operand()),
    }
}

fn missing_operand() -> ApiError {
    validation("The provided expression refers to an attribute that does not exist in the item")
}

fn number_of(value: Option<Value>) -> Result<BigDecimal, ApiError> {
    match value.as_ref().and_then(tag) {
        Some(("N", Value::String(n))) => parse_number(n),
        Some(_) => Err(validation(
            "An operand in the update expression has an incorrect data type",
        )),
        None => Err(missing_operand()),
    }
}

fn arithmetic(item: &Item, a: &Operand, b: &Operand, add: bool) -> Result<Option<Value>, ApiError> {
    let left = number_of(operand(item, a)?)?;
    let right = number_of(operand(item, b)?)?;
    let result = if add { left + right } else { left - right };
    let text = number_text(&result);
    parse_number(&text)?;
    Ok(Some(json!({ "N": text })))
}

/// Whether a condition holds for `item` (an absent item is an empty one).
pub fn holds(item: &Item, cond: &Cond) -> Result<bool, ApiError> {
    match cond {
        Cond::And(a, b) => Ok(holds(item, a)? && holds(item, b)?),
        Cond::Or(a, b) => Ok(holds(item, a)? || holds(item, b)?),
        Cond::Not(a) => Ok(!holds(item, a)?),
        Cond::Compare(a, cmp, b) => {
            let (a, b) = (operand(item, a)?, operand(item, b)?);
            Ok(compares(a.as_ref(), *cmp, b.as_ref()))
        }
        Cond::Between(v, low, high) => {
            let v = operand(item, v)?;
            let (low, high) = (operand(item, low)?, operand(item, high)?);
            Ok(compares(v.as_ref(), Cmp::Ge, low.as_ref())
                && compares(v.as_ref(), Cmp::Le, high.as_ref()))
        }
        Cond::In(v, list) => {
            let v = operand(item, v)?;
            for candidate in list {
                if compares(v.as_ref(), Cmp::Eq, operand(item, candidate)?.as_ref()) {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Cond::Func(name, args) => function(item, name, args),
    }
}

fn compares(a: Option<&Value>, cmp: Cmp, b: Option<&Value>) -> bool {
    let (Some(a), Some(b)) = (a, b) else {
        return false;
    };
    match cmp {
        Cmp::Eq => equal(a, b),
        Cmp::Ne => !equal(a, b),
        _ => match compare(a, b) {
            Some(order) => match cmp {
                Cmp::Lt => order == Ordering::Less,
                Cmp::Le => order != Ordering::Greater,
                Cmp::Gt => order == Ordering::Greater,
                _ => order != Ordering::Less,
            },
            None => false,
        },
    }
}

fn function(item: &Item, name: &str, args: &[Operand]) -> Result<bool, ApiError> {
    let subject = operand(item, &args[0])?;
    match name {
        "attribute_exists" => Ok(subject.is_some()),
        "attribute_not_exists" => Ok(subject.is_none()),
        "attribute_type" => {
            let wanted = operand(item, &args[1])?;
            let wanted = match wanted.as_ref().and_then(tag) {
                Some(("S", Value::String(t))) => t.clone(),
                _ => {
                    return Err(validation(
                        "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: not a string",
                    ))
                }
            };
            if !matches!(
                wanted.as_str(),
                "S" | "SS" | "N" | "NS" | "B" | "BS" | "BOOL" | "NULL" | "L" | "M"
            ) {
                return Err(validation(format!(
                    "Invalid ConditionExpression: Invalid attribute type name found; type: {wanted}, valid types: {{ B,N,S,BOOL,NULL,SS,NS,BS,L,M }}"
                )));
            }
            Ok(subject
                .as_ref()
                .and_then(tag)
                .is_some_and(|(k, _)| k == wanted))
        }
        "begins_with" => {
            let prefix = operand(item, &args[1])?;
            Ok(
                match (
                    subject.as_ref().and_then(tag),
                    prefix.as_ref().and_then(tag),
                ) {
                    (Some(("S", Value::String(s))), Some(("S", Value::String(p)))) => {
                        s.starts_with(p.as_str())
                    }
                    (Some(("B", Value::String(s))), Some(("B", Value::String(p)))) => {
                        let s = super::values::decode_binary(s)?;
                        let p = super::values::decode_binary(p)?;
                        s.starts_with(&p)
                    }
                    _ => false,
                },
            )
        }
        "contains" => {
            let needle = operand(item, &args[1])?;
            Ok(contains(subject.as_ref(), needle.as_ref()))
        }
        other => Err(validation(format!(
            "Invalid expression: Invalid function name; function: {other}"
        ))),
    }
}

fn contains(subject: Option<&Value>, needle: Option<&Value>) -> bool {
    let (Some(subject), Some(needle)) = (subject, needle) else {
        return false;
    };
    match (tag(subject), tag(needle)) {
        (Some(("S", Value::String(s))), Some(("S", Value::String(n)))) => s.contains(n.as_str()),
        (Some(("L", Value::Array(items))), _) => items.iter().any(|i| equal(i, needle)),
        (Some((set @ ("SS" | "NS" | "BS"), _)), Some((kind, _))) if set.starts_with(kind) => {
            match (set_members(subject), super::values::key_part(needle)) {
                (Some(members), Some(part)) => members.contains(&part),
                _ => false,
            }
        }
        _ => false,
    }
}

/// Applies update actions to a copy of `item`; values on the right are evaluated against the
/// item as it was before the update, and every list index names a position in the list as it
/// was before the update, as DynamoDB does: removals run last, highest index first, so
/// `REMOVE a[0], a[1]` removes the first two elements, not the first and the third.
pub fn apply_update(item: &Item, actions: &[Action]) -> Result<Item, ApiError> {
    check_overlaps(actions)?;
    let mut updated = item.clone();
    let mut removals: Vec<&Path> = Vec::new();
    for action in actions {
        match action {
            Action::Set(path, value) => {
                let value = operand(item, value)?.ok_or_else(missing_operand)?;
                set_path(&mut updated, path, value)?;
            }
            Action::Remove(path) => removals.push(path),
            Action::Add(path, value) => {
                let value = operand(item, value)?.ok_or_else(missing_operand)?;
                let current = resolve(item, path).cloned();
                set_path(&mut updated, path, add_value(current, value)?)?;
            }
            Action::Delete(path, value) => {
                let value = operand(item, value)?.ok_or_else(missing_operand)?;
                if let Some(current) = resolve(item, path).cloned() {
                    match delete_value(current, value)? {
                        Some(v) => set_path(&mut updated, path, v)?,
                        None => remove_path(&mut updated, path),
                    }
                }
            }
        }
    }
    removals.sort_unstable_by(|a, b| b.cmp(a));
    for path in removals {
        remove_path(&mut updated, path);
    }
    Ok(updated)
}

fn path_text(path: &Path) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Name(n) if out.is_empty() => out.push_str(n),
            Step::Name(n) => out.push_str(&format!(".{n}")),
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

fn action_path(action: &Action) -> &Path {
    match action {
        Action::Set(p, _) | Action::Remove(p) | Action::Add(p, _) | Action::Delete(p, _) => p,
    }
}

/// Two actions on the same path, or on a path and its parent, are refused.
fn check_overlaps(actions: &[Action]) -> Result<(), ApiError> {
    for (i, a) in actions.iter().enumerate() {
        for b in &actions[i + 1..] {
            let (pa, pb) = (action_path(a), action_path(b));
            let n = pa.len().min(pb.len());
            if pa[..n] == pb[..n] {
                return Err(validation(format!(
                    "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [{}], path two: [{}]",
                    path_text(pa),
                    path_text(pb)
                )));
            }
        }
    }
    Ok(())
}

fn invalid_path() -> ApiError {
    validation("The document path provided in the update expression is invalid for update")
}

fn set_path(item: &mut Item, path: &Path, value: Value) -> Result<(), ApiError> {
    let Some((Step::Name(first), rest)) = path.split_first() else {
        return Err(invalid_path());
    };
    if rest.is_empty() {
        item.insert(first.clone(), value);
        return Ok(());
    }
    let container = item.get_mut(first).ok_or_else(invalid_path)?;
    set_in(container, rest, value)
}

fn set_in(container: &mut Value, path: &[Step], value: Value) -> Result<(), ApiError> {
    let (step, rest) = path.split_first().ok_or_else(invalid_path)?;
    let inner = container
        .as_object_mut()
        .and_then(|o| o.values_mut().next())
        .ok_or_else(invalid_path)?;
    match (step, inner) {
        (Step::Name(key), Value::Object(map)) => {
            if rest.is_empty() {
                map.insert(key.clone(), value);
                return Ok(());
            }
            set_in(map.get_mut(key).ok_or_else(invalid_path)?, rest, value)
        }
        (Step::Index(i), Value::Array(list)) => {
            if rest.is_empty() {
                if *i < list.len() {
                    list[*i] = value;
                } else {
                    list.push(value);
                }
                return Ok(());
            }
            set_in(list.get_mut(*i).ok_or_else(invalid_path)?, rest, value)
        }
        _ => Err(invalid_path()),
    }
}

fn remove_path(item: &mut Item, path: &Path) {
    let Some((Step::Name(first), rest)) = path.split_first() else {
        return;
    };
    if rest.is_empty() {
        item.remove(first);
        return;
    }
    if let Some(container) = item.get_mut(first) {
        remove_in(container, rest);
    }
}

fn remove_in(container: &mut Value, path: &[Step]) {
    let Some((step, rest)) = path.split_first() else {
        return;
    };
    let Some(inner) = container
        .as_object_mut()
        .and_then(|o| o.values_mut().next())
    else {
        return;
    };
    match (step, inner) {
        (Step::Name(key), Value::Object(map)) if rest.is_empty() => {
            map.remove(key);
        }
        (Step::Index(i), Value::Array(list)) if rest.is_empty() && *i < list.len() => {
            list.remove(*i);
        }
        (Step::Index(_), Value::Array(_)) if rest.is_empty() => {}
        (Step::Name(key), Value::Object(map)) => {
            if let Some(next) = map.get_mut(key) {
                remove_in(next, rest);
            }
        }
        (Step::Index(i), Value::Array(list)) => {
            if let Some(next) = list.get_mut(*i) {
                remove_in(next, rest);
            }
        }
        _ => {}
    }
}

fn add_value(current: Option<Value>, value: Value) -> Result<Value, ApiError> {
    let kind = tag(&value).map(|(k, _)| k.to_string()).unwrap_or_default();
    match (current, kind.as_str()) {
        (None, "N" | "SS" | "NS" | "BS") => Ok(value),
        (Some(current), "N") => {
            let sum = number_of(Some(current))? + number_of(Some(value))?;
            let text = number_text(&sum);
            parse_number(&text)?;
            Ok(json!({ "N": text }))
        }
        (Some(current), "SS" | "NS" | "BS") => {
            let mut members = same_set(&current, &kind, "ADD")?;
            members.extend(set_members(&value).unwrap_or_default());
            Ok(set_value(&kind, &members))
        }
        _ => Err(validation(format!(
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: {}",
            kind_name(&kind)
        ))),
    }
}

fn delete_value(current: Value, value: Value) -> Result<Option<Value>, ApiError> {
    let kind = tag(&value).map(|(k, _)| k.to_string()).unwrap_or_default();
    if !matches!(kind.as_str(), "SS" | "NS" | "BS") {
        return Err(validation(format!(
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: {}",
            kind_name(&kind)
        )));
    }
    let mut members = same_set(&current, &kind, "DELETE")?;
    for m in set_members(&value).unwrap_or_default() {
        members.remove(&m);
    }
    Ok((!members.is_empty()).then(|| set_value(&kind, &members)))
}

fn same_set(
    current: &Value,
    kind: &str,
    operator: &str,
) -> Result<std::collections::BTreeSet<super::values::KeyPart>, ApiError> {
    match tag(current) {
        Some((k, _)) if k == kind => Ok(set_members(current).unwrap_or_default()),
        _ => Err(validation(format!(
            "An operand in the update expression has an incorrect data type; operator: {operator}"
        ))),
    }
}

fn kind_name(kind: &str) -> &'static str {
    match kind {
        "S" => "STRING",
        "B" => "BINARY",
        "BOOL" => "BOOLEAN",
        "NULL" => "NULL",
        "L" => "LIST",
        "M" => "MAP",
        _ => "UNKNOWN",
    }
}

/// The parts of `item` the paths name, in the item's shape.
pub fn project(item: &Item, paths: &[Path]) -> Item {
    let mut out = Item::new();
    for path in paths {
        if let Some(value) = resolve(item, path) {
            insert_projected(&mut out, path, value.clone());
        }
    }
    out
}

fn insert_projected(out: &mut Item, path: &Path, value: Value) {
    let Some((Step::Name(first), rest)) = path.split_first() else {
        return;
    };
    if rest.is_empty() {
        out.insert(first.clone(), value);
        return;
    }
    let kind = if matches!(rest[0], Step::Index(_)) {
        "L"
    } else {
        "M"
    };
    let slot = out
        .entry(first.clone())
        .or_insert_with(|| empty_container(kind));
    insert_nested(slot, rest, value);
}

fn empty_container(kind: &str) -> Value {
    if kind == "L" {
        json!({ "L": [] })
    } else {
        json!({ "M": Map::new() })
    }
}

fn insert_nested(slot: &mut Value, path: &[Step], value: Value) {
    let Some((step, rest)) = path.split_first() else {
        return;
    };
    let Some(inner) = slot.as_object_mut().and_then(|o| o.values_mut().next()) else {
        return;
    };
    let next_kind = match rest.first() {
        Some(Step::Index(_)) => "L",
        _ => "M",
    };
    match (step, inner) {
        (Step::Name(key), Value::Object(map)) => {
            if rest.is_empty() {
                map.insert(key.clone(), value);
            } else {
                let child = map
                    .entry(key.clone())
                    .or_insert_with(|| empty_container(next_kind));
                insert_nested(child, rest, value);
            }
        }
        (Step::Index(_), Value::Array(list)) => {
            if rest.is_empty() {
                list.push(value);
            } else {
                list.push(empty_container(next_kind));
                if let Some(child) = list.last_mut() {
                    insert_nested(child, rest, value);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::expr::{parse_condition, parse_update, Placeholders};
    use super::*;

    fn item(v: Value) -> Item {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn evaluates_conditions_with_decimal_numbers() {
        let input = json!({"ExpressionAttributeValues": {
            ":a": {"N": "0.1"}, ":b": {"N": "0.30000000000000000000000000000000000001"}
        }});
        let mut p = Placeholders::new(&input);
        let cond = parse_condition("ConditionExpression", "n BETWEEN :a AND :b", &mut p).unwrap();
        assert!(holds(&item(json!({"n": {"N": "0.3"}})), &cond).unwrap());
        assert!(!holds(
            &item(json!({"n": {"N": "0.30000000000000000000000000000000000002"}})),
            &cond
        )
        .unwrap());
    }

    #[test]
    fn applies_updates() {
        let input = json!({"ExpressionAttributeValues": {
            ":one": {"N": "1.5"}, ":l": {"L": [{"S": "x"}]}, ":s": {"SS": ["b"]}
        }});
        let mut p = Placeholders::new(&input);
        let actions = parse_update(
            "SET c = c + :one, l = list_append(if_not_exists(l, :l), :l) ADD s :s REMOVE gone",
            &mut p,
        )
        .unwrap();
        let before = item(json!({"c": {"N": "1"}, "s": {"SS": ["a"]}, "gone": {"S": "x"}}));
        let after = apply_update(&before, &actions).unwrap();
        assert_eq!(after["c"], json!({"N": "2.5"}));
        assert_eq!(after["l"], json!({"L": [{"S": "x"}, {"S": "x"}]}));
        assert_eq!(after["s"], json!({"SS": ["a", "b"]}));
        assert!(!after.contains_key("gone"));
    }

    #[test]
    fn list_indexes_in_one_update_name_positions_before_it() {
        let input = json!({"ExpressionAttributeValues": {":z": {"S": "z"}}});
        let mut p = Placeholders::new(&input);
        let actions = parse_update("REMOVE a[0], a[1], a[2] SET a[4] = :z", &mut p).unwrap();
        let list: Vec<Value> = (0..5).map(|i| json!({"N": i.to_string()})).collect();
        let before = item(json!({"a": {"L": list}}));
        let after = apply_update(&before, &actions).unwrap();
        assert_eq!(after["a"], json!({"L": [{"N": "3"}, {"S": "z"}]}));
    }
}
