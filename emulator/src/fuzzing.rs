//! Entry points for the fuzz targets in `fuzz/`: each feeds arbitrary bytes to one bounded parser
//! the way a request would, and panics only where an invariant breaks (libFuzzer reports it; a
//! stack overflow aborts, which it reports too).
use bytes::Bytes;
use hyper::{HeaderMap, Method};
use serde_json::{json, Map, Value};

use super::http::Request;
use super::protocols::{self, query, xml};
use super::services::dynamodb::{eval, expr};
use super::services::events::schedule::Schedule;
use super::services::{s3, sns};
use super::state::dynamodb::Item;

/// The first byte picks condition, update or projection; the rest is the expression. Every
/// `#name` / `:value` in it is defined, so parsing goes past placeholder resolution, and what
/// parses is evaluated against a small item.
pub fn dynamodb_expression(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let input = placeholders_for(&text);
    let mut placeholders = expr::Placeholders::new(&input);
    let item = sample_item();
    match mode % 3 {
        0 => {
            if let Ok(cond) = expr::parse_condition("ConditionExpression", &text, &mut placeholders)
            {
                let _ = eval::holds(&item, &cond);
            }
        }
        1 => {
            if let Ok(actions) = expr::parse_update(&text, &mut placeholders) {
                let _ = eval::apply_update(&item, &actions);
            }
        }
        _ => {
            if let Ok(paths) = expr::parse_projection(&text, &mut placeholders) {
                let _ = eval::project(&item, &paths);
            }
        }
    }
}

fn placeholders_for(text: &str) -> Value {
    let mut names = Map::new();
    let mut values = Map::new();
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '#' | ':'))) {
        if word.len() > 1 && word.starts_with('#') {
            names.insert(word.to_string(), json!("n"));
        } else if word.len() > 1 && word.starts_with(':') {
            let value = match word.len() % 3 {
                0 => json!({"N": "1"}),
                1 => json!({"S": "x"}),
                _ => json!({"L": [{"N": "2"}]}),
            };
            values.insert(word.to_string(), value);
        }
    }
    json!({"ExpressionAttributeNames": names, "ExpressionAttributeValues": values})
}

fn sample_item() -> Item {
    let item = json!({
        "pk": {"S": "k"},
        "n": {"N": "5"},
        "a": {"M": {"b": {"L": [{"N": "1"}, {"S": "x"}]}}},
        "s": {"SS": ["x", "y"]},
    });
    item.as_object().cloned().unwrap_or_default()
}

/// The first byte picks the scope; the rest is split at the first NUL into a policy and a
/// message body. A policy that validates is evaluated against the body and some attributes.
pub fn sns_filter_policy(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let (policy, body) = text.split_once('\0').unwrap_or((&text, "{}"));
    let body_scope = mode % 2 == 1;
    if sns::filter::validate(policy, body_scope, sns::filter::Origin::Subscribe).is_err() {
        return;
    }
    let attributes = json!({
        "color": {"Type": "String", "Value": body},
        "n": {"Type": "Number", "Value": "5"},
        "list": {"Type": "String.Array", "Value": body},
    });
    let attributes = attributes.as_object().cloned().unwrap_or_default();
    let _ = sns::filter::passes(policy, body_scope, &attributes, body);
}

/// `pattern NUL event`: an EventBridge event pattern validated, and matched against the event
/// whether or not it is valid (the matcher is total over any JSON).
pub fn event_pattern(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (pattern_text, event_text) = text.split_once('\0').unwrap_or((&text, "{}"));
    let Ok(pattern) = serde_json::from_str::<Value>(pattern_text) else {
        return;
    };
    let _ = crate::pattern::validate(&pattern);
    let event = serde_json::from_str::<Value>(event_text).unwrap_or(Value::Null);
    if let (Some(p), Some(e)) = (pattern.as_object(), event.as_object()) {
        let _ = crate::pattern::object_matches(p, e);
    }
}

/// An EventBridge schedule expression, parsed and, if valid, asked for its next firings.
pub fn schedule_expression(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(schedule) = Schedule::parse(&text) {
        let mut t = 1_704_067_200;
        for _ in 0..3 {
            match schedule.next_after(t, 0) {
                Some(next) => {
                    assert!(next > t, "{text}: {next} after {t}");
                    t = next;
                }
                None => break,
            }
        }
    }
}

/// An XML request document (DeleteObjects, CompleteMultipartUpload, ...).
pub fn xml_document(data: &[u8]) {
    let _ = xml::parse(data);
}

/// A query-protocol form body, decoded and unflattened as SQS, SNS and STS do.
pub fn query_form(data: &[u8]) {
    let request = request(data, "application/x-www-form-urlencoded");
    if let Ok(params) = query::params(&request) {
        let _ = query::action(&params);
        let _ = query::unflatten(&params);
    }
}

