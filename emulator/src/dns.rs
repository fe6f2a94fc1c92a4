//! `serve --dns`: a small DNS responder that answers AWS names with the emulator's address and
//! either forwards every other question to upstream resolvers (by default those of
//! `/etc/resolv.conf`) or refuses it (isolated).
//!
//! Built on `hickory-proto` for the wire format (parsing and writing messages); the sockets are
//! tokio's, UDP and TCP on the same port. A forwarded question is relayed as the client's own
//! bytes and the upstream's answer is returned unchanged, so nothing of it is reinterpreted.
//! Every packet goes through [`respond`], a pure function: a packet that does not parse is
//! answered `FORMERR` when its header can be read and dropped otherwise, responses are never
//! answered (no loops, no reflection), and nothing in it can panic.
use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA};
use hickory_proto::rr::{DNSClass, RData, Record, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::error::EmulatorError;

/// The names answered with the emulator's address unless `--dns-name` says otherwise.
pub const DEFAULT_NAMES: &[&str] = &["*.amazonaws.com", "*.amazonaws.com.cn", "*.aws"];

/// The TTL of the answers: short, so that stopping the emulator is noticed soon.
const TTL: u32 = 60;
/// How long one upstream has to answer a forwarded question before the next is tried.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(3);
/// Forwarded questions in flight at once; more are dropped (the client retries).
const MAX_FORWARDS: usize = 256;
/// TCP connections served at once; more wait in the kernel's backlog.
const MAX_TCP_CONNECTIONS: usize = 64;
/// An idle TCP connection is closed after this long.
const TCP_IDLE: Duration = Duration::from_secs(10);
/// The largest UDP datagram read; longer ones are cut and so fail to parse.
const MAX_UDP: usize = 4096;

/// How to run the DNS responder.
#[derive(Debug, Clone)]
pub struct DnsConfig {
    /// Where to listen (UDP and TCP); port 0 picks a free one.
    pub addr: SocketAddr,
    /// The names answered with the emulator's address.
    pub names: Vec<NamePattern>,
    /// What happens to every other name.
    pub upstream: Upstream,
}

impl DnsConfig {
    /// Listens on `addr`, answers [`DEFAULT_NAMES`] and forwards the rest to `/etc/resolv.conf`'s
    /// nameservers.
    pub fn new(addr: SocketAddr) -> DnsConfig {
        DnsConfig {
            addr,
            names: default_names(),
            upstream: Upstream::ResolvConf,
        }
    }
}

/// Where questions for names that do not match go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upstream {
    /// Answered `REFUSED`: nothing but the emulator's names resolve.
    Isolated,
    /// Forwarded to the `nameserver`s of `/etc/resolv.conf`, read at start.
    ResolvConf,
    /// Forwarded to these servers, tried in order.
    Servers(Vec<SocketAddr>),
}

/// What the caller learns once the responder is listening.
#[derive(Debug, Clone)]
pub struct DnsReady {
    /// The bound address (UDP and TCP).
    pub addr: SocketAddr,
    /// The address in A answers (`None`: A questions get an empty answer).
    pub ipv4: Option<Ipv4Addr>,
    /// The address in AAAA answers (`None`: AAAA questions get an empty answer).
    pub ipv6: Option<Ipv6Addr>,
    pub names: Vec<NamePattern>,
    /// `None` when isolated; else the servers other names are forwarded to (possibly none,
    /// when `/etc/resolv.conf` names none: then those questions fail with `SERVFAIL`).
    pub forward_to: Option<Vec<SocketAddr>>,
}

/// A name pattern: `*.example.com` (every name below example.com, at any depth) or
/// `example.com` (that name only). Compared without regard to ASCII case or a final dot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamePattern {
    /// The name (or, for a wildcard, the parent), lower case, without a final dot.
    base: String,
    wildcard: bool,
}

impl NamePattern {
    /// Whether `name` (lower case, no final dot) matches.
    fn matches(&self, name: &str) -> bool {
        if self.wildcard {
            name.len() > self.base.len()
                && name.ends_with(&self.base)
                && name.as_bytes()[name.len() - self.base.len() - 1] == b'.'
        } else {
            name == self.base
        }
    }
}

impl fmt::Display for NamePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.wildcard {
            write!(f, "*.{}", self.base)
        } else {
            f.write_str(&self.base)
        }
    }
}

impl FromStr for NamePattern {
    type Err = String;

