//! What an SQS event source mapping hands a function and reads back: the SQS event
//! (`Records[]` in the shape Lambda documents for SQS, "Using Lambda with Amazon SQS") built
//! from received messages, and the outcome of a batch from the function's response, including
//! partial failures (`batchItemFailures`, "Reporting batch item failures for Lambda functions
//! with an Amazon SQS trigger").
use std::collections::HashSet;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde_json::{json, Map, Value};

use crate::generated::sqs as sqs_model;

/// The event for one batch of messages received from `queue_arn` in `region`.
pub fn event(messages: &[sqs_model::Message], queue_arn: &str, region: &str) -> Value {
    let records: Vec<Value> = messages
        .iter()
        .map(|m| record(m, queue_arn, region))
        .collect();
    json!({ "Records": records })
}

fn record(message: &sqs_model::Message, queue_arn: &str, region: &str) -> Value {
    let attributes: Map<String, Value> = message
        .attributes
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let message_attributes: Map<String, Value> = message
        .message_attributes
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), message_attribute(v)))
        .collect();
    json!({
        "messageId": message.message_id,
        "receiptHandle": message.receipt_handle,
        "body": message.body,
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": message.md5_of_body,
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    })
}

/// A message attribute as the event carries it: camel-case names, binary values base64.
fn message_attribute(value: &sqs_model::MessageAttributeValue) -> Value {
    let mut out = json!({
        "stringListValues": value.string_list_values.clone().unwrap_or_default(),
        "binaryListValues": value
            .binary_list_values
            .iter()
            .flatten()
            .map(|b| BASE64.encode(&b.0))
            .collect::<Vec<_>>(),
        "dataType": value.data_type,
    });
    if let Some(s) = &value.string_value {
        out["stringValue"] = json!(s);
    }
    if let Some(b) = &value.binary_value {
        out["binaryValue"] = json!(BASE64.encode(&b.0));
    }
    out
}

/// Whether a record passes a mapping's filters (`FilterCriteria`, patterns as JSON text): any
/// filter matching passes it, no filters pass everything. The pattern sees the record with its
/// body parsed when the body is JSON, as Lambda's event filtering for SQS does.
pub fn passes_filters(record: &Value, patterns: &[Map<String, Value>]) -> bool {
    if patterns.is_empty() {
        return true;
    }
    let Some(mut document) = record.as_object().cloned() else {
        return false;
    };
    if let Some(parsed) = document
        .get("body")
        .and_then(Value::as_str)
        .and_then(|body| serde_json::from_str::<Value>(body).ok())
    {
        document.insert("body".to_string(), parsed);
    }
    patterns
        .iter()
        .any(|pattern| crate::pattern::object_matches(pattern, &document))
}

/// What to do with a batch once the function returned.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Delete every message but these (message ids); empty means the whole batch succeeded.
    DeleteAllBut(HashSet<String>),
    /// Delete nothing: every message is retried once visible again.
    RetryAll,
}

/// The outcome of a batch from the function's result: an error fails the whole batch; a
/// success deletes it, except, with `ReportBatchItemFailures`, the messages the response names
/// in `batchItemFailures[].itemIdentifier`. As Lambda documents it, a null or empty response,
/// or a null or empty list, is complete success; a response that is not JSON, or an identifier
/// that is null, empty, not a string or not a message of the batch, is complete failure.
pub fn outcome(
    result: &Result<String, String>,
    report_failures: bool,
    batch_ids: &[String],
) -> Outcome {
    let payload = match result {
        Err(_) => return Outcome::RetryAll,
        Ok(_) if !report_failures => return Outcome::DeleteAllBut(HashSet::new()),
        Ok(payload) => payload,
    };
    match failed_items(payload, batch_ids) {
        Some(failed) => Outcome::DeleteAllBut(failed),
        None => Outcome::RetryAll,
    }
}

