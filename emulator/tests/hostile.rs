//! Hostile requests to every bounded parser of the emulator — DynamoDB expressions, SNS filter
//! policies, XML documents, JSON bodies, query forms — each answered with the error AWS gives
//! for it, and the server still up and serving after each one.

mod support;

use serde_json::json;
use support::{auth, Conn, Response, Server};

fn dynamodb(conn: &mut Conn, operation: &str, body: &[u8]) -> Response {
    let target = format!("DynamoDB_20120810.{operation}");
    conn.request(
        "POST",
        "/",
        &[
            ("x-amz-target", &target),
            ("content-type", "application/x-amz-json-1.0"),
            ("authorization", &auth("dynamodb")),
        ],
        body,
    )
    .unwrap_or_else(|e| panic!("DynamoDB {operation}: {e}"))
}

fn sns(conn: &mut Conn, form: &str) -> Response {
    conn.request(
        "POST",
        "/",
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("authorization", &auth("sns")),
        ],
        form.as_bytes(),
    )
    .unwrap_or_else(|e| panic!("SNS {form:.60}: {e}"))
}

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The process is alive and a fresh connection gets a normal answer.
fn still_serves(server: &mut Server, after: &str) {
    assert!(
        server.alive(),
        "the server died after {after}: {}",
        server.stderr()
    );
    let r = dynamodb(&mut server.connect(), "ListTables", b"{}");
    assert_eq!(r.status, 200, "after {after}: {}", r.text());
}

/// A JSON-protocol error: status 400, `__type` ending in `code`, and the message.
fn json_error(r: &Response, code: &str) -> String {
    assert_eq!(r.status, 400, "{}", r.text());
    let body = r.json();
    let kind = body["__type"].as_str().unwrap_or("");
    assert!(kind.ends_with(&format!("#{code}")), "{}", r.text());
    body["message"].as_str().unwrap_or("").to_string()
}

/// A query-protocol `<ErrorResponse>` with this code; returns the body.
fn query_error(r: &Response, status: u16, code: &str) -> String {
    let text = r.text();
    assert_eq!(r.status, status, "{text}");
    assert!(text.contains("<ErrorResponse"), "{text}");
    assert!(text.contains(&format!("<Code>{code}</Code>")), "{text}");
    text
}

fn put_with_condition(conn: &mut Conn, condition: &str) -> Response {
    let body = json!({
        "TableName": "hostile",
        "Item": {"pk": {"S": "k"}},
        "ConditionExpression": condition,
        "ExpressionAttributeValues": {":v": {"N": "1"}},
    });
    dynamodb(conn, "PutItem", body.to_string().as_bytes())
}

#[test]
fn hostile_dynamodb_expressions_get_validation_errors() {
    let mut server = Server::start(&[]);
    let mut conn = server.connect();
    let table = json!({
        "TableName": "hostile",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST",
    });
    let r = dynamodb(&mut conn, "CreateTable", table.to_string().as_bytes());
    assert_eq!(r.status, 200, "{}", r.text());

    // The crash of issue 14: 20,000 NOTs overflowed the stack and aborted the process.
    let nots = format!("{}a = :v", "NOT ".repeat(20_000));
    let message = json_error(&put_with_condition(&mut conn, &nots), "ValidationException");
    assert_eq!(
        message,
        "Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; expression size: 80006"
    );
    still_serves(&mut server, "20,000 NOTs");

    let cases = [
        (
            format!("{}a = :v", "NOT ".repeat(1000)),
            "too many operators; operator count: 1001",
        ),
        (
            format!("{}a = :v{}", "(".repeat(2045), ")".repeat(2045)),
            "redundant parentheses",
        ),
        ("(".repeat(4096), "redundant parentheses"),
        (
            vec!["a = :v"; 300].join(" AND "),
            "too many operators; operator count: 599",
        ),
        (
            format!("{}a){}", "size(".repeat(600), ")".repeat(599)),
            "too many operators",
        ),
    ];
    for (condition, expected) in &cases {
        let message = json_error(
            &put_with_condition(&mut conn, condition),
            "ValidationException",
        );
        assert!(
            message.starts_with("Invalid ConditionExpression: "),
            "{message}"
        );
        assert!(message.contains(expected), "{message}");
        still_serves(&mut server, expected);
    }

    // The same limits hold for the other expressions, named as DynamoDB names them.
    let scan = json!({"TableName": "hostile", "FilterExpression": "(".repeat(5000)});
    let message = json_error(
        &dynamodb(&mut conn, "Scan", scan.to_string().as_bytes()),
        "ValidationException",
    );
    assert!(
        message.starts_with("Invalid FilterExpression: Expression size"),
        "{message}"
    );
    let update = json!({
        "TableName": "hostile",
        "Key": {"pk": {"S": "k"}},
        "UpdateExpression": format!("SET {}", vec!["a = :v"; 301].join(", ")),
        "ExpressionAttributeValues": {":v": {"N": "1"}},
    });
    let message = json_error(
        &dynamodb(&mut conn, "UpdateItem", update.to_string().as_bytes()),
        "ValidationException",
    );
    assert!(
        message.starts_with("Invalid UpdateExpression: The expression contains too many operators"),
        "{message}"
    );

    // The deepest expressions within the limits are parsed and evaluated on a worker thread:
    // 299 nested `NOT (` (300 operators; two levels of recursion each) of a false comparison
    // hold, and so do 299 plain NOTs; 149 `NOT (` around 150 more parentheses than operators
    // need are redundant.
    let deep = format!("{}a = :v{}", "NOT (".repeat(299), ")".repeat(299));
    let r = put_with_condition(&mut conn, &deep);
    assert_eq!(r.status, 200, "{}", r.text());
    still_serves(&mut server, "299 nested `NOT (`");
    let r = put_with_condition(&mut conn, &format!("{}a = :v", "NOT ".repeat(299)));
    assert_eq!(r.status, 200, "{}", r.text());
    let deep = format!("{}a = :v{}", "NOT (".repeat(149), ")".repeat(149));
    let redundant = format!("({deep})");
    let r = put_with_condition(&mut conn, &format!("({redundant})"));
    assert!(r.text().contains("redundant parentheses"), "{}", r.text());
    let chain = vec!["a = :v"; 150].join(" OR ");
    let r = put_with_condition(&mut conn, &chain);
    assert!(
        r.text().contains("ConditionalCheckFailedException"),
        "{}",
        r.text()
    );
    still_serves(&mut server, "the deepest accepted expressions");
}