    fn from_str(value: &str) -> Result<NamePattern, String> {
        let (wildcard, rest) = match value.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, value),
        };
        let base = rest.strip_suffix('.').unwrap_or(rest).to_ascii_lowercase();
        let label_ok = |label: &str| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if base.is_empty() || base.len() > 253 || !base.split('.').all(label_ok) {
            return Err(format!(
                "{value:?} is not a name pattern: expected a DNS name such as s3.amazonaws.com, or *.NAME for every name below NAME"
            ));
        }
        Ok(NamePattern { base, wildcard })
    }
}

/// [`DEFAULT_NAMES`] as patterns.
pub fn default_names() -> Vec<NamePattern> {
    DEFAULT_NAMES
        .iter()
        .filter_map(|name| name.parse().ok())
        .collect()
}

/// An upstream server: `IP` (port 53) or `IP:PORT` (`[V6]:PORT` for IPv6).
pub fn parse_upstream(value: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = value.parse::<SocketAddr>() {
        return Ok(addr);
    }
    match value.parse::<IpAddr>() {
        Ok(ip) => Ok(SocketAddr::new(ip, 53)),
        Err(_) => Err(format!(
            "{value:?} is not a DNS server address: expected IP or IP:PORT, e.g. 192.0.2.53 or 127.0.0.1:5300"
        )),
    }
}

/// The `nameserver` lines of a resolv.conf, at port 53 (a `%scope` suffix is dropped).
pub fn resolv_conf_servers(text: &str) -> Vec<SocketAddr> {
    text.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            (words.next()? == "nameserver").then_some(())?;
            let value = words.next()?;
            let value = value.split_once('%').map_or(value, |(ip, _)| ip);
            value.parse::<IpAddr>().ok()
        })
        .map(|ip| SocketAddr::new(ip, 53))
        .collect()
}

/// The addresses answered for the emulator bound at `emulator`: an unspecified IPv4 address
/// answers 127.0.0.1 and no IPv6; an IPv4 address answers itself and no IPv6 (a client told
/// `::1` would find nothing listening there); an unspecified IPv6 address (dual-stack)
/// answers 127.0.0.1 and `::1`; another IPv6 address answers itself and no IPv4.
pub fn answer_addresses(emulator: IpAddr) -> (Option<Ipv4Addr>, Option<Ipv6Addr>) {
    match emulator {
        IpAddr::V4(ip) if ip.is_unspecified() => (Some(Ipv4Addr::LOCALHOST), None),
        IpAddr::V4(ip) => (Some(ip), None),
        IpAddr::V6(ip) if ip.is_unspecified() => {
            (Some(Ipv4Addr::LOCALHOST), Some(Ipv6Addr::LOCALHOST))
        }
        IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
            Some(v4) => (Some(v4), None),
            None => (None, Some(ip)),
        },
    }
}

/// What the responder does with one packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Send these bytes back.
    Reply(Vec<u8>),
    /// Relay the packet to the upstream servers.
    Forward,
    /// Say nothing (not a question, or too broken to answer).
    Drop,
}

/// The policy [`respond`] applies.
#[derive(Debug, Clone)]
pub struct Policy {
    pub names: Vec<NamePattern>,
    pub ipv4: Option<Ipv4Addr>,
    pub ipv6: Option<Ipv6Addr>,
    /// Whether names that do not match are forwarded (else refused).
    pub forwarding: bool,
}

/// Decides what to do with one packet; pure, and total over every byte string.
pub fn respond(packet: &[u8], policy: &Policy) -> Outcome {
    if packet.len() < 12 {
        return Outcome::Drop;
    }
    let id = u16::from_be_bytes([packet[0], packet[1]]);
    let is_response = packet[2] & 0x80 != 0;
    let request = match Message::from_vec(packet) {
        Ok(message) => message,
        Err(_) if is_response => return Outcome::Drop,
        Err(_) => return reply(Message::error_msg(id, OpCode::Query, ResponseCode::FormErr)),
    };
    if request.metadata.message_type != MessageType::Query {
        return Outcome::Drop;
    }
    if request.metadata.op_code != OpCode::Query {
        return reply(error_reply(&request, ResponseCode::NotImp));
    }
    let [query] = request.queries.as_slice() else {
        return reply(error_reply(&request, ResponseCode::FormErr));
    };
    let name = query.name().to_ascii().to_ascii_lowercase();
    let name = name.strip_suffix('.').unwrap_or(&name);
    if !policy.names.iter().any(|pattern| pattern.matches(name)) {
        return if policy.forwarding {
            Outcome::Forward
        } else {
            reply(error_reply(&request, ResponseCode::Refused))
        };
    }
    let mut response = error_reply(&request, ResponseCode::NoError);
    response.metadata.authoritative = true;
    response.metadata.recursion_available = policy.forwarding;
    if query.query_class() == DNSClass::IN {
        let wants =
            |kind: RecordType| query.query_type() == kind || query.query_type() == RecordType::ANY;
        if let (true, Some(ip)) = (wants(RecordType::A), policy.ipv4) {
            response.add_answer(Record::from_rdata(
                query.name().clone(),
                TTL,
                RData::A(A(ip)),
            ));
        }
        if let (true, Some(ip)) = (wants(RecordType::AAAA), policy.ipv6) {
            response.add_answer(Record::from_rdata(
                query.name().clone(),
                TTL,
                RData::AAAA(AAAA(ip)),
            ));
        }
    }
    reply(response)
}

