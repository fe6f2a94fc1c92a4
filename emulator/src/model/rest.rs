//! The REST bindings of a model: which operation a method and path name (from each operation's
//! `http` trait, most specific template first), and the input value of a request assembled from
//! URI labels, query parameters, headers and the body or payload member; the output side puts
//! `statusCode`, `header` and payload members back where the model says.
use serde_json::{Map, Value};

use super::{wire, Model, ShapeRef};
use crate::error::ApiError;
use crate::http::Request;

/// The operation a request names and the values of its URI labels (decoded).
pub struct Route<'m> {
    pub operation: &'m str,
    pub labels: Vec<(String, String)>,
}

/// The most specific operation whose method, path template and literal query keys match.
pub fn route<'m>(model: &'m Model, req: &Request) -> Option<Route<'m>> {
    let path: Vec<String> = req
        .path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let mut best: Option<(usize, Route<'m>)> = None;
    for (name, spec) in &model.operations {
        let Some(http) = &spec.http else { continue };
        if !http.method.eq_ignore_ascii_case(req.method.as_str()) {
            continue;
        }
        let Some((score, labels)) = matches(&http.request_uri, &path, req) else {
            continue;
        };
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            let operation = name.as_str();
            best = Some((score, Route { operation, labels }));
        }
    }
    best.map(|(_, route)| route)
}

/// Whether a template matches: a score (literal segments and query keys count) and the labels.
fn matches(
    template: &str,
    path: &[String],
    req: &Request,
) -> Option<(usize, Vec<(String, String)>)> {
    let (path_part, query_part) = template.split_once('?').unwrap_or((template, ""));
    let mut labels = Vec::new();
    let mut score = 0;
    let segments: Vec<&str> = path_part.split('/').filter(|s| !s.is_empty()).collect();
    for (i, segment) in segments.iter().enumerate() {
        if let Some(label) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            if let Some(greedy) = label.strip_suffix('+') {
                let rest = path.get(i..).filter(|r| !r.is_empty())?;
                labels.push((greedy.to_string(), rest.join("/")));
                return finish(score, labels, query_part, req);
            }
            labels.push((label.to_string(), path.get(i)?.clone()));
        } else if path.get(i).map(String::as_str) == Some(*segment) {
            score += 2;
        } else {
            return None;
        }
    }
    if path.len() != segments.len() {
        return None;
    }
    finish(score, labels, query_part, req)
}

fn finish(
    mut score: usize,
    labels: Vec<(String, String)>,
    query_part: &str,
    req: &Request,
) -> Option<(usize, Vec<(String, String)>)> {
    for literal in query_part.split('&').filter(|s| !s.is_empty()) {
        let present = match literal.split_once('=') {
            Some((key, value)) => req.query_param(key) == Some(value),
            None => req.has_query(literal),
        };
        if !present {
            return None;
        }
        score += 1;
    }
    Some((score, labels))
}

/// The input value of a routed request.
pub fn input(model: &Model, route: &Route, req: &Request) -> Result<Value, ApiError> {
    let Some(shape_name) = model.input_of(route.operation) else {
        return Ok(Value::Object(Map::new()));
    };
    let Some(shape) = model.shape(shape_name) else {
        return Ok(Value::Object(Map::new()));
    };
    let mut out = match &shape.payload {
        Some(_) => Map::new(),
        None => body_object(req)?,
    };
    for (member, spec) in shape.members.iter() {
        let wire = wire::wire_name(member, spec);
        let value = match spec.location.as_deref() {
            Some("uri") => route
                .labels
                .iter()
                .find(|(name, _)| name == wire)
                .map(|(_, v)| typed(model, spec, v)),
            Some("querystring") => query_value(model, spec, wire, req),
            Some("header") => req.header(wire).map(|v| typed(model, spec, v)),
            Some("headers") => prefixed_headers(wire, req),
            Some(_) => None,
            None if shape.payload.as_deref() == Some(member.as_str()) => {
                payload_value(model, spec, req)?
            }
            None => continue,
        };
        if let Some(value) = value {
            out.insert(member.clone(), value);
        }
    }
    Ok(Value::Object(out))
}

fn body_object(req: &Request) -> Result<Map<String, Value>, ApiError> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(serialization("the request body must be a JSON object")),
        Err(e) => Err(serialization(&format!("malformed JSON body: {e}"))),
    }
}

