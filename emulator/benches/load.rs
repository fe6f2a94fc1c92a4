//! Concurrent HTTP load generator for the emulator benchmark: keeps N keep-alive connections
//! busy with S3 PutObject / GetObject, SQS send+receive+delete or SendMessage alone, or DynamoDB
//! PutItem / GetItem / Query against one server (ours or moto) for a fixed time, and prints one
//! JSON line of results. Run by `scripts/bench-emulator`.
//!
//! Usage: `load --url http://127.0.0.1:PORT --op s3-put|s3-get|sqs|sqs-send|ddb-put|ddb-get|ddb-query [--connections N]
//! [--seconds S] [--bucket B] [--queue-url URL]`. Without arguments it prints usage and exits 0
//! (so `cargo test --all-targets` can run it).
// A command-line tool whose output is its result.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const S3_AUTH: &str = "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0";
const SQS_AUTH: &str = "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0";
const DDB_AUTH: &str = "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0";
/// The table `bench.py` creates: key `pk` (S) + `sk` (N), partition `p0` seeded with items.
const DDB_TABLE: &str = "bench";

#[derive(Clone)]
struct Options {
    host: String,
    op: String,
    connections: usize,
    seconds: u64,
    bucket: String,
    queue_url: String,
}

fn parse_args() -> Option<Options> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let url = get("--url")?;
    Some(Options {
        host: url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string(),
        op: get("--op")?,
        connections: get("--connections")
            .and_then(|v| v.parse().ok())
            .unwrap_or(16),
        seconds: get("--seconds").and_then(|v| v.parse().ok()).unwrap_or(5),
        bucket: get("--bucket").unwrap_or_else(|| "bench".to_string()),
        queue_url: get("--queue-url").unwrap_or_default(),
    })
}

/// One keep-alive connection that reconnects when the server closes it (moto's HTTP/1.0).
struct Conn {
    host: String,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
}

impl Conn {
    async fn request(&mut self, head: &str, body: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
        if self.stream.is_none() {
            let stream = TcpStream::connect(&self.host).await?;
            stream.set_nodelay(true)?;
            self.stream = Some(stream);
            self.buf.clear();
        }
        let mut message = head.as_bytes().to_vec();
        message.extend_from_slice(body);
        let result = self.exchange(&message).await;
        if result.is_err() {
            self.stream = None;
        }
        result
    }

    async fn exchange(&mut self, message: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
        let stream = self.stream.as_mut().expect("connected");
        stream.write_all(message).await?;
        let header_end = loop {
            if let Some(pos) = find(&self.buf, b"\r\n\r\n") {
                break pos + 4;
            }
            read_more(stream, &mut self.buf).await?;
        };
        let head = String::from_utf8_lossy(&self.buf[..header_end]).to_ascii_lowercase();
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let length = header_value(&head, "content-length").and_then(|v| v.parse::<usize>().ok());
        let close = head.starts_with("http/1.0")
            || header_value(&head, "connection").is_some_and(|v| v.contains("close"));
        let body = match length {
            Some(n) => {
                while self.buf.len() < header_end + n {
                    read_more(stream, &mut self.buf).await?;
                }
                let body = self.buf[header_end..header_end + n].to_vec();
                self.buf.drain(..header_end + n);
                body
            }
            None => {
                while read_more(stream, &mut self.buf).await.is_ok() {}
                let body = self.buf[header_end..].to_vec();
                self.buf.clear();
                self.stream = None;
                return Ok((status, body));
            }
        };
        if close {
            self.stream = None;
        }
        Ok((status, body))
    }
}

async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<()> {
    let mut chunk = [0u8; 16384];
    let n = stream.read(&mut chunk).await?;
    if n == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    buf.extend_from_slice(&chunk[..n]);
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn header_value<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
        .map(str::trim)
}

fn s3_head(opts: &Options, method: &str, key: &str, length: usize) -> String {
    format!(
        "{method} /{}/{key} HTTP/1.1\r\nHost: {}\r\nAuthorization: {S3_AUTH}\r\nx-amz-date: 20240101T000000Z\r\nx-amz-content-sha256: UNSIGNED-PAYLOAD\r\nContent-Length: {length}\r\n\r\n",
        opts.bucket, opts.host
    )
}

fn sqs_head(opts: &Options, operation: &str, length: usize) -> String {
    format!(
        "POST / HTTP/1.1\r\nHost: {}\r\nAuthorization: {SQS_AUTH}\r\nx-amz-date: 20240101T000000Z\r\nX-Amz-Target: AmazonSQS.{operation}\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: {length}\r\n\r\n",
        opts.host
    )
}

fn ddb_head(opts: &Options, operation: &str, length: usize) -> String {
    format!(
        "POST / HTTP/1.1\r\nHost: {}\r\nAuthorization: {DDB_AUTH}\r\nx-amz-date: 20240101T000000Z\r\nX-Amz-Target: DynamoDB_20120810.{operation}\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: {length}\r\n\r\n",
        opts.host
    )
}

/// One DynamoDB request of the benchmark: PutItem, GetItem or Query.
async fn ddb_request(
    conn: &mut Conn,
    opts: &Options,
    worker: usize,
    n: u64,
) -> std::io::Result<u32> {
    let (operation, body) = match opts.op.as_str() {
        "ddb-put" => (
            "PutItem",
            serde_json::json!({"TableName": DDB_TABLE, "Item": {
                "pk": {"S": format!("w{worker}")}, "sk": {"N": (n % 64).to_string()},
                "payload": {"S": "x".repeat(256)}, "count": {"N": n.to_string()},
            }}),
        ),
        "ddb-get" => (
            "GetItem",
            serde_json::json!({"TableName": DDB_TABLE, "Key": {
                "pk": {"S": "p0"}, "sk": {"N": (n % 20).to_string()},
            }}),
        ),
        _ => (
            "Query",
            serde_json::json!({"TableName": DDB_TABLE,
                "KeyConditionExpression": "pk = :p AND sk BETWEEN :a AND :b",
                "ExpressionAttributeValues": {":p": {"S": "p0"}, ":a": {"N": "0"}, ":b": {"N": "9"}},
            }),
        ),
    };
    let body = body.to_string();
    expect_ok(
        conn.request(&ddb_head(opts, operation, body.len()), body.as_bytes())
            .await?,
    )?;
    Ok(1)
}