/// A response to `request` with its id, flags and question, and no records.
fn error_reply(request: &Message, code: ResponseCode) -> Message {
    let mut response = Message::error_msg(request.metadata.id, request.metadata.op_code, code);
    response.metadata.recursion_desired = request.metadata.recursion_desired;
    response.metadata.checking_disabled = request.metadata.checking_disabled;
    response.add_queries(request.queries.iter().cloned());
    response
}

fn reply(message: Message) -> Outcome {
    match message.to_vec() {
        Ok(bytes) => Outcome::Reply(bytes),
        Err(_) => Outcome::Drop,
    }
}

/// `SERVFAIL` for a question no upstream answered.
fn server_failure(packet: &[u8]) -> Option<Vec<u8>> {
    let request = Message::from_vec(packet).ok()?;
    error_reply(&request, ResponseCode::ServFail).to_vec().ok()
}

/// A running responder: its tasks stop when it is dropped.
pub struct DnsServer {
    ready: DnsReady,
    tasks: JoinSet<()>,
}

impl DnsServer {
    /// Binds UDP and TCP on `config.addr` (the same port for both; with port 0, a port free for
    /// both) and starts answering, on the current tokio runtime, for an emulator bound at
    /// `emulator`.
    pub async fn start(config: DnsConfig, emulator: IpAddr) -> Result<DnsServer, EmulatorError> {
        let (udp, tcp, addr) = bind(config.addr).await?;
        let (ipv4, ipv6) = answer_addresses(emulator);
        let forward_to = match config.upstream {
            Upstream::Isolated => None,
            Upstream::Servers(servers) => Some(servers),
            Upstream::ResolvConf => Some(
                std::fs::read_to_string(Path::new("/etc/resolv.conf"))
                    .map(|text| resolv_conf_servers(&text))
                    .unwrap_or_default(),
            ),
        };
        // Never forward to ourselves: a resolv.conf that points at this responder would loop.
        let forward_to = forward_to.map(|servers| {
            servers
                .into_iter()
                .filter(|server| !is_self(*server, addr))
                .collect::<Vec<_>>()
        });
        let policy = Arc::new(Policy {
            names: config.names.clone(),
            ipv4,
            ipv6,
            forwarding: forward_to.is_some(),
        });
        let upstreams: Arc<[SocketAddr]> = forward_to.clone().unwrap_or_default().into();
        let mut tasks = JoinSet::new();
        tasks.spawn(serve_udp(Arc::new(udp), policy.clone(), upstreams.clone()));
        tasks.spawn(serve_tcp(tcp, policy, upstreams));
        Ok(DnsServer {
            ready: DnsReady {
                addr,
                ipv4,
                ipv6,
                names: config.names,
                forward_to,
            },
            tasks,
        })
    }

    pub fn ready(&self) -> &DnsReady {
        &self.ready
    }

    /// Stops answering.
    pub fn stop(mut self) {
        self.tasks.abort_all();
    }
}

/// Whether `server` is this responder's own address.
fn is_self(server: SocketAddr, own: SocketAddr) -> bool {
    server.port() == own.port()
        && (server.ip() == own.ip()
            || (own.ip().is_unspecified()
                && (server.ip().is_loopback() || server.ip().is_unspecified())))
}

