//! DynamoDB attribute values: validation, numbers as decimals of up to 38 digits (never
//! floats), comparison, equality and the key parts items are ordered by.
use std::cmp::Ordering;
use std::collections::HashSet;
use std::str::FromStr;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use bigdecimal::{BigDecimal, Zero};
use serde_json::{json, Value};

use super::errors::validation;
use crate::error::ApiError;

/// A key attribute's value, ordered as DynamoDB orders sort keys.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyPart {
    N(BigDecimal),
    S(String),
    B(Vec<u8>),
}

/// The type tag and inner value of an attribute value (`{"S": "x"}` gives ("S", "x")).
pub fn tag(value: &Value) -> Option<(&str, &Value)> {
    let object = value.as_object()?;
    if object.len() != 1 {
        return None;
    }
    object.iter().next().map(|(k, v)| (k.as_str(), v))
}

/// A DynamoDB number: at most 38 significant digits, magnitude within 1E-130 .. 9.99E+125.
pub fn parse_number(text: &str) -> Result<BigDecimal, ApiError> {
    let trimmed = text.trim();
    let plain = trimmed
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'));
    let number = match BigDecimal::from_str(trimmed) {
        Ok(n) if plain && !trimmed.is_empty() => n.normalized(),
        _ => {
            return Err(validation(
                "A value provided cannot be converted into a number",
            ))
        }
    };
    if number.is_zero() {
        return Ok(BigDecimal::from(0));
    }
    if number.digits() > 38 {
        return Err(validation(
            "Attempting to store more than 38 significant digits in a Number",
        ));
    }
    let (_, scale) = number.as_bigint_and_exponent();
    let magnitude = number.digits() as i64 - scale - 1;
    if magnitude > 125 {
        return Err(validation(
            "Number overflow. Attempting to store a number with magnitude larger than supported range",
        ));
    }
    if magnitude < -130 {
        return Err(validation(
            "Number underflow. Attempting to store a number with magnitude smaller than supported range",
        ));
    }
    Ok(number)
}

/// A number in DynamoDB's canonical text form.
pub fn number_text(number: &BigDecimal) -> String {
    number.normalized().to_plain_string()
}

/// Checks an attribute value and puts its numbers in canonical form.
pub fn normalize(value: &Value) -> Result<Value, ApiError> {
    let Some((kind, inner)) = tag(value) else {
        return Err(validation(
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
        ));
    };
    match (kind, inner) {
        ("S", Value::String(_)) | ("BOOL", Value::Bool(_)) => Ok(value.clone()),
        ("NULL", Value::Bool(true)) => Ok(value.clone()),
        ("B", Value::String(b)) => {
            decode_binary(b)?;
            Ok(value.clone())
        }
        ("N", Value::String(n)) => Ok(json!({ "N": number_text(&parse_number(n)?) })),
        ("SS", Value::Array(items)) | ("BS", Value::Array(items)) => {
            let texts = string_items(items)?;
            check_set(kind, &texts)?;
            Ok(value.clone())
        }
        ("NS", Value::Array(items)) => {
            let texts = string_items(items)?;
            let mut numbers = Vec::new();
            for text in texts {
                numbers.push(number_text(&parse_number(&text)?));
            }
            check_set(kind, &numbers)?;
            Ok(json!({ "NS": numbers }))
        }
        ("L", Value::Array(items)) => {
            let items: Result<Vec<Value>, ApiError> = items.iter().map(normalize).collect();
            Ok(json!({ "L": items? }))
        }
        ("M", Value::Object(map)) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                out.insert(k.clone(), normalize(v)?);
            }
            Ok(json!({ "M": out }))
        }
        _ => Err(validation(format!(
            "Supplied AttributeValue has an invalid value for type {kind}"
        ))),
    }
}

fn string_items(items: &[Value]) -> Result<Vec<String>, ApiError> {
    items
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .ok_or_else(|| validation("set members must be strings"))
        })
        .collect()
}

fn check_set(kind: &str, members: &[String]) -> Result<(), ApiError> {
    if members.is_empty() {
        return Err(validation(
            "One or more parameter values were invalid: An number set  may not be empty".replace(
                "An number",
                if kind == "SS" {
                    "An string"
                } else {
                    "An number"
                },
            ),
        ));
    }
    let unique: HashSet<&String> = members.iter().collect();
    if unique.len() != members.len() {
        return Err(validation(format!(
            "One or more parameter values were invalid: Input collection {members:?} contains duplicates."
        )));
    }
    Ok(())
}

