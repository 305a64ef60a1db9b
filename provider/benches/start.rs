//! `make bench`, start-up section (issue 16 (a)): the plugin binary of this profile (`cargo bench`
//! builds it with the `release` profile; `BENCH_PROVIDER_BINARY` names another build) started as
//! Terraform starts it, `BENCH_STARTS` times (default 30): time from spawn to the handshake line,
//! `GetProviderSchema` over go-plugin's mTLS, then the process's resident memory. Medians; the
//! binary's size. Printed and written to `bench/results.md`, never asserted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/wire_common/mod.rs"]
mod wire_common;

// The results file's helpers, shared with the acceptance benchmarks (they find the workspace
// root and write files through these two names).
#[path = "../../tests/src/bench.rs"]
#[allow(dead_code)]
mod bench_support;

use std::path::{Path, PathBuf};
use std::time::Instant;

use base64::Engine as _;
use dmslink::wire::pb::tfplugin6::get_provider_schema;
use rustls_pki_types::CertificateDer;
use wire_common::{
    BIN, COOKIE, PluginProcess, go_plugin_client_identity, parse_handshake, provider_client, tls_unix_channel,
};

fn workspace_root() -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    crate_dir.parent().unwrap_or(crate_dir).to_path_buf()
}

fn write_file(path: &Path, contents: &str) {
    std::fs::write(path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

fn rss_kib(pid: u32, key: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let binary = std::env::var("BENCH_PROVIDER_BINARY").unwrap_or_else(|_| BIN.to_string());
    let starts: usize = std::env::var("BENCH_STARTS").ok().and_then(|v| v.parse().ok()).unwrap_or(30).max(1);
    let identity = go_plugin_client_identity();
    let env = [
        ("TF_PLUGIN_MAGIC_COOKIE", COOKIE),
        ("PLUGIN_PROTOCOL_VERSIONS", "6"),
        ("PLUGIN_CLIENT_CERT", identity.pem.as_str()),
        // As Terraform starts it without TF_LOG: the provider's default level.
        ("TF_LOG_PROVIDER", ""),
    ];
    let (mut to_handshake, mut schema_ms, mut rss_mib, mut hwm_mib) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..starts {
        let t0 = Instant::now();
        let plugin = PluginProcess::spawn_binary(&binary, &[], &env);
        to_handshake.push(t0.elapsed().as_secs_f64() * 1000.0);
        let fields = parse_handshake(&plugin.first_line);
        let der = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(fields[5].trim_end_matches('='))
            .expect("the handshake's certificate");
        let channel = tls_unix_channel(Path::new(&fields[3]), CertificateDer::from(der), Some(&identity))
            .await
            .expect("mTLS channel");
        let mut client = provider_client(channel);
        let t1 = Instant::now();
        client.get_provider_schema(get_provider_schema::Request {}).await.expect("GetProviderSchema");
        schema_ms.push(t1.elapsed().as_secs_f64() * 1000.0);
        rss_mib.push(rss_kib(plugin.child.id(), "VmRSS:") / 1024.0);
        hwm_mib.push(rss_kib(plugin.child.id(), "VmHWM:") / 1024.0);
        drop(plugin);
    }
    let size_mib = std::fs::metadata(&binary).map(|m| m.len() as f64 / 1024.0 / 1024.0).unwrap_or(0.0);
    let median = bench_support::median;
    let shown = binary.strip_prefix(&format!("{}/", workspace_root().display())).unwrap_or(&binary);
    let mut out = format!(
        "`{shown}`, started {starts} times as Terraform starts it (go-plugin mTLS); medians; machine: {}\n\n",
        bench_support::machine()
    );
    out.push_str("| what | figure | target |\n|---|---:|---:|\n");
    out.push_str(&format!("| start to handshake line | {:.1} ms | ≤ 10 ms |\n", median(&to_handshake)));
    out.push_str(&format!(
        "| first `GetProviderSchema` (mTLS handshake included) | {:.1} ms | |\n",
        median(&schema_ms)
    ));
    out.push_str(&format!("| RSS after `GetProviderSchema` | {:.1} MiB | ≤ 20 MB |\n", median(&rss_mib)));
    out.push_str(&format!("| peak RSS by then | {:.1} MiB | |\n", median(&hwm_mib)));
    out.push_str(&format!("| binary size | {size_mib:.1} MiB | |\n"));
    println!("\n{out}");
    let path = bench_support::write_section("(a) start-up", &out);
    let row = bench_support::summary_row;
    row("a1", "start to handshake line, release build", &format!("{:.1} ms", median(&to_handshake)), "≤ 10 ms");
    row("a2", "RSS after `GetProviderSchema`", &format!("{:.1} MiB", median(&rss_mib)), "≤ 20 MB");
    row("a3", "binary size", &format!("{size_mib:.1} MiB"), "");
    // `bench/run.py` hands over the build figures it measured before this, the first benchmark.
    if let Some(figures) = std::env::var_os("BENCH_BUILD_FIGURES") {
        bench_support::write_build_section(Path::new(&figures));
    }
    println!("written to {}", path.display());
}
