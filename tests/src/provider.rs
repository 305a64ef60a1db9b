//! Building the provider once per test process and installing it into a filesystem mirror that a CLI
//! config points at, so that a plain `terraform init` with `source = "dmslink/dmslink"` works offline
//! and without `dev_overrides`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use crate::process::run_with_timeout;

/// The provider's registry namespace and type: `source = "dmslink/dmslink"`.
pub const PROVIDER_NAMESPACE: &str = "dmslink";
pub const PROVIDER_TYPE: &str = "dmslink";
/// The version installed into the mirror (the workspace version).
pub const PROVIDER_VERSION: &str = env!("CARGO_PKG_VERSION");

const BINARY: &str = "terraform-provider-dmslink";
const PACKAGE: &str = "terraform-provider-dmslink";
const HOSTS: [&str; 2] = ["registry.terraform.io", "registry.opentofu.org"];

/// `<os>_<arch>` as Terraform names this platform: `linux_amd64`, `darwin_arm64`, ...
pub fn platform() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    format!("{os}_{arch}")
}

/// The provider features every build of the binary for tests and the demo uses (see `provider_binary`).
pub const FEATURES: &str = "fakes";

/// The provider binary: `$DMSLINK_PROVIDER_BIN`, else built once per process with
/// `cargo build -p terraform-provider-dmslink --bin terraform-provider-dmslink --features fakes`
/// (same cargo, same workspace, `CARGO_TARGET_DIR` respected). Panics with cargo's output when the
/// build fails.
///
/// `cargo test --workspace` has built the same units already (tests/tests/one_build.rs holds that),
/// so under `make test` this build compiles nothing. `--features fakes` is why: the contract suite's
/// dev-dependency turns the provider's `fakes` feature on in the workspace build, and a binary built
/// without it would be a second compilation of the provider (the fakes are compiled in, never used).
pub fn provider_binary() -> PathBuf {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match BUILT.get_or_init(|| build(false)) {
        Ok(path) => path.clone(),
        Err(e) => panic!("{e}"),
    }
}

/// [`provider_binary`] for a person watching (`make demo`): cargo's progress goes to stderr as it
/// happens; a failed build is an error naming the command, cargo's messages are above it.
pub fn provider_binary_with_progress() -> Result<PathBuf, String> {
    build(true)
}

/// Where the provider binary comes from: `$DMSLINK_PROVIDER_BIN` when set, else `None` (built).
pub fn provider_binary_override() -> Option<PathBuf> {
    std::env::var_os("DMSLINK_PROVIDER_BIN").filter(|v| !v.is_empty()).map(PathBuf::from)
}

fn build(progress: bool) -> Result<PathBuf, String> {
    if let Some(bin) = provider_binary_override() {
        return if bin.is_file() {
            Ok(bin)
        } else {
            Err(format!("DMSLINK_PROVIDER_BIN={} is not a file", bin.display()))
        };
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
    let manifest = crate::workspace_root().join("Cargo.toml");
    let mut cmd = Command::new(cargo);
    cmd.arg("build")
        .arg("--manifest-path")
        .arg(&manifest)
        .args(["-p", PACKAGE, "--bin", BINARY, "--features", FEATURES])
        .arg("--message-format=json-render-diagnostics");
    without_cargo_run_env(&mut cmd);
    let stdout = if progress {
        let out = cmd
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("cannot run cargo build -p {PACKAGE}: {e}"))?;
        if !out.status.success() {
            return Err(format!("building the provider failed (cargo's messages are above): {}", out.status));
        }
        String::from_utf8_lossy(&out.stdout).into_owned()
    } else {
        let out = run_with_timeout(cmd, Duration::from_secs(45 * 60));
        if !out.success() {
            return Err(format!("building the provider failed:\n{}", out.describe()));
        }
        out.stdout
    };
    let mut executable = None;
    let mut compiled_sdk = Vec::new();
    for line in stdout.lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if msg["reason"] != "compiler-artifact" {
            continue;
        }
        if let Some(name) = msg["target"]["name"].as_str().filter(|n| n.starts_with("aws_sdk_"))
            && msg["fresh"] == false
        {
            compiled_sdk.push(name.to_string());
        }
        if msg["target"]["name"] == BINARY
            && let Some(exe) = msg["executable"].as_str()
        {
            executable = Some(PathBuf::from(exe));
        }
    }
    if !progress && !compiled_sdk.is_empty() {
        // The acceptance tests link the SDK through the provider's library (a dev-dependency), so cargo
        // built it before running them; compiling it here means this build differs from the test
        // build (features, or the environment of a build script: see `without_cargo_run_env`).
        let what = format!(
            "the provider build of the acceptance harness compiled {compiled_sdk:?} again, which the test build \
             had just compiled (see tests/tests/one_build.rs)"
        );
        if crate::in_ci() {
            return Err(what);
        }
        eprintln!("note: {what}");
    }
    match executable {
        Some(exe) if exe.is_file() => Ok(exe),
        _ => Err(format!("cargo built no `{BINARY}` executable (no compiler-artifact message)")),
    }
}

