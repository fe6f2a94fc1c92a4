//! Emulator reliability: malformed and random requests over raw TCP, 64 concurrent clients,
//! `kill -9` during writes with `--state-dir`, and safety limits. Sizes scale with
//! AWSREDIRECT_EMU_REQUESTS / AWSREDIRECT_EMU_SECONDS / AWSREDIRECT_EMU_ROUNDS (defaults keep CI
//! short; RELIABILITY.md records the full runs). Corrupt journals and `--recover`, which the
//! command reports, are tested in the root crate's `tests/serve.rs`.
// The figures of each run are printed for `--nocapture` runs (RELIABILITY.md records them).
#![allow(clippy::print_stderr)]

mod support;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::Shutdown;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{auth, env_number, files_under, sqs, Conn, Response, Rng, Server};

// ---------------------------------------------------------------------------------------------
// Malformed input
// ---------------------------------------------------------------------------------------------

/// What a generated request is expected to get.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// It reaches the emulator: an error in the protocol's shape.
    Api(Protocol),
    /// The HTTP framing itself is broken: a 4xx from the HTTP layer or a closed connection.
    Framing,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Protocol {
    Json,
    Query,
    RestXml,
    /// Routed by the `Action` parameter, which the garbage may or may not carry.
    QueryOrRestXml,
}

struct Generated {
    raw: Vec<u8>,
    method: String,
    expect: Expect,
    /// Shut down the write side after sending (truncated bodies).
    half_close: bool,
}

const BAD_BUCKET: &str = "/NoSuch_Bucket!";

fn s3_paths(rng: &mut Rng) -> String {
    let long = "d".repeat(rng.below(60_000) as usize);
    let paths = [
        format!("{BAD_BUCKET}/k"),
        format!("{BAD_BUCKET}/k?uploadId=x&partNumber=99999999999"),
        format!("{BAD_BUCKET}?list-type=2&max-keys=-1&delimiter={long}"),
        format!("{BAD_BUCKET}?list-type=2&continuation-token=%%%"),
        format!("{BAD_BUCKET}?delete"),
        format!("{BAD_BUCKET}/k?uploads"),
        format!("{BAD_BUCKET}/../../../etc/passwd"),
        format!("{BAD_BUCKET}/k?acl&tagging&versionId=1"),
        format!("{BAD_BUCKET}/k?part-number-marker=4294967295&uploadId=u&max-parts=-5"),
        "/%ff%fe/%00%2e%2e%2f".to_string(),
        format!("{BAD_BUCKET}/{}", "a/".repeat(rng.below(20_000) as usize)),
        format!("{BAD_BUCKET}?{}", "a=b&".repeat(rng.below(10_000) as usize)),
        format!("{BAD_BUCKET}/k?{}", "x-id=".repeat(100)),
    ];
    rng.pick(&paths).clone()
}

fn nested(open: &str, close: &str, depth: usize) -> Vec<u8> {
    let mut out = open.repeat(depth).into_bytes();
    out.extend(close.repeat(depth).into_bytes());
    out
}

fn soup(rng: &mut Rng, tokens: &[&str], n: usize) -> Vec<u8> {
    (0..n).flat_map(|_| rng.pick(tokens).bytes()).collect()
}

fn xml_body(rng: &mut Rng) -> Vec<u8> {
    let depth = 1 + rng.below(300_000) as usize;
    match rng.below(8) {
        0 => b"<Delete><Object><Key>".to_vec(),
        1 => b"<<<>>>".to_vec(),
        2 => b"<Delete><Object><Key>a</Key></Object></Delete>".to_vec(),
        3 => b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'><!ENTITY b '&a;&a;&a;&a;'>]><Delete><Object><Key>&b;</Key></Object></Delete>".to_vec(),
        4 => nested("<a>", "</a>", depth),
        5 => b"<CompleteMultipartUpload><Part><PartNumber>99999999999999999999</PartNumber><ETag>\"x\"</ETag></Part></CompleteMultipartUpload>".to_vec(),
        6 => {
            let objects = "<Object><Key>k</Key></Object>".repeat(rng.below(5000) as usize);
            format!("<Delete>{objects}</Delete>").into_bytes()
        }
        _ => {
            let n = rng.below(400) as usize;
            soup(
            rng,
            &["<", ">", "</", "/>", "Delete", "Object", "Key", "&amp;", "&#0;", "&bogus;", "<![CDATA[", "]]>", "<!--", "\u{0}", "\"", "'", "=", " ", "\u{feff}"],
            n,
        )
        }
    }
}

fn json_body(rng: &mut Rng) -> Vec<u8> {
    let depth = 1 + rng.below(300_000) as usize;
    match rng.below(10) {
        0 => b"{".to_vec(),
        1 => b"[]".to_vec(),
        2 => b"null".to_vec(),
        3 => nested("[", "]", depth),
        4 => nested("{\"a\":", "}", depth.min(50_000)),
        5 => br#"{"QueueUrl": 5, "MaxNumberOfMessages": 1e309, "WaitTimeSeconds": -1}"#.to_vec(),
        6 => {
            let entries: Vec<Value> = (0..rng.below(5000))
                .map(|i| json!({"Id": i.to_string(), "MessageBody": "x", "ReceiptHandle": "r"}))
                .collect();
            json!({"QueueUrl": "http://127.0.0.1/000000000000/nosuch", "Entries": entries})
                .to_string()
                .into_bytes()
        }
        7 => {
            let tags: serde_json::Map<String, Value> = (0..rng.below(20_000))
                .map(|i| (format!("t{i}"), json!("v")))
                .collect();
            json!({"QueueName": "q", "tags": tags, "Attributes": {"Nope": "1"}})
                .to_string()
                .into_bytes()
        }
        8 => b"{\"QueueUrl\": \"\xff\xfe\", \"MessageBody\": \"\xc3\x28\"}".to_vec(),
        _ => {
            let n = rng.below(400) as usize;
            soup(
                rng,
                &[
                    "{",
                    "}",
                    "[",
                    "]",
                    ":",
                    ",",
                    "\"",
                    "\\u0000",
                    "\\ud800",
                    "1e99999",
                    "-",
                    "true",
                    "nul",
                    "\"QueueUrl\"",
                    "\"MessageBody\"",
                    " ",
                ],
                n,
            )
        }
    }
}

