//! Reading SQS parameters from the JSON value both protocols decode to (query values arrive as
//! strings, JSON values typed).
use std::collections::BTreeMap;

use serde_json::Value;

use super::errors::{invalid_parameter, missing_parameter};
use crate::error::ApiError;

/// The decoded parameters of one SQS call (or of one batch entry).
pub struct Input<'a>(pub &'a Value);

impl<'a> Input<'a> {
    pub fn str(&self, name: &str) -> Option<&'a str> {
        self.0.get(name).and_then(Value::as_str)
    }

    pub fn required_str(&self, name: &str) -> Result<&'a str, ApiError> {
        self.str(name).ok_or_else(|| missing_parameter(name))
    }

    /// An integer given as a JSON number or a numeric string.
    pub fn int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| invalid_parameter(format!("{name} must be an integer"))),
            Some(Value::String(s)) => s
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| invalid_parameter(format!("{name} must be an integer"))),
            Some(_) => Err(invalid_parameter(format!("{name} must be an integer"))),
        }
    }

    /// A list of strings (a lone string counts as a list of one).
    pub fn string_list(&self, name: &str) -> Vec<String> {
        match self.0.get(name) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        }
    }

    /// A map of string values (numbers and booleans are turned into their text).
    pub fn string_map(&self, name: &str) -> Result<BTreeMap<String, String>, ApiError> {
        let Some(value) = self.0.get(name) else {
            return Ok(BTreeMap::new());
        };
        let Some(object) = value.as_object() else {
            return Err(invalid_parameter(format!("{name} must be a map")));
        };
        let mut map = BTreeMap::new();
        for (key, value) in object {
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return Err(invalid_parameter(format!("{name}.{key} must be a string"))),
            };
            map.insert(key.clone(), text);
        }
        Ok(map)
    }

    pub fn list(&self, name: &str) -> &'a [Value] {
        self.0
            .get(name)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    pub fn object(&self, name: &str) -> Option<&'a serde_json::Map<String, Value>> {
        self.0.get(name).and_then(Value::as_object)
    }
}
