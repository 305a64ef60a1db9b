//! Acceptance test harness for dmslink: the real `terraform` CLI drives the provider binary, installed
//! from a filesystem mirror, against the local AWS emulator (`tests/emulator`).
//!
//! A test starts a [`TestBed`] (its own emulator, the provider mirror, the CLIs to prove), then runs the
//! same scenario once per CLI with [`TestBed::each_cli`], each in its own [`Workdir`]:
//!
//! ```no_run
//! use dmslink_acctest::TestBed;
//!
//! let Some(bed) = TestBed::start("example") else { return }; // tools missing outside CI: skipped
//! bed.each_cli(|cli| {
//!     let wd = bed.workdir(cli, "terraform-repltask");
//!     wd.init();
//! });
//! ```
//!
//! Every helper panics with the command line and its output when something fails: this crate only
//! exists to be called from tests.
//!
//! Environment:
//! - `DMSLINK_VENV`: the Python venv with moto, boto3 and the pinned Terraform (default `<workspace>/.venv`).
//! - `TERRAFORM`: prove only this CLI.
//! - `CI=true`: a missing venv or CLI fails the test instead of skipping it.
//! - `DMSLINK_PROVIDER_BIN`: use this provider binary instead of building it.
//! - `DMSLINK_ACCTEST_KEEP=1`: keep the temporary directories (printed on stderr).

mod bed;
pub mod bench;
mod cli;
mod diagnostics;
mod dms;
mod emulator;
mod faults;
mod fixtures;
mod http;
#[cfg(unix)]
pub mod interrupt;
pub mod kill;
pub mod ledger;
pub mod postgres;
mod process;
mod provider;
pub mod seed_stack;
pub mod served;
mod venv;
mod workdir;

use std::path::{Path, PathBuf};

pub use bed::TestBed;
pub use cli::{Cli, Flavor, PINNED_VERSION, Version, clis, which};
pub use diagnostics::{Diagnostic, fold_whitespace, parse_diagnostics, points_at_attribute};
pub use dms::{Dms, TaskInfo};
pub use emulator::{Emulator, Request};
pub use faults::{ChaosProfile, FaultCounters, FaultKind, FaultRule, InjectedFault};
pub use fixtures::{DmsStack, Fixtures, PeeringSide, Route, StateBackend, Vpc};
pub use process::{RunOutput, kill_hard, processes_in, run_with_timeout};
pub use provider::{
    FEATURES as PROVIDER_FEATURES, Mirror, PROVIDER_NAMESPACE, PROVIDER_TYPE, PROVIDER_VERSION, platform,
    provider_binary, provider_binary_override, provider_binary_with_progress,
};
pub use venv::Venv;
pub use workdir::{BACKEND_CONFIG_FILE, Workdir, backend_endpoint_settings};

/// Region of the examples (`var.region`'s default) and of every fixture.
pub const REGION: &str = "ap-southeast-2";

/// Credentials the emulator accepts (any would do; these are the conventional ones).
pub const TEST_ACCESS_KEY: &str = "testing";
pub const TEST_SECRET_KEY: &str = "testing";

/// The workspace root (the directory with the workspace `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    crate_dir.parent().unwrap_or(crate_dir).to_path_buf()
}

/// `examples-hcl/<module>` in the workspace.
pub fn example_dir(module: &str) -> PathBuf {
    workspace_root().join("examples-hcl").join(module)
}

/// The root module `name`: `tests/modules/<name>` (modules only the acceptance tests use) when that
/// directory exists, else `examples-hcl/<name>`.
pub fn module_dir(name: &str) -> PathBuf {
    let test_module = workspace_root().join("tests").join("modules").join(name);
    if test_module.is_dir() { test_module } else { example_dir(name) }
}

/// True when running under CI (`CI=true` or `CI=1`): missing tools are failures there, not skips.
pub fn in_ci() -> bool {
    std::env::var("CI")
        .map(|v| {
            let v = v.trim().to_ascii_lowercase();
            v == "true" || v == "1" || v == "yes"
        })
        .unwrap_or(false)
}

/// True when `DMSLINK_ACCTEST_KEEP` asks to keep the temporary directories.
pub fn keep_temp_dirs() -> bool {
    std::env::var("DMSLINK_ACCTEST_KEEP").map(|v| !v.is_empty() && v != "0").unwrap_or(false)
}

/// A tool the acceptance tests need is missing: under CI this fails the test (with what to run); elsewhere
/// it prints a note and the caller skips (returns `None`).
pub fn missing_tool<T>(what: &str, fix: &str) -> Option<T> {
    if in_ci() {
        panic!("acceptance test bed incomplete under CI=true: {what}\n  fix: {fix}");
    }
    eprintln!("note: skipping acceptance test: {what}\n  fix: {fix}");
    None
}

/// A new temporary directory, kept when `DMSLINK_ACCTEST_KEEP` is set.
pub(crate) fn temp_dir(prefix: &str) -> tempfile::TempDir {
    let mut dir = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .unwrap_or_else(|e| panic!("cannot create a temporary directory: {e}"));
    if keep_temp_dirs() {
        eprintln!("note: keeping {}", dir.path().display());
        dir.disable_cleanup(true);
    }
    dir
}

/// Copies a directory tree (regular files and directories only; `.terraform*` left out).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("mkdir {}: {e}", to.display()));
    let entries = std::fs::read_dir(from).unwrap_or_else(|e| panic!("read_dir {}: {e}", from.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("read_dir {}: {e}", from.display()));
        let name = entry.file_name();
        if name.to_string_lossy().starts_with(".terraform") {
            continue;
        }
        let src = entry.path();
        let dst = to.join(&name);
        let kind = entry.file_type().unwrap_or_else(|e| panic!("stat {}: {e}", src.display()));
        if kind.is_dir() {
            copy_tree(&src, &dst);
        } else if kind.is_file() {
            std::fs::copy(&src, &dst).unwrap_or_else(|e| panic!("copy {} -> {}: {e}", src.display(), dst.display()));
        }
    }
}

/// Writes `contents` to `path`, creating parent directories.
pub fn write_file(path: &Path, contents: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("mkdir {}: {e}", parent.display()));
    }
    std::fs::write(path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// Asserts `needles` occur in `haystack` in this order (other items may come between), e.g. the
/// AWS actions of the emulator's request log; the message names the CLI (`label`) and `what`.
pub fn assert_in_order(label: &str, what: &str, haystack: &[String], needles: &[&str]) {
    let mut rest = haystack.iter();
    for needle in needles {
        assert!(rest.any(|h| h == needle), "[{label}] {what}: expected {needles:?} in this order, got {haystack:?}");
    }
}

/// An HCL string literal for `s` (quotes, backslashes and template sequences escaped).
pub fn hcl_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn hcl_string_escapes() {
        assert_eq!(hcl_string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(hcl_string("${x} %{y} $z"), r#""$${x} %%{y} $z""#);
    }

    #[test]
    fn workspace_root_has_the_workspace_manifest() {
        assert!(workspace_root().join("Cargo.toml").is_file());
        assert!(example_dir("terraform-repltask").join("_variables.tf").is_file());
    }
}
