//! Least-privilege IAM, proven (issue 17 item 5): each resource's policy in `docs/iam/` is enough for
//! its whole life, every action in it is used, and without any one of them the run fails naming it.
//!
//! Per resource: the test's fixtures are made with the emulator's admin key, then the emulator
//! enforces IAM (`POST /_dmslink/iam/enforce`, `tests/emulator/dmslink_emulator/iam_enforcement.py`)
//! for an IAM user holding only `docs/iam/<resource>.json`, and the CLI runs as that user: create,
//! a plan with no changes, an in-place update, destroy. The emulator's decision log
//! (`GET /_dmslink/iam/authorizations`) must then show exactly the policy's actions allowed (less
//! the few, named in [`Proof::unused`], that only an error path or another configuration calls;
//! `docs/iam/README.md` says why) and nothing denied. Then, for a few actions of the create path,
//! the same policy without that action: the apply fails and its output names the action.
//! `iam_policy_every_action_removed` (ignored; `make reliability`-style runs) removes every
//! action of every policy in turn.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use dmslink_acctest::{Cli, RunOutput, TestBed, Workdir, workspace_root};
use serde_json::{Value, json};

/// The credentials of the IAM user the CLI runs as.
struct Creds {
    key: String,
    secret: String,
}

/// `docs/iam/<name>.json`.
fn policy(name: &str) -> Value {
    let path = workspace_root().join("docs").join("iam").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()))
}

/// Every action a policy allows (its statements are all `Allow` on `*`, asserted here).
fn actions_of(policy: &Value) -> BTreeSet<String> {
    assert_eq!(policy["Version"], "2012-10-17", "policy version: {policy}");
    let mut out = BTreeSet::new();
    for st in policy["Statement"].as_array().expect("Statement list") {
        assert_eq!(st["Effect"], "Allow", "{st}");
        assert_eq!(st["Resource"], "*", "the proof needs Resource \"*\" (moto checks no ARN): {st}");
        for a in st["Action"].as_array().expect("Action list") {
            let a = a.as_str().expect("action string").to_string();
            assert!(!a.contains('*'), "no wildcards in a least-privilege policy: {a}");
            assert!(out.insert(a.clone()), "{a} listed twice");
        }
    }
    out
}

/// `policy` without `action`.
fn without(policy: &Value, action: &str) -> Value {
    let mut p = policy.clone();
    for st in p["Statement"].as_array_mut().expect("Statement list") {
        st["Action"].as_array_mut().expect("Action list").retain(|a| a != action);
    }
    p["Statement"].as_array_mut().expect("Statement list").retain(|st| st["Action"] != json!([]));
    p
}

/// Turns enforcement on for `user` holding only `policy`.
fn enforce(bed: &TestBed, user: &str, policy: &Value) -> Creds {
    let body = json!({ "user": user, "policy": policy }).to_string();
    let doc = bed.emulator.control("POST", "/_dmslink/iam/enforce", Some(body.as_bytes()));
    Creds {
        key: doc["access_key_id"].as_str().expect("access_key_id").to_string(),
        secret: doc["secret_access_key"].as_str().expect("secret_access_key").to_string(),
    }
}

fn stop_enforcing(bed: &TestBed) {
    bed.emulator.control("DELETE", "/_dmslink/iam/enforce", None);
}

fn clear_decisions(bed: &TestBed) {
    bed.emulator.control("DELETE", "/_dmslink/iam/authorizations", None);
}

/// The actions allowed and denied for `creds` since the last [`clear_decisions`].
fn decisions(bed: &TestBed, creds: &Creds) -> (BTreeSet<String>, BTreeSet<String>) {
    let doc = bed.emulator.control("GET", "/_dmslink/iam/authorizations", None);
    let (mut allowed, mut denied) = (BTreeSet::new(), BTreeSet::new());
    for d in doc.as_array().expect("decision list") {
        if d["access_key"] != creds.key.as_str() {
            continue;
        }
        let action = d["action"].as_str().unwrap_or_default().to_string();
        if d["allowed"] == true {
            allowed.insert(action)
        } else {
            denied.insert(action)
        };
    }
    (allowed, denied)
}

