//! Shared helpers for the emulator's tests: start a server in its own process, a minimal
//! HTTP/1.1 client over raw TCP (so requests can be as malformed as wanted), and a seeded RNG.
//!
//! The server is `awsredirect serve --port 0` where the `awsredirect` binary is built with the
//! tests (the root crate's tests include this file), and otherwise this very test binary run
//! again as [`serve_as_child`], so the emulator crate tests alone and a crash or `kill -9` of the
//! server never takes the test process with it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A number from the environment, or `default`.
pub fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A deterministic xorshift generator.
#[derive(Clone)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// One running `awsredirect serve --port 0`; killed when dropped.
pub struct Server {
    pub child: Child,
    pub port: u16,
    pub stderr_path: PathBuf,
    _stderr_dir: tempfile::TempDir,
}

impl Server {
    pub fn start(extra: &[&str]) -> Server {
        Self::try_start(extra).unwrap_or_else(|e| panic!("serve did not start: {e}"))
    }

    /// Starts the server; `Err` carries its stderr when it exits instead of listening.
    pub fn try_start(extra: &[&str]) -> Result<Server, String> {
        let dir = tempfile::tempdir().unwrap();
        let stderr_path = dir.path().join("stderr");
        let stderr = std::fs::File::create(&stderr_path).unwrap();
        let mut child = server_command(extra)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let Some(port) = read_ready_port(child.stdout.take().unwrap()) else {
            let _ = child.wait();
            return Err(std::fs::read_to_string(&stderr_path).unwrap_or_default());
        };
        Ok(Server {
            child,
            port,
            stderr_path,
            _stderr_dir: dir,
        })
    }

    pub fn connect(&self) -> Conn {
        Conn::open(self.port)
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// Resident memory of the server process, in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap()
    }

    pub fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `awsredirect serve --port 0 EXTRA`, or this test binary running [`serve_as_child`].
fn server_command(extra: &[&str]) -> Command {
    if let Some(binary) = option_env!("CARGO_BIN_EXE_awsredirect") {
        let mut command = Command::new(binary);
        command.args(["serve", "--port", "0"]).args(extra);
        return command;
    }
    let module = module_path!().split_once("::").map_or("", |(_, m)| m);
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", &format!("{module}::serve_as_child")])
        .args(["--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD_ARGS, extra.join("\u{1f}"));
    command
}

/// The port of the first `listening on http://ADDR` (a child test binary prints `running 1
/// test` and `test NAME ... ` before it, on the same line).
fn read_ready_port(stdout: impl Read) -> Option<u16> {
    for line in BufReader::new(stdout).lines() {
        let line = line.ok()?;
        if let Some((_, url)) = line.split_once("listening on http://") {
            return url.trim().rsplit(':').next()?.parse().ok();
        }
    }
    None
}

/// Set in the environment of a child server: its `serve` options, separated by U+001F.
const CHILD_ARGS: &str = "AWSREDIRECT_EMULATOR_TEST_SERVER";

/// Not a test: the entry point of a child server process (see [`server_command`]); ignored, so
/// it runs only when asked for by name.
#[test]
#[ignore = "the entry point of a child server process, run by the tests that need one"]
fn serve_as_child() {
    let Ok(args) = std::env::var(CHILD_ARGS) else {
        return;
    };
    let args: Vec<&str> = args.split('\u{1f}').filter(|a| !a.is_empty()).collect();
    let config = child_config(&args);
    let result = awsredirect_emulator::run(config, |ready| {
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "listening on http://{}", ready.addr);
        let _ = stdout.flush();
    });
    if let Err(err) = result {
        let _ = writeln!(std::io::stderr(), "error: {err}");
        std::process::exit(2);
    }
}

/// The options `awsredirect serve` would take, as a configuration.
fn child_config(args: &[&str]) -> awsredirect_emulator::ServeConfig {
    let mut config = awsredirect_emulator::ServeConfig {
        host: "127.0.0.1".to_string(),
        port: 0,
        state_dir: None,
        max_body_bytes: 64 * 1024 * 1024,
        recover: false,
        dns: None,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || *args.next().expect("option without a value");
        match *arg {
            "--state-dir" => config.state_dir = Some(PathBuf::from(value())),
            "--max-body-bytes" => config.max_body_bytes = value().parse().unwrap(),
            "--recover" => config.recover = true,
            other => panic!("unknown option {other}"),
        }
    }
    config
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A parsed HTTP response.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// One keep-alive connection.
pub struct Conn {
    port: u16,
    reader: BufReader<TcpStream>,
}

impl Conn {
    pub fn open(port: u16) -> Conn {
        Conn::try_open(port).unwrap()
    }

    pub fn try_open(port: u16) -> std::io::Result<Conn> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            port,
            reader: BufReader::new(stream),
        })
    }

