//! `awsredirect serve --dns` as a command: the DNS line before the ready line, and the
//! responder it starts answering an AWS name and refusing another with `--dns-isolated`. (The
//! responder's own tests, with a full DNS client, are in `emulator/tests/dns.rs`.)
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A DNS question for `name`, type A, id 0x1234, recursion desired.
fn question(name: &str) -> Vec<u8> {
    let mut packet = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in name.split('.') {
        packet.push(u8::try_from(label.len()).unwrap());
        packet.extend_from_slice(label.as_bytes());
    }
    packet.extend_from_slice(&[0, 0, 1, 0, 1]);
    packet
}

#[test]
fn serve_dns_reports_its_address_and_answers_aws_names() {
    let child = Command::new(env!("CARGO_BIN_EXE_awsredirect"))
        .args([
            "serve",
            "--port",
            "0",
            "--dns",
            "127.0.0.1:0",
            "--dns-isolated",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = Killed(child);
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let dns_line = lines.next().unwrap().unwrap();
    let ready = lines.next().unwrap().unwrap();
    assert!(
        ready.starts_with("listening on http://127.0.0.1:"),
        "{ready}"
    );
    assert!(
        dns_line.starts_with("dns on 127.0.0.1:")
            && dns_line.contains("*.amazonaws.com, *.amazonaws.com.cn, *.aws -> 127.0.0.1")
            && dns_line.ends_with("other names are refused"),
        "{dns_line}"
    );
    let addr: SocketAddr = dns_line["dns on ".len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_ne!(addr.port(), 0);

    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    socket.connect(addr).unwrap();
    let mut buffer = [0u8; 512];

    socket
        .send(&question("sqs.eu-west-1.amazonaws.com"))
        .unwrap();
    let len = socket.recv(&mut buffer).unwrap();
    let answer = &buffer[..len];
    assert_eq!(&answer[..2], &[0x12, 0x34]);
    assert_eq!(answer[3] & 0x0f, 0, "NOERROR");
    assert_eq!(u16::from_be_bytes([answer[6], answer[7]]), 1, "one answer");
    assert_eq!(&answer[len - 4..], &[127, 0, 0, 1]);

    socket.send(&question("example.org")).unwrap();
    let len = socket.recv(&mut buffer).unwrap();
    assert_eq!(buffer[3] & 0x0f, 5, "REFUSED");
    assert_eq!(u16::from_be_bytes([buffer[6], buffer[7]]), 0);
    assert!(len >= 12);
}