fn as_user(wd: &mut Workdir, creds: &Creds) {
    wd.set_env("AWS_ACCESS_KEY_ID", &creds.key).set_env("AWS_SECRET_ACCESS_KEY", &creds.secret);
}

/// Runs `step`, printing how long it took.
fn timed<T>(what: &str, step: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = step();
    eprintln!("    {what}: {:.1?}", started.elapsed());
    out
}

/// A workdir of the bed holding only `main.tf` (local state).
fn workdir(bed: &TestBed, cli: &Cli, hcl: &str) -> Workdir {
    let wd = bed.workdir(cli, "peering-same-account");
    wd.write("main.tf", hcl);
    wd
}

/// The tags after the update: one changed, one removed.
const TAGS_AFTER: &str = r#"{ owner = "iam-proof-2" }"#;

const PROVIDER: &str = r#"terraform {
  required_providers {
    dmslink = {
      source = "dmslink/dmslink"
    }
  }
}

provider "dmslink" {
  region = "ap-southeast-2"
}
"#;

// ---------------------------------------------------------------------------------------------
// The resources
// ---------------------------------------------------------------------------------------------

/// What one resource's proof runs.
struct Proof {
    /// `docs/iam/<policy>.json`.
    policy: &'static str,
    /// Actions of the policy the proven run does not call, each with why it is in the policy.
    unused: &'static [(&'static str, &'static str)],
    /// Actions removed one at a time in `make test` (the create path needs each).
    removed: &'static [&'static str],
    /// Makes the fixtures (admin key, before enforcement) and an initialised workdir; returns the
    /// fixture ids the lifecycle needs.
    setup: fn(&TestBed, &Cli) -> (Workdir, Value),
    /// The whole life, as the user: create, no-op plan, update, no-op plan, destroy. It may prove
    /// a data source's policy on the way (see [`prove_data_source`]).
    lifecycle: fn(&TestBed, &mut Workdir, &Value),
}

/// A data source's policy: `hcl` read (`apply` of a configuration with only that data source and
/// an output) by a second IAM user holding only `docs/iam/<policy>.json`; its decisions must be
/// exactly the policy's actions.
fn prove_data_source(bed: &TestBed, cli: &Cli, policy_name: &str, hcl: &str, vars: &[(&str, &str)]) {
    let started = Instant::now();
    let discovering = DISCOVERING.load(Ordering::SeqCst);
    let policy = if discovering { wildcard() } else { policy(policy_name) };
    let creds = enforce(bed, &format!("dmslink-{policy_name}"), &policy);
    let mut wd = workdir(bed, cli, &format!("{PROVIDER}{hcl}"));
    for (k, v) in vars {
        wd.set_var(k, *v);
    }
    wd.init();
    as_user(&mut wd, &creds);
    wd.apply();
    wd.expect_plan(0, "plan after reading the data source");
    let (allowed, denied) = decisions(bed, &creds);
    if discovering {
        let allowed = used(allowed);
        eprintln!("=== {policy_name} ({} actions): {}", allowed.len(), json!(allowed));
        return;
    }
    let documented = actions_of(&policy);
    assert!(denied.is_empty(), "[{policy_name}] denied: {denied:?}");
    assert_eq!(
        used(allowed),
        documented,
        "[{policy_name}] docs/iam/{policy_name}.json vs the actions the read was allowed"
    );
    eprintln!("=== {policy_name}: read with {} actions in {:.1?}", documented.len(), started.elapsed());
}

/// The actions a policy must list: `sts:GetCallerIdentity` needs no permission (AWS: "No
/// permissions are required to perform this operation"; moto always allows it), so it is left out.
fn used(allowed: BTreeSet<String>) -> BTreeSet<String> {
    allowed.into_iter().filter(|a| a != "sts:GetCallerIdentity").collect()
}

