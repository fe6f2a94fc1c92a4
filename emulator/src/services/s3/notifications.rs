//! S3 event notifications: PutBucketNotificationConfiguration and
//! GetBucketNotificationConfiguration (the legacy PutBucketNotification / GetBucketNotification
//! use the same `?notification` subresource and element names, so they are answered by the same
//! code), and the event records sent to queues, topics and functions through
//! `delivery::send` once an object is created or removed.
//!
//! Formats follow the AWS S3 User Guide ("Event message structure", "Configuring event
//! notifications using object key name filtering") and the botocore S3 model (the `Event` enum
//! lists the event names S3 accepts).
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine;
use serde_json::{json, Value};

use super::errors::{invalid_argument, malformed_xml, no_such_bucket};
use super::{require_bucket, respond, Call};
use crate::error::ApiError;
use crate::generated::s3::{
    EventBridgeConfiguration, FilterRule, LambdaFunctionConfiguration, NotificationConfiguration,
    NotificationConfigurationFilter, QueueConfiguration, S3KeyFilter, TopicConfiguration, MODEL,
};
use crate::http::Response;
use crate::model::Empty;
use crate::protocols::xml::{self, Element};
use crate::services::delivery::{self, Delivery, Kind};
use crate::state::record::{Entry, Record};
use crate::state::s3::{NotificationTarget, Notifications, TargetKind};
use crate::timefmt::{iso8601, now_millis};

/// The address requests come from: the emulator listens on loopback.
const SOURCE_IP: &str = "127.0.0.1";

pub fn put(call: &Call) -> Result<Response, ApiError> {
    let region = bucket_region(call)?;
    let doc = xml::parse(&call.req.body).map_err(|e| malformed_xml(&e))?;
    if doc.name != "NotificationConfiguration" {
        return Err(malformed_xml(
            "expected a NotificationConfiguration element",
        ));
    }
    let notifications = parse(&doc)?;
    check_arns(&notifications.targets, &region)?;
    check_overlaps(&notifications.targets)?;
    let skip = call.req.header("x-amz-skip-destination-validation") == Some("true");
    if !skip {
        check_destinations(call, &notifications.targets)?;
    }
    let targets = notifications.targets.clone();
    call.state.commit_s3(|store| {
        require_bucket(store, call)?;
        let record = Record::BucketNotificationSet {
            account: call.account().to_string(),
            bucket: call.bucket().to_string(),
            notifications,
        };
        Ok((vec![Entry::new(record)], ()))
    })?;
    if !skip {
        send_test_events(call, &targets);
    }
    respond(call, "PutBucketNotificationConfiguration", Empty {})
}

pub fn get(call: &Call) -> Result<Response, ApiError> {
    let notifications = {
        let store = call.state.s3();
        require_bucket(&store, call)?;
        store
            .bucket(call.account(), call.bucket())
            .map(|b| b.notifications.clone())
            .unwrap_or_default()
    };
    respond(
        call,
        "GetBucketNotificationConfiguration",
        configuration(&notifications),
    )
}

/// The stored configuration as the model's output shape; filter rule names are answered as S3
/// does, capitalised.
fn configuration(notifications: &Notifications) -> NotificationConfiguration {
    let of_kind = |kind: TargetKind| {
        notifications
            .targets
            .iter()
            .filter(move |t| t.kind == kind)
            .map(|t| (t.id.clone(), t.arn.clone(), t.events.clone(), filter(t)))
    };
    let queues: Vec<_> = of_kind(TargetKind::Queue)
        .map(|(id, queue_arn, events, filter)| QueueConfiguration {
            id: Some(id),
            queue_arn,
            events,
            filter,
        })
        .collect();
    let topics: Vec<_> = of_kind(TargetKind::Topic)
        .map(|(id, topic_arn, events, filter)| TopicConfiguration {
            id: Some(id),
            topic_arn,
            events,
            filter,
        })
        .collect();
    let functions: Vec<_> = of_kind(TargetKind::Function)
        .map(
            |(id, lambda_function_arn, events, filter)| LambdaFunctionConfiguration {
                id: Some(id),
                lambda_function_arn,
                events,
                filter,
            },
        )
        .collect();
    NotificationConfiguration {
        topic_configurations: Some(topics).filter(|v| !v.is_empty()),
        queue_configurations: Some(queues).filter(|v| !v.is_empty()),
        lambda_function_configurations: Some(functions).filter(|v| !v.is_empty()),
        event_bridge_configuration: notifications
            .event_bridge
            .then_some(EventBridgeConfiguration {}),
    }
}