/// One unit of work; returns the number of HTTP requests it made.
async fn iteration(conn: &mut Conn, opts: &Options, worker: usize, n: u64) -> std::io::Result<u32> {
    let payload = [b'x'; 1024];
    match opts.op.as_str() {
        "s3-put" => {
            let key = format!("load-{worker}-{}", n % 64);
            expect_ok(
                conn.request(&s3_head(opts, "PUT", &key, 1024), &payload)
                    .await?,
            )?;
            Ok(1)
        }
        "s3-get" => {
            expect_ok(conn.request(&s3_head(opts, "GET", "fixed", 0), b"").await?)?;
            Ok(1)
        }
        "ddb-put" | "ddb-get" | "ddb-query" => ddb_request(conn, opts, worker, n).await,
        "sqs-send" => sqs_send(conn, opts).await,
        _ => sqs_round(conn, opts).await,
    }
}

async fn sqs_send(conn: &mut Conn, opts: &Options) -> std::io::Result<u32> {
    let send =
        serde_json::json!({"QueueUrl": opts.queue_url, "MessageBody": "x".repeat(256)}).to_string();
    expect_ok(
        conn.request(&sqs_head(opts, "SendMessage", send.len()), send.as_bytes())
            .await?,
    )?;
    Ok(1)
}

async fn sqs_round(conn: &mut Conn, opts: &Options) -> std::io::Result<u32> {
    let send =
        serde_json::json!({"QueueUrl": opts.queue_url, "MessageBody": "x".repeat(256)}).to_string();
    expect_ok(
        conn.request(&sqs_head(opts, "SendMessage", send.len()), send.as_bytes())
            .await?,
    )?;
    let receive =
        serde_json::json!({"QueueUrl": opts.queue_url, "MaxNumberOfMessages": 1}).to_string();
    let (status, body) = conn
        .request(
            &sqs_head(opts, "ReceiveMessage", receive.len()),
            receive.as_bytes(),
        )
        .await?;
    expect_ok((status, Vec::new()))?;
    let parsed: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let Some(handle) = parsed["Messages"][0]["ReceiptHandle"].as_str() else {
        return Ok(2);
    };
    let delete =
        serde_json::json!({"QueueUrl": opts.queue_url, "ReceiptHandle": handle}).to_string();
    expect_ok(
        conn.request(
            &sqs_head(opts, "DeleteMessage", delete.len()),
            delete.as_bytes(),
        )
        .await?,
    )?;
    Ok(3)
}

fn expect_ok((status, _): (u16, Vec<u8>)) -> std::io::Result<()> {
    if status == 200 {
        Ok(())
    } else {
        Err(std::io::Error::other(format!("status {status}")))
    }
}

/// Runs one worker until the deadline: (iterations, requests, errors, latencies in µs).
async fn worker(opts: Options, index: usize, deadline: Instant) -> (u64, u64, u64, Vec<u32>) {
    let mut conn = Conn {
        host: opts.host.clone(),
        stream: None,
        buf: Vec::new(),
    };
    let (mut iterations, mut requests, mut errors) = (0u64, 0u64, 0u64);
    let mut latencies = Vec::new();
    while Instant::now() < deadline {
        let started = Instant::now();
        match iteration(&mut conn, &opts, index, iterations).await {
            Ok(n) => {
                iterations += 1;
                requests += u64::from(n);
                latencies.push(started.elapsed().as_micros() as u32);
            }
            Err(_) => {
                errors += 1;
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
    }
    (iterations, requests, errors, latencies)
}

fn main() {
    let Some(opts) = parse_args() else {
        println!("usage: load --url http://127.0.0.1:PORT --op s3-put|s3-get|sqs|sqs-send|ddb-put|ddb-get|ddb-query [--connections N] [--seconds S] [--bucket B] [--queue-url URL]");
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let started = Instant::now();
    let deadline = started + Duration::from_secs(opts.seconds);
    let results = runtime.block_on(async {
        let handles: Vec<_> = (0..opts.connections)
            .map(|i| tokio::spawn(worker(opts.clone(), i, deadline)))
            .collect();
        let mut results = Vec::new();
        for handle in handles {
            results.push(handle.await.expect("worker"));
        }
        results
    });
    let elapsed = started.elapsed().as_secs_f64();
    let iterations: u64 = results.iter().map(|r| r.0).sum();
    let requests: u64 = results.iter().map(|r| r.1).sum();
    let errors: u64 = results.iter().map(|r| r.2).sum();
    let mut latencies: Vec<u32> = results.into_iter().flat_map(|r| r.3).collect();
    latencies.sort_unstable();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |us| f64::from(*us) / 1000.0)
    };
    let report = serde_json::json!({
        "op": opts.op,
        "connections": opts.connections,
        "seconds": elapsed,
        "iterations": iterations,
        "requests": requests,
        "errors": errors,
        "iterations_per_second": iterations as f64 / elapsed,
        "requests_per_second": requests as f64 / elapsed,
        "p50_ms": pct(0.5),
        "p99_ms": pct(0.99),
    });
    println!("{report}");
}