/// The message ids a `ReportBatchItemFailures` response names, or `None` if it is invalid.
fn failed_items(payload: &str, batch_ids: &[String]) -> Option<HashSet<String>> {
    if payload.trim().is_empty() {
        return Some(HashSet::new());
    }
    let response: Value = serde_json::from_str(payload).ok()?;
    let failures = match &response {
        Value::Null => return Some(HashSet::new()),
        Value::Object(fields) => match fields.get("batchItemFailures") {
            None | Some(Value::Null) => return Some(HashSet::new()),
            Some(Value::Array(items)) => items,
            Some(_) => return None,
        },
        _ => return None,
    };
    let mut failed = HashSet::new();
    for item in failures {
        let id = item.get("itemIdentifier")?.as_str()?;
        if id.is_empty() || !batch_ids.iter().any(|b| b == id) {
            return None;
        }
        failed.insert(id.to_string());
    }
    Some(failed)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::Blob;

    fn message() -> sqs_model::Message {
        let attributes = BTreeMap::from([
            ("ApproximateReceiveCount".to_string(), "1".to_string()),
            ("SentTimestamp".to_string(), "1700000000000".to_string()),
            ("MessageGroupId".to_string(), "g".to_string()),
        ]);
        let message_attributes = BTreeMap::from([
            (
                "colour".to_string(),
                sqs_model::MessageAttributeValue {
                    data_type: "String".into(),
                    string_value: Some("blue".into()),
                    ..Default::default()
                },
            ),
            (
                "raw".to_string(),
                sqs_model::MessageAttributeValue {
                    data_type: "Binary".into(),
                    binary_value: Some(Blob(vec![1, 2, 3])),
                    ..Default::default()
                },
            ),
        ]);
        sqs_model::Message {
            message_id: Some("m-1".into()),
            receipt_handle: Some("rh".into()),
            md5_of_body: Some("md5".into()),
            body: Some("hello".into()),
            attributes: Some(attributes),
            md5_of_message_attributes: None,
            message_attributes: Some(message_attributes),
        }
    }

    #[test]
    fn the_event_has_lambdas_sqs_record_shape() {
        let arn = "arn:aws:sqs:eu-west-1:000000000000:q.fifo";
        let event = event(&[message()], arn, "eu-west-1");
        let record = &event["Records"][0];
        assert_eq!(record["messageId"], "m-1");
        assert_eq!(record["receiptHandle"], "rh");
        assert_eq!(record["body"], "hello");
        assert_eq!(record["md5OfBody"], "md5");
        assert_eq!(record["eventSource"], "aws:sqs");
        assert_eq!(record["eventSourceARN"], arn);
        assert_eq!(record["awsRegion"], "eu-west-1");
        assert_eq!(record["attributes"]["ApproximateReceiveCount"], "1");
        assert_eq!(record["attributes"]["MessageGroupId"], "g");
        assert_eq!(
            record["messageAttributes"]["colour"],
            json!({"stringValue": "blue", "stringListValues": [], "binaryListValues": [], "dataType": "String"})
        );
        assert_eq!(record["messageAttributes"]["raw"]["binaryValue"], "AQID");
        assert!(record["messageAttributes"]["raw"]
            .get("stringValue")
            .is_none());
    }

    #[test]
    fn filters_see_the_parsed_body_and_any_filter_passes() {
        let record =
            |body: &str| json!({"body": body, "attributes": {"ApproximateReceiveCount": "1"}});
        let pattern = |text: &str| serde_json::from_str::<Map<String, Value>>(text).unwrap();
        let orders = [pattern(r#"{"body": {"kind": ["order"]}}"#)];
        assert!(passes_filters(&record(r#"{"kind": "order"}"#), &orders));
        assert!(!passes_filters(&record(r#"{"kind": "refund"}"#), &orders));
        assert!(!passes_filters(&record("plain text"), &orders));
        let either = [orders[0].clone(), pattern(r#"{"body": ["plain text"]}"#)];
        assert!(passes_filters(&record("plain text"), &either));
        assert!(passes_filters(&record("anything"), &[]));
        let by_count = [pattern(
            r#"{"attributes": {"ApproximateReceiveCount": ["1"]}}"#,
        )];
        assert!(passes_filters(&record("x"), &by_count));
    }

    #[test]
    fn an_empty_batch_item_failures_response_is_complete_success() {
        let ids = vec!["a".to_string(), "b".to_string()];
        for payload in [
            "",
            "null",
            "{}",
            r#"{"batchItemFailures": []}"#,
            r#"{"batchItemFailures": null}"#,
        ] {
            assert_eq!(
                outcome(&Ok(payload.to_string()), true, &ids),
                Outcome::DeleteAllBut(HashSet::new()),
                "{payload}"
            );
        }
    }

    #[test]
    fn named_failures_are_kept_and_the_rest_deleted() {
        let ids = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        let payload =
            r#"{"batchItemFailures": [{"itemIdentifier": "b"}, {"itemIdentifier": "c"}]}"#;
        assert_eq!(
            outcome(&Ok(payload.to_string()), true, &ids),
            Outcome::DeleteAllBut(HashSet::from(["b".to_string(), "c".to_string()]))
        );
    }

    #[test]
    fn an_invalid_response_fails_the_whole_batch() {
        let ids = vec!["a".to_string()];
        for payload in [
            "not json",
            "[1]",
            r#"{"batchItemFailures": "a"}"#,
            r#"{"batchItemFailures": [{"itemIdentifier": ""}]}"#,
            r#"{"batchItemFailures": [{"itemIdentifier": null}]}"#,
            r#"{"batchItemFailures": [{"itemId": "a"}]}"#,
            r#"{"batchItemFailures": [{"itemIdentifier": "zzz"}]}"#,
        ] {
            assert_eq!(
                outcome(&Ok(payload.to_string()), true, &ids),
                Outcome::RetryAll,
                "{payload}"
            );
        }
    }

    #[test]
    fn a_function_error_retries_and_without_reporting_a_response_is_ignored() {
        let ids = vec!["a".to_string()];
        assert_eq!(outcome(&Err("boom".into()), true, &ids), Outcome::RetryAll);
        assert_eq!(outcome(&Err("boom".into()), false, &ids), Outcome::RetryAll);
        let named = r#"{"batchItemFailures": [{"itemIdentifier": "a"}]}"#;
        assert_eq!(
            outcome(&Ok(named.to_string()), false, &ids),
            Outcome::DeleteAllBut(HashSet::new())
        );
    }
}