fn serialization(message: &str) -> ApiError {
    ApiError::new(400, "SerializationException", message)
}

fn payload_value(model: &Model, spec: &ShapeRef, req: &Request) -> Result<Option<Value>, ApiError> {
    let kind = model.shape(&spec.shape).map_or("blob", |s| s.kind.as_str());
    if req.body.is_empty() {
        return Ok(None);
    }
    Ok(Some(match kind {
        "blob" => {
            use base64::Engine;
            Value::String(base64::engine::general_purpose::STANDARD.encode(&req.body))
        }
        "string" => Value::String(String::from_utf8_lossy(&req.body).into_owned()),
        _ => Value::Object(body_object(req)?),
    }))
}

fn query_value(model: &Model, spec: &ShapeRef, wire: &str, req: &Request) -> Option<Value> {
    let shape = model.shape(&spec.shape)?;
    match shape.kind.as_str() {
        "list" => {
            let member = shape.member.as_ref()?;
            let items: Vec<Value> = req
                .query
                .iter()
                .filter(|(k, _)| k == wire)
                .map(|(_, v)| typed(model, member, v))
                .collect();
            (!items.is_empty()).then_some(Value::Array(items))
        }
        "map" => None,
        _ => req.query_param(wire).map(|v| typed(model, spec, v)),
    }
}

fn prefixed_headers(prefix: &str, req: &Request) -> Option<Value> {
    let prefix = prefix.to_ascii_lowercase();
    let found: Map<String, Value> = req
        .headers
        .iter()
        .filter_map(|(name, value)| {
            let key = name.as_str().strip_prefix(prefix.as_str())?;
            Some((
                key.to_string(),
                Value::String(value.to_str().ok()?.to_string()),
            ))
        })
        .collect();
    (!found.is_empty()).then_some(Value::Object(found))
}

/// A textual value (label, query parameter, header) typed by its shape.
fn typed(model: &Model, spec: &ShapeRef, text: &str) -> Value {
    match model.shape(&spec.shape) {
        Some(shape) => wire::scalar(shape, text),
        None => Value::String(text.to_string()),
    }
}

/// An output value split as the REST bindings say: status, headers and the body bytes.
pub struct Output {
    pub status: Option<u16>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Splits `output` (of shape `shape_name`) into status, headers and a JSON body (rest-json).
pub fn output(model: &Model, shape_name: &str, output: &Value) -> Output {
    let Some((mut out, body)) = split(model, shape_name, output) else {
        return Output {
            status: None,
            headers: Vec::new(),
            body: b"{}".to_vec(),
        };
    };
    match body {
        Body::Payload(spec, value) => set_payload(model, spec, value, &mut out),
        // A payload member that is absent is an empty body (Invoke's `Event` answer).
        Body::Empty => {}
        Body::Members(members) => return finish_output(out, Some(members)),
    }
    out
}

/// Splits `output` (of shape `shape_name`) into status, headers and an XML body (rest-xml): the
/// payload member's structure under `root` (else the payload member's wire name), or the body
/// members under `root` (else the shape's name), in the `xmlns` namespace. An output with only
/// header and status members has no body.
pub fn output_xml(
    model: &Model,
    shape_name: &str,
    output: &Value,
    root: Option<&str>,
    xmlns: Option<&str>,
) -> Output {
    let Some((mut out, body)) = split(model, shape_name, output) else {
        return Output {
            status: None,
            headers: Vec::new(),
            body: Vec::new(),
        };
    };
    let has_body = model.shape(shape_name).is_some_and(|shape| {
        shape.payload.is_none() && shape.members.iter().any(|(_, s)| s.location.is_none())
    });
    match body {
        Body::Payload(spec, value)
            if model
                .shape(&spec.shape)
                .is_some_and(|s| s.kind == "structure") =>
        {
            let name = payload_name(model, shape_name);
            let root = root.unwrap_or(&name);
            out.body = wire::write_document(model, &spec.shape, value, root, xmlns).into_bytes();
        }
        Body::Payload(spec, value) => set_payload(model, spec, value, &mut out),
        Body::Empty => {}
        Body::Members(_) if has_body => {
            let root = root.unwrap_or(shape_name);
            out.body = wire::write_document(model, shape_name, output, root, xmlns).into_bytes();
        }
        Body::Members(_) => {}
    }
    out
}

fn payload_name(model: &Model, shape_name: &str) -> String {
    let Some(shape) = model.shape(shape_name) else {
        return shape_name.to_string();
    };
    let payload = shape.payload.as_deref().unwrap_or(shape_name);
    shape
        .members
        .iter()
        .find(|(m, _)| m == payload)
        .and_then(|(_, s)| s.location_name.clone())
        .unwrap_or_else(|| payload.to_string())
}

/// Where the non-header part of an output goes.
enum Body<'v> {
    /// The payload member, present.
    Payload(&'v ShapeRef, &'v Value),
    /// The payload member, absent.
    Empty,
    /// The members without a location.
    Members(Map<String, Value>),
}

