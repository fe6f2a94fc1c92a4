//! The HTTP server: binds, reports readiness, serves connections and stops on Ctrl-C or SIGTERM.
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::dns::{DnsConfig, DnsReady, DnsServer};
use super::error::EmulatorError;
use super::gateway;
use super::state::journal::Recovery;
use super::state::State;

/// How to run the emulator.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// An IP address or `localhost`.
    pub host: String,
    /// 0 picks a free port.
    pub port: u16,
    /// Where state persists; `None` keeps it in memory.
    pub state_dir: Option<PathBuf>,
    /// Requests with a larger body are refused.
    pub max_body_bytes: usize,
    /// Start from what can be read of a corrupt journal, after moving it aside, instead of
    /// refusing to start.
    pub recover: bool,
    /// `--dns`: also answer DNS, AWS names with this emulator's address.
    pub dns: Option<DnsConfig>,
}

/// What the caller learns once the emulator accepts connections.
#[derive(Debug, Clone)]
pub struct Ready {
    pub addr: SocketAddr,
    pub recovery: Recovery,
    /// Where the DNS responder listens and what it answers, when configured.
    pub dns: Option<DnsReady>,
}

/// The shared state of a running emulator.
pub struct App {
    pub state: State,
    /// The address the emulator listens on (Lambda functions are pointed back at it).
    pub addr: SocketAddr,
    pub max_body_bytes: usize,
    /// Turns true when the server is shutting down (long polls then answer at once).
    pub stopping: watch::Receiver<bool>,
}

/// Runs the emulator until Ctrl-C or SIGTERM; `on_ready` is called once it accepts connections.
pub fn run(config: ServeConfig, on_ready: impl FnOnce(&Ready)) -> Result<(), EmulatorError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(EmulatorError::Runtime)?;
    runtime.block_on(serve(config, on_ready))
}

async fn serve(config: ServeConfig, on_ready: impl FnOnce(&Ready)) -> Result<(), EmulatorError> {
    let ip = parse_host(&config.host)?;
    let (state, recovery) = match &config.state_dir {
        Some(dir) => State::open(dir, config.recover)?,
        None => (State::in_memory(), Recovery::default()),
    };
    let listener = TcpListener::bind((ip, config.port))
        .await
        .map_err(|source| EmulatorError::Bind {
            addr: format!("{}:{}", config.host, config.port),
            source,
        })?;
    let addr = listener
        .local_addr()
        .map_err(|source| EmulatorError::Bind {
            addr: format!("{}:{}", config.host, config.port),
            source,
        })?;
    // Lives until the server stops; dropping it stops the responder.
    let dns = match config.dns {
        Some(dns) => Some(DnsServer::start(dns, addr.ip()).await?),
        None => None,
    };
    let (stop_sender, stopping) = watch::channel(false);
    let app = Arc::new(App {
        state,
        addr,
        max_body_bytes: config.max_body_bytes,
        stopping,
    });
    let shutdown = shutdown_signal();
    on_ready(&Ready {
        addr,
        recovery,
        dns: dns.as_ref().map(|dns| dns.ready().clone()),
    });
    accept_until_shutdown(listener, app, shutdown, stop_sender).await;
    drop(dns);
    Ok(())
}

/// `localhost` or an IP address.
fn parse_host(host: &str) -> Result<IpAddr, EmulatorError> {
    if host.eq_ignore_ascii_case("localhost") {
        return Ok(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    host.parse()
        .map_err(|_| EmulatorError::InvalidHost(host.to_string()))
}

/// How long a shutdown waits for requests in flight before closing their connections.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// Accepts connections until `shutdown` completes, then stops accepting, lets requests in
/// flight finish (up to [`DRAIN_TIMEOUT`]) and closes idle keep-alive connections.
async fn accept_until_shutdown(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: impl std::future::Future<Output = ()>,
    stop_sender: watch::Sender<bool>,
) {
    tokio::pin!(shutdown);
    let stop = app.stopping.clone();
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, app.clone(), stop.clone()));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let _ = stop_sender.send(true);
    let drain = async { while connections.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, drain).await;
}

/// Serves one connection; when `stop` changes, finishes the current request and closes.
async fn serve_connection(stream: TcpStream, app: Arc<App>, mut stop: watch::Receiver<bool>) {
    let _ = stream.set_nodelay(true);
    let service = service_fn(move |request| {
        let app = app.clone();
        async move { Ok::<_, Infallible>(gateway::handle(app, request).await) }
    });
    let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => return,
        _ = stop.changed() => {}
    }
    connection.as_mut().graceful_shutdown();
    let _ = connection.await;
}

/// A future that completes on Ctrl-C or SIGTERM. The handlers are installed right away, before
/// the ready line, so a signal sent as soon as it is read is not missed.
#[cfg(unix)]
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{signal, SignalKind};
    let interrupt = signal(SignalKind::interrupt());
    let terminate = signal(SignalKind::terminate());
    async move {
        match (interrupt, terminate) {
            (Ok(mut interrupt), Ok(mut terminate)) => {
                tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = terminate.recv() => {}
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
}

/// A future that completes on Ctrl-C.
#[cfg(not(unix))]
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
