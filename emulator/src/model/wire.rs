//! Model-driven wire mapping for the query protocol: form parameters into the operation's input
//! value (lists as `Name.member.N` or flattened `Name.N`, maps as `Name.entry.N.key/value`,
//! numbers and booleans typed by the model) and output values into the XML elements botocore
//! reads (list `member`s, flattened lists, map `entry`s, ISO 8601 timestamps, base64 blobs).
use std::collections::HashMap;

use serde_json::{Map, Value};

use super::{Model, Shape, ShapeRef};
use crate::protocols::xml::XmlWriter;
use crate::timefmt::iso8601;

/// The input value of `operation` from query parameters (`Action` and `Version` excluded).
pub fn query_input(model: &Model, operation: &str, params: &[(String, String)]) -> Value {
    let Some(shape) = model.input_of(operation) else {
        return Value::Object(Map::new());
    };
    let lookup: HashMap<&str, &str> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut prefixes: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
    prefixes.sort_unstable();
    let form = Form { lookup, prefixes };
    read(model, shape, "", &form, 0).unwrap_or(Value::Object(Map::new()))
}

struct Form<'a> {
    lookup: HashMap<&'a str, &'a str>,
    /// Every parameter name, sorted, to ask "is anything under this prefix?".
    prefixes: Vec<&'a str>,
}

impl Form<'_> {
    fn has_under(&self, prefix: &str) -> bool {
        let dotted = format!("{prefix}.");
        let start = self.prefixes.partition_point(|p| *p < dotted.as_str());
        self.prefixes
            .get(start)
            .is_some_and(|p| p.starts_with(&dotted))
    }
}

/// Nesting in the query shapes AWS defines is a handful of levels; recursion stops well past it.
const MAX_DEPTH: usize = 16;

fn read(model: &Model, shape_name: &str, name: &str, form: &Form, depth: usize) -> Option<Value> {
    let shape = model.shape(shape_name)?;
    if depth > MAX_DEPTH {
        return None;
    }
    match shape.kind.as_str() {
        "structure" => read_structure(model, shape, name, form, depth),
        "list" => read_list(model, shape, name, form, depth),
        "map" => read_map(model, shape, name, form, depth),
        _ => form.lookup.get(name).map(|text| scalar(shape, text)),
    }
}