fn form_body(rng: &mut Rng) -> Vec<u8> {
    let action = *rng.pick(&[
        "SendMessage",
        "ReceiveMessage",
        "DeleteMessageBatch",
        "SendMessageBatch",
        "TagQueue",
        "CreateQueue",
        "AssumeRole",
        "Nope",
        "",
    ]);
    let n = rng.below(5000) as usize;
    let tail: String = match rng.below(9) {
        0 => "QueueUrl=%zz".into(),
        1 => "=x&&&".into(),
        2 => format!("{}b=1", "a.".repeat(1 + rng.below(300_000) as usize)),
        3 => "MaxNumberOfMessages=99999999999999999999&WaitTimeSeconds=99999".into(),
        4 => (1..=n)
            .map(|i| format!("SendMessageBatchRequestEntry.{i}.Id=m{i}&SendMessageBatchRequestEntry.{i}.MessageBody=x"))
            .collect::<Vec<_>>()
            .join("&"),
        5 => (1..=n)
            .map(|i| format!("Tag.{i}.Key=k{i}&Tag.{i}.Value=v"))
            .collect::<Vec<_>>()
            .join("&"),
        6 => "Attribute.4294967295.Name=x&Attribute.99999999999.Name=y&Attribute..Value=z".into(),
        7 => "AttributeName.1=All&MessageAttributeName.1=.*&QueueUrl=http://127.0.0.1/000000000000/nosuch".into(),
        _ => String::from_utf8_lossy(&soup(rng, &["&", "=", "%", "%zz", "%00", "Action", ".", "1", "+", "QueueUrl"], 200)).into_owned(),
    };
    let mut body = format!("Action={action}&{tail}").into_bytes();
    if rng.chance(5) {
        body.extend_from_slice(b"&X=\xff\xfe");
    }
    body
}

fn random_body(rng: &mut Rng) -> Vec<u8> {
    match rng.below(4) {
        0 => Vec::new(),
        1 => {
            let n = rng.below(4096) as usize;
            rng.bytes(n)
        }
        2 => b"zz;chunk-signature=abc\r\n".to_vec(),
        _ => b"ffffffffffffffff\r\nabc\r\n5\r\nab".to_vec(),
    }
}

/// One request that is wrong somewhere: method, route, headers, body or framing.
fn generate(rng: &mut Rng) -> Generated {
    let method = rng
        .pick(&[
            "GET", "PUT", "POST", "DELETE", "HEAD", "PATCH", "OPTIONS", "TRACE", "PROPFIND",
        ])
        .to_string();
    // The route: a JSON target, a query-protocol service, S3, or nothing (Action decides).
    let (protocol, mut headers, path, body): (Protocol, Vec<(String, String)>, String, Vec<u8>) =
        match rng.below(5) {
            0 => {
                let target = *rng.pick(&[
                    "AmazonSQS.SendMessage",
                    "AmazonSQS.ReceiveMessage",
                    "AmazonSQS.SendMessageBatch",
                    "AmazonSQS.DeleteMessageBatch",
                    "AmazonSQS.CreateQueue",
                    "AmazonSQS.TagQueue",
                    "AmazonSQS.Nope",
                    "AmazonSQS",
                    ".",
                    "DynamoDB_20120810.GetItem",
                ]);
                let scope = *rng.pick(&["sqs", "dynamodb", "s3"]);
                let headers = vec![
                    ("x-amz-target".into(), target.into()),
                    ("content-type".into(), "application/x-amz-json-1.0".into()),
                    ("authorization".into(), auth(scope)),
                ];
                (Protocol::Json, headers, "/".into(), json_body(rng))
            }
            1 => {
                let scope = *rng.pick(&["sqs", "sts"]);
                let headers = vec![
                    ("authorization".into(), auth(scope)),
                    (
                        "content-type".into(),
                        "application/x-www-form-urlencoded".into(),
                    ),
                ];
                let path = rng
                    .pick(&["/", "/000000000000/nosuch", "/a/b/c/d"])
                    .to_string();
                (Protocol::Query, headers, path, form_body(rng))
            }
            2 => {
                let scope = *rng.pick(&["s3", "kinesis"]);
                let headers = vec![("authorization".into(), auth(scope))];
                let body = if rng.chance(50) {
                    xml_body(rng)
                } else {
                    random_body(rng)
                };
                // A service the emulator does not have answers in JSON (rest-json errors carry
                // `__type` too); S3 in its `<Error>` document.
                let protocol = if scope == "s3" {
                    Protocol::RestXml
                } else {
                    Protocol::Json
                };
                (protocol, headers, s3_paths(rng), body)
            }
            3 => {
                let headers = vec![(
                    "content-type".into(),
                    "application/x-www-form-urlencoded".into(),
                )];
                (
                    Protocol::QueryOrRestXml,
                    headers,
                    "/".into(),
                    form_body(rng),
                )
            }
            _ => {
                let auth = rng
                    .pick(&[
                        "AWS4-HMAC-SHA256 Credential=",
                        "AWS4-HMAC-SHA256 Credential=////",
                        "AWS :",
                        "Bearer x",
                    ])
                    .to_string();
                let headers = vec![("authorization".into(), auth)];
                let body = if rng.chance(50) {
                    xml_body(rng)
                } else {
                    random_body(rng)
                };
                (Protocol::QueryOrRestXml, headers, s3_paths(rng), body)
            }
        };
    if protocol == Protocol::QueryOrRestXml && method == "GET" && path == "/" {
        // GET / unsigned is ListBuckets, which is valid: make it POST.
        return generate(rng);
    }
    // Headers that are odd but still HTTP.
    if rng.chance(20) {
        let odd = rng.pick(&[
            ("content-encoding", "aws-chunked"),
            ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
            ("range", "bytes=99999999999999999999-"),
            ("content-md5", "not base64!"),
            ("x-amz-checksum-crc32", "AAAAAA=="),
            ("expect", "100-continue"),
            ("x-amz-decoded-content-length", "-1"),
            ("if-modified-since", "yesterday"),
            ("x-amz-copy-source", "/../../x"),
            ("host", "bucket.localhost:1"),
        ]);
        headers.push((odd.0.into(), odd.1.into()));
    }
    if rng.chance(3) {
        headers.push((
            "x-amz-meta-big".into(),
            "v".repeat(rng.below(60_000) as usize),
        ));
    }
    let mut expect = Expect::Api(protocol);
    if ["PROPFIND", "OPTIONS", "TRACE", "PATCH"].contains(&method.as_str())
        && protocol == Protocol::Json
    {
        // Still routed by the target header: a JSON error.
    }
    let mut half_close = false;
    let mut content_length = body.len().to_string();
    let mut extra_framing: Vec<u8> = Vec::new();
    let mut head_line = format!("{method} {path} HTTP/1.1\r\n");
    let mut sent_body = body.clone();
    match rng.below(20) {
        // Truncated body: promise more than is sent, then close the write side.
        0 | 1 => {
            content_length = (body.len() + 1 + rng.below(1000) as usize).to_string();
            half_close = true;
        }
        // A lying, smaller Content-Length: the rest is read as the next request.
        2 => {
            content_length = (body.len() / 2).to_string();
            sent_body = body.clone();
            expect = Expect::Framing;
            half_close = true;
        }
        // Absurd headers that break the HTTP layer.
        3 => {
            let absurd = match rng.below(7) {
                0 => format!("x-huge: {}\r\n", "h".repeat(1 << 20)),
                1 => (0..500).map(|i| format!("x-h{i}: v\r\n")).collect(),
                2 => "content-length: 5\r\n".into(),
                3 => "transfer-encoding: chunked\r\n".into(),
                4 => "bad header line without colon\r\n".into(),
                5 => "x-bin: \u{1}\r\n".into(),
                _ => "content-length: -1\r\n".into(),
            };
            extra_framing = absurd.into_bytes();
            expect = Expect::Framing;
            half_close = true;
        }
        // A declared body far over the limit: refused before it is read.
        4 => {
            content_length = "99999999999999".into();
            sent_body = Vec::new();
            half_close = true;
        }
        // Not HTTP at all, or a broken request line.
        5 => {
            let n = rng.below(2000) as usize;
            head_line = match rng.below(4) {
                0 => String::from_utf8_lossy(&rng.bytes(n)).into_owned() + "\r\n",
                1 => format!("{method} {path}\r\n"),
                2 => format!("{method} {path} HTTP/9.9\r\n"),
                _ => format!("{method}  {path} HTTP/1.1 extra\r\n"),
            };
            expect = Expect::Framing;
            half_close = true;
        }
        // Chunked transfer encoding with broken chunks.
        6 => {
            let mut raw = head_line.into_bytes();
            raw.extend_from_slice(b"host: 127.0.0.1\r\ntransfer-encoding: chunked\r\n");
            for (n, v) in &headers {
                raw.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
            }
            raw.extend_from_slice(b"\r\n");
            let chunks: [&[u8]; 4] = [
                b"zz\r\nabc\r\n0\r\n\r\n",
                b"ffffffffffffffffff\r\nabc",
                b"3\r\nabcdef\r\n0\r\n\r\n",
                b"5;ext=\x01\r\nabcde\r\n0\r\n\r\n",
            ];
            let chunk: &[u8] = chunks[rng.below(4) as usize];
            raw.extend_from_slice(chunk);
            return Generated {
                raw,
                method,
                expect: Expect::Framing,
                half_close: true,
            };
        }
        _ => {}
    }
    let mut raw = head_line.into_bytes();
    raw.extend_from_slice(
        format!("host: 127.0.0.1\r\ncontent-length: {content_length}\r\n").as_bytes(),
    );
    for (n, v) in &headers {
        raw.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
    }
    raw.extend_from_slice(&extra_framing);
    raw.extend_from_slice(b"\r\n");
    raw.extend_from_slice(&sent_body);
    Generated {
        raw,
        method,
        expect,
        half_close,
    }
}