#[test]
fn hostile_json_bodies_get_serialization_errors() {
    let mut server = Server::start(&[]);
    let mut conn = server.connect();
    // serde_json stops at 128 levels with an error, not a panic.
    for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
        let deep = format!("{}1{}", open.repeat(100_000), close.repeat(100_000));
        let r = dynamodb(&mut conn, "ListTables", deep.as_bytes());
        let message = json_error(&r, "SerializationException");
        assert!(message.contains("recursion limit exceeded"), "{message}");
        still_serves(&mut server, "100,000 nested JSON levels");
    }
    // An attribute value nested past 128 levels of JSON is refused the same way.
    let value = format!(
        "{}{{\"S\": \"x\"}}{}",
        "{\"M\": {\"a\": ".repeat(70),
        "}}".repeat(70)
    );
    let body = format!("{{\"TableName\": \"t\", \"Item\": {{\"pk\": {value}}}}}");
    json_error(
        &dynamodb(&mut conn, "PutItem", body.as_bytes()),
        "SerializationException",
    );
    still_serves(&mut server, "a deeply nested attribute value");
}

#[test]
fn hostile_sns_filter_policies_get_invalid_parameter() {
    let mut server = Server::start(&[]);
    let mut conn = server.connect();
    let r = sns(&mut conn, "Action=CreateTopic&Name=hostile");
    assert_eq!(r.status, 200, "{}", r.text());
    let topic = "arn:aws:sns:us-east-1:000000000000:hostile";
    let values: Vec<String> = (0..151).map(|i| format!("\"v{i}\"")).collect();
    let cases = [
        (
            format!("{}[\"x\"]{}", "{\"a\":".repeat(6), "}".repeat(6)),
            "Filter policy can not have more than 5 levels of nesting",
        ),
        (
            format!("{{\"a\": [{}]}}", values.join(",")),
            "Filter policy is too complex",
        ),
        (
            format!("{{\"a\": [\"{}\"]}}", "x".repeat(300 * 1024)),
            "Filter policy is too long",
        ),
        (
            format!("{{\"a\": {}1{}}}", "[".repeat(100_000), "]".repeat(100_000)),
            "failed to parse JSON",
        ),
    ];
    for (policy, expected) in &cases {
        let form = format!(
            "Action=Subscribe&TopicArn={}&Protocol=sqs&Endpoint={}&Attributes.entry.1.key=FilterPolicy&Attributes.entry.1.value={}&Attributes.entry.2.key=FilterPolicyScope&Attributes.entry.2.value=MessageBody",
            encode(topic),
            encode("arn:aws:sqs:us-east-1:000000000000:q"),
            encode(policy)
        );
        let text = query_error(&sns(&mut conn, &form), 400, "InvalidParameter");
        assert!(
            text.contains(&format!(
                "Invalid parameter: Attributes Reason: FilterPolicy: {expected}"
            )),
            "{text:.300}"
        );
        still_serves(&mut server, expected);
    }
}

#[test]
fn hostile_xml_and_forms_get_malformed_errors() {
    let mut server = Server::start(&[]);
    let mut conn = server.connect();
    assert_eq!(
        conn.request("PUT", "/hostile", &[], b"").unwrap().status,
        200
    );
    let deep = format!(
        "<Delete>{}{}</Delete>",
        "<a>".repeat(100_000),
        "</a>".repeat(100_000)
    );
    let r = conn
        .request("POST", "/hostile?delete", &[], deep.as_bytes())
        .unwrap();
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(
        r.text().contains("<Code>MalformedXML</Code>"),
        "{}",
        r.text()
    );
    still_serves(&mut server, "100,000 nested XML elements");

    // More parameters than any query request has: refused before they are decoded, in the
    // query protocol's own error shape, whether signed or routed by `Action`.
    let many = format!("Action=SendMessage&{}", "a=1&".repeat(100_000));
    for headers in [
        vec![("content-type", "application/x-www-form-urlencoded")],
        vec![
            ("content-type", "application/x-www-form-urlencoded"),
            ("authorization", "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0"),
        ],
    ] {
        let r = conn.request("POST", "/", &headers, many.as_bytes()).unwrap();
        let text = query_error(&r, 400, "MalformedQueryString");
        assert!(text.contains("more than 1000 parameters"), "{text}");
        still_serves(&mut server, "100,000 form parameters");
    }
    let empty_pairs = format!("Action=ListTopics&{}", "&".repeat(1_000_000));
    assert_eq!(sns(&mut conn, &empty_pairs).status, 200);
}
