//! HTTPS with the local CA (`serve --tls-port`): a rustls client that trusts only the CA
//! validates the certificate issued for the SNI name it asked for, and requests routed by their
//! AWS `Host` name get URLs back on the host and scheme the client used.
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::thread::JoinHandle;

use awsredirect_emulator::tls::ca::CertificateAuthority;
use awsredirect_emulator::tls::TlsConfig;
use awsredirect_emulator::{run_until, ServeConfig};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

/// An emulator on a thread with HTTP and HTTPS on free ports; stops when dropped.
struct Emulator {
    http: SocketAddr,
    https: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Emulator {
    fn start(ca_dir: &Path) -> Emulator {
        let config = ServeConfig {
            port: 0,
            max_body_bytes: 1 << 20,
            tls: Some(TlsConfig {
                port: 0,
                ca_dir: ca_dir.to_path_buf(),
            }),
            ..ServeConfig::new()
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let on_ready = |ready: &awsredirect_emulator::Ready| {
                let tls = ready.tls.clone().expect("an HTTPS listener");
                let _ = ready_tx.send((ready.addr, tls.addr));
            };
            run_until(config, on_ready, async {
                let _ = stopped.await;
            })
            .expect("the emulator runs");
        });
        let (http, https) = ready_rx.recv().expect("the emulator starts");
        Emulator {
            http,
            https,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A client that trusts only `ca`.
fn client_config(ca: &CertificateAuthority) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots.add(ca.cert_der().clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

/// Sends one HTTP/1.1 request over TLS with SNI and `Host` = `host`; the whole response text.
fn https_request(
    config: &Arc<ClientConfig>,
    addr: SocketAddr,
    host: &str,
    head: &str,
    body: &str,
) -> std::io::Result<String> {
    let name = ServerName::try_from(host.to_string()).unwrap();
    let connection = ClientConnection::new(config.clone(), name).unwrap();
    let mut stream = StreamOwned::new(connection, TcpStream::connect(addr)?);
    let request = format!(
        "{head} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\nConnection: close\r\n{}\r\n{body}",
        body.len(),
        if body.is_empty() {
            ""
        } else {
            "Content-Type: application/x-www-form-urlencoded\r\n"
        }
    );
    stream.write_all(request.as_bytes())?;
    let mut response = Vec::new();
    match stream.read_to_end(&mut response) {
        Ok(_) => {}
        // The server may close without close_notify after `Connection: close`.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !response.is_empty() => {}
        Err(e) => return Err(e),
    }
    Ok(String::from_utf8_lossy(&response).into_owned())
}

#[test]
fn certificates_for_each_sni_name_validate_against_the_ca() {
    let dir = tempfile::tempdir().unwrap();
    let emulator = Emulator::start(dir.path());
    let ca = CertificateAuthority::load_or_create(dir.path()).unwrap();
    let config = client_config(&ca);
    for host in [
        "s3.amazonaws.com",
        "sqs.eu-west-1.amazonaws.com",
        "my-bucket.s3.us-east-1.amazonaws.com",
        "localhost",
    ] {
        let response = https_request(
            &config,
            emulator.https,
            host,
            "GET /_awsredirect/health",
            "",
        )
        .unwrap_or_else(|e| panic!("{host}: {e}"));
        assert!(response.starts_with("HTTP/1.1 200"), "{host}: {response}");
    }
}

#[test]
fn a_client_that_trusts_another_ca_refuses_the_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let emulator = Emulator::start(&dir.path().join("ours"));
    let other = CertificateAuthority::load_or_create(&dir.path().join("other")).unwrap();
    let result = https_request(
        &client_config(&other),
        emulator.https,
        "s3.amazonaws.com",
        "GET /",
        "",
    );
    let err = result.expect_err("a certificate from an untrusted CA");
    assert!(
        err.to_string().contains("invalid peer certificate"),
        "{err}"
    );
}

#[test]
fn queue_urls_use_the_host_and_scheme_the_client_used() {
    let dir = tempfile::tempdir().unwrap();
    let emulator = Emulator::start(dir.path());
    let config = client_config(&CertificateAuthority::load_or_create(dir.path()).unwrap());
    let response = https_request(
        &config,
        emulator.https,
        "sqs.eu-west-1.amazonaws.com",
        "POST /",
        "Action=CreateQueue&QueueName=jobs&Version=2012-11-05",
    )
    .unwrap();
    assert!(
        response
            .contains("<QueueUrl>https://sqs.eu-west-1.amazonaws.com/000000000000/jobs</QueueUrl>"),
        "{response}"
    );
    // The queue lives in the region the host named.
    let response = https_request(
        &config,
        emulator.https,
        "sqs.eu-west-1.amazonaws.com",
        "POST /",
        "Action=GetQueueAttributes&QueueUrl=https%3A%2F%2Fsqs.eu-west-1.amazonaws.com%2F000000000000%2Fjobs&AttributeName.1=QueueArn&Version=2012-11-05",
    )
    .unwrap();
    assert!(
        response.contains("arn:aws:sqs:eu-west-1:000000000000:jobs"),
        "{response}"
    );
    // Over plain HTTP the same request gets an http:// URL.
    let mut plain = TcpStream::connect(emulator.http).unwrap();
    let body = "Action=GetQueueUrl&QueueName=jobs&Version=2012-11-05";
    write!(
        plain,
        "POST / HTTP/1.1\r\nHost: sqs.eu-west-1.amazonaws.com\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut text = String::new();
    plain.read_to_string(&mut text).unwrap();
    assert!(
        text.contains("<QueueUrl>http://sqs.eu-west-1.amazonaws.com/000000000000/jobs</QueueUrl>"),
        "{text}"
    );
}

#[test]
fn s3_virtual_hosted_and_path_style_names_reach_the_same_bucket() {
    let dir = tempfile::tempdir().unwrap();
    let emulator = Emulator::start(dir.path());
    let config = client_config(&CertificateAuthority::load_or_create(dir.path()).unwrap());
    let virtual_host = "photos.s3.us-west-2.amazonaws.com";
    // A regional endpoint creates a bucket in its own region only when the body says so.
    let in_oregon = "<CreateBucketConfiguration><LocationConstraint>us-west-2</LocationConstraint></CreateBucketConfiguration>";
    let created = https_request(&config, emulator.https, virtual_host, "PUT /", in_oregon).unwrap();
    assert!(created.starts_with("HTTP/1.1 200"), "{created}");
    let put = https_request(
        &config,
        emulator.https,
        virtual_host,
        "PUT /cat.txt",
        "meow",
    )
    .unwrap();
    assert!(put.starts_with("HTTP/1.1 200"), "{put}");
    let got = https_request(
        &config,
        emulator.https,
        "s3.us-west-2.amazonaws.com",
        "GET /photos/cat.txt",
        "",
    )
    .unwrap();
    assert!(
        got.starts_with("HTTP/1.1 200") && got.ends_with("meow"),
        "{got}"
    );
    let listed = https_request(
        &config,
        emulator.https,
        "photos.s3.amazonaws.com",
        "GET /?list-type=2",
        "",
    )
    .unwrap();
    assert!(listed.contains("<Key>cat.txt</Key>"), "{listed}");
}

#[test]
fn unsigned_requests_are_routed_by_their_aws_host_name() {
    let dir = tempfile::tempdir().unwrap();
    let emulator = Emulator::start(dir.path());
    let config = client_config(&CertificateAuthority::load_or_create(dir.path()).unwrap());
    // An unsigned query request to STS's name is STS, not SQS.
    let sts = https_request(
        &config,
        emulator.https,
        "sts.amazonaws.com",
        "POST /",
        "Action=GetCallerIdentity&Version=2011-06-15",
    )
    .unwrap();
    assert!(sts.contains("<GetCallerIdentityResult>"), "{sts}");
    // A service the emulator does not have is named in its own error.
    let ec2 = https_request(
        &config,
        emulator.https,
        "ec2.eu-west-1.amazonaws.com",
        "POST /",
        "Action=DescribeInstances&Version=2016-11-15",
    )
    .unwrap();
    assert!(
        ec2.starts_with("HTTP/1.1 501") && ec2.contains("ec2"),
        "{ec2}"
    );
}
