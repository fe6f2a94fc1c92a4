//! The HTTP server: binds, reports readiness, serves connections and stops on Ctrl-C or SIGTERM.
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Weak};

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;

use super::context::{parse_account_id, Scheme, DEFAULT_ACCOUNT};
use super::dns::{DnsConfig, DnsReady, DnsServer};
use super::error::EmulatorError;
use super::gateway;
use super::state::journal::Recovery;
use super::state::State;
use super::tls::{self, TlsConfig};

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
    /// HTTPS as well (`--tls-port`), with certificates from a local CA.
    pub tls: Option<TlsConfig>,
    /// `--dns`: also answer DNS, AWS names with this emulator's address.
    pub dns: Option<DnsConfig>,
    /// A connection that has not sent a whole request head (request line and headers) this long
    /// after it opened or after its last answer is closed, so stalled clients hold nothing.
    pub header_read_timeout: Duration,
    /// Connections served at once; further ones wait in the listen backlog until one closes.
    pub max_connections: usize,
    /// The account of requests whose access key is not a 12-digit account id (`test`): 12
    /// digits (`--account-id`), else the emulator refuses to start.
    pub default_account: String,
}

impl ServeConfig {
    /// The defaults of `awsredirect serve`: 127.0.0.1:4566, in memory, 64 MiB bodies, 30 s to
    /// send a request head, 512 connections.
    pub fn new() -> Self {
        ServeConfig {
            host: "127.0.0.1".to_string(),
            port: 4566,
            state_dir: None,
            max_body_bytes: 64 * 1024 * 1024,
            recover: false,
            header_read_timeout: Duration::from_secs(30),
            max_connections: 512,
            default_account: DEFAULT_ACCOUNT.to_string(),
            tls: None,
            dns: None,
        }
    }
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// What the caller learns once the emulator accepts connections.
#[derive(Debug, Clone)]
pub struct Ready {
    pub addr: SocketAddr,
    pub recovery: Recovery,
    /// Where HTTPS listens and the CA certificate clients must trust, with `tls`.
    pub tls: Option<tls::TlsReady>,
    /// Where the DNS responder listens and what it answers, when configured.
    pub dns: Option<DnsReady>,
}

/// The shared state of a running emulator.
pub struct App {
    pub state: State,
    /// The address the emulator listens on (Lambda functions are pointed back at it).
    pub addr: SocketAddr,
    pub max_body_bytes: usize,
    pub header_read_timeout: Duration,
    /// The account of requests whose access key names none.
    pub default_account: String,
    /// Turns true when the server is shutting down (long polls then answer at once).
    pub stopping: watch::Receiver<bool>,
    /// This `App` itself, for work that outlives the request that started it (deliveries,
    /// asynchronous invocations).
    this: Weak<App>,
    /// Notified when a Lambda event source mapping is created, changed or deleted, so the
    /// poller (`services::lambda::start_poller`) picks the change up at once.
    pub event_sources_changed: tokio::sync::Notify,
}

impl App {
    /// A handle to this emulator that background tasks own; `None` once it has stopped.
    pub fn handle(&self) -> Option<Arc<App>> {
        self.this.upgrade()
    }
}

/// The stack of each worker thread. Every recursive parser is bounded (DynamoDB expressions to
/// about 600 levels, JSON to 128, XML to 64); tokio's default of 2 MiB does not hold the deepest
/// DynamoDB expression DynamoDB accepts in a debug build, 8 MiB (a main thread's) holds it with
/// room to spare.
pub(crate) const WORKER_STACK_BYTES: usize = 8 * 1024 * 1024;

/// Runs the emulator until Ctrl-C or SIGTERM; `on_ready` is called once it accepts connections.
pub fn run(config: ServeConfig, on_ready: impl FnOnce(&Ready)) -> Result<(), EmulatorError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(WORKER_STACK_BYTES)
        .build()
        .map_err(EmulatorError::Runtime)?;
    runtime.block_on(serve(config, on_ready, shutdown_signal))
}

/// Runs the emulator until `stop` completes (for callers that run it beside other work, such as
/// `awsredirect run`); no signal handlers are installed.
pub fn run_until(
    config: ServeConfig,
    on_ready: impl FnOnce(&Ready),
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), EmulatorError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(WORKER_STACK_BYTES)
        .build()
        .map_err(EmulatorError::Runtime)?;
    runtime.block_on(serve(config, on_ready, || stop))
}

