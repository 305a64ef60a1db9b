//! `terraform-provider-dmslink`: started by Terraform (go-plugin protocol), or by hand with
//! `-debug` to attach Terraform through `TF_REATTACH_PROVIDERS`.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use dmslink::engine::provider::Provider;
use dmslink::provider_config::ProviderBlock;
use dmslink::wire::serve::{self, RunOptions};
use dmslink::{VERSION, logging, resources};

const USAGE: &str = "usage: terraform-provider-dmslink [-debug | --version]\n\nStarted by Terraform or OpenTofu; run with -debug to serve in the foreground and print a TF_REATTACH_PROVIDERS value, with --version to print the version.";

fn main() -> ExitCode {
    let mut opts = RunOptions::default();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "-debug" | "--debug" => opts.debug = true,
            // On stdout, one line, before any logging: scripts read it (`make install`, support requests).
            "-version" | "--version" | "-v" | "version" => {
                println!("terraform-provider-dmslink {VERSION} (Terraform plugin protocol 6)");
                return ExitCode::SUCCESS;
            }
            "-h" | "-help" | "--help" => {
                eprintln!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("unknown argument {other:?}\n\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    logging::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("dmslink: starting the async runtime failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    let provider = Arc::new(Provider::new(ProviderBlock, resources::all_resources(), resources::all_data_sources()));
    let code = runtime.block_on(serve::run(provider, opts));
    // Don't wait for stray blocking tasks (DNS lookups, ...): Terraform kills us 2 s after Shutdown.
    runtime.shutdown_timeout(Duration::from_millis(200));
    if code == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
