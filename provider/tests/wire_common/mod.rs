//! Shared helpers for the wire integration tests: a tiny fake resource and data source, an
//! in-process server on a unix socket, gRPC clients (plain and go-plugin-style mTLS), and a
//! harness for the real plugin binary.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use dmslink::engine::provider::Provider;
use dmslink::engine::schema::timeouts_block;
use dmslink::engine::{
    About, ApplyOutcome, AttrPath, Attribute, Block, Configure, Ctx, DataSource, Diagnostics, Resource, Schema, Type,
    Value,
};
use dmslink::wire::pb::plugin::grpc_controller_client::GrpcControllerClient;
use dmslink::wire::pb::tfplugin6::provider_client::ProviderClient;
use dmslink::wire::serve::{Listener, ServeError, serve};
use dmslink::wire::{MAX_MESSAGE_SIZE, cty};
use hyper_util::rt::TokioIo;
use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
    PKCS_ECDSA_P521_SHA512,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use tokio::net::UnixStream;
use tonic::transport::{Channel, Endpoint, Uri};

pub const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
pub const THING: &str = "dmslink_fake_thing";
pub const INFO: &str = "dmslink_fake_info";

// ---- fake provider block, resource and data source ----

/// The provider data of the wire tests: the engine hands it to operations and never looks inside.
pub struct FakeData;

/// A provider block with one optional attribute; configuring always succeeds.
pub struct FakeBlock;

#[async_trait]
impl Configure for FakeBlock {
    type Data = FakeData;
    fn schema(&self) -> Schema {
        Schema::new(0, Block::new("A fake provider for wire tests.").attr(Attribute::optional("region", Type::String)))
    }
    async fn configure(&self, _config: &Value) -> Result<FakeData, Diagnostics> {
        Ok(FakeData)
    }
}

pub struct FakeThing;

pub fn thing_schema() -> Schema {
    Schema::new(
        2,
        Block::new("A fake thing for wire tests.")
            .attr(Attribute::required("name", Type::String).describe("Name; no spaces.").force_new().validate(
                |v, path, diags| {
                    if v.as_str().is_some_and(|s| s.contains(' ')) {
                        diags.error_at(path.clone(), "Invalid name", "Names may not contain spaces.");
                    }
                },
            ))
            .attr(Attribute::optional("note", Type::String).describe("A note."))
            .attr(Attribute::with_default("size", Type::Number, Value::int(10)).describe("Size."))
            .attr(Attribute::computed("arn", Type::String).describe("ARN."))
            .attr(Attribute::optional("tags", Type::map(Type::String)).describe("Tags."))
            .attr(Attribute::optional("password", Type::String).sensitive().describe("Secret."))
            .block(timeouts_block(&["create"])),
    )
}

#[async_trait]
impl Resource<FakeData> for FakeThing {
    fn about(&self) -> About {
        About::new(THING, thing_schema)
    }

    async fn read(&self, _ctx: &Ctx<FakeData>, state: &Value) -> Result<Option<Value>, Diagnostics> {
        Ok(Some(state.clone()))
    }
    async fn create(&self, _ctx: &Ctx<FakeData>, planned: &Value, _config: &Value) -> ApplyOutcome {
        ApplyOutcome::ok(planned.clone())
    }
    async fn update(&self, _ctx: &Ctx<FakeData>, _prior: &Value, planned: &Value, _config: &Value) -> ApplyOutcome {
        ApplyOutcome::ok(planned.clone())
    }
    async fn delete(&self, _ctx: &Ctx<FakeData>, _prior: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    async fn import(&self, _ctx: &Ctx<FakeData>, id: &str) -> Result<Value, Diagnostics> {
        let mut v = Value::null_object(&thing_schema().value_type());
        v.set("name", Value::string(id));
        Ok(v)
    }
}

pub struct FakeInfo;

fn info_schema() -> Schema {
    Schema::new(
        0,
        Block::new("Fake info.")
            .attr(Attribute::required("id", Type::String).describe("Id."))
            .attr(Attribute::computed("value", Type::String).describe("Value.")),
    )
}

fn check_info(config: &Value, diags: &mut Diagnostics) {
    if config.get("id").as_str() == Some("forbidden") {
        diags.error_at(AttrPath::attr("id"), "Forbidden id", "Pick another id.");
    }
}

#[async_trait]
impl DataSource<FakeData> for FakeInfo {
    fn about(&self) -> About {
        About::new(INFO, info_schema).checked_by(check_info)
    }
    async fn read(&self, _ctx: &Ctx<FakeData>, config: &Value) -> Result<Value, Diagnostics> {
        Ok(config.clone())
    }
}

pub fn fake_engine() -> Arc<Provider<FakeData>> {
    Arc::new(Provider::new(FakeBlock, vec![Arc::new(FakeThing)], vec![Arc::new(FakeInfo)]))
}

pub fn thing_type() -> Type {
    thing_schema().value_type()
}

pub fn info_type() -> Type {
    info_schema().value_type()
}

/// An object of `ty` with the given attributes set and every other attribute null.
pub fn object(ty: &Type, pairs: &[(&str, Value)]) -> Value {
    let mut v = Value::null_object(ty);
    for (k, x) in pairs {
        v.set(k, x.clone());
    }
    v
}

pub fn dv(v: &Value, ty: &Type) -> dmslink::wire::pb::tfplugin6::DynamicValue {
    dmslink::wire::pb::tfplugin6::DynamicValue { msgpack: cty::msgpack::encode(v, ty).unwrap(), json: vec![] }
}

pub fn undv(d: Option<&dmslink::wire::pb::tfplugin6::DynamicValue>, ty: &Type) -> Value {
    dmslink::wire::convert::decode_dynamic(d, ty).unwrap()
}

// ---- in-process server ----

pub struct InProcess {
    pub client: ProviderClient<Channel>,
    pub channel: Channel,
    pub socket: PathBuf,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    pub handle: tokio::task::JoinHandle<Result<(), ServeError>>,
    _dir: tempfile::TempDir,
}

impl InProcess {
    /// Serves `engine` on a unix socket in a temp dir, plaintext, and connects a client.
    pub async fn start<P: Send + Sync + 'static>(engine: Arc<Provider<P>>) -> InProcess {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("plugin.sock");
        let listener = tokio::net::UnixListener::bind(&socket).unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(serve(engine, Listener::Unix(listener), None, async move {
            let _ = rx.await;
        }));
        let channel = unix_channel(&socket).await;
        let client = provider_client(channel.clone());
        InProcess { client, channel, socket, shutdown: Some(tx), handle, _dir: dir }
    }

