//! The query protocol: form-encoded parameters in, XML out (SQS's legacy protocol and STS).
use serde_json::{Map, Value};

use super::xml::XmlWriter;
use crate::error::ApiError;
use crate::http::{Request, Response, ResponseBuilder};

/// Every parameter of a query request: the URL's query string followed by a form body.
pub fn params(req: &Request) -> Result<Vec<(String, String)>, ApiError> {
    if req.query.len() > MAX_PARAMETERS {
        return Err(malformed(&format!(
            "the query string has more than {MAX_PARAMETERS} parameters"
        )));
    }
    let mut params = req.query.clone();
    if !req.body.is_empty() {
        params.extend(form_params(req)?);
    }
    if let Some((name, _)) = params
        .iter()
        .find(|(name, _)| name.split('.').count() > MAX_NAME_SEGMENTS)
    {
        let shown: String = name.chars().take(64).collect();
        return Err(malformed(&format!(
            "parameter name {shown:?}... has more than {MAX_NAME_SEGMENTS} dotted segments"
        )));
    }
    Ok(params)
}

/// The parameters of a form body.
fn form_params(req: &Request) -> Result<Vec<(String, String)>, ApiError> {
    let content_type = req.header("content-type").unwrap_or("");
    if !content_type.is_empty() && !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(malformed(&format!(
            "expected a form-encoded body, got content type {content_type:?}"
        )));
    }
    let text = std::str::from_utf8(&req.body)
        .map_err(|_| malformed("the form body is not valid UTF-8"))?;
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (name, _) = pair.split_once('=').unwrap_or((pair, ""));
        if name.is_empty() {
            return Err(malformed("the form body has a parameter without a name"));
        }
    }
    let mut params = Vec::new();
    for (name, value) in form_urlencoded::parse(text.as_bytes()) {
        if params.len() == MAX_PARAMETERS {
            return Err(malformed(&format!(
                "the form body has more than {MAX_PARAMETERS} parameters"
            )));
        }
        params.push((name.into_owned(), value.into_owned()));
    }
    Ok(params)
}

/// The largest real query request (a batch of 10 entries with 10 message attributes each) has a
/// few hundred parameters; a body of millions of empty ones would cost gigabytes to decode.
pub const MAX_PARAMETERS: usize = 1000;

/// The deepest flattened name the query protocol needs is about six segments
/// (`MessageAttribute.1.Value.StringListValue.1`); names are unflattened recursively, so a
/// name of a million segments must be refused before it is.
const MAX_NAME_SEGMENTS: usize = 16;

fn malformed(message: &str) -> ApiError {
    ApiError::new(400, "MalformedQueryString", message)
}

/// The value of `Action`, which names the operation.
pub fn action(params: &[(String, String)]) -> Option<&str> {
    params
        .iter()
        .find(|(k, _)| k == "Action")
        .map(|(_, v)| v.as_str())
}

/// Turns flattened names (`Attribute.1.Name`) into nested JSON: dotted segments become objects
/// and objects whose keys are all numbers become lists in index order.
pub fn unflatten(params: &[(String, String)]) -> Value {
    let mut root = Map::new();
    for (name, value) in params {
        if name == "Action" || name == "Version" {
            continue;
        }
        let segments: Vec<&str> = name.split('.').take(MAX_NAME_SEGMENTS).collect();
        insert_path(&mut root, &segments, value);
    }
    listify(Value::Object(root))
}

