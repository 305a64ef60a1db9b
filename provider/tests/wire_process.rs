//! The binary's process contract: refusing to run outside Terraform, `-debug` reattach mode,
//! SIGINT ignored, SIGTERM and Shutdown exiting cleanly, stdout holding only the handshake.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod wire_common;

use std::process::Command;
use std::time::Duration;

use dmslink::wire::pb::tfplugin6::{get_provider_schema, stop_provider};
use wire_common::*;

#[test]
fn running_without_the_magic_cookie_says_it_is_a_terraform_plugin_and_exits_1() {
    let out = Command::new(BIN).env_remove("TF_PLUGIN_MAGIC_COOKIE").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "nothing on stdout");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("Terraform plugin"), "{err}");
    assert!(err.contains("not meant to be run directly"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
}

#[test]
fn version_flag_prints_the_version_on_stdout_and_exits_0() {
    for flag in ["--version", "-version", "version"] {
        let out = Command::new(BIN).arg(flag).env_remove("TF_PLUGIN_MAGIC_COOKIE").output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{flag}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(
            text,
            format!("terraform-provider-dmslink {} (Terraform plugin protocol 6)\n", env!("CARGO_PKG_VERSION")),
            "{flag}"
        );
        assert!(out.stderr.is_empty(), "{flag}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn a_terraform_without_protocol_6_gets_a_clear_error() {
    let out = Command::new(BIN)
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "4,5")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("protocol 6") && err.contains("4,5"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn debug_mode_prints_reattach_json_serves_plaintext_and_stops_on_sigint() {
    let mut plugin = PluginProcess::spawn(&["-debug"], &[]);
    assert_eq!(
        plugin.first_line,
        "Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment variable with the following:"
    );
    let blank = plugin.stdout_rest.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(blank, "");
    let line = plugin.stdout_rest.recv_timeout(Duration::from_secs(5)).unwrap();
    let json = line.strip_prefix("\tTF_REATTACH_PROVIDERS='").and_then(|l| l.strip_suffix('\'')).unwrap();
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    // One line for either CLI: each looks the provider up under its own default registry host.
    assert_eq!(v["registry.opentofu.org/dmslink/dmslink"], v["registry.terraform.io/dmslink/dmslink"]);
    let p = &v["registry.terraform.io/dmslink/dmslink"];
    assert_eq!(p["Protocol"], "grpc");
    assert_eq!(p["ProtocolVersion"], 6);
    assert_eq!(p["Pid"], plugin.child.id());
    assert_eq!(p["Test"], true);
    assert_eq!(p["Addr"]["Network"], "unix");
    let socket = std::path::PathBuf::from(p["Addr"]["String"].as_str().unwrap());
    assert!(socket.is_absolute());

    // Plaintext h2c, no client certificate needed.
    let mut client = provider_client(unix_channel(&socket).await);
    let schema = client.get_provider_schema(get_provider_schema::Request {}).await.unwrap().into_inner();
    assert!(schema.provider.is_some());

    plugin.signal("INT");
    let status = plugin.wait_exit(Duration::from_secs(3)).expect("debug server stops on SIGINT");
    assert!(status.success(), "{status:?}\n{}", plugin.stderr_text());
}

#[tokio::test(flavor = "multi_thread")]
async fn plugin_mode_ignores_sigint_and_exits_0_on_sigterm() {
    // No PLUGIN_CLIENT_CERT (TF_DISABLE_PLUGIN_TLS): plaintext, empty certificate field.
    let mut plugin =
        PluginProcess::spawn(&[], &[("TF_PLUGIN_MAGIC_COOKIE", COOKIE), ("PLUGIN_PROTOCOL_VERSIONS", "6")]);
    let [_, _, network, address, _, cert] = parse_handshake(&plugin.first_line);
    assert_eq!(network, "unix");
    assert_eq!(cert, "");

    plugin.signal("INT");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(plugin.child.try_wait().unwrap().is_none(), "SIGINT must not stop the plugin");

    let mut client = provider_client(unix_channel(std::path::Path::new(&address)).await);
    client.get_provider_schema(get_provider_schema::Request {}).await.unwrap();
    let stop = client.stop_provider(stop_provider::Request {}).await.unwrap().into_inner();
    assert_eq!(stop.error, "");

    plugin.signal("TERM");
    let status = plugin.wait_exit(Duration::from_secs(3)).expect("exits on SIGTERM");
    assert!(status.success(), "{status:?}\n{}", plugin.stderr_text());
    assert!(plugin.stdout_rest.try_recv().is_err(), "nothing but the handshake line on stdout");
    let stderr = plugin.stderr_text();
    assert!(stderr.contains("SIGINT ignored"), "{stderr}");
    let first: serde_json::Value = serde_json::from_str(stderr.lines().next().unwrap()).unwrap();
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(first["@message"], format!("terraform-provider-dmslink {version} starting"), "{stderr}");
    assert_eq!(first["version"], version, "{stderr}");
    // Every stderr line is an hclog JSON object.
    for line in stderr.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(dmslink::logging::is_hclog_timestamp(v["@timestamp"].as_str().unwrap()), "{line}");
        assert!(["trace", "debug", "info", "warn", "error"].contains(&v["@level"].as_str().unwrap()), "{line}");
        assert_eq!(v["@module"], "dmslink", "{line}");
    }
}
