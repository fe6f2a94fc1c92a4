//! Model-driven reading of rest-xml request documents (S3's configuration bodies): an element
//! as the JSON value of its shape, the inverse of `wire::write_members` — structure members by
//! wire name, lists as `member` (or the member's `locationName`) children or flattened repeated
//! elements, maps as `entry` key/value pairs, numbers and booleans typed by the model.
//! Timestamps stay text (written back as received). Unknown elements are ignored.
use serde_json::{Map, Value};

use super::wire::{scalar, wire_name};
use super::{Model, Shape};
use crate::protocols::xml::Element;

/// Request documents are a few levels deep; recursion stops well past it.
const MAX_DEPTH: usize = 32;

/// The value of `element` read as shape `shape_name` (`Null` for an unknown shape).
pub fn read_element(model: &Model, shape_name: &str, element: &Element) -> Value {
    read(model, shape_name, element, 0)
}

fn read(model: &Model, shape_name: &str, element: &Element, depth: usize) -> Value {
    let Some(shape) = model.shape(shape_name).filter(|_| depth <= MAX_DEPTH) else {
        return Value::Null;
    };
    match shape.kind.as_str() {
        "structure" => read_structure(model, shape, element, depth),
        "list" => {
            let Some(member) = &shape.member else {
                return Value::Null;
            };
            let item = member.location_name.as_deref().unwrap_or("member");
            let items = element
                .children_named(item)
                .map(|child| read(model, &member.shape, child, depth + 1))
                .collect();
            Value::Array(items)
        }
        "map" => read_map(model, shape, element.children_named("entry"), depth),
        "timestamp" => Value::String(element.text.trim().to_string()),
        _ => scalar(shape, element.text.trim()),
    }
}

fn read_structure(model: &Model, shape: &Shape, element: &Element, depth: usize) -> Value {
    let mut out = Map::new();
    for (member, spec) in shape.members.iter().filter(|(_, s)| s.location.is_none()) {
        let wire = wire_name(member, spec);
        let Some(target) = model.shape(&spec.shape) else {
            continue;
        };
        let flattened = target.flattened || spec.flattened;
        let value = match target.kind.as_str() {
            "list" if flattened => {
                let Some(item) = &target.member else { continue };
                let items: Vec<Value> = element
                    .children_named(wire)
                    .map(|child| read(model, &item.shape, child, depth + 1))
                    .collect();
                if items.is_empty() {
                    continue;
                }
                Value::Array(items)
            }
            "map" if flattened => read_map(model, target, element.children_named(wire), depth),
            _ => match element.child(wire) {
                Some(child) => read(model, &spec.shape, child, depth + 1),
                None => continue,
            },
        };
        out.insert(member.clone(), value);
    }
    Value::Object(out)
}

fn read_map<'a>(
    model: &Model,
    shape: &Shape,
    entries: impl Iterator<Item = &'a Element>,
    depth: usize,
) -> Value {
    let (Some(key_ref), Some(value_ref)) = (&shape.key, &shape.value) else {
        return Value::Null;
    };
    let key_name = key_ref.location_name.as_deref().unwrap_or("key");
    let value_name = value_ref.location_name.as_deref().unwrap_or("value");
    let mut out = Map::new();
    for entry in entries {
        let (Some(key), Some(value)) = (entry.child_text(key_name), entry.child(value_name)) else {
            continue;
        };
        let value = read(model, &value_ref.shape, value, depth + 1);
        out.insert(key.to_string(), value);
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::s3::MODEL;
    use crate::protocols::xml::parse;

    #[test]
    fn reads_lists_flattened_lists_and_scalars() {
        let doc = parse(
            b"<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod>\
              <AllowedMethod>PUT</AllowedMethod><AllowedOrigin>*</AllowedOrigin>\
              <MaxAgeSeconds>30</MaxAgeSeconds></CORSRule></CORSConfiguration>",
        )
        .unwrap();
        let value = read_element(MODEL.get(), "CORSConfiguration", &doc);
        assert_eq!(
            value,
            serde_json::json!({"CORSRules": [{
                "AllowedMethods": ["GET", "PUT"],
                "AllowedOrigins": ["*"],
                "MaxAgeSeconds": 30
            }]})
        );
        let doc =
            parse(b"<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag></TagSet></Tagging>")
                .unwrap();
        let value = read_element(MODEL.get(), "Tagging", &doc);
        assert_eq!(
            value,
            serde_json::json!({"TagSet": [{"Key": "a", "Value": "1"}]})
        );
    }
}