async fn bind(addr: SocketAddr) -> Result<(UdpSocket, TcpListener, SocketAddr), EmulatorError> {
    let error = |source: io::Error| EmulatorError::Bind {
        addr: format!("{addr} (DNS)"),
        source,
    };
    let mut attempts = 0;
    loop {
        let udp = UdpSocket::bind(addr).await.map_err(error)?;
        let bound = udp.local_addr().map_err(error)?;
        match TcpListener::bind(bound).await {
            Ok(tcp) => return Ok((udp, tcp, bound)),
            // A port picked for UDP may be taken for TCP: pick another.
            Err(e) if addr.port() == 0 && e.kind() == io::ErrorKind::AddrInUse && attempts < 20 => {
                attempts += 1;
            }
            Err(e) => return Err(error(e)),
        }
    }
}

async fn serve_udp(socket: Arc<UdpSocket>, policy: Arc<Policy>, upstreams: Arc<[SocketAddr]>) {
    let forwards = Arc::new(Semaphore::new(MAX_FORWARDS));
    let mut buffer = vec![0u8; MAX_UDP];
    loop {
        // Errors (ICMP reports of earlier sends and the like) do not stop the loop.
        let Ok((len, peer)) = socket.recv_from(&mut buffer).await else {
            tokio::time::sleep(Duration::from_millis(1)).await;
            continue;
        };
        let packet = &buffer[..len];
        match respond(packet, &policy) {
            Outcome::Reply(bytes) => {
                let _ = socket.send_to(&bytes, peer).await;
            }
            Outcome::Drop => {}
            Outcome::Forward => {
                let Ok(permit) = forwards.clone().try_acquire_owned() else {
                    continue;
                };
                let socket = socket.clone();
                let upstreams = upstreams.clone();
                let packet = packet.to_vec();
                tokio::spawn(async move {
                    let answer = match forward_udp(&packet, &upstreams).await {
                        Some(answer) => Some(answer),
                        None => server_failure(&packet),
                    };
                    if let Some(answer) = answer {
                        let _ = socket.send_to(&answer, peer).await;
                    }
                    drop(permit);
                });
            }
        }
    }
}

/// The first answer of an upstream to `packet` whose id matches, trying each in turn.
async fn forward_udp(packet: &[u8], upstreams: &[SocketAddr]) -> Option<Vec<u8>> {
    for upstream in upstreams {
        let local: SocketAddr = match upstream {
            SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
            SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
        };
        let attempt = async {
            let socket = UdpSocket::bind(local).await.ok()?;
            socket.connect(upstream).await.ok()?;
            socket.send(packet).await.ok()?;
            let mut buffer = vec![0u8; 65535];
            loop {
                let len = socket.recv(&mut buffer).await.ok()?;
                if len >= 12 && buffer[..2] == packet[..2] && buffer[2] & 0x80 != 0 {
                    return Some(buffer[..len].to_vec());
                }
            }
        };
        if let Ok(Some(answer)) = tokio::time::timeout(UPSTREAM_TIMEOUT, attempt).await {
            return Some(answer);
        }
    }
    None
}

async fn serve_tcp(listener: TcpListener, policy: Arc<Policy>, upstreams: Arc<[SocketAddr]>) {
    let connections = Arc::new(Semaphore::new(MAX_TCP_CONNECTIONS));
    loop {
        let Ok(permit) = connections.clone().acquire_owned().await else {
            return;
        };
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let policy = policy.clone();
        let upstreams = upstreams.clone();
        tokio::spawn(async move {
            let _ = serve_tcp_connection(stream, &policy, &upstreams).await;
            drop(permit);
        });
    }
}

/// Answers length-prefixed questions on one connection until it closes, goes idle or sends
/// something that cannot be answered.
async fn serve_tcp_connection(
    mut stream: TcpStream,
    policy: &Policy,
    upstreams: &[SocketAddr],
) -> io::Result<()> {
    loop {
        let Ok(packet) = tokio::time::timeout(TCP_IDLE, read_frame(&mut stream)).await else {
            return Ok(());
        };
        let packet = packet?;
        let answer = match respond(&packet, policy) {
            Outcome::Reply(bytes) => bytes,
            Outcome::Drop => return Ok(()),
            Outcome::Forward => match forward_tcp(&packet, upstreams).await {
                Some(answer) => answer,
                None => match server_failure(&packet) {
                    Some(answer) => answer,
                    None => return Ok(()),
                },
            },
        };
        write_frame(&mut stream, &answer).await?;
    }
}

async fn read_frame(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    let len = stream.read_u16().await?;
    let mut packet = vec![0u8; usize::from(len)];
    stream.read_exact(&mut packet).await?;
    Ok(packet)
}

