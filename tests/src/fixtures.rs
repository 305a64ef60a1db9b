//! AWS fixtures made with boto3 (`tests/emulator/fixtures.py`, run with the venv's python): the S3
//! state bucket and DynamoDB lock table, and the DMS stack `terraform-repltask` expects.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::process::run_with_timeout;

/// The S3 backend of a root module: bucket, lock table, state key.
#[derive(Clone, Debug)]
pub struct StateBackend {
    pub bucket: String,
    pub table: String,
    pub key: String,
    pub region: String,
}

/// What `terraform-main` would have produced.
#[derive(Clone, Debug)]
pub struct DmsStack {
    pub replication_instance_arns: Vec<String>,
    pub source_endpoint_arn: String,
    pub target_endpoint_arn: String,
}

impl DmsStack {
    /// The first replication instance.
    pub fn replication_instance_arn(&self) -> &str {
        self.replication_instance_arns.first().map(String::as_str).unwrap_or_default()
    }
}

/// Runs `fixtures.py` subcommands against one emulator.
#[derive(Clone, Debug)]
pub struct Fixtures {
    python: PathBuf,
    script: PathBuf,
    endpoint: String,
}

impl Fixtures {
    pub fn new(python: PathBuf, endpoint: String) -> Fixtures {
        let script = crate::workspace_root().join("tests").join("emulator").join("fixtures.py");
        Fixtures { python, script, endpoint }
    }

    /// Runs one subcommand and parses its JSON output; panics with the output on failure.
    pub fn run(&self, args: &[&str]) -> Value {
        let mut cmd = Command::new(&self.python);
        cmd.arg(&self.script)
            .args(args.iter().take(1))
            .args(["--endpoint", &self.endpoint, "--region", crate::REGION])
            .args(args.iter().skip(1))
            .env("AWS_ACCESS_KEY_ID", crate::TEST_ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", crate::TEST_SECRET_KEY)
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ENDPOINT_URL")
            .env("AWS_EC2_METADATA_DISABLED", "true");
        let out = run_with_timeout(cmd, Duration::from_secs(180));
        assert!(out.success(), "fixture failed:\n{}", out.describe());
        serde_json::from_str(out.stdout.trim())
            .unwrap_or_else(|e| panic!("fixture printed no JSON ({e}):\n{}", out.describe()))
    }

    /// The S3 bucket (versioned) and DynamoDB lock table (hash key `LockID`) of a state backend with
    /// state key `key`.
    pub fn state_backend(&self, bucket: &str, table: &str, key: &str) -> StateBackend {
        self.run(&["state-backend", "--bucket", bucket, "--table", table]);
        StateBackend {
            bucket: bucket.to_string(),
            table: table.to_string(),
            key: key.to_string(),
            region: crate::REGION.to_string(),
        }
    }

    /// Subnet group, `instances` replication instances, an Oracle source and a PostgreSQL target
    /// endpoint, all named after `name`.
    pub fn dms_stack(&self, name: &str, instances: usize) -> DmsStack {
        let n = instances.to_string();
        let doc = self.run(&["dms-stack", "--name", name, "--instances", &n]);
        let text = |key: &str| doc[key].as_str().unwrap_or_else(|| panic!("dms-stack: no {key} in {doc}")).to_string();
        let arns = doc["replication_instance_arns"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect::<Vec<_>>())
            .unwrap_or_default();
        assert_eq!(arns.len(), instances, "dms-stack: {doc}");
        DmsStack {
            replication_instance_arns: arns,
            source_endpoint_arn: text("source_endpoint_arn"),
            target_endpoint_arn: text("target_endpoint_arn"),
        }
    }

    /// A manual RDS snapshot named `name` (engine `oracle-ee`) to restore a source database from;
    /// returns its identifier.
    pub fn source_snapshot(&self, name: &str) -> String {
        let doc = self.run(&["source-snapshot", "--name", name]);
        doc["snapshot_identifier"].as_str().unwrap_or_else(|| panic!("source-snapshot: {doc}")).to_string()
    }

    /// The `dms-vpc-role` IAM role with `AmazonDMSVPCManagementRole` attached.
    pub fn dms_vpc_role(&self) {
        self.run(&["dms-vpc-role"]);
    }

    /// Keys of the objects in a state bucket.
    pub fn state_keys(&self, bucket: &str) -> Vec<String> {
        let doc = self.run(&["ls-state", "--bucket", bucket]);
        doc.as_array()
            .map(|a| a.iter().filter_map(|o| o["key"].as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    }

    /// The state document under `key`.
    pub fn state_document(&self, bucket: &str, key: &str) -> Value {
        self.run(&["get-state", "--bucket", bucket, "--key", key])
    }

    /// Items of a lock table (attribute name → value).
    pub fn lock_items(&self, table: &str) -> Vec<Value> {
        let doc = self.run(&["ls-locks", "--table", table]);
        doc.as_array().cloned().unwrap_or_default()
    }
}