// ---- dmslink_repltask ------------------------------------------------------------------------

const REPLTASK: &str = r#"
variable "instance_arn" {}
variable "source_arn" {}
variable "target_arn" {}
variable "tags" {
  type    = map(string)
  default = { owner = "iam-proof", team = "dms" }
}
variable "start" {
  default = false
}
variable "rules" {
  type    = list(string)
  default = ["WEB%"]
}

resource "dmslink_repltask" "t" {
  replication_task_id      = "iam-proof-task"
  migration_type           = "full-load-and-cdc"
  replication_instance_arn = var.instance_arn
  source_endpoint_arn      = var.source_arn
  target_endpoint_arn      = var.target_arn
  start_replication_task   = var.start
  table_mappings = jsonencode({
    rules = [for i, t in var.rules : {
      rule-type      = "selection"
      rule-id        = tostring(i + 1)
      rule-name      = tostring(i + 1)
      object-locator = { schema-name = "ROCKPROPS", table-name = t }
      rule-action    = "include"
    }]
  })

  logging {
    enabled                  = true
    dms_cloudwatch_logs_role = "create"
  }

  tags = var.tags
}

output "task_arn" {
  value = dmslink_repltask.t.replication_task_arn
}
"#;

/// `dmslink_repltask_tables` of the proof's task.
const REPLTASK_TABLES: &str = r#"
variable "task_arn" {}

data "dmslink_repltask_tables" "t" {
  replication_task_arn = var.task_arn
}

output "tables" {
  value = length(data.dmslink_repltask_tables.t.tables)
}
"#;

fn repltask_setup(bed: &TestBed, cli: &Cli) -> (Workdir, Value) {
    let stack = bed.fixtures().dms_stack("iam-proof", 2);
    let mut wd = workdir(bed, cli, &format!("{PROVIDER}{REPLTASK}"));
    wd.set_var("instance_arn", stack.replication_instance_arn())
        .set_var("source_arn", &stack.source_endpoint_arn)
        .set_var("target_arn", &stack.target_endpoint_arn);
    wd.init();
    (wd, json!({ "second_instance_arn": stack.replication_instance_arns[1] }))
}