async fn serve<F: std::future::Future<Output = ()>>(
    config: ServeConfig,
    on_ready: impl FnOnce(&Ready),
    shutdown: impl FnOnce() -> F,
) -> Result<(), EmulatorError> {
    let ip = parse_host(&config.host)?;
    parse_account_id(&config.default_account)
        .map_err(|_| EmulatorError::InvalidAccountId(config.default_account.clone()))?;
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
    let tls = match &config.tls {
        Some(tls) => Some(tls::bind(ip, tls).await?),
        None => None,
    };
    // Lives until the server stops; dropping it stops the responder.
    let dns = match config.dns {
        Some(dns) => Some(DnsServer::start(dns, addr.ip()).await?),
        None => None,
    };
    let (stop_sender, stopping) = watch::channel(false);
    let app = Arc::new_cyclic(|this| App {
        state,
        addr,
        max_body_bytes: config.max_body_bytes,
        header_read_timeout: config.header_read_timeout,
        default_account: config.default_account.clone(),
        stopping,
        this: this.clone(),
        event_sources_changed: tokio::sync::Notify::new(),
    });
    // The event source mappings' poller runs beside the listeners; it is aborted (with every
    // function it is running) once the listeners have drained.
    let poller = crate::services::lambda::start_poller(app.clone());
    crate::services::events::schedule::start(&app);
    let shutdown = shutdown();
    let permits = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let tls_ready = tls.as_ref().map(tls::TlsListener::ready);
    let tls_task = tls.map(|t| tokio::spawn(tls::serve(t, app.clone(), permits.clone())));
    on_ready(&Ready {
        addr,
        recovery,
        tls: tls_ready,
        dns: dns.as_ref().map(|dns| dns.ready().clone()),
    });
    accept_until_shutdown(listener, app, permits, shutdown, stop_sender).await;
    if let Some(task) = tls_task {
        let _ = task.await;
    }
    poller.abort();
    let _ = poller.await;
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
    permits: Arc<Semaphore>,
    shutdown: impl std::future::Future<Output = ()>,
    stop_sender: watch::Sender<bool>,
) {
    let stop = app.stopping.clone();
    let connections = accept_with_permits(&listener, &permits, shutdown, |stream, permit| {
        serve_connection(stream, app.clone(), stop.clone(), permit)
    })
    .await;
    drop(listener);
    let _ = stop_sender.send(true);
    drain(connections).await;
}

/// Accepts connections on `listener` until `until` completes and hands each to `serve` with one
/// of `permits` (shared by every listener); with none left, nothing is accepted until a
/// connection closes. Returns the connections still being served.
pub(crate) async fn accept_with_permits<F>(
    listener: &TcpListener,
    permits: &Arc<Semaphore>,
    until: impl std::future::Future<Output = ()>,
    mut serve: impl FnMut(TcpStream, OwnedSemaphorePermit) -> F,
) -> JoinSet<()>
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    tokio::pin!(until);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut until => break,
            permit = permits.clone().acquire_owned() => {
                let Ok(permit) = permit else { break };
                tokio::select! {
                    _ = &mut until => break,
                    accepted = listener.accept() => match accepted {
                        Ok((stream, _)) => {
                            connections.spawn(serve(stream, permit));
                        }
                        Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
                    },
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections
}

/// Lets the connections finish for up to [`DRAIN_TIMEOUT`].
pub(crate) async fn drain(mut connections: JoinSet<()>) {
    let all = async { while connections.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, all).await;
}

/// Serves one plain HTTP connection, holding its `permit` until it closes.
async fn serve_connection(
    stream: TcpStream,
    app: Arc<App>,
    stop: watch::Receiver<bool>,
    permit: OwnedSemaphorePermit,
) {
    let _ = stream.set_nodelay(true);
    serve_io(stream, app, stop, Scheme::Http, permit).await;
}

/// Serves one connection (plain or TLS), marking its requests with `scheme` and holding its
/// `permit` until it closes; when `stop` changes, finishes the current request and closes.
pub(crate) async fn serve_io<S>(
    io: S,
    app: Arc<App>,
    mut stop: watch::Receiver<bool>,
    scheme: Scheme,
    _permit: OwnedSemaphorePermit,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let header_read_timeout = app.header_read_timeout;
    let service = service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
        request.extensions_mut().insert(scheme);
        let app = app.clone();
        async move { Ok::<_, Infallible>(gateway::handle(app, request).await) }
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout)
        .serve_connection(TokioIo::new(io), service);
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
