//! The real binary, started exactly as Terraform starts it (AutoMTLS with go-plugin's P-521 CA
//! client certificate), answers over TLS, refuses other clients, and exits on Shutdown.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod wire_common;

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use dmslink::wire::pb::plugin::Empty;
use dmslink::wire::pb::tfplugin6::get_provider_schema;
use rustls_pki_types::CertificateDer;
use wire_common::*;

async fn schema_call(channel: tonic::transport::Channel) -> Result<get_provider_schema::Response, tonic::Status> {
    let mut client = provider_client(channel);
    tokio::time::timeout(Duration::from_secs(5), client.get_provider_schema(get_provider_schema::Request {}))
        .await
        .map_err(|_| tonic::Status::deadline_exceeded("timed out"))?
        .map(tonic::Response::into_inner)
}

#[tokio::test(flavor = "multi_thread")]
async fn terraform_style_mtls_handshake_serves_refuses_strangers_and_shuts_down() {
    let terraform = go_plugin_client_identity();
    let mut plugin = PluginProcess::spawn(
        &[],
        &[
            ("TF_PLUGIN_MAGIC_COOKIE", COOKIE),
            ("PLUGIN_PROTOCOL_VERSIONS", "5,6"),
            ("PLUGIN_CLIENT_CERT", &terraform.pem),
            ("PLUGIN_MIN_PORT", "10000"),
            ("PLUGIN_MAX_PORT", "25000"),
        ],
    );

    // The handshake line: 1|6|unix|<abs path>|grpc|<DER, base64 std alphabet, no padding>.
    let [core, app, network, address, protocol, cert] = parse_handshake(&plugin.first_line);
    assert_eq!((core.as_str(), app.as_str(), network.as_str(), protocol.as_str()), ("1", "6", "unix", "grpc"));
    assert!(address.starts_with('/'), "absolute socket path: {address}");
    assert!(cert.len() > 50 && !cert.contains('='), "unpadded base64: {cert}");
    let server_der = CertificateDer::from(STANDARD_NO_PAD.decode(&cert).unwrap());
    let socket = std::path::PathBuf::from(&address);

    // Terraform's client: P-521 client certificate, root = exactly the printed certificate.
    let channel = tls_unix_channel(&socket, server_der.clone(), Some(&terraform)).await.unwrap();
    let schema = schema_call(channel.clone()).await.unwrap();
    assert!(schema.provider.as_ref().is_some_and(|p| p.block.is_some()), "provider schema with a block");
    assert!(schema.server_capabilities.as_ref().is_some_and(|c| c.plan_destroy));

    // No client certificate: refused.
    let no_cert = match tls_unix_channel(&socket, server_der.clone(), None).await {
        Ok(ch) => schema_call(ch).await.is_err(),
        Err(_) => true,
    };
    assert!(no_cert, "a client without a certificate must be refused");

    // Another P-521 certificate of the same shape: refused.
    let stranger = go_plugin_client_identity();
    let other_cert = match tls_unix_channel(&socket, server_der.clone(), Some(&stranger)).await {
        Ok(ch) => schema_call(ch).await.is_err(),
        Err(_) => true,
    };
    assert!(other_cert, "a client with another certificate must be refused");

    // Terraform's client still works after the refusals.
    schema_call(channel.clone()).await.unwrap();

    // Shutdown: reply, then exit 0 within Terraform's 2 s.
    let mut controller = controller_client(channel);
    let started = Instant::now();
    controller.shutdown(Empty {}).await.unwrap();
    let status = plugin.wait_exit(Duration::from_secs(2));
    let stderr = plugin.stderr_text();
    let status = status.unwrap_or_else(|| panic!("plugin still running 2 s after Shutdown; stderr:\n{stderr}"));
    assert!(status.success(), "exit status {status:?}; stderr:\n{stderr}");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(!socket.exists(), "the socket directory is removed on exit");
    assert!(stderr.contains("peer sent no certificates"), "refusal without a certificate logged:\n{stderr}");
    assert!(stderr.contains("ApplicationVerificationFailure"), "refusal of the stranger logged:\n{stderr}");
    assert!(plugin.stdout_rest.try_recv().is_err(), "nothing but the handshake line on stdout");
}