/// A request to a service on generated shapes, through the modeled codec: the first byte picks
/// the model (and, for JSON ones, an operation for `X-Amz-Target`); the rest is the form or
/// JSON body. Decoding includes the model's validation; what decodes is also encoded back.
pub fn modeled_request(data: &[u8]) {
    use crate::generated;
    use crate::model::ServiceModel;
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let models: [&ServiceModel; 6] = [
        &generated::sns::MODEL,
        &generated::sts::MODEL,
        &generated::ssm::MODEL,
        &generated::secretsmanager::MODEL,
        &generated::sqs::MODEL,
        &generated::dynamodb::MODEL,
    ];
    let model = models[usize::from(pick) % models.len()];
    let parsed = model.get();
    let mut req = if parsed.metadata.protocol == "query" {
        request(rest, "application/x-www-form-urlencoded")
    } else {
        request(rest, "application/x-amz-json-1.1")
    };
    let mut names: Vec<&String> = parsed.operations.keys().collect();
    names.sort();
    let operation = names[usize::from(pick / 8) % names.len()];
    if let Ok(value) = format!("Service.{operation}").parse() {
        req.headers.insert("x-amz-target", value);
    }
    if let Ok((operation, input)) = protocols::modeled::decode(model, &req) {
        let _ = protocols::modeled::encode(model, &operation, Ok(input), "fuzz");
    }
}

/// An S3 PUT body in aws-chunked framing; what decodes must not be longer than the body.
pub fn aws_chunked_body(data: &[u8]) {
    if let Ok((decoded, _trailers)) = s3::body::decode_aws_chunked(data) {
        assert!(
            decoded.len() <= data.len(),
            "decoded more bytes than were sent"
        );
    }
}

fn request(body: &[u8], content_type: &str) -> Request {
    let mut headers = HeaderMap::new();
    if let Ok(value) = content_type.parse() {
        headers.insert("content-type", value);
    }
    Request {
        method: Method::POST,
        path: "/".to_string(),
        query: Vec::new(),
        headers,
        body: Bytes::copy_from_slice(body),
    }
}

/// One packet through the DNS responder's decision (`serve --dns`), isolated and forwarding:
/// whatever the bytes, it answers, forwards or drops, and an answer is a DNS response with the
/// packet's id.
pub fn dns_packet(data: &[u8]) {
    use super::dns::{default_names, respond, Outcome, Policy};
    for forwarding in [false, true] {
        let policy = Policy {
            names: default_names(),
            ipv4: Some(std::net::Ipv4Addr::LOCALHOST),
            ipv6: Some(std::net::Ipv6Addr::LOCALHOST),
            forwarding,
        };
        if let Outcome::Reply(reply) = respond(data, &policy) {
            assert!(reply.len() >= 12 && reply[..2] == data[..2] && reply[2] & 0x80 != 0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The corpus seeds of each target run clean (and the entry points are exercised in CI).
    #[test]
    fn seeds_run_clean() {
        dynamodb_expression(
            b"\0NOT (#a = :v AND size(b.c[1]) BETWEEN :x AND :yy) OR contains(s, :z)",
        );
        dynamodb_expression(&[&[0u8][..], "NOT ".repeat(20_000).as_bytes()].concat());
        dynamodb_expression(
            b"\x01SET a = list_append(if_not_exists(a, :l), :l), n = n + :v REMOVE s",
        );
        dynamodb_expression(b"\x02a.b[1], #n, pk");
        sns_filter_policy(b"\x01{\"a\": {\"b\": [{\"prefix\": \"x\"}]}}\0{\"a\": {\"b\": \"xy\"}}");
        sns_filter_policy(b"\x00{\"n\": [{\"numeric\": [\">\", 1]}]}");
        event_pattern(b"{\"detail\": {\"$or\": [{\"a\": [{\"wildcard\": \"x*\"}]}, {\"b\": [{\"cidr\": \"10.0.0.0/8\"}]}]}}\0{\"detail\": {\"a\": \"xy\"}}");
        schedule_expression(b"cron(0/5 8-17 ? * MON-FRI,6L *)");
        schedule_expression(b"rate(5 minutes)");
        xml_document(b"<Delete><Object><Key>k</Key></Object></Delete>");
        query_form(
            b"Action=SendMessage&MessageAttribute.1.Name=a&MessageAttribute.1.Value.StringValue=b",
        );
        modeled_request(
            b"\0Action=CreateTopic&Name=t&Tags.member.1.Key=k&Attributes.entry.1.key=a",
        );
        modeled_request(b"\x02{\"Name\": \"/a\", \"MaxResults\": 99, \"ParameterFilters\": [{}]}");
        aws_chunked_body(b"3;chunk-signature=x\r\nabc\r\n0\r\nx-amz-checksum-crc32:AAAA\r\n\r\n");
        // A question for s3.amazonaws.com (type A), and a header with nothing after it.
        dns_packet(b"\x12\x34\x01\0\0\x01\0\0\0\0\0\0\x02s3\x09amazonaws\x03com\0\0\x01\0\x01");
        dns_packet(b"\x12\x34\x01\0\0\x01\0\0\0\0\0\0");
    }
}
