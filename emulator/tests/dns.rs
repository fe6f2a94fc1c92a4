//! `serve --dns`: the responder asked by a real DNS client (hickory's) over UDP and TCP, in
//! isolated and forwarding mode (against a fake upstream on loopback: nothing leaves the
//! machine), and fed garbage.
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use awsredirect_emulator::dns::{default_names, DnsConfig, DnsServer, NamePattern, Upstream};
use hickory_net::client::{Client, ClientHandle};
use hickory_net::proto::op::{DnsResponse, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_net::proto::rr::rdata::A;
use hickory_net::proto::rr::{DNSClass, Name, RData, Record, RecordType};
use hickory_net::runtime::TokioRuntimeProvider;
use hickory_net::tcp::TcpClientStream;
use hickory_net::udp::UdpClientStream;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

async fn start(upstream: Upstream, names: Vec<NamePattern>) -> DnsServer {
    let config = DnsConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        names,
        upstream,
    };
    DnsServer::start(config, LOOPBACK).await.unwrap()
}

async fn udp_client(server: SocketAddr) -> Client<TokioRuntimeProvider> {
    let stream = UdpClientStream::builder(server, TokioRuntimeProvider::default())
        .with_timeout(Some(Duration::from_secs(5)))
        .build();
    let (client, background) = Client::<TokioRuntimeProvider>::from_sender(stream);
    tokio::spawn(background);
    client
}

async fn tcp_client(server: SocketAddr) -> Client<TokioRuntimeProvider> {
    let (stream, sender) = TcpClientStream::new(
        server,
        None,
        Some(Duration::from_secs(5)),
        TokioRuntimeProvider::default(),
    );
    let (client, background) = Client::<TokioRuntimeProvider>::new(stream.await.unwrap(), sender);
    tokio::spawn(background);
    client
}

async fn ask(
    client: &mut Client<TokioRuntimeProvider>,
    name: &str,
    kind: RecordType,
) -> DnsResponse {
    client
        .query(Name::from_ascii(name).unwrap(), DNSClass::IN, kind)
        .await
        .unwrap_or_else(|e| panic!("{name} {kind}: {e}"))
}

fn addresses(response: &DnsResponse) -> Vec<IpAddr> {
    response
        .answers
        .iter()
        .filter_map(|record| match &record.data {
            RData::A(a) => Some(IpAddr::V4(a.0)),
            RData::AAAA(aaaa) => Some(IpAddr::V6(aaaa.0)),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn aws_names_resolve_to_the_emulator_over_udp_and_tcp() {
    let server = start(Upstream::Isolated, default_names()).await;
    let addr = server.ready().addr;
    assert_ne!(addr.port(), 0);
    let mut udp = udp_client(addr).await;
    let mut tcp = tcp_client(addr).await;
    for name in [
        "s3.amazonaws.com.",
        "sqs.eu-west-1.amazonaws.com.",
        "my-bucket.s3.us-east-1.amazonaws.com.",
        "STS.AmazonAWS.com.",
        "s3.cn-north-1.amazonaws.com.cn.",
        "abc.lambda-url.us-east-1.on.aws.",
    ] {
        for client in [&mut udp, &mut tcp] {
            let response = ask(client, name, RecordType::A).await;
            assert_eq!(response.response_code, ResponseCode::NoError, "{name}");
            assert!(response.authoritative, "{name}");
            assert_eq!(addresses(&response), vec![LOOPBACK], "{name}");
        }
    }
    // The emulator listens on IPv4 only: AAAA is answered, empty, so clients use A.
    let response = ask(&mut udp, "s3.amazonaws.com.", RecordType::AAAA).await;
    assert_eq!(response.response_code, ResponseCode::NoError);
    assert!(response.answers.is_empty());
    // Other types of a matched name: no data.
    let response = ask(&mut udp, "s3.amazonaws.com.", RecordType::MX).await;
    assert_eq!(response.response_code, ResponseCode::NoError);
    assert!(response.answers.is_empty());
}

#[tokio::test]
async fn other_names_are_refused_when_isolated() {
    let server = start(Upstream::Isolated, default_names()).await;
    assert_eq!(server.ready().forward_to, None);
    let mut client = udp_client(server.ready().addr).await;
    for name in [
        "example.org.",
        "amazonaws.com.",
        "amazonaws.com.evil.example.",
    ] {
        let response = ask(&mut client, name, RecordType::A).await;
        assert_eq!(response.response_code, ResponseCode::Refused, "{name}");
        assert!(response.answers.is_empty());
    }
    let mut tcp = tcp_client(server.ready().addr).await;
    let response = ask(&mut tcp, "example.org.", RecordType::A).await;
    assert_eq!(response.response_code, ResponseCode::Refused);
}

#[tokio::test]
async fn configured_patterns_replace_the_defaults() {
    let names = vec![
        "*.internal.test".parse().unwrap(),
        "exact.test".parse().unwrap(),
    ];
    let server = start(Upstream::Isolated, names).await;
    let mut client = udp_client(server.ready().addr).await;
    let code = |response: DnsResponse| response.response_code;
    assert_eq!(
        code(ask(&mut client, "a.b.internal.test.", RecordType::A).await),
        ResponseCode::NoError
    );
    assert_eq!(
        code(ask(&mut client, "exact.test.", RecordType::A).await),
        ResponseCode::NoError
    );
    assert_eq!(
        code(ask(&mut client, "sub.exact.test.", RecordType::A).await),
        ResponseCode::Refused
    );
    assert_eq!(
        code(ask(&mut client, "s3.amazonaws.com.", RecordType::A).await),
        ResponseCode::Refused
    );
}

/// A fake upstream on loopback, UDP and TCP: answers every A question with 192.0.2.7 and
/// counts nothing else.
async fn fake_upstream() -> SocketAddr {
    let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = udp.local_addr().unwrap();
    let tcp = tokio::net::TcpListener::bind(addr).await.unwrap();
    fn answer(packet: &[u8]) -> Vec<u8> {
        let request = Message::from_vec(packet).unwrap();
        let mut response = Message::response(request.metadata.id, OpCode::Query);
        response.metadata.recursion_available = true;
        for query in &request.queries {
            response.add_query(query.clone());
            response.add_answer(Record::from_rdata(
                query.name().clone(),
                300,
                RData::A(A(Ipv4Addr::new(192, 0, 2, 7))),
            ));
        }
        response.to_vec().unwrap()
    }
    tokio::spawn(async move {
        let mut buffer = vec![0u8; 4096];
        while let Ok((len, peer)) = udp.recv_from(&mut buffer).await {
            let _ = udp.send_to(&answer(&buffer[..len]), peer).await;
        }
    });
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = tcp.accept().await {
            let len = stream.read_u16().await.unwrap();
            let mut packet = vec![0u8; usize::from(len)];
            stream.read_exact(&mut packet).await.unwrap();
            let reply = answer(&packet);
            stream.write_u16(reply.len() as u16).await.unwrap();
            stream.write_all(&reply).await.unwrap();
        }
    });
    addr
}

#[tokio::test]
async fn other_names_are_forwarded_to_the_upstream() {
    let upstream = fake_upstream().await;
    let server = start(Upstream::Servers(vec![upstream]), default_names()).await;
    assert_eq!(server.ready().forward_to, Some(vec![upstream]));
    let expected = vec![IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7))];
    let mut udp = udp_client(server.ready().addr).await;
    let mut tcp = tcp_client(server.ready().addr).await;
    for client in [&mut udp, &mut tcp] {
        let response = ask(client, "example.org.", RecordType::A).await;
        assert_eq!(response.response_code, ResponseCode::NoError);
        assert!(!response.authoritative);
        assert_eq!(addresses(&response), expected);
        // AWS names are still answered locally, never forwarded.
        let response = ask(client, "s3.amazonaws.com.", RecordType::A).await;
        assert_eq!(addresses(&response), vec![LOOPBACK]);
        assert!(response.recursion_available);
    }
}