async fn write_frame(stream: &mut TcpStream, packet: &[u8]) -> io::Result<()> {
    let len =
        u16::try_from(packet.len()).map_err(|_| io::Error::from(io::ErrorKind::InvalidData))?;
    let mut frame = Vec::with_capacity(packet.len() + 2);
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(packet);
    stream.write_all(&frame).await
}

/// The first upstream's answer over TCP (asked when a UDP answer was truncated).
async fn forward_tcp(packet: &[u8], upstreams: &[SocketAddr]) -> Option<Vec<u8>> {
    for upstream in upstreams {
        let attempt = async {
            let mut stream = TcpStream::connect(upstream).await.ok()?;
            write_frame(&mut stream, packet).await.ok()?;
            let answer = read_frame(&mut stream).await.ok()?;
            (answer.len() >= 12 && answer[..2] == packet[..2]).then_some(answer)
        };
        if let Ok(Some(answer)) = tokio::time::timeout(UPSTREAM_TIMEOUT, attempt).await {
            return Some(answer);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(forwarding: bool) -> Policy {
        Policy {
            names: default_names(),
            ipv4: Some(Ipv4Addr::LOCALHOST),
            ipv6: None,
            forwarding,
        }
    }

    #[test]
    fn patterns_match_below_their_base_or_exactly() {
        let wildcard: NamePattern = "*.Amazonaws.com.".parse().unwrap();
        assert!(wildcard.matches("s3.amazonaws.com"));
        assert!(wildcard.matches("bucket.s3.us-east-1.amazonaws.com"));
        assert!(!wildcard.matches("amazonaws.com"));
        assert!(!wildcard.matches("notamazonaws.com"));
        assert_eq!(wildcard.to_string(), "*.amazonaws.com");
        let exact: NamePattern = "sts.amazonaws.com".parse().unwrap();
        assert!(exact.matches("sts.amazonaws.com"));
        assert!(!exact.matches("x.sts.amazonaws.com"));
        for bad in ["", "*.", "*", "a..b", "a b", "*.*.com", "http://x"] {
            assert!(bad.parse::<NamePattern>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn resolv_conf_nameservers_are_read() {
        let text = "# comment\nsearch example\nnameserver 192.0.2.1\nnameserver fe80::1%eth0\nnameserver bogus\noptions ndots:1\n";
        assert_eq!(
            resolv_conf_servers(text),
            vec![
                "192.0.2.1:53".parse().unwrap(),
                "[fe80::1]:53".parse().unwrap()
            ]
        );
    }

    #[test]
    fn answer_addresses_follow_the_bind_address() {
        let v4 = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            answer_addresses(v4("0.0.0.0")),
            (Some(Ipv4Addr::LOCALHOST), None)
        );
        assert_eq!(
            answer_addresses(v4("10.1.2.3")),
            (Some(Ipv4Addr::new(10, 1, 2, 3)), None)
        );
        assert_eq!(
            answer_addresses(v4("::")),
            (Some(Ipv4Addr::LOCALHOST), Some(Ipv6Addr::LOCALHOST))
        );
        assert_eq!(
            answer_addresses(v4("::1")),
            (None, Some(Ipv6Addr::LOCALHOST))
        );
    }

    #[test]
    fn upstreams_parse_with_or_without_a_port() {
        assert_eq!(
            parse_upstream("192.0.2.1").unwrap(),
            "192.0.2.1:53".parse().unwrap()
        );
        assert_eq!(
            parse_upstream("[::1]:5300").unwrap(),
            "[::1]:5300".parse().unwrap()
        );
        assert!(parse_upstream("dns.example").is_err());
    }

    #[test]
    fn garbage_never_panics_and_short_packets_are_dropped() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for len in 0..600 {
            let bytes: Vec<u8> = (0..len % 97)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect();
            for forwarding in [false, true] {
                let outcome = respond(&bytes, &policy(forwarding));
                if bytes.len() < 12 {
                    assert_eq!(outcome, Outcome::Drop);
                }
            }
        }
    }

    #[test]
    fn responses_are_never_answered() {
        let mut message = Message::response(7, OpCode::Query);
        message.add_query(hickory_proto::op::Query::query(
            "s3.amazonaws.com.".parse().unwrap(),
            RecordType::A,
        ));
        assert_eq!(
            respond(&message.to_vec().unwrap(), &policy(true)),
            Outcome::Drop
        );
    }
}