fn insert_path(node: &mut Map<String, Value>, segments: &[&str], value: &str) {
    let Some((first, rest)) = segments.split_first() else {
        return;
    };
    if rest.is_empty() {
        node.insert((*first).to_string(), Value::String(value.to_string()));
        return;
    }
    let child = node
        .entry((*first).to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    if !child.is_object() {
        *child = Value::Object(Map::new());
    }
    if let Value::Object(map) = child {
        insert_path(map, rest, value);
    }
}

fn listify(value: Value) -> Value {
    let Value::Object(map) = value else {
        return value;
    };
    let all_numeric = !map.is_empty() && map.keys().all(|k| k.parse::<u32>().is_ok());
    if all_numeric {
        let mut items: Vec<(u32, Value)> = map
            .into_iter()
            .map(|(k, v)| (k.parse().unwrap_or(0), listify(v)))
            .collect();
        items.sort_by_key(|(i, _)| *i);
        return Value::Array(items.into_iter().map(|(_, v)| v).collect());
    }
    Value::Object(map.into_iter().map(|(k, v)| (k, listify(v))).collect())
}

/// A successful answer: `<ActionResponse><ActionResult>inner</ActionResult>` plus metadata;
/// without `inner` (an operation with no output) there is no `<ActionResult>`, while an output
/// with nothing in it is an empty `<ActionResult>`, which SDKs look for.
pub fn ok_response(action: &str, xmlns: &str, request_id: &str, inner: Option<&str>) -> Response {
    let mut w = XmlWriter::new();
    let response_name = format!("{action}Response");
    let result_name = format!("{action}Result");
    w.open(&response_name, Some(xmlns));
    let mut body = w.finish();
    if let Some(inner) = inner {
        body.push_str(&format!("<{result_name}>{inner}</{result_name}>"));
    }
    body.push_str(&format!(
        "<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{response_name}>"
    ));
    ResponseBuilder::new(200)
        .header("content-type", "text/xml")
        .header("x-amzn-requestid", request_id)
        .body(body)
}

/// An error in the query protocol's `ErrorResponse` shape (an empty `xmlns` is left out).
pub fn error_response(err: &ApiError, xmlns: &str, request_id: &str) -> Response {
    let mut w = XmlWriter::new();
    let xmlns = Some(xmlns).filter(|ns| !ns.is_empty());
    w.open("ErrorResponse", xmlns).open("Error", None);
    w.elem(
        "Type",
        if err.sender_fault {
            "Sender"
        } else {
            "Receiver"
        },
    );
    w.elem("Code", err.query_code.as_deref().unwrap_or(&err.code));
    w.elem("Message", &err.message);
    w.close("Error").elem("RequestId", request_id);
    w.close("ErrorResponse");
    ResponseBuilder::new(err.status)
        .header("content-type", "text/xml")
        .header("x-amzn-requestid", request_id)
        .body(w.finish())
}

/// An error in EC2's variant of the query protocol:
/// `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`.
pub fn ec2_error_response(err: &ApiError, request_id: &str) -> Response {
    let mut w = XmlWriter::new();
    w.open("Response", None)
        .open("Errors", None)
        .open("Error", None);
    w.elem("Code", &err.code).elem("Message", &err.message);
    w.close("Error")
        .close("Errors")
        .elem("RequestID", request_id);
    w.close("Response");
    ResponseBuilder::new(err.status)
        .header("content-type", "text/xml")
        .header("x-amzn-requestid", request_id)
        .body(w.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(a, b)| ((*a).to_string(), (*b).to_string()))
            .collect()
    }

    #[test]
    fn refuses_forms_with_too_many_parameters() {
        let request = |body: String| Request {
            method: hyper::Method::POST,
            path: "/".into(),
            query: Vec::new(),
            headers: hyper::HeaderMap::new(),
            body: body.into(),
        };
        let at_limit = "a=1&".repeat(MAX_PARAMETERS);
        assert_eq!(
            params(&request(at_limit.clone())).unwrap().len(),
            MAX_PARAMETERS
        );
        let err = params(&request(format!("{at_limit}b=2"))).unwrap_err();
        assert_eq!(err.code, "MalformedQueryString");
        assert!(params(&request("&".repeat(1_000_000))).unwrap().is_empty());
    }

    #[test]
    fn unflattens_lists_and_maps() {
        let v = unflatten(&pairs(&[
            ("Action", "CreateQueue"),
            ("QueueName", "q"),
            ("Attribute.2.Name", "B"),
            ("Attribute.2.Value", "2"),
            ("Attribute.1.Name", "A"),
            ("Attribute.1.Value", "1"),
        ]));
        assert_eq!(v["QueueName"], "q");
        assert_eq!(v["Attribute"][0]["Name"], "A");
        assert_eq!(v["Attribute"][1]["Value"], "2");
        assert!(v.get("Action").is_none());
    }
}