    pub async fn stop(mut self) -> Result<(), ServeError> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        tokio::time::timeout(Duration::from_secs(5), &mut self.handle).await.expect("server stops").unwrap()
    }
}

pub fn provider_client(channel: Channel) -> ProviderClient<Channel> {
    ProviderClient::new(channel).max_decoding_message_size(MAX_MESSAGE_SIZE).max_encoding_message_size(MAX_MESSAGE_SIZE)
}

pub fn controller_client(channel: Channel) -> GrpcControllerClient<Channel> {
    GrpcControllerClient::new(channel)
}

/// A plaintext (h2c) channel over a unix socket.
pub async fn unix_channel(path: &Path) -> Channel {
    let path = path.to_path_buf();
    Endpoint::try_from("http://localhost")
        .unwrap()
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let path = path.clone();
            async move { Ok::<_, std::io::Error>(TokioIo::new(UnixStream::connect(path).await?)) }
        }))
        .await
        .unwrap()
}

/// A go-plugin-style client certificate, as Terraform generates it (`go-plugin mtls.go`).
pub struct ClientIdentity {
    pub cert: CertificateDer<'static>,
    pub key: PrivateKeyDer<'static>,
    pub pem: String,
}

pub fn go_plugin_client_identity() -> ClientIdentity {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P521_SHA512).unwrap();
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "localhost");
    dn.push(DnType::OrganizationName, "HashiCorp");
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyAgreement,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth, ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.self_signed(&key).unwrap();
    ClientIdentity {
        cert: cert.der().clone(),
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        pem: cert.pem(),
    }
}

/// A TLS channel like go-plugin's client: root = exactly the server's printed certificate, SNI
/// `localhost`, ALPN `h2`, and optionally a client certificate.
pub async fn tls_unix_channel(
    path: &Path,
    server_cert: CertificateDer<'static>,
    client: Option<&ClientIdentity>,
) -> Result<Channel, tonic::transport::Error> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(server_cert).unwrap();
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let mut config = match client {
        Some(id) => builder.with_client_auth_cert(vec![id.cert.clone()], id.key.clone_key()).unwrap(),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let path = path.to_path_buf();
    Endpoint::try_from("http://localhost")
        .unwrap()
        .connect_timeout(Duration::from_secs(5))
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let (path, connector) = (path.clone(), connector.clone());
            async move {
                let tcp = UnixStream::connect(path).await?;
                let tls = connector.connect(ServerName::try_from("localhost").unwrap(), tcp).await?;
                Ok::<_, std::io::Error>(TokioIo::new(tls))
            }
        }))
        .await
}

// ---- the real binary ----

pub const BIN: &str = env!("CARGO_BIN_EXE_terraform-provider-dmslink");

pub struct PluginProcess {
    pub child: Child,
    pub first_line: String,
    pub stderr: Arc<Mutex<String>>,
    pub stdout_rest: mpsc::Receiver<String>,
}

impl PluginProcess {
    /// Spawns the binary with `env` (plus a clean TF_LOG setting) and `args`, and waits up to 20 s
    /// for its first stdout line.
    pub fn spawn(args: &[&str], env: &[(&str, &str)]) -> PluginProcess {
        PluginProcess::spawn_binary(BIN, args, env)
    }

    /// [`PluginProcess::spawn`] of another build of the binary (`make bench` measures any).
    pub fn spawn_binary(binary: &str, args: &[&str], env: &[(&str, &str)]) -> PluginProcess {
        let mut cmd = Command::new(binary);
        cmd.args(args)
            .env_remove("TF_PLUGIN_MAGIC_COOKIE")
            .env_remove("PLUGIN_CLIENT_CERT")
            .env_remove("PLUGIN_PROTOCOL_VERSIONS")
            .env("TF_LOG_PROVIDER", "DEBUG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err_pipe = child.stderr.take().unwrap();
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err_pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let (tx, rx) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let first_line = rx.recv_timeout(Duration::from_secs(20)).unwrap_or_default();
        PluginProcess { child, first_line, stderr, stdout_rest: rx }
    }

    /// Waits for the process to exit, up to `limit`.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill").arg(format!("-{sig}")).arg(self.child.id().to_string()).status().unwrap();
        assert!(ok.success());
    }

    pub fn stderr_text(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for PluginProcess {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The six handshake fields; panics with the line when it is malformed.
pub fn parse_handshake(line: &str) -> [String; 6] {
    let parts: Vec<String> = line.split('|').map(str::to_string).collect();
    parts.try_into().unwrap_or_else(|p: Vec<String>| panic!("handshake line has {} fields: {line:?}", p.len()))
}
