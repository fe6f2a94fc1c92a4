//! SQS's legacy query-protocol binding (botocore's SQS model is JSON-only, so it has no query
//! names): flattened form parameters to the JSON protocol's input value, typed and validated by
//! the model, then the same typed operations as the JSON wire, and their output as query XML.
use serde_json::{Map, Value};

use super::{Sqs, XMLNS};
use crate::context::Context;
use crate::error::ApiError;
use crate::generated::sqs::{self as model, Operation, MODEL};
use crate::http::{Request, Response};
use crate::model::{validate, wire, Model};
use crate::protocols::query;
use crate::protocols::xml::XmlWriter;

/// Answers a query-protocol request.
pub async fn handle(sqs: &Sqs<'_>, ctx: &Context, req: &Request) -> Response {
    let (action, result) = match decode(req) {
        Ok((action, input)) => {
            let result = match Operation::from_name(&action) {
                Some(operation) => model::call(sqs, ctx, operation, input).await,
                None => Err(ApiError::not_implemented("SQS", &action)),
            };
            (action, result)
        }
        Err(err) => (String::new(), Err(err)),
    };
    match result {
        Ok(output) => {
            let inner = result_xml(&action, &output);
            query::ok_response(
                &action,
                XMLNS,
                &ctx.request_id,
                Some(inner.as_str()).filter(|i| !i.is_empty()),
            )
        }
        Err(err) => query::error_response(&err, XMLNS, &ctx.request_id),
    }
}

/// The action and validated input of a query request; a queue URL path stands in for a missing
/// `QueueUrl` parameter.
fn decode(req: &Request) -> Result<(String, Value), ApiError> {
    let params = query::params(req)?;
    let action = query::action(&params)
        .ok_or_else(|| ApiError::new(400, "MissingAction", "the request names no Action"))?
        .to_string();
    let mut input = normalize_input(query::unflatten(&params));
    if action == "CreateQueue" {
        if let Some(tags) = input.as_object_mut().and_then(|o| o.remove("Tags")) {
            input["tags"] = tags;
        }
    }
    let path = req.path.trim_matches('/');
    if input.get("QueueUrl").is_none() && path.contains('/') {
        let host = req.header("host").unwrap_or("127.0.0.1");
        input["QueueUrl"] = Value::String(format!("http://{host}/{path}"));
    }
    let parsed = MODEL.get();
    if let Some(shape) = parsed.input_of(&action) {
        typed(parsed, shape, &mut input);
        validate::check(&MODEL, &action, &input)?;
    }
    Ok((action, input))
}

/// Query values are text: numbers and booleans become what the model says they are (text that
/// does not parse is left for the decoder to refuse).
fn typed(model: &Model, shape_name: &str, value: &mut Value) {
    let Some(shape) = model.shape(shape_name) else {
        return;
    };
    match value {
        Value::Object(object) if shape.kind == "structure" => {
            for (member, spec) in shape.members.iter() {
                if let Some(inner) = object.get_mut(member) {
                    typed(model, &spec.shape, inner);
                }
            }
        }
        Value::Object(entries) if shape.kind == "map" => {
            if let Some(spec) = &shape.value {
                for inner in entries.values_mut() {
                    typed(model, &spec.shape, inner);
                }
            }
        }
        Value::Array(items) => {
            if let Some(spec) = &shape.member {
                for inner in items {
                    typed(model, &spec.shape, inner);
                }
            }
        }
        Value::String(text) => {
            let parsed = wire::scalar(shape, text);
            *value = parsed;
        }
        _ => {}
    }
}

/// Renames the generic unflattened query parameters to the JSON protocol's member names.
pub fn normalize_input(value: Value) -> Value {
    let Value::Object(map) = value else {
        return value;
    };
    let mut out = Map::new();
    for (name, value) in map {
        let (new_name, new_value) = normalize_member(&name, value);
        out.insert(new_name.to_string(), new_value);
    }
    Value::Object(out)
}

fn normalize_member(name: &str, value: Value) -> (String, Value) {
    match name {
        "Attribute" => (
            "Attributes".into(),
            pairs_to_map(value, "Name", "Value", false),
        ),
        "MessageAttribute" => (
            "MessageAttributes".into(),
            pairs_to_map(value, "Name", "Value", true),
        ),
        "MessageSystemAttribute" => (
            "MessageSystemAttributes".into(),
            pairs_to_map(value, "Name", "Value", true),
        ),
        "Tag" => ("Tags".into(), pairs_to_map(value, "Key", "Value", false)),
        // AddPermission's `AWSAccountId.N` / `ActionName.N` (SQS API Reference, query examples).
        "AWSAccountId" => ("AWSAccountIds".into(), as_list(value)),
        "ActionName" => ("Actions".into(), as_list(value)),
        "AttributeName" | "MessageAttributeName" | "MessageSystemAttributeName" | "TagKey" => {
            (format!("{name}s"), as_list(value))
        }
        "SendMessageBatchRequestEntry"
        | "DeleteMessageBatchRequestEntry"
        | "ChangeMessageVisibilityBatchRequestEntry" => {
            let entries = as_list(value).as_array().cloned().unwrap_or_default();
            let entries = entries.into_iter().map(normalize_input).collect();
            ("Entries".into(), Value::Array(entries))
        }
        _ => (name.to_string(), value),
    }
}