fn repltask_lifecycle(bed: &TestBed, wd: &mut Workdir, ids: &Value) {
    timed("create", || wd.apply());
    timed("plan", || wd.expect_plan(0, "plan after create"));
    // A start that fails: the error quotes the task's log and the connection tests (the failure
    // report), which needs reads of its own.
    let task_arn = wd.outputs()["task_arn"].as_str().expect("task_arn output").to_string();
    bed.emulator.task_failure(json!({
        "task": task_arn, "message": "ORA-01017: invalid username/password", "when": "on-start"
    }));
    wd.set_var("start", "true");
    let out = timed("failed start", || wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"]));
    assert!(!out.success() && out.stderr.contains("ORA-01017"), "the start did not fail:\n{}", out.describe());
    timed("start", || wd.apply());
    timed("data source", || {
        prove_data_source(bed, wd.cli(), "data-repltask-tables", REPLTASK_TABLES, &[("task_arn", &task_arn)]);
    });
    // In place: mappings and tags changed, the running task moved to the second instance.
    wd.set_var("rules", r#"["WEB%", "APP%"]"#).set_var("tags", TAGS_AFTER);
    wd.set_var("instance_arn", ids["second_instance_arn"].as_str().expect("second instance"));
    timed("update", || wd.apply());
    timed("plan", || wd.expect_plan(0, "plan after the update"));
    timed("destroy", || wd.destroy());
}

const REPLTASK_PROOF: Proof = Proof {
    policy: "repltask",
    unused: &[
        (
            "dms:DescribeEndpoints",
            "only to name an endpoint DMS is still testing when a start waits for it (after an endpoint change)",
        ),
        ("iam:TagRole", "creating dms-cloudwatch-logs-role with the provider's default_tags: IAM checks iam:TagRole"),
    ],
    removed: &["dms:CreateReplicationTask", "iam:CreateRole"],
    setup: repltask_setup,
    lifecycle: repltask_lifecycle,
};

// ---- dmslink_main ----------------------------------------------------------------------------

const MAIN: &str = r#"
variable "snapshot" {}
variable "tags" {
  type    = map(string)
  default = { owner = "iam-proof", team = "dms" }
}
variable "instance_class" {
  default = "dms.t3.medium"
}
variable "target_class" {
  default = "db.t3.medium"
}

resource "dmslink_main" "m" {
  name         = "iam-proof"
  environment  = "test"
  dms_vpc_role = "create"

  network {
    vpc_cidr           = "10.30.0.0/24"
    availability_zones = ["ap-southeast-2a", "ap-southeast-2b"]
    subnet_cidrs       = ["10.30.0.0/26", "10.30.0.64/26"]
    vpn_gateway        = true
    internet_gateway   = true
  }

  source {
    name          = "geodesy"
    engine_name   = "oracle"
    database_name = "GEODESY"
    username      = "dms_reader"
    password      = "Source-app-pw-0001"

    rds {
      snapshot_identifier = var.snapshot
      instance_class      = "db.t3.medium"
    }
  }

  target {
    database_name = "dblink"
    username      = "dblink"
    password      = "Target-master-pw-0001"

    manage_login_secret         = true
    secrets_manager_access_role = "create"

    rds {
      engine          = "postgres"
      instance_class  = var.target_class
      master_username = "dblink"
      master_password = "Target-master-pw-0001"
    }
  }

  replication_instance {
    replication_instance_class = var.instance_class
    allocated_storage          = 50
  }

  tags = var.tags
}
"#;

/// `dmslink_main` (the data source) of the proof's stack.
const MAIN_DATA: &str = r#"
data "dmslink_main" "m" {
  name        = "iam-proof"
  environment = "test"
}

output "replication_instance_arn" {
  value = data.dmslink_main.m.replication_instance_arn
}
"#;

fn main_setup(bed: &TestBed, cli: &Cli) -> (Workdir, Value) {
    let snapshot = bed.fixtures().source_snapshot("iam-proof-oracle-seed");
    let mut wd = workdir(bed, cli, &format!("{PROVIDER}{MAIN}"));
    wd.set_var("snapshot", snapshot);
    wd.init();
    (wd, Value::Null)
}

fn main_lifecycle(bed: &TestBed, wd: &mut Workdir, _ids: &Value) {
    timed("create", || wd.apply());
    timed("plan", || wd.expect_plan(0, "plan after create"));
    timed("data source", || prove_data_source(bed, wd.cli(), "data-main", MAIN_DATA, &[]));
    wd.set_var("tags", TAGS_AFTER).set_var("instance_class", "dms.t3.large").set_var("target_class", "db.t3.large");
    timed("update", || wd.apply());
    timed("plan", || wd.expect_plan(0, "plan after the update"));
    timed("destroy", || wd.destroy());
}

const MAIN_PROOF: Proof = Proof {
    policy: "main",
    unused: &[
        ("dms:ModifyEndpoint", "a change of an endpoint's settings (login, port, SSL, engine settings)"),
        ("dms:TestConnection", "test_connections = true: each endpoint is tested after create and update"),
        ("dms:StopReplicationTask", "an endpoint change stops the running tasks that use the endpoint ..."),
        ("dms:StartReplicationTask", "... and resumes them afterwards"),
        ("dms:ImportCertificate", "an endpoint's certificate_pem (SSL verify-ca / verify-full)"),
        ("dms:DescribeCertificates", "reading back the imported certificate"),
        ("dms:DeleteCertificate", "removing the imported certificate with its endpoint"),
        ("ec2:AuthorizeSecurityGroupEgress", "the stack's security group has lost its egress rule"),
        ("secretsmanager:GetSecretValue", "import: the target's login secret is read back"),
        (
            "secretsmanager:RestoreSecret",
            "a login secret left scheduled for deletion by an earlier destroy is restored",
        ),
        ("iam:ListRolePolicies", "dms_vpc_role = \"check\" on a role whose permissions are inline ..."),
        ("iam:GetRolePolicy", "... each inline policy read"),
        ("iam:GetPolicy", "... or in customer-managed policies instead of AmazonDMSVPCManagementRole ..."),
        ("iam:GetPolicyVersion", "... each one's default version read"),
        (
            "iam:PassRole",
            "AWS checks it for the endpoint's SecretsManagerAccessRoleArn (CreateEndpoint, ModifyEndpoint); \
             moto checks only the called action",
        ),
    ],
    // The first call of the create that changes anything, and the replication instance's create:
    // a refusal of the caller's own permission fails at once, where DMS's AccessDeniedFault for a
    // role still propagating is retried for two minutes (the others take the stack's RDS instances'
    // create times each; iam_policy_every_action_removed covers them).
    removed: &["ec2:CreateVpc", "dms:CreateReplicationInstance"],
    setup: main_setup,
    lifecycle: main_lifecycle,
};

// ---- dmslink_peering -------------------------------------------------------------------------

const PEERING: &str = r#"
variable "dms_vpc_id" {}
variable "app_vpc_id" {}
variable "security_group_id" {}
variable "ports" {
  type    = list(number)
  default = [5432]
}
variable "tags" {
  type    = map(string)
  default = { owner = "iam-proof", team = "dms" }
}

resource "dmslink_peering" "p" {
  vpc_id            = var.dms_vpc_id
  peer_vpc_id       = var.app_vpc_id
  security_group_id = var.security_group_id
  ports             = var.ports

  tags = var.tags
}
"#;

fn peering_setup(bed: &TestBed, cli: &Cli) -> (Workdir, Value) {
    let fixtures = bed.fixtures();
    let dms = fixtures.vpc(None, "iam-proof-dms", "10.31.0.0/16", true);
    let app = fixtures.vpc(None, "iam-proof-app", "10.32.0.0/16", false);
    let mut wd = workdir(bed, cli, &format!("{PROVIDER}{PEERING}"));
    wd.set_var("dms_vpc_id", &dms.vpc_id)
        .set_var("app_vpc_id", &app.vpc_id)
        .set_var("security_group_id", dms.security_group_id.as_deref().expect("security group"));
    wd.init();
    (wd, Value::Null)
}

fn peering_lifecycle(_bed: &TestBed, wd: &mut Workdir, _ids: &Value) {
    timed("create", || wd.apply());
    timed("plan", || wd.expect_plan(0, "plan after create"));
    wd.set_var("ports", "[1521]").set_var("tags", TAGS_AFTER);
    timed("update", || wd.apply());
    timed("plan", || wd.expect_plan(0, "plan after the update"));
    timed("destroy", || wd.destroy());
}

const PEERING_PROOF: Proof = Proof {
    policy: "peering",
    unused: &[
        ("ec2:ReplaceRoute", "a route to the peer's CIDR that already exists through another target is replaced"),
        ("sts:AssumeRole", "accepter { assume_role_arn }: the accepter side of a cross-account peering"),
    ],
    removed: &["ec2:CreateVpcPeeringConnection", "ec2:AcceptVpcPeeringConnection"],
    setup: peering_setup,
    lifecycle: peering_lifecycle,
};

/// Every proof, for the ignored whole-matrix runs.
const PROOFS: &[&Proof] = &[&REPLTASK_PROOF, &MAIN_PROOF, &PEERING_PROOF];

// ---------------------------------------------------------------------------------------------
// The proof
// ---------------------------------------------------------------------------------------------

fn first_cli(bed: &TestBed) -> Cli {
    bed.clis().first().expect("at least one CLI").clone()
}

/// Every action of every service the provider calls: what `iam_policy_discover` runs with.
fn wildcard() -> Value {
    let services = ["dms", "ec2", "rds", "iam", "secretsmanager", "logs", "sts"];
    json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": services.map(|s| format!("{s}:*")), "Resource": "*"}]
    })
}

