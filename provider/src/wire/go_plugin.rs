//! go-plugin's side services (package `plugin`): the controller Terraform uses to shut a plugin
//! down, the stdio stream it opens once, and the broker it starts on every connection.

use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status, Streaming};

use super::MAX_MESSAGE_SIZE;
use super::pb::plugin as pb;

/// `plugin.GRPCController`: `Shutdown` answers, then starts a graceful shutdown of the process.
#[derive(Clone)]
pub struct Controller {
    shutdown: CancellationToken,
}

impl Controller {
    pub fn new(shutdown: CancellationToken) -> Controller {
        Controller { shutdown }
    }
    pub fn into_server(self) -> pb::grpc_controller_server::GrpcControllerServer<Controller> {
        pb::grpc_controller_server::GrpcControllerServer::new(self)
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE)
    }
}

#[tonic::async_trait]
impl pb::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(&self, _: Request<pb::Empty>) -> Result<Response<pb::Empty>, Status> {
        tracing::debug!("GRPCController.Shutdown: exiting");
        // The graceful shutdown lets this response finish before the connection closes.
        self.shutdown.cancel();
        Ok(Response::new(pb::Empty {}))
    }
}

/// A server stream that sends nothing and ends when the server shuts down (an endless stream
/// would hold the graceful shutdown open).
fn idle_stream<T: Send + 'static>(shutdown: &CancellationToken) -> ReceiverStream<Result<T, Status>> {
    let (tx, rx) = mpsc::channel::<Result<T, Status>>(1);
    let shutdown = shutdown.clone();
    tokio::spawn(async move {
        tokio::select! {
            () = shutdown.cancelled() => {}
            () = tx.closed() => {}
        }
    });
    ReceiverStream::new(rx)
}

/// `plugin.GRPCStdio`: dmslink logs to stderr directly, so the stream stays open and silent.
#[derive(Clone)]
pub struct Stdio {
    shutdown: CancellationToken,
}

impl Stdio {
    pub fn new(shutdown: CancellationToken) -> Stdio {
        Stdio { shutdown }
    }
    pub fn into_server(self) -> pb::grpc_stdio_server::GrpcStdioServer<Stdio> {
        pb::grpc_stdio_server::GrpcStdioServer::new(self)
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE)
    }
}

#[tonic::async_trait]
impl pb::grpc_stdio_server::GrpcStdio for Stdio {
    type StreamStdioStream = ReceiverStream<Result<pb::StdioData, Status>>;

    async fn stream_stdio(&self, _: Request<()>) -> Result<Response<Self::StreamStdioStream>, Status> {
        Ok(Response::new(idle_stream(&self.shutdown)))
    }
}

/// `plugin.GRPCBroker`: accepted and left idle; providers never broker extra connections.
#[derive(Clone)]
pub struct Broker {
    shutdown: CancellationToken,
}

impl Broker {
    pub fn new(shutdown: CancellationToken) -> Broker {
        Broker { shutdown }
    }
    pub fn into_server(self) -> pb::grpc_broker_server::GrpcBrokerServer<Broker> {
        pb::grpc_broker_server::GrpcBrokerServer::new(self)
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE)
    }
}

#[tonic::async_trait]
impl pb::grpc_broker_server::GrpcBroker for Broker {
    type StartStreamStream = ReceiverStream<Result<pb::ConnInfo, Status>>;

    async fn start_stream(
        &self,
        request: Request<Streaming<pb::ConnInfo>>,
    ) -> Result<Response<Self::StartStreamStream>, Status> {
        // Drain whatever the client sends so its side never blocks on flow control.
        let mut incoming = request.into_inner();
        let shutdown = self.shutdown.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    msg = incoming.message() => match msg {
                        Ok(Some(info)) => tracing::trace!(service_id = info.service_id, "broker message ignored"),
                        Ok(None) | Err(_) => break,
                    },
                }
            }
        });
        Ok(Response::new(idle_stream(&self.shutdown)))
    }
}