/// The status and headers of `output`, and what makes its body.
fn split<'v>(model: &'v Model, shape_name: &str, output: &'v Value) -> Option<(Output, Body<'v>)> {
    let mut out = Output {
        status: None,
        headers: Vec::new(),
        body: Vec::new(),
    };
    let (Some(shape), Value::Object(object)) = (model.shape(shape_name), output) else {
        return None;
    };
    let mut body = Map::new();
    let mut payload = None;
    for (member, spec) in shape.members.iter() {
        let Some(value) = object.get(member).filter(|v| !v.is_null()) else {
            continue;
        };
        if shape.payload.is_some()
            && spec.location.is_none()
            && shape.payload.as_deref() != Some(member.as_str())
        {
            continue;
        }
        let wire = wire::wire_name(member, spec);
        match spec.location.as_deref() {
            Some("statusCode") => out.status = value.as_u64().and_then(|s| u16::try_from(s).ok()),
            Some("header") => out.headers.push((wire.to_string(), text_of(value))),
            Some("headers") => {
                for (key, v) in value.as_object().into_iter().flatten() {
                    out.headers.push((format!("{wire}{key}"), text_of(v)));
                }
            }
            Some(_) => {}
            None if shape.payload.as_deref() == Some(member.as_str()) => {
                payload = Some((spec, value));
            }
            None => {
                body.insert(member.clone(), value.clone());
            }
        }
    }
    let body = match (payload, shape.payload.is_some()) {
        (Some((spec, value)), _) => Body::Payload(spec, value),
        (None, true) => Body::Empty,
        (None, false) => Body::Members(body),
    };
    Some((out, body))
}

fn finish_output(mut out: Output, body: Option<Map<String, Value>>) -> Output {
    if let Some(body) = body {
        out.body = Value::Object(body).to_string().into_bytes();
    }
    out
}