fn as_list(value: Value) -> Value {
    match value {
        Value::Array(_) => value,
        other => Value::Array(vec![other]),
    }
}

/// `[{Name: n, Value: v}, ...]` to `{n: v}`.
fn pairs_to_map(value: Value, key: &str, val: &str, nested: bool) -> Value {
    let mut map = Map::new();
    for item in as_list(value).as_array().into_iter().flatten() {
        let Some(name) = item.get(key).and_then(Value::as_str) else {
            continue;
        };
        let mut v = item.get(val).cloned().unwrap_or(Value::Null);
        if nested {
            v = normalize_input(v);
        }
        map.insert(name.to_string(), v);
    }
    Value::Object(map)
}

/// The XML inside `<ActionResult>` for an operation's JSON result.
pub fn result_xml(action: &str, result: &Value) -> String {
    let mut w = XmlWriter::default();
    if let Value::Object(map) = result {
        for (name, value) in map {
            write_member(&mut w, action, name, value);
        }
    }
    w.finish()
}

fn write_member(w: &mut XmlWriter, action: &str, name: &str, value: &Value) {
    match (name, value) {
        ("QueueUrls", Value::Array(items)) => write_list(w, action, "QueueUrl", items),
        ("Messages", Value::Array(items)) => write_list(w, action, "Message", items),
        ("Successful", Value::Array(items)) => {
            write_list(w, action, &format!("{action}ResultEntry"), items);
        }
        ("Failed", Value::Array(items)) => write_list(w, action, "BatchResultErrorEntry", items),
        ("Attributes", Value::Object(map)) => write_map(w, action, "Attribute", "Name", map),
        ("MessageAttributes", Value::Object(map)) => {
            write_map(w, action, "MessageAttribute", "Name", map);
        }
        ("Tags", Value::Object(map)) => write_map(w, action, "Tag", "Key", map),
        _ => write_value(w, action, name, value),
    }
}

fn write_list(w: &mut XmlWriter, action: &str, element: &str, items: &[Value]) {
    for item in items {
        write_value(w, action, element, item);
    }
}

fn write_map(w: &mut XmlWriter, action: &str, element: &str, key: &str, map: &Map<String, Value>) {
    for (name, value) in map {
        w.open(element, None);
        w.elem(key, name);
        write_value(w, action, "Value", value);
        w.close(element);
    }
}

fn write_value(w: &mut XmlWriter, action: &str, name: &str, value: &Value) {
    match value {
        Value::Null => {}
        Value::String(s) => {
            w.elem(name, s);
        }
        Value::Bool(b) => {
            w.elem(name, if *b { "true" } else { "false" });
        }
        Value::Number(n) => {
            w.elem(name, &n.to_string());
        }
        Value::Array(items) => write_list(w, action, name, items),
        Value::Object(map) => {
            w.open(name, None);
            for (member, v) in map {
                write_member(w, action, member, v);
            }
            w.close(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn normalizes_query_members() {
        let v = normalize_input(json!({
            "Attribute": [{"Name": "VisibilityTimeout", "Value": "5"}],
            "MessageAttribute": [{"Name": "k", "Value": {"DataType": "String", "StringValue": "v"}}],
            "AttributeName": ["All"],
            "SendMessageBatchRequestEntry": [{"Id": "a", "MessageBody": "b"}],
        }));
        assert_eq!(v["Attributes"]["VisibilityTimeout"], "5");
        assert_eq!(v["MessageAttributes"]["k"]["StringValue"], "v");
        assert_eq!(v["AttributeNames"][0], "All");
        assert_eq!(v["Entries"][0]["Id"], "a");
    }

    #[test]
    fn renders_results_as_query_xml() {
        let xml = result_xml(
            "ReceiveMessage",
            &json!({"Messages": [{"MessageId": "m", "Attributes": {"SentTimestamp": "1"}}]}),
        );
        assert_eq!(
            xml,
            "<Message><Attribute><Name>SentTimestamp</Name><Value>1</Value></Attribute><MessageId>m</MessageId></Message>"
        );
    }
}