/// The actions a lifecycle is allowed under [`wildcard`]: what a policy must list.
fn discover(bed: &TestBed, proof: &Proof) -> BTreeSet<String> {
    let cli = first_cli(bed);
    bed.emulator.reset();
    let (mut wd, ids) = (proof.setup)(bed, &cli);
    let creds = enforce(bed, &format!("dmslink-{}", proof.policy), &wildcard());
    clear_decisions(bed);
    as_user(&mut wd, &creds);
    (proof.lifecycle)(bed, &mut wd, &ids);
    let (allowed, _) = decisions(bed, &creds);
    stop_enforcing(bed);
    allowed
}

/// The positive half: the whole life as the user, then the decision log against the policy.
fn prove_lifecycle(bed: &TestBed, proof: &Proof) {
    let cli = first_cli(bed);
    let started = Instant::now();
    bed.emulator.reset();
    let (mut wd, ids) = (proof.setup)(bed, &cli);
    let policy = policy(proof.policy);
    let documented = actions_of(&policy);
    let creds = enforce(bed, &format!("dmslink-{}", proof.policy), &policy);
    clear_decisions(bed);
    as_user(&mut wd, &creds);
    (proof.lifecycle)(bed, &mut wd, &ids);
    let (allowed, denied) = decisions(bed, &creds);
    let allowed = used(allowed);
    stop_enforcing(bed);
    assert!(denied.is_empty(), "[{}] denied during the lifecycle: {denied:?}", proof.policy);
    let unused: BTreeSet<String> = proof.unused.iter().map(|(a, _)| a.to_string()).collect();
    let expected: BTreeSet<String> = documented.difference(&unused).cloned().collect();
    let missing: Vec<&String> = expected.difference(&allowed).collect();
    let extra: Vec<&String> = allowed.difference(&documented).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "[{}] docs/iam/{}.json vs the actions the lifecycle was allowed:\n  documented, not used: {missing:?}\n  \
         used, not documented (cannot happen under enforcement unless Resource/wildcards crept in): {extra:?}\n  \
         used: {allowed:?}",
        proof.policy,
        proof.policy
    );
    for a in &unused {
        assert!(!allowed.contains(a), "[{}] {a} is listed as unused but was called", proof.policy);
    }
    eprintln!(
        "=== {}: lifecycle with {} actions ({} used) in {:.1?}",
        proof.policy,
        documented.len(),
        allowed.len(),
        started.elapsed()
    );
}

