//! Running the plugin: handshake checks, listener, AutoMTLS, the gRPC server with every service
//! go-plugin expects, signals and shutdown.
//!
//! [`run`] is what `main` calls. [`serve`] takes an already bound [`Listener`], an optional TLS
//! config and a shutdown future, so tests can run the whole server in-process.

use std::future::Future;
use std::io::{self, Write};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::transport::server::Connected;
use tonic_health::ServingStatus;

use super::go_plugin::{Broker, Controller, Stdio};
use super::handshake::{self, Address};
use super::server::ProviderService;
use super::{MAX_MESSAGE_SIZE, tls};
use crate::engine::provider::Provider as Engine;

/// How long in-flight RPCs may run on after a shutdown request (Terraform kills us after 2 s).
const SHUTDOWN_GRACE: Duration = Duration::from_millis(1500);
/// How long a client may take to finish its TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// `-debug`: no cookie check, no TLS, print the `TF_REATTACH_PROVIDERS` line, serve until
    /// SIGINT or SIGTERM.
    pub debug: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Handshake(#[from] handshake::HandshakeError),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error("setting up the plugin listener: {0}")]
    Io(#[from] io::Error),
    #[error("gRPC server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
}

/// Serves the provider as Terraform expects and returns the process exit code: 0 after a
/// `GRPCController.Shutdown` or SIGTERM, 1 when the handshake is refused or serving fails.
/// Problems are reported on stderr; stdout carries only the handshake (or reattach) text.
pub async fn run<P: Send + Sync + 'static>(engine: Arc<Engine<P>>, opts: RunOptions) -> i32 {
    let result = if opts.debug { run_debug(engine).await } else { run_plugin(engine).await };
    match result {
        Ok(()) => 0,
        Err(ServeError::Handshake(e)) => {
            // A plain line: whoever ran us by hand reads this, not Terraform.
            eprintln!("{e}");
            1
        }
        Err(e) => {
            tracing::error!(error = %e, "the dmslink provider could not serve");
            eprintln!("dmslink: {e}");
            1
        }
    }
}

async fn run_plugin<P: Send + Sync + 'static>(engine: Arc<Engine<P>>) -> Result<(), ServeError> {
    let env = handshake::check_env(|k| std::env::var(k).ok())?;
    log_start("plugin");
    // Before the handshake line: from then on Terraform may send us Ctrl-C.
    let shutdown = shutdown_signal(false)?;
    let (tls_config, server_cert) = match &env.client_cert_pem {
        Some(pem) => {
            let client_cert = tls::parse_client_cert(pem)?;
            let identity = tls::generate_server_identity()?;
            (Some(tls::server_config(&identity, client_cert)?), Some(identity.cert))
        }
        None => {
            tracing::warn!("PLUGIN_CLIENT_CERT is not set: serving without TLS");
            (None, None)
        }
    };
    let bound = bind(env.socket_dir.as_deref()).await?;
    let line = handshake::handshake_line(&bound.address, server_cert.as_ref().map(|c| c.as_ref()));
    print_stdout(&format!("{line}\n"))?;
    tracing::debug!(address = bound.address.as_str(), tls = tls_config.is_some(), "plugin serving");
    let Bound { listener, address: _, dir } = bound;
    let result = serve(engine, listener, tls_config, shutdown).await;
    drop(dir);
    result
}

async fn run_debug<P: Send + Sync + 'static>(engine: Arc<Engine<P>>) -> Result<(), ServeError> {
    log_start("debug");
    let shutdown = shutdown_signal(true)?;
    let bound = bind(None).await?;
    print_stdout(&handshake::reattach_message(std::process::id(), &bound.address))?;
    let Bound { listener, address: _, dir } = bound;
    let result = serve(engine, listener, None, shutdown).await;
    drop(dir);
    result
}

/// The first log line of a serving process: which provider answered, for bug reports and readers of
/// `TF_LOG_PROVIDER` output. Not written when the handshake is refused (a person ran the binary by
/// hand and reads one plain line).
fn log_start(mode: &str) {
    let version = crate::VERSION;
    tracing::info!(version, mode, pid = std::process::id(), "terraform-provider-dmslink {version} starting");
}

fn print_stdout(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Resolves on SIGTERM (and, in debug mode, SIGINT). SIGINT is otherwise caught and ignored:
/// Terraform forwards Ctrl-C to the whole process group and then calls `StopProvider`.
#[cfg(unix)]
fn shutdown_signal(on_interrupt: bool) -> io::Result<impl Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    // Registering the handlers here (not inside the future) is what makes SIGINT harmless at once.
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        loop {
            tokio::select! {
                _ = term.recv() => {
                    tracing::info!("SIGTERM: shutting down");
                    return;
                }
                Some(()) = int.recv() => {
                    if on_interrupt {
                        tracing::info!("SIGINT: shutting down");
                        return;
                    }
                    tracing::debug!("SIGINT ignored; Terraform stops operations with StopProvider");
                }
            }
        }
    })
}

#[cfg(not(unix))]
fn shutdown_signal(on_interrupt: bool) -> io::Result<impl Future<Output = ()> + Send + 'static> {
    Ok(async move {
        loop {
            if tokio::signal::ctrl_c().await.is_err() || on_interrupt {
                return;
            }
        }
    })
}

/// A bound listener, with the temporary directory holding its socket (removed on drop).
pub struct Bound {
    pub listener: Listener,
    pub address: Address,
    pub dir: Option<SocketDir>,
}