fn filter(target: &NotificationTarget) -> Option<NotificationConfigurationFilter> {
    let rule = |name: &str, value: &Option<String>| {
        value.as_ref().map(|v| FilterRule {
            name: Some(name.to_string()),
            value: Some(v.clone()),
        })
    };
    let rules: Vec<FilterRule> = [
        rule("Prefix", &target.prefix),
        rule("Suffix", &target.suffix),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!rules.is_empty()).then_some(NotificationConfigurationFilter {
        key: Some(S3KeyFilter {
            filter_rules: Some(rules),
        }),
    })
}

/// A `NotificationConfiguration` document (or the legacy one, whose elements have the same
/// names) as a validated configuration.
fn parse(doc: &Element) -> Result<Notifications, ApiError> {
    let mut notifications = Notifications::default();
    for child in &doc.children {
        let (kind, arn_element) = match child.name.as_str() {
            "QueueConfiguration" => (TargetKind::Queue, "Queue"),
            "TopicConfiguration" => (TargetKind::Topic, "Topic"),
            "CloudFunctionConfiguration" => (TargetKind::Function, "CloudFunction"),
            "EventBridgeConfiguration" => {
                notifications.event_bridge = true;
                continue;
            }
            other => {
                return Err(malformed_xml(&format!(
                    "unexpected element {other} in NotificationConfiguration"
                )))
            }
        };
        notifications
            .targets
            .push(parse_target(child, kind, arn_element)?);
    }
    Ok(notifications)
}

fn parse_target(
    element: &Element,
    kind: TargetKind,
    arn_element: &str,
) -> Result<NotificationTarget, ApiError> {
    let arn = element
        .child_text(arn_element)
        .map(str::trim)
        .filter(|arn| !arn.is_empty())
        .ok_or_else(|| malformed_xml(&format!("{} needs a {arn_element}", element.name)))?;
    let events: Vec<String> = element
        .children_named("Event")
        .map(|e| e.text.trim().to_string())
        .collect();
    if events.is_empty() {
        return Err(malformed_xml(&format!("{} needs an Event", element.name)));
    }
    if let Some(unknown) = events.iter().find(|e| !is_known_event(e)) {
        return Err(
            invalid_argument("The event is not supported for notifications")
                .with_field("ArgumentName", "Event")
                .with_field("ArgumentValue", unknown.as_str()),
        );
    }
    let (prefix, suffix) = filter_rules(element.child("Filter"))?;
    let id = element
        .child_text("Id")
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map_or_else(new_id, str::to_string);
    Ok(NotificationTarget {
        kind,
        id,
        arn: arn.to_string(),
        events,
        prefix,
        suffix,
    })
}

/// An event name S3 accepts in a configuration: the botocore model's `Event` enum, and `s3:*`.
fn is_known_event(name: &str) -> bool {
    let model = MODEL.get();
    let listed = model
        .shape("Event")
        .and_then(|shape| shape.enum_values.as_ref())
        .is_some_and(|values| values.iter().any(|v| v == name));
    listed || name == "s3:*"
}

/// The prefix and suffix of a `Filter`'s `S3Key` rules (names are case-insensitive).
fn filter_rules(filter: Option<&Element>) -> Result<(Option<String>, Option<String>), ApiError> {
    let (mut prefix, mut suffix) = (None, None);
    let rules = filter
        .and_then(|f| f.child("S3Key"))
        .into_iter()
        .flat_map(|key| key.children_named("FilterRule"));
    for rule in rules {
        let name = rule.child_text("Name").unwrap_or("").trim();
        let lower = name.to_ascii_lowercase();
        let slot = match lower.as_str() {
            "prefix" => &mut prefix,
            "suffix" => &mut suffix,
            _ => {
                return Err(
                    invalid_argument("filter rule name must be either prefix or suffix")
                        .with_field("ArgumentName", "FilterRule")
                        .with_field("ArgumentValue", name),
                )
            }
        };
        if slot.is_some() {
            return Err(invalid_argument(format!(
                "Cannot specify more than one {lower} rule in a filter."
            ))
            .with_field("ArgumentName", "FilterRule")
            .with_field("ArgumentValue", name));
        }
        *slot = Some(rule.child_text("Value").unwrap_or("").to_string());
    }
    Ok((prefix, suffix))
}