/// Checks one answer; `Err` says what is wrong with it.
fn check_answer(g: &Generated, response: &Response) -> Result<(), String> {
    let request_id = response
        .header("x-amz-request-id")
        .or(response.header("x-amzn-requestid"));
    if request_id.is_none() {
        // Only the HTTP layer answers without a request id: a framing error.
        return match g.expect {
            Expect::Framing if (400..500).contains(&response.status) || response.status == 505 => {
                Ok(())
            }
            Expect::Api(_) if response.status == 400 && g.half_close => Ok(()),
            _ => Err(format!(
                "HTTP-layer answer {} to a request that should reach the emulator",
                response.status
            )),
        };
    }
    if response.status < 400 {
        return Err(format!("status {} to a malformed request", response.status));
    }
    if response.status >= 500 && response.status != 501 {
        return Err(format!(
            "server error {}: {}",
            response.status,
            response.text()
        ));
    }
    if g.method == "HEAD" {
        return Ok(());
    }
    let content_type = response.header("content-type").unwrap_or("");
    let text = response.text();
    let json_shape = || -> Result<(), String> {
        let v: Value = serde_json::from_slice(&response.body)
            .map_err(|e| format!("error body is not JSON ({e}): {text}"))?;
        match v.get("__type").and_then(Value::as_str) {
            Some(t) if t.contains('#') && v.get("message").is_some() => Ok(()),
            _ => Err(format!("JSON error without __type/message: {text}")),
        }
    };
    let query_shape = || {
        if content_type == "text/xml"
            && text.contains("<ErrorResponse")
            && text.contains("<Code>")
            && text.contains("<RequestId>")
        {
            Ok(())
        } else {
            Err(format!(
                "not a query ErrorResponse ({content_type}): {text}"
            ))
        }
    };
    let rest_shape = || {
        if content_type == "application/xml"
            && text.contains("<Error>")
            && text.contains("<Code>")
            && text.contains("<RequestId>")
        {
            Ok(())
        } else {
            Err(format!("not an S3 <Error> ({content_type}): {text}"))
        }
    };
    match g.expect {
        Expect::Api(Protocol::Json) => json_shape(),
        Expect::Api(Protocol::Query) => query_shape(),
        Expect::Api(Protocol::RestXml) => rest_shape(),
        // Framing errors whose first part still reached the emulator: any protocol's shape.
        _ => query_shape()
            .or_else(|_| rest_shape())
            .or_else(|_| json_shape()),
    }
}

/// Sends one generated request on its own connection; `Ok(None)` is a closed connection.
fn exchange(port: u16, g: &Generated) -> Result<Option<Response>, String> {
    let mut conn = Conn::open(port);
    if conn.send_raw(&g.raw).is_err() {
        // The server refused early (e.g. headers too large) and closed: read what it said.
    }
    if g.half_close {
        let _ = conn.stream().shutdown(Shutdown::Write);
    }
    match conn.read_response(g.method == "HEAD") {
        Ok(r) => Ok(Some(r)),
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset
            ) =>
        {
            Ok(None)
        }
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            Err(format!("unparseable answer: {e}"))
        }
        Err(e) => Err(format!("no answer: {e}")),
    }
}