/// Binds where go-plugin servers do: a unix socket in a fresh private temporary directory
/// (under `socket_dir` when given), or TCP on 127.0.0.1 where there are no unix sockets.
pub async fn bind(socket_dir: Option<&str>) -> io::Result<Bound> {
    #[cfg(unix)]
    {
        let base = match socket_dir {
            Some(d) => std::path::absolute(d)?,
            None => std::env::temp_dir(),
        };
        let dir = SocketDir::create(&base)?;
        let path = dir.0.join("plugin.sock");
        let listener = tokio::net::UnixListener::bind(&path)?;
        let address = Address::Unix(path.to_string_lossy().into_owned());
        Ok(Bound { listener: Listener::Unix(listener), address, dir: Some(dir) })
    }
    #[cfg(not(unix))]
    {
        let _ = socket_dir;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let address = Address::Tcp(listener.local_addr()?.to_string());
        Ok(Bound { listener: Listener::Tcp(listener), address, dir: None })
    }
}

/// A private temporary directory for the plugin socket; removed with its contents on drop.
pub struct SocketDir(PathBuf);

impl SocketDir {
    #[cfg_attr(not(unix), allow(dead_code))]
    fn create(base: &std::path::Path) -> io::Result<SocketDir> {
        let mut last = io::Error::other("no attempt");
        for _ in 0..16 {
            let name: String = (0..10).map(|_| fastrand::alphanumeric()).collect();
            let path = base.join(format!("dmslink-plugin-{name}"));
            let mut builder = std::fs::DirBuilder::new();
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            match builder.create(&path) {
                Ok(()) => return Ok(SocketDir(path)),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = e,
                Err(e) => return Err(e),
            }
        }
        Err(last)
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for SocketDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Where connections come from.
pub enum Listener {
    #[cfg(unix)]
    Unix(tokio::net::UnixListener),
    Tcp(tokio::net::TcpListener),
}

impl Listener {
    async fn accept(&self) -> io::Result<Box<dyn Io>> {
        match self {
            #[cfg(unix)]
            Listener::Unix(l) => Ok(Box::new(l.accept().await?.0)),
            Listener::Tcp(l) => {
                let (s, _) = l.accept().await?;
                s.set_nodelay(true)?;
                Ok(Box::new(s))
            }
        }
    }
}

/// Serves every service on `listener` until `shutdown` resolves or Terraform calls
/// `GRPCController.Shutdown`, then lets in-flight RPCs finish for a short grace period.
/// With `tls`, every connection must complete that TLS handshake first.
pub async fn serve<P: Send + Sync + 'static>(
    engine: Arc<Engine<P>>,
    listener: Listener,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let stop = CancellationToken::new();
    let (health_reporter, health) = tonic_health::server::health_reporter();
    health_reporter.set_service_status("plugin", ServingStatus::Serving).await;
    let health = health.max_decoding_message_size(MAX_MESSAGE_SIZE).max_encoding_message_size(MAX_MESSAGE_SIZE);

    let incoming = accept_loop(listener, tls.map(TlsAcceptor::from), stop.clone());
    let server = tonic::transport::Server::builder()
        .add_service(ProviderService::new(engine.clone()).into_server())
        .add_service(Controller::new(stop.clone()).into_server())
        .add_service(Stdio::new(stop.clone()).into_server())
        .add_service(Broker::new(stop.clone()).into_server())
        .add_service(health)
        .serve_with_incoming_shutdown(incoming, stop.clone().cancelled_owned());
    tokio::pin!(server);
    tokio::pin!(shutdown);

    let finished = tokio::select! {
        r = &mut server => Some(r),
        () = &mut shutdown => None,
        () = stop.cancelled() => None,
    };
    if let Some(r) = finished {
        return r.map_err(ServeError::from);
    }
    stop.cancel();
    engine.stop();
    match tokio::time::timeout(SHUTDOWN_GRACE, &mut server).await {
        Ok(r) => r.map_err(ServeError::from),
        Err(_) => {
            tracing::warn!("RPCs still running after the shutdown grace period; exiting anyway");
            Ok(())
        }
    }
}

/// Accepts connections (and their TLS handshakes, each in its own task) until `stop`.
fn accept_loop(
    listener: Listener,
    tls: Option<TlsAcceptor>,
    stop: CancellationToken,
) -> ReceiverStream<io::Result<Conn>> {
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                () = stop.cancelled() => break,
                a = listener.accept() => a,
            };
            let io = match accepted {
                Ok(io) => io,
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            };
            match &tls {
                None => {
                    if tx.send(Ok(Conn::Plain(io))).await.is_err() {
                        break;
                    }
                }
                Some(acceptor) => {
                    let (acceptor, tx) = (acceptor.clone(), tx.clone());
                    tokio::spawn(async move {
                        match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(io)).await {
                            Ok(Ok(stream)) => {
                                let _ = tx.send(Ok(Conn::Tls(Box::new(stream)))).await;
                            }
                            Ok(Err(e)) => tracing::warn!(error = %e, "TLS handshake refused"),
                            Err(_) => tracing::warn!("TLS handshake timed out"),
                        }
                    });
                }
            }
        }
    });
    ReceiverStream::new(rx)
}

/// Any byte stream a connection can run over.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Io for T {}

/// One accepted connection, plain or TLS.
pub enum Conn {
    Plain(Box<dyn Io>),
    Tls(Box<tokio_rustls::server::TlsStream<Box<dyn Io>>>),
}

impl Connected for Conn {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for Conn {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Tls(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Tls(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_flush(cx),
            Conn::Tls(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Tls(s) => Pin::new(s).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Conn::Tls(s) => Pin::new(s).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Conn::Plain(s) => s.is_write_vectored(),
            Conn::Tls(s) => s.is_write_vectored(),
        }
    }
}