fn set_payload(model: &Model, spec: &ShapeRef, value: &Value, out: &mut Output) {
    let kind = model.shape(&spec.shape).map_or("blob", |s| s.kind.as_str());
    match (kind, value) {
        ("blob", Value::String(encoded)) => {
            use base64::Engine;
            out.body = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .unwrap_or_default();
        }
        ("string", Value::String(text)) => {
            out.body = text.clone().into_bytes();
        }
        _ => out.body = value.to_string().into_bytes(),
    }
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use hyper::{HeaderMap, Method};
    use serde_json::json;

    use super::*;
    use crate::generated::lambda::MODEL;

    fn request(method: Method, path: &str, query: &[(&str, &str)], body: &str) -> Request {
        Request {
            method,
            path: path.to_string(),
            query: query
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
            headers: HeaderMap::new(),
            body: Bytes::copy_from_slice(body.as_bytes()),
        }
    }

    #[test]
    fn routes_by_method_and_the_most_specific_template() {
        let model = MODEL.get();
        let cases = [
            (Method::POST, "/2015-03-31/functions", "CreateFunction"),
            (Method::GET, "/2015-03-31/functions/", "ListFunctions"),
            (Method::GET, "/2015-03-31/functions/f", "GetFunction"),
            (
                Method::GET,
                "/2015-03-31/functions/f/configuration",
                "GetFunctionConfiguration",
            ),
            (
                Method::POST,
                "/2015-03-31/functions/f%3A1/invocations",
                "Invoke",
            ),
        ];
        for (method, path, operation) in cases {
            let req = request(method, path, &[], "");
            assert_eq!(
                route(model, &req).map(|r| r.operation),
                Some(operation),
                "{path}"
            );
        }
        let req = request(Method::PATCH, "/2015-03-31/functions/f", &[], "");
        assert!(route(model, &req).is_none());
    }

    #[test]
    fn assembles_input_from_labels_query_headers_and_payload() {
        let model = MODEL.get();
        let mut req = request(
            Method::POST,
            "/2015-03-31/functions/my%2Dfn/invocations",
            &[],
            "{\"a\":1}",
        );
        req.headers
            .insert("x-amz-invocation-type", "Event".parse().unwrap());
        let routed = route(model, &req).unwrap();
        let value = input(model, &routed, &req).unwrap();
        assert_eq!(value["FunctionName"], "my-fn");
        assert_eq!(value["InvocationType"], "Event");
        assert_eq!(value["Payload"], "eyJhIjoxfQ==");
        let req = request(
            Method::GET,
            "/2015-03-31/functions",
            &[("MaxItems", "5")],
            "",
        );
        let routed = route(model, &req).unwrap();
        assert_eq!(input(model, &routed, &req).unwrap(), json!({"MaxItems": 5}));
    }

    #[test]
    fn puts_status_headers_and_raw_payload_where_the_model_says() {
        let model = MODEL.get();
        let value =
            json!({"StatusCode": 202, "FunctionError": "Unhandled", "Payload": "eyJhIjoxfQ=="});
        let out = output(model, "InvocationResponse", &value);
        assert_eq!(out.status, Some(202));
        assert_eq!(
            out.headers,
            vec![("X-Amz-Function-Error".to_string(), "Unhandled".to_string())]
        );
        assert_eq!(out.body, b"{\"a\":1}");
        let out = output(model, "InvocationResponse", &json!({"StatusCode": 202}));
        assert_eq!((out.status, out.body.len()), (Some(202), 0));
    }

    #[test]
    fn writes_rest_xml_bodies_by_the_model() {
        let model = crate::generated::s3::MODEL.get();
        let ns = Some("http://s3.amazonaws.com/doc/2006-03-01/");
        let listed = json!({"IsTruncated": false, "Name": "b", "KeyCount": 1,
            "Contents": [{"Key": "a&b", "LastModified": 1_704_067_200.5, "Size": 3}],
            "CommonPrefixes": [{"Prefix": "d/"}], "RequestCharged": "requester"});
        let out = output_xml(
            model,
            "ListObjectsV2Output",
            &listed,
            Some("ListBucketResult"),
            ns,
        );
        assert_eq!(
            out.headers,
            vec![("x-amz-request-charged".to_string(), "requester".to_string())]
        );
        assert_eq!(
            String::from_utf8(out.body).unwrap(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <IsTruncated>false</IsTruncated><Contents><Key>a&amp;b</Key>\
             <LastModified>2024-01-01T00:00:00.500Z</LastModified><Size>3</Size></Contents>\
             <Name>b</Name><CommonPrefixes><Prefix>d/</Prefix></CommonPrefixes>\
             <KeyCount>1</KeyCount></ListBucketResult>"
        );
        let buckets = json!({"Buckets": [{"Name": "b"}], "Owner": {"ID": "1"}});
        let out = output_xml(
            model,
            "ListBucketsOutput",
            &buckets,
            Some("ListAllMyBucketsResult"),
            ns,
        );
        let body = String::from_utf8(out.body).unwrap();
        assert!(body.ends_with("<Buckets><Bucket><Name>b</Name></Bucket></Buckets><Owner><ID>1</ID></Owner></ListAllMyBucketsResult>"), "{body}");
        let copied = json!({"CopyObjectResult": {"ETag": "\"e\""}, "VersionId": "v"});
        let out = output_xml(model, "CopyObjectOutput", &copied, None, ns);
        assert_eq!(
            out.headers,
            vec![("x-amz-version-id".to_string(), "v".to_string())]
        );
        let body = String::from_utf8(out.body).unwrap();
        assert!(body.ends_with("<CopyObjectResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><ETag>&quot;e&quot;</ETag></CopyObjectResult>"), "{body}");
        let location = json!({"LocationConstraint": "eu-west-1"});
        let out = output_xml(
            model,
            "GetBucketLocationOutput",
            &location,
            Some("LocationConstraint"),
            None,
        );
        let body = String::from_utf8(out.body).unwrap();
        assert!(
            body.ends_with("\n<LocationConstraint>eu-west-1</LocationConstraint>"),
            "{body}"
        );
        let headers_only = json!({"ETag": "\"e\""});
        let out = output_xml(model, "PutObjectOutput", &headers_only, None, ns);
        assert!(out.body.is_empty());
        assert_eq!(out.headers, vec![("ETag".to_string(), "\"e\"".to_string())]);
    }
}