/// The region of the bucket a request names.
fn bucket_region(call: &Call) -> Result<String, ApiError> {
    let store = call.state.s3();
    let bucket = store
        .bucket(call.account(), call.bucket())
        .ok_or_else(|| no_such_bucket(call.bucket()))?;
    Ok(bucket.region.clone())
}

/// Each destination ARN is an ARN of its configuration's service (`sqs`, `sns`, `lambda`) in
/// the bucket's region: S3 answers `InvalidArgument` "The ARN is not well formed" or "The
/// notification destination service region is not valid for the bucket location constraint".
fn check_arns(targets: &[NotificationTarget], bucket_region: &str) -> Result<(), ApiError> {
    for target in targets {
        let service = match target.kind {
            TargetKind::Queue => "sqs",
            TargetKind::Topic => "sns",
            TargetKind::Function => "lambda",
        };
        let parts: Vec<&str> = target.arn.splitn(6, ':').collect();
        let well_formed = parts.len() == 6
            && parts[0] == "arn"
            && parts[2] == service
            && [parts[1], parts[3], parts[4], parts[5]]
                .iter()
                .all(|part| !part.is_empty());
        if !well_formed {
            return Err(invalid_argument("The ARN is not well formed"));
        }
        if parts[3] != bucket_region {
            return Err(invalid_argument(
                "The notification destination service region is not valid for the bucket location constraint",
            ));
        }
    }
    Ok(())
}

/// S3 refuses two configurations that could both match one object for one event type.
fn check_overlaps(targets: &[NotificationTarget]) -> Result<(), ApiError> {
    for (i, a) in targets.iter().enumerate() {
        if targets[i + 1..].iter().any(|b| overlap(a, b)) {
            return Err(invalid_argument(
                "Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes are overlapping for the same event type.",
            ));
        }
    }
    Ok(())
}

/// Whether one event type, key prefix and key suffix could match both configurations.
fn overlap(a: &NotificationTarget, b: &NotificationTarget) -> bool {
    let events = a.events.iter().any(|x| {
        b.events
            .iter()
            .any(|y| event_matches(x, y) || event_matches(y, x))
    });
    let (pa, pb) = (a.prefix.as_deref(), b.prefix.as_deref());
    let (sa, sb) = (a.suffix.as_deref(), b.suffix.as_deref());
    let prefixes = |x: &str, y: &str| x.starts_with(y) || y.starts_with(x);
    let suffixes = |x: &str, y: &str| x.ends_with(y) || y.ends_with(x);
    events
        && prefixes(pa.unwrap_or(""), pb.unwrap_or(""))
        && suffixes(sa.unwrap_or(""), sb.unwrap_or(""))
}

/// Whether a configured event name (`s3:ObjectCreated:*`, `s3:*`) covers `event`.
pub fn event_matches(configured: &str, event: &str) -> bool {
    match configured.strip_suffix('*') {
        Some(stem) => event.starts_with(stem),
        None => configured == event,
    }
}

/// Whether `target` wants `event` (`s3:ObjectCreated:Put`) for the object whose URL-encoded key
/// is `key`. Filter values are compared with the key as the event carries it, URL-encoded: S3's
/// guide asks for special characters in filter values to be written that way.
pub fn target_matches(target: &NotificationTarget, event: &str, key: &str) -> bool {
    target.events.iter().any(|e| event_matches(e, event))
        && target.prefix.as_deref().is_none_or(|p| key.starts_with(p))
        && target.suffix.as_deref().is_none_or(|s| key.ends_with(s))
}

/// Fails with S3's `InvalidArgument` naming every destination that does not exist.
fn check_destinations(call: &Call, targets: &[NotificationTarget]) -> Result<(), ApiError> {
    const FIELDS: [(&str, &str); 5] = [
        ("ArgumentName1", "ArgumentValue1"),
        ("ArgumentName2", "ArgumentValue2"),
        ("ArgumentName3", "ArgumentValue3"),
        ("ArgumentName4", "ArgumentValue4"),
        ("ArgumentName5", "ArgumentValue5"),
    ];
    let missing: Vec<&NotificationTarget> = targets
        .iter()
        .filter(|t| !destination_exists(call, t))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let mut err = invalid_argument("Unable to validate the following destination configurations");
    for (target, (name, value)) in missing.iter().zip(FIELDS) {
        let what = match target.kind {
            TargetKind::Queue => "queue",
            TargetKind::Topic => "topic",
            TargetKind::Function => "Lambda function",
        };
        err = err
            .with_field(name, target.arn.as_str())
            .with_field(value, format!("The destination {what} does not exist"));
    }
    Err(err)
}