fn child(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// A member's name on the wire: its `locationName`, else its name.
pub fn wire_name<'a>(member: &'a str, spec: &'a ShapeRef) -> &'a str {
    spec.location_name.as_deref().unwrap_or(member)
}

fn read_structure(
    model: &Model,
    shape: &Shape,
    name: &str,
    form: &Form,
    depth: usize,
) -> Option<Value> {
    let mut out = Map::new();
    for (member, spec) in shape.members.iter() {
        let key = child(name, wire_name(member, spec));
        if let Some(value) = read(model, &spec.shape, &key, form, depth + 1) {
            out.insert(member.clone(), value);
        }
    }
    (!out.is_empty() || name.is_empty()).then_some(Value::Object(out))
}

fn read_list(model: &Model, shape: &Shape, name: &str, form: &Form, depth: usize) -> Option<Value> {
    let member = shape.member.as_ref()?;
    let prefix = if shape.flattened || member.flattened {
        name.to_string()
    } else {
        child(name, member.location_name.as_deref().unwrap_or("member"))
    };
    if form.lookup.get(name) == Some(&"") {
        return Some(Value::Array(Vec::new()));
    }
    let mut items = Vec::new();
    for i in 1.. {
        let key = format!("{prefix}.{i}");
        if !form.lookup.contains_key(key.as_str()) && !form.has_under(&key) {
            break;
        }
        items.push(read(model, &member.shape, &key, form, depth + 1).unwrap_or(Value::Null));
    }
    (!items.is_empty()).then_some(Value::Array(items))
}

fn read_map(model: &Model, shape: &Shape, name: &str, form: &Form, depth: usize) -> Option<Value> {
    let (key_ref, value_ref) = (shape.key.as_ref()?, shape.value.as_ref()?);
    let prefix = if shape.flattened {
        name.to_string()
    } else {
        child(name, "entry")
    };
    let key_name = key_ref.location_name.as_deref().unwrap_or("key");
    let value_name = value_ref.location_name.as_deref().unwrap_or("value");
    let mut out = Map::new();
    for i in 1.. {
        let entry = format!("{prefix}.{i}");
        let Some(key) = form.lookup.get(format!("{entry}.{key_name}").as_str()) else {
            break;
        };
        let value_key = format!("{entry}.{value_name}");
        let value =
            read(model, &value_ref.shape, &value_key, form, depth + 1).unwrap_or(Value::Null);
        out.insert((*key).to_string(), value);
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

/// A textual value (a form field, URI label, query parameter or header) typed by its shape:
/// numbers and booleans become JSON numbers and booleans; anything else, or text that does not
/// parse, stays text (for the decoder to refuse).
pub fn scalar(shape: &Shape, text: &str) -> Value {
    let parsed = match shape.kind.as_str() {
        "boolean" => text.parse::<bool>().ok().map(Value::Bool),
        "integer" | "long" => text.trim().parse::<i64>().ok().map(Value::from),
        "double" | "float" => text.parse::<f64>().ok().map(Value::from),
        _ => None,
    };
    parsed.unwrap_or_else(|| Value::String(text.to_string()))
}

/// Writes `value` (of shape `shape_name`) as the children of the element being written. Members
/// bound elsewhere by a REST `location` (headers, status, URI) are not part of the body.
pub fn write_members(model: &Model, shape_name: &str, value: &Value, w: &mut XmlWriter) {
    let (Some(shape), Value::Object(object)) = (model.shape(shape_name), value) else {
        return;
    };
    for (member, spec) in shape.members.iter().filter(|(_, s)| s.location.is_none()) {
        if let Some(inner) = object.get(member).filter(|v| !v.is_null()) {
            write_value(model, spec, wire_name(member, spec), inner, w);
        }
    }
}

/// A whole XML document: `<root xmlns=..>` holding the body members of `value` (of shape
/// `shape_name`). A root named like the shape's only body member, when that member is a scalar,
/// holds the member's text itself: S3's `<LocationConstraint>eu-west-1</LocationConstraint>`.
pub fn write_document(
    model: &Model,
    shape_name: &str,
    value: &Value,
    root: &str,
    xmlns: Option<&str>,
) -> String {
    let mut w = XmlWriter::new();
    w.open(root, xmlns);
    match scalar_root(model, shape_name, value, root) {
        Some(text) => {
            w.text(&text);
        }
        None => write_members(model, shape_name, value, &mut w),
    }
    w.close(root);
    w.finish()
}

fn scalar_root(model: &Model, shape_name: &str, value: &Value, root: &str) -> Option<String> {
    let shape = model.shape(shape_name)?;
    let mut body = shape.members.iter().filter(|(_, s)| s.location.is_none());
    let (member, spec) = body.next()?;
    let kind = model.shape(&spec.shape)?.kind.as_str();
    if body.next().is_some() || wire_name(member, spec) != root {
        return None;
    }
    if matches!(kind, "structure" | "list" | "map") {
        return None;
    }
    Some(match value.get(member) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    })
}

fn write_value(model: &Model, spec: &ShapeRef, name: &str, value: &Value, w: &mut XmlWriter) {
    let Some(shape) = model.shape(&spec.shape) else {
        return;
    };
    match (shape.kind.as_str(), value) {
        ("structure", _) => {
            w.open(name, None);
            write_members(model, &spec.shape, value, w);
            w.close(name);
        }
        ("list", Value::Array(items)) => write_list(model, shape, spec, name, items, w),
        ("map", Value::Object(entries)) => {
            let (Some(key_ref), Some(value_ref)) = (&shape.key, &shape.value) else {
                return;
            };
            let flattened = shape.flattened || spec.flattened;
            if !flattened {
                w.open(name, None);
            }
            for (key, item) in entries {
                w.open(if flattened { name } else { "entry" }, None);
                w.elem(key_ref.location_name.as_deref().unwrap_or("key"), key);
                let value_name = value_ref.location_name.as_deref().unwrap_or("value");
                write_value(model, value_ref, value_name, item, w);
                w.close(if flattened { name } else { "entry" });
            }
            if !flattened {
                w.close(name);
            }
        }
        ("timestamp", Value::Number(n)) => {
            let millis = (n.as_f64().unwrap_or(0.0) * 1000.0).round() as i64;
            w.elem(name, &iso8601(millis));
        }
        (_, Value::String(text)) => {
            w.elem(name, text);
        }
        (_, other) => {
            w.elem(name, &other.to_string());
        }
    }
}

fn write_list(
    model: &Model,
    shape: &Shape,
    spec: &ShapeRef,
    name: &str,
    items: &[Value],
    w: &mut XmlWriter,
) {
    let Some(member) = &shape.member else {
        return;
    };
    if shape.flattened || spec.flattened {
        let item_name = member.location_name.as_deref().unwrap_or(name);
        for item in items {
            write_value(model, member, item_name, item, w);
        }
        return;
    }
    w.open(name, None);
    let item_name = member.location_name.as_deref().unwrap_or("member");
    for item in items {
        write_value(model, member, item_name, item, w);
    }
    w.close(name);
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::generated::sns::MODEL;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(a, b)| ((*a).to_string(), (*b).to_string()))
            .collect()
    }

    #[test]
    fn reads_lists_maps_and_scalars_by_the_model() {
        let model = MODEL.get();
        let input = query_input(
            model,
            "CreateTopic",
            &pairs(&[
                ("Name", "t"),
                ("Attributes.entry.1.key", "FifoTopic"),
                ("Attributes.entry.1.value", "true"),
                ("Tags.member.1.Key", "k"),
                ("Tags.member.1.Value", "v"),
                ("Tags.member.2.Key", "k2"),
                ("Tags.member.2.Value", "v2"),
            ]),
        );
        assert_eq!(
            input,
            json!({"Name": "t", "Attributes": {"FifoTopic": "true"},
                   "Tags": [{"Key": "k", "Value": "v"}, {"Key": "k2", "Value": "v2"}]})
        );
    }

    #[test]
    fn writes_lists_as_members_and_maps_as_entries() {
        let model = MODEL.get();
        let mut w = XmlWriter::default();
        let output = json!({"Attributes": {"A": "1"}});
        write_members(model, "GetTopicAttributesResponse", &output, &mut w);
        assert_eq!(
            w.finish(),
            "<Attributes><entry><key>A</key><value>1</value></entry></Attributes>"
        );
        let mut w = XmlWriter::default();
        let output = json!({"Topics": [{"TopicArn": "a"}], "NextToken": "n"});
        write_members(model, "ListTopicsResponse", &output, &mut w);
        assert_eq!(
            w.finish(),
            "<Topics><member><TopicArn>a</TopicArn></member></Topics><NextToken>n</NextToken>"
        );
    }
}