pub fn decode_binary(text: &str) -> Result<Vec<u8>, ApiError> {
    BASE64
        .decode(text)
        .map_err(|_| validation("Invalid binary value: not base64"))
}

/// The key part a key attribute value stands for (S, N or B only).
pub fn key_part(value: &Value) -> Option<KeyPart> {
    match tag(value)? {
        ("S", Value::String(s)) => Some(KeyPart::S(s.clone())),
        ("N", Value::String(n)) => parse_number(n).ok().map(KeyPart::N),
        ("B", Value::String(b)) => decode_binary(b).ok().map(KeyPart::B),
        _ => None,
    }
}

/// The order of two values of the same scalar type (S, N, B); `None` when not comparable.
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    let (ka, kb) = (key_part(a)?, key_part(b)?);
    match (&ka, &kb) {
        (KeyPart::N(_), KeyPart::N(_))
        | (KeyPart::S(_), KeyPart::S(_))
        | (KeyPart::B(_), KeyPart::B(_)) => Some(ka.cmp(&kb)),
        _ => None,
    }
}

/// Whether two attribute values are equal (sets regardless of order, numbers by value).
pub fn equal(a: &Value, b: &Value) -> bool {
    let (Some((ka, va)), Some((kb, vb))) = (tag(a), tag(b)) else {
        return false;
    };
    if ka != kb {
        return false;
    }
    match ka {
        "N" => compare(a, b) == Some(Ordering::Equal),
        "SS" | "BS" | "NS" => set_members(a) == set_members(b),
        "L" => match (va.as_array(), vb.as_array()) {
            (Some(x), Some(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q)),
            _ => false,
        },
        "M" => match (va.as_object(), vb.as_object()) {
            (Some(x), Some(y)) => {
                x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w)))
            }
            _ => false,
        },
        _ => va == vb,
    }
}

/// The members of a set as comparable key parts.
pub fn set_members(value: &Value) -> Option<std::collections::BTreeSet<KeyPart>> {
    let (kind, inner) = tag(value)?;
    let scalar = match kind {
        "SS" => "S",
        "NS" => "N",
        "BS" => "B",
        _ => return None,
    };
    inner
        .as_array()?
        .iter()
        .map(|m| key_part(&json!({ scalar: m })))
        .collect()
}

/// Rebuilds a set value from members.
pub fn set_value(kind: &str, members: &std::collections::BTreeSet<KeyPart>) -> Value {
    let items: Vec<Value> = members
        .iter()
        .map(|m| match m {
            KeyPart::S(s) => json!(s),
            KeyPart::N(n) => json!(number_text(n)),
            KeyPart::B(b) => json!(BASE64.encode(b)),
        })
        .collect();
    json!({ kind: items })
}

/// An attribute value's size in bytes as DynamoDB's `size()` counts it (strings: UTF-8 bytes,
/// binary: bytes, sets / lists / maps: member count).
pub fn size(value: &Value) -> Option<usize> {
    let (kind, inner) = tag(value)?;
    match kind {
        "S" => inner.as_str().map(str::len),
        "B" => inner
            .as_str()
            .and_then(|b| decode_binary(b).ok())
            .map(|b| b.len()),
        "SS" | "NS" | "BS" | "L" => inner.as_array().map(Vec::len),
        "M" => inner.as_object().map(serde_json::Map::len),
        _ => None,
    }
}

/// Stored attribute values as the model's typed ones (the output edge of every item read).
pub fn typed_item(item: &serde_json::Map<String, Value>) -> Result<TypedItem, ApiError> {
    crate::model::decode(Value::Object(item.clone()))
}

/// An item as the generated shapes hold it.
pub type TypedItem = std::collections::BTreeMap<String, crate::generated::dynamodb::AttributeValue>;

/// The rough stored size of an item, to enforce DynamoDB's 400 KB limit.
pub fn item_bytes(item: &serde_json::Map<String, Value>) -> usize {
    item.iter()
        .map(|(k, v)| k.len() + v.to_string().len())
        .sum()
}