#[tokio::test]
async fn an_upstream_that_does_not_answer_is_a_server_failure() {
    // A closed port: the forward fails at once instead of timing out.
    let closed = UdpSocket::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let server = start(Upstream::Servers(vec![closed]), default_names()).await;
    let mut client = udp_client(server.ready().addr).await;
    let response = ask(&mut client, "example.org.", RecordType::A).await;
    assert_eq!(response.response_code, ResponseCode::ServFail);
}

#[tokio::test]
async fn garbage_is_dropped_or_answered_formerr_and_the_server_keeps_answering() {
    let server = start(Upstream::Isolated, default_names()).await;
    let addr = server.ready().addr;
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    socket.connect(addr).await.unwrap();
    let mut query = Message::query();
    query.add_query(Query::query(
        Name::from_ascii("s3.amazonaws.com.").unwrap(),
        RecordType::A,
    ));
    let valid = query.to_vec().unwrap();
    let mut garbage: Vec<Vec<u8>> = vec![
        vec![],
        vec![0],
        vec![0xff; 11],
        valid[..valid.len() - 3].to_vec(),
        // A name whose compression pointer points at itself.
        [&valid[..12], &[0xc0, 0x0c, 0, 1, 0, 1][..]].concat(),
        // Question count 65535 with one question present.
        [&valid[..4], &[0xff, 0xff], &valid[6..]].concat(),
    ];
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    for len in [12, 13, 40, 512, 4096] {
        garbage.push(
            (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect(),
        );
    }
    let mut buffer = vec![0u8; 4096];
    for packet in &garbage {
        socket.send(packet).await.unwrap();
        if let Ok(Ok(len)) =
            tokio::time::timeout(Duration::from_millis(200), socket.recv(&mut buffer)).await
        {
            let reply = Message::from_vec(&buffer[..len]).unwrap();
            assert_eq!(reply.metadata.message_type, MessageType::Response);
            assert_eq!(&buffer[..2], &packet[..2]);
        }
    }
    // A response is never answered (no loops, no reflection).
    let mut response = Message::response(99, OpCode::Query);
    response.add_query(query.queries[0].clone());
    socket.send(&response.to_vec().unwrap()).await.unwrap();
    assert!(
        tokio::time::timeout(Duration::from_millis(200), socket.recv(&mut buffer))
            .await
            .is_err()
    );
    // TCP: a frame that promises more than it sends, then a connection that says nothing.
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(&[0xff, 0xff, 1, 2, 3]).await.unwrap();
    drop(stream);
    let _silent = TcpStream::connect(addr).await.unwrap();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(&[0, 3, 1, 2, 3]).await.unwrap();
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(2), stream.read_to_end(&mut rest)).await;
    // Still answering, over both transports.
    let mut udp = udp_client(addr).await;
    assert_eq!(
        addresses(&ask(&mut udp, "s3.amazonaws.com.", RecordType::A).await),
        vec![LOOPBACK]
    );
    let mut tcp = tcp_client(addr).await;
    assert_eq!(
        addresses(&ask(&mut tcp, "s3.amazonaws.com.", RecordType::A).await),
        vec![LOOPBACK]
    );
}