/// Removes what cargo sets for the program it runs (`cargo test`, `cargo run`): the package's
/// `CARGO_PKG_*` and `CARGO_MANIFEST_*`, `OUT_DIR`, ... A build script may depend on them
/// (`ring`'s says `rerun-if-env-changed=CARGO_MANIFEST_DIR`), so a nested `cargo build` that sees
/// them reruns it and recompiles everything above it, the AWS SDK included, and the next `cargo
/// build` from a shell does it all again. Without them the nested build sees what a shell's sees.
fn without_cargo_run_env(cmd: &mut Command) {
    const SET_BY_CARGO: [&str; 7] = [
        "CARGO_CRATE_NAME",
        "CARGO_BIN_NAME",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_TARGET_TMPDIR",
        "CARGO_RUSTC_CURRENT_DIR",
        "CARGO_MANIFEST_LINKS",
        "OUT_DIR",
    ];
    const PREFIXES: [&str; 5] = ["CARGO_PKG_", "CARGO_MANIFEST_", "CARGO_BIN_EXE_", "CARGO_CFG_", "CARGO_FEATURE_"];
    for (key, _) in std::env::vars_os() {
        let k = key.to_string_lossy();
        if SET_BY_CARGO.contains(&k.as_ref()) || PREFIXES.iter().any(|p| k.starts_with(p)) {
            cmd.env_remove(&key);
        }
    }
}

/// A filesystem mirror holding the provider under both registry hosts, and a CLI config using it.
#[derive(Clone, Debug)]
pub struct Mirror {
    /// The mirror's root (`<root>/<host>/dmslink/dmslink/<version>/<os>_<arch>/...`).
    pub root: PathBuf,
    /// The CLI configuration file to pass as `TF_CLI_CONFIG_FILE`.
    pub cli_config: PathBuf,
}

impl Mirror {
    /// Installs `binary` into `<dir>/mirror` (unpacked layout, once per registry host) and writes
    /// `<dir>/cli.tfrc`.
    pub fn install(binary: &Path, dir: &Path) -> Mirror {
        let root = dir.join("mirror");
        let file_name = if cfg!(windows) {
            format!("{BINARY}_v{PROVIDER_VERSION}.exe")
        } else {
            format!("{BINARY}_v{PROVIDER_VERSION}")
        };
        for host in HOSTS {
            let pkg_dir =
                root.join(host).join(PROVIDER_NAMESPACE).join(PROVIDER_TYPE).join(PROVIDER_VERSION).join(platform());
            std::fs::create_dir_all(&pkg_dir).unwrap_or_else(|e| panic!("mkdir {}: {e}", pkg_dir.display()));
            let dest = pkg_dir.join(&file_name);
            std::fs::copy(binary, &dest)
                .unwrap_or_else(|e| panic!("copy {} -> {}: {e}", binary.display(), dest.display()));
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o755))
                    .unwrap_or_else(|e| panic!("chmod {}: {e}", dest.display()));
            }
        }
        let cli_config = dir.join("cli.tfrc");
        crate::write_file(&cli_config, &cli_config_text(&root));
        Mirror { root, cli_config }
    }
}

/// The CLI configuration: the mirror for dmslink/dmslink (under both hosts), direct for anything else.
pub fn cli_config_text(mirror_root: &Path) -> String {
    let addrs: Vec<String> =
        HOSTS.iter().map(|h| crate::hcl_string(&format!("{h}/{PROVIDER_NAMESPACE}/{PROVIDER_TYPE}"))).collect();
    let addrs = addrs.join(", ");
    let path = crate::hcl_string(&mirror_root.to_string_lossy().replace('\\', "/"));
    format!(
        "# Written by the dmslink acceptance tests.\n\
         disable_checkpoint = true\n\
         \n\
         provider_installation {{\n  \
           filesystem_mirror {{\n    \
             path    = {path}\n    \
             include = [{addrs}]\n  \
           }}\n  \
           direct {{\n    \
             exclude = [{addrs}]\n  \
           }}\n\
         }}\n"
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn mirror_layout_and_cli_config() {
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("bin");
        std::fs::write(&fake, b"#!/bin/sh\n").unwrap();
        let mirror = Mirror::install(&fake, dir.path());
        for host in HOSTS {
            let bin = mirror.root.join(format!(
                "{host}/dmslink/dmslink/{PROVIDER_VERSION}/{}/terraform-provider-dmslink_v{PROVIDER_VERSION}",
                platform()
            ));
            assert!(bin.is_file(), "{} missing", bin.display());
        }
        let text = std::fs::read_to_string(&mirror.cli_config).unwrap();
        assert!(text.contains("filesystem_mirror"));
        assert!(text.contains("\"registry.terraform.io/dmslink/dmslink\""));
        assert!(text.contains("\"registry.opentofu.org/dmslink/dmslink\""));
        assert!(!text.contains("dev_overrides"));
        assert_eq!(PROVIDER_VERSION, "0.1.0");
    }
}