/// Whether the queue, topic or function a configuration names exists (and is of the kind its
/// configuration list says).
fn destination_exists(call: &Call, target: &NotificationTarget) -> bool {
    let kind = delivery::destination(&target.arn).map(|d| d.kind);
    let agrees = matches!(
        (target.kind, kind),
        (TargetKind::Queue, Some(Kind::Queue(_)))
            | (TargetKind::Topic, Some(Kind::Topic))
            | (TargetKind::Function, Some(Kind::Function))
    );
    agrees && delivery::exists(call.app, call.ctx, &target.arn)
}

/// S3's `s3:TestEvent`, sent to every queue and topic of a configuration once it is stored.
fn send_test_events(call: &Call, targets: &[NotificationTarget]) {
    let event = json!({
        "Service": "Amazon S3",
        "Event": "s3:TestEvent",
        "Time": iso8601(now_millis()),
        "Bucket": call.bucket(),
        "RequestId": call.ctx.request_id,
        "HostId": host_id(&call.ctx.request_id),
    })
    .to_string();
    for target in targets.iter().filter(|t| t.kind != TargetKind::Function) {
        delivery::send(call.app, call.ctx, Delivery::new(&target.arn, &event));
    }
}

/// One object an event is about: removal events carry neither size nor ETag.
pub struct ObjectEvent<'a> {
    pub key: &'a str,
    pub size: Option<usize>,
    pub etag: Option<&'a str>,
}

/// Sends `event` (`ObjectCreated:Put`, `ObjectRemoved:Delete`) for each object to every target
/// of the bucket's configuration that wants it. Called after the change is committed.
pub fn notify(call: &Call, event: &str, objects: &[ObjectEvent]) {
    let (targets, region) = {
        let store = call.state.s3();
        match store.bucket(call.account(), call.bucket()) {
            Some(b) if !b.notifications.targets.is_empty() => {
                (b.notifications.targets.clone(), b.region.clone())
            }
            _ => return,
        }
    };
    let occurrence = Occurrence {
        event,
        bucket: call.bucket(),
        region: &region,
        account: call.account(),
        request_id: &call.ctx.request_id,
        time_ms: now_millis(),
    };
    let full_name = format!("s3:{event}");
    for object in objects {
        let key = encode_key(object.key);
        let sequencer = next_sequencer();
        for target in targets
            .iter()
            .filter(|t| target_matches(t, &full_name, &key))
        {
            let record = event_record(&occurrence, &target.id, object, &sequencer);
            let message = json!({ "Records": [record] }).to_string();
            delivery::send(call.app, call.ctx, Delivery::new(&target.arn, message));
        }
    }
}

/// What an event record says about the request that caused it.
struct Occurrence<'a> {
    event: &'a str,
    bucket: &'a str,
    region: &'a str,
    account: &'a str,
    request_id: &'a str,
    time_ms: i64,
}

/// One record of S3's event message (event version 2.1).
fn event_record(
    o: &Occurrence,
    configuration_id: &str,
    object: &ObjectEvent,
    sequencer: &str,
) -> Value {
    let mut described = json!({ "key": encode_key(object.key), "sequencer": sequencer });
    if let Some(size) = object.size {
        described["size"] = json!(size);
    }
    if let Some(etag) = object.etag {
        described["eTag"] = json!(etag.trim_matches('"'));
    }
    json!({
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": o.region,
        "eventTime": iso8601(o.time_ms),
        "eventName": o.event,
        "userIdentity": { "principalId": format!("AWS:{}", o.account) },
        "requestParameters": { "sourceIPAddress": SOURCE_IP },
        "responseElements": {
            "x-amz-request-id": o.request_id,
            "x-amz-id-2": host_id(o.request_id),
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {
                "name": o.bucket,
                "ownerIdentity": { "principalId": o.account },
                "arn": format!("arn:aws:s3:::{}", o.bucket),
            },
            "object": described,
        },
    })
}