    pub fn stream(&mut self) -> &mut TcpStream {
        self.reader.get_mut()
    }

    /// Sends raw bytes as they are.
    pub fn send_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream().write_all(bytes)
    }

    /// A well-framed request; reconnects once if the server closed the idle connection.
    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> std::io::Result<Response> {
        let mut raw = format!(
            "{method} {path} HTTP/1.1\r\nhost: 127.0.0.1:{}\r\ncontent-length: {}\r\n",
            self.port,
            body.len()
        )
        .into_bytes();
        for (name, value) in headers {
            raw.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        raw.extend_from_slice(b"\r\n");
        raw.extend_from_slice(body);
        let head = method == "HEAD";
        match self.send_raw(&raw).and_then(|_| self.read_response(head)) {
            Ok(r) => Ok(r),
            Err(_) => {
                *self = Conn::try_open(self.port)?;
                self.send_raw(&raw)?;
                self.read_response(head)
            }
        }
    }

    /// Reads one response: a parseable status line, headers, and a body framed by
    /// Content-Length or chunked encoding (none for HEAD).
    pub fn read_response(&mut self, head: bool) -> std::io::Result<Response> {
        loop {
            let response = self.read_one(head)?;
            // `100 Continue` and other interim answers precede the real one.
            if response.status >= 200 {
                return Ok(response);
            }
        }
    }

    fn read_one(&mut self, head: bool) -> std::io::Result<Response> {
        let bad = |m: String| std::io::Error::new(std::io::ErrorKind::InvalidData, m);
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed before a response",
            ));
        }
        let mut parts = line.trim_end().splitn(3, ' ');
        let version = parts.next().unwrap_or("");
        let status: u16 = parts
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad(format!("bad status line {line:?}")))?;
        if !version.starts_with("HTTP/1.") || !(100..600).contains(&status) {
            return Err(bad(format!("bad status line {line:?}")));
        }
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            self.reader.read_line(&mut h)?;
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            let (n, v) = h
                .split_once(':')
                .ok_or_else(|| bad(format!("bad header {h:?}")))?;
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
        let mut response = Response {
            status,
            headers,
            body: Vec::new(),
        };
        if head || status < 200 || status == 204 || status == 304 {
            return Ok(response);
        }
        if let Some(len) = response.header("content-length") {
            let len: usize = len.parse().map_err(|_| bad("bad content-length".into()))?;
            let mut body = vec![0; len];
            self.reader.read_exact(&mut body)?;
            response.body = body;
        } else if response
            .header("transfer-encoding")
            .is_some_and(|t| t.contains("chunked"))
        {
            loop {
                let mut size = String::new();
                self.reader.read_line(&mut size)?;
                let size = usize::from_str_radix(size.trim(), 16)
                    .map_err(|_| bad("bad chunk size".into()))?;
                let mut chunk = vec![0; size + 2];
                self.reader.read_exact(&mut chunk)?;
                if size == 0 {
                    break;
                }
                response.body.extend_from_slice(&chunk[..size]);
            }
        }
        Ok(response)
    }
}

/// A SigV4-looking Authorization header for `service` (the emulator checks no signatures).
pub fn auth(service: &str) -> String {
    format!("AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0")
}

/// An SQS JSON-protocol call.
pub fn sqs(conn: &mut Conn, operation: &str, input: &serde_json::Value) -> Response {
    let target = format!("AmazonSQS.{operation}");
    let auth = auth("sqs");
    conn.request(
        "POST",
        "/",
        &[
            ("x-amz-target", &target),
            ("content-type", "application/x-amz-json-1.0"),
            ("authorization", &auth),
        ],
        input.to_string().as_bytes(),
    )
    .unwrap_or_else(|e| panic!("SQS {operation}: {e}"))
}

/// Every file under `dir`.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(files_under(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}