fn still_serves(server: &Server, tag: &str) {
    let mut conn = server.connect();
    let bucket = format!("/alive-{tag}");
    assert_eq!(conn.request("PUT", &bucket, &[], b"").unwrap().status, 200);
    let key = format!("{bucket}/k");
    assert_eq!(
        conn.request("PUT", &key, &[], b"still here")
            .unwrap()
            .status,
        200
    );
    let got = conn.request("GET", &key, &[], b"").unwrap();
    assert_eq!(got.body, b"still here");
    let created = sqs(
        &mut conn,
        "CreateQueue",
        &json!({"QueueName": format!("alive-{tag}")}),
    );
    assert_eq!(created.status, 200, "{}", created.text());
    let url = created.json()["QueueUrl"].as_str().unwrap().to_string();
    assert_eq!(
        sqs(
            &mut conn,
            "SendMessage",
            &json!({"QueueUrl": url, "MessageBody": "m"})
        )
        .status,
        200
    );
    let got = sqs(&mut conn, "ReceiveMessage", &json!({"QueueUrl": url})).json();
    assert_eq!(got["Messages"][0]["Body"], "m");
}

/// Counts and the first failures of a batch of generated requests.
#[derive(Default)]
struct Tally {
    answered: AtomicU64,
    closed: AtomicU64,
    failures: Mutex<Vec<String>>,
}