/// The negative half: without `action` the create fails, and its output names the action.
fn prove_needed(bed: &TestBed, proof: &Proof, action: &str) -> RunOutput {
    let cli = first_cli(bed);
    bed.emulator.reset();
    let (mut wd, _) = (proof.setup)(bed, &cli);
    let creds = enforce(bed, &format!("dmslink-{}", proof.policy), &without(&policy(proof.policy), action));
    clear_decisions(bed);
    as_user(&mut wd, &creds);
    let out = wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    let (_, denied) = decisions(bed, &creds);
    stop_enforcing(bed);
    assert!(!out.success(), "[{}] apply without {action} succeeded:\n{}", proof.policy, out.describe());
    assert!(denied.contains(action), "[{}] {action} was never refused (denied: {denied:?})", proof.policy);
    let text = out.combined().split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains(action), "[{}] the failed apply does not name {action}:\n{}", proof.policy, out.describe());
    // The provider's own sentence: the permission and the object the call was about.
    let hint = format!("Missing IAM permission: {action} on ");
    assert!(
        dmslink_acctest::parse_diagnostics(&out.stderr).iter().any(|d| d.detail.contains(&hint)),
        "[{}] no diagnostic says {hint:?}:\n{}",
        proof.policy,
        out.describe()
    );
    out
}

