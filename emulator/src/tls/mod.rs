//! HTTPS for `serve --tls-port`: a second listener whose connections complete a TLS handshake
//! (certificates issued on demand for the SNI name by the local CA) and are then served like
//! plain ones, their requests marked `Scheme::Https` so returned URLs say `https://`.
pub mod ca;
mod resolver;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_rustls::TlsAcceptor;

use self::ca::{CaError, CertificateAuthority};
use self::resolver::SniResolver;
use crate::context::Scheme;
use crate::error::EmulatorError;
use crate::server::{accept_with_permits, drain, serve_io, App};

/// Where HTTPS listens and where the CA lives.
#[derive(Debug, Clone)]
pub struct TlsConfig {
    /// 0 picks a free port.
    pub port: u16,
    /// The directory of the CA (created with a new CA on first use).
    pub ca_dir: PathBuf,
}

/// Where HTTPS listens, once it does.
#[derive(Debug, Clone)]
pub struct TlsReady {
    pub addr: SocketAddr,
    /// The CA certificate clients must trust (`AWS_CA_BUNDLE`, `NODE_EXTRA_CA_CERTS`, ...).
    pub ca_cert: PathBuf,
}

/// A bound HTTPS listener, not yet accepting.
pub(crate) struct TlsListener {
    listener: TcpListener,
    acceptor: TlsAcceptor,
    addr: SocketAddr,
    ca_cert: PathBuf,
}

impl TlsListener {
    pub(crate) fn ready(&self) -> TlsReady {
        TlsReady {
            addr: self.addr,
            ca_cert: self.ca_cert.clone(),
        }
    }
}

/// How long a client has to complete its handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Loads (or creates) the CA and binds the HTTPS port.
pub(crate) async fn bind(ip: IpAddr, config: &TlsConfig) -> Result<TlsListener, EmulatorError> {
    let ca = CertificateAuthority::load_or_create(&config.ca_dir)?;
    let ca_cert = ca.cert_path().to_path_buf();
    let acceptor = TlsAcceptor::from(Arc::new(server_config(ca)?));
    let bind_error = |source| EmulatorError::Bind {
        addr: SocketAddr::new(ip, config.port).to_string(),
        source,
    };
    let listener = TcpListener::bind((ip, config.port))
        .await
        .map_err(bind_error)?;
    let addr = listener.local_addr().map_err(bind_error)?;
    Ok(TlsListener {
        listener,
        acceptor,
        addr,
        ca_cert,
    })
}

/// rustls's server settings: TLS 1.2 and 1.3 with ring, HTTP/1.1, certificates by SNI.
fn server_config(ca: CertificateAuthority) -> Result<rustls::ServerConfig, CaError> {
    let resolver = SniResolver::new(ca)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| CaError::Issue {
            name: "the TLS settings".to_string(),
            reason: e.to_string(),
        })?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(resolver));
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Accepts HTTPS connections until the server stops, then lets requests in flight finish. Each
/// connection holds one of `permits` (shared with the HTTP listener), as plain ones do.
pub(crate) async fn serve(tls: TlsListener, app: Arc<App>, permits: Arc<Semaphore>) {
    let mut stop = app.stopping.clone();
    let stopped = async move {
        let _ = stop.changed().await;
    };
    let connections = accept_with_permits(&tls.listener, &permits, stopped, |stream, permit| {
        handshake(stream, tls.acceptor.clone(), app.clone(), permit)
    })
    .await;
    drop(tls.listener);
    drain(connections).await;
}

/// Completes the handshake (within [`HANDSHAKE_TIMEOUT`]) and serves the connection.
async fn handshake(
    stream: TcpStream,
    acceptor: TlsAcceptor,
    app: Arc<App>,
    permit: OwnedSemaphorePermit,
) {
    let _ = stream.set_nodelay(true);
    let stop = app.stopping.clone();
    if let Ok(Ok(tls)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
        serve_io(tls, app, stop, Scheme::Https, permit).await;
    }
}