/// A key as S3's event records carry it: form-URL-encoded (a space is `+`), `/` kept.
pub fn encode_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for byte in key.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b'*' | b'/' => {
                out.push(char::from(byte));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The `x-amz-id-2` of a request: an opaque token derived from its request id.
fn host_id(request_id: &str) -> String {
    use sha2::Digest;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(request_id.as_bytes()))
}

/// A configuration id where the request gave none.
fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

static LAST_SEQUENCER: AtomicU64 = AtomicU64::new(0);

/// A hexadecimal sequencer that grows with every event, as S3's do for one key.
fn next_sequencer() -> String {
    let now = u64::try_from(now_millis()).unwrap_or(0) * 1_000_000;
    let previous = LAST_SEQUENCER
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |last| {
            Some(now.max(last + 1))
        })
        .unwrap_or(0);
    format!("{:016X}", now.max(previous + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(events: &[&str], prefix: Option<&str>, suffix: Option<&str>) -> NotificationTarget {
        NotificationTarget {
            kind: TargetKind::Queue,
            id: "id".to_string(),
            arn: "arn:aws:sqs:us-east-1:000000000000:q".to_string(),
            events: events.iter().map(|e| e.to_string()).collect(),
            prefix: prefix.map(str::to_string),
            suffix: suffix.map(str::to_string),
        }
    }

    #[test]
    fn wildcards_cover_their_event_types() {
        assert!(event_matches("s3:ObjectCreated:*", "s3:ObjectCreated:Put"));
        assert!(event_matches(
            "s3:ObjectCreated:*",
            "s3:ObjectCreated:CompleteMultipartUpload"
        ));
        assert!(event_matches("s3:*", "s3:ObjectRemoved:Delete"));
        assert!(event_matches(
            "s3:ObjectRemoved:Delete",
            "s3:ObjectRemoved:Delete"
        ));
        assert!(!event_matches(
            "s3:ObjectCreated:*",
            "s3:ObjectRemoved:Delete"
        ));
        assert!(!event_matches(
            "s3:ObjectCreated:Put",
            "s3:ObjectCreated:Copy"
        ));
    }

    #[test]
    fn filters_match_prefix_and_suffix_of_the_encoded_key() {
        let images = target(&["s3:ObjectCreated:*"], Some("images/"), Some(".jpg"));
        assert!(target_matches(
            &images,
            "s3:ObjectCreated:Put",
            "images/cat.jpg"
        ));
        assert!(!target_matches(
            &images,
            "s3:ObjectCreated:Put",
            "images/cat.png"
        ));
        assert!(!target_matches(
            &images,
            "s3:ObjectCreated:Put",
            "docs/cat.jpg"
        ));
        assert!(!target_matches(
            &images,
            "s3:ObjectRemoved:Delete",
            "images/cat.jpg"
        ));
        let spaced = target(&["s3:*"], Some("my+files/"), None);
        assert!(target_matches(
            &spaced,
            "s3:ObjectCreated:Put",
            &encode_key("my files/a")
        ));
        let all = target(&["s3:ObjectRemoved:*"], None, None);
        assert!(target_matches(&all, "s3:ObjectRemoved:Delete", "anything"));
    }

    #[test]
    fn overlapping_configurations_are_found() {
        let created = |p, s| target(&["s3:ObjectCreated:*"], p, s);
        let put = |p, s| target(&["s3:ObjectCreated:Put"], p, s);
        assert!(overlap(&created(None, None), &put(None, None)));
        assert!(overlap(
            &created(Some("a/"), None),
            &put(Some("a/b/"), None)
        ));
        assert!(!overlap(&created(Some("a/"), None), &put(Some("b/"), None)));
        assert!(!overlap(
            &created(None, Some(".jpg")),
            &put(None, Some(".png"))
        ));
        assert!(overlap(
            &created(None, Some(".jpg")),
            &put(None, Some("cat.jpg"))
        ));
        let removed = target(&["s3:ObjectRemoved:*"], None, None);
        assert!(!overlap(&created(None, None), &removed));
        assert!(check_overlaps(&[created(Some("a/"), None), put(Some("b/"), None)]).is_ok());
        assert!(check_overlaps(&[created(None, None), removed, put(None, None)]).is_err());
    }

    #[test]
    fn keys_are_form_url_encoded_with_slashes_kept() {
        assert_eq!(encode_key("dir/a b.txt"), "dir/a+b.txt");
        assert_eq!(encode_key("x=1&y(2)"), "x%3D1%26y%282%29");
        assert_eq!(encode_key("é"), "%C3%A9");
    }

    #[test]
    fn event_records_have_s3s_shape() {
        let occurrence = Occurrence {
            event: "ObjectCreated:Put",
            bucket: "photos",
            region: "eu-west-1",
            account: "123456789012",
            request_id: "req-1",
            time_ms: 0,
        };
        let object = ObjectEvent {
            key: "a b.jpg",
            size: Some(3),
            etag: Some("\"abc\""),
        };
        let record = event_record(&occurrence, "cfg", &object, "00A");
        assert_eq!(record["eventVersion"], "2.1");
        assert_eq!(record["eventSource"], "aws:s3");
        assert_eq!(record["awsRegion"], "eu-west-1");
        assert_eq!(record["eventTime"], "1970-01-01T00:00:00.000Z");
        assert_eq!(record["eventName"], "ObjectCreated:Put");
        assert_eq!(record["requestParameters"]["sourceIPAddress"], "127.0.0.1");
        assert_eq!(record["responseElements"]["x-amz-request-id"], "req-1");
        assert!(record["responseElements"]["x-amz-id-2"].is_string());
        let s3 = &record["s3"];
        assert_eq!(s3["s3SchemaVersion"], "1.0");
        assert_eq!(s3["configurationId"], "cfg");
        assert_eq!(s3["bucket"]["name"], "photos");
        assert_eq!(s3["bucket"]["arn"], "arn:aws:s3:::photos");
        assert_eq!(s3["bucket"]["ownerIdentity"]["principalId"], "123456789012");
        assert_eq!(
            s3["object"],
            json!({"key": "a+b.jpg", "size": 3, "eTag": "abc", "sequencer": "00A"})
        );
        let removed = ObjectEvent {
            key: "k",
            size: None,
            etag: None,
        };
        let record = event_record(&occurrence, "cfg", &removed, "00B");
        assert_eq!(
            record["s3"]["object"],
            json!({"key": "k", "sequencer": "00B"})
        );
    }

    #[test]
    fn sequencers_grow() {
        let first = next_sequencer();
        let second = next_sequencer();
        assert_eq!(first.len(), 16);
        assert!(second > first);
    }

    #[test]
    fn configurations_parse_and_validate() {
        let doc = xml::parse(
            br#"<NotificationConfiguration>
                <QueueConfiguration><Queue>arn:aws:sqs:us-east-1:000000000000:q</Queue>
                  <Event>s3:ObjectCreated:*</Event>
                  <Filter><S3Key><FilterRule><Name>Prefix</Name><Value>in/</Value></FilterRule>
                  <FilterRule><Name>suffix</Name><Value>.csv</Value></FilterRule></S3Key></Filter>
                </QueueConfiguration>
                <CloudFunctionConfiguration><Id>f</Id><CloudFunction>arn:aws:lambda:us-east-1:000000000000:function:f</CloudFunction>
                  <Event>s3:ObjectRemoved:Delete</Event></CloudFunctionConfiguration>
                <EventBridgeConfiguration/>
            </NotificationConfiguration>"#,
        )
        .unwrap();
        let parsed = parse(&doc).unwrap();
        assert!(parsed.event_bridge);
        assert_eq!(parsed.targets.len(), 2);
        assert_eq!(parsed.targets[0].prefix.as_deref(), Some("in/"));
        assert_eq!(parsed.targets[0].suffix.as_deref(), Some(".csv"));
        assert!(!parsed.targets[0].id.is_empty());
        assert_eq!(parsed.targets[1].kind, TargetKind::Function);
        assert_eq!(parsed.targets[1].id, "f");

        let bad_event = xml::parse(
            b"<NotificationConfiguration><TopicConfiguration><Topic>t</Topic><Event>s3:Nope</Event></TopicConfiguration></NotificationConfiguration>",
        )
        .unwrap();
        let err = parse(&bad_event).unwrap_err();
        assert_eq!(err.code, "InvalidArgument");
        let twice = xml::parse(
            b"<NotificationConfiguration><TopicConfiguration><Topic>t</Topic><Event>s3:*</Event><Filter><S3Key><FilterRule><Name>prefix</Name><Value>a</Value></FilterRule><FilterRule><Name>Prefix</Name><Value>b</Value></FilterRule></S3Key></Filter></TopicConfiguration></NotificationConfiguration>",
        )
        .unwrap();
        assert_eq!(parse(&twice).unwrap_err().code, "InvalidArgument");
    }
}