fn prove(name: &str, proof: &Proof) {
    let Some(bed) = TestBed::start(name) else {
        return;
    };
    prove_lifecycle(&bed, proof);
    for action in proof.removed {
        let started = Instant::now();
        let out = prove_needed(&bed, proof, action);
        let error = out.stderr.trim();
        eprintln!("=== {}: without {action}: refused in {:.1?}:\n{error}", proof.policy, started.elapsed());
    }
}

#[test]
fn iam_policy_repltask() {
    prove("iam_policy_repltask", &REPLTASK_PROOF);
}

#[test]
fn iam_policy_main() {
    prove("iam_policy_main", &MAIN_PROOF);
}

#[test]
fn iam_policy_peering() {
    prove("iam_policy_peering", &PEERING_PROOF);
}

/// Set by `iam_policy_discover`: the data sources run under [`wildcard`] too.
static DISCOVERING: AtomicBool = AtomicBool::new(false);

/// What each lifecycle calls under a policy allowing every action of the provider's services: the
/// starting point of a policy after the provider changed (prints one JSON list per resource).
#[test]
#[ignore = "prints the actions each lifecycle calls; run by hand when the provider's calls change"]
fn iam_policy_discover() {
    let Some(bed) = TestBed::start("iam_policy_discover") else {
        return;
    };
    DISCOVERING.store(true, Ordering::SeqCst);
    let only = std::env::var("DMSLINK_IAM_ONLY").unwrap_or_default();
    for proof in PROOFS.iter().filter(|p| only.is_empty() || only.split(',').any(|o| o == p.policy)) {
        let used = used(discover(&bed, proof));
        eprintln!("=== {} ({} actions): {}", proof.policy, used.len(), json!(used));
    }
}

/// Every action of every policy removed in turn (the error paths' actions and those of other
/// configurations, listed in [`Proof::unused`], are skipped: the lifecycle does not call them):
/// the run fails naming the action. Long (the main stack's create per action); for
/// `make reliability`-style runs.
#[test]
#[ignore = "every action removed in turn: long; run with --ignored"]
fn iam_policy_every_action_removed() {
    let Some(bed) = TestBed::start("iam_policy_every_action_removed") else {
        return;
    };
    for proof in PROOFS {
        let unused: BTreeSet<&str> = proof.unused.iter().map(|(a, _)| *a).collect();
        for action in actions_of(&policy(proof.policy)) {
            if unused.contains(action.as_str()) {
                continue;
            }
            let started = Instant::now();
            prove_needed_anywhere(&bed, proof, &action);
            eprintln!("=== {}: without {action}: refused in {:.1?}", proof.policy, started.elapsed());
        }
    }
}

/// Like [`prove_needed`], but the action may be needed by any step of the lifecycle, not only the
/// create: the lifecycle runs as the user until a step fails, and that failure must name it.
fn prove_needed_anywhere(bed: &TestBed, proof: &Proof, action: &str) {
    let cli = first_cli(bed);
    bed.emulator.reset();
    let (mut wd, ids) = (proof.setup)(bed, &cli);
    let creds = enforce(bed, &format!("dmslink-{}", proof.policy), &without(&policy(proof.policy), action));
    clear_decisions(bed);
    as_user(&mut wd, &creds);
    let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (proof.lifecycle)(bed, &mut wd, &ids)));
    let (_, denied) = decisions(bed, &creds);
    stop_enforcing(bed);
    let message = match failed {
        Ok(()) => panic!("[{}] the whole lifecycle succeeded without {action}", proof.policy),
        Err(payload) => payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default(),
    };
    assert!(denied.contains(action), "[{}] {action} was never refused (denied: {denied:?})", proof.policy);
    let text = message.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains(action), "[{}] the failure does not name {action}:\n{message}", proof.policy);
}