/// Sends `total` generated requests from `threads` threads and checks every answer.
fn send_batch(port: u16, total: u64, threads: u64, seed: u64, tally: &Arc<Tally>) {
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let tally = tally.clone();
            std::thread::spawn(move || {
                let mut rng = Rng(seed + t * 7919);
                for i in 0..total / threads {
                    let state = rng.0;
                    let g = generate(&mut rng);
                    let sent = Instant::now();
                    let outcome = exchange(port, &g).and_then(|r| match r {
                        Some(r) => {
                            tally.answered.fetch_add(1, Ordering::Relaxed);
                            check_answer(&g, &r)
                        }
                        None if g.expect == Expect::Framing || g.half_close => {
                            tally.closed.fetch_add(1, Ordering::Relaxed);
                            Ok(())
                        }
                        None => Err("connection closed without an answer".into()),
                    });
                    let outcome = outcome.and_then(|()| match sent.elapsed() {
                        slow if slow > Duration::from_secs(5) => {
                            Err(format!("answered after {slow:?}"))
                        }
                        _ => Ok(()),
                    });
                    if let Err(e) = outcome {
                        let shown: String =
                            String::from_utf8_lossy(&g.raw).chars().take(300).collect();
                        let mut f = tally.failures.lock().unwrap();
                        if f.len() < 20 {
                            f.push(format!(
                                "thread {t} request {i} (rng state {state:#x}): {e}\n  request: {shown:?}"
                            ));
                        }
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn malformed_requests_get_error_answers_and_the_server_keeps_serving() {
    let total = env_number("AWSREDIRECT_EMU_REQUESTS", 3000);
    let threads = 4;
    let mut server = Server::start(&[]);
    let port = server.port;
    let tally = Arc::new(Tally::default());
    // Warm up (allocator arenas, buffers), then measure memory around the main batch.
    send_batch(
        port,
        (total / 10).max(threads),
        threads,
        0x9e37_79b9,
        &tally,
    );
    still_serves(&server, "warm");
    let rss_before = server.rss_kib();
    let started = Instant::now();
    send_batch(port, total, threads, 0x1234_5678, &tally);
    assert!(server.alive(), "the server died: {}", server.stderr());
    still_serves(&server, "after");
    let rss_after = server.rss_kib();
    eprintln!(
        "malformed: {} requests (+{} warm-up) in {:.1}s, {} answered, {} closed by the server; VmRSS {} KiB -> {} KiB",
        total / threads * threads,
        (total / 10).max(threads) / threads * threads,
        started.elapsed().as_secs_f64(),
        tally.answered.load(Ordering::Relaxed),
        tally.closed.load(Ordering::Relaxed),
        rss_before,
        rss_after
    );
    let failures = tally.failures.lock().unwrap();
    assert!(
        failures.is_empty(),
        "{} bad answers:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        rss_after < rss_before + 64 * 1024,
        "memory grew from {rss_before} KiB to {rss_after} KiB"
    );
}

// ---------------------------------------------------------------------------------------------
// Concurrency
// ---------------------------------------------------------------------------------------------

fn object_body(client: u64, n: u64) -> Vec<u8> {
    let len = ((client * 31 + n * 17) % 700) as usize;
    let mut body = format!("{client}/{n}:").into_bytes();
    body.extend((0..len).map(|i| b'a' + ((i as u64 + n) % 26) as u8));
    body
}

#[test]
fn concurrent_clients_see_no_errors_and_a_consistent_final_state() {
    let clients = env_number("AWSREDIRECT_EMU_CLIENTS", 64);
    let seconds = env_number("AWSREDIRECT_EMU_SECONDS", 5);
    let server = Server::start(&[]);
    let mut conn = server.connect();
    assert_eq!(conn.request("PUT", "/conc", &[], b"").unwrap().status, 200);
    let created = sqs(
        &mut conn,
        "CreateQueue",
        &json!({"QueueName": "conc", "Attributes": {"VisibilityTimeout": "600"}}),
    );
    let url = created.json()["QueueUrl"].as_str().unwrap().to_string();
    let port = server.port;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let errors = Arc::new(Mutex::new(Vec::<String>::new()));
    let received = Arc::new(Mutex::new(HashMap::<String, u32>::new()));
    let requests = Arc::new(AtomicU64::new(0));
    let handles: Vec<_> = (0..clients)
        .map(|c| {
            let (url, errors, received, requests) = (
                url.clone(),
                errors.clone(),
                received.clone(),
                requests.clone(),
            );
            std::thread::spawn(move || {
                let mut conn = Conn::open(port);
                let error = |what: String| {
                    let mut e = errors.lock().unwrap();
                    if e.len() < 20 {
                        e.push(what);
                    }
                };
                let (mut objects, mut sent) = (0u64, 0u64);
                while Instant::now() < deadline {
                    let key = format!("/conc/c{c}/{objects}");
                    let body = object_body(c, objects);
                    match conn.request("PUT", &key, &[], &body) {
                        Ok(r) if r.status == 200 => {}
                        other => error(format!("put {key}: {other:?}")),
                    }
                    match conn.request("GET", &key, &[], b"") {
                        Ok(r) if r.status == 200 && r.body == body => {}
                        other => error(format!("get {key}: {other:?}")),
                    }
                    objects += 1;
                    let message = format!("c{c}-m{sent}");
                    let r = sqs(
                        &mut conn,
                        "SendMessage",
                        &json!({"QueueUrl": url, "MessageBody": message}),
                    );
                    if r.status != 200 {
                        error(format!("send: {}", r.text()));
                    }
                    sent += 1;
                    let r = sqs(
                        &mut conn,
                        "ReceiveMessage",
                        &json!({"QueueUrl": url, "MaxNumberOfMessages": 10}),
                    );
                    if r.status != 200 {
                        error(format!("receive: {}", r.text()));
                        continue;
                    }
                    let messages = r.json()["Messages"].as_array().cloned().unwrap_or_default();
                    requests.fetch_add(4 + messages.len() as u64, Ordering::Relaxed);
                    for m in messages {
                        let body = m["Body"].as_str().unwrap().to_string();
                        *received.lock().unwrap().entry(body).or_default() += 1;
                        let r = sqs(
                            &mut conn,
                            "DeleteMessage",
                            &json!({"QueueUrl": url, "ReceiptHandle": m["ReceiptHandle"]}),
                        );
                        if r.status != 200 {
                            error(format!("delete: {}", r.text()));
                        }
                    }
                }
                (objects, sent)
            })
        })
        .collect();
    let counts: Vec<(u64, u64)> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    // Drain what is left, one client.
    loop {
        let r = sqs(
            &mut conn,
            "ReceiveMessage",
            &json!({"QueueUrl": url, "MaxNumberOfMessages": 10}),
        );
        let messages = r.json()["Messages"].as_array().cloned().unwrap_or_default();
        if messages.is_empty() {
            break;
        }
        for m in messages {
            *received
                .lock()
                .unwrap()
                .entry(m["Body"].as_str().unwrap().to_string())
                .or_default() += 1;
            assert_eq!(
                sqs(
                    &mut conn,
                    "DeleteMessage",
                    &json!({"QueueUrl": url, "ReceiptHandle": m["ReceiptHandle"]})
                )
                .status,
                200
            );
        }
    }
    let errors = errors.lock().unwrap();
    assert!(
        errors.is_empty(),
        "{} errors:\n{}",
        errors.len(),
        errors.join("\n")
    );
    // Every message received and deleted exactly once.
    let received = received.lock().unwrap();
    let expected: BTreeSet<String> = counts
        .iter()
        .enumerate()
        .flat_map(|(c, (_, sent))| (0..*sent).map(move |m| format!("c{c}-m{m}")))
        .collect();
    let got: BTreeSet<String> = received.keys().cloned().collect();
    assert_eq!(got, expected, "received set differs from sent set");
    let twice: Vec<_> = received.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "received more than once: {twice:?}");
    let attrs = sqs(
        &mut conn,
        "GetQueueAttributes",
        &json!({"QueueUrl": url, "AttributeNames": ["All"]}),
    )
    .json();
    assert_eq!(attrs["Attributes"]["ApproximateNumberOfMessages"], "0");
    assert_eq!(
        attrs["Attributes"]["ApproximateNumberOfMessagesNotVisible"],
        "0"
    );
    // The bucket holds exactly what was written.
    let mut listed = BTreeSet::new();
    let mut token: Option<String> = None;
    loop {
        let mut path = "/conc?list-type=2&max-keys=1000".to_string();
        if let Some(t) = &token {
            path.push_str(&format!(
                "&continuation-token={}",
                percent_encoding::utf8_percent_encode(t, percent_encoding::NON_ALPHANUMERIC)
            ));
        }
        let text = conn.request("GET", &path, &[], b"").unwrap().text();
        for part in text.split("<Key>").skip(1) {
            listed.insert(part.split("</Key>").next().unwrap().to_string());
        }
        token = text.split("<NextContinuationToken>").nth(1).map(|t| {
            t.split("</NextContinuationToken>")
                .next()
                .unwrap()
                .to_string()
        });
        if token.is_none() {
            break;
        }
    }
    let written: BTreeSet<String> = counts
        .iter()
        .enumerate()
        .flat_map(|(c, (objects, _))| (0..*objects).map(move |n| format!("c{c}/{n}")))
        .collect();
    assert_eq!(listed, written);
    for (c, (objects, _)) in counts.iter().enumerate() {
        for n in (0..*objects).step_by(7) {
            let got = conn
                .request("GET", &format!("/conc/c{c}/{n}"), &[], b"")
                .unwrap();
            assert_eq!(got.body, object_body(c as u64, n));
        }
    }
    let total_objects: u64 = counts.iter().map(|c| c.0).sum();
    let total_messages: u64 = counts.iter().map(|c| c.1).sum();
    eprintln!(
        "concurrency: {clients} clients for {seconds}s: {} requests, {total_objects} objects, {total_messages} messages, 0 errors",
        requests.load(Ordering::Relaxed)
    );
}

// ---------------------------------------------------------------------------------------------
// Durability
// ---------------------------------------------------------------------------------------------

/// What the writers know was acknowledged, and what may or may not have happened.
#[derive(Default)]
struct Ledger {
    /// key -> body of every acknowledged put not acknowledged-deleted since.
    objects: BTreeMap<String, Vec<u8>>,
    /// Keys whose delete was acknowledged.
    deleted: BTreeSet<String>,
    /// Keys whose put or delete was in flight at the kill.
    uncertain: BTreeSet<String>,
    /// Bodies of acknowledged sends not acknowledged-deleted.
    messages: BTreeSet<String>,
    /// Bodies whose delete was acknowledged.
    messages_deleted: BTreeSet<String>,
    /// Sends and deletes in flight at the kill (two sets: the sender and the receiver race).
    uncertain_sends: BTreeSet<String>,
    uncertain_deletes: BTreeSet<String>,
}

fn verify_round(server: &Server, ledger: &Ledger, round: u64) {
    let mut conn = server.connect();
    for (key, body) in &ledger.objects {
        if ledger.uncertain.contains(key) {
            continue;
        }
        let got = conn
            .request("GET", &format!("/dur/{key}"), &[], b"")
            .unwrap();
        assert_eq!(
            got.status, 200,
            "round {round}: acknowledged object {key} is missing"
        );
        assert_eq!(&got.body, body, "round {round}: object {key} differs");
    }
    for key in &ledger.deleted {
        if ledger.uncertain.contains(key) {
            continue;
        }
        let got = conn
            .request("HEAD", &format!("/dur/{key}"), &[], b"")
            .unwrap();
        assert_eq!(
            got.status, 404,
            "round {round}: deleted object {key} came back"
        );
    }
    let url = sqs(&mut conn, "GetQueueUrl", &json!({"QueueName": "dur"})).json()["QueueUrl"]
        .as_str()
        .unwrap()
        .to_string();
    // Receive everything (hidden for the rest of this run; a restart makes it visible again,
    // as delivery state is not journaled).
    let mut present = BTreeSet::new();
    loop {
        let r = sqs(
            &mut conn,
            "ReceiveMessage",
            &json!({"QueueUrl": url, "MaxNumberOfMessages": 10, "VisibilityTimeout": 3600}),
        );
        let messages = r.json()["Messages"].as_array().cloned().unwrap_or_default();
        if messages.is_empty() {
            break;
        }
        for m in &messages {
            assert!(
                present.insert(m["Body"].as_str().unwrap().to_string()),
                "round {round}: message received twice"
            );
        }
    }
    let uncertain = |body: &String| {
        ledger.uncertain_sends.contains(body) || ledger.uncertain_deletes.contains(body)
    };
    for body in &ledger.messages {
        if !uncertain(body) {
            assert!(
                present.contains(body),
                "round {round}: acknowledged message {body} is missing"
            );
        }
    }
    for body in &ledger.messages_deleted {
        if !uncertain(body) {
            assert!(
                !present.contains(body),
                "round {round}: deleted message {body} came back"
            );
        }
    }
}

#[test]
fn acknowledged_writes_survive_kill_9_during_writes() {
    let rounds = env_number("AWSREDIRECT_EMU_ROUNDS", 5);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().to_str().unwrap().to_string();
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let mut rng = Rng(0xdead_beef);
    {
        let server = Server::start(&["--state-dir", &state]);
        let mut conn = server.connect();
        assert_eq!(conn.request("PUT", "/dur", &[], b"").unwrap().status, 200);
        assert_eq!(
            sqs(&mut conn, "CreateQueue", &json!({"QueueName": "dur"})).status,
            200
        );
    }
    for round in 0..rounds {
        let mut server = Server::try_start(&["--state-dir", &state])
            .unwrap_or_else(|e| panic!("round {round}: restart failed: {e}"));
        verify_round(&server, &ledger.lock().unwrap(), round);
        let port = server.port;
        let url = {
            let mut conn = server.connect();
            sqs(&mut conn, "GetQueueUrl", &json!({"QueueName": "dur"})).json()["QueueUrl"]
                .as_str()
                .unwrap()
                .to_string()
        };
        let writers: Vec<_> = (0..4u64)
            .map(|w| {
                let ledger = ledger.clone();
                let url = url.clone();
                std::thread::spawn(move || {
                    let Ok(mut conn) = Conn::try_open(port) else { return };
                    let mut n = 0u64;
                    loop {
                        let key = format!("r{round}w{w}n{n}");
                        let body = object_body(w, n + round * 100_000);
                        match w {
                            0 | 1 => {
                                // Put, then delete every third key.
                                ledger.lock().unwrap().uncertain.insert(key.clone());
                                let Ok(r) = conn.request("PUT", &format!("/dur/{key}"), &[], &body) else { return };
                                assert_eq!(r.status, 200);
                                let mut l = ledger.lock().unwrap();
                                l.uncertain.remove(&key);
                                l.objects.insert(key.clone(), body);
                                drop(l);
                                if n % 3 == 0 {
                                    ledger.lock().unwrap().uncertain.insert(key.clone());
                                    let Ok(r) = conn.request("DELETE", &format!("/dur/{key}"), &[], b"") else { return };
                                    assert_eq!(r.status, 204);
                                    let mut l = ledger.lock().unwrap();
                                    l.uncertain.remove(&key);
                                    l.objects.remove(&key);
                                    l.deleted.insert(key);
                                }
                            }
                            2 => {
                                ledger.lock().unwrap().uncertain_sends.insert(key.clone());
                                let Ok(r) = conn.request("POST", "/", &[("x-amz-target", "AmazonSQS.SendMessage"), ("content-type", "application/x-amz-json-1.0"), ("authorization", &auth("sqs"))], json!({"QueueUrl": url, "MessageBody": key}).to_string().as_bytes()) else { return };
                                assert_eq!(r.status, 200);
                                let mut l = ledger.lock().unwrap();
                                l.uncertain_sends.remove(&key);
                                // The receiver may have received and deleted it already.
                                if !l.messages_deleted.contains(&key) {
                                    l.messages.insert(key);
                                }
                            }
                            _ => {
                                let Ok(r) = conn.request("POST", "/", &[("x-amz-target", "AmazonSQS.ReceiveMessage"), ("content-type", "application/x-amz-json-1.0"), ("authorization", &auth("sqs"))], json!({"QueueUrl": url, "MaxNumberOfMessages": 10, "VisibilityTimeout": 600}).to_string().as_bytes()) else { return };
                                if r.status != 200 || r.body.is_empty() {
                                    return;
                                }
                                for m in r.json()["Messages"].as_array().cloned().unwrap_or_default() {
                                    let body = m["Body"].as_str().unwrap().to_string();
                                    ledger.lock().unwrap().uncertain_deletes.insert(body.clone());
                                    let Ok(r) = conn.request("POST", "/", &[("x-amz-target", "AmazonSQS.DeleteMessage"), ("content-type", "application/x-amz-json-1.0"), ("authorization", &auth("sqs"))], json!({"QueueUrl": url, "ReceiptHandle": m["ReceiptHandle"]}).to_string().as_bytes()) else { return };
                                    assert_eq!(r.status, 200);
                                    let mut l = ledger.lock().unwrap();
                                    l.uncertain_deletes.remove(&body);
                                    l.messages.remove(&body);
                                    l.messages_deleted.insert(body);
                                }
                            }
                        }
                        n += 1;
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(50 + rng.below(400)));
        server.kill9();
        for w in writers {
            w.join().unwrap();
        }
        // A request cut off by the kill (no answer read) stays uncertain, by construction.
    }
    let server = Server::start(&["--state-dir", &state]);
    let l = ledger.lock().unwrap();
    verify_round(&server, &l, rounds);
    eprintln!(
        "durability: {rounds} kill -9 rounds; {} objects and {} deletes, {} messages and {} message deletes acknowledged, all present after restart",
        l.objects.len(),
        l.deleted.len(),
        l.messages.len(),
        l.messages_deleted.len()
    );
}

// ---------------------------------------------------------------------------------------------
// Safety
// ---------------------------------------------------------------------------------------------

#[test]
fn stalled_clients_neither_block_others_nor_hold_connections() {
    let server = Server::start(&["--header-read-timeout", "1", "--max-connections", "3"]);
    let health = |conn: &mut Conn| {
        let started = Instant::now();
        let r = conn
            .request("GET", "/_awsredirect/health", &[], b"")
            .unwrap();
        assert_eq!(r.status, 200, "{}", r.text());
        started.elapsed()
    };
    // Half a request line, then nothing: another client is served at once meanwhile.
    let mut stalled = server.connect();
    stalled.send_raw(b"GET /_awsredirect/hea").unwrap();
    let waited = health(&mut server.connect());
    assert!(
        waited < Duration::from_millis(800),
        "blocked for {waited:?}"
    );
    // The server closes the stalled connection once the header read timeout passes.
    let started = Instant::now();
    let mut buf = [0u8; 256];
    let closed = match std::io::Read::read(stalled.stream(), &mut buf) {
        Ok(n) => n == 0 || String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 408"),
        Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
    };
    let waited = started.elapsed();
    assert!(
        closed,
        "the stalled connection got an answer instead of being closed"
    );
    assert!(
        waited < Duration::from_secs(5),
        "closed only after {waited:?}"
    );
    // With every connection slot held by stalled clients, a new one waits in the backlog, and is
    // served as soon as the timeout frees a slot.
    let _stalls: Vec<Conn> = (0..3)
        .map(|_| {
            let mut conn = server.connect();
            conn.send_raw(b"PUT /bucket HTTP/1.1\r\nhost: x\r\n")
                .unwrap();
            conn
        })
        .collect();
    std::thread::sleep(Duration::from_millis(100));
    let waited = health(&mut server.connect());
    assert!(
        waited >= Duration::from_millis(500),
        "served after {waited:?}, while three stalled clients held the three slots"
    );
    assert!(waited < Duration::from_secs(5), "waited {waited:?}");
}

#[test]
fn s3_keys_with_dot_dot_never_escape_the_state_directory() {
    let parent = tempfile::tempdir().unwrap();
    let state_dir = parent.path().join("state");
    let state = state_dir.to_str().unwrap().to_string();
    let keys = [
        "../escape",
        "../../escape",
        "a/../../../escape",
        "..%2F..%2Fescape-encoded",
        "%2E%2E/%2E%2E/escape-dots",
        "/absolute/escape",
        "..\\..\\escape",
        "./././../escape",
    ];
    {
        let server = Server::start(&["--state-dir", &state]);
        let mut conn = server.connect();
        assert_eq!(conn.request("PUT", "/safe", &[], b"").unwrap().status, 200);
        for (i, key) in keys.iter().enumerate() {
            let body = format!("body {i}");
            let r = conn
                .request("PUT", &format!("/safe/{key}"), &[], body.as_bytes())
                .unwrap();
            assert_eq!(r.status, 200, "{key}: {}", r.text());
            let got = conn
                .request("GET", &format!("/safe/{key}"), &[], b"")
                .unwrap();
            assert_eq!(got.body, body.as_bytes(), "{key}");
        }
        // A multipart upload to such a key too.
        let r = conn
            .request("POST", "/safe/../../mp-escape?uploads", &[], b"")
            .unwrap();
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let outside: Vec<_> = files_under(parent.path())
        .into_iter()
        .filter(|p| !p.starts_with(&state_dir))
        .collect();
    assert!(
        outside.is_empty(),
        "files outside the state directory: {outside:?}"
    );
    let inside: Vec<String> = files_under(&state_dir)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        inside,
        ["journal.arj"],
        "the state directory holds only the journal"
    );
    // And they come back after a restart, under the same keys.
    let server = Server::start(&["--state-dir", &state]);
    let mut conn = server.connect();
    for (i, key) in keys.iter().enumerate() {
        let got = conn
            .request("GET", &format!("/safe/{key}"), &[], b"")
            .unwrap();
        assert_eq!(got.body, format!("body {i}").as_bytes(), "{key}");
    }
}

#[test]
fn request_size_limits_hold() {
    let server = Server::start(&["--max-body-bytes", "100000"]);
    let mut conn = server.connect();
    assert_eq!(
        conn.request("PUT", "/limits", &[], b"").unwrap().status,
        200
    );
    // Declared too large: refused before the body is read.
    let mut c = server.connect();
    c.send_raw(b"PUT /limits/big HTTP/1.1\r\nhost: x\r\ncontent-length: 100000000000\r\n\r\n")
        .unwrap();
    let r = c.read_response(false).unwrap();
    assert_eq!(r.status, 413);
    assert!(r.text().contains("RequestEntityTooLarge"));
    // Actually too large, declared or chunked.
    let r = conn
        .request("PUT", "/limits/big", &[], &vec![b'x'; 100_001])
        .unwrap();
    assert_eq!(r.status, 413);
    let mut c = server.connect();
    let mut raw =
        b"PUT /limits/chunked HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..20 {
        raw.extend_from_slice(b"2710\r\n");
        raw.extend(std::iter::repeat_n(b'y', 10_000));
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"0\r\n\r\n");
    let _ = c.send_raw(&raw);
    let r = c.read_response(false).unwrap();
    assert_eq!(r.status, 413);
    // SQS over JSON and query: the same limit.
    let r = sqs(
        &mut conn,
        "SendMessage",
        &json!({"QueueUrl": "x", "MessageBody": "z".repeat(200_000)}),
    );
    assert_eq!(r.status, 413);
    assert!(r.json()["__type"]
        .as_str()
        .unwrap()
        .contains("RequestEntityTooLarge"));
    // At the limit is fine.
    let r = conn
        .request("PUT", "/limits/ok", &[], &vec![b'x'; 100_000])
        .unwrap();
    assert_eq!(r.status, 200);
    // Headers: hyper's limits answer 431 and keep serving.
    let mut c = server.connect();
    let _ = c.send_raw(
        format!(
            "GET /limits HTTP/1.1\r\nhost: x\r\nx-big: {}\r\n\r\n",
            "h".repeat(2 << 20)
        )
        .as_bytes(),
    );
    if let Ok(r) = c.read_response(false) {
        assert!((400..500).contains(&r.status));
    }
    assert_eq!(
        conn.request("GET", "/limits/ok", &[], b"")
            .unwrap()
            .body
            .len(),
        100_000
    );
}

#[test]
fn no_single_request_grows_a_structure_without_bound() {
    let mut server = Server::start(&[]);
    let mut conn = server.connect();
    let url = sqs(&mut conn, "CreateQueue", &json!({"QueueName": "bounded"})).json()["QueueUrl"]
        .as_str()
        .unwrap()
        .to_string();
    let query_error = |r: &Response, code: &str| {
        assert!(
            r.status == 400 && r.text().contains(code),
            "{} {}",
            r.status,
            r.text()
        );
    };
    // MaxNumberOfMessages far over 10.
    let r = sqs(
        &mut conn,
        "ReceiveMessage",
        &json!({"QueueUrl": url, "MaxNumberOfMessages": 1_000_000_000}),
    );
    assert_eq!(r.status, 400);
    // Thousands of batch entries.
    let entries: Vec<Value> = (0..5000)
        .map(|i| json!({"Id": format!("m{i}"), "MessageBody": "x"}))
        .collect();
    let r = sqs(
        &mut conn,
        "SendMessageBatch",
        &json!({"QueueUrl": url, "Entries": entries}),
    );
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(
        r.text().contains("TooManyEntriesInBatchRequest"),
        "{}",
        r.text()
    );
    let entries: Vec<Value> = (0..5000)
        .map(|i| json!({"Id": format!("m{i}"), "ReceiptHandle": "x"}))
        .collect();
    assert_eq!(
        sqs(
            &mut conn,
            "DeleteMessageBatch",
            &json!({"QueueUrl": url, "Entries": entries})
        )
        .status,
        400
    );
    // Thousands of tags in one request, and one at a time past SQS's 50.
    let tags: serde_json::Map<String, Value> =
        (0..10_000).map(|i| (format!("t{i}"), json!("v"))).collect();
    let r = sqs(
        &mut conn,
        "TagQueue",
        &json!({"QueueUrl": url, "Tags": tags}),
    );
    assert_eq!(r.status, 400, "{}", r.text());
    let r = sqs(
        &mut conn,
        "CreateQueue",
        &json!({"QueueName": "tagged", "tags": tags}),
    );
    assert_eq!(r.status, 400, "{}", r.text());
    for i in 0..50 {
        assert_eq!(
            sqs(
                &mut conn,
                "TagQueue",
                &json!({"QueueUrl": url, "Tags": {format!("k{i}"): "v"}})
            )
            .status,
            200
        );
    }
    assert_eq!(
        sqs(
            &mut conn,
            "TagQueue",
            &json!({"QueueUrl": url, "Tags": {"one-more": "v"}})
        )
        .status,
        400
    );
    // Message attributes over 10.
    let attrs: serde_json::Map<String, Value> = (0..1000)
        .map(|i| {
            (
                format!("a{i}"),
                json!({"DataType": "String", "StringValue": "v"}),
            )
        })
        .collect();
    assert_eq!(
        sqs(
            &mut conn,
            "SendMessage",
            &json!({"QueueUrl": url, "MessageBody": "x", "MessageAttributes": attrs})
        )
        .status,
        400
    );
    // S3: thousands of keys in one Delete, giant delimiters and prefixes, max-keys far over 1000.
    assert_eq!(
        conn.request("PUT", "/bounded", &[], b"").unwrap().status,
        200
    );
    for i in 0..20 {
        conn.request("PUT", &format!("/bounded/d{i}/k"), &[], b"x")
            .unwrap();
    }
    let objects = "<Object><Key>k</Key></Object>".repeat(5000);
    let r = conn
        .request(
            "POST",
            "/bounded?delete",
            &[],
            format!("<Delete>{objects}</Delete>").as_bytes(),
        )
        .unwrap();
    assert_eq!(r.status, 400, "{}", r.text());
    let delimiter = "/".repeat(30_000);
    let r = conn
        .request(
            "GET",
            &format!("/bounded?list-type=2&delimiter={delimiter}&prefix={delimiter}"),
            &[],
            b"",
        )
        .unwrap();
    assert_eq!(r.status, 200);
    let r = conn
        .request(
            "GET",
            "/bounded?list-type=2&max-keys=99999999999&delimiter=/",
            &[],
            b"",
        )
        .unwrap();
    assert!(r.text().contains("<MaxKeys>1000</MaxKeys>"), "{}", r.text());
    let r = conn
        .request(
            "GET",
            "/bounded?list-type=2&max-keys=1&delimiter=/",
            &[],
            b"",
        )
        .unwrap();
    assert_eq!(r.text().matches("<CommonPrefixes>").count(), 1);
    // Part numbers over 10000.
    let r = conn
        .request("POST", "/bounded/mp?uploads", &[], b"")
        .unwrap();
    let upload = r
        .text()
        .split("<UploadId>")
        .nth(1)
        .unwrap()
        .split("</UploadId>")
        .next()
        .unwrap()
        .to_string();
    let r = conn
        .request(
            "PUT",
            &format!("/bounded/mp?uploadId={upload}&partNumber=10001"),
            &[],
            b"p",
        )
        .unwrap();
    assert_eq!(r.status, 400);
    // Deep nesting: refused with an error, not a stack overflow (found by the malformed test).
    let deep_form = format!("Action=SendMessage&{}b=1", "a.".repeat(200_000));
    let r = conn
        .request(
            "POST",
            "/",
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("authorization", &auth("sqs")),
            ],
            deep_form.as_bytes(),
        )
        .unwrap();
    query_error(&r, "MalformedQueryString");
    let deep_query = format!("/?Action=SendMessage&{}b=1", "a.".repeat(32_000));
    let r = conn
        .request("POST", &deep_query, &[("authorization", &auth("sqs"))], b"")
        .unwrap();
    query_error(&r, "MalformedQueryString");
    let deep_xml = [
        b"<Delete>".to_vec(),
        nested("<a>", "</a>", 200_000),
        b"</Delete>".to_vec(),
    ]
    .concat();
    let r = conn
        .request("POST", "/bounded?delete", &[], &deep_xml)
        .unwrap();
    assert!(
        r.status == 400 && r.text().contains("MalformedXML"),
        "{} {}",
        r.status,
        r.text()
    );
    let deep_json = nested("[", "]", 200_000);
    assert_eq!(sqs_raw(&mut conn, "SendMessage", &deep_json).status, 400);
    assert!(server.alive(), "{}", server.stderr());
}

fn sqs_raw(conn: &mut Conn, operation: &str, body: &[u8]) -> Response {
    let target = format!("AmazonSQS.{operation}");
    conn.request(
        "POST",
        "/",
        &[
            ("x-amz-target", &target),
            ("content-type", "application/x-amz-json-1.0"),
            ("authorization", &auth("sqs")),
        ],
        body,
    )
    .unwrap()
}
