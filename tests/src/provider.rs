//! Building the provider once per test process and installing it into a filesystem mirror that a CLI
//! config points at, so that a plain `terraform init` with `source = "dmslink/dmslink"` works offline
//! and without `dev_overrides`.

use std::path::{Path, PathBuf};
use std::process::Command;
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

/// The provider binary: `$DMSLINK_PROVIDER_BIN`, else built once per process with
/// `cargo build -p terraform-provider-dmslink --bin terraform-provider-dmslink` (same cargo, same
/// workspace, `CARGO_TARGET_DIR` respected). Panics with cargo's output when the build fails.
pub fn provider_binary() -> PathBuf {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match BUILT.get_or_init(build) {
        Ok(path) => path.clone(),
        Err(e) => panic!("{e}"),
    }
}

fn build() -> Result<PathBuf, String> {
    if let Some(bin) = std::env::var_os("DMSLINK_PROVIDER_BIN").filter(|v| !v.is_empty()) {
        let bin = PathBuf::from(bin);
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
        .args(["-p", PACKAGE, "--bin", BINARY])
        .arg("--message-format=json-render-diagnostics");
    let out = run_with_timeout(cmd, Duration::from_secs(45 * 60));
    if !out.success() {
        return Err(format!("building the provider failed:\n{}", out.describe()));
    }
    let mut executable = None;
    for line in out.stdout.lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if msg["reason"] == "compiler-artifact"
            && msg["target"]["name"] == BINARY
            && let Some(exe) = msg["executable"].as_str()
        {
            executable = Some(PathBuf::from(exe));
        }
    }
    match executable {
        Some(exe) if exe.is_file() => Ok(exe),
        _ => Err(format!("cargo built no `{BINARY}` executable (no compiler-artifact message):\n{}", out.describe())),
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
