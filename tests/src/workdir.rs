//! A copy of an `examples-hcl` root module in which one CLI runs against the emulator.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::cli::Cli;
use crate::fixtures::StateBackend;
use crate::process::{RunOutput, run_with_timeout};
use crate::provider::Mirror;

/// The backend settings file `init` is given (`-backend-config=emulator.s3.tfbackend`).
pub const BACKEND_CONFIG_FILE: &str = "emulator.s3.tfbackend";

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// One CLI in one copy of a root module.
pub struct Workdir {
    cli: Cli,
    dir: PathBuf,
    cli_config: PathBuf,
    endpoint: String,
    aux_dir: PathBuf,
    vars: BTreeMap<String, String>,
    env: BTreeMap<String, Option<String>>,
    backend: Option<StateBackend>,
    timeout: Duration,
}

impl Workdir {
    /// Copies `source` into `dir` (which must not exist yet).
    pub fn new(cli: Cli, source: &Path, dir: PathBuf, mirror: &Mirror, endpoint: &str, aux_dir: &Path) -> Workdir {
        assert!(source.is_dir(), "no module at {}", source.display());
        crate::copy_tree(source, &dir);
        Workdir {
            cli,
            dir,
            cli_config: mirror.cli_config.clone(),
            endpoint: endpoint.to_string(),
            aux_dir: aux_dir.to_path_buf(),
            vars: BTreeMap::new(),
            env: BTreeMap::new(),
            backend: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    pub fn cli(&self) -> &Cli {
        &self.cli
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// A path inside the workdir.
    pub fn file(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    pub fn write(&self, rel: &str, contents: &str) {
        crate::write_file(&self.file(rel), contents);
    }

    pub fn read(&self, rel: &str) -> String {
        let path = self.file(rel);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }

    pub fn remove(&self, rel: &str) {
        let path = self.file(rel);
        if path.exists() {
            std::fs::remove_file(&path).unwrap_or_else(|e| panic!("remove {}: {e}", path.display()));
        }
    }

    /// Sets `TF_VAR_<name>` for every later command.
    pub fn set_var(&mut self, name: &str, value: impl Into<String>) -> &mut Self {
        self.vars.insert(name.to_string(), value.into());
        self
    }

    pub fn unset_var(&mut self, name: &str) -> &mut Self {
        self.vars.remove(name);
        self
    }

    /// Sets an environment variable for every later command (e.g. `TF_LOG_PROVIDER`).
    pub fn set_env(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.env.insert(key.to_string(), Some(value.into()));
        self
    }

    /// Removes an environment variable (one the harness would set) for every later command.
    pub fn remove_env(&mut self, key: &str) -> &mut Self {
        self.env.insert(key.to_string(), None);
        self
    }

    /// Timeout of each command (default 5 minutes).
    pub fn set_timeout(&mut self, timeout: Duration) -> &mut Self {
        self.timeout = timeout;
        self
    }

    /// Writes `emulator.s3.tfbackend` for `backend` in the dialect of this CLI; `init` then uses it.
    pub fn use_backend(&mut self, backend: &StateBackend) -> &mut Self {
        self.write(BACKEND_CONFIG_FILE, &backend_config_text(&self.cli, backend, &self.endpoint));
        self.backend = Some(backend.clone());
        self
    }

    pub fn backend(&self) -> Option<&StateBackend> {
        self.backend.as_ref()
    }

    /// The command for `args`, with the harness environment: the mirror's CLI config, no plugin
    /// cache, no checkpoint, no input, emulator credentials/region/endpoint, `TF_VAR_*`.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.cli.path);
        cmd.args(args).current_dir(&self.dir);
        for (key, _) in std::env::vars_os() {
            let k = key.to_string_lossy();
            if k.starts_with("TF_") || k.starts_with("AWS_") || k.starts_with("CHECKPOINT_") {
                cmd.env_remove(&key);
            }
        }
        cmd.env("TF_CLI_CONFIG_FILE", &self.cli_config)
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("AWS_ACCESS_KEY_ID", crate::TEST_ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", crate::TEST_SECRET_KEY)
            .env("AWS_REGION", crate::REGION)
            .env("AWS_DEFAULT_REGION", crate::REGION)
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", self.aux_dir.join("no-aws-config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", self.aux_dir.join("no-aws-credentials"));
        for (name, value) in &self.vars {
            cmd.env(format!("TF_VAR_{name}"), value);
        }
        for (key, value) in &self.env {
            match value {
                Some(v) => cmd.env(key, v),
                None => cmd.env_remove(key),
            };
        }
        cmd
    }

    /// Runs the CLI with `args`; never asserts.
    pub fn run(&self, args: &[&str]) -> RunOutput {
        run_with_timeout(self.command(args), self.timeout)
    }

    /// Runs the CLI with `args` and panics (naming the CLI, with both streams) unless it succeeds.
    pub fn run_ok(&self, args: &[&str]) -> RunOutput {
        let out = self.run(args);
        assert!(out.success(), "[{}] `{}` failed:\n{}", self.cli.label, args.join(" "), out.describe());
        out
    }

    /// `init` with the emulator backend settings (or `-backend=false` without a backend).
    pub fn init(&self) -> RunOutput {
        let backend_arg = format!("-backend-config={BACKEND_CONFIG_FILE}");
        let mut args = vec!["init", "-input=false", "-no-color"];
        if self.backend.is_some() {
            args.push(&backend_arg);
        } else {
            args.push("-backend=false");
        }
        self.run_ok(&args)
    }

    /// `validate` (not asserted).
    pub fn validate(&self) -> RunOutput {
        self.run(&["validate", "-no-color"])
    }

    /// `plan`, asserted to succeed.
    pub fn plan(&self) -> RunOutput {
        self.run_ok(&["plan", "-input=false", "-no-color"])
    }

    /// `plan -detailed-exitcode`: 0 no changes, 2 changes; anything else panics.
    pub fn plan_detailed(&self) -> (i32, RunOutput) {
        let out = self.run(&["plan", "-input=false", "-no-color", "-detailed-exitcode"]);
        let code = out.exit_code();
        assert!(
            !out.timed_out && (code == 0 || code == 2),
            "[{}] `plan -detailed-exitcode` failed:\n{}",
            self.cli.label,
            out.describe()
        );
        (code, out)
    }

    /// `plan -detailed-exitcode`, asserted to give `expected` (0 or 2).
    pub fn expect_plan(&self, expected: i32, why: &str) -> RunOutput {
        let (code, out) = self.plan_detailed();
        assert_eq!(
            code,
            expected,
            "[{}] {why}: plan -detailed-exitcode gave {code}, expected {expected}:\n{}",
            self.cli.label,
            out.describe()
        );
        out
    }

    /// `plan -detailed-exitcode` with no resource changes: exit 0, or exit 2 when only root outputs
    /// change (Terraform 1.0 after `import`, which stores no outputs).
    pub fn expect_no_resource_changes(&self, why: &str) -> RunOutput {
        let (code, out) = self.plan_detailed();
        let resource_changes = out.stdout.contains("will perform the following actions")
            || out.stdout.lines().any(|l| l.starts_with("Plan: "));
        assert!(
            code == 0 || (code == 2 && !resource_changes && out.stdout.contains("Changes to Outputs")),
            "[{}] {why}: expected no resource changes (exit {code}):\n{}",
            self.cli.label,
            out.describe()
        );
        out
    }

    pub fn apply(&self) -> RunOutput {
        self.run_ok(&["apply", "-auto-approve", "-input=false", "-no-color"])
    }

    pub fn destroy(&self) -> RunOutput {
        self.run_ok(&["destroy", "-auto-approve", "-input=false", "-no-color"])
    }

    /// `show -json` of the current state.
    pub fn show_json(&self) -> Value {
        let out = self.run_ok(&["show", "-json", "-no-color"]);
        serde_json::from_str(out.stdout.trim())
            .unwrap_or_else(|e| panic!("[{}] `show -json` printed no JSON ({e}):\n{}", self.cli.label, out.describe()))
    }

    /// The `values` of the resource at `addr` in `show -json` (root module only).
    pub fn resource_values(&self, addr: &str) -> Option<Value> {
        let doc = self.show_json();
        doc["values"]["root_module"]["resources"]
            .as_array()?
            .iter()
            .find(|r| r["address"] == addr)
            .map(|r| r["values"].clone())
    }

    /// `output -json`, as an object of name → value.
    pub fn outputs(&self) -> Value {
        let out = self.run_ok(&["output", "-json", "-no-color"]);
        let doc: Value = serde_json::from_str(out.stdout.trim())
            .unwrap_or_else(|e| panic!("[{}] `output -json`: {e}\n{}", self.cli.label, out.describe()));
        let mut values = serde_json::Map::new();
        if let Some(map) = doc.as_object() {
            for (k, v) in map {
                values.insert(k.clone(), v["value"].clone());
            }
        }
        Value::Object(values)
    }

    pub fn import(&self, addr: &str, id: &str) -> RunOutput {
        self.run_ok(&["import", "-input=false", "-no-color", addr, id])
    }

    pub fn state_rm(&self, addr: &str) -> RunOutput {
        self.run_ok(&["state", "rm", addr])
    }

    /// `state pull`: the raw state document, as the backend stores it.
    pub fn state_pull(&self) -> String {
        self.run_ok(&["state", "pull"]).stdout
    }

    /// `plan -out` then `show -json` of that plan.
    pub fn plan_json(&self) -> Value {
        self.run_ok(&["plan", "-input=false", "-no-color", "-out=acctest.tfplan"]);
        let out = self.run_ok(&["show", "-json", "-no-color", "acctest.tfplan"]);
        serde_json::from_str(out.stdout.trim())
            .unwrap_or_else(|e| panic!("[{}] `show -json` of a plan: {e}\n{}", self.cli.label, out.describe()))
    }

    /// `state list`.
    pub fn state_list(&self) -> Vec<String> {
        let out = self.run_ok(&["state", "list"]);
        out.stdout.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
    }
}

/// The S3 backend settings pointing at the emulator, in the dialect `cli` accepts: Terraform < 1.6
/// takes `endpoint`/`dynamodb_endpoint`/`sts_endpoint`/`iam_endpoint` and `force_path_style`, newer
/// ones (and OpenTofu) `endpoints = { ... }` and `use_path_style`.
pub fn backend_config_text(cli: &Cli, backend: &StateBackend, endpoint: &str) -> String {
    let q = crate::hcl_string;
    let mut text = format!(
        "# Written by the dmslink acceptance tests for {}.\n\
         bucket         = {}\n\
         key            = {}\n\
         region         = {}\n\
         dynamodb_table = {}\n",
        cli.label,
        q(&backend.bucket),
        q(&backend.key),
        q(&backend.region),
        q(&backend.table),
    );
    text.push_str(&backend_endpoint_settings(cli, endpoint));
    text
}

/// The S3 backend settings that point the backend at the emulator at `endpoint` (bucket, key, table
/// and region left to the module), in the dialect `cli` accepts (see [`backend_config_text`]).
pub fn backend_endpoint_settings(cli: &Cli, endpoint: &str) -> String {
    let e = crate::hcl_string(endpoint);
    if cli.s3_backend_has_endpoints_block() {
        format!(
            "endpoints = {{\n  s3       = {e}\n  dynamodb = {e}\n  sts      = {e}\n  iam      = {e}\n}}\n\
             use_path_style              = true\n\
             skip_credentials_validation = true\n\
             skip_requesting_account_id  = true\n\
             skip_metadata_api_check     = true\n\
             skip_region_validation      = true\n"
        )
    } else {
        format!(
            "endpoint                    = {e}\n\
             dynamodb_endpoint           = {e}\n\
             sts_endpoint                = {e}\n\
             iam_endpoint                = {e}\n\
             force_path_style            = true\n\
             skip_credentials_validation = true\n\
             skip_metadata_api_check     = true\n\
             skip_region_validation      = true\n"
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::cli::{Flavor, Version};

    fn cli(version: Version) -> Cli {
        Cli {
            label: format!("terraform {version}"),
            path: PathBuf::from("terraform"),
            version,
            flavor: Flavor::Terraform,
        }
    }

    fn backend() -> StateBackend {
        StateBackend {
            bucket: "tfstate-dblink".into(),
            table: "terraform-lock-db".into(),
            key: "dblink-repl".into(),
            region: "ap-southeast-2".into(),
        }
    }

    #[test]
    fn backend_config_for_terraform_1_0() {
        let text = backend_config_text(&cli(Version::new(1, 0, 3)), &backend(), "http://127.0.0.1:1234");
        assert!(text.contains("endpoint                    = \"http://127.0.0.1:1234\""));
        assert!(text.contains("dynamodb_endpoint"));
        assert!(text.contains("force_path_style            = true"));
        assert!(!text.contains("endpoints ="));
        assert!(!text.contains("use_path_style"));
        assert!(text.contains("key            = \"dblink-repl\""));
    }

    #[test]
    fn backend_config_for_terraform_1_6_and_later() {
        let text = backend_config_text(&cli(Version::new(1, 11, 4)), &backend(), "http://127.0.0.1:1234");
        assert!(text.contains("endpoints = {"));
        assert!(text.contains("dynamodb = \"http://127.0.0.1:1234\""));
        assert!(text.contains("use_path_style              = true"));
        assert!(!text.contains("force_path_style"));
        assert!(!text.contains("dynamodb_endpoint"));
    }
}
